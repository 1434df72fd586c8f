import { isIP } from "node:net";
import { z } from "zod";
import { NATS_SERVER_VERSION } from "./versions";
import { nameProblem, ORGANIZATION_PATTERN, ORGANIZATION_RULE } from "./names";

/**
 * The schema of a topology file (JSON or YAML) and of the object a library
 * user passes in code. It checks everything that can be decided by looking at
 * one field; rules that relate fields to each other (references, duplicates,
 * port collisions) live in validate-topology.ts.
 *
 * Every object is strict: a typo such as `tenat:` is an error, never a field
 * that is silently ignored.
 */

/** Tornado collector kinds this package knows how to configure. */
export const COLLECTOR_KINDS = ["webhook", "nats_json", "email", "icinga2", "rsyslog", "snmptrapd"] as const;
export type CollectorKind = (typeof COLLECTOR_KINDS)[number];

/** Kinds this package ships a canary image for; every other kind needs an image input. */
export const CANARY_COLLECTOR_KINDS = ["webhook", "nats_json"] as const satisfies readonly CollectorKind[];

/** Kinds that publish a port on their host, with its default and protocol. */
export const COLLECTOR_PORT_DEFAULTS: Partial<Record<CollectorKind, { port: number; protocol: "tcp" | "udp" }>> = {
  webhook: { port: 8080, protocol: "tcp" },
  snmptrapd: { port: 162, protocol: "udp" },
};

export const KEY_ALGORITHMS = ["ECDSA", "ED25519", "RSA"] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** P224 is left out on purpose: it is below the 128-bit security level. */
export const ECDSA_CURVES = ["P256", "P384", "P521"] as const;
export type EcdsaCurve = (typeof ECDSA_CURVES)[number];

export const RSA_KEY_SIZES = [2048, 3072, 4096, 8192] as const;

export const LOCAL_DOCKER_URL = "unix:///var/run/docker.sock";

/** The oldest releases with the fix for CVE-2026-33248, per minor line. */
const MINIMUM_PATCH_BY_MINOR: Record<string, number> = { "2.11": 15, "2.12": 6 };

const name = z.string().superRefine((value, ctx) => {
  const problem = nameProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const port = z.int().min(1).max(65535);

const DNS_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const DNS_NAME_RULE = "a DNS name such as nats.example.com (letters, digits, '-' and '.'; no IP address, no wildcard)";

/** Returns why `value` cannot be a DNS SAN that Tornado's client would accept. */
export function dnsNameProblem(value: string): string | undefined {
  if (isIP(value) !== 0 || /^[0-9.]+$/.test(value)) {
    return `is an IP address; Tornado's NATS client rejects IP addresses as TLS names; allowed: ${DNS_NAME_RULE}`;
  }
  const labels = value.split(".");
  if (value.length > 253 || !labels.every((label) => DNS_LABEL.test(label))) {
    return `is not a valid DNS name; allowed: ${DNS_NAME_RULE}`;
  }
  return undefined;
}

const dnsName = z.string().superRefine((value, ctx) => {
  const problem = dnsNameProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** Returns why `value` is not a usable nats-server release, or undefined. */
export function natsVersionProblem(value: string): string | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(value);
  if (!match) return `is not a release version; allowed: MAJOR.MINOR.PATCH such as ${NATS_SERVER_VERSION}`;
  const [major, minor, patch] = match.slice(1).map(Number);
  const minimumPatch = MINIMUM_PATCH_BY_MINOR[`${major}.${minor}`];
  const tooOld = major < 2 || (major === 2 && minor < 11) || (minimumPatch !== undefined && patch < minimumPatch);
  return tooOld
    ? `lacks the fix for CVE-2026-33248 (verify_and_map DN bypass); allowed: 2.11.15+, 2.12.6+ or any 2.13+ release`
    : undefined;
}

const natsVersion = z.string().superRefine((value, ctx) => {
  const problem = natsVersionProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const organization = z.string().superRefine((value, ctx) => {
  if (!ORGANIZATION_PATTERN.test(value)) {
    ctx.addIssue({ code: "custom", message: `is not allowed; allowed: ${ORGANIZATION_RULE}` });
  }
});

/** Loopback only: the monitoring endpoint has no authentication at all. */
export function isLoopbackAddress(value: string): boolean {
  if (isIP(value) === 4) return value.startsWith("127.");
  if (isIP(value) === 6) return value === "::1" || value === "0:0:0:0:0:0:0:1";
  return false;
}

const loopbackIp = z.string().superRefine((value, ctx) => {
  if (!isLoopbackAddress(value)) {
    ctx.addIssue({
      code: "custom",
      message:
        "would publish the NATS monitoring endpoint, which has no authentication, beyond the Docker host's loopback; " +
        "allowed: a loopback address (127.0.0.1 or ::1)",
    });
  }
});

const ipAddress = z.string().superRefine((value, ctx) => {
  if (isIP(value) === 0)
    ctx.addIssue({ code: "custom", message: "is not an IP address; allowed: an IPv4 or IPv6 address" });
});

const hostSchema = z.strictObject({
  /** Names the host in the topology and becomes its Terraform provider alias. */
  name,
  /**
   * The Docker daemon address: `unix:///var/run/docker.sock`,
   * `ssh://user@host[:port]` or `tcp://host:port` (TLS required).
   */
  url: z.string().default(LOCAL_DOCKER_URL),
  /** Extra ssh options for `ssh://` hosts. */
  sshOpts: z.array(z.string()).optional(),
  /** For `tcp://` hosts: a directory holding ca.pem, cert.pem and key.pem. */
  certPath: z.string().min(1).optional(),
  /** For `tcp://` hosts, instead of certPath: the daemon's CA certificate file (read at plan time). */
  caFile: z.string().min(1).optional(),
  /** For `tcp://` hosts, instead of certPath: the client certificate file. */
  certFile: z.string().min(1).optional(),
  /** For `tcp://` hosts, instead of certPath: the client key file. */
  keyFile: z.string().min(1).optional(),
});

const tenantSchema = z.strictObject({
  /** The tenant's name: its NATS account and the first token of its engine subject. */
  name,
  /** Whether the shared engine receives this tenant's events (its account exports them to ENGINE). */
  sharedEngine: z.boolean().default(true),
  /** Accept a tenant whose events reach no engine (sharedEngine false and no dedicated engine). */
  allowNoEngine: z.boolean().default(false),
});

const monitoringSchema = z.strictObject({
  /** Port of the monitoring endpoint inside the container. */
  port: port.default(8222),
  /** When set, also publish the endpoint on the Docker host at hostIp:hostPort. */
  hostPort: port.optional(),
  /** Host address for hostPort: loopback only. */
  hostIp: loopbackIp.default("127.0.0.1"),
});

/**
 * External PKI: a certificate and key the operator supplies as files instead
 * of a generated pair. Containers get them with upload.source + source_hash,
 * so the key never enters Terraform state. The certificate must chain to
 * pki.externalCaFile and carry the subject (and for servers the DNS names)
 * the NATS config expects; synth checks both.
 */
const tlsFilesSchema = z.strictObject({
  /** The certificate (PEM); relative paths are relative to the topology file. */
  certFile: z.string().min(1),
  /** Its unencrypted PKCS#8 private key (PEM); not needed for an identity whose key is never uploaded (identity-only readers, pki.systemTls). */
  keyFile: z.string().min(1).optional(),
});

/** A node of a NATS cluster: its own container, certificate and routes to the others. */
const clusterNodeSchema = z.strictObject({
  /** server_name and container name of the node; also a DNS SAN of its certificate. */
  name,
  /** The Docker host the node runs on. */
  host: name,
  /** DNS names the node is reached by, by clients and by routes; the first is written into configs and routes. */
  dnsNames: z.array(dnsName).optional(),
  /** IP of the node's first DNS name, for hosts without DNS for it (extra_hosts). */
  ipAddress: ipAddress.optional(),
  /** Its published client port, when nodes share a host. Defaults to nats.clientPort. */
  clientPort: port.optional(),
  /** Its route port, when nodes share a host. Defaults to nats.cluster.port. */
  clusterPort: port.optional(),
  /** Its leafnode port, when nodes share a host. Defaults to nats.leafnodePort. */
  leafnodePort: port.optional(),
  /** External PKI: the node's server certificate (server_auth and client_auth, for routes) and key. */
  tls: tlsFilesSchema.optional(),
});

/** A NATS cluster: full mesh of TLS routes between the nodes, verified both ways. */
const clusterSchema = z.strictObject({
  /** cluster.name on every node. */
  name: name.default("tornado"),
  /** The route port, published on every node's host. */
  port: port.default(6222),
  /** The nodes; 3 is typical (an odd number, on different hosts). */
  nodes: z.array(clusterNodeSchema).min(1),
});

const natsSchema = z.strictObject({
  /** The Docker host running NATS (single server). Defaults to the engine's host. */
  host: name.optional(),
  /** server_name, also the container name and a DNS SAN of the server certificate (single server). */
  serverName: name.optional(),
  /**
   * The DNS names clients use to reach NATS; the first is the one written into client configs.
   * With a cluster: names every node answers to (e.g. a round-robin name), added to every node's certificate.
   */
  dnsNames: z.array(dnsName).default([]),
  /** The client port published on the Docker host (on every node's host, for a cluster). */
  clientPort: port.default(4222),
  /** nats-server release; the default is the pinned, tested one. */
  version: natsVersion.default(NATS_SERVER_VERSION),
  /** Image to run; defaults to the official `nats:<version>-alpine`. */
  image: z.string().min(1).optional(),
  /** The NATS monitoring endpoint (no authentication in NATS): loopback only. */
  monitoring: monitoringSchema.prefault({}),
  /** Largest message a client may publish, in bytes. */
  maxPayload: z
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  /** How long lame duck mode spreads client disconnects when the server stops. */
  lameDuckDurationSeconds: z.int().min(30).max(600).default(30),
  /**
   * The IP the first DNS name resolves to, for remote hosts without DNS for it:
   * added as an extra_hosts entry to containers on other hosts (single server).
   */
  ipAddress: ipAddress.optional(),
  /** Run NATS as a cluster of nodes instead of one server. */
  cluster: clusterSchema.optional(),
  /** External PKI: the single server's certificate and key (with a cluster, set it per node). */
  tls: tlsFilesSchema.optional(),
  /** The leafnode port satellites connect to, published on every NATS host when there are satellites. */
  leafnodePort: port.default(7422),
});

/**
 * A satellite site (NetEye satellite): its own NATS server, a leaf node of
 * the master's NATS, bound to one tenant's account there. The site's
 * collectors connect to it.
 */
const satelliteSchema = z.strictObject({
  /** server_name and container name of the satellite's NATS; also its leaf identity's CN. */
  name,
  /** The tenant whose account the satellite's leaf connection is bound to on the master. */
  tenant: name,
  /** The Docker host it runs on. */
  host: name,
  /** DNS names the site's collectors reach it by; the first is written into their configs. */
  dnsNames: z.array(dnsName).min(1),
  /** Its client port, published on its host. */
  clientPort: port.default(4222),
  /** IP of its first DNS name, for collectors on other hosts without DNS for it (extra_hosts). */
  ipAddress: ipAddress.optional(),
  /** External PKI: its server certificate (for the site's collectors) and key. */
  tls: tlsFilesSchema.optional(),
  /** External PKI: its identity towards the master (a client certificate) and key. */
  leafTls: tlsFilesSchema.optional(),
});

const imageBuildSchema = z.strictObject({
  /** Build context directory (relative paths are relative to the topology file). */
  context: z.string().min(1),
  /** Dockerfile inside the context. */
  dockerfile: z.string().min(1).optional(),
  /** Build arguments. */
  args: z.record(z.string(), z.string()).optional(),
});

/**
 * A container image: a name to pull (or a local image of that name), or a
 * name plus a build context. Tornado publishes no images, so for real
 * Tornado binaries this is always the operator's input.
 */
const imageSchema = z.union(
  [
    z.string().min(1),
    z.strictObject({
      /** The image name (and tag) on the host. */
      name: z.string().min(1),
      /** Build the image on the host from this context instead of pulling it. */
      build: imageBuildSchema.optional(),
    }),
  ],
  {
    error: () =>
      'is not an image; allowed: an image name such as "registry.example.com/tornado/engine:1.2", or { name, build: { context, dockerfile?, args? } }',
  },
);

/** Settings every engine container has, shared or dedicated. */
const engineFields = {
  /** The Docker host running the engine. */
  host: name,
  /** The engine image; the default is the engine canary built from canary/. */
  image: imageSchema.optional(),
  /** The container command; default `tornado_engine --config-dir=/etc/tornado daemon` (the canary's own for the canary). */
  command: z.array(z.string().min(1)).min(1).optional(),
  /** The engine API port, published on the host's loopback only. */
  apiPort: port.default(4748),
  /** Loopback address the API port is published on. */
  apiHostIp: z
    .string()
    .superRefine((value, ctx) => {
      if (!isLoopbackAddress(value)) {
        ctx.addIssue({
          code: "custom",
          message:
            "would publish the engine API beyond the host's loopback; allowed: a loopback address (127.0.0.1 or ::1)",
        });
      }
    })
    .default("127.0.0.1"),
  /** A local directory with your Tornado rules (rules.d, v2 layout with version.json); default: a minimal ruleset. */
  rulesDir: z.string().min(1).optional(),
  /** Tracing filter for [logger] level, e.g. "info,tornado=debug". */
  logLevel: z.string().min(1).default("info"),
  /** External PKI: the engine's client certificate and key instead of generated ones. */
  tls: tlsFilesSchema.optional(),
};

/** The shared engine: it reads every tenant that keeps sharedEngine. */
const engineSchema = z.strictObject(engineFields);

/** An engine of one tenant, in that tenant's account, seeing only its events. */
const dedicatedEngineSchema = z.strictObject({
  /** Unique among components: the certificate's CN and the container name suffix. */
  name,
  /** The tenant whose events it reads. */
  tenant: name,
  ...engineFields,
});

/**
 * An identity that may read one or more tenants' events and publish nothing:
 * an archive, a SIEM forwarder, a dashboard. With `host` it is also deployed
 * as a container (then `image` is required); without, it is an identity
 * whose certificate and key are sensitive outputs for an external system.
 */
const readerSchema = z.strictObject({
  /** Unique among components: the certificate's CN. */
  name,
  /** The tenants it reads; one tenant puts it in that tenant's account, several in ENGINE. */
  tenants: z.array(name).min(1),
  /** Deploy it as a container on this Docker host. */
  host: name.optional(),
  /** The reader's image (required with host). */
  image: imageSchema.optional(),
  /** The container command; default: the image's own. */
  command: z.array(z.string().min(1)).min(1).optional(),
  /** External PKI: the reader's client certificate (and key, when deployed) instead of generated ones. */
  tls: tlsFilesSchema.optional(),
});

const webhookSchema = z.strictObject({
  /** The webhook id: POST /event/<id>. */
  id: name,
  /** The token callers pass as ?token=; generated (and kept secret) when omitted. Given here, it ends up in the synthesized JSON. */
  token: z.string().min(16).optional(),
  /** Tornado event type of the events this webhook creates. */
  eventType: z.string().min(1).optional(),
  /** Payload template (Tornado's collector_config.payload); default { "data": "${@}" }. */
  payload: z.record(z.string(), z.unknown()).optional(),
});

const topicSchema = z.strictObject({
  /** Subjects to subscribe to, inside the collector's tenant account. */
  subjects: z.array(z.string()).min(1),
  /** Event type; Tornado's default is the subject. */
  eventType: z.string().min(1).optional(),
  /** Payload template; Tornado's default is { "data": "${@}" }. */
  payload: z.record(z.string(), z.unknown()).optional(),
});

/**
 * The event stream types Tornado's icinga2 collector accepts: its `EventType`
 * enum (tornado/icinga2_collector/src/config.rs). Any other value makes the
 * collector fail to parse its streams at start.
 */
export const ICINGA2_STREAM_TYPES = [
  "CheckResult",
  "StateChange",
  "Notification",
  "AcknowledgementSet",
  "AcknowledgementCleared",
  "CommentAdded",
  "CommentRemoved",
  "DowntimeAdded",
  "DowntimeRemoved",
  "DowntimeStarted",
  "DowntimeTriggered",
] as const;

const icinga2Schema = z.strictObject({
  /** Icinga2 event stream API, e.g. https://icinga.example.com:5665/v1/events. */
  apiUrl: z.url({
    protocol: /^https?$/,
    error:
      "is not an http(s) URL; allowed: an http:// or https:// URL such as https://icinga.example.com:5665/v1/events",
  }),
  /** The Icinga2 API user. */
  username: z.string().min(1),
  /** Name of the Terraform variable holding the API password (sensitive; set it with TF_VAR_<name>). */
  passwordVariable: name,
  /** Do not verify the Icinga2 API's TLS certificate. */
  disableSslVerification: z.boolean().default(false),
  /** Icinga2 stream types to subscribe to. */
  streamTypes: z.array(z.enum(ICINGA2_STREAM_TYPES)).min(1).default(["StateChange"]),
});

const collectorSchema = z.strictObject({
  /** Unique among collectors: the container name suffix and the certificate's CN. */
  name,
  /** The tenant whose account the collector publishes into. */
  tenant: name,
  /** Which Tornado collector this is. */
  kind: z.enum(COLLECTOR_KINDS),
  /** The Docker host the collector runs on. */
  host: name,
  /** The satellite it connects to instead of the master's NATS (same tenant). */
  satellite: name.optional(),
  /** The collector image; webhook and nats_json default to the canary, the other kinds need one. */
  image: imageSchema.optional(),
  /** The container command; default `tornado_<kind>_collector --config-dir=…` (the image's own for rsyslog and snmptrapd). */
  command: z.array(z.string().min(1)).min(1).optional(),
  /** Published port: HTTP for webhook (default 8080), UDP for snmptrapd (default 162). */
  port: port.optional(),
  /** Host address the port is published on. */
  portHostIp: ipAddress.default("0.0.0.0"),
  /** webhook only: the webhooks it accepts; default one webhook whose id is the collector name. */
  webhooks: z.array(webhookSchema).min(1).optional(),
  /** nats_json only: the topics it subscribes to in its tenant's account. */
  topics: z.array(topicSchema).min(1).optional(),
  /** icinga2 only: the Icinga2 API connection. */
  icinga2: icinga2Schema.optional(),
  /** External PKI: the collector's client certificate and key instead of generated ones. */
  tls: tlsFilesSchema.optional(),
});

const pkiSchema = z.strictObject({
  /** The algorithm of every generated key: the CA's and each component's. */
  keyAlgorithm: z.enum(KEY_ALGORITHMS).default("ECDSA"),
  /** Only with keyAlgorithm ECDSA. */
  ecdsaCurve: z.enum(ECDSA_CURVES).optional(),
  /** Only with keyAlgorithm RSA. */
  rsaBits: z.int().optional(),
  /** Validity of every component certificate. */
  validityHours: z.int().positive().default(8760),
  /** Validity of the CA certificate. */
  caValidityHours: z.int().positive().default(87600),
  /** A `terraform apply` this many hours before expiry issues new certificates. */
  earlyRenewalHours: z.int().nonnegative().default(720),
  /**
   * External PKI: the CA certificate (PEM) that signed every `tls` certificate
   * of the topology. Every server trusts it beside the generated CA, if any
   * component still has a generated certificate.
   */
  externalCaFile: z.string().min(1).optional(),
  /** External PKI: the system account's operator identity (its key stays with you). */
  systemTls: tlsFilesSchema.optional(),
});

export const topologySchema = z.strictObject({
  /** Editors use it to find the JSON Schema; ignored otherwise. */
  $schema: z.string().optional(),
  /** The stack name: `cdktf.out/stacks/<name>`. */
  name: name.default("tornado"),
  /** O= in every certificate subject. */
  organization: organization.default("Tornado"),
  /** The Docker hosts containers run on; each gets its own docker provider (alias = name). */
  hosts: z.array(hostSchema).min(1),
  /** The tenants; each is a NATS account whose collectors publish into it. */
  tenants: z.array(tenantSchema).min(1),
  /** The NATS server: TLS only, client certificates mapped to users (verify_and_map). */
  nats: natsSchema,
  /** The shared engine, which receives the events of every tenant that shares with it; optional only when every tenant opts out. */
  engine: engineSchema.optional(),
  /** Engines of single tenants, each in its tenant's account. */
  dedicatedEngines: z.array(dedicatedEngineSchema).default([]),
  /** The Tornado collectors, each with its own certificate and tenant. */
  collectors: z.array(collectorSchema).min(1),
  /** Identities that read tenants' events (archives, SIEM forwarders, dashboards). */
  readers: z.array(readerSchema).default([]),
  /** Satellite sites: leaf-node NATS servers bound to one tenant each. */
  satellites: z.array(satelliteSchema).default([]),
  /** How the generated CA and certificates are made. */
  pki: pkiSchema.prefault({}),
});

/** What a topology file or a library user writes (defaults not yet applied). */
export type TopologyInput = z.input<typeof topologySchema>;
/** The structurally valid topology with every default applied. */
export type ParsedTopology = z.output<typeof topologySchema>;
