import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { delimiter, join } from "node:path";

/**
 * NATS's own benchmark tool, `nats bench` from natscli, pinned like
 * nats-server is: found through NATS_CLI, then PATH, then
 * $(go env GOPATH)/bin, where scripts/install-natscli.sh puts it.
 */

export const NATS_CLI_VERSION = "0.5.0";

let resolved: string | undefined;

export function natsCliBinary(): string {
  if (resolved) return resolved;
  const gopath = spawnSync("go", ["env", "GOPATH"], { encoding: "utf8" }).stdout?.trim();
  const candidates = [
    ...(process.env.NATS_CLI ? [process.env.NATS_CLI] : []),
    ...(process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "nats")),
    ...(gopath ? [join(gopath, "bin", "nats")] : []),
  ];
  const seen: string[] = [];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const version = spawnSync(candidate, ["--version"], { encoding: "utf8" }).stdout?.trim() ?? "";
    seen.push(`${candidate} (${version || "no version"})`);
    if (version === `v${NATS_CLI_VERSION}`) {
      resolved = candidate;
      return candidate;
    }
  }
  throw new Error(
    `natscli v${NATS_CLI_VERSION} (the nats command) not found (looked at NATS_CLI, PATH and $(go env GOPATH)/bin` +
      `${seen.length ? `; found ${seen.join(", ")}` : ""}). Run scripts/install-natscli.sh.`,
  );
}

/** How `nats bench` reaches a server: URL and the TLS files of the identity it runs as. */
export interface NatsCliTarget {
  readonly url: string;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

function connectionArgs(target: NatsCliTarget): string[] {
  return [
    "--no-context",
    "--server",
    target.url,
    ...(target.caFile ? ["--tlsca", target.caFile] : []),
    ...(target.certFile ? ["--tlscert", target.certFile, "--tlskey", target.keyFile as string] : []),
  ];
}

/** One line of `nats bench --csv`: what one client did. */
export interface NatsBenchRow {
  readonly msgs: number;
  readonly bytes: number;
  readonly msgsPerSec: number;
  readonly bytesPerSec: number;
  readonly seconds: number;
}

function readCsv(file: string): NatsBenchRow {
  const [header, row] = readFileSync(file, "utf8").trim().split("\n");
  const columns = header.replace(/^#/, "").split(",");
  const values = row.split(",");
  const value = (name: string) => Number(values[columns.indexOf(name)]);
  return {
    msgs: value("MsgCount"),
    bytes: value("MsgBytes"),
    msgsPerSec: value("MsgsPerSec"),
    bytesPerSec: value("BytesPerSec"),
    seconds: value("DurationSecs"),
  };
}

export interface PubSubRun {
  readonly subscriber: NatsBenchRow;
  readonly publisher: NatsBenchRow;
}

export interface PubSubOptions {
  readonly publishAs: NatsCliTarget;
  readonly subscribeAs: NatsCliTarget;
  readonly publishSubject: string;
  readonly subscribeSubject: string;
  readonly size: string;
  readonly msgs: number;
  readonly timeoutMs: number;
  /** Resolves once the server counts the subscriber's subscription (so no message is sent before it). */
  readonly subscribed: () => Promise<void>;
  readonly csvDir: string;
}

/**
 * `nats bench sub` waiting for `msgs` messages, then `nats bench pub`
 * sending them: the subscriber's rate is what got through end to end.
 */
export async function natsBenchPubSub(options: PubSubOptions): Promise<PubSubRun> {
  const binary = natsCliBinary();
  const subCsv = join(options.csvDir, "sub.csv");
  const pubCsv = join(options.csvDir, "pub.csv");
  rmSync(subCsv, { force: true });
  rmSync(pubCsv, { force: true });
  const common = ["--msgs", String(options.msgs), "--size", options.size, "--no-progress"];
  const sub = spawn(
    binary,
    ["bench", "sub", options.subscribeSubject, ...connectionArgs(options.subscribeAs), ...common, "--csv", subCsv],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let subOutput = "";
  sub.stdout.on("data", (chunk) => (subOutput += chunk));
  sub.stderr.on("data", (chunk) => (subOutput += chunk));
  const subExit = new Promise<number | null>((resolve) => sub.once("exit", resolve));
  try {
    await options.subscribed();
    const pub = spawnSync(
      binary,
      ["bench", "pub", options.publishSubject, ...connectionArgs(options.publishAs), ...common, "--csv", pubCsv],
      { encoding: "utf8", timeout: options.timeoutMs },
    );
    if (pub.status !== 0) throw new Error(`nats bench pub failed:\n${pub.stderr}${pub.stdout}`);
    const timer = setTimeout(() => sub.kill("SIGKILL"), options.timeoutMs);
    const status = await subExit;
    clearTimeout(timer);
    if (status !== 0) {
      throw new Error(
        `nats bench sub did not receive ${options.msgs} messages in time (status ${status}):\n${subOutput}`,
      );
    }
    return { subscriber: readCsv(subCsv), publisher: readCsv(pubCsv) };
  } finally {
    if (sub.exitCode === null) sub.kill("SIGKILL");
  }
}
