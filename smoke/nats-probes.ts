import { connect as connectTcp } from "node:net";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { connect, errors, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";

/**
 * Small, honest probes against a NATS server, shared by the smoke test and the
 * integration tests. A denial is only reported when the server said so: for
 * publish and subscribe that is a permission error that arrives before the
 * PONG of a flush (the server answers in order), for connections a refused
 * handshake or an authorization error. Silence is never read as "denied".
 */

export interface NatsEndpoint {
  /** host:port to dial. */
  readonly address: string;
  /** The DNS name the server certificate must carry. */
  readonly servername: string;
}

export interface ClientMaterial {
  /** The CA the server certificate must chain to. */
  readonly caPem: string;
  /** Client certificate and its PKCS#8 key; omit both to connect without one. */
  readonly certPem?: string;
  readonly keyPem?: string;
}

export type PublishOutcome = "accepted" | "denied";

export interface ConnectOptions {
  /** Shown in the server's connz. */
  readonly name?: string;
  /** @default 5000 */
  readonly timeoutMs?: number;
  /** Keep reconnecting after a disconnect (for fault tests). @default false */
  readonly reconnect?: boolean;
  /** Also dial these servers (a cluster's other nodes), each verified against its own servername. @default none */
  readonly alternates?: readonly NatsEndpoint[];
}

/**
 * TLS names for a server list. When each server is dialed by the name its
 * certificate carries, the client checks each by its own host name. When
 * some are dialed at another address (a --resolve override), the dialed
 * host says nothing: the certificate must then carry one of the configured
 * names (each is a server of this topology, signed by the same CA).
 */
function serverIdentity(endpoints: readonly NatsEndpoint[]): Record<string, unknown> {
  if (endpoints.length === 1) return { servername: endpoints[0].servername };
  const dialedByName = endpoints.every((endpoint) => endpoint.address.replace(/:\d+$/, "") === endpoint.servername);
  if (dialedByName) return {};
  const names = [...new Set(endpoints.map((endpoint) => endpoint.servername))];
  return {
    checkServerIdentity: (_host: string, certificate: PeerCertificate) => {
      const errors = names.map((name) => checkServerIdentity(name, certificate));
      return errors.includes(undefined) ? undefined : errors[0];
    },
  };
}

/** A TLS client that records the permission errors the server sends it. */
export class ProbeClient {
  private readonly violations: InstanceType<typeof errors.PermissionViolationError>[] = [];

  private constructor(readonly connection: NatsConnection) {
    void (async () => {
      for await (const status of connection.status()) {
        if (status.type === "error" && status.error instanceof errors.PermissionViolationError) {
          this.violations.push(status.error);
        }
      }
    })();
  }

  static async connect(
    endpoint: NatsEndpoint,
    material: ClientMaterial,
    options: ConnectOptions = {},
  ): Promise<ProbeClient> {
    const endpoints = [endpoint, ...(options.alternates ?? [])];
    const tls: Record<string, unknown> = { ca: material.caPem, ...serverIdentity(endpoints) };
    if (material.certPem !== undefined) tls.cert = material.certPem;
    if (material.keyPem !== undefined) tls.key = material.keyPem;
    const connection = await connect({
      servers: endpoints.map((candidate) => candidate.address),
      // The configured list is the truth; servers a node advertises are only added when dialed by name.
      ignoreClusterUpdates: endpoints.some((candidate) => !candidate.address.startsWith(`${candidate.servername}:`)),
      noRandomize: true,
      name: options.name,
      tls,
      timeout: options.timeoutMs ?? 5000,
      reconnect: options.reconnect ?? false,
      // Not 0: nats.js 3 would then drop the next server of the list after a failed first dial, not just the failed one.
      maxReconnectAttempts: options.reconnect ? -1 : 10,
      reconnectTimeWait: 250,
    });
    return new ProbeClient(connection);
  }

  /**
   * Publishes and waits for the server's verdict (a round trip). Publishes
   * on one client must not overlap: a publish permission error that arrives
   * within this round trip is this publish's, whatever subject it names. The
   * server names the subject it checked, which is the subject after the
   * account's subject mappings (`tornado.events` is checked, and refused, as
   * `<tenant>.tornado.events` in an account that maps it).
   */
  async publish(subject: string, data: Uint8Array | string): Promise<PublishOutcome> {
    const before = this.violations.length;
    this.connection.publish(subject, data);
    await this.connection.flush();
    // The error was parsed before the PONG, but status listeners run on a
    // later turn of the event loop: give them that turn.
    await new Promise((resolve) => setImmediate(resolve));
    // Any publish violation between this publish and the PONG is this publish's: the server
    // answers in order. The subject it names may differ from `subject` when an account
    // mapping rewrote it (nats-server checks permissions on the mapped subject).
    const denied = this.violations.slice(before).some((violation) => violation.operation === "publish");
    return denied ? "denied" : "accepted";
  }

  /**
   * Subscribes and waits for the server's verdict. A denied subscription is
   * closed by the client with the permission error. With `onMessage`, each
   * message is handed over as the client parses it, so the messages of
   * several subscriptions of one connection keep the order they arrived in.
   */
  async subscribe(
    subject: string,
    onMessage?: (message: Msg) => void,
  ): Promise<{ outcome: "active" | "denied"; subscription: Subscription }> {
    const subscription = onMessage
      ? this.connection.subscribe(subject, {
          callback: (error, message) => {
            if (!error) onMessage(message);
          },
        })
      : this.connection.subscribe(subject);
    await this.connection.flush();
    const closedWith = await Promise.race([
      subscription.closed.then((error) => error),
      new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined))),
    ]);
    const denied = closedWith instanceof errors.PermissionViolationError;
    return { outcome: denied ? "denied" : "active", subscription };
  }

  async close(): Promise<void> {
    if (!this.connection.isClosed()) await this.connection.close();
  }
}

export type ConnectionOutcome = { readonly accepted: true } | { readonly accepted: false; readonly reason: string };

/** Tries a TLS connection and reports whether the server let it in (closing it again). */
export async function tryConnect(
  endpoint: NatsEndpoint,
  material: ClientMaterial,
  options: ConnectOptions = {},
): Promise<ConnectionOutcome> {
  try {
    const client = await ProbeClient.connect(endpoint, material, options);
    await client.connection.flush();
    await client.close();
    return { accepted: true };
  } catch (error) {
    const reason = (error as Error).message || String(error);
    const cause = (error as { cause?: Error }).cause?.message;
    return { accepted: false, reason: cause && !reason.includes(cause) ? `${reason}: ${cause}` : reason };
  }
}

/**
 * Speaks the NATS protocol in clear text, ignoring the server's tls_required,
 * as a careless or hostile client would: sends CONNECT and PING and reports
 * whether the server ever answered PONG or +OK.
 */
export function tryPlaintext(address: string, timeoutMs = 3000): Promise<ConnectionOutcome> {
  const [host, portText] = splitAddress(address);
  return new Promise((resolve) => {
    let greeting = "";
    let reply = "";
    let connectSent = false;
    let settled = false;
    const socket = connectTcp({ host, port: Number(portText) });
    const finish = (outcome: ConnectionOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () => finish({ accepted: false, reason: `no answer to a plaintext CONNECT within ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.on("data", (chunk) => {
      if (connectSent) {
        reply += chunk.toString("latin1");
        if (/^(PONG|\+OK)\r\n/m.test(reply)) finish({ accepted: true });
        return;
      }
      greeting += chunk.toString("latin1");
      if (greeting.includes("\r\n")) {
        connectSent = true;
        socket.write(
          'CONNECT {"verbose":true,"pedantic":false,"tls_required":false,"lang":"probe","version":"0"}\r\nPING\r\n',
        );
      }
    });
    socket.on("error", (error) => finish({ accepted: false, reason: error.message }));
    socket.on("close", () => finish({ accepted: false, reason: "the server closed the plaintext connection" }));
  });
}

/** Splits "host:port" and "[v6]:port". */
export function splitAddress(address: string): [string, string] {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (!match) throw new Error(`not a host:port address: ${JSON.stringify(address)}`);
  return [match[1], match[2]];
}
