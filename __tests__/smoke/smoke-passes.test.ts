import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { CHECK } from "../../smoke/check-names";
import { runSmokeCli } from "../../smoke/cli";
import { runSmoke } from "../../smoke/run-smoke";
import type { SmokeReport } from "../../smoke/smoke-report";
import { startCanaryFleet, type CanaryFleet } from "../helpers/canary-fleet";
import { startSecuredNats, type SecuredNats } from "../helpers/secured-nats";
import {
  smokeTopology,
  synthesizedStack,
  terraformOutputJson,
  writeCdktfOutputsFile,
  type TerraformOutputJson,
} from "./deployed-outputs";

/**
 * The smoke test against a real nats-server running the rendered config,
 * with certificates for the same identities, through both input ways: the
 * file `cdktf deploy --outputs-file` writes, and `terraform output -json`
 * from a stub `terraform` on PATH. On a correct topology it must pass.
 */

const ROOT = join(__dirname, "../..");
const FAST = { eventTimeoutMs: 3000, connectTimeoutMs: 3000 };

let nats: SecuredNats;
let fleet: CanaryFleet;
let work: string;
let outputs: TerraformOutputJson;
let stackName: string;

beforeAll(async () => {
  nats = await startSecuredNats(smokeTopology());
  // The default images: the engine and the webhook collectors are canaries, so the whole path runs too.
  fleet = await startCanaryFleet(nats);
  work = mkdtempSync(join(tmpdir(), "smoke-"));
  outputs = terraformOutputJson(nats, smokeTopology(), fleet);
  stackName = synthesizedStack(smokeTopology()).name;
});

afterAll(async () => {
  await fleet?.stop();
  await nats?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/**
 * A cdktf project directory with cdktf.out/stacks/<stack> and a stub Terraform
 * (named `binary`) that prints `outputs` for `output -json`, run in the stack's directory.
 */
function projectWithStubTerraform(name: string, binary: string, printed: unknown): { dir: string; bin: string } {
  const dir = join(work, name);
  const bin = join(dir, "bin");
  mkdirSync(join(dir, "cdktf.out", "stacks", stackName), { recursive: true });
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(dir, "cdktf.out", "manifest.json"),
    JSON.stringify({ stacks: { [stackName]: { workingDirectory: `stacks/${stackName}` } } }),
  );
  writeFileSync(join(bin, "outputs.json"), JSON.stringify(printed), { mode: 0o600 });
  const script = [
    "#!/bin/sh",
    "# Stub: only `output -json`, only in the synthesized stack's directory.",
    `[ "$1 $2" = "output -json" ] || { echo "stub terraform: unexpected arguments: $*" >&2; exit 64; }`,
    `case "$PWD" in */cdktf.out/stacks/${stackName}) ;; *) echo "stub terraform: run in $PWD" >&2; exit 65;; esac`,
    `exec cat "${join(bin, "outputs.json")}"`,
  ].join("\n");
  writeFileSync(join(bin, binary), `${script}\n`);
  chmodSync(join(bin, binary), 0o755);
  return { dir, bin };
}

/** Every check ran and passed, the whole path through each webhook canary included. */
function expectAllPassed(report: SmokeReport): void {
  expect(report.checks.filter((check) => check.result !== "passed")).toEqual([]);
  expect(
    report.checks
      .filter((check) => check.check === CHECK.wholePath)
      .map((check) => check.identity)
      .sort(),
  ).toEqual([...fleet.webhooks.keys()].map((key) => `collector/${key}`).sort());
  expect(report.ok).toBe(true);
}

/**
 * NATS checks: 3 global; for the engine (which reads every tenant) 4: connect, subscribe, deny subscribing beyond,
 * deny publish; 1 for the system identity; 6 per collector; plus one whole path per webhook.
 */
function expectedPassed(): number {
  return 3 + 4 + 1 + 6 * smokeTopology().collectors.length + fleet.webhooks.size;
}

describe("GIVEN a correctly configured topology", () => {
  test("WHEN the outputs come from the file `cdktf deploy --outputs-file … --outputs-file-include-sensitive-outputs` writes THEN every check passes", async () => {
    const file = join(work, "outputs.json");
    writeCdktfOutputsFile(file, synthesizedStack(smokeTopology()).stack, outputs, true);

    const report = await runSmoke({ outputsFile: file, ...FAST });

    expectAllPassed(report);
    expect(report.summary).toEqual({ passed: expectedPassed(), failed: 0, notRun: 0 });
    expect(report.target).toEqual({
      server: `localhost:${nats.server.port}`,
      servername: "localhost",
      outputs: `${file} (cdktf outputs file, stack ${stackName})`,
    });
    expect(report.checks.map((check) => `${check.check} [${check.identity}]`)).toEqual(
      expect.arrayContaining([
        `${CHECK.collectorEvent} [collector/webhook-acme]`,
        `${CHECK.otherTenantSubject} [collector/snmptrapd-globex]`,
        `${CHECK.enginePublish} [engine/tornado-engine]`,
        `${CHECK.connect} [system/nats-system]`,
      ]),
    );
  });

  test("WHEN `npm run smoke` finds `terraform` on PATH THEN it reads `terraform output -json` in cdktf.out/stacks/<stack>, prints the table and exits 0", async () => {
    const { dir, bin } = projectWithStubTerraform("stub-project", "terraform", outputs);
    const before = readdirSync(dir, { recursive: true }).sort();

    const { code, stdout, stderr } = await runNode(
      ["-r", require.resolve("ts-node/register/transpile-only"), join(ROOT, "smoke/cli.ts"), "--timeout", "3000"],
      {
        cwd: dir,
        env: {
          ...process.env,
          PATH: `${bin}${delimiter}${process.env.PATH}`,
          TS_NODE_PROJECT: join(ROOT, "tsconfig.json"),
        },
      },
    );

    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toMatch(/^CHECK +IDENTITY +RESULT +MS$/m);
    expect(stdout).toMatch(new RegExp(`^${escape(CHECK.collectorEvent)} +collector/webhook-acme +passed +\\d+$`, "m"));
    expect(stdout).toContain(
      `outputs from terraform output -json in cdktf.out/stacks/${stackName} (stack ${stackName})`,
    );
    expect(stdout.trimEnd().split("\n").at(-1)).toBe(`smoke: ${expectedPassed()} passed, 0 failed, 0 not run`);
    // Secrets stay in memory: nothing printed, nothing written.
    expect(stdout + stderr).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
    expect(readdirSync(dir, { recursive: true }).sort()).toEqual(before);
  });

  test("WHEN TERRAFORM_BINARY_NAME names another binary (OpenTofu) THEN that one is asked, and --json prints the report", async () => {
    const { dir, bin } = projectWithStubTerraform("tofu-project", "tofu", outputs);
    let stdout = "";
    let stderr = "";

    const code = await runSmokeCli(["--json", "--timeout", "3000"], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      cwd: dir,
      env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}`, TERRAFORM_BINARY_NAME: "tofu" },
    });

    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const report = JSON.parse(stdout) as SmokeReport;
    expectAllPassed(report);
    expect(report.target.outputs).toBe(`tofu output -json in cdktf.out/stacks/${stackName} (stack ${stackName})`);
    expect(stdout).not.toMatch(/PRIVATE KEY/);
  });
});

describe("GIVEN the operator's target does not match the deployment", () => {
  test("WHEN --servername names a DNS name the certificate lacks THEN the certificate check fails naming the name tried and the SANs offered, and nothing else runs", async () => {
    const report = await runSmoke({ outputs, servername: "nats.wrong.example", ...FAST });

    expect(report.ok).toBe(false);
    const [first, ...rest] = report.checks;
    expect(first).toMatchObject({ check: CHECK.serverCertificate, result: "failed" });
    expect(first.detail).toContain('not valid for the name "nats.wrong.example"');
    expect(first.detail).toContain("DNS:localhost, DNS:nats.example.net, DNS:tornado-nats");
    expect(new Set(rest.filter((check) => check.check !== CHECK.wholePath).map((check) => check.result))).toEqual(
      new Set(["not_run"]),
    );
    // Only the canaries' own path, which does not go through the operator's --server, may still pass.
    expect(report.summary.passed).toBe(passedWholePaths(report));
  });

  test("WHEN --server points at a closed port THEN it fails at once with what to do", async () => {
    const started = Date.now();
    const report = await runSmoke({ outputs, server: "127.0.0.1:1", ...FAST });

    expect(Date.now() - started).toBeLessThan(3000);
    expect(report.checks[0]).toMatchObject({ check: CHECK.serverCertificate, result: "failed" });
    expect(report.checks[0].detail).toMatch(/cannot reach 127\.0\.0\.1:1: connect ECONNREFUSED.*--server host:port/);
  });

  test("WHEN --server points at something that accepts TCP but never speaks THEN it fails within the connect timeout", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      const report = await runSmoke({
        outputs,
        server: `127.0.0.1:${port}`,
        eventTimeoutMs: 1000,
        connectTimeoutMs: 1000,
      });

      expect(Date.now() - started).toBeLessThan(2500);
      expect(report.checks[0].detail).toContain(`no NATS greeting from 127.0.0.1:${port} within 1000 ms`);
      expect(report.summary).toMatchObject({ passed: passedWholePaths(report), failed: 1 });
    } finally {
      silent.close();
    }
  });
});

function passedWholePaths(report: SmokeReport): number {
  return report.checks.filter((check) => check.check === CHECK.wholePath && check.result === "passed").length;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function runNode(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
