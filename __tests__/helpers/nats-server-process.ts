import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { createServer, connect as connectTcp } from "node:net";
import { delimiter, join } from "node:path";
import { NATS_SERVER_VERSION } from "../../constructs/core/versions";
import { serializeNatsConfig, type NatsServerConfig } from "../../constructs/core/nats-config";

/**
 * Runs a real nats-server (the pinned version) for integration tests: found
 * through NATS_SERVER, then PATH, then `go env GOPATH`/bin where
 * scripts/install-nats-server.sh puts it.
 */

function candidates(): string[] {
  const fromEnv = process.env.NATS_SERVER ? [process.env.NATS_SERVER] : [];
  const fromPath = (process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "nats-server"));
  const gopath = spawnSync("go", ["env", "GOPATH"], { encoding: "utf8" }).stdout?.trim();
  const fromGo = gopath ? [join(gopath, "bin", "nats-server")] : [];
  return [...fromEnv, ...fromPath, ...fromGo];
}

let resolvedBinary: string | undefined;

/** The nats-server binary at the pinned version, or a clear error saying how to get it. */
export function natsServerBinary(): string {
  if (resolvedBinary) return resolvedBinary;
  const seen: string[] = [];
  for (const candidate of candidates()) {
    if (!existsSync(candidate)) continue;
    const version = spawnSync(candidate, ["--version"], { encoding: "utf8" }).stdout?.trim() ?? "";
    seen.push(`${candidate} (${version || "no version"})`);
    if (version.endsWith(`v${NATS_SERVER_VERSION}`)) {
      resolvedBinary = candidate;
      return candidate;
    }
  }
  throw new Error(
    `nats-server v${NATS_SERVER_VERSION} not found (looked at NATS_SERVER, PATH and $(go env GOPATH)/bin` +
      `${seen.length ? `; found ${seen.join(", ")}` : ""}). Run scripts/install-nats-server.sh.`,
  );
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export interface RunningNatsServer {
  readonly port: number;
  readonly configFile: string;
  readonly process: ChildProcess;
  /** Everything the server logged so far. */
  log(): string;
  /** Resolves when the process has exited (by stop(), a signal sent to it, or on its own). */
  readonly exited: Promise<void>;
  /** Rewrites the config file and signals a reload (SIGHUP). */
  reload(config?: NatsServerConfig): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts nats-server with `config` written to `<dir>/nats.json`; resolves once the client port accepts. */
export async function startNatsServer(
  config: NatsServerConfig,
  dir: string,
  fileName = "nats.json",
): Promise<RunningNatsServer> {
  const configFile = join(dir, fileName);
  writeFileSync(configFile, serializeNatsConfig(config), { mode: 0o600 });
  const child = spawn(natsServerBinary(), ["-c", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );

  const deadline = Date.now() + 15_000;
  while (!(await portOpen(config.port))) {
    if (exited) throw new Error(`nats-server exited at start:\n${output}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`nats-server did not listen on ${config.port} within 15 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }

  return {
    port: config.port,
    configFile,
    process: child,
    log: () => output,
    exited: exit,
    async reload(next?: NatsServerConfig) {
      if (next) writeFileSync(configFile, serializeNatsConfig(next), { mode: 0o600 });
      const marker = output.length;
      child.kill("SIGHUP");
      const reloadDeadline = Date.now() + 5000;
      while (!/Reloaded server configuration|config reload/i.test(output.slice(marker))) {
        if (Date.now() > reloadDeadline)
          throw new Error(`nats-server did not confirm the reload:\n${output.slice(marker)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      if (exited) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}
