import type { NatsLeafnodeListener, NatsLeafnodeRemote, NatsServerConfig } from "../../constructs/core/nats-config";
import type { ProbeClient } from "../../smoke/nats-probes";
import { tryConnect } from "../../smoke/nats-probes";
import { SequencedStream, StatusLog } from "../helpers/event-stream";
import { MessageLog, tornadoEvent, uniqueTag } from "../helpers/message-log";
import { RawLeaf } from "../helpers/raw-leaf";
import { localClusterAndSatellite, startSecuredTopology, type SecuredTopology } from "../helpers/secured-topology";
import { TcpLink } from "../helpers/tcp-link";
import { clusterAndSatellite } from "../helpers/topologies";

/**
 * A satellite site (NetEye satellite) as a leaf node of the master's
 * three-node cluster, every server running the config the package renders,
 * with real certificates: the site's collector reaches the engine at the
 * master under its tenant; the satellite identity can do nothing but carry
 * that tenant's stream into that tenant's account, even when a hand-written
 * leaf (not a polite nats-server) uses it; and when the leaf link drops, the
 * site's collectors stay connected and the leaf comes back by itself.
 *
 * The satellite dials the master's nodes through TCP links the test can cut
 * (TLS passes through them untouched), one per node, in node order.
 */

const ENGINE = "engine/tornado-engine";
const SITE_COLLECTOR = "collector/webhook-acme";
const MASTER_COLLECTOR = "collector/webhook-master";
const MASTER_ACME_COLLECTOR = "collector/nats-json-acme";
const SATELLITE = "sat-acme";
const SATELLITE_IDENTITY = `satellite/${SATELLITE}`;
const NODES = ["nats-1", "nats-2", "nats-3"];

let topology: SecuredTopology;
let links: TcpLink[];
let engine: ProbeClient;
let engineLog: MessageLog;
const rawLeaves: RawLeaf[] = [];

/**
 * The satellite's leaf remotes, each rerouted through its link (the link
 * learns the node's port), and each node advertising its link as its
 * leafnode address, as a deployed node advertises the DNS name satellites
 * reach it by: a satellite also dials what the hub advertises.
 */
function throughLinks(name: string, config: NatsServerConfig): NatsServerConfig {
  const node = NODES.indexOf(name);
  if (node >= 0) {
    const listener = config.leafnodes as NatsLeafnodeListener;
    return { ...config, leafnodes: { ...listener, advertise: `localhost:${links[node].port}` } };
  }
  if (name !== SATELLITE) return config;
  const [remote] = (config.leafnodes as { remotes: readonly NatsLeafnodeRemote[] }).remotes;
  const urls = remote.urls.map((url, index) => {
    links[index].target = Number(/:(\d+)$/.exec(url)?.[1]);
    return `tls://localhost:${links[index].port}`;
  });
  return { ...config, leafnodes: { remotes: [{ ...remote, urls }] } };
}

beforeAll(async () => {
  links = await Promise.all(NODES.map(() => TcpLink.open()));
  topology = await startSecuredTopology(localClusterAndSatellite(clusterAndSatellite()), {
    alterConfig: throughLinks,
  });
  await topology.ready();
  engine = await topology.connectAs(ENGINE, NODES);
  const { outcome, subscription } = await engine.subscribe("*.tornado.events");
  expect(outcome).toBe("active");
  engineLog = new MessageLog(subscription);
  await interestAtSatellite();
});

afterAll(async () => {
  rawLeaves.forEach((leaf) => leaf.close());
  await topology?.stop();
  await Promise.all((links ?? []).map((link) => link.close()));
});

/** Leaf connections a master node holds: name of the remote server and the account it is bound to. */
async function leafsOn(node: string): Promise<{ name: string; account: string }[]> {
  const leafz = await topology.monitor<{ leafs?: { name: string; account: string }[] }>(node, "leafz");
  return (leafz.leafs ?? []).map(({ name, account }) => ({ name, account }));
}

/** The master node the satellite's leaf is connected to. */
async function satelliteHub(): Promise<string> {
  for (const node of NODES) if ((await leafsOn(node)).some((leaf) => leaf.name === SATELLITE)) return node;
  throw new Error("the satellite has no leaf connection to any node");
}

/**
 * Waits until the engine's interest has reached the satellite: NATS forwards
 * a message over a leaf only where the other side has shown interest, and
 * that travels (engine → its node → routes → leaf) after the subscription.
 * A deployed engine has long been subscribed; a test's is new.
 */
async function interestAtSatellite(): Promise<void> {
  await waitUntil(async () => {
    const leafz = await topology.monitor<{ leafs?: { subscriptions_list?: string[] }[] }>(SATELLITE, "leafz?subs=1");
    return (leafz.leafs ?? []).some((leaf) => (leaf.subscriptions_list ?? []).includes("tornado.events"));
  }, "the engine's interest in tornado.events reaching the satellite");
}

async function satelliteLeafCount(): Promise<number> {
  const leafz = await topology.monitor<{ leafs?: unknown[] }>(SATELLITE, "leafz");
  return (leafz.leafs ?? []).length;
}

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A hand-written leaf with the satellite's certificate, dialing `node`'s leafnode port. */
async function rawLeaf(node = "nats-1"): Promise<RawLeaf> {
  const port = topology.server(node).leafnodePort as number;
  const leaf = await RawLeaf.connect(port, topology.material(SATELLITE_IDENTITY), `rogue-${uniqueTag("leaf")}`);
  rawLeaves.push(leaf);
  return leaf;
}

/** Sends an allowed event from `publish` and returns what the engine received before it. */
async function engineBefore(publish: (body: string) => void | Promise<unknown>): Promise<string[]> {
  const sentinel = uniqueTag("sentinel");
  await publish(tornadoEvent("sentinel", { sentinel }));
  const arrived = await engineLog.waitFor((message) => message.body.includes(sentinel));
  expect(arrived.subject).toBe("acme.tornado.events");
  return engineLog.before((message) => message.body.includes(sentinel)).map((m) => `${m.subject} ${m.body}`);
}

describe("GIVEN a collector at the satellite, connected to the satellite's NATS", () => {
  test("WHEN it publishes tornado.events THEN the engine at the master receives it as acme.tornado.events, body intact, through a leaf bound to account acme", async () => {
    const collector = await topology.connectAs(SITE_COLLECTOR, SATELLITE);
    const body = tornadoEvent("tornado_nats_test", { tag: uniqueTag("site"), text: "from the satellite ✓" });
    expect(await collector.publish("tornado.events", body)).toBe("accepted");
    expect(await engineLog.waitFor((message) => message.body === body)).toEqual({
      subject: "acme.tornado.events",
      body,
    });
    expect(await leafsOn(await satelliteHub())).toContainEqual({ name: SATELLITE, account: "acme" });
  });

  test("WHEN it publishes anywhere else (another tenant's subject, a raw topic, the system account) THEN the satellite refuses it and nothing of it reaches the master", async () => {
    const collector = await topology.connectAs(SITE_COLLECTOR, SATELLITE);
    const tags: string[] = [];
    for (const subject of ["master.tornado.events", "acme.tornado.events", "acme.raw", "$SYS.REQ.SERVER.PING"]) {
      const tag = uniqueTag("forbidden");
      tags.push(tag);
      expect(await collector.publish(subject, tornadoEvent("forged", { tag }))).toBe("denied");
    }
    const before = await engineBefore((body) => collector.publish("tornado.events", body));
    expect(before.filter((line) => tags.some((tag) => line.includes(tag)))).toEqual([]);
  });

  test("THEN it may not subscribe, at the satellite, to tornado.events nor to >", async () => {
    const collector = await topology.connectAs(SITE_COLLECTOR, SATELLITE);
    expect((await collector.subscribe("tornado.events")).outcome).toBe("denied");
    expect((await collector.subscribe(">")).outcome).toBe("denied");
  });

  test("THEN it is a user of its satellite only: the master refuses its certificate, and the satellite refuses a master collector's", async () => {
    const siteAtSatellite = await tryConnect(topology.server(SATELLITE).endpoint, topology.material(SITE_COLLECTOR));
    expect(siteAtSatellite).toEqual({ accepted: true });
    const masterAtMaster = await tryConnect(topology.server("nats-2").endpoint, topology.material(MASTER_COLLECTOR));
    expect(masterAtMaster).toEqual({ accepted: true });
    for (const node of NODES) {
      const siteAtMaster = await tryConnect(topology.server(node).endpoint, topology.material(SITE_COLLECTOR));
      expect(siteAtMaster).toMatchObject({ accepted: false, reason: expect.stringMatching(/authorization/i) });
    }
    const masterAtSatellite = await tryConnect(
      topology.server(SATELLITE).endpoint,
      topology.material(MASTER_COLLECTOR),
    );
    expect(masterAtSatellite).toMatchObject({ accepted: false, reason: expect.stringMatching(/authorization/i) });
  });
});

describe("GIVEN the satellite's identity (a leaf of tenant acme)", () => {
  test("WHEN it connects to any master node as a client THEN it is refused (LEAFNODE only), while the satellite's leaf with the same certificate is connected", async () => {
    expect(await leafsOn(await satelliteHub())).toContainEqual({ name: SATELLITE, account: "acme" });
    for (const node of NODES) {
      const asClient = await tryConnect(topology.server(node).endpoint, topology.material(SATELLITE_IDENTITY));
      expect(asClient).toMatchObject({ accepted: false, reason: expect.stringMatching(/authorization/i) });
    }
  });

  test.each([MASTER_COLLECTOR, MASTER_ACME_COLLECTOR, ENGINE, "system/nats-system"])(
    "WHEN %s's certificate is presented at the leafnode port THEN the hub refuses it as a leaf (every other user is a client only), while the satellite's is accepted there",
    async (identity) => {
      const port = topology.server("nats-1").leafnodePort as number;
      const leaf = await RawLeaf.open(port, topology.material(identity), `rogue-${uniqueTag("leaf")}`);
      rawLeaves.push(leaf);
      expect(await leaf.waitFor(/^-ERR /)).toBe("-ERR 'Authorization Violation'");
      await leaf.waitClosed();
      expect((await rawLeaf("nats-1")).closed).toBe(false);
    },
  );

  test("WHEN a hand-written leaf uses it THEN the hub binds it to account acme and announces: send tornado.events only, receive nothing", async () => {
    const leaf = await rawLeaf();
    expect(leaf.info()).toMatchObject({
      remote_account: "acme",
      export: { allow: ["tornado.events"] },
      import: { deny: [">"] },
    });
  });

  test("WHEN the hand-written leaf sends tornado.events THEN the engine receives it as acme.tornado.events (the leaf carries the tenant's stream)", async () => {
    const leaf = await rawLeaf();
    const body = tornadoEvent("tornado_nats_test", { tag: uniqueTag("raw-leaf") });
    leaf.publish("tornado.events", body);
    await leaf.ping();
    expect(await engineLog.waitFor((message) => message.body === body)).toEqual({
      subject: "acme.tornado.events",
      body,
    });
  });

  test.each([
    ["another tenant's stream", "master.tornado.events"],
    ["acme's stream as the engine sees it", "acme.tornado.events"],
    ["a raw topic a master collector of acme subscribes to", "acme.raw"],
    ["a system account request", "$SYS.REQ.SERVER.PING"],
    ["a system service imported into every account", "$SYS.REQ.ACCOUNT.PING.CONNZ"],
  ])(
    "WHEN the hand-written leaf sends %s (%s) THEN the hub refuses it with a permission violation, closes the leaf, and nothing of it arrives",
    async (_what, subject) => {
      const rawTopic = await topology.connectAs(MASTER_ACME_COLLECTOR, "nats-1");
      const onRawTopic: string[] = [];
      expect((await rawTopic.subscribe("acme.raw", (message) => onRawTopic.push(message.string()))).outcome).toBe(
        "active",
      );
      const leaf = await rawLeaf("nats-1");
      const tag = uniqueTag("forged");
      leaf.publish(subject, tornadoEvent("forged", { tag }));
      expect(await leaf.waitFor(/^-ERR 'Permissions Violation for Publish to/)).toBe(
        `-ERR 'Permissions Violation for Publish to "${subject}"'`,
      );
      await leaf.waitClosed();
      const sentinelLeaf = await rawLeaf("nats-1");
      const before = await engineBefore(async (body) => {
        sentinelLeaf.publish("tornado.events", body);
        await sentinelLeaf.ping();
      });
      expect(before.filter((line) => line.includes(tag))).toEqual([]);
      // The hub dropped it before routing it anywhere; the subscriber of acme.raw saw nothing either.
      await rawTopic.connection.flush();
      expect(onRawTopic.filter((body) => body.includes(tag))).toEqual([]);
    },
  );

  test.each(["tornado.events", "master.tornado.events", "$SYS.REQ.SERVER.PING"])(
    "WHEN the hand-written leaf asks the hub for %s THEN the hub refuses the interest with a permission violation and closes the leaf",
    async (subject) => {
      const leaf = await rawLeaf();
      leaf.subscribe(subject);
      expect(await leaf.waitFor(/^-ERR 'Permissions Violation for Subscription to/)).toBe(
        `-ERR 'Permissions Violation for Subscription to "${subject}"'`,
      );
      await leaf.waitClosed();
    },
  );

  test("WHEN the hand-written leaf asks for > THEN nothing of the master reaches it: an acme event published at the same node goes to the engine, not to the leaf", async () => {
    const leaf = await rawLeaf("nats-1");
    leaf.subscribe(">");
    await leaf.ping();
    const collector = await topology.connectAs(MASTER_ACME_COLLECTOR, "nats-1");
    const body = tornadoEvent("tornado_nats_test", { tag: uniqueTag("master-acme") });
    expect(await collector.publish("tornado.events", body)).toBe("accepted");
    // The hub handled that publish (and queued it to every matching connection) before it
    // answered the collector; this PONG is queued to the leaf after anything it would have got.
    await leaf.ping();
    expect(leaf.received).not.toContain(body);
    expect(leaf.received).not.toMatch(/^LMSG /m);
    expect(await engineLog.waitFor((message) => message.body === body)).toEqual({
      subject: "acme.tornado.events",
      body,
    });
  });
});

describe("GIVEN a collector at the satellite publishing at a steady rate (50 events/s)", () => {
  test("WHEN the leaf's link goes down for 2 s and comes back THEN the collector stays connected to the satellite, the leaf reconnects by itself, and every event published once it is back arrives; what the satellite got during the outage is lost (core NATS is at-most-once)", async () => {
    const collector = await topology.connectAs(SITE_COLLECTOR, SATELLITE, { reconnect: true });
    const status = new StatusLog(collector);
    const server = collector.connection.getServer();
    const stream = new SequencedStream(collector, uniqueTag("leaf-outage"), 20);
    stream.start();
    await engineLog.waitFor((message) => stream.received([message]).includes(25));

    const cutAt = performance.now();
    links.forEach((link) => link.cut());
    await waitUntil(async () => (await satelliteLeafCount()) === 0, "the satellite noticing its leaf is down");
    const downAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // Still connected: the satellite acknowledges publishes while its leaf is down.
    expect(await collector.publish("tornado.events", tornadoEvent("probe", { during: "outage" }))).toBe("accepted");

    const mendedAt = performance.now();
    links.forEach((link) => link.mend());
    await waitUntil(async () => (await satelliteLeafCount()) === 1, "the leaf reconnecting");
    const leafBackAt = performance.now();
    const firstAfter = stream.publishedSince(leafBackAt)[0] ?? stream.publishedAt.length + 1;
    await engineLog.waitFor((message) => stream.received([message]).includes(firstAfter + 25), 10_000);
    const published = stream.stop();
    await engineLog.waitFor((message) => stream.received([message]).includes(published));

    const tally = stream.tally(engineLog.messages);
    const arrived = new Set(stream.received(engineLog.messages));
    // The first event published after the cut that reached the engine: the link was healed by then.
    const resumed = stream.publishedSince(cutAt).find((seq) => arrived.has(seq)) as number;
    expect(stream.publishedAt[resumed - 1]).toBeGreaterThan(mendedAt);
    expect(status.events.filter((event) => event.type === "disconnect")).toEqual([]);
    expect(collector.connection.getServer()).toBe(server);
    expect(tally.duplicates).toBe(0);
    // What was lost is one run around the outage; once events flowed again, nothing was lost.
    expect(tally.lost.filter((seq) => seq >= resumed)).toEqual([]);
    if (tally.lost.length > 0) expect(tally.lost.at(-1)! - tally.lost[0] + 1).toBe(tally.lost.length);
    const inFlight = tally.lost.filter((seq) => stream.publishedAt[seq - 1] < cutAt).length;
    process.stdout.write(
      `satellite leaf outage (link cut ${Math.round(mendedAt - cutAt)} ms; the satellite saw it down after ` +
        `${Math.round(downAt - cutAt)} ms): leaf back ${Math.round(leafBackAt - mendedAt)} ms after the link; ` +
        `collector never disconnected; ${tally.published} published, ${tally.lost.length} lost ` +
        `(${tally.lost.length > 0 ? `${tally.lost[0]}–${tally.lost.at(-1)}` : "none"}; ${inFlight} of them sent before the cut), ` +
        `first event through again ${Math.round(stream.publishedAt[resumed - 1] - leafBackAt)} ms after the leaf was back, ` +
        `${tally.duplicates} duplicated\n`,
    );
  });

  test("WHEN only the link to the node the leaf is on goes down THEN the leaf fails over to another node of the cluster and events flow again", async () => {
    const hub = await satelliteHub();
    const collector = await topology.connectAs(SITE_COLLECTOR, SATELLITE);
    const cutAt = performance.now();
    links[NODES.indexOf(hub)].cut();
    await waitUntil(async () => {
      const now = await Promise.all(NODES.filter((node) => node !== hub).map(leafsOn));
      return now.flat().some((leaf) => leaf.name === SATELLITE);
    }, "the leaf reconnecting to another node");
    const failedOverMs = Math.round(performance.now() - cutAt);
    const newHub = await satelliteHub();
    expect(newHub).not.toBe(hub);
    // Interest crosses the new leaf a moment after it connects: publish until one arrives.
    const tag = uniqueTag("after-failover");
    let sent = 0;
    await waitUntil(async () => {
      await collector.publish("tornado.events", tornadoEvent("tornado_nats_test", { tag, sent: ++sent }));
      return engineLog.messages.some((message) => message.body.includes(tag));
    }, "an event crossing the new leaf");
    links[NODES.indexOf(hub)].mend();
    process.stdout.write(`satellite leaf failover: ${hub} -> ${newHub} in ${failedOverMs} ms\n`);
  });
});
