import { CHECK, NO_IDENTITY } from "./check-names";
import { reasonOf, since } from "./check-recorder";
import type { OutputValues } from "./output-shapes";
import { SecretValue } from "./secret-value";
import { newRunId, newTag, SMOKE_EVENT_TYPE } from "./smoke-event";
import type { SmokeCheck } from "./smoke-report";

/**
 * The whole path, where canaries are deployed: POST a tagged payload to a
 * webhook collector canary, then watch the engine canary count it under the
 * collector's tenant. The outputs contract (set by the engine/collector
 * constructs):
 *
 * - `engine_api_url`: the engine API, e.g. http://127.0.0.1:4748 (the engine host's loopback);
 * - `engine_image_kind`: "canary" or "tornado";
 * - `webhook_endpoints` (sensitive): collector name -> { tenant, url, token, image_kind }; the
 *   collector accepts `POST <url>?token=<token>` with a JSON body and answers 2xx once published;
 * - `engines`: engine name -> { shared, tenant?, api_url, image_kind }. A webhook of a tenant with
 *   a dedicated engine is checked at that engine (the shared engine does not receive a tenant that
 *   opted out of it); every other webhook at the shared engine.
 *
 * Engine canary API: `GET /monitoring/ping` -> 200; `GET /canary/events` ->
 * `{"tenants": {"<tenant>": {"count": n, "events": [<Tornado event JSON>]}}}`.
 *
 * Without canaries, or when they cannot be reached from here, the check is
 * reported as not run with the reason; a check that could not run is never
 * counted as passed.
 */

export interface WebhookEndpoint {
  /** The collector's name (the key of `webhook_endpoints`). */
  readonly collector: string;
  readonly tenant: string;
  readonly url: string;
  readonly token: SecretValue;
  readonly imageKind: string;
}

/** A tenant's dedicated engine, from the `engines` output. */
export interface DedicatedEngineApi {
  readonly name: string;
  readonly tenant: string;
  readonly apiUrl: string;
  readonly imageKind: string;
}

export interface CanaryOutputs {
  readonly engineApiUrl?: string;
  readonly engineImageKind?: string;
  readonly webhookEndpoints?: readonly WebhookEndpoint[];
  /** Dedicated engines by tenant (the `engines` entries with `shared: false`). */
  readonly dedicatedEngines?: readonly DedicatedEngineApi[];
}

export interface CanaryCheckOptions {
  /** How long the engine canary may take to count the event. @default 10000 */
  readonly timeoutMs?: number;
  /** How long one HTTP request may take. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** Marks this run's payloads. */
  readonly runId?: string;
}

export const CANARY = "canary";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads the canary outputs; throws an Error naming the malformed output (never its token). */
export function parseCanaryOutputs(values: OutputValues): CanaryOutputs {
  const problems: string[] = [];
  const { engine_api_url: apiUrl, engine_image_kind: imageKind, webhook_endpoints: endpoints } = values;
  if (apiUrl !== undefined && (typeof apiUrl !== "string" || !/^https?:\/\//.test(apiUrl))) {
    problems.push(`engine_api_url: ${JSON.stringify(apiUrl)} is not an http(s) URL`);
  }
  if (imageKind !== undefined && typeof imageKind !== "string") {
    problems.push(`engine_image_kind: ${JSON.stringify(imageKind)} is not a string`);
  }
  const webhookEndpoints: WebhookEndpoint[] = [];
  if (endpoints !== undefined && !isRecord(endpoints)) {
    problems.push("webhook_endpoints: not a map of collector name to endpoint");
  } else if (endpoints !== undefined) {
    for (const [collector, entry] of Object.entries(endpoints)) {
      const where = `webhook_endpoints["${collector}"]`;
      if (!isRecord(entry)) {
        problems.push(`${where}: not an object`);
        continue;
      }
      const missing = (["tenant", "url", "token", "image_kind"] as const).filter(
        (field) => typeof entry[field] !== "string" || entry[field] === "",
      );
      if (missing.length > 0) {
        problems.push(`${where}: ${missing.join(", ")} missing`);
        continue;
      }
      if (!/^https?:\/\//.test(entry.url as string)) {
        problems.push(`${where}.url: ${JSON.stringify(entry.url)} is not an http(s) URL`);
        continue;
      }
      webhookEndpoints.push({
        collector,
        tenant: entry.tenant as string,
        url: entry.url as string,
        token: new SecretValue(entry.token as string),
        imageKind: entry.image_kind as string,
      });
    }
  }
  const dedicatedEngines = parseDedicatedEngines(values.engines, problems);
  if (problems.length > 0) throw new Error(`malformed canary outputs: ${problems.join("; ")}`);
  return {
    ...(typeof apiUrl === "string" ? { engineApiUrl: apiUrl.replace(/\/+$/, "") } : {}),
    ...(typeof imageKind === "string" ? { engineImageKind: imageKind } : {}),
    ...(endpoints !== undefined ? { webhookEndpoints } : {}),
    ...(dedicatedEngines.length > 0 ? { dedicatedEngines } : {}),
  };
}

/** The dedicated engines of the `engines` output (absent in outputs from before dedicated engines). */
function parseDedicatedEngines(engines: unknown, problems: string[]): DedicatedEngineApi[] {
  if (engines === undefined) return [];
  if (!isRecord(engines)) {
    problems.push("engines: not a map of engine name to engine");
    return [];
  }
  const found: DedicatedEngineApi[] = [];
  for (const [name, entry] of Object.entries(engines)) {
    const where = `engines["${name}"]`;
    if (!isRecord(entry) || typeof entry.shared !== "boolean") {
      problems.push(`${where}: not an engine ({ shared, tenant?, api_url, image_kind })`);
      continue;
    }
    if (entry.shared) continue;
    const missing = (["tenant", "api_url", "image_kind"] as const).filter(
      (field) => typeof entry[field] !== "string" || entry[field] === "",
    );
    if (missing.length > 0) {
      problems.push(`${where}: ${missing.join(", ")} missing`);
    } else if (!/^https?:\/\//.test(entry.api_url as string)) {
      problems.push(`${where}.api_url: ${JSON.stringify(entry.api_url)} is not an http(s) URL`);
    } else {
      found.push({
        name,
        tenant: entry.tenant as string,
        apiUrl: (entry.api_url as string).replace(/\/+$/, ""),
        imageKind: entry.image_kind as string,
      });
    }
  }
  return found;
}

/** Errors that mean "cannot be reached from here", as opposed to "reached, and wrong". */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function unreachableReason(error: unknown): string | undefined {
  if ((error as Error)?.name === "TimeoutError") return "no answer in time";
  const code = (error as { cause?: { code?: string } })?.cause?.code;
  return code && UNREACHABLE_CODES.has(code) ? code : undefined;
}

/** A URL fit to print: no query (where the token goes), no credentials. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}

function identityOf(endpoint: WebhookEndpoint): string {
  return `collector/${endpoint.collector}`;
}

export async function runCanaryChecks(values: OutputValues, options: CanaryCheckOptions = {}): Promise<SmokeCheck[]> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 5000;
  const runId = options.runId ?? newRunId();
  const row = (identity: string, result: SmokeCheck["result"], ms: number, detail: string): SmokeCheck => ({
    check: CHECK.wholePath,
    identity,
    result,
    ms: Math.round(ms),
    detail,
  });

  let canary: CanaryOutputs;
  try {
    canary = parseCanaryOutputs(values);
  } catch (error) {
    return [row(NO_IDENTITY, "failed", 0, reasonOf(error))];
  }
  const endpoints = canary.webhookEndpoints ?? [];
  const dedicated = canary.dedicatedEngines ?? [];
  if ((canary.engineApiUrl === undefined && dedicated.length === 0) || canary.webhookEndpoints === undefined) {
    const absent = [
      canary.engineApiUrl === undefined && dedicated.length === 0 ? "engine_api_url" : undefined,
      canary.webhookEndpoints === undefined ? "webhook_endpoints" : undefined,
    ].filter((name) => name !== undefined);
    return [
      row(
        NO_IDENTITY,
        "not_run",
        0,
        `no canaries deployed (${absent.join(" and ")} absent from the outputs); the NATS checks above still ran`,
      ),
    ];
  }
  if (endpoints.length === 0) {
    return [row(NO_IDENTITY, "not_run", 0, "webhook_endpoints is empty: no webhook collector to post to")];
  }

  const shared: EngineApi | undefined =
    canary.engineApiUrl === undefined
      ? undefined
      : { label: "the engine", apiUrl: canary.engineApiUrl, imageKind: canary.engineImageKind };
  const engineOf = (endpoint: WebhookEndpoint): EngineApi | undefined => {
    const own = dedicated.find((engine) => engine.tenant === endpoint.tenant);
    return own ? { label: `the engine ${own.name}`, apiUrl: own.apiUrl, imageKind: own.imageKind } : shared;
  };
  // One ping per engine, shared by its webhooks: undefined when it answered, else the row to report.
  const pings = new Map<string, Promise<((identity: string) => SmokeCheck) | undefined>>();

  const results: SmokeCheck[] = [];
  for (const endpoint of endpoints) {
    const identity = identityOf(endpoint);
    const engine = engineOf(endpoint);
    if (!engine) {
      results.push(row(identity, "not_run", 0, `no engine with an API in the outputs reads tenant ${endpoint.tenant}`));
      continue;
    }
    if (engine.imageKind !== CANARY) {
      results.push(
        row(
          identity,
          "not_run",
          0,
          `${engine.label} runs image kind "${engine.imageKind ?? "(unknown)"}", not the canary, so it cannot count events`,
        ),
      );
      continue;
    }
    if (!pings.has(engine.apiUrl)) pings.set(engine.apiUrl, ping(engine, requestTimeoutMs, row));
    const unanswered = await pings.get(engine.apiUrl);
    if (unanswered) {
      results.push(unanswered(identity));
      continue;
    }
    if (endpoint.imageKind !== CANARY) {
      results.push(
        row(identity, "not_run", 0, `the collector runs image kind "${endpoint.imageKind}", not the canary`),
      );
      continue;
    }
    results.push(await wholePath(engine.apiUrl, endpoint, { timeoutMs, requestTimeoutMs, runId }, row));
  }
  return results;
}

/** An engine API the whole path is checked at. */
interface EngineApi {
  /** "the engine" (the shared one) or "the engine <name>" (a dedicated one), for messages. */
  readonly label: string;
  readonly apiUrl: string;
  readonly imageKind?: string;
}

/** Asks the engine canary's ping; resolves to undefined when it answered 200, else to the row each of its webhooks gets. */
async function ping(
  engine: EngineApi,
  requestTimeoutMs: number,
  row: (identity: string, result: SmokeCheck["result"], ms: number, detail: string) => SmokeCheck,
): Promise<((identity: string) => SmokeCheck) | undefined> {
  const api = engine.apiUrl;
  const start = performance.now();
  try {
    const response = await fetch(`${api}/monitoring/ping`, { signal: AbortSignal.timeout(requestTimeoutMs) });
    await response.arrayBuffer();
    if (response.status === 200) return undefined;
    const ms = since(start);
    return (identity) =>
      row(identity, "failed", ms, `the engine canary answered ${response.status} to ${api}/monitoring/ping`);
  } catch (error) {
    const ms = since(start);
    const unreachable = unreachableReason(error);
    const detail = unreachable
      ? `the engine canary API ${api} cannot be reached from here (${unreachable}); it listens on the engine host's ` +
        "loopback: run the smoke test on that host to check the whole path"
      : `asking ${api}/monitoring/ping failed: ${reasonOf(error)}`;
    return (identity) => row(identity, unreachable ? "not_run" : "failed", ms, detail);
  }
}

async function wholePath(
  api: string,
  endpoint: WebhookEndpoint,
  options: { timeoutMs: number; requestTimeoutMs: number; runId: string },
  row: (identity: string, result: SmokeCheck["result"], ms: number, detail: string) => SmokeCheck,
): Promise<SmokeCheck> {
  const identity = identityOf(endpoint);
  const tag = newTag(options.runId);
  const start = performance.now();
  const url = new URL(endpoint.url);
  url.searchParams.set("token", endpoint.token.reveal());
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        type: SMOKE_EVENT_TYPE,
        smoke_run: options.runId,
        smoke_tag: tag,
        tenant: endpoint.tenant,
      }),
      signal: AbortSignal.timeout(options.requestTimeoutMs),
    });
    await response.arrayBuffer();
    if (response.status < 200 || response.status > 299) {
      return row(identity, "failed", since(start), `the webhook ${shown(endpoint.url)} answered ${response.status}`);
    }
  } catch (error) {
    const unreachable = unreachableReason(error);
    return row(
      identity,
      unreachable ? "not_run" : "failed",
      since(start),
      unreachable
        ? `the webhook ${shown(endpoint.url)} cannot be reached from here (${unreachable})`
        : `posting to the webhook ${shown(endpoint.url)} failed: ${reasonOf(error)}`,
    );
  }

  const deadline = Date.now() + options.timeoutMs;
  let lastProblem = "it never appeared";
  for (;;) {
    try {
      const response = await fetch(`${api}/canary/events`, { signal: AbortSignal.timeout(options.requestTimeoutMs) });
      const body: unknown = await response.json();
      const tenants = isRecord(body) && isRecord(body.tenants) ? body.tenants : undefined;
      if (!tenants) {
        lastProblem = `${api}/canary/events answered ${response.status} without a "tenants" map`;
      } else {
        const countedUnder = Object.entries(tenants)
          .filter(([, entry]) => isRecord(entry) && Array.isArray(entry.events))
          .filter(([, entry]) =>
            (entry as { events: unknown[] }).events.some((event) => JSON.stringify(event).includes(tag)),
          )
          .map(([tenant]) => tenant);
        if (countedUnder.length > 0) {
          const right = countedUnder.length === 1 && countedUnder[0] === endpoint.tenant;
          return row(
            identity,
            right ? "passed" : "failed",
            since(start),
            right
              ? `posted to ${shown(endpoint.url)}; the engine canary counted it under tenant ${endpoint.tenant}`
              : `the engine canary counted it under tenant ${countedUnder.join(" and ")}, expected ${endpoint.tenant}`,
          );
        }
      }
    } catch (error) {
      lastProblem = `asking ${api}/canary/events failed: ${reasonOf(error)}`;
    }
    if (Date.now() >= deadline) {
      return row(
        identity,
        "failed",
        since(start),
        `the webhook accepted the post, but the engine canary did not count it within ${options.timeoutMs} ms (${lastProblem})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(0, deadline - Date.now()))));
  }
}
