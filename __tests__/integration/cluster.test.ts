import "reflect-metadata";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { NATS_SERVER_UNIT } from "../../constructs/core/names";
import type { NatsServerConfig } from "../../constructs/core/nats-config";
import { issueCertificate } from "../../smoke/local-pki";
import type { ProbeClient } from "../../smoke/nats-probes";
import { SequencedStream, StatusLog } from "../helpers/event-stream";
import { MessageLog, tornadoEvent, uniqueTag } from "../helpers/message-log";
import { freePort, startNatsServer, type RunningNatsServer } from "../helpers/nats-server-process";
import { localClusterOnly, startSecuredTopology, type SecuredTopology } from "../helpers/secured-topology";
import { clusterAndSatellite } from "../helpers/topologies";

/**
 * A three-node NATS cluster, each node running the config the package
 * renders for it (TLS routes to the others by DNS name, verified both ways,
 * verify_cert_and_check_known_urls), with real certificates: events cross
 * the cluster, a collector fails over when its node dies, isolation holds on
 * every node, and only node certificates join as routes.
 */

const ENGINE = "engine/tornado-engine";
const COLLECTOR = "collector/webhook-master";
const NODES = ["nats-1", "nats-2", "nats-3"];

let cluster: SecuredTopology;
let engine: ProbeClient;
let engineLog: MessageLog;
const extraServers: RunningNatsServer[] = [];

beforeAll(async () => {
  // The master site without the satellite (satellites.test.ts covers those).
  cluster = await startSecuredTopology(localClusterOnly(clusterAndSatellite()));
  await cluster.ready();
  engine = await cluster.connectAs(ENGINE, NODES);
  const { outcome, subscription } = await engine.subscribe("*.tornado.events");
  expect(outcome).toBe("active");
  engineLog = new MessageLog(subscription);
});

afterAll(async () => {
  await Promise.all(extraServers.map((server) => server.stop()));
  await cluster?.stop();
});

/** Publishes an allowed event from `client`, waits for it at the engine, and returns what the engine got before it. */
async function beforeSentinel(client: ProbeClient, tenant: string): Promise<string[]> {
  const sentinel = uniqueTag("sentinel");
  expect(await client.publish("tornado.events", tornadoEvent("sentinel", { sentinel }))).toBe("accepted");
  const arrived = await engineLog.waitFor((message) => message.body.includes(sentinel));
  expect(arrived.subject).toBe(`${tenant}.tornado.events`);
  return engineLog.before((message) => message.body.includes(sentinel)).map((message) => message.body);
}

/** The DNS and IP SANs of a PEM certificate. */
function sans(pem: string): { dns: string[]; ip: string[] } {
  const extension = new x509.X509Certificate(pem).getExtension(x509.SubjectAlternativeNameExtension);
  const names = extension?.names.toJSON() ?? [];
  return {
    dns: names.filter((name) => name.type === "dns").map((name) => name.value),
    ip: names.filter((name) => name.type === "ip").map((name) => name.value),
  };
}

/** Waits until `server`'s log matches `pattern`; the server's own words, not a quiet moment. */
async function logLine(server: { log(): string }, pattern: RegExp, timeoutMs = 8000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = server
      .log()
      .split("\n")
      .find((candidate) => pattern.test(candidate));
    if (line) return line;
    if (Date.now() > deadline)
      throw new Error(`no log line matching ${pattern} within ${timeoutMs} ms:\n${server.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A server outside the topology that dials node 1's route port, with `certificate` as its route identity. */
async function rogueRoute(name: string, certificate: { certPem: string; keyPem: string }): Promise<RunningNatsServer> {
  const certFile = join(cluster.dir, `${name}.pem`);
  const keyFile = join(cluster.dir, `${name}-key.pem`);
  writeFileSync(certFile, certificate.certPem);
  writeFileSync(keyFile, certificate.keyPem, { mode: 0o400 });
  const node = cluster.server("nats-1");
  const config = {
    server_name: name,
    host: "127.0.0.1",
    port: await freePort(),
    cluster: {
      name: node.config.cluster?.name,
      host: "127.0.0.1",
      port: await freePort(),
      tls: { cert_file: certFile, key_file: keyFile, ca_file: cluster.pki.caFile, timeout: 5 },
      routes: [`nats-route://localhost:${node.clusterPort}`],
    },
  } as unknown as NatsServerConfig;
  const server = await startNatsServer(config, cluster.dir, `${name}.json`);
  extraServers.push(server);
  return server;
}

async function routePeers(node: string): Promise<string[]> {
  const routez = await cluster.monitor<{ routes?: { remote_name: string }[] }>(node, "routez");
  return [...new Set((routez.routes ?? []).map((route) => route.remote_name))].sort();
}

describe("GIVEN three nodes routed by DNS name (nats-route://localhost:<port>, every certificate without an IP SAN)", () => {
  test("THEN each node routes to the other two, the TLS check made against the route's name, not the IP it resolves to (#8309)", async () => {
    for (const node of NODES) {
      const { config } = cluster.server(node);
      expect(config.cluster?.routes).toEqual(
        NODES.filter((other) => other !== node).map(
          (other) => `nats-route://localhost:${cluster.server(other).clusterPort}`,
        ),
      );
      expect(config.cluster?.tls).toMatchObject({ verify: true, verify_cert_and_check_known_urls: true });
      // What the node tells others to dial, and clients to reconnect to, are names its certificate carries.
      const names = sans(cluster.pki.servers.get(node)!.certPem);
      expect(names.ip).toEqual([]);
      expect(names.dns).toContain(config.cluster?.advertise.replace(/:\d+$/, ""));
      expect(names.dns).toContain(config.client_advertise?.replace(/:\d+$/, ""));
      expect(await routePeers(node)).toEqual(NODES.filter((other) => other !== node));
      expect(cluster.server(node).process!.log()).not.toMatch(/TLS route handshake error/);
    }
  });

  test("WHEN a node is given its routes by IP (what #8309 turns names into) THEN the route TLS check fails: the node certificates carry no IP SAN", async () => {
    const node3 = cluster.server("nats-3");
    const byIp = {
      ...node3.config,
      server_name: "nats-by-ip",
      port: await freePort(),
      http: undefined,
      client_advertise: undefined,
      cluster: {
        ...node3.config.cluster!,
        port: await freePort(),
        advertise: undefined,
        routes: ["nats-1", "nats-2"].map((node) => `nats-route://127.0.0.1:${cluster.server(node).clusterPort}`),
      },
    } as unknown as NatsServerConfig;
    const server = await startNatsServer(byIp, cluster.dir, "nats-by-ip.json");
    extraServers.push(server);

    const line = await logLine(server, /TLS route handshake error/);
    expect(line).toMatch(/cannot validate certificate for 127\.0\.0\.1 because it doesn't contain any IP SANs/);
    expect(await routePeers("nats-1")).not.toContain("nats-by-ip");
  });
});

describe("GIVEN a collector and the engine on different nodes", () => {
  test("WHEN the collector publishes on node 2 THEN the engine on node 1 receives it as <tenant>.tornado.events", async () => {
    expect(engine.connection.getServer()).toBe(cluster.server("nats-1").endpoint.address);
    const collector = await cluster.connectAs(COLLECTOR, "nats-2");
    const acme = await cluster.connectAs("collector/nats-json-acme", "nats-3");
    for (const [client, tenant] of [
      [collector, "master"],
      [acme, "acme"],
    ] as const) {
      const tag = uniqueTag(tenant);
      const body = tornadoEvent("tornado_nats_test", { tag, text: "across the cluster ✓" });
      expect(await client.publish("tornado.events", body)).toBe("accepted");
      expect(await engineLog.waitFor((message) => message.body.includes(tag))).toEqual({
        subject: `${tenant}.tornado.events`,
        body,
      });
    }
  });
});

describe.each(NODES)("GIVEN clients connected to %s only", (node) => {
  test("THEN a collector may publish tornado.events (the engine on nats-1 receives it) and nothing else: another tenant's subject and an arbitrary one are denied, and nothing of them arrives", async () => {
    const collector = await cluster.connectAs(COLLECTOR, node);
    const forbidden = [uniqueTag("other-tenant"), uniqueTag("arbitrary")];
    expect(await collector.publish("acme.tornado.events", tornadoEvent("forged", { tag: forbidden[0] }))).toBe(
      "denied",
    );
    expect(await collector.publish("tornado_nats_test.anything", tornadoEvent("forged", { tag: forbidden[1] }))).toBe(
      "denied",
    );
    const before = await beforeSentinel(collector, "master");
    expect(before.filter((body) => forbidden.some((tag) => body.includes(tag)))).toEqual([]);
  });

  test("THEN a collector may not subscribe, to tornado.events nor to >", async () => {
    const collector = await cluster.connectAs(COLLECTOR, node);
    expect((await collector.subscribe("tornado.events")).outcome).toBe("denied");
    expect((await collector.subscribe(">")).outcome).toBe("denied");
  });

  test("THEN the engine may subscribe to *.tornado.events (and receives there) but not publish, and nothing it forged arrives", async () => {
    const engineHere = await cluster.connectAs(ENGINE, node);
    const local: string[] = [];
    const { outcome } = await engineHere.subscribe("*.tornado.events", (message) => local.push(message.string()));
    expect(outcome).toBe("active");
    const forged = uniqueTag("forged");
    expect(await engineHere.publish("master.tornado.events", tornadoEvent("forged", { tag: forged }))).toBe("denied");
    const collector = await cluster.connectAs(COLLECTOR, node);
    const before = await beforeSentinel(collector, "master");
    expect(before.filter((body) => body.includes(forged))).toEqual([]);
    // The engine on this node received the sentinel too: its subscription is live.
    const sentinelBody = engineLog.messages.at(-1)!.body;
    await expect(waitUntil(() => local.includes(sentinelBody))).resolves.toBe(true);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

describe("GIVEN a server outside the topology dialing node 1's route port", () => {
  test("WHEN it presents a collector's certificate (same CA, no DNS name) THEN node 1 refuses it as a route", async () => {
    const marker = cluster.server("nats-1").process!.log().length;
    const rogue = await rogueRoute("rogue-collector", cluster.pki.clients.get(COLLECTOR)!);

    const nodeLog = { log: () => cluster.server("nats-1").process!.log().slice(marker) };
    expect(await logLine(nodeLog, /rid:\d+ - authentication error/)).toBeTruthy();
    expect(await logLine(rogue, /Route Error 'Authorization Violation'/)).toBeTruthy();
    expect(await routePeers("nats-1")).toEqual(["nats-2", "nats-3"]);
    // Stopped here so that the next test's refusals can only be its own rogue's.
    await rogue.stop();
  });

  test("WHEN it presents a node-like certificate of the same CA (server and client auth) for a name no route names THEN node 1 refuses it too (verify_cert_and_check_known_urls)", async () => {
    const marker = cluster.server("nats-1").process!.log().length;
    const impostor = await issueCertificate(cluster.pki.ca, {
      subject: {
        commonName: "rogue",
        organizationalUnit: NATS_SERVER_UNIT,
        organization: cluster.topology.organization,
      },
      usage: "server-and-client",
      dnsNames: ["rogue.example.net"],
    });
    const rogue = await rogueRoute("rogue-node", impostor);

    const nodeLog = { log: () => cluster.server("nats-1").process!.log().slice(marker) };
    expect(await logLine(nodeLog, /rid:\d+ - authentication error/)).toBeTruthy();
    expect(await logLine(rogue, /Route Error 'Authorization Violation'/)).toBeTruthy();
    expect(await routePeers("nats-1")).toEqual(["nats-2", "nats-3"]);
    await rogue.stop();
  });
});

describe("GIVEN a collector configured with every node (its own node first) publishing at a steady rate", () => {
  test("WHEN its node dies (SIGKILL) THEN it fails over to another node and keeps publishing; only events in flight at the crash may be lost (core NATS is at-most-once)", async () => {
    const collector = await cluster.connectAs(COLLECTOR, ["nats-2", "nats-1", "nats-3"], { reconnect: true });
    const status = new StatusLog(collector);
    const stream = new SequencedStream(collector, uniqueTag("failover"), 20);
    stream.start();
    await engineLog.waitFor((message) => stream.received([message]).includes(25));

    const killedAt = performance.now();
    await cluster.stopServer("nats-2", "SIGKILL");
    const reconnected = await status.waitFor("reconnect", killedAt);
    // The first event handed to the client once it was on another node.
    await waitUntil(() => stream.publishedSince(reconnected.at).length > 0);
    const firstAfter = stream.publishedSince(reconnected.at)[0];
    await engineLog.waitFor((message) => stream.received([message]).includes(firstAfter + 25));
    const published = stream.stop();
    await engineLog.waitFor((message) => stream.received([message]).includes(published));

    const tally = stream.tally(engineLog.messages);
    const arrivedFirstAfter = engineLog.messages.find((message) => stream.received([message]).includes(firstAfter));
    expect(collector.connection.getServer()).not.toBe(cluster.server("nats-2").endpoint.address);
    expect(tally.duplicates).toBe(0);
    // Everything published once the client was on another node arrived.
    expect(tally.lost.filter((seq) => seq >= firstAfter)).toEqual([]);
    expect(arrivedFirstAfter).toBeDefined();
    process.stdout.write(
      `cluster failover (SIGKILL of the collector's node, 50 events/s): reconnected to ${collector.connection.getServer()} ` +
        `${Math.round(reconnected.at - killedAt)} ms after the kill; ${tally.published} published, ` +
        `${tally.lost.length} lost (${tally.lost.join(", ") || "none"}), ${tally.duplicates} duplicated\n`,
    );
    await cluster.restartServer("nats-2");
    await cluster.ready();
  });
});
