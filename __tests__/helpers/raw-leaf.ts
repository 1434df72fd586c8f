import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls, type TLSSocket } from "node:tls";
import type { ClientMaterial } from "../../smoke/nats-probes";

/**
 * A leaf node written by hand: it speaks the leafnode protocol (INFO, TLS,
 * CONNECT, LS+, LMSG) to a hub's leafnode port with a given certificate and
 * sends whatever a test tells it to, where a real nats-server would filter
 * by the permissions the hub announced. It is the hostile satellite: what it
 * is denied is denied by the hub, not by a polite peer.
 *
 * Everything the hub sends is kept as text, so a test waits for the hub's
 * own words (`-ERR 'Permissions Violation …'`, `LMSG …`).
 */
export class RawLeaf {
  private text = "";
  private pongs = 0;
  private ended = false;
  private readonly waiters: (() => void)[] = [];

  private constructor(private readonly socket: TLSSocket) {
    socket.on("data", (chunk: Buffer) => {
      this.text += chunk.toString("utf8");
      this.pongs = (this.text.match(/^PONG\r$/gm) ?? []).length;
      this.wake();
    });
    socket.on("close", () => {
      this.ended = true;
      this.wake();
    });
    socket.on("error", () => undefined);
  }

  /**
   * Dials the leafnode port at 127.0.0.1:`port`, reads the hub's INFO, upgrades
   * to TLS with `material` (verifying the hub as `servername`), and sends
   * CONNECT as a leaf named `name`. Resolves once the hub answered a PING.
   */
  static async connect(port: number, material: ClientMaterial, name: string, servername = "localhost") {
    const leaf = await RawLeaf.open(port, material, name, servername);
    await leaf.ping();
    return leaf;
  }

  /** As connect(), without waiting for the hub's answer: for a leaf the hub must refuse. */
  static async open(port: number, material: ClientMaterial, name: string, servername = "localhost") {
    const tcp: Socket = connectTcp({ host: "127.0.0.1", port });
    await new Promise<void>((resolve, reject) => {
      tcp.once("data", () => resolve());
      tcp.once("error", reject);
    });
    const socket = connectTls({
      socket: tcp,
      ca: material.caPem,
      cert: material.certPem,
      key: material.keyPem,
      servername,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("secureConnect", resolve);
      socket.once("error", reject);
    });
    const leaf = new RawLeaf(socket);
    const connect = { verbose: false, pedantic: false, tls_required: true, name, hub: false, headers: true };
    leaf.write(`CONNECT ${JSON.stringify({ ...connect, compression: "off" })}`);
    leaf.write("PING");
    return leaf;
  }

  /** Everything the hub sent so far. */
  get received(): string {
    return this.text;
  }

  /** The hub's INFO, as it announced the permissions it holds this leaf to. */
  info(): { remote_account?: string; import?: unknown; export?: unknown } {
    const infos = [...this.text.matchAll(/^INFO (\{.*\}) *\r$/gm)].map((match) => JSON.parse(match[1]));
    return infos.at(-1) ?? {};
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Tells the hub this leaf wants `subject` (interest the hub forwards messages by). */
  subscribe(subject: string): void {
    this.write(`LS+ ${subject}`);
  }

  /** Sends a message into the hub, as a leaf forwards its local clients' publishes. */
  publish(subject: string, payload: string): void {
    this.write(`LMSG ${subject} ${Buffer.byteLength(payload)}\r\n${payload}`);
  }

  /**
   * PING and wait for the PONG: the hub handles a connection's protocol in
   * order, so everything sent before was processed when it answers. Rejects
   * when the hub closes the connection first.
   */
  async ping(timeoutMs = 5000): Promise<void> {
    const wanted = this.pongs + 1;
    this.write("PING");
    await this.until(() => this.pongs >= wanted, `a PONG`, timeoutMs);
  }

  /** Waits for a line the hub sends matching `pattern`; returns it. */
  async waitFor(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    let line: string | undefined;
    await this.until(
      () => {
        line = this.text.split("\r\n").find((candidate) => pattern.test(candidate));
        return line !== undefined;
      },
      String(pattern),
      timeoutMs,
      true,
    );
    return line as string;
  }

  /** Waits until the hub closed the connection. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    await this.until(() => this.ended, "the hub to close the connection", timeoutMs, true);
  }

  close(): void {
    this.socket.destroy();
  }

  private write(line: string): void {
    if (!this.ended) this.socket.write(`${line}\r\n`);
  }

  private wake(): void {
    this.waiters.splice(0).forEach((wake) => wake());
  }

  private async until(done: () => boolean, what: string, timeoutMs: number, evenIfClosed = false): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.ended && !evenIfClosed)
        throw new Error(`the hub closed the leaf connection before ${what}:\n${this.text}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; the hub sent:\n${this.text}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
