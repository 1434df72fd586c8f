/** What the handshake-storm benchmark tells a worker (one JSON line on stdin) and what it answers. */

export interface StormJob {
  /** host:port */
  readonly address: string;
  readonly servername: string;
  readonly caPem: string;
  readonly identities: readonly { readonly name: string; readonly certPem: string; readonly keyPem: string }[];
  /** Each identity keeps retrying (as a collector's client does) until this long after "go". */
  readonly deadlineMs: number;
}

export interface StormReport {
  readonly connected: number;
  /** Connection attempts that failed before one succeeded (or the deadline passed). */
  readonly failedAttempts: number;
  /** First error message seen, to say why attempts failed. */
  readonly firstError?: string;
  /** hrtime (ns) of the last successful connect: CLOCK_MONOTONIC, comparable across processes. */
  readonly lastConnectedNs: string;
  /** CPU time the worker used between "go" and its last connect. */
  readonly cpuMs: number;
}
