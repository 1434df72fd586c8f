import { COLLECTOR_SUBJECT, ENGINE_SUBJECT } from "./subjects";
import { ENGINE_ACCOUNT, SYSTEM_ACCOUNT } from "./names";
import { clientIdentities, type ClientIdentity } from "./identities";
import { engineSideSubject, readerSubjects, sharedTenants, tenantStreamSubject } from "./tenant-streams";
import type { CollectorSpec, TenantSpec, Topology } from "./topology";

/**
 * The nats-server configuration as a typed object. It is serialized as JSON,
 * which nats-server's config parser accepts, so no name from a topology is
 * ever spliced into config text.
 */

export { COLLECTOR_SUBJECT, ENGINE_SUBJECT };

/** The client port inside the NATS container; the topology's clientPort is the one published on the host. */
export const NATS_CONTAINER_CLIENT_PORT = 4222;

/** Matches every subject: `deny: [ALL_SUBJECTS]` means "nothing". */
export const ALL_SUBJECTS = ">";

export interface NatsSubjectPermission {
  readonly allow?: readonly string[];
  readonly deny?: readonly string[];
}

export interface NatsPermissions {
  readonly publish: NatsSubjectPermission;
  readonly subscribe: NatsSubjectPermission;
}

export interface NatsUser {
  /** With verify_and_map, the certificate subject DN the user is matched by. */
  readonly user: string;
  readonly permissions?: NatsPermissions;
}

export interface NatsStreamExport {
  readonly stream: string;
  readonly accounts: readonly string[];
}

export interface NatsStreamImport {
  readonly stream: { readonly account: string; readonly subject: string };
  /** Prepended to the imported subject; absent when the exporter already carries the tenant in it. */
  readonly prefix?: string;
}

export interface NatsAccount {
  readonly users: readonly NatsUser[];
  /** Account-level subject mappings (a tenant with a dedicated engine: tornado.events → <tenant>.tornado.events). */
  readonly mappings?: Readonly<Record<string, string>>;
  readonly exports?: readonly NatsStreamExport[];
  readonly imports?: readonly NatsStreamImport[];
}

export interface NatsTlsBlock {
  readonly cert_file: string;
  readonly key_file: string;
  readonly ca_file: string;
  /** Require a client certificate signed by ca_file and map it to a user. */
  readonly verify_and_map: true;
  /** Seconds a TLS handshake may take. */
  readonly timeout: number;
  readonly min_version: "1.2" | "1.3";
}

export interface NatsServerConfig {
  readonly server_name: string;
  readonly host: string;
  readonly port: number;
  /** Monitoring listener, "host:port"; absent means no monitoring endpoint. */
  readonly http?: string;
  readonly tls: NatsTlsBlock;
  readonly accounts: Readonly<Record<string, NatsAccount>>;
  readonly system_account: string;
  readonly max_payload: number;
  readonly lame_duck_duration: string;
  readonly lame_duck_grace_period: string;
}

/** Where the rendered config expects its files and ports; differs between a container and a test. */
export interface NatsRuntime {
  /** Address the client listener binds. */
  readonly listenHost: string;
  readonly listenPort: number;
  /** "host:port" for monitoring, or undefined for none. */
  readonly monitoringListen?: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

/** Collectors may publish `tornado.events` and nothing else, and may subscribe to nothing. */
export const COLLECTOR_PERMISSIONS: NatsPermissions = {
  publish: { allow: [COLLECTOR_SUBJECT] },
  subscribe: { deny: [ALL_SUBJECTS] },
};

/** The engine may read every imported tenant stream and publish nothing. */
export const ENGINE_PERMISSIONS: NatsPermissions = {
  publish: { deny: [ALL_SUBJECTS] },
  subscribe: { allow: [ENGINE_SUBJECT] },
};

function userOf(identity: ClientIdentity, permissions?: NatsPermissions): NatsUser {
  return permissions ? { user: identity.natsUser, permissions } : { user: identity.natsUser };
}

/**
 * A collector's permissions: publish `tornado.events` only. It may subscribe
 * to nothing, except a nats_json collector, which reads exactly its topics,
 * inside its own tenant's account.
 *
 * nats-server applies the account's subject mappings before it checks
 * publish permissions (server/parser.go maps the subject, then
 * processInboundClientMsg checks it). In the account of a tenant with a
 * dedicated engine, `tornado.events` is mapped to `<tenant>.tornado.events`,
 * so that is the subject the collector's publish is checked as.
 */
export function collectorPermissions(collector: CollectorSpec, topology: Topology): NatsPermissions {
  const stream = tenantStreamSubject(topology, collector.tenant);
  const publish = stream === COLLECTOR_SUBJECT ? COLLECTOR_PERMISSIONS.publish : { allow: [stream] };
  const topics = collector.topics.flatMap((topic) => topic.subjects);
  return { publish, subscribe: topics.length === 0 ? COLLECTOR_PERMISSIONS.subscribe : { allow: topics } };
}

/** Read-only: subscribe to exactly `subjects`, publish nothing. */
export function readOnlyPermissions(subjects: readonly string[]): NatsPermissions {
  return { publish: { deny: [ALL_SUBJECTS] }, subscribe: { allow: subjects } };
}

/** The permissions the config gives an identity (the system user is unrestricted in SYS). */
export function permissionsFor(identity: ClientIdentity, topology: Topology): NatsPermissions | undefined {
  switch (identity.role) {
    case "collector": {
      const collector = topology.collectors.find((candidate) => candidate.name === identity.name);
      return collector ? collectorPermissions(collector, topology) : COLLECTOR_PERMISSIONS;
    }
    case "engine":
      // The shared engine reads every imported stream; a dedicated one its tenant's only.
      return identity.tenant === undefined
        ? ENGINE_PERMISSIONS
        : readOnlyPermissions([engineSideSubject(identity.tenant)]);
    case "reader":
      return readOnlyPermissions(readerSubjects(topology, identity.reads));
    case "system":
      return undefined;
  }
}

function tenantAccount(topology: Topology, tenant: TenantSpec, users: NatsUser[]): NatsAccount {
  const stream = tenantStreamSubject(topology, tenant.name);
  return {
    users,
    // Its dedicated engine, in this account, sees the same subject shape as the shared engine.
    ...(stream === COLLECTOR_SUBJECT ? {} : { mappings: { [COLLECTOR_SUBJECT]: stream } }),
    ...(tenant.sharedEngine ? { exports: [{ stream, accounts: [ENGINE_ACCOUNT] }] } : {}),
  };
}

/** ENGINE imports each shared tenant's stream so that it arrives as `<tenant>.tornado.events`. */
function engineImport(topology: Topology, tenant: string): NatsStreamImport {
  const stream = tenantStreamSubject(topology, tenant);
  return stream === COLLECTOR_SUBJECT
    ? { stream: { account: tenant, subject: stream }, prefix: tenant }
    : { stream: { account: tenant, subject: stream } };
}

/**
 * Renders the server config: one account per tenant exporting its
 * `tornado.events` to ENGINE only (unless it opted out of the shared
 * engine), the ENGINE account importing each with the tenant name as prefix,
 * and a system account for the operator. TLS with a client certificate is
 * the only way in: no plaintext listener, no no_auth_user, no password users.
 */
export function renderNatsConfig(topology: Topology, runtime: NatsRuntime): NatsServerConfig {
  const usersByAccount = new Map<string, NatsUser[]>();
  for (const identity of clientIdentities(topology)) {
    const users = usersByAccount.get(identity.account) ?? [];
    users.push(userOf(identity, permissionsFor(identity, topology)));
    usersByAccount.set(identity.account, users);
  }

  const accounts: Record<string, NatsAccount> = {};
  for (const tenant of topology.tenants) {
    accounts[tenant.name] = tenantAccount(topology, tenant, usersByAccount.get(tenant.name) ?? []);
  }
  accounts[ENGINE_ACCOUNT] = {
    users: usersByAccount.get(ENGINE_ACCOUNT) ?? [],
    imports: sharedTenants(topology).map((tenant) => engineImport(topology, tenant)),
  };
  accounts[SYSTEM_ACCOUNT] = { users: usersByAccount.get(SYSTEM_ACCOUNT) ?? [] };

  const lameDuck = topology.nats.lameDuckDurationSeconds;
  return {
    server_name: topology.nats.serverName,
    host: runtime.listenHost,
    port: runtime.listenPort,
    ...(runtime.monitoringListen === undefined ? {} : { http: runtime.monitoringListen }),
    tls: {
      cert_file: runtime.certFile,
      key_file: runtime.keyFile,
      ca_file: runtime.caFile,
      verify_and_map: true,
      timeout: 5,
      min_version: "1.3",
    },
    accounts,
    system_account: SYSTEM_ACCOUNT,
    max_payload: topology.nats.maxPayload,
    lame_duck_duration: `${lameDuck}s`,
    // Clients get a moment to finish in-flight work before disconnects start.
    lame_duck_grace_period: `${Math.min(10, Math.floor(lameDuck / 3))}s`,
  };
}

/** The config file's text. */
export function serializeNatsConfig(config: NatsServerConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}
