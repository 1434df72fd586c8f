import { createServer } from "node:http";
import type { Msg } from "@nats-io/transport-node";
import { connectNats } from "./nats-connection";
import type { CanaryOptions } from "./options";
import { integer, natsClientSettings, readToml, string, table, type Table } from "./tornado-toml";

/**
 * The engine canary: reads tornado.toml ([tornado.daemon] nats.*,
 * nats_extractors, web_server_*), subscribes to the configured subject with
 * its certificate, and enriches each event's metadata with the configured
 * FromSubject extractors, as Tornado's engine does. Serves
 * GET /monitoring/ping and GET /canary/events (what it received per tenant_id).
 */

interface Extractor {
  readonly key: string;
  readonly regex: RegExp;
}

interface TornadoEvent {
  type: string;
  created_ms: number;
  payload: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

const RECENT_EVENTS_PER_TENANT = 100;
const UNASSIGNED = "(no tenant_id)";

function extractors(daemon: Table): Extractor[] {
  const list = daemon.nats_extractors ?? [];
  if (!Array.isArray(list)) throw new Error("tornado.daemon.nats_extractors: expected a list");
  return list.map((item: Table, index) => {
    const where = `tornado.daemon.nats_extractors[${index}]`;
    if (item.type !== "FromSubject") throw new Error(`${where}.type: only "FromSubject" exists`);
    return { key: string(item, "key", where), regex: new RegExp(string(item, "regex", where)) };
  });
}

/** Tornado's Event: type, integer created_ms, object payload, optional metadata (newer collectors send it bare). */
function parseEvent(body: string): TornadoEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  const candidate = (value as { event?: unknown })?.event ?? value;
  const event = candidate as Partial<TornadoEvent>;
  const isObject = (item: unknown) => typeof item === "object" && item !== null && !Array.isArray(item);
  if (typeof event?.type !== "string" || !Number.isInteger(event.created_ms) || (event.created_ms as number) < 0)
    return undefined;
  if (!isObject(event.payload) || (event.metadata !== undefined && !isObject(event.metadata))) return undefined;
  return event as TornadoEvent;
}

export async function runEngine(options: CanaryOptions): Promise<void> {
  const config = readToml(options, `${options.configDir}/tornado.toml`);
  const daemon = table(table(config, "tornado", "tornado"), "daemon", "tornado");
  if (daemon.nats_enabled !== true) throw new Error("tornado.daemon.nats_enabled: the canary only speaks NATS");
  const natsSection = table(daemon, "nats", "tornado.daemon");
  const subject = string(natsSection, "subject", "tornado.daemon.nats");
  const settings = natsClientSettings(
    options,
    table(natsSection, "client", "tornado.daemon.nats"),
    "tornado.daemon.nats.client",
  );
  const enrich = extractors(daemon);
  const webIp = string(daemon, "web_server_ip", "tornado.daemon");
  const webPort = options.httpPort ?? integer(daemon, "web_server_port", "tornado.daemon");

  const received = new Map<string, { count: number; events: TornadoEvent[] }>();
  let invalid = 0;
  const handle = (message: Msg): void => {
    const event = parseEvent(message.string());
    if (!event) {
      invalid += 1;
      return;
    }
    // As Tornado: a matching extractor overwrites what the client claimed.
    const metadata = { ...(event.metadata ?? {}) };
    for (const { key, regex } of enrich) {
      const match = regex.exec(message.subject);
      if (match?.[1] !== undefined) metadata[key] = match[1];
    }
    event.metadata = metadata;
    const tenant = typeof metadata.tenant_id === "string" ? metadata.tenant_id : UNASSIGNED;
    const entry = received.get(tenant) ?? { count: 0, events: [] };
    entry.count += 1;
    entry.events.push(event);
    if (entry.events.length > RECENT_EVENTS_PER_TENANT) entry.events.shift();
    received.set(tenant, entry);
  };

  const client = await connectNats(options, settings, "engine-canary");
  const { outcome, subscription } = await client.subscribe(subject);
  if (outcome === "denied") throw new Error(`NATS denied the subscription to ${subject}`);
  void (async () => {
    for await (const message of subscription) handle(message);
  })();
  process.stdout.write(`engine canary: subscribed to ${subject} via ${settings.addresses.join(", ")}\n`);

  const server = createServer((request, response) => {
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.method === "GET" && request.url === "/monitoring/ping") {
      reply(200, { message: `pong - ${new Date().toISOString()}` });
    } else if (request.method === "GET" && request.url === "/canary/events") {
      reply(200, { tenants: Object.fromEntries(received), invalid });
    } else {
      reply(404, { error: "not found" });
    }
  });
  await new Promise<void>((resolve) => server.listen(webPort, webIp, resolve));
  process.stdout.write(`engine canary: API on ${webIp}:${webPort}\n`);
}
