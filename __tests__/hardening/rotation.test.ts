import { spawnSync } from "node:child_process";
import { renameSync, writeFileSync } from "node:fs";
import { natsServerDnsNames, natsServerSubject } from "../../constructs/core/identities";
import { createCertificateAuthority, issueCertificate, type PemPair } from "../../smoke/local-pki";
import { tryConnect } from "../../smoke/nats-probes";
import { inspectServerCertificate } from "../../smoke/server-certificate";
import { tornadoEvent, uniqueTag } from "../helpers/message-log";
import { natsServerBinary, type RunningNatsServer } from "../helpers/nats-server-process";
import { loggedSince } from "../helpers/server-log";
import { startSecuredNats, type SecuredNats } from "../helpers/secured-nats";
import { lostCount, SteadyTraffic } from "../helpers/steady-events";
import { threeTenants } from "../helpers/topologies";

/**
 * Certificate rotation against a real nats-server running the rendered
 * config, while collectors publish numbered events at a steady rate and the
 * engine counts what arrives: a collector moves to a re-issued certificate
 * for its identity, the server reloads a new certificate of its own, and the
 * server's CA is replaced (the retired CA's certificates are refused from
 * then on). Each step reports the events lost; the figures go to the README.
 */

/** One collector per tenant, each at 200 events/s. */
const TRAFFIC = {
  publishers: ["collector/webhook-master", "collector/webhook-acme", "collector/nats-json-globex"],
  ratePerSecond: 200,
};
const TENANT_OF: Record<string, string> = {
  "collector/webhook-master": "master",
  "collector/webhook-acme": "acme",
  "collector/nats-json-globex": "globex",
};

function report(line: string): void {
  process.stdout.write(`[rotation] ${line}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Writes a file by rename, as an operator's tooling replaces a certificate in place. */
function replaceFile(path: string, content: string, mode: number): void {
  writeFileSync(`${path}.next`, content, { mode });
  renameSync(`${path}.next`, path);
}

/** Reloads with the operator's command, `nats-server --signal reload=<pid>`, and waits for the server to confirm. */
async function signalReload(server: RunningNatsServer): Promise<void> {
  const marker = server.log().length;
  const sent = spawnSync(natsServerBinary(), ["--signal", `reload=${server.process.pid}`], { encoding: "utf8" });
  if (sent.status !== 0) throw new Error(`nats-server --signal reload failed: ${sent.stderr}`);
  const deadline = Date.now() + 5000;
  while (!/Reloaded server configuration/.test(server.log().slice(marker))) {
    if (Date.now() > deadline) throw new Error(`no reload confirmed:\n${server.log().slice(marker)}`);
    await sleep(20);
  }
}

describe("GIVEN collectors publishing 200 events/s each to a running server", () => {
  let nats: SecuredNats;
  let bed: SteadyTraffic;

  beforeAll(async () => {
    nats = await startSecuredNats(threeTenants());
    bed = new SteadyTraffic(nats, TRAFFIC);
    expect(await bed.listen()).toBe("active");
  });

  afterAll(async () => {
    await bed?.close();
    await nats?.stop();
  });

  test("WHEN a collector connects with a re-issued certificate for its identity and closes the old connection THEN both certificates work side by side and no event is lost", async () => {
    await bed.startPublishing();
    await sleep(1000);

    const id = "collector/webhook-acme";
    const current = nats.pki.clients.get(id)!;
    const reissued: PemPair = await issueCertificate(nats.pki.ca, {
      subject: current.identity.subject,
      usage: "client",
    });
    expect(reissued.certPem).not.toBe(current.certPem);
    const next = await bed.connect(`${id} (re-issued)`, { caPem: nats.pki.ca.certPem, ...reissued });

    // Both connections are in at once: the new one delivers while the old one keeps publishing.
    const sentinel = uniqueTag("reissued");
    expect(await next.publish("tornado.events", tornadoEvent("sentinel", { sentinel }))).toBe("accepted");
    const publisher = bed.publisher(id);
    const before = publisher.last;
    await sleep(300);
    expect(publisher.last).toBeGreaterThan(before);

    await publisher.switchTo(next);
    await sleep(1000);
    const lost = await bed.stopAndCount();

    report(`client certificate switch: ${lostCount(lost)} of ${bed.published()} events lost`);
    expect(lostCount(lost)).toBe(0);
    expect(bed.counter.duplicates).toBe(0);
    expect(bed.publishers.flatMap((each) => each.refused)).toEqual([]);
    // Under the new certificate the events still land in the tenant's stream, and nowhere else.
    expect([...bed.counter.subjects.get(publisher.source)!]).toEqual([`${TENANT_OF[id]}.tornado.events`]);
  });

  test("WHEN the server's certificate is replaced and the server reloads THEN connected clients keep their connections, new ones get the new certificate, and no event is lost", async () => {
    const probeAs = nats.material("collector/webhook-master");
    const inspect = async () => {
      const outcome = await inspectServerCertificate(nats.endpoint, probeAs);
      if (!outcome.reached) throw new Error(outcome.reason);
      return outcome.facts;
    };
    const old = await inspect();

    await bed.startPublishing();
    await sleep(1000);
    const node = nats.topology.nats.nodes[0];
    // A different expiry tells the two certificates apart from the client's side.
    const renewed = await issueCertificate(nats.pki.ca, {
      subject: natsServerSubject(node, nats.topology.organization),
      usage: "server",
      dnsNames: natsServerDnsNames(node),
      notAfter: new Date(Date.now() + 48 * 3600 * 1000),
    });
    replaceFile(nats.pki.server.keyFile, renewed.keyPem, 0o400);
    replaceFile(nats.pki.server.certFile, renewed.certPem, 0o444);
    const reloadedAt = performance.now();
    await nats.server.reload();
    await sleep(1000);

    const now = await inspect();
    expect(now.validTo).not.toBe(old.validTo);
    expect(new Date(now.validTo).getTime()).toBeGreaterThan(Date.now() + 47 * 3600 * 1000);
    expect(now.chainProblem).toBeUndefined();
    expect(now.nameProblem).toBeUndefined();

    const lost = await bed.stopAndCount();
    report(`server certificate reload: ${lostCount(lost)} of ${bed.published()} events lost`);
    expect(lostCount(lost)).toBe(0);
    const dropped = [...bed.timelines].filter(([, timeline]) => timeline.disconnects.some((at) => at >= reloadedAt));
    expect(dropped.map(([name]) => name)).toEqual([]);
    // A client that connects now verifies the new certificate and works.
    expect(await tryConnect(nats.endpoint, probeAs)).toEqual({ accepted: true });
  });
});

describe("GIVEN the server's CA is replaced by a new CA and the server reloads", () => {
  let nats: SecuredNats;
  let bed: SteadyTraffic;
  const COLLECTOR = "collector/webhook-acme";
  let newCaCert: PemPair;
  let lostAcrossReload = 0;
  let publishedAcrossReload = 0;
  let publishedAfterReload = 0;
  /** The length of the server's log once the CA was replaced. */
  let retiredLog = 0;

  beforeAll(async () => {
    nats = await startSecuredNats(threeTenants());
    bed = new SteadyTraffic(nats, TRAFFIC);
    expect(await bed.listen()).toBe("active");
    await bed.startPublishing();
    await sleep(500);

    const newCa = await createCertificateAuthority(
      `${nats.topology.organization} Tornado NATS CA 2`,
      nats.topology.organization,
    );
    newCaCert = await issueCertificate(newCa, {
      subject: nats.pki.clients.get(COLLECTOR)!.identity.subject,
      usage: "client",
    });
    // The old CA is retired: the server trusts the new one only.
    replaceFile(nats.pki.caFile, newCa.certPem, 0o444);
    await signalReload(nats.server);
    const reloadedAt = performance.now();
    await sleep(1000);
    const lost = await bed.stopAndCount();
    lostAcrossReload = lostCount(lost);
    publishedAcrossReload = bed.published();
    publishedAfterReload = bed.publishers.reduce((sum, each) => sum + each.between(reloadedAt, Infinity).length, 0);
    retiredLog = nats.server.log().length;
  });

  afterAll(async () => {
    await bed?.close();
    await nats?.stop();
  });

  test("THEN a client certificate from the retired CA is refused, and one from the new CA for the same identity is accepted", async () => {
    const retired = await tryConnect(nats.endpoint, nats.material(COLLECTOR));
    expect(retired.accepted).toBe(false);
    const refusal = /TLS handshake error.*unknown authority/;
    expect(await loggedSince(nats.server, retiredLog, refusal)).toMatch(refusal);
    // The allowed twin: same subject, same server, the new CA's signature.
    expect(await tryConnect(nats.endpoint, { caPem: nats.pki.ca.certPem, ...newCaCert })).toEqual({
      accepted: true,
    });
  });

  test("THEN clients connected with retired-CA certificates stay connected and keep delivering until they reconnect", async () => {
    report(
      `CA replaced and reloaded: ${lostAcrossReload} of ${publishedAcrossReload} events lost ` +
        `(${publishedAfterReload} published after the reload by retired-CA clients, to a retired-CA engine)`,
    );
    expect(publishedAfterReload).toBeGreaterThan(0);
    expect(lostAcrossReload).toBe(0);
    const dropped = [...bed.timelines].filter(([, timeline]) => timeline.disconnects.length > 0);
    expect(dropped.map(([name]) => name)).toEqual([]);
  });

  test("THEN such a client is refused as soon as it reconnects, and does not get back in", async () => {
    const collector = bed.clients.get(COLLECTOR)!;
    const timeline = bed.timelines.get(COLLECTOR)!;
    const marker = nats.server.log().length;
    const forcedAt = performance.now();
    await collector.connection.reconnect();
    const refusal = /TLS handshake error.*unknown authority/;
    const logged = await loggedSince(nats.server, marker, refusal, 10_000);
    expect(logged).toMatch(refusal);
    expect(timeline.disconnects.some((at) => at >= forcedAt)).toBe(true);
    expect(timeline.reconnects.filter((at) => at >= forcedAt)).toEqual([]);
    report(`refusal logged: ${/\[ERR\][^\n]*TLS handshake error[^\n]*/.exec(logged)?.[0]}`);
  });
});
