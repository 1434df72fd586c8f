import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { RenderedFile } from "../../constructs/core/tornado-config";
import { TORNADO_TLS_PATHS } from "../../constructs/core/tornado-config";
import type { PemPair } from "../../smoke/local-pki";

/**
 * Runs the bundled canary (canary/dist, built by `npm run build`) as a
 * process on the very files rendered for its container, placed under a root
 * directory (--root), dialing the test nats-server (--resolve) while
 * verifying the name the config gives.
 */

export const CANARY_BUNDLE = resolve(__dirname, "../../canary/dist/tornado-nats-canary.js");

/** Writes rendered files and the component's TLS material under `root`, at their container paths. */
export function writeContainerFiles(root: string, files: readonly RenderedFile[], caPem: string, pair: PemPair): void {
  const all: RenderedFile[] = [
    ...files,
    { path: TORNADO_TLS_PATHS.caFile, content: caPem, mode: "0444" },
    { path: TORNADO_TLS_PATHS.certFile, content: pair.certPem, mode: "0444" },
    { path: TORNADO_TLS_PATHS.keyFile, content: pair.keyPem, mode: "0400" },
  ];
  for (const file of all) {
    const target = join(root, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content, { mode: parseInt(file.mode, 8) });
  }
}

export interface RunningCanary {
  readonly process: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

export interface CanaryLaunch {
  readonly role: "engine" | "webhook_collector" | "nats_json_collector";
  readonly configDir: string;
  readonly root: string;
  /** NAME:PORT as written in the config → 127.0.0.1:PORT of the test server. */
  readonly resolve: Readonly<Record<string, string>>;
  readonly httpPort?: number;
  /** A line the canary prints once it is ready. */
  readonly readyLine: RegExp;
}

export async function startCanary(launch: CanaryLaunch): Promise<RunningCanary> {
  if (!existsSync(CANARY_BUNDLE)) throw new Error(`${CANARY_BUNDLE} is missing: run "npm run build"`);
  const args = [
    CANARY_BUNDLE,
    launch.role,
    `--config-dir=${launch.configDir}`,
    `--root=${launch.root}`,
    ...Object.entries(launch.resolve).map(([name, address]) => `--resolve=${name}=${address}`),
    ...(launch.httpPort ? [`--http-port=${launch.httpPort}`] : []),
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  let exited = false;
  const exit = new Promise<void>((done) =>
    child.once("exit", () => {
      exited = true;
      done();
    }),
  );
  const deadline = Date.now() + 15000;
  while (!launch.readyLine.test(output)) {
    if (exited) throw new Error(`canary ${launch.role} exited:\n${output}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`canary ${launch.role} not ready within 15 s:\n${output}`);
    }
    await new Promise((wake) => setTimeout(wake, 25));
  }
  return {
    process: child,
    log: () => output,
    async stop() {
      if (exited) return;
      child.kill("SIGTERM");
      await exit;
    },
  };
}
