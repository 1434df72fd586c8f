import { createSecureContext, type SecureContext } from "node:tls";
import { createInterface } from "node:readline";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { StormJob, StormReport } from "./storm-protocol";

/**
 * Its share of the storm's identities, connecting all at once on "go", each
 * with its own certificate. Keys are loaded before "go", as a running
 * collector holds its TLS configuration when NATS comes back: what is timed
 * is the handshakes and the CONNECT/PONG round trips, nothing else.
 */

function say(message: object): Promise<void> {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(message)}\n`, () => resolve()));
}

async function connectUntil(
  job: StormJob,
  name: string,
  secureContext: SecureContext,
  deadline: number,
  failures: { count: number; first?: string },
): Promise<{ connection: NatsConnection; at: bigint } | undefined> {
  while (Date.now() < deadline) {
    try {
      const connection = await connect({
        servers: job.address,
        name,
        tls: { secureContext, servername: job.servername } as Record<string, unknown>,
        reconnect: false,
        timeout: Math.max(1000, deadline - Date.now()),
        pingInterval: 600_000,
      });
      return { connection, at: process.hrtime.bigint() };
    } catch (error) {
      failures.count++;
      failures.first ??= (error as Error).message;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return undefined;
}

async function main() {
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const job = JSON.parse((await lines.next()).value as string) as StormJob;
  const contexts = job.identities.map((identity) => ({
    name: identity.name,
    context: createSecureContext({ ca: job.caPem, cert: identity.certPem, key: identity.keyPem }),
  }));
  await say({ ready: true });
  await lines.next(); // go
  const cpuBefore = process.cpuUsage();
  const deadline = Date.now() + job.deadlineMs;
  const failures: { count: number; first?: string } = { count: 0 };
  const results = await Promise.all(
    contexts.map(({ name, context }) => connectUntil(job, name, context, deadline, failures)),
  );
  const cpu = process.cpuUsage(cpuBefore);
  const connected = results.filter((result) => result !== undefined);
  const last = connected.reduce((latest, result) => (result.at > latest ? result.at : latest), 0n);
  const report: StormReport = {
    connected: connected.length,
    failedAttempts: failures.count,
    ...(failures.first ? { firstError: failures.first } : {}),
    lastConnectedNs: last.toString(),
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
  await say(report);
  await lines.next(); // close: the parent has read the server's CPU time
  await Promise.all(connected.map((result) => result.connection.close()));
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
