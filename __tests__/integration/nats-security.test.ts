import { createCertificateAuthority, issueCertificate } from "../../smoke/local-pki";
import { tryConnect, tryPlaintext, type ProbeClient } from "../../smoke/nats-probes";
import { MessageLog, tornadoEvent, uniqueTag } from "../helpers/message-log";
import { startSecuredNats, type SecuredNats } from "../helpers/secured-nats";
import { threeTenants } from "../helpers/topologies";

/**
 * The security model, proven against a real nats-server (pinned version)
 * running the rendered config, with certificates for the same identities the
 * stack issues. Every denial sits next to the allowed twin that shows the
 * same path works when it should.
 */

let nats: SecuredNats;
let engine: ProbeClient;
let engineLog: MessageLog;

const ENGINE = "engine/tornado-engine";
const collectorIds = threeTenants().collectors.map((collector) => `collector/${collector.name}`);

beforeAll(async () => {
  nats = await startSecuredNats(threeTenants());
  engine = await nats.connectAs(ENGINE);
  const { outcome, subscription } = await engine.subscribe("*.tornado.events");
  expect(outcome).toBe("active");
  engineLog = new MessageLog(subscription);
});

afterAll(async () => {
  await nats?.stop();
});

/** Publishes an allowed sentinel from `client` and waits for it at the engine; returns what came before it. */
async function engineSawBeforeSentinel(client: ProbeClient, tenant: string): Promise<string[]> {
  const sentinel = uniqueTag("sentinel");
  expect(await client.publish("tornado.events", tornadoEvent("sentinel", { sentinel }))).toBe("accepted");
  const arrived = await engineLog.waitFor((message) => message.body.includes(sentinel));
  expect(arrived.subject).toBe(`${tenant}.tornado.events`);
  return engineLog.before((message) => message.body.includes(sentinel)).map((message) => message.body);
}

describe("allowed: each collector's event reaches the engine under its tenant", () => {
  test.each(threeTenants().collectors.map((collector) => [collector.name, collector.tenant, collector.kind]))(
    "collector %s (tenant %s, %s)",
    async (name, tenant) => {
      const collector = await nats.connectAs(`collector/${name}`);
      const tag = uniqueTag(name);
      const body = tornadoEvent("tornado_nats_test", { tag, text: "ünïcode ✓" });
      expect(await collector.publish("tornado.events", body)).toBe("accepted");
      const received = await engineLog.waitFor((message) => message.body.includes(tag));
      expect(received).toEqual({ subject: `${tenant}.tornado.events`, body });
    },
  );
});

describe("connections", () => {
  test("allowed: a client certificate from the topology CA connects", async () => {
    expect(await tryConnect(nats.endpoint, nats.material(collectorIds[0]))).toEqual({ accepted: true });
  });

  test("denied: a plaintext client that ignores tls_required", async () => {
    const outcome = await tryPlaintext(nats.endpoint.address);
    expect(outcome.accepted).toBe(false);
  });

  test("denied: TLS without a client certificate", async () => {
    const outcome = await tryConnect(nats.endpoint, { caPem: nats.pki.ca.certPem });
    expect(outcome.accepted).toBe(false);
  });

  test("denied: a foreign CA's certificate with a collector's exact subject", async () => {
    const victim = nats.pki.clients.get("collector/webhook-acme")!;
    const foreignCa = await createCertificateAuthority(
      `${nats.topology.organization} Tornado NATS CA`,
      nats.topology.organization,
    );
    const forged = await issueCertificate(foreignCa, { subject: victim.identity.subject, usage: "client" });
    const outcome = await tryConnect(nats.endpoint, { caPem: nats.pki.ca.certPem, ...forged });
    expect(outcome.accepted).toBe(false);
    // The allowed twin: the genuine certificate for the same subject.
    expect(await tryConnect(nats.endpoint, nats.material("collector/webhook-acme"))).toEqual({ accepted: true });
  });

  test("denied: a certificate from the topology CA for a subject with no NATS user", async () => {
    const stranger = await issueCertificate(nats.pki.ca, {
      subject: { commonName: "intruder", organizationalUnit: "acme", organization: nats.topology.organization },
      usage: "client",
    });
    const outcome = await tryConnect(nats.endpoint, { caPem: nats.pki.ca.certPem, ...stranger });
    expect(outcome).toEqual({ accepted: false, reason: expect.stringMatching(/authorization/i) });
  });

  test("denied: a client that does not trust the server's name (no SAN for it)", async () => {
    const outcome = await tryConnect(
      { address: nats.endpoint.address, servername: "not-in-the-certificate.example.org" },
      nats.material(collectorIds[0]),
    );
    expect(outcome.accepted).toBe(false);
  });
});

describe("collectors", () => {
  test.each([">", "tornado.events", "acme.tornado.events", "*.tornado.events", "_INBOX.>", "$SYS.>"])(
    "denied: subscribing to %s",
    async (subject) => {
      const collector = await nats.connectAs("collector/webhook-acme");
      const { outcome } = await collector.subscribe(subject);
      expect(outcome).toBe("denied");
      // The allowed twin: the engine may subscribe to its subject.
      const { outcome: engineOutcome, subscription } = await engine.subscribe("acme.tornado.events");
      expect(engineOutcome).toBe("active");
      subscription.unsubscribe();
    },
  );

  test.each([
    "master.tornado.events",
    "globex.tornado.events",
    "acme.tornado.events",
    "tornado.events.extra",
    "foo",
    "_INBOX.x",
    "$SYS.REQ.SERVER.PING",
  ])("denied: publishing to %s, and nothing of it reaches the engine", async (subject) => {
    const collector = await nats.connectAs("collector/webhook-acme");
    const tag = uniqueTag("forbidden");
    expect(await collector.publish(subject, tornadoEvent("forbidden", { tag }))).toBe("denied");
    const before = await engineSawBeforeSentinel(collector, "acme");
    expect(before.filter((body) => body.includes(tag))).toEqual([]);
  });

  test("a tenant's events never appear under another tenant's subject", async () => {
    const acme = await nats.connectAs("collector/webhook-acme");
    const globex = await nats.connectAs("collector/rsyslog-globex");
    const tag = uniqueTag("acme-only");
    expect(await acme.publish("tornado.events", tornadoEvent("t", { tag }))).toBe("accepted");
    const arrived = await engineLog.waitFor((message) => message.body.includes(tag));
    expect(arrived.subject).toBe("acme.tornado.events");
    await engineSawBeforeSentinel(globex, "globex");
    expect(
      engineLog.messages.filter((message) => message.body.includes(tag)).map((message) => message.subject),
    ).toEqual(["acme.tornado.events"]);
  });
});

describe("engine", () => {
  test.each(["acme.tornado.events", "tornado.events", "foo", "_INBOX.reply"])(
    "denied: publishing to %s",
    async (subject) => {
      const tag = uniqueTag("engine-publish");
      expect(await engine.publish(subject, tornadoEvent("forged", { tag }))).toBe("denied");
      // The allowed twin and the proof nothing arrived: a collector's sentinel comes through alone.
      const collector = await nats.connectAs("collector/webhook-master");
      const before = await engineSawBeforeSentinel(collector, "master");
      expect(before.filter((body) => body.includes(tag))).toEqual([]);
    },
  );

  test("denied: subscribing to anything but the tenant streams", async () => {
    expect((await engine.subscribe(">")).outcome).toBe("denied");
    expect((await engine.subscribe("tornado.events")).outcome).toBe("denied");
  });
});

describe("accounts", () => {
  test("the system identity, unrestricted in SYS, sees no tenant traffic", async () => {
    const system = await nats.connectAs("system/nats-system");
    const { outcome, subscription } = await system.subscribe(">");
    expect(outcome).toBe("active");
    const systemLog = new MessageLog(subscription);
    const collector = await nats.connectAs("collector/email-acme");
    const tag = uniqueTag("isolation");
    expect(await collector.publish("tornado.events", tornadoEvent("t", { tag }))).toBe("accepted");
    await engineLog.waitFor((message) => message.body.includes(tag));
    // The server fans a message out to every matching subscription while it
    // handles the PUB, so by the time the system's own later sentinel comes
    // back, a leaked tenant event would already be in its log.
    const sentinel = uniqueTag("system-sentinel");
    expect(await system.publish(`probe.${sentinel}`, sentinel)).toBe("accepted");
    await systemLog.waitFor((message) => message.body === sentinel);
    expect(systemLog.messages.filter((message) => message.body.includes(tag))).toEqual([]);
  });
});

describe("the probes see a hole when there is one", () => {
  // Without this, "denied" above could mean "the probe always says denied".
  let loose: SecuredNats;

  beforeAll(async () => {
    loose = await startSecuredNats(threeTenants(), {
      alterConfig: (config) => ({
        ...config,
        accounts: Object.fromEntries(
          Object.entries(config.accounts).map(([name, account]) => [
            name,
            { ...account, users: account.users.map((user) => ({ user: user.user })) },
          ]),
        ),
      }),
    });
  });

  afterAll(async () => {
    await loose?.stop();
  });

  test("GIVEN no permissions THEN a collector's publish to any subject and its subscribe are accepted", async () => {
    const collector = await loose.connectAs("collector/webhook-acme");
    expect(await collector.publish("foo", "x")).toBe("accepted");
    expect((await collector.subscribe(">")).outcome).toBe("active");
    const engineClient = await loose.connectAs(ENGINE);
    expect(await engineClient.publish("acme.tornado.events", "x")).toBe("accepted");
  });
});
