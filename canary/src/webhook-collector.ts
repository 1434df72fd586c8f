import { timingSafeEqual } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { connectNats } from "./nats-connection";
import { localPath, type CanaryOptions } from "./options";
import { renderTemplate } from "./payload-template";
import { integer, natsClientSettings, readToml, string, table } from "./tornado-toml";

/**
 * The webhook collector canary: reads webhook_collector.toml and the
 * webhooks/ directory (`{id, token, collector_config: {event_type, payload}}`)
 * like Tornado's webhook collector, accepts `POST /event/<id>?token=<token>`,
 * and publishes a Tornado event to the configured subject with its
 * certificate. The tenant is never taken from the request: it follows from
 * the certificate's NATS account.
 */

interface Webhook {
  readonly id: string;
  readonly token: string;
  readonly eventType: string;
  readonly payload: unknown;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;

function loadWebhooks(options: CanaryOptions): Map<string, Webhook> {
  const dir = localPath(options, `${options.configDir}/webhooks`);
  const webhooks = new Map<string, Webhook>();
  for (const file of readdirSync(dir).sort()) {
    const where = `webhooks/${file}`;
    const value = JSON.parse(readFileSync(`${dir}/${file}`, "utf8")) as Record<string, unknown>;
    const collectorConfig = (value.collector_config ?? {}) as Record<string, unknown>;
    if (
      typeof value.id !== "string" ||
      typeof value.token !== "string" ||
      typeof collectorConfig.event_type !== "string"
    ) {
      throw new Error(`${where}: expected {id, token, collector_config: {event_type, payload}}`);
    }
    webhooks.set(value.id, {
      id: value.id,
      token: value.token,
      eventType: collectorConfig.event_type,
      payload: collectorConfig.payload ?? {},
    });
  }
  return webhooks;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("payload too large"));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function sameToken(given: string, expected: string): boolean {
  const left = Buffer.from(given);
  const right = Buffer.from(expected);
  return left.length === right.length && timingSafeEqual(left, right);
}

export async function runWebhookCollector(options: CanaryOptions): Promise<void> {
  const file = `${options.configDir}/webhook_collector.toml`;
  const section = table(readToml(options, file), "webhook_collector", "webhook_collector");
  const channel = table(
    table(section, "tornado_connection_channel", "webhook_collector"),
    "nats",
    "webhook_collector.tornado_connection_channel",
  );
  const subject = string(channel, "subject", "webhook_collector.tornado_connection_channel.nats");
  const settings = natsClientSettings(
    options,
    table(channel, "client", "channel.nats"),
    "webhook_collector.tornado_connection_channel.nats.client",
  );
  const bindAddress = string(section, "server_bind_address", "webhook_collector");
  const port = options.httpPort ?? integer(section, "server_port", "webhook_collector");
  const webhooks = loadWebhooks(options);
  const client = await connectNats(options, settings, "webhook-collector-canary");

  const server = createServer(async (request, response) => {
    const reply = (status: number, body: string): void => {
      response.writeHead(status, { "content-type": "text/plain" });
      response.end(body);
    };
    const url = new URL(request.url ?? "/", "http://canary");
    if (request.method === "GET" && url.pathname === "/ping") return reply(200, `pong - ${new Date().toISOString()}`);
    const match = /^\/event\/([^/]+)$/.exec(url.pathname);
    if (request.method !== "POST" || !match) return reply(404, "not found");
    const webhook = webhooks.get(decodeURIComponent(match[1]));
    if (!webhook) return reply(404, "unknown webhook");
    if (!sameToken(url.searchParams.get("token") ?? "", webhook.token)) return reply(401, "wrong token");
    let document: unknown;
    try {
      document = JSON.parse(await readBody(request));
    } catch (error) {
      return reply(400, `the body must be JSON (${(error as Error).message})`);
    }
    const event = {
      type: webhook.eventType,
      created_ms: Date.now(),
      payload: renderTemplate(webhook.payload, document),
    };
    try {
      const outcome = await client.publish(subject, JSON.stringify(event));
      if (outcome === "denied") return reply(502, `NATS denied publishing to ${subject}`);
    } catch (error) {
      return reply(503, `NATS unavailable: ${(error as Error).message}`);
    }
    return reply(200, webhook.id);
  });
  await new Promise<void>((resolve) => server.listen(port, bindAddress, resolve));
  process.stdout.write(
    `webhook collector canary: ${webhooks.size} webhook(s) on ${bindAddress}:${port}, publishing to ${subject}\n`,
  );
}
