import type { ProbeClient } from "../../smoke/nats-probes";
import type { LoggedMessage } from "./message-log";
import { tornadoEvent } from "./message-log";

/**
 * A steady stream of sequence-numbered Tornado events from one collector,
 * published the way Tornado's client does (fire and forget: core NATS,
 * no acknowledgement), so that a fault test can count what was lost.
 */
export class SequencedStream {
  /** When each event was handed to the client, by sequence number (from 1). */
  readonly publishedAt: number[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly client: ProbeClient,
    readonly label: string,
    private readonly intervalMs = 20,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      const seq = this.publishedAt.length + 1;
      this.publishedAt.push(performance.now());
      // A closed connection (the test tears down) throws; a disconnected one buffers.
      try {
        this.client.connection.publish(
          "tornado.events",
          tornadoEvent("tornado_nats_test", { stream: this.label, seq }),
        );
      } catch {
        this.publishedAt.pop();
      }
    }, this.intervalMs);
  }

  stop(): number {
    clearInterval(this.timer);
    return this.publishedAt.length;
  }

  /** The sequence numbers of this stream among `messages`, in arrival order. */
  received(messages: readonly LoggedMessage[]): number[] {
    return messages.flatMap((message) => {
      const event = JSON.parse(message.body) as { payload?: { stream?: string; seq?: number } };
      return event.payload?.stream === this.label && typeof event.payload.seq === "number" ? [event.payload.seq] : [];
    });
  }

  /** What was lost and duplicated, given what arrived. */
  tally(messages: readonly LoggedMessage[]): StreamTally {
    const arrived = this.received(messages);
    const seen = new Set(arrived);
    const published = this.publishedAt.length;
    const lost: number[] = [];
    for (let seq = 1; seq <= published; seq++) if (!seen.has(seq)) lost.push(seq);
    return { published, received: seen.size, lost, duplicates: arrived.length - seen.size };
  }

  /** Sequence numbers published at or after `time` (performance.now()). */
  publishedSince(time: number): number[] {
    return this.publishedAt.flatMap((at, index) => (at >= time ? [index + 1] : []));
  }
}

export interface StreamTally {
  readonly published: number;
  /** Distinct events that arrived. */
  readonly received: number;
  readonly lost: readonly number[];
  readonly duplicates: number;
}

/** A client's connection events (disconnect, reconnect, ldm, …) with the time each came. */
export class StatusLog {
  readonly events: { readonly type: string; readonly at: number; readonly server?: string }[] = [];

  constructor(client: ProbeClient) {
    void (async () => {
      for await (const status of client.connection.status()) {
        const server = (status as { server?: string }).server;
        this.events.push({ type: status.type, at: performance.now(), ...(server ? { server } : {}) });
      }
    })();
  }

  first(type: string, after = 0): { type: string; at: number; server?: string } | undefined {
    return this.events.find((event) => event.type === type && event.at >= after);
  }

  async waitFor(type: string, after = 0, timeoutMs = 10_000): Promise<{ type: string; at: number; server?: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.first(type, after);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(`no "${type}" status within ${timeoutMs} ms; saw ${JSON.stringify(this.events)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
