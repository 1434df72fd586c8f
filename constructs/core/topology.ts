import { resolve as resolvePath } from "node:path";
import { parseDockerHostUrl, type DockerHostKind } from "./docker-host-url";
import { externalPkiIssues } from "./external-pki";
import { DEFAULT_NATS_SERVER_NAME, ENGINE_COMMON_NAME } from "./names";
import { schemaIssues } from "./schema-issues";
import { TopologyValidationError } from "./topology-errors";
import {
  COLLECTOR_PORT_DEFAULTS,
  topologySchema,
  type CollectorKind,
  type EcdsaCurve,
  type KeyAlgorithm,
  type ParsedTopology,
  type TopologyInput,
} from "./topology-schema";
import { localDirectoryIssues } from "./validate-local-files";
import { validateTopologyRelations } from "./validate-topology";
import { natsImage } from "./versions";

/**
 * The validated topology every construct, renderer and test works from. All
 * defaults are applied and every reference is known to resolve.
 */
export interface Topology {
  /** The stack name. */
  readonly name: string;
  readonly organization: string;
  readonly hosts: readonly DockerHostSpec[];
  readonly tenants: readonly TenantSpec[];
  readonly nats: NatsSpec;
  /** The shared engine; absent when every tenant opted out of it. */
  readonly engine?: EngineSpec;
  /** Engines of single tenants, in their tenant's account. */
  readonly dedicatedEngines: readonly EngineSpec[];
  readonly collectors: readonly CollectorSpec[];
  readonly readers: readonly ReaderSpec[];
  readonly satellites: readonly SatelliteSpec[];
  readonly pki: PkiSpec;
}

export interface DockerHostSpec {
  readonly name: string;
  readonly url: string;
  readonly kind: DockerHostKind;
  /** The host name or IP in the URL (ssh, tcp), or the socket path (local). */
  readonly address: string;
  readonly sshOpts?: readonly string[];
  readonly certPath?: string;
  /** Absolute paths of the daemon's TLS files (tcp:// hosts without certPath). */
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** Where a container image comes from. */
export type ImageSpec =
  /** The canary built from this package's canary/ directory. */
  | { readonly source: "canary" }
  /** Pulled by name, or used as is when the host already has it. */
  | { readonly source: "pull"; readonly name: string }
  /** Built on the host from a context directory (absolute path). */
  | {
      readonly source: "build";
      readonly name: string;
      readonly context: string;
      readonly dockerfile?: string;
      readonly args?: Readonly<Record<string, string>>;
    };

export interface TenantSpec {
  readonly name: string;
  /** Whether the shared engine receives this tenant's events. */
  readonly sharedEngine: boolean;
  readonly allowNoEngine: boolean;
}

/** External PKI: files of a supplied certificate and key (absolute paths). */
export interface TlsFiles {
  readonly certFile: string;
  /** Absent only where the key is never uploaded (identity-only readers, the system identity). */
  readonly keyFile?: string;
}

/** An identity that reads tenants' events; deployed as a container when `deploy` is set. */
export interface ReaderSpec {
  readonly name: string;
  readonly tenants: readonly string[];
  readonly deploy?: { readonly host: string; readonly image: ImageSpec; readonly command?: readonly string[] };
  /** External PKI: supplied certificate and key; undefined: generated. */
  readonly tls?: TlsFiles;
}

/**
 * One NATS server of the master site: the single server, or a cluster node.
 * Its certificate carries every name in `dnsNames` plus `name`.
 */
export interface NatsNodeSpec {
  /** server_name and container name. */
  readonly name: string;
  readonly host: string;
  /** Names clients and routes use; the first is the one written into configs. Cluster-wide names included. */
  readonly dnsNames: readonly string[];
  /** IP of dnsNames[0] for containers on other hosts (extra_hosts). */
  readonly ipAddress?: string;
  /** Published client port (the same number inside and outside the host for clients). */
  readonly clientPort: number;
  /** Route port, listened on and published (cluster only). */
  readonly clusterPort?: number;
  /** Leafnode port, listened on and published when there are satellites. */
  readonly leafnodePort: number;
  /** External PKI: supplied certificate and key; undefined: generated. */
  readonly tls?: TlsFiles;
}

export interface NatsSpec {
  /** The servers of the master site: one, or the nodes of the cluster. */
  readonly nodes: readonly NatsNodeSpec[];
  /** Set when the nodes form a cluster. */
  readonly cluster?: { readonly name: string };
  readonly version: string;
  readonly image: string;
  readonly monitoring: { readonly port: number; readonly hostPort?: number; readonly hostIp: string };
  readonly maxPayload: number;
  readonly lameDuckDurationSeconds: number;
}

/** A satellite site's NATS server: a leaf node of the master bound to one tenant's account. */
export interface SatelliteSpec {
  readonly name: string;
  readonly tenant: string;
  readonly host: string;
  readonly dnsNames: readonly string[];
  readonly clientPort: number;
  readonly ipAddress?: string;
  /** External PKI: its server certificate and key; undefined: generated. */
  readonly tls?: TlsFiles;
  /** External PKI: its leaf identity; undefined: generated. */
  readonly leafTls?: TlsFiles;
}

/** The shared engine, or a tenant's dedicated engine (with `tenant`). */
export interface EngineSpec {
  /** The engine's name: its certificate CN ("tornado-engine" for the shared one). */
  readonly name: string;
  /** Set for a dedicated engine: the only tenant it reads. */
  readonly tenant?: string;
  readonly host: string;
  readonly image: ImageSpec;
  readonly command?: readonly string[];
  readonly apiPort: number;
  readonly apiHostIp: string;
  /** Absolute path of the operator's rules directory. */
  readonly rulesDir?: string;
  readonly logLevel: string;
  /** External PKI: supplied certificate and key; undefined: generated. */
  readonly tls?: TlsFiles;
}

export interface WebhookSpec {
  readonly id: string;
  /** Given in the topology; otherwise generated at apply time. */
  readonly token?: string;
  readonly eventType: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface TopicSpec {
  readonly subjects: readonly string[];
  readonly eventType?: string;
  readonly payload?: Readonly<Record<string, unknown>>;
}

export interface Icinga2Spec {
  readonly apiUrl: string;
  readonly username: string;
  readonly passwordVariable: string;
  readonly disableSslVerification: boolean;
  readonly streamTypes: readonly string[];
}

export interface CollectorSpec {
  readonly name: string;
  readonly tenant: string;
  readonly kind: CollectorKind;
  readonly host: string;
  /** The satellite it connects to; undefined: the master's NATS. */
  readonly satellite?: string;
  readonly image: ImageSpec;
  readonly command?: readonly string[];
  /** The published port and its protocol, for kinds that listen (webhook, snmptrapd). */
  readonly published?: { readonly port: number; readonly hostIp: string; readonly protocol: "tcp" | "udp" };
  /** webhook collectors: at least one. */
  readonly webhooks: readonly WebhookSpec[];
  /** nats_json collectors: at least one. */
  readonly topics: readonly TopicSpec[];
  readonly icinga2?: Icinga2Spec;
  /** External PKI: supplied certificate and key; undefined: generated. */
  readonly tls?: TlsFiles;
}

/** How a key is generated; maps onto tls_private_key's algorithm/ecdsa_curve/rsa_bits. */
export interface KeySpec {
  readonly algorithm: KeyAlgorithm;
  readonly ecdsaCurve?: EcdsaCurve;
  readonly rsaBits?: number;
}

export interface PkiSpec {
  readonly key: KeySpec;
  readonly validityHours: number;
  readonly caValidityHours: number;
  readonly earlyRenewalHours: number;
  /** External PKI: absolute path of the CA certificate that signed the supplied certificates. */
  readonly externalCaFile?: string;
  /** External PKI: the system identity's certificate. */
  readonly systemTls?: TlsFiles;
}

function keySpec(algorithm: KeyAlgorithm, ecdsaCurve?: EcdsaCurve, rsaBits?: number): KeySpec {
  if (algorithm === "ECDSA") return { algorithm, ecdsaCurve: ecdsaCurve ?? "P256" };
  if (algorithm === "RSA") return { algorithm, rsaBits: rsaBits ?? 2048 };
  return { algorithm };
}

/** Tornado's default payload template: the whole incoming document. */
export const DEFAULT_PAYLOAD_TEMPLATE: Readonly<Record<string, unknown>> = { data: "${@}" };

type ImageInput =
  string | { name: string; build?: { context: string; dockerfile?: string; args?: Record<string, string> } };

function imageSpec(image: ImageInput | undefined, baseDir: string): ImageSpec {
  if (image === undefined) return { source: "canary" };
  if (typeof image === "string") return { source: "pull", name: image };
  if (!image.build) return { source: "pull", name: image.name };
  return { source: "build", name: image.name, ...image.build, context: resolvePath(baseDir, image.build.context) };
}

/**
 * The master site's servers. A single server takes nats.host (or the
 * engine's host), nats.serverName and nats.dnsNames; cluster nodes take their
 * own names plus nats.dnsNames as names every node answers to.
 */
function natsNodes(nats: ParsedTopology["nats"], engineHost: string | undefined): NatsNodeSpec[] {
  if (!nats.cluster) {
    return [
      {
        name: nats.serverName ?? DEFAULT_NATS_SERVER_NAME,
        // validateTopologyRelations requires nats.host when there is no shared engine.
        host: nats.host ?? (engineHost as string),
        dnsNames: nats.dnsNames,
        ipAddress: nats.ipAddress,
        clientPort: nats.clientPort,
        leafnodePort: nats.leafnodePort,
      },
    ];
  }
  const { cluster } = nats;
  return cluster.nodes.map((node) => ({
    name: node.name,
    host: node.host,
    dnsNames: [...(node.dnsNames ?? []), ...nats.dnsNames.filter((shared) => !(node.dnsNames ?? []).includes(shared))],
    ipAddress: node.ipAddress,
    clientPort: node.clientPort ?? nats.clientPort,
    clusterPort: node.clusterPort ?? cluster.port,
    leafnodePort: node.leafnodePort ?? nats.leafnodePort,
  }));
}

/** Options of {@link resolveTopology}. */
export interface ResolveOptions {
  /** Names the input in error messages, e.g. the file path. @default "topology" */
  readonly source?: string;
  /** Relative paths in the topology (rulesDir, build contexts, TLS files) are resolved against it. @default process.cwd() */
  readonly baseDir?: string;
}

/**
 * Validates a topology (from a file or from code) and returns it with every
 * default applied. Throws TopologyValidationError listing every problem at once.
 *
 * @param options names the input in error messages and anchors relative paths; a string is the source name.
 */
export function resolveTopology(input: unknown, options: ResolveOptions | string = {}): Topology {
  const { source = "topology", baseDir = process.cwd() } = typeof options === "string" ? { source: options } : options;
  const parsed = topologySchema.safeParse(input, { reportInput: true });
  const issues = [
    ...(parsed.success ? [] : schemaIssues(topologySchema, input, parsed.error.issues)),
    ...validateTopologyRelations(input),
  ];
  if (!parsed.success || issues.length > 0) throw new TopologyValidationError(issues, source);

  const value = parsed.data;
  const path = (file: string | undefined): string | undefined =>
    file === undefined ? undefined : resolvePath(baseDir, file);
  const tls = (files: { certFile: string; keyFile?: string } | undefined): TlsFiles | undefined =>
    files && { certFile: resolvePath(baseDir, files.certFile), keyFile: path(files.keyFile) };
  const topology: Topology = {
    name: value.name,
    organization: value.organization,
    hosts: value.hosts.map((host) => {
      const url = parseDockerHostUrl(host.url);
      // validateTopologyRelations has rejected every URL that does not parse.
      if (!url.ok) throw new Error(`unreachable: ${url.problem}`);
      return {
        ...host,
        kind: url.kind,
        address: url.address,
        certPath: path(host.certPath),
        caFile: path(host.caFile),
        certFile: path(host.certFile),
        keyFile: path(host.keyFile),
      };
    }),
    tenants: value.tenants,
    nats: {
      nodes: natsNodes(value.nats, value.engine?.host).map((node, index) => ({
        ...node,
        tls: tls(value.nats.cluster ? value.nats.cluster.nodes[index].tls : value.nats.tls),
      })),
      cluster: value.nats.cluster && { name: value.nats.cluster.name },
      version: value.nats.version,
      image: value.nats.image ?? natsImage(value.nats.version),
      monitoring: value.nats.monitoring,
      maxPayload: value.nats.maxPayload,
      lameDuckDurationSeconds: value.nats.lameDuckDurationSeconds,
    },
    satellites: value.satellites.map((satellite) => ({
      ...satellite,
      tls: tls(satellite.tls),
      leafTls: tls(satellite.leafTls),
    })),
    engine: value.engine && {
      ...value.engine,
      name: ENGINE_COMMON_NAME,
      image: imageSpec(value.engine.image, baseDir),
      rulesDir: path(value.engine.rulesDir),
      tls: tls(value.engine.tls),
    },
    dedicatedEngines: value.dedicatedEngines.map((engine) => ({
      ...engine,
      image: imageSpec(engine.image, baseDir),
      rulesDir: path(engine.rulesDir),
      tls: tls(engine.tls),
    })),
    readers: value.readers.map((reader) => ({
      name: reader.name,
      tenants: reader.tenants,
      deploy:
        reader.host === undefined
          ? undefined
          : { host: reader.host, image: imageSpec(reader.image, baseDir), command: reader.command },
      tls: tls(reader.tls),
    })),
    collectors: value.collectors.map((collector) => {
      const portDefaults = COLLECTOR_PORT_DEFAULTS[collector.kind];
      return {
        name: collector.name,
        tenant: collector.tenant,
        kind: collector.kind,
        host: collector.host,
        satellite: collector.satellite,
        image: imageSpec(collector.image, baseDir),
        command: collector.command,
        published: portDefaults && {
          port: collector.port ?? portDefaults.port,
          hostIp: collector.portHostIp,
          protocol: portDefaults.protocol,
        },
        webhooks:
          collector.kind !== "webhook"
            ? []
            : (collector.webhooks ?? [{ id: collector.name }]).map((webhook) => ({
                id: webhook.id,
                token: webhook.token,
                eventType: webhook.eventType ?? webhook.id,
                payload: webhook.payload ?? DEFAULT_PAYLOAD_TEMPLATE,
              })),
        topics: collector.topics ?? [],
        icinga2: collector.icinga2,
        tls: tls(collector.tls),
      };
    }),
    pki: {
      key: keySpec(value.pki.keyAlgorithm, value.pki.ecdsaCurve, value.pki.rsaBits),
      validityHours: value.pki.validityHours,
      caValidityHours: value.pki.caValidityHours,
      earlyRenewalHours: value.pki.earlyRenewalHours,
      externalCaFile: path(value.pki.externalCaFile),
      systemTls: tls(value.pki.systemTls),
    },
  };
  // Files are checked once the topology is otherwise sound: what a supplied certificate must be comes from it.
  const fileIssues = [...localDirectoryIssues(topology), ...externalPkiIssues(topology)];
  if (fileIssues.length > 0) throw new TopologyValidationError(fileIssues, source);
  return topology;
}

export type { TopologyInput };
