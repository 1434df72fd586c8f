/**
 * What the data-plane benchmark tells its client processes (one JSON line on
 * stdin) and what they answer (JSON lines on stdout). Times are
 * process.hrtime.bigint() values, CLOCK_MONOTONIC on Linux: one clock for
 * every process on the machine, so a latency can be taken across processes.
 */

/** How to reach a server as one identity. */
export interface Dial {
  /** host:port */
  readonly address: string;
  /** TLS: the name to verify and the PEMs; absent for plaintext. */
  readonly tls?: {
    readonly servername: string;
    readonly caPem: string;
    readonly certPem?: string;
    readonly keyPem?: string;
  };
}

export interface PublisherConnection {
  readonly dial: Dial;
  readonly subject: string;
  /** Shown in the server's connz. */
  readonly name: string;
}

export type Load =
  /** As fast as the client goes: `total` messages, a flush (round trip) every `batch` per connection. */
  | { readonly kind: "throughput"; readonly total: number; readonly batch: number }
  /** A fixed aggregate rate for `seconds`, spread evenly over the connections. */
  | { readonly kind: "rate"; readonly perSecond: number; readonly seconds: number };

export type ClientJob =
  | {
      readonly role: "subscriber";
      readonly dial: Dial;
      readonly subject: string;
      /** Messages the publishers will send; the subscriber ends when it has them, or after `idleMs` of silence. */
      readonly expected: number;
      readonly idleMs: number;
      /** Latencies of the first `warmup` events (by sequence number) are left out. */
      readonly warmup: number;
      readonly measureLatency: boolean;
    }
  | { readonly role: "publishers"; readonly connections: readonly PublisherConnection[]; readonly load: Load };

export interface SubscriberReport {
  readonly received: number;
  /** Messages whose subject or size was not what was published. */
  readonly malformed: number;
  readonly firstNs: string;
  readonly lastNs: string;
  /** Latency after the warm-up, microseconds, exact percentiles over every event (latency jobs only). */
  readonly latency?: {
    readonly samples: number;
    readonly p50Us: number;
    readonly p99Us: number;
    readonly p999Us: number;
    readonly maxUs: number;
  };
}

export interface PublishersReport {
  readonly sent: number;
  readonly startedNs: string;
  readonly finishedNs: string;
}

/** The size of every event the Tornado path publishes. */
export const EVENT_BYTES = 1024;
