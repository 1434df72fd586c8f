import type { RunningNatsServer } from "./nats-server-process";

/**
 * What `server` logged after `marker` (a length of its log), once that
 * matches `pattern`, or whatever it is after `timeoutMs`. The server's log
 * and a client's socket are separate pipes: a client can see the refusal
 * before the server's line about it has been read.
 */
export async function loggedSince(
  server: RunningNatsServer,
  marker: number,
  pattern: RegExp,
  timeoutMs = 5000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(server.log().slice(marker)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return server.log().slice(marker);
}
