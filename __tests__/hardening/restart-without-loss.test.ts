import { startNatsServer, type RunningNatsServer } from "../helpers/nats-server-process";
import { startSecuredNats, type SecuredNats } from "../helpers/secured-nats";
import { lostCount, SteadyTraffic, type SteadyPublisher } from "../helpers/steady-events";
import { threeTenants } from "../helpers/topologies";

/**
 * A NATS restart under load, against a real nats-server running the rendered
 * config: collectors publish numbered events at 200 events/s each while the
 * server stops, stays down 2 s and comes back on the same port. Every client
 * (publishers and the engine) must reconnect by itself, and every event
 * published once they are all back must arrive.
 *
 * Core NATS delivers at most once, so events are lost across the outage: the
 * test counts them and says where each was lost, by when it was published
 * against the timeline each client reported:
 *
 * - before its client noticed the disconnect: written into the dying connection;
 * - while disconnected, before the dial attempt that succeeded: dropped from
 *   the client's pending buffer (nats.js 3 resets it at every dial attempt;
 *   only what is published during the last attempt is kept and flushed);
 * - after the publisher was back but before the engine was: delivered to a
 *   server where nobody subscribed yet.
 *
 * The figures are printed; what is asserted is the mechanism, with no timing
 * bound that a busy machine could break.
 */

const TRAFFIC = {
  publishers: ["collector/webhook-master", "collector/webhook-acme", "collector/nats-json-globex"],
  ratePerSecond: 200,
};
const DOWN_MS = 2000;
const ENGINE = "engine/tornado-engine";
/**
 * Margin around the instants the test reads from the clients' status
 * streams: a status is seen a little after the client acted on it, and the
 * server handles the engine's re-sent SUB and a collector's PUB on different
 * connections.
 */
const MARGIN_MS = 500;

let nats: SecuredNats;
let restarted: RunningNatsServer | undefined;
let traffic: SteadyTraffic;

beforeAll(async () => {
  nats = await startSecuredNats(threeTenants());
  traffic = new SteadyTraffic(nats, TRAFFIC);
  expect(await traffic.listen(ENGINE)).toBe("active");
});

afterAll(async () => {
  await traffic?.close();
  await restarted?.stop();
  await nats?.stop();
});

function report(line: string): void {
  process.stdout.write(`[restart] ${line}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One publisher's lost events, by when each was published against its client's timeline. */
interface LossBreakdown {
  /** Before the client noticed the disconnect: written into the dying connection. */
  beforeDisconnect: number;
  /** While disconnected, before the dial attempt that succeeded: reset out of the pending buffer. */
  droppedFromBuffer: number;
  /** During the successful dial: kept and flushed, but the engine had not re-subscribed yet. */
  heldButNoSubscriber: number;
  /** After the publisher was back, before the engine was. */
  beforeEngineBack: number;
  /** Published once this publisher and the engine were both back. */
  afterBothBack: number;
  /** Published while disconnected, and delivered after the reconnect: what the client's buffer saved. */
  savedByBuffer: number;
}

test("GIVEN collectors publishing 200 events/s each WHEN the server stops for 2 s and comes back on the same port THEN every client reconnects by itself and every event published once they are back arrives", async () => {
  await traffic.startPublishing();
  await sleep(1000);

  const stoppedAt = performance.now();
  await nats.server.stop();
  await sleep(DOWN_MS);
  // Reconnect times count from the restart: a client can get in before the helper sees the port open.
  const restartedAt = performance.now();
  restarted = await startNatsServer(nats.config, nats.dir);
  const listeningAt = performance.now();

  const ids = [ENGINE, ...TRAFFIC.publishers];
  const reconnectedAt = new Map<string, number>();
  for (const id of ids) reconnectedAt.set(id, await traffic.timelines.get(id)!.reconnectedAfter(stoppedAt, 30_000));
  const allBackAt = Math.max(...reconnectedAt.values());
  const engineBackAt = reconnectedAt.get(ENGINE)!;
  // Long enough after everyone is back for the "nothing lost from here on" claim to rest on many events.
  await sleep(2000);
  const lost = await traffic.stopAndCount();

  const breakdown = new Map<SteadyPublisher, LossBreakdown>();
  for (const [publisher, seqs] of lost) {
    const timeline = traffic.timelines.get(publisher.identity)!;
    const disconnectedAt = timeline.disconnects.find((at) => at >= stoppedAt)!;
    const backOwnAt = reconnectedAt.get(publisher.identity)!;
    const lastAttemptAt = timeline.lastAttemptBefore(backOwnAt)!;
    const at = (seq: number) => publisher.publishedAt[seq];
    const bothBackAt = Math.max(backOwnAt, engineBackAt);
    const lostSet = new Set(seqs);
    breakdown.set(publisher, {
      beforeDisconnect: seqs.filter((seq) => at(seq) < disconnectedAt).length,
      droppedFromBuffer: seqs.filter((seq) => at(seq) >= disconnectedAt && at(seq) < lastAttemptAt).length,
      heldButNoSubscriber: seqs.filter((seq) => at(seq) >= lastAttemptAt && at(seq) < backOwnAt).length,
      beforeEngineBack: seqs.filter((seq) => at(seq) >= backOwnAt && at(seq) < bothBackAt).length,
      afterBothBack: seqs.filter((seq) => at(seq) >= bothBackAt).length,
      savedByBuffer: publisher.between(disconnectedAt, backOwnAt).filter((seq) => !lostSet.has(seq)).length,
    });
  }

  report(
    `3 collectors x ${TRAFFIC.ratePerSecond} events/s, server down ${Math.round(restartedAt - stoppedAt)} ms ` +
      `(listening again ${Math.round(listeningAt - restartedAt)} ms after the restart), ${traffic.published()} events published, ${lostCount(lost)} lost`,
  );
  const sinceBack = [...reconnectedAt.values()].map((at) => Math.round(at - restartedAt));
  report(
    `reconnected ${Math.min(...sinceBack)}-${Math.max(...sinceBack)} ms after the restart; ` +
      `lost ${lostCount(lost)} of ${traffic.published()} ` +
      `(${((100 * lostCount(lost)) / traffic.published()).toFixed(1)} %), all of them published in the outage window`,
  );
  for (const id of ids) {
    const timeline = traffic.timelines.get(id)!;
    const noticed = timeline.disconnects.find((at) => at >= stoppedAt)!;
    report(
      `${id}: disconnect noticed +${Math.round(noticed - stoppedAt)} ms after the stop, ` +
        `reconnected ${Math.round(reconnectedAt.get(id)! - restartedAt)} ms after the restart ` +
        `(outage seen ${Math.round(reconnectedAt.get(id)! - noticed)} ms, ` +
        `${timeline.attempts.filter((attempt) => attempt >= noticed && attempt <= reconnectedAt.get(id)!).length} dial attempts)`,
    );
  }
  for (const [publisher, counts] of breakdown) {
    report(
      `${publisher.identity}: lost ${lost.get(publisher)!.length} = ${counts.beforeDisconnect} in the dying connection ` +
        `+ ${counts.droppedFromBuffer} dropped from the client's buffer at a dial attempt ` +
        `+ ${counts.heldButNoSubscriber} held by the buffer but delivered before the engine re-subscribed ` +
        `+ ${counts.beforeEngineBack} published before the engine re-subscribed ` +
        `+ ${counts.afterBothBack} after both were back; ${counts.savedByBuffer} published while disconnected arrived`,
    );
  }

  // Every client came back by itself, and every publisher's last event arrived (stopAndCount waited for it).
  expect([...reconnectedAt.keys()]).toEqual(ids);
  expect(traffic.counter.duplicates).toBe(0);
  for (const [publisher, seqs] of lost) {
    const at = (seq: number) => publisher.publishedAt[seq];
    // Nothing published while the server was healthy is lost...
    expect(seqs.filter((seq) => at(seq) < stoppedAt - MARGIN_MS)).toEqual([]);
    // ...nor once every client was back; and there were plenty of events after that to lose.
    expect(seqs.filter((seq) => at(seq) >= allBackAt + MARGIN_MS)).toEqual([]);
    expect(publisher.between(allBackAt + MARGIN_MS, Infinity).length).toBeGreaterThan(50);
    // A publisher that was back before the engine may lose what it sent in between; one that was
    // back after the engine loses nothing it published after its own reconnect.
    if (reconnectedAt.get(publisher.identity)! >= engineBackAt + MARGIN_MS) {
      expect(seqs.filter((seq) => at(seq) >= reconnectedAt.get(publisher.identity)! + MARGIN_MS)).toEqual([]);
    }
    expect(publisher.refused).toEqual([]);
  }
});
