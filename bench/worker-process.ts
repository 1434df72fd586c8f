import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

/**
 * A benchmark worker (a bundled script) driven over JSON lines: its job goes
 * to stdin first, then whatever the step needs ("go", "close"); it answers
 * on stdout. A worker that dies, or outlives its timeout, fails the step
 * with its stderr.
 */
export interface WorkerProcess {
  /** The worker's next message. */
  next<T>(): Promise<T>;
  send(line: string): void;
  kill(): void;
}

export function startWorker(script: string, job: object, timeoutMs: number): WorkerProcess {
  const child = spawn("node", [script], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const queued: object[] = [];
  const waiting: ((message: object) => void)[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const message = JSON.parse(line) as object;
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else queued.push(message);
  });
  // "close" comes after stdout has been read to the end, so no message is lost to a race with the exit.
  const closed = new Promise<never>((_, reject) =>
    child.once("close", (code, signal) =>
      reject(new Error(`worker ${script} ended (${code ?? signal}) before answering:\n${stderr}`)),
    ),
  );
  closed.catch(() => undefined);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  child.once("close", () => clearTimeout(timer));
  child.stdin.write(`${JSON.stringify(job)}\n`);
  return {
    next: <T>() =>
      Promise.race([
        new Promise<T>((resolve) => {
          const message = queued.shift();
          if (message) resolve(message as T);
          else waiting.push((next) => resolve(next as T));
        }),
        closed,
      ]),
    send: (line) => {
      if (child.exitCode === null) child.stdin.write(`${line}\n`);
    },
    kill: () => {
      clearTimeout(timer);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
