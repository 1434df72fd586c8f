import { createServer, connect, type Server, type Socket } from "node:net";
import { freePort } from "./nats-server-process";

/**
 * A TCP link that a test can cut and mend: it forwards 127.0.0.1:`port` to
 * 127.0.0.1:`target` byte for byte (TLS passes through untouched, so the
 * peers verify each other as if connected directly). `cut()` drops every
 * connection on it and refuses new ones, as a WAN link going down does;
 * `mend()` lets connections through again.
 */
export class TcpLink {
  private readonly sockets = new Set<Socket>();
  private up = true;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    /** Where it forwards to; may be set after open(), before the first connection. */
    public target: number,
  ) {
    server.on("connection", (inbound) => {
      if (!this.up) {
        inbound.destroy();
        return;
      }
      const outbound = connect({ host: "127.0.0.1", port: this.target });
      for (const [from, to] of [
        [inbound, outbound],
        [outbound, inbound],
      ] as const) {
        this.sockets.add(from);
        from.pipe(to);
        from.on("error", () => to.destroy());
        from.on("close", () => {
          this.sockets.delete(from);
          to.destroy();
        });
      }
    });
  }

  static async open(target = 0): Promise<TcpLink> {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    return new TcpLink(server, port, target);
  }

  /** Drops every connection and refuses new ones until mend(). */
  cut(): void {
    this.up = false;
    for (const socket of this.sockets) socket.destroy();
  }

  mend(): void {
    this.up = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
