import type { TopologyInput } from "../../constructs/core/topology-schema";
import type { ProbeClient } from "../../smoke/nats-probes";
import { startCanaryFleet, type CanaryFleet } from "../helpers/canary-fleet";
import { MessageLog, tornadoEvent, uniqueTag } from "../helpers/message-log";
import { startSecuredNats, type SecuredNats } from "../helpers/secured-nats";

/**
 * Who reads what, against a real nats-server running the rendered config:
 * tenant-scoped readers, a two-tenant reader, a tenant that opted out of the
 * shared engine with a dedicated engine of its own. Every denial sits beside
 * an allowed twin; "nothing arrives" is proven by a sentinel that does.
 */

const TOPOLOGY: TopologyInput = {
  name: "who-reads-what",
  organization: "Readers Test",
  hosts: [{ name: "master" }],
  tenants: [{ name: "acme" }, { name: "globex" }, { name: "initech", sharedEngine: false }],
  nats: { dnsNames: ["nats.example.net", "localhost"] },
  engine: { host: "master" },
  dedicatedEngines: [{ name: "initech-engine", tenant: "initech", host: "master", apiPort: 4749 }],
  collectors: [
    { name: "webhook-acme", tenant: "acme", kind: "webhook", host: "master", port: 8081 },
    { name: "webhook-globex", tenant: "globex", kind: "webhook", host: "master", port: 8082 },
    { name: "webhook-initech", tenant: "initech", kind: "webhook", host: "master", port: 8083 },
  ],
  readers: [
    { name: "acme-archive", tenants: ["acme"] },
    { name: "siem", tenants: ["acme", "globex"] },
    { name: "initech-archive", tenants: ["initech"] },
  ],
};

let nats: SecuredNats;
const collectors: Record<string, ProbeClient> = {};

/** An observer: its connection, and everything its subscriptions receive. */
interface Observer {
  client: ProbeClient;
  log: MessageLog;
}

async function observe(identityId: string, subjects: string[]): Promise<Observer> {
  const client = await nats.connectAs(identityId);
  const logs = await Promise.all(
    subjects.map(async (subject) => {
      const { outcome, subscription } = await client.subscribe(subject);
      expect({ identityId, subject, outcome }).toEqual({ identityId, subject, outcome: "active" });
      return subscription;
    }),
  );
  // One log across the observer's subscriptions, in arrival order.
  const merged = new MessageLog(logs[0]);
  for (const extra of logs.slice(1)) {
    void (async () => {
      for await (const message of extra) merged.messages.push({ subject: message.subject, body: message.string() });
    })();
  }
  return { client, log: merged };
}

async function publish(tenant: string, tag: string): Promise<void> {
  expect(await collectors[tenant].publish("tornado.events", tornadoEvent("readers_test", { tag, tenant }))).toBe(
    "accepted",
  );
}

/**
 * Publishes `tag` from `fromTenant`, then a sentinel from `sentinelTenant`
 * that `observer` can read; returns whether `tag` reached the observer
 * first. The server delivers a message to every matching subscription while
 * it handles the PUB, so the flushed forbidden message would be there before
 * the later sentinel.
 */
async function leakedTo(observer: Observer, fromTenant: string, sentinelTenant: string): Promise<boolean> {
  const tag = uniqueTag(`from-${fromTenant}`);
  await publish(fromTenant, tag);
  const sentinel = uniqueTag("sentinel");
  await publish(sentinelTenant, sentinel);
  await observer.log.waitFor((message) => message.body.includes(sentinel));
  return observer.log.messages.some((message) => message.body.includes(tag));
}

beforeAll(async () => {
  nats = await startSecuredNats(TOPOLOGY);
  for (const tenant of ["acme", "globex", "initech"])
    collectors[tenant] = await nats.connectAs(`collector/webhook-${tenant}`);
});

afterAll(async () => {
  await nats?.stop();
});

describe("a reader of one tenant (in that tenant's account)", () => {
  let reader: Observer;
  beforeAll(async () => {
    reader = await observe("reader/acme-archive", ["tornado.events"]);
  });

  test("GIVEN acme's events THEN it receives them with the body intact", async () => {
    const tag = uniqueTag("acme");
    await publish("acme", tag);
    const received = await reader.log.waitFor((message) => message.body.includes(tag));
    expect(received.subject).toBe("tornado.events");
    expect(JSON.parse(received.body)).toMatchObject({ type: "readers_test", payload: { tag, tenant: "acme" } });
  });

  test("GIVEN globex's and initech's events THEN none reaches it", async () => {
    expect(await leakedTo(reader, "globex", "acme")).toBe(false);
    expect(await leakedTo(reader, "initech", "acme")).toBe(false);
  });

  test.each([
    ">",
    "*.tornado.events",
    "globex.tornado.events",
    "acme.tornado.events",
    "tornado.>",
    "$SYS.>",
    "_INBOX.>",
  ])("denied: subscribing to %s", async (subject) => {
    expect((await reader.client.subscribe(subject)).outcome).toBe("denied");
  });

  test.each(["tornado.events", "globex.tornado.events", "anything"])("denied: publishing to %s", async (subject) => {
    expect(await reader.client.publish(subject, "{}")).toBe("denied");
  });
});

describe("a reader of two tenants (in ENGINE, exactly their subjects)", () => {
  let siem: Observer;
  beforeAll(async () => {
    siem = await observe("reader/siem", ["acme.tornado.events", "globex.tornado.events"]);
  });

  test("GIVEN acme's and globex's events THEN it receives both, each under its tenant's subject", async () => {
    const acme = uniqueTag("acme");
    const globex = uniqueTag("globex");
    await publish("acme", acme);
    await publish("globex", globex);
    expect((await siem.log.waitFor((message) => message.body.includes(acme))).subject).toBe("acme.tornado.events");
    expect((await siem.log.waitFor((message) => message.body.includes(globex))).subject).toBe("globex.tornado.events");
  });

  test("GIVEN initech's events (a tenant it does not read) THEN none reaches it", async () => {
    expect(await leakedTo(siem, "initech", "acme")).toBe(false);
  });

  test.each([">", "*.tornado.events", "initech.tornado.events", "tornado.events"])(
    "denied: subscribing to %s",
    async (subject) => {
      expect((await siem.client.subscribe(subject)).outcome).toBe("denied");
    },
  );

  test("denied: publishing, even on a subject it reads", async () => {
    expect(await siem.client.publish("acme.tornado.events", "{}")).toBe("denied");
  });
});

describe("an opted-out tenant with a dedicated engine", () => {
  let shared: Observer;
  let dedicated: Observer;
  let initechArchive: Observer;
  beforeAll(async () => {
    shared = await observe("engine/tornado-engine", ["*.tornado.events"]);
    dedicated = await observe("engine/initech-engine", ["initech.tornado.events"]);
    initechArchive = await observe("reader/initech-archive", ["initech.tornado.events"]);
  });

  test("GIVEN initech's events THEN they reach its dedicated engine and its reader as initech.tornado.events", async () => {
    const tag = uniqueTag("initech");
    await publish("initech", tag);
    expect((await dedicated.log.waitFor((message) => message.body.includes(tag))).subject).toBe(
      "initech.tornado.events",
    );
    expect((await initechArchive.log.waitFor((message) => message.body.includes(tag))).subject).toBe(
      "initech.tornado.events",
    );
  });

  test("GIVEN initech's events THEN they never reach the shared engine, which still gets the sharing tenants'", async () => {
    expect(await leakedTo(shared, "initech", "acme")).toBe(false);
    expect(await leakedTo(shared, "initech", "globex")).toBe(false);
  });

  test("GIVEN acme's events THEN the dedicated engine never sees them", async () => {
    expect(await leakedTo(dedicated, "acme", "initech")).toBe(false);
  });

  test.each([">", "*.tornado.events", "acme.tornado.events", "tornado.events"])(
    "denied: the dedicated engine subscribing to %s",
    async (subject) => {
      expect((await dedicated.client.subscribe(subject)).outcome).toBe("denied");
    },
  );

  test("denied: the dedicated engine publishing", async () => {
    expect(await dedicated.client.publish("initech.tornado.events", "{}")).toBe("denied");
    expect(await dedicated.client.publish("tornado.events", "{}")).toBe("denied");
  });
});

describe("the engine canaries see the right tenant_id", () => {
  let fleet: CanaryFleet;
  beforeAll(async () => {
    fleet = await startCanaryFleet(nats);
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  async function seenBy(engine: string, tag: string): Promise<string[]> {
    const view = (await (await fetch(`${fleet.engineApiUrls.get(engine)}/canary/events`)).json()) as {
      tenants: Record<string, { events: unknown[] }>;
    };
    return Object.entries(view.tenants)
      .filter(([, { events }]) => JSON.stringify(events).includes(tag))
      .map(([tenant]) => tenant);
  }

  async function postTo(collector: string, body: unknown): Promise<void> {
    const webhook = fleet.webhooks.get(`${collector}/${collector}`);
    if (!webhook) throw new Error(collector);
    const response = await fetch(`${webhook.url}?token=${webhook.token}`, {
      method: "POST",
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
  }

  async function until(check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error("timed out");
      await new Promise((wake) => setTimeout(wake, 25));
    }
  }

  test("GIVEN a webhook to initech's collector THEN the dedicated engine counts it under tenant initech, and the shared engine does not", async () => {
    const tag = uniqueTag("initech-webhook");
    await postTo("webhook-initech", { tag });
    await until(async () => (await seenBy("initech-engine", tag)).length > 0);
    expect(await seenBy("initech-engine", tag)).toEqual(["initech"]);
    // The allowed twin after it: acme's event reaches the shared engine; initech's never did.
    const sentinel = uniqueTag("acme-webhook");
    await postTo("webhook-acme", { sentinel });
    await until(async () => (await seenBy("tornado-engine", sentinel)).length > 0);
    expect(await seenBy("tornado-engine", sentinel)).toEqual(["acme"]);
    expect(await seenBy("tornado-engine", tag)).toEqual([]);
  });
});
