import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, natsServerBinary } from "../../__tests__/helpers/nats-server-process";
import { issueTopologyPki } from "../../__tests__/helpers/topology-pki";
import { renderNatsConfig } from "../../constructs/core/nats-config";
import { dataPlaneTopology } from "../dataplane/run-dataplane";
import { natsCliBinary } from "../dataplane/natscli";
import { identityFiles } from "../dataplane/servers";
import { median } from "../stats";

/**
 * A one-off A/B behind BENCHMARKS.md's note on where the first look's 30 %
 * went: TLS-only and the product config, on the pinned nats-server and on
 * another binary (e.g. Debian's 2.9.10: `apt-get install nats-server`, then
 * /usr/sbin/nats-server), measured with `nats bench` in the same run,
 * rounds rotated. Not part of `npm run bench`: the other binary is not
 * something CI installs.
 *
 *   node -r ts-node/register/transpile-only bench/experiments/server-versions.ts /usr/sbin/nats-server [rounds]
 *
 * TLS `min_version` is left out of both configs: older servers reject it.
 */

const MESSAGES = "300000";

function version(binary: string): string {
  return spawnSync(binary, ["--version"], { encoding: "utf8" })
    .stdout.trim()
    .replace(/^nats-server: /, "");
}

async function main(other: string, rounds: number): Promise<void> {
  const nats = natsCliBinary();
  const topology = dataPlaneTopology();
  const dir = mkdtempSync(join(tmpdir(), "server-versions-"));
  const pki = await issueTopologyPki(topology, dir);
  const collectorId = [...pki.clients.keys()].find((id) => id.startsWith("collector/")) as string;
  const tenant = pki.clients.get(collectorId)?.identity.tenant as string;
  const collector = identityFiles(pki, collectorId, dir);
  const engine = identityFiles(pki, "engine/tornado-engine", dir);
  const processes: ChildProcess[] = [];
  const ports = new Map<string, number>();
  try {
    for (const binary of [natsServerBinary(), other]) {
      for (const config of ["TLS-only", "product"] as const) {
        const port = await freePort();
        const rendered: { tls: Record<string, unknown> } & Record<string, unknown> =
          config === "TLS-only"
            ? { host: "127.0.0.1", port, tls: { cert_file: pki.server.certFile, key_file: pki.server.keyFile } }
            : JSON.parse(
                JSON.stringify(
                  renderNatsConfig(topology, {
                    listenHost: "127.0.0.1",
                    listenPort: port,
                    certFile: pki.server.certFile,
                    keyFile: pki.server.keyFile,
                    caFile: pki.caFile,
                  }),
                ),
              );
        delete rendered.tls.min_version;
        const file = join(dir, `${ports.size}.json`);
        writeFileSync(file, JSON.stringify(rendered));
        const server = spawn(binary, ["-c", file], { stdio: "ignore" });
        processes.push(server);
        await new Promise((resolve) => setTimeout(resolve, 500));
        if (server.exitCode !== null) throw new Error(`${binary} refused the ${config} config`);
        ports.set(`${version(binary)} ${config}`, port);
      }
    }
    const names = [...ports.keys()];
    const rates = new Map<string, number[]>(names.map((name) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      for (const name of names.map((_, index) => names[(index + round) % names.length])) {
        const product = name.endsWith("product");
        const args = (as: { certFile: string; keyFile: string }) => [
          "--no-context",
          "--server",
          `tls://localhost:${ports.get(name)}`,
          "--tlsca",
          pki.caFile,
          ...(product ? ["--tlscert", as.certFile, "--tlskey", as.keyFile] : []),
          "--msgs",
          MESSAGES,
          "--size",
          "1KiB",
          "--no-progress",
        ];
        const subject = product ? `${tenant}.tornado.events` : "tornado.events";
        const subscriber = spawn(nats, ["bench", "sub", subject, ...args(engine)]);
        let output = "";
        subscriber.stdout.on("data", (chunk) => (output += chunk));
        await new Promise((resolve) => setTimeout(resolve, 700));
        spawnSync(nats, ["bench", "pub", "tornado.events", ...args(collector)]);
        await new Promise((resolve) => subscriber.on("close", resolve));
        const rate = /([\d,]+) msgs\/sec/.exec(output)?.[1];
        rates.get(name)?.push(Number(rate?.replace(/,/g, "")));
      }
    }
    for (const [name, values] of rates) {
      process.stdout.write(`${name}: median ${Math.round(median(values))} msgs/s of ${values.join(", ")}\n`);
    }
  } finally {
    processes.forEach((server) => server.kill());
    rmSync(dir, { recursive: true, force: true });
  }
}

const [other, rounds] = process.argv.slice(2);
if (!other) {
  process.stderr.write("usage: server-versions.ts <other nats-server binary> [rounds]\n");
  process.exitCode = 2;
} else {
  main(other, Number(rounds ?? 5)).catch((error: unknown) => {
    process.stderr.write(`server-versions: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
