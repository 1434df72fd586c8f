import type { TopologyInput } from "../../constructs/core/topology-schema";
import type { ProbeClient } from "../../smoke/nats-probes";
import { tryConnect } from "../../smoke/nats-probes";
import { smokeTopology } from "../smoke/deployed-outputs";
import { SequencedStream, StatusLog } from "../helpers/event-stream";
import { MessageLog, tornadoEvent, uniqueTag } from "../helpers/message-log";
import { localClusterOnly, startSecuredTopology, type SecuredTopology } from "../helpers/secured-topology";
import { clusterAndSatellite } from "../helpers/topologies";

/**
 * Lame duck mode, against real nats-server processes running the rendered
 * config: stopping the NATS container sends SIGUSR2 (stop_signal, checked in
 * the synth tests, with a stop timeout beyond lame_duck_duration). The
 * server then stops taking new connections, tells its clients (an `ldm`
 * status), keeps serving them through the grace period, and closes them
 * over the rest of the duration, so that they move: in a cluster, to
 * another node.
 */

const ENGINE = "engine/tornado-engine";

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function listeningEngine(topology: SecuredTopology, servers: string | string[]): Promise<MessageLog> {
  const engine = await topology.connectAs(ENGINE, servers, { reconnect: true });
  const { outcome, subscription } = await engine.subscribe("*.tornado.events");
  expect(outcome).toBe("active");
  return new MessageLog(subscription);
}

describe("GIVEN a single server with the product's lame duck settings (30 s, 10 s grace)", () => {
  let topology: SecuredTopology;
  beforeAll(async () => {
    topology = await startSecuredTopology(smokeTopology() as TopologyInput);
  });
  afterAll(async () => topology?.stop());

  test("WHEN it gets SIGUSR2 THEN it refuses new connections at once, tells its clients, and keeps serving them through the grace period", async () => {
    const [server] = topology.nodes();
    expect(server.config).toMatchObject({ lame_duck_duration: "30s", lame_duck_grace_period: "10s" });
    const engineLog = await listeningEngine(topology, server.name);
    const collector = await topology.connectAs("collector/webhook-acme", server.name);
    const status = new StatusLog(collector);
    // The allowed twin first: before the signal, a new client gets in.
    expect(await tryConnect(server.endpoint, topology.material("collector/webhook-master"))).toEqual({
      accepted: true,
    });

    const signalledAt = performance.now();
    server.process?.process.kill("SIGUSR2");
    const ldm = await status.waitFor("ldm", signalledAt);
    await waitUntil(() => /Entering lame duck mode/.test(server.process?.log() ?? ""), "the server's log line");
    const newcomer = await tryConnect(server.endpoint, topology.material("collector/webhook-master"), {
      timeoutMs: 2000,
    });
    expect(newcomer.accepted).toBe(false);

    // Well into the grace period, the client already connected still publishes and the engine still reads.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const body = tornadoEvent("tornado_nats_test", { tag: uniqueTag("lame-duck") });
    expect(await collector.publish("tornado.events", body)).toBe("accepted");
    expect(await engineLog.waitFor((message) => message.body === body)).toEqual({
      subject: "acme.tornado.events",
      body,
    });
    expect(status.first("disconnect", signalledAt)).toBeUndefined();
    process.stdout.write(
      `[lame duck] single server, 30 s: clients told ${Math.round(ldm.at - signalledAt)} ms after SIGUSR2; ` +
        `a new client refused (${newcomer.accepted ? "" : newcomer.reason}); connected clients still served 3 s later\n`,
    );
  });
});

describe("GIVEN a three-node cluster (the product's lame duck on every node) and a collector on node 2 publishing at 50 events/s", () => {
  let topology: SecuredTopology;
  beforeAll(async () => {
    // nats-server refuses a lame duck shorter than 30 s, so the product's (30 s, 10 s grace) runs here as it is.
    topology = await startSecuredTopology(localClusterOnly(clusterAndSatellite()));
    await topology.ready();
  });
  afterAll(async () => topology?.stop());

  test("WHEN node 2 gets SIGUSR2 THEN the collector is told, moves to another node by itself, the node exits once its clients are gone, and nothing published after the move is lost", async () => {
    const engineLog = await listeningEngine(topology, ["nats-1", "nats-3"]);
    const collector: ProbeClient = await topology.connectAs(
      "collector/webhook-master",
      ["nats-2", "nats-1", "nats-3"],
      { reconnect: true },
    );
    const status = new StatusLog(collector);
    const stream = new SequencedStream(collector, uniqueTag("lame-duck"), 20);
    stream.start();
    await engineLog.waitFor((message) => stream.received([message]).includes(25));

    const node2 = topology.server("nats-2");
    const signalledAt = performance.now();
    node2.process?.process.kill("SIGUSR2");
    const ldm = await status.waitFor("ldm", signalledAt);
    // Its connection is closed after the 10 s grace period, among the node's last clients.
    const reconnected = await status.waitFor("reconnect", signalledAt, 40_000);
    await node2.process?.exited;
    const exitedAt = performance.now();

    await waitUntil(() => stream.publishedSince(reconnected.at).length > 0, "a publish after the move");
    const firstAfter = stream.publishedSince(reconnected.at)[0];
    await engineLog.waitFor((message) => stream.received([message]).includes(firstAfter + 25));
    const published = stream.stop();
    await engineLog.waitFor((message) => stream.received([message]).includes(published));
    const tally = stream.tally(engineLog.messages);

    expect(collector.connection.getServer()).not.toBe(node2.endpoint.address);
    expect(tally.duplicates).toBe(0);
    expect(tally.lost.filter((seq) => seq >= firstAfter)).toEqual([]);
    process.stdout.write(
      `[lame duck] cluster node, 30 s: collector told ${Math.round(ldm.at - signalledAt)} ms after SIGUSR2, ` +
        `moved to ${collector.connection.getServer()} ${Math.round(reconnected.at - signalledAt)} ms after it; ` +
        `the node exited after ${Math.round(exitedAt - signalledAt)} ms; ${tally.published} published, ` +
        `${tally.lost.length} lost, ${tally.duplicates} duplicated\n`,
    );
    await topology.stopServer("nats-2"); // already exited: the helper forgets it
    await topology.restartServer("nats-2");
    await topology.ready();
  });
});
