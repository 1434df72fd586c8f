import { createInterface } from "node:readline";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { percentile } from "../stats";
import {
  EVENT_BYTES,
  type ClientJob,
  type Dial,
  type PublisherConnection,
  type PublishersReport,
  type SubscriberReport,
} from "./client-protocol";

/**
 * A data-plane client process with the project's own client
 * (@nats-io/transport-node): either the engine's subscriber or a set of
 * collector publishers sending 1 KiB Tornado events. Reads its job from the
 * first stdin line, says {"ready":true} once connected (and subscribed),
 * starts on the second stdin line ("go"), and prints its report.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function say(message: object): Promise<void> {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(message)}\n`, () => resolve()));
}

async function dial(target: Dial, name: string): Promise<NatsConnection> {
  const tls: Record<string, unknown> | undefined = target.tls && {
    ca: target.tls.caPem,
    servername: target.tls.servername,
    ...(target.tls.certPem ? { cert: target.tls.certPem, key: target.tls.keyPem } : {}),
  };
  return connect({ servers: target.address, name, tls, reconnect: false, timeout: 20_000, pingInterval: 600_000 });
}

/**
 * A Tornado event (`type`, `created_ms`, `payload`) of exactly EVENT_BYTES:
 * the payload carries the sequence number, the send time and padding.
 */
export function tornadoEvent(seq: number, sentNs: bigint): Uint8Array {
  const event = { type: "bench", created_ms: Date.now(), payload: { seq, sent_ns: sentNs.toString(), padding: "" } };
  const bare = JSON.stringify(event).length;
  event.payload.padding = "x".repeat(EVENT_BYTES - bare);
  return encoder.encode(JSON.stringify(event));
}

async function subscriber(job: Extract<ClientJob, { role: "subscriber" }>, lines: AsyncIterator<string>) {
  const connection = await dial(job.dial, "bench-engine");
  const latencies: number[] = [];
  let received = 0;
  let malformed = 0;
  let first = 0n;
  let last = 0n;
  let idleTimer: NodeJS.Timeout | undefined;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const armIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(finish, job.idleMs);
  };

  connection.subscribe(job.subject, {
    callback: (error, message) => {
      if (error) throw error;
      const now = process.hrtime.bigint();
      if (received === 0) first = now;
      last = now;
      received++;
      if (!message.subject.endsWith(".tornado.events") || message.data.length !== EVENT_BYTES) malformed++;
      if (job.measureLatency) {
        // What the engine does with every event: decode and parse it.
        const event = JSON.parse(decoder.decode(message.data)) as { payload: { seq: number; sent_ns: string } };
        if (event.payload.seq >= job.warmup) latencies.push(Number(now - BigInt(event.payload.sent_ns)) / 1000);
      }
      if (received >= job.expected) finish();
      else armIdle();
    },
  });
  await connection.flush();
  await say({ ready: true });
  await lines.next(); // "go": the publishers are about to start
  armIdle();
  await finished;
  clearTimeout(idleTimer);
  await connection.close();
  const sorted = Float64Array.from(latencies).sort();
  const report: SubscriberReport = {
    received,
    malformed,
    firstNs: first.toString(),
    lastNs: last.toString(),
    ...(job.measureLatency && sorted.length > 0
      ? {
          latency: {
            samples: sorted.length,
            p50Us: percentile(sorted, 50),
            p99Us: percentile(sorted, 99),
            p999Us: percentile(sorted, 99.9),
            maxUs: sorted[sorted.length - 1],
          },
        }
      : {}),
  };
  // Written to the end before the process exits (stdout is a pipe: asynchronous).
  await say(report);
}

async function throughput(connections: NatsConnection[], subjects: string[], total: number, batch: number) {
  const payload = tornadoEvent(0, process.hrtime.bigint());
  const share = (index: number) =>
    Math.floor(total / connections.length) + (index < total % connections.length ? 1 : 0);
  // One loop per connection; each awaits a round trip every `batch` messages, which bounds what it buffers.
  await Promise.all(
    connections.map(async (connection, index) => {
      const count = share(index);
      for (let sent = 1; sent <= count; sent++) {
        connection.publish(subjects[index], payload);
        if (sent % batch === 0) await connection.flush();
      }
      await connection.flush();
    }),
  );
  return total;
}

async function paced(connections: NatsConnection[], subjects: string[], perSecond: number, seconds: number) {
  const total = Math.round(perSecond * seconds);
  const started = process.hrtime.bigint();
  let sent = 0;
  while (sent < total) {
    // Catch up to where a perfectly even sender would be, then yield for the next millisecond.
    const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const due = Math.min(total, Math.floor(elapsedSeconds * perSecond));
    for (; sent < due; sent++) {
      const index = sent % connections.length;
      connections[index].publish(subjects[index], tornadoEvent(sent, process.hrtime.bigint()));
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(connections.map((connection) => connection.flush()));
  return total;
}

async function publishers(job: Extract<ClientJob, { role: "publishers" }>, lines: AsyncIterator<string>) {
  const connections = await Promise.all(
    job.connections.map((target: PublisherConnection) => dial(target.dial, target.name)),
  );
  const subjects = job.connections.map((target) => target.subject);
  await say({ ready: true });
  await lines.next();
  const started = process.hrtime.bigint();
  const sent =
    job.load.kind === "throughput"
      ? await throughput(connections, subjects, job.load.total, job.load.batch)
      : await paced(connections, subjects, job.load.perSecond, job.load.seconds);
  const finished = process.hrtime.bigint();
  await Promise.all(connections.map((connection) => connection.close()));
  const report: PublishersReport = { sent, startedNs: started.toString(), finishedNs: finished.toString() };
  await say(report);
}

async function main() {
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const first = await lines.next();
  const job = JSON.parse(first.value as string) as ClientJob;
  if (job.role === "subscriber") await subscriber(job, lines);
  else await publishers(job, lines);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
