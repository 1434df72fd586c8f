import { COLLECTOR_SUBJECT, ENGINE_SUBJECT } from "./subjects";
import { ENGINE_ACCOUNT, SYSTEM_ACCOUNT } from "./names";
import { clientIdentities, type ClientIdentity } from "./identities";
import { engineSideSubject, readerSubjects, sharedTenants, tenantStreamSubject } from "./tenant-streams";
import { collectorNamed } from "./topology-index";
import type { CollectorSpec, NatsNodeSpec, TenantSpec, Topology } from "./topology";

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
  /** Restricts how the user may connect (a satellite's identity: LEAFNODE only). */
  readonly allowed_connection_types?: readonly string[];
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

/** The route listener of a cluster node: TLS both ways, only nodes with a known route name get in. */
export interface NatsClusterBlock {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** What this node tells the others to dial: a name in its certificate. */
  readonly advertise: string;
  readonly tls: {
    readonly cert_file: string;
    readonly key_file: string;
    readonly ca_file: string;
    readonly verify: true;
    /** A route's client certificate must carry a DNS SAN naming one of `routes` (a collector's has none). */
    readonly verify_cert_and_check_known_urls: true;
    readonly timeout: number;
  };
  /** nats-route:// URLs of the other nodes, by DNS name. */
  readonly routes: readonly string[];
}

/** The listener satellites' leaf nodes connect to, with their identity mapped to a user. */
export interface NatsLeafnodeListener {
  readonly host: string;
  readonly port: number;
  readonly advertise?: string;
  readonly tls: NatsTlsBlock;
}

/** A satellite's connection to the master, bound to its tenant's local account. */
export interface NatsLeafnodeRemote {
  readonly urls: readonly string[];
  readonly account: string;
  readonly tls: {
    readonly cert_file: string;
    readonly key_file: string;
    readonly ca_file: string;
    readonly timeout: number;
  };
}

export interface NatsServerConfig {
  readonly server_name: string;
  readonly host: string;
  readonly port: number;
  /** What clients are told to reconnect to (cluster): a name in the node's certificate. */
  readonly client_advertise?: string;
  /** Monitoring listener, "host:port"; absent means no monitoring endpoint. */
  readonly http?: string;
  readonly tls: NatsTlsBlock;
  readonly cluster?: NatsClusterBlock;
  readonly leafnodes?: NatsLeafnodeListener | { readonly remotes: readonly NatsLeafnodeRemote[] };
  readonly accounts: Readonly<Record<string, NatsAccount>>;
  readonly system_account?: string;
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
  /** Clients are told to reconnect to this (cluster nodes). */
  readonly clientAdvertise?: string;
  /** The route listener and the other nodes' route URLs; required when the topology has a cluster. */
  readonly cluster?: {
    readonly listenHost: string;
    readonly listenPort: number;
    readonly advertise: string;
    readonly routes: readonly string[];
  };
  /** The leafnode listener; required when the topology has satellites. */
  readonly leafnodes?: { readonly listenHost: string; readonly listenPort: number; readonly advertise?: string };
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
export function collectorPermissions(
  collector: CollectorSpec,
  topology: Topology,
  stream: string = tenantStreamSubject(topology, collector.tenant),
): NatsPermissions {
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
      const collector = collectorNamed(topology, identity.name);
      return collector ? collectorPermissions(collector, topology) : COLLECTOR_PERMISSIONS;
    }
    case "engine":
      // The shared engine reads every imported stream; a dedicated one its tenant's only.
      return identity.tenant === undefined
        ? ENGINE_PERMISSIONS
        : readOnlyPermissions([engineSideSubject(identity.tenant)]);
    case "reader":
      return readOnlyPermissions(readerSubjects(topology, identity.reads));
    case "satellite":
      // What the satellite's leaf connection may send into its tenant's account (the stream,
      // mapped like a collector's publish), and it receives nothing from the master.
      return {
        publish: { allow: [tenantStreamSubject(topology, identity.tenant as string)] },
        subscribe: { deny: [ALL_SUBJECTS] },
      };
    case "system":
      return undefined;
  }
}

/** Satellites may connect to the master only as leaf nodes: their certificate is no client login. */
export const LEAFNODE_ONLY = ["LEAFNODE"] as const;

/** Every other component is a plain client (Tornado's and the canaries' NATS clients connect as STANDARD). */
export const CLIENT_ONLY = ["STANDARD"] as const;

/**
 * How a user may connect. A satellite only as a leaf node. With satellites,
 * the master also listens for leaf nodes, and nats-server lets any user in
 * there unless told otherwise: every other user is then a client only, so
 * a component's certificate cannot attach a whole server into its account.
 * Without satellites there is no leafnode listener and nothing to restrict.
 */
function withConnectionTypes(topology: Topology, identity: ClientIdentity, user: NatsUser): NatsUser {
  if (identity.role === "satellite") return { ...user, allowed_connection_types: LEAFNODE_ONLY };
  return topology.satellites.length > 0 ? { ...user, allowed_connection_types: CLIENT_ONLY } : user;
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
 * The master site's accounts, identical on every node: one account per
 * tenant exporting its `tornado.events` to ENGINE only (unless it opted out
 * of the shared engine), the ENGINE account importing each with the tenant
 * name as prefix, and a system account for the operator. Collectors at a
 * satellite are users of that satellite, not of the master; the satellite's
 * own identity is, restricted to leaf-node connections.
 */
export function renderNatsAccounts(topology: Topology): Record<string, NatsAccount> {
  const atSatellite = new Set(
    topology.collectors.filter((collector) => collector.satellite).map((collector) => collector.name),
  );
  const usersByAccount = new Map<string, NatsUser[]>();
  for (const identity of clientIdentities(topology)) {
    if (identity.role === "collector" && atSatellite.has(identity.name)) continue;
    const user = userOf(identity, permissionsFor(identity, topology));
    const users = usersByAccount.get(identity.account) ?? [];
    users.push(withConnectionTypes(topology, identity, user));
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
  return accounts;
}

/** TLS for clients (and leaf nodes): a certificate from the CA is required and mapped to a user. */
function mappedTls(runtime: { certFile: string; keyFile: string; caFile: string }): NatsTlsBlock {
  return {
    cert_file: runtime.certFile,
    key_file: runtime.keyFile,
    ca_file: runtime.caFile,
    verify_and_map: true,
    timeout: 5,
    min_version: "1.3",
  };
}

/** Settings every server shares: limits and lame duck mode. */
export function commonServerSettings(
  topology: Topology,
): Pick<NatsServerConfig, "max_payload" | "lame_duck_duration" | "lame_duck_grace_period"> {
  const lameDuck = topology.nats.lameDuckDurationSeconds;
  return {
    max_payload: topology.nats.maxPayload,
    lame_duck_duration: `${lameDuck}s`,
    // Clients get a moment to finish in-flight work before disconnects start.
    lame_duck_grace_period: `${Math.min(10, Math.floor(lameDuck / 3))}s`,
  };
}

/**
 * Renders one master node's config: TLS with a client certificate is the
 * only way in (no plaintext listener, no no_auth_user, no password users);
 * for a cluster, TLS routes to the other nodes by DNS name, verified both
 * ways; with satellites, a leafnode listener mapping their certificates to
 * users. Accounts are the same on every node.
 */
export function renderNatsConfig(
  topology: Topology,
  runtime: NatsRuntime,
  node: NatsNodeSpec = topology.nats.nodes[0],
): NatsServerConfig {
  const cluster = topology.nats.cluster;
  if (cluster && !runtime.cluster)
    throw new Error(`node ${node.name}: the topology has a cluster but the runtime gives no route listener`);
  const withLeafnodes = topology.satellites.length > 0;
  if (withLeafnodes && !runtime.leafnodes)
    throw new Error(`node ${node.name}: the topology has satellites but the runtime gives no leafnode listener`);
  return {
    server_name: node.name,
    host: runtime.listenHost,
    port: runtime.listenPort,
    ...(runtime.clientAdvertise === undefined ? {} : { client_advertise: runtime.clientAdvertise }),
    ...(runtime.monitoringListen === undefined ? {} : { http: runtime.monitoringListen }),
    tls: mappedTls(runtime),
    ...(cluster && runtime.cluster
      ? {
          cluster: {
            name: cluster.name,
            host: runtime.cluster.listenHost,
            port: runtime.cluster.listenPort,
            advertise: runtime.cluster.advertise,
            tls: {
              cert_file: runtime.certFile,
              key_file: runtime.keyFile,
              ca_file: runtime.caFile,
              verify: true,
              verify_cert_and_check_known_urls: true,
              timeout: 5,
            },
            routes: runtime.cluster.routes,
          },
        }
      : {}),
    ...(withLeafnodes && runtime.leafnodes
      ? {
          leafnodes: {
            host: runtime.leafnodes.listenHost,
            port: runtime.leafnodes.listenPort,
            ...(runtime.leafnodes.advertise === undefined ? {} : { advertise: runtime.leafnodes.advertise }),
            tls: mappedTls(runtime),
          },
        }
      : {}),
    accounts: renderNatsAccounts(topology),
    system_account: SYSTEM_ACCOUNT,
    ...commonServerSettings(topology),
  };
}

/** The config file's text. */
export function serializeNatsConfig(config: NatsServerConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Container paths of a NATS server's files (single server, cluster node or satellite). */
export interface NatsContainerFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

/**
 * How a master node runs in its container: listeners on all interfaces,
 * monitoring as configured, and everything it tells others (client, route
 * and leafnode advertise addresses, routes to the other nodes) by the DNS
 * names in the certificates, never by IP.
 */
export function masterNodeRuntime(topology: Topology, node: NatsNodeSpec, files: NatsContainerFiles): NatsRuntime {
  const { nats } = topology;
  const name = node.dnsNames[0];
  const monitoringHost = nats.monitoring.hostPort !== undefined ? "0.0.0.0" : "127.0.0.1";
  return {
    listenHost: "0.0.0.0",
    listenPort: NATS_CONTAINER_CLIENT_PORT,
    monitoringListen: `${monitoringHost}:${nats.monitoring.port}`,
    ...files,
    ...(nats.cluster
      ? {
          clientAdvertise: `${name}:${node.clientPort}`,
          cluster: {
            listenHost: "0.0.0.0",
            listenPort: node.clusterPort as number,
            advertise: `${name}:${node.clusterPort}`,
            routes: nats.nodes
              .filter((other) => other.name !== node.name)
              .map((other) => `nats-route://${other.dnsNames[0]}:${other.clusterPort}`),
          },
        }
      : {}),
    ...(topology.satellites.length > 0
      ? {
          leafnodes: {
            listenHost: "0.0.0.0",
            listenPort: node.leafnodePort,
            advertise: `${name}:${node.leafnodePort}`,
          },
        }
      : {}),
  };
}
