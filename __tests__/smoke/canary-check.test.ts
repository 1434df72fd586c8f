import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer } from "node:net";
import { CHECK, NO_IDENTITY } from "../../smoke/check-names";
import { parseCanaryOutputs, runCanaryChecks } from "../../smoke/canary-check";
import { freePort } from "../helpers/nats-server-process";

/**
 * The whole-path check, against a small HTTP server standing in for the
 * canaries (the engine canary API and webhook collector canaries share it
 * here). It follows the contract the engine/collector constructs implement:
 * POST <url>?token=<token> publishes; GET /canary/events counts per tenant.
 */

const TOKEN = "tok-5ecret-value";

interface CanaryStandIn {
  readonly url: string;
  /** Where a webhook id's events are counted (to simulate a misrouted tenant). */
  readonly countUnder: Map<string, string>;
  pingStatus: number;
  /** When false, posts are accepted but never counted. */
  counting: boolean;
  close(): Promise<void>;
}

async function canaryStandIn(): Promise<CanaryStandIn> {
  const tenants: Record<string, { count: number; events: unknown[] }> = {};
  const state = { pingStatus: 200, counting: true };
  const countUnder = new Map<string, string>();
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://stand-in");
    const reply = (status: number, body?: unknown): void => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(body === undefined ? "" : JSON.stringify(body));
    };
    if (request.method === "GET" && url.pathname === "/monitoring/ping") return reply(state.pingStatus, { ok: true });
    if (request.method === "GET" && url.pathname === "/canary/events") return reply(200, { tenants });
    const webhook = /^\/event\/([^/]+)$/.exec(url.pathname);
    if (request.method === "POST" && webhook) {
      if (url.searchParams.get("token") !== TOKEN) return reply(401, { error: "bad token" });
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        const tenant = countUnder.get(webhook[1]);
        if (state.counting && tenant) {
          // What the engine canary records: the Tornado event, tenant set from the subject.
          const event = {
            type: "webhook",
            created_ms: Date.now(),
            payload: JSON.parse(body),
            metadata: { tenant_id: tenant },
          };
          tenants[tenant] ??= { count: 0, events: [] };
          tenants[tenant].count += 1;
          tenants[tenant].events.push(event);
        }
        reply(200);
      });
      return;
    }
    reply(404);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    countUnder,
    get pingStatus() {
      return state.pingStatus;
    },
    set pingStatus(status: number) {
      state.pingStatus = status;
    },
    get counting() {
      return state.counting;
    },
    set counting(value: boolean) {
      state.counting = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let standIn: CanaryStandIn;

beforeEach(async () => {
  standIn = await canaryStandIn();
  standIn.countUnder.set("hook-acme", "acme").set("hook-master", "master");
});

afterEach(async () => {
  await standIn.close();
});

function canaryOutputs(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    engine_api_url: standIn.url,
    engine_image_kind: "canary",
    webhook_endpoints: {
      "webhook-acme": { tenant: "acme", url: `${standIn.url}/event/hook-acme`, token: TOKEN, image_kind: "canary" },
      "webhook-master": {
        tenant: "master",
        url: `${standIn.url}/event/hook-master`,
        token: TOKEN,
        image_kind: "canary",
      },
    },
    ...overrides,
  };
}

const FAST = { timeoutMs: 600, requestTimeoutMs: 1000 };

function expectNoToken(results: { detail: string }[]): void {
  for (const result of results) expect(result.detail).not.toContain(TOKEN);
}

describe("GIVEN canaries deployed and reachable", () => {
  test("WHEN each webhook post is counted under its tenant THEN every whole-path check passes", async () => {
    const results = await runCanaryChecks(canaryOutputs(), FAST);

    expect(results).toEqual([
      expect.objectContaining({
        check: CHECK.wholePath,
        identity: "collector/webhook-acme",
        result: "passed",
        detail: `posted to ${standIn.url}/event/hook-acme; the engine canary counted it under tenant acme`,
      }),
      expect.objectContaining({ identity: "collector/webhook-master", result: "passed" }),
    ]);
    expectNoToken(results);
  });

  test("WHEN a post is counted under another tenant THEN that check fails naming both tenants", async () => {
    standIn.countUnder.set("hook-acme", "master");

    const [acme, master] = await runCanaryChecks(canaryOutputs(), FAST);

    expect(acme).toMatchObject({
      result: "failed",
      detail: "the engine canary counted it under tenant master, expected acme",
    });
    expect(master.result).toBe("passed");
  });

  test("WHEN the post is accepted but never counted THEN it fails after the timeout", async () => {
    standIn.counting = false;
    const started = Date.now();

    const results = await runCanaryChecks(canaryOutputs(), FAST);

    expect(results.map((result) => result.result)).toEqual(["failed", "failed"]);
    expect(results[0].detail).toBe(
      "the webhook accepted the post, but the engine canary did not count it within 600 ms (it never appeared)",
    );
    expect(Date.now() - started).toBeLessThan(2 * 600 + 1000);
  });

  test("WHEN the webhook refuses the token THEN it fails with the status, and the token is never printed", async () => {
    const outputs = canaryOutputs();
    (outputs.webhook_endpoints as Record<string, Record<string, string>>)["webhook-acme"].token = "wrong-token";

    const [acme] = await runCanaryChecks(outputs, FAST);

    expect(acme).toMatchObject({ result: "failed", detail: `the webhook ${standIn.url}/event/hook-acme answered 401` });
    expect(acme.detail).not.toContain("wrong-token");
  });

  test("WHEN the engine canary's ping fails THEN every whole-path check fails", async () => {
    standIn.pingStatus = 503;
    const results = await runCanaryChecks(canaryOutputs(), FAST);
    expect(results.map((result) => [result.result, result.detail])).toEqual([
      ["failed", `the engine canary answered 503 to ${standIn.url}/monitoring/ping`],
      ["failed", `the engine canary answered 503 to ${standIn.url}/monitoring/ping`],
    ]);
  });
});

describe("GIVEN a tenant with a dedicated engine (the `engines` output)", () => {
  let dedicated: CanaryStandIn;

  beforeEach(async () => {
    dedicated = await canaryStandIn();
    dedicated.countUnder.set("hook-acme", "acme");
    standIn.countUnder.delete("hook-acme");
  });

  afterEach(async () => {
    await dedicated.close();
  });

  function withDedicatedAcme(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const outputs = canaryOutputs(overrides);
    const endpoints = outputs.webhook_endpoints as Record<string, Record<string, string>>;
    endpoints["webhook-acme"].url = `${dedicated.url}/event/hook-acme`;
    return {
      ...outputs,
      engines: {
        "tornado-engine": { shared: true, host: "master", api_url: standIn.url, image_kind: "canary" },
        "acme-engine": { shared: false, tenant: "acme", host: "master", api_url: dedicated.url, image_kind: "canary" },
      },
    };
  }

  test("WHEN its webhook is posted to THEN its own engine's canary is asked, and the other tenants' the shared one's", async () => {
    const results = await runCanaryChecks(withDedicatedAcme(), FAST);

    expect(results.map((result) => [result.identity, result.result, result.detail])).toEqual([
      [
        "collector/webhook-acme",
        "passed",
        `posted to ${dedicated.url}/event/hook-acme; the engine canary counted it under tenant acme`,
      ],
      [
        "collector/webhook-master",
        "passed",
        `posted to ${standIn.url}/event/hook-master; the engine canary counted it under tenant master`,
      ],
    ]);
  });

  test("WHEN the dedicated engine runs the real image THEN only its tenant's check is not run, naming it", async () => {
    const outputs = withDedicatedAcme();
    (outputs.engines as Record<string, Record<string, unknown>>)["acme-engine"].image_kind = "tornado";

    const results = await runCanaryChecks(outputs, FAST);

    expect(results.map((result) => [result.result, result.detail])).toEqual([
      ["not_run", 'the engine acme-engine runs image kind "tornado", not the canary, so it cannot count events'],
      ["passed", expect.any(String)],
    ]);
  });

  test("WHEN there is no shared engine THEN a webhook of a tenant without an engine is not run, saying so", async () => {
    const { engine_api_url: _api, engine_image_kind: _kind, ...outputs } = withDedicatedAcme();
    delete (outputs.engines as Record<string, unknown>)["tornado-engine"];

    const results = await runCanaryChecks(outputs, FAST);

    expect(results.map((result) => [result.identity, result.result, result.detail])).toEqual([
      ["collector/webhook-acme", "passed", expect.any(String)],
      ["collector/webhook-master", "not_run", "no engine with an API in the outputs reads tenant master"],
    ]);
  });
});

describe("GIVEN the whole path cannot be checked from here", () => {
  test("WHEN no canary outputs exist THEN one check is reported as not run, saying why", async () => {
    expect(await runCanaryChecks({ nats_urls: ["tls://x:4222"] }, FAST)).toEqual([
      {
        check: CHECK.wholePath,
        identity: NO_IDENTITY,
        result: "not_run",
        ms: 0,
        detail:
          "no canaries deployed (engine_api_url and webhook_endpoints absent from the outputs); the NATS checks above still ran",
      },
    ]);
  });

  test("WHEN the engine runs the real Tornado image THEN each endpoint is not run, saying why", async () => {
    const results = await runCanaryChecks(canaryOutputs({ engine_image_kind: "tornado" }), FAST);
    expect(results.map((result) => [result.identity, result.result, result.detail])).toEqual([
      [
        "collector/webhook-acme",
        "not_run",
        'the engine runs image kind "tornado", not the canary, so it cannot count events',
      ],
      [
        "collector/webhook-master",
        "not_run",
        'the engine runs image kind "tornado", not the canary, so it cannot count events',
      ],
    ]);
  });

  test("WHEN one collector runs the real image THEN only that one is not run", async () => {
    const outputs = canaryOutputs();
    (outputs.webhook_endpoints as Record<string, Record<string, string>>)["webhook-master"].image_kind = "tornado";

    const results = await runCanaryChecks(outputs, FAST);

    expect(results.map((result) => [result.identity, result.result])).toEqual([
      ["collector/webhook-acme", "passed"],
      ["collector/webhook-master", "not_run"],
    ]);
    expect(results[1].detail).toBe('the collector runs image kind "tornado", not the canary');
  });

  test("WHEN the engine API is unreachable (connection refused) THEN the checks are not run, and it says where to run", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const results = await runCanaryChecks(canaryOutputs({ engine_api_url: closed }), FAST);
    expect(results.map((result) => result.result)).toEqual(["not_run", "not_run"]);
    expect(results[0].detail).toBe(
      `the engine canary API ${closed} cannot be reached from here (ECONNREFUSED); it listens on the engine host's ` +
        "loopback: run the smoke test on that host to check the whole path",
    );
  });

  test("WHEN the engine API accepts connections but never answers THEN the checks are not run within the request timeout", async () => {
    const silent = createNetServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const api = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      const started = Date.now();
      const results = await runCanaryChecks(canaryOutputs({ engine_api_url: api }), {
        timeoutMs: 600,
        requestTimeoutMs: 300,
      });
      expect(Date.now() - started).toBeLessThan(1500);
      expect(results.map((result) => [result.result, result.detail])).toEqual([
        [
          "not_run",
          expect.stringContaining(`the engine canary API ${api} cannot be reached from here (no answer in time)`),
        ],
        ["not_run", expect.stringContaining("(no answer in time)")],
      ]);
    } finally {
      silent.close();
    }
  });

  test("WHEN a webhook is unreachable THEN that check is not run", async () => {
    const outputs = canaryOutputs();
    const closed = `http://127.0.0.1:${await freePort()}/event/hook-acme`;
    (outputs.webhook_endpoints as Record<string, Record<string, string>>)["webhook-acme"].url = closed;

    const [acme, master] = await runCanaryChecks(outputs, FAST);

    expect(acme).toMatchObject({
      result: "not_run",
      detail: `the webhook ${closed} cannot be reached from here (ECONNREFUSED)`,
    });
    expect(master.result).toBe("passed");
  });

  test("WHEN webhook_endpoints is empty THEN the check is not run", async () => {
    const [result] = await runCanaryChecks(canaryOutputs({ webhook_endpoints: {} }), FAST);
    expect(result).toMatchObject({ identity: NO_IDENTITY, result: "not_run" });
  });
});

describe("parseCanaryOutputs", () => {
  test("GIVEN malformed canary outputs THEN the error names each one and never the token", () => {
    expect(() =>
      parseCanaryOutputs({
        engine_api_url: "127.0.0.1:4748",
        webhook_endpoints: { a: { tenant: "acme", url: "ftp://x", token: TOKEN, image_kind: "canary" }, b: { url: 1 } },
      }),
    ).toThrow(
      'malformed canary outputs: engine_api_url: "127.0.0.1:4748" is not an http(s) URL; ' +
        'webhook_endpoints["a"].url: "ftp://x" is not an http(s) URL; webhook_endpoints["b"]: tenant, url, token, image_kind missing',
    );
  });

  test("GIVEN a malformed `engines` output THEN the error names the engine", () => {
    expect(() =>
      parseCanaryOutputs({
        engines: {
          good: { shared: true, host: "m", api_url: "http://127.0.0.1:4748", image_kind: "canary" },
          odd: "x",
          half: { shared: false, tenant: "acme", api_url: "localhost:4749", image_kind: "canary" },
          bare: { shared: false },
        },
      }),
    ).toThrow(
      'malformed canary outputs: engines["odd"]: not an engine ({ shared, tenant?, api_url, image_kind }); ' +
        'engines["half"].api_url: "localhost:4749" is not an http(s) URL; engines["bare"]: tenant, api_url, image_kind missing',
    );
  });

  test("GIVEN malformed canary outputs WHEN the check runs THEN it fails rather than being skipped", async () => {
    const [result] = await runCanaryChecks({ engine_api_url: 42, webhook_endpoints: {} }, FAST);
    expect(result).toMatchObject({
      result: "failed",
      detail: "malformed canary outputs: engine_api_url: 42 is not an http(s) URL",
    });
  });
});
