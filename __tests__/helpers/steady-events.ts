import type { Msg, NatsConnection } from "@nats-io/transport-node";
import { ProbeClient, type ClientMaterial } from "../../smoke/nats-probes";
import { tornadoEvent, uniqueTag } from "./message-log";
import type { SecuredNats } from "./secured-nats";

/**
 * Numbered events at a steady rate, and the count of those that never
 * arrived: what the fault and rotation tests measure. Times are
 * performance.now() milliseconds of this process, so a publish, a
 * connection's status change and an arrival can be put on one line.
 */

/** What a connection went through, as its client reported it (nc.status()). */
export class ConnectionTimeline {
  /** When the client noticed it lost the server. */
  readonly disconnects: number[] = [];
  /** When the client started each dial attempt while disconnected (nats.js drops its pending buffer there). */
  readonly attempts: number[] = [];
  /** When the client was connected again (subscriptions re-sent, buffer flushed). */
  readonly reconnects: number[] = [];

  constructor(connection: NatsConnection) {
    void (async () => {
      for await (const status of connection.status()) {
        const at = performance.now();
        if (status.type === "disconnect") this.disconnects.push(at);
        else if (status.type === "reconnecting") this.attempts.push(at);
        else if (status.type === "reconnect") this.reconnects.push(at);
      }
    })();
  }

  /** The last dial attempt that started before `at` (the one that reconnected, when `at` is a reconnect). */
  lastAttemptBefore(at: number): number | undefined {
    return this.attempts.filter((attempt) => attempt <= at).pop();
  }

  /** Resolves with the first reconnect after `after`, or rejects after `timeoutMs`. */
  async reconnectedAfter(after: number, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.reconnects.find((at) => at > after);
      if (found !== undefined) return found;
      if (performance.now() > deadline) {
        throw new Error(
          `no reconnect within ${timeoutMs} ms (disconnects at ${this.disconnects.map(Math.round).join(", ") || "none"})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/**
 * A collector publishing `tornado.events` carrying `{source, seq}` at a
 * steady average rate. Each tick publishes what is due by the clock, so a
 * busy machine delays events but does not thin them out. Publishes go
 * straight to the connection (no round trip each), as a collector sends them.
 */
export class SteadyPublisher {
  /** performance.now() of each publish, by sequence number (from 1). */
  readonly publishedAt: number[] = [0];
  /** Publishes the client itself refused (e.g. on a closed connection), with the reason. */
  readonly refused: { seq: number; reason: string }[] = [];
  private timer?: NodeJS.Timeout;
  private startedAt = 0;

  /** Marks this publisher's events: its identity and a unique run tag. */
  readonly source: string;

  constructor(
    private client: ProbeClient,
    /** The identity it publishes as (`collector/<name>`). */
    readonly identity: string,
    private readonly ratePerSecond: number,
  ) {
    this.source = `${identity}#${uniqueTag("run")}`;
  }

  /** The last sequence number published. */
  get last(): number {
    return this.publishedAt.length - 1;
  }

  start(): void {
    this.startedAt = performance.now();
    this.timer = setInterval(() => this.publishDue(), 10);
  }

  private publishDue(): void {
    const due = Math.floor(((performance.now() - this.startedAt) * this.ratePerSecond) / 1000);
    while (this.last < due) {
      const seq = this.last + 1;
      this.publishedAt.push(performance.now());
      try {
        this.client.connection.publish("tornado.events", tornadoEvent("steady", { source: this.source, seq }));
      } catch (error) {
        this.refused.push({ seq, reason: (error as Error).message });
      }
    }
  }

  /**
   * Carries on over `next` (a connection with another certificate) and closes
   * the current one once what it was given has reached the server: the
   * switch a collector makes when its certificate is re-issued.
   */
  async switchTo(next: ProbeClient): Promise<void> {
    const previous = this.client;
    this.client = next;
    await previous.connection.flush();
    await previous.close();
  }

  /** Stops publishing; returns the last sequence number. */
  stop(): number {
    clearInterval(this.timer);
    return this.last;
  }

  /** Sequence numbers published in [from, to). */
  between(from: number, to: number): number[] {
    const seqs: number[] = [];
    for (let seq = 1; seq <= this.last; seq++) {
      if (this.publishedAt[seq] >= from && this.publishedAt[seq] < to) seqs.push(seq);
    }
    return seqs;
  }
}

/** The engine's side: which numbered events of each source arrived, and when. */
export class SequenceCounter {
  /** source → seq → performance.now() of its arrival. */
  private readonly arrivals = new Map<string, Map<number, number>>();
  /** Subjects events arrived on, by source (to check the tenant prefix). */
  readonly subjects = new Map<string, Set<string>>();
  duplicates = 0;

  /** The subscription callback (ProbeClient.subscribe's `onMessage`). */
  readonly accept = (message: Msg): void => {
    const event = JSON.parse(message.string()) as { type: string; payload: { source?: string; seq?: number } };
    const { source, seq } = event.payload;
    if (event.type !== "steady" || typeof source !== "string" || typeof seq !== "number") return;
    const seen = this.arrivals.get(source) ?? new Map<number, number>();
    this.arrivals.set(source, seen);
    if (seen.has(seq)) this.duplicates++;
    else seen.set(seq, performance.now());
    const subjects = this.subjects.get(source) ?? new Set<string>();
    subjects.add(message.subject);
    this.subjects.set(source, subjects);
  };

  arrived(source: string, seq: number): boolean {
    return this.arrivals.get(source)?.has(seq) ?? false;
  }

  /** Sequence numbers 1..last of `source` that did not arrive. */
  missing(source: string, last: number): number[] {
    const lost: number[] = [];
    for (let seq = 1; seq <= last; seq++) if (!this.arrived(source, seq)) lost.push(seq);
    return lost;
  }

  /** Resolves once `seq` of `source` arrived; rejects after `timeoutMs`. */
  async waitFor(source: string, seq: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!this.arrived(source, seq)) {
      if (performance.now() > deadline) {
        const got = this.arrivals.get(source)?.size ?? 0;
        throw new Error(`${source}: event ${seq} did not arrive within ${timeoutMs} ms (${got} arrived)`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

export interface SteadyTrafficOptions {
  /** Identities that publish, each at `ratePerSecond`. */
  readonly publishers: readonly string[];
  readonly ratePerSecond: number;
}

/**
 * The engine counting what collectors publish at a steady rate, over
 * reconnecting clients (as the canaries and Tornado connect), each with the
 * timeline of its connection.
 */
export class SteadyTraffic {
  readonly counter = new SequenceCounter();
  /** The latest connection of each identity, and what it went through. */
  readonly clients = new Map<string, ProbeClient>();
  readonly timelines = new Map<string, ConnectionTimeline>();
  publishers: SteadyPublisher[] = [];
  private readonly opened: ProbeClient[] = [];

  constructor(
    private readonly nats: SecuredNats,
    private readonly options: SteadyTrafficOptions,
  ) {}

  /** Connects `id` with reconnects on (its own certificate unless `material` is given). */
  async connect(id: string, material: ClientMaterial = this.nats.material(id)): Promise<ProbeClient> {
    const client = await ProbeClient.connect(this.nats.endpoint, material, { name: id, reconnect: true });
    this.opened.push(client);
    this.clients.set(id, client);
    this.timelines.set(id, new ConnectionTimeline(client.connection));
    return client;
  }

  /** Connects the engine and subscribes it to the tenant streams; resolves with the server's verdict. */
  async listen(engine = "engine/tornado-engine", subject = "*.tornado.events"): Promise<"active" | "denied"> {
    const client = await this.connect(engine);
    return (await client.subscribe(subject, this.counter.accept)).outcome;
  }

  /** Connects a fresh client per publisher identity and starts them all. */
  async startPublishing(): Promise<void> {
    this.publishers = [];
    for (const id of this.options.publishers) {
      this.publishers.push(new SteadyPublisher(await this.connect(id), id, this.options.ratePerSecond));
    }
    this.publishers.forEach((publisher) => publisher.start());
  }

  publisher(id: string): SteadyPublisher {
    const found = this.publishers.find((publisher) => publisher.identity === id);
    if (!found) throw new Error(`no publisher ${id}`);
    return found;
  }

  /**
   * Stops publishing and waits for each publisher's last event (events of one
   * connection arrive in order, so everything before it is in or lost);
   * resolves with the lost sequence numbers per publisher.
   */
  async stopAndCount(timeoutMs = 10_000): Promise<Map<SteadyPublisher, number[]>> {
    const lost = new Map<SteadyPublisher, number[]>();
    const lasts = this.publishers.map((publisher) => publisher.stop());
    for (const [index, publisher] of this.publishers.entries()) {
      await this.counter.waitFor(publisher.source, lasts[index], timeoutMs);
      lost.set(publisher, this.counter.missing(publisher.source, lasts[index]));
    }
    return lost;
  }

  /** Events published by the current publishers. */
  published(): number {
    return this.publishers.reduce((sum, publisher) => sum + publisher.last, 0);
  }

  async close(): Promise<void> {
    this.publishers.forEach((publisher) => publisher.stop());
    await Promise.all(this.opened.map((client) => client.close().catch(() => undefined)));
  }
}

export function lostCount(lost: ReadonlyMap<unknown, readonly number[]>): number {
  return [...lost.values()].reduce((sum, seqs) => sum + seqs.length, 0);
}
