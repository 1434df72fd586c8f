import { ENGINE_ACCOUNT } from "../constructs/core/names";
import { COLLECTOR_SUBJECT, subjectMatches } from "../constructs/core/subjects";
import { NO_OUTPUTS_ADVICE, type OutputShape, type OutputValues } from "./output-shapes";
import { SecretValue } from "./secret-value";
import { SmokeInputError } from "./smoke-input-error";

/**
 * The deployed topology as the smoke test sees it, read from the outputs
 * contract of TornadoTopologyStack (stacks/tornado-topology-stack.ts): the
 * NATS URLs and the name to verify, the CA, the tenants, and every identity
 * with its certificate and key. The checks are driven by this, not by a
 * topology file, so they test what was deployed.
 *
 * Engines and readers are the identities that receive events ("observers"
 * below). The shared engine is the engine in the ENGINE account, without a
 * tenant; a dedicated engine and a reader of one tenant live in that
 * tenant's account; a reader of several tenants lives in ENGINE.
 */

export type IdentityRole = "engine" | "collector" | "reader" | "satellite" | "system";

export interface DeployedIdentity {
  /** `<role>/<name>`, the key of the `identities` output. */
  readonly id: string;
  readonly role: IdentityRole;
  readonly name: string;
  readonly tenant?: string;
  readonly account: string;
  /** The certificate subject NATS maps to this user. */
  readonly natsUser: string;
  /** The tenants whose events it may read (engines and readers); empty for collectors and the operator. */
  readonly reads: readonly string[];
  /** What the outputs allow it to subscribe to (engines and readers), e.g. `*.tornado.events`. */
  readonly subscribeAllow: readonly string[];
  /**
   * The subject each tenant it reads arrives on for it (engines and readers):
   * `<tenant>.tornado.events` in ENGINE; in a tenant's own account, the
   * subject it is allowed to subscribe to (that tenant's stream:
   * `tornado.events`, or `<tenant>.tornado.events` where the account maps it
   * for a dedicated engine).
   */
  readonly streams: Readonly<Record<string, string>>;
  readonly certificatePem: string;
  /** PKCS#8; kept in memory and never printed. */
  readonly privateKey: SecretValue;
  /** For a collector at a satellite site: that satellite's name (it is a user there, not at the master). */
  readonly satellite?: string;
}

export interface NatsAddress {
  /** host:port to dial. */
  readonly address: string;
  readonly host: string;
}

/**
 * A NATS server of the deployment: a node of the master site (the single
 * server, or one of a cluster's nodes) or a satellite site's leaf node.
 */
export interface DeployedServer {
  readonly name: string;
  readonly kind: "node" | "satellite";
  /** The tenant a satellite's leaf is bound to. */
  readonly tenant?: string;
  readonly url: string;
  readonly nats: NatsAddress;
  /** The DNS name its certificate must carry. */
  readonly serverName: string;
}

export interface DeployedTopology {
  /** The primary client URL (the first of `nats_urls`), parsed. */
  readonly nats: NatsAddress;
  readonly natsUrls: readonly string[];
  /** The DNS name the server certificate must carry. */
  readonly serverName: string;
  readonly caPem: string;
  readonly tenants: readonly string[];
  readonly identities: readonly DeployedIdentity[];
  /**
   * Every NATS server, the master's nodes first (the primary one first), then
   * the satellites. Outputs without `nats_nodes` describe one server: the
   * primary.
   */
  readonly servers: readonly DeployedServer[];
  /** Where the outputs came from, for the report. */
  readonly source: string;
  /** All output values, for the optional canary outputs. */
  readonly values: OutputValues;
}

export interface OutputsOrigin {
  /** Names the input in messages, e.g. "outputs.json (cdktf outputs file, stack tornado)". */
  readonly source: string;
  readonly shape: OutputShape | "in memory";
}

const REQUIRED_OUTPUTS = ["nats_urls", "nats_server_name", "ca_certificate_pem", "tenants", "identities"] as const;
const ROLES: readonly IdentityRole[] = ["engine", "collector", "reader", "satellite", "system"];

/** Engines and readers: the identities that receive events. */
export function isObserver(identity: DeployedIdentity): boolean {
  return identity.role === "engine" || identity.role === "reader";
}

/** The shared engine: the engine in ENGINE, without a tenant. */
export function isSharedEngine(identity: DeployedIdentity): boolean {
  return identity.role === "engine" && identity.account === ENGINE_ACCOUNT && identity.tenant === undefined;
}

/** Engines and readers in report order: the shared engine, dedicated engines, then readers. */
export function observersOf(topology: DeployedTopology): DeployedIdentity[] {
  const rank = (identity: DeployedIdentity): number =>
    isSharedEngine(identity) ? 0 : identity.role === "engine" ? 1 : 2;
  return topology.identities.filter(isObserver).sort((a, b) => rank(a) - rank(b));
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string" && item !== "");
}

/** The subject `tenant`'s events carry in ENGINE, where its stream is imported with the tenant as prefix. */
function engineSideSubject(tenant: string): string {
  return `${tenant}.${COLLECTOR_SUBJECT}`;
}

interface ObserverFields {
  readonly reads: string[];
  readonly subscribeAllow: string[];
  readonly streams: Record<string, string>;
}

/**
 * What an engine or reader reads and where, from its `reads`, `account` and
 * `subscribe` outputs; pushes what is wrong to `problems`. Outputs written
 * before readers existed have no `reads` for the shared engine, which then
 * read every tenant.
 */
function observerFields(
  where: string,
  entry: Record<string, unknown>,
  tenantList: readonly string[] | undefined,
  problems: string[],
): ObserverFields | undefined {
  const account = entry.account as string;
  const tenant = typeof entry.tenant === "string" ? entry.tenant : undefined;
  const known = tenantList && tenantList.length > 0 ? tenantList : undefined;
  const found: string[] = [];

  let reads: string[] | undefined;
  if (entry.reads === undefined && entry.role === "engine") {
    reads = tenant !== undefined ? [tenant] : account === ENGINE_ACCOUNT ? [...(known ?? [])] : undefined;
  } else if (isStringList(entry.reads) && entry.reads.length > 0) {
    reads = entry.reads;
  }
  if (!reads || (known && reads.some((name) => !known.includes(name)))) {
    found.push(
      `${where}.reads: ${JSON.stringify(entry.reads)} is not a non-empty list of tenants (${tenantList?.join(", ")})`,
    );
    reads = undefined;
  }
  if (tenant !== undefined && tenant !== account) {
    found.push(
      `${where}.tenant: ${JSON.stringify(tenant)} but account ${JSON.stringify(account)}; ` +
        "an engine or reader of one tenant lives in that tenant's account",
    );
  }

  const subscribe = entry.subscribe;
  const allow = isRecord(subscribe) ? subscribe.allow : undefined;
  if (!isStringList(allow) || allow.length === 0) {
    found.push(
      `${where}.subscribe.allow: ${JSON.stringify(allow)}; an engine or reader must be allowed to subscribe to ` +
        "the tenants it reads",
    );
  }

  const streams: Record<string, string> = {};
  if (reads && isStringList(allow) && allow.length > 0) {
    if (account === ENGINE_ACCOUNT) {
      for (const name of reads) {
        const subject = engineSideSubject(name);
        if (!allow.some((pattern) => subjectMatches(pattern, subject))) {
          found.push(
            `${where}.subscribe.allow: ${JSON.stringify(allow)} does not cover ${subject}, where ${ENGINE_ACCOUNT} ` +
              `receives ${name}, a tenant it reads`,
          );
        }
        streams[name] = subject;
      }
    } else if (reads.length !== 1 || reads[0] !== account) {
      found.push(
        `${where}: lives in account ${JSON.stringify(account)} but reads ${JSON.stringify(reads)}; an engine or ` +
          `reader outside ${ENGINE_ACCOUNT} reads exactly the tenant whose account it lives in`,
      );
    } else {
      const allowed = [COLLECTOR_SUBJECT, engineSideSubject(account)];
      if (allow.length !== 1 || !allowed.includes(allow[0])) {
        found.push(
          `${where}.subscribe.allow: ${JSON.stringify(allow)} is not the stream of tenant ${account} in its own ` +
            `account; allowed: ${allowed.map((subject) => JSON.stringify([subject])).join(" or ")}`,
        );
      }
      streams[account] = allow[0];
    }
  }
  problems.push(...found);
  return found.length === 0 ? { reads: reads as string[], subscribeAllow: allow as string[], streams } : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPem(value: unknown, label: string): value is string {
  return typeof value === "string" && value.includes(`-----BEGIN ${label}-----`);
}

/** Parses `tls://host:port` (and `tls://[v6]:port`). */
export function parseNatsUrl(url: string): NatsAddress | undefined {
  const match = /^tls:\/\/(\[[^\]]+\]|[^:/\s]+):(\d{1,5})$/.exec(url);
  if (!match) return undefined;
  return { address: `${match[1]}:${match[2]}`, host: match[1].replace(/^\[|\]$/g, "") };
}

/**
 * The servers from `nats_nodes` and `satellites` (both optional: outputs of
 * a single server may lack them); pushes what is wrong to `problems`.
 * Returns the satellite of each collector that connects to one.
 */
function serversOf(
  values: OutputValues,
  primary: { nats?: NatsAddress; url?: string; serverName?: string },
  tenantList: readonly string[] | undefined,
  problems: string[],
): { servers: DeployedServer[]; satelliteOf: Map<string, string> } {
  const servers: DeployedServer[] = [];
  const satelliteOf = new Map<string, string>();
  const server = (where: string, entry: unknown, kind: DeployedServer["kind"], name: string, tenant?: string) => {
    if (!isRecord(entry)) {
      problems.push(`${where}: not an object`);
      return;
    }
    // The primary is dialed at the first of nats_urls (the outputs' contract since before clusters),
    // whose problems are reported as that output's.
    const dialed = where === "nats_nodes[0]" && primary.url !== undefined ? primary.url : entry.url;
    const nats = typeof dialed === "string" ? parseNatsUrl(dialed) : undefined;
    if (!nats && dialed === entry.url) {
      problems.push(`${where}.url: ${JSON.stringify(entry.url)} is not tls://<dns-name>:<port>`);
    }
    const serverName = entry.server_name;
    if (typeof serverName !== "string" || serverName === "") {
      problems.push(`${where}.server_name: ${JSON.stringify(serverName)} is not a DNS name`);
    }
    if (nats && typeof serverName === "string" && serverName !== "") {
      servers.push({ name, kind, ...(tenant ? { tenant } : {}), url: dialed as string, nats, serverName });
    }
  };

  const nodes = values.nats_nodes;
  if (nodes === undefined) {
    if (primary.nats && primary.url && primary.serverName) {
      servers.push({
        name: "nats",
        kind: "node",
        url: primary.url,
        nats: primary.nats,
        serverName: primary.serverName,
      });
    }
  } else if (!Array.isArray(nodes) || nodes.length === 0) {
    problems.push(`nats_nodes: ${JSON.stringify(nodes)} is not a non-empty list of servers`);
  } else {
    nodes.forEach((entry, index) => {
      const name = isRecord(entry) && typeof entry.name === "string" && entry.name !== "" ? entry.name : undefined;
      if (!name)
        problems.push(
          `nats_nodes[${index}].name: ${JSON.stringify(isRecord(entry) ? entry.name : entry)} is not a name`,
        );
      else server(`nats_nodes[${index}]`, entry, "node", name);
    });
  }

  const satellites = values.satellites;
  if (satellites !== undefined && !isRecord(satellites)) {
    problems.push("satellites: not a map of satellite name to satellite");
  } else if (satellites !== undefined) {
    for (const [name, entry] of Object.entries(satellites)) {
      const where = `satellites["${name}"]`;
      const tenant = isRecord(entry) ? entry.tenant : undefined;
      if (typeof tenant !== "string" || (tenantList && !tenantList.includes(tenant))) {
        problems.push(`${where}.tenant: ${JSON.stringify(tenant)} is not one of tenants (${tenantList?.join(", ")})`);
        continue;
      }
      const collectors = isRecord(entry) ? entry.collectors : undefined;
      if (!Array.isArray(collectors) || !collectors.every((item) => typeof item === "string")) {
        problems.push(`${where}.collectors: ${JSON.stringify(collectors)} is not a list of collector names`);
        continue;
      }
      for (const collector of collectors) satelliteOf.set(collector, name);
      server(where, entry, "satellite", name, tenant);
    }
  }
  return { servers, satelliteOf };
}

/**
 * Reads the topology from output values, or throws a SmokeInputError that
 * lists every problem at once, naming the output and (for non-secret
 * outputs) the bad value.
 */
export function parseDeployedTopology(values: OutputValues, origin: OutputsOrigin): DeployedTopology {
  const missingRequired = REQUIRED_OUTPUTS.filter((name) => values[name] === undefined);
  if (missingRequired.length === REQUIRED_OUTPUTS.length) {
    throw new SmokeInputError(
      `${origin.source} has none of the topology outputs (${REQUIRED_OUTPUTS.join(", ")}); ${NO_OUTPUTS_ADVICE}.`,
    );
  }

  const problems: string[] = missingRequired.map((name) => `${name}: missing`);
  const missingSecrets: string[] = [];

  const urls = values.nats_urls;
  let nats: NatsAddress | undefined;
  if (urls !== undefined) {
    if (!Array.isArray(urls) || urls.length === 0 || !urls.every((url) => typeof url === "string")) {
      problems.push(`nats_urls: ${JSON.stringify(urls)} is not a non-empty list of URLs`);
    } else {
      nats = parseNatsUrl(urls[0]);
      if (!nats) problems.push(`nats_urls[0]: ${JSON.stringify(urls[0])} is not tls://<dns-name>:<port>`);
    }
  }
  const serverName = values.nats_server_name;
  if (serverName !== undefined && (typeof serverName !== "string" || serverName === "")) {
    problems.push(`nats_server_name: ${JSON.stringify(serverName)} is not a DNS name`);
  }
  const caPem = values.ca_certificate_pem;
  if (caPem !== undefined && !isPem(caPem, "CERTIFICATE")) {
    problems.push("ca_certificate_pem: not a PEM certificate");
  }
  const tenants = values.tenants;
  const tenantList =
    Array.isArray(tenants) && tenants.every((tenant) => typeof tenant === "string") ? (tenants as string[]) : undefined;
  if (tenants !== undefined && (!tenantList || tenantList.length === 0)) {
    problems.push(`tenants: ${JSON.stringify(tenants)} is not a non-empty list of tenant names`);
  }

  const { servers, satelliteOf } = serversOf(
    values,
    {
      nats,
      url: Array.isArray(urls) ? (urls[0] as string) : undefined,
      serverName: typeof serverName === "string" ? serverName : undefined,
    },
    tenantList,
    problems,
  );
  const identities: DeployedIdentity[] = [];
  const index = values.identities;
  if (index !== undefined && !isRecord(index)) {
    problems.push("identities: not a map of identity id to identity");
  } else if (index !== undefined) {
    for (const [id, entry] of Object.entries(index)) {
      const where = `identities["${id}"]`;
      if (!isRecord(entry)) {
        problems.push(`${where}: not an object`);
        continue;
      }
      const role = entry.role as IdentityRole;
      const fields = ["name", "account", "nats_user", "certificate_output", "private_key_output"] as const;
      const badFields = fields.filter((field) => typeof entry[field] !== "string" || entry[field] === "");
      if (!ROLES.includes(role))
        problems.push(`${where}.role: ${JSON.stringify(entry.role)}; allowed: ${ROLES.join(", ")}`);
      if (badFields.length > 0) problems.push(`${where}: ${badFields.join(", ")} missing`);
      const tenant = entry.tenant;
      const knownTenants = tenantList && tenantList.length > 0 ? tenantList : undefined;
      if (
        (role === "collector" || role === "satellite") &&
        (typeof tenant !== "string" || (knownTenants && !knownTenants.includes(tenant)))
      ) {
        problems.push(`${where}.tenant: ${JSON.stringify(tenant)} is not one of tenants (${tenantList?.join(", ")})`);
      }
      if (badFields.length > 0 || !ROLES.includes(role)) continue;
      const observer =
        role === "engine" || role === "reader" ? observerFields(where, entry, tenantList, problems) : undefined;

      const certificateOutput = entry.certificate_output as string;
      const privateKeyOutput = entry.private_key_output as string;
      const certificatePem = values[certificateOutput];
      const privateKeyPem = values[privateKeyOutput];
      for (const [name, value, label] of [
        [certificateOutput, certificatePem, "CERTIFICATE"],
        [privateKeyOutput, privateKeyPem, "PRIVATE KEY"],
      ] as const) {
        if (value === undefined) missingSecrets.push(name);
        // Never echo these values: they are certificates and private keys.
        else if (!isPem(value, label))
          problems.push(`${name}: not a PEM ${label.toLowerCase()} (PKCS#8 expected for keys)`);
      }
      if (typeof certificatePem !== "string" || typeof privateKeyPem !== "string") continue;
      if ((role === "engine" || role === "reader") && !observer) continue;
      identities.push({
        id,
        role,
        name: entry.name as string,
        ...(typeof tenant === "string" ? { tenant } : {}),
        account: entry.account as string,
        natsUser: entry.nats_user as string,
        reads: observer?.reads ?? [],
        subscribeAllow: observer?.subscribeAllow ?? [],
        streams: observer?.streams ?? {},
        certificatePem,
        privateKey: new SecretValue(privateKeyPem),
        ...(role === "collector" && satelliteOf.has(entry.name as string)
          ? { satellite: satelliteOf.get(entry.name as string) }
          : {}),
      });
    }
    if (isRecord(index)) {
      const roles = Object.values(index).map((entry) => (isRecord(entry) ? entry.role : undefined));
      if (!roles.includes("engine") && !roles.includes("reader")) {
        problems.push(
          "identities: no engine or reader identity; nothing could receive an event, so nothing could be checked",
        );
      }
      if (!roles.includes("collector")) problems.push("identities: no collector identity");
    }
  }

  if (missingSecrets.length > 0) {
    const hint =
      origin.shape === "cdktf outputs file"
        ? " (the file was written without sensitive outputs: write it with " +
          "`cdktf deploy --outputs-file FILE --outputs-file-include-sensitive-outputs`, or omit --outputs to read them " +
          "from `terraform output -json`)"
        : "";
    problems.push(`sensitive outputs missing: ${missingSecrets.join(", ")}${hint}`);
  }

  if (problems.length > 0 || !nats) {
    throw new SmokeInputError(
      `The outputs in ${origin.source} do not describe a deployed topology: ${problems.length} problem${
        problems.length === 1 ? "" : "s"
      }\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
    );
  }
  return {
    nats,
    natsUrls: urls as string[],
    serverName: serverName as string,
    caPem: caPem as string,
    tenants: tenantList ?? [],
    identities,
    servers,
    source: origin.source,
    values,
  };
}
