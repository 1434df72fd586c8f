import type { TopologyInput } from "../../constructs/core/topology-schema";
import { issueCertificate } from "../../smoke/local-pki";
import { ProbeClient } from "../../smoke/nats-probes";
import { startCanaryFleet, type CanaryFleet } from "../helpers/canary-fleet";
import { uniqueTag } from "../helpers/message-log";
import { startSecuredNats, type SecuredNats } from "../helpers/secured-nats";

/**
 * The canaries, run as processes from the files the constructs render for
 * their containers, against a real nats-server running the rendered config
 * with certificates for the same identities: the whole Tornado path
 * (webhook → collector → NATS account → ENGINE import → engine) works, and
 * the tenant the engine sees comes from the sender's certificate.
 */

const TOKEN = "acme-webhook-token-0123456789abcdef";
const GLOBEX_TOKEN = "globex-webhook-token-0123456789abcd";

const TOPOLOGY: TopologyInput = {
  name: "canaries",
  organization: "Canary Test",
  hosts: [
    { name: "master", url: "unix:///var/run/docker.sock" },
    { name: "edge", url: "ssh://deploy@edge.example.net" },
  ],
  tenants: [{ name: "acme" }, { name: "globex" }],
  nats: { host: "master", dnsNames: ["nats.example.net", "localhost"], clientPort: 4222 },
  engine: { host: "master" },
  collectors: [
    {
      name: "webhook-acme",
      tenant: "acme",
      kind: "webhook",
      host: "master",
      webhooks: [{ id: "alerts", token: TOKEN, eventType: "alert" }],
    },
    {
      name: "webhook-globex",
      tenant: "globex",
      kind: "webhook",
      host: "edge",
      webhooks: [{ id: "alerts", token: GLOBEX_TOKEN }],
    },
    {
      name: "inventory-acme",
      tenant: "acme",
      kind: "nats_json",
      host: "master",
      topics: [{ subjects: ["inventory.updates"] }],
    },
  ],
};

/** Test-only publishers feeding the nats_json topic, one per tenant account. */
const FEEDERS = { acme: "CN=feeder,OU=acme,O=Canary Test", globex: "CN=feeder,OU=globex,O=Canary Test" };

let nats: SecuredNats;
let fleet: CanaryFleet;
let engineUrl: string;
const webhookUrls: Record<string, string> = {};

interface EngineView {
  tenants: Record<
    string,
    { count: number; events: { type: string; payload: any; metadata: Record<string, unknown> }[] }
  >;
}

async function engineEvents(): Promise<EngineView> {
  const response = await fetch(`${engineUrl}/canary/events`);
  return (await response.json()) as EngineView;
}

/** Polls the engine canary until an event whose JSON contains `tag` shows up; returns its tenant and event. */
async function waitForTag(tag: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await engineEvents();
    for (const [tenant, { events }] of Object.entries(view.tenants)) {
      const event = events.find((candidate) => JSON.stringify(candidate).includes(tag));
      if (event) return { tenant, event };
    }
    if (Date.now() > deadline) throw new Error(`tag ${tag} never reached the engine canary: ${JSON.stringify(view)}`);
    await new Promise((wake) => setTimeout(wake, 25));
  }
}

async function tenantsSeeing(tag: string): Promise<string[]> {
  const view = await engineEvents();
  return Object.entries(view.tenants)
    .filter(([, { events }]) => events.some((event) => JSON.stringify(event).includes(tag)))
    .map(([tenant]) => tenant);
}

function post(url: string, token: string, body: unknown): Promise<Response> {
  return fetch(`${url}?token=${encodeURIComponent(token)}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function feeder(tenant: keyof typeof FEEDERS): Promise<ProbeClient> {
  const pair = await issueCertificate(nats.pki.ca, {
    subject: { commonName: "feeder", organizationalUnit: tenant, organization: "Canary Test" },
    usage: "client",
  });
  return ProbeClient.connect(nats.endpoint, { caPem: nats.pki.ca.certPem, ...pair }, { name: `feeder-${tenant}` });
}

beforeAll(async () => {
  nats = await startSecuredNats(TOPOLOGY, {
    alterConfig: (config) => ({
      ...config,
      accounts: Object.fromEntries(
        Object.entries(config.accounts).map(([name, account]) => {
          const feederUser = FEEDERS[name as keyof typeof FEEDERS];
          if (!feederUser) return [name, account];
          const user = {
            user: feederUser,
            permissions: { publish: { allow: ["inventory.>"] }, subscribe: { deny: [">"] } },
          };
          return [name, { ...account, users: [...account.users, user] }];
        }),
      ),
    }),
  });
  fleet = await startCanaryFleet(nats);
  engineUrl = fleet.engineApiUrls.get("tornado-engine") as string;
  for (const [key, webhook] of fleet.webhooks) webhookUrls[key.split("/")[0]] = webhook.url;
});

afterAll(async () => {
  await fleet?.stop();
  await nats?.stop();
});

describe("the whole path through the canaries", () => {
  test("GIVEN the engine canary THEN /monitoring/ping answers like Tornado's", async () => {
    const response = await fetch(`${engineUrl}/monitoring/ping`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ message: expect.stringMatching(/^pong - /) });
  });

  test("GIVEN a webhook POST to acme's collector THEN the engine counts the event under tenant acme, body intact", async () => {
    const tag = uniqueTag("webhook");
    const body = { tag, host: "db-1", state: "CRITICAL", text: "ünïcode ✓" };
    const response = await post(webhookUrls["webhook-acme"], TOKEN, body);
    expect(response.status).toBe(200);
    const { tenant, event } = await waitForTag(tag);
    expect(tenant).toBe("acme");
    expect(event).toMatchObject({ type: "alert", payload: { data: body }, metadata: { tenant_id: "acme" } });
  });

  test("GIVEN the remote globex collector (NATS by DNS name) THEN its events arrive under globex", async () => {
    const tag = uniqueTag("globex");
    expect((await post(webhookUrls["webhook-globex"], GLOBEX_TOKEN, { tag })).status).toBe(200);
    expect((await waitForTag(tag)).tenant).toBe("globex");
  });

  test("GIVEN a wrong token THEN the collector answers 401 and publishes nothing", async () => {
    const tag = uniqueTag("wrong-token");
    expect((await post(webhookUrls["webhook-acme"], "not-the-token-at-all-000000", { tag })).status).toBe(401);
    expect((await post(webhookUrls["webhook-acme"], GLOBEX_TOKEN, { tag })).status).toBe(401);
    // The allowed twin: the right token, after the wrong ones, arrives; the wrong ones never did.
    const sentinel = uniqueTag("sentinel");
    expect((await post(webhookUrls["webhook-acme"], TOKEN, { sentinel })).status).toBe(200);
    await waitForTag(sentinel);
    expect(await tenantsSeeing(tag)).toEqual([]);
  });

  test("GIVEN a webhook body that claims tenant globex THEN the event still arrives under acme, the sender's tenant", async () => {
    const tag = uniqueTag("claims-globex");
    const body = { tag, tenant_id: "globex", metadata: { tenant_id: "globex" } };
    expect((await post(webhookUrls["webhook-acme"], TOKEN, body)).status).toBe(200);
    const { tenant, event } = await waitForTag(tag);
    expect(tenant).toBe("acme");
    expect(event.metadata.tenant_id).toBe("acme");
    expect(await tenantsSeeing(tag)).toEqual(["acme"]);
  });

  test("GIVEN an acme collector publishing an event whose metadata says globex THEN the engine sets tenant_id acme from the subject", async () => {
    const collector = await nats.connectAs("collector/webhook-acme");
    const tag = uniqueTag("forged-metadata");
    const event = {
      type: "forged",
      created_ms: Date.now(),
      payload: { tag },
      metadata: { tenant_id: "globex", other: "kept" },
    };
    expect(await collector.publish("tornado.events", JSON.stringify(event))).toBe("accepted");
    const arrived = await waitForTag(tag);
    expect(arrived.tenant).toBe("acme");
    expect(arrived.event.metadata).toEqual({ tenant_id: "acme", other: "kept" });
  });
});

describe("the nats_json collector canary", () => {
  test("GIVEN JSON published on its topic in acme's account THEN it arrives at the engine as an acme event", async () => {
    const acmeFeeder = await feeder("acme");
    const tag = uniqueTag("inventory");
    expect(await acmeFeeder.publish("inventory.updates", JSON.stringify({ tag, vm: "web-7" }))).toBe("accepted");
    const { tenant, event } = await waitForTag(tag);
    expect(tenant).toBe("acme");
    expect(event).toMatchObject({ type: "inventory.updates", payload: { data: { tag, vm: "web-7" } } });
    await acmeFeeder.close();
  });

  test("GIVEN the same topic published in globex's account THEN acme's collector never reads it", async () => {
    const globexFeeder = await feeder("globex");
    const acmeFeeder = await feeder("acme");
    const tag = uniqueTag("globex-inventory");
    expect(await globexFeeder.publish("inventory.updates", JSON.stringify({ tag }))).toBe("accepted");
    // The allowed twin, published after globex's was handled by the server: it arrives, globex's never does.
    const sentinel = uniqueTag("acme-inventory");
    expect(await acmeFeeder.publish("inventory.updates", JSON.stringify({ sentinel }))).toBe("accepted");
    await waitForTag(sentinel);
    expect(await tenantsSeeing(tag)).toEqual([]);
    await Promise.all([globexFeeder.close(), acmeFeeder.close()]);
  });

  test("GIVEN its own certificate THEN it may subscribe to its topic but to nothing else", async () => {
    const collector = await nats.connectAs("collector/inventory-acme");
    const allowed = await collector.subscribe("inventory.updates");
    expect(allowed.outcome).toBe("active");
    allowed.subscription.unsubscribe();
    for (const subject of ["inventory.other", ">", "tornado.events", "globex.tornado.events"]) {
      expect({ subject, outcome: (await collector.subscribe(subject)).outcome }).toEqual({
        subject,
        outcome: "denied",
      });
    }
  });
});
