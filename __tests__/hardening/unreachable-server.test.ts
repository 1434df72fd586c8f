import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveTopology } from "../../constructs/core/topology";
import { CHECK } from "../../smoke/check-names";
import { runSmokeCli } from "../../smoke/cli";
import { runSmoke } from "../../smoke/run-smoke";
import type { SmokeReport } from "../../smoke/smoke-report";
import { freePort } from "../helpers/nats-server-process";
import { issueTopologyPki, type TopologyPki } from "../helpers/topology-pki";
import { smokeTopology, terraformOutputJsonFor, type TerraformOutputJson } from "../smoke/deployed-outputs";

/**
 * The smoke test against a NATS server that is not there: a port nobody
 * listens on, a blackhole that accepts TCP and never says a word, and one
 * that greets like NATS but never answers the TLS handshake. Each must fail
 * in bounded time with a message that says what was tried, never hang. The
 * first check (the server certificate) owns the connect timeout; when it
 * cannot reach the server, nothing else is tried against it.
 *
 * The bound asserted is generous (the connect timeout, plus one canary
 * request timeout, plus slack for a loaded machine): it tells a hang from a
 * failure. The real times are reported.
 */

const CONNECT_TIMEOUT_MS = 1000;
/** The CLI's defaults: it has no connect timeout option. */
const CLI_CONNECT_TIMEOUT_MS = 5000;
/** One HTTP request to a canary (runCanaryChecks' default), which runs after the NATS checks. */
const CANARY_REQUEST_TIMEOUT_MS = 5000;
const SLACK_MS = 5000;

let pki: TopologyPki;
let work: string;
let closedUrl: string;
const servers: Server[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "unreachable-"));
  pki = await issueTopologyPki(resolveTopology(smokeTopology()), work);
  // The canaries are not reachable either, and fail fast: the time measured is the NATS side's.
  closedUrl = `http://127.0.0.1:${await freePort()}`;
});

afterAll(async () => {
  sockets.forEach((socket) => socket.destroy());
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(work, { recursive: true, force: true });
});

function report(line: string): void {
  process.stdout.write(`[unreachable] ${line}\n`);
}

/** What the deployment's outputs would say, with NATS at `port` of localhost and the canaries at a closed port. */
function outputsFor(port: number): TerraformOutputJson {
  const outputs = terraformOutputJsonFor(pki, port, smokeTopology());
  const retarget = (name: string, edit: (value: any) => unknown) => {
    if (outputs[name]) outputs[name] = { ...outputs[name], value: edit(outputs[name].value) };
  };
  retarget("engine_api_url", () => closedUrl);
  retarget("engines", (engines: Record<string, object>) =>
    Object.fromEntries(Object.entries(engines).map(([name, engine]) => [name, { ...engine, api_url: closedUrl }])),
  );
  retarget("webhook_endpoints", (endpoints: Record<string, object>) =>
    Object.fromEntries(Object.entries(endpoints).map(([key, endpoint]) => [key, { ...endpoint, url: closedUrl }])),
  );
  return outputs;
}

/** Listens on a free loopback port; `onConnection` decides what the peer hears (nothing, by default). */
async function listen(onConnection: (socket: Socket) => void = () => undefined): Promise<number> {
  const server = createServer((socket) => {
    sockets.push(socket);
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
}

/** Each target: how to open it, and the reason the first check must give. */
const targets: [string, () => Promise<number>, (port: number, timeoutMs: number) => RegExp][] = [
  [
    "a port nobody listens on",
    () => freePort(),
    (port) => new RegExp(`cannot reach localhost:${port}: connect ECONNREFUSED`),
  ],
  [
    "a blackhole that accepts TCP and never speaks",
    () => listen(),
    (port, timeoutMs) => new RegExp(`no NATS greeting from localhost:${port} within ${timeoutMs} ms`),
  ],
  [
    "a server that greets like NATS and never answers the TLS handshake",
    () =>
      listen((socket) =>
        socket.write('INFO {"server_id":"blackhole","tls_required":true,"tls_verify":true,"max_payload":1048576}\r\n'),
      ),
    (port, timeoutMs) => new RegExp(`no TLS handshake with localhost:${port} within ${timeoutMs} ms`),
  ],
];

/** Only the first check ran; everything else against the server was not run, and nothing passed. */
function expectStoppedAtTheServerCertificate(smoke: SmokeReport, detail: RegExp): void {
  const [first, ...rest] = smoke.checks;
  expect(first).toMatchObject({ check: CHECK.serverCertificate, result: "failed" });
  expect(first.detail).toMatch(detail);
  expect(first.detail).toContain("Is the NATS container running and its port published?");
  const nats = rest.filter((check) => check.check !== CHECK.wholePath);
  expect(nats.length).toBeGreaterThan(10);
  expect(new Set(nats.map((check) => check.result))).toEqual(new Set(["not_run"]));
  expect(smoke.summary.passed).toBe(0);
  expect(smoke.ok).toBe(false);
}

describe.each(targets)("GIVEN the NATS address is %s", (label, open, expectedDetail) => {
  let port: number;

  beforeAll(async () => {
    port = await open();
  });

  test("WHEN runSmoke runs THEN it fails within the connect timeout, naming the address and what to check", async () => {
    const outputs = outputsFor(port);
    const started = performance.now();
    const smoke = await runSmoke({
      outputs,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      eventTimeoutMs: 1000,
    });
    const elapsed = performance.now() - started;
    report(`runSmoke, ${label}: failed in ${Math.round(elapsed)} ms (connect timeout ${CONNECT_TIMEOUT_MS} ms)`);

    expectStoppedAtTheServerCertificate(smoke, expectedDetail(port, CONNECT_TIMEOUT_MS));
    expect(elapsed).toBeLessThan(CONNECT_TIMEOUT_MS + CANARY_REQUEST_TIMEOUT_MS + SLACK_MS);
  });
});

// The CLI has no connect timeout option: each of these takes its 5 s default, so the two
// that matter (nothing listening, a silent peer) are run through it.
describe.each(targets.slice(0, 2))(
  "GIVEN the smoke CLI and a NATS address that is %s",
  (label, open, expectedDetail) => {
    let port: number;

    beforeAll(async () => {
      port = await open();
    });

    test("WHEN it runs with its defaults THEN it exits 1 in bounded time with the reason, and no stack trace", async () => {
      const file = join(work, `outputs-${port}.json`);
      writeFileSync(file, JSON.stringify(outputsFor(port)), { mode: 0o600 });
      let stdout = "";
      let stderr = "";
      const started = performance.now();
      const code = await runSmokeCli(["--outputs", file], {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
      });
      const elapsed = performance.now() - started;
      report(`smoke CLI (--outputs FILE, default timeouts), ${label}: exit ${code} in ${Math.round(elapsed)} ms`);

      expect({ code, stderr }).toEqual({ code: 1, stderr: "" });
      expect(stdout).toMatch(
        new RegExp(
          `FAILED: ${CHECK.serverCertificate} \\[[^\\]]*\\]: ${expectedDetail(port, CLI_CONNECT_TIMEOUT_MS).source}`,
        ),
      );
      expect(stdout).not.toMatch(/^\s+at |PRIVATE KEY/m);
      expect(elapsed).toBeLessThan(CLI_CONNECT_TIMEOUT_MS + CANARY_REQUEST_TIMEOUT_MS + SLACK_MS);
    });
  },
);
