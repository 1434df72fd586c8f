import { parseDockerHostUrl, type DockerHostKind } from "./docker-host-url";
import { schemaIssues } from "./schema-issues";
import { TopologyValidationError } from "./topology-errors";
import {
  topologySchema,
  type CollectorKind,
  type EcdsaCurve,
  type KeyAlgorithm,
  type TopologyInput,
} from "./topology-schema";
import { validateTopologyRelations } from "./validate-topology";

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
  readonly engine: EngineSpec;
  readonly collectors: readonly CollectorSpec[];
  readonly pki: PkiSpec;
}

export interface DockerHostSpec {
  readonly name: string;
  readonly url: string;
  readonly kind: DockerHostKind;
  readonly sshOpts?: readonly string[];
  readonly certPath?: string;
}

export interface TenantSpec {
  readonly name: string;
}

export interface NatsSpec {
  readonly host: string;
  readonly serverName: string;
  readonly dnsNames: readonly string[];
  readonly clientPort: number;
  readonly version: string;
  readonly image: string;
  readonly monitoring: { readonly port: number; readonly hostPort?: number; readonly hostIp: string };
  readonly maxPayload: number;
  readonly lameDuckDurationSeconds: number;
}

export interface EngineSpec {
  readonly host: string;
}

export interface CollectorSpec {
  readonly name: string;
  readonly tenant: string;
  readonly kind: CollectorKind;
  readonly host: string;
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
}

function keySpec(algorithm: KeyAlgorithm, ecdsaCurve?: EcdsaCurve, rsaBits?: number): KeySpec {
  if (algorithm === "ECDSA") return { algorithm, ecdsaCurve: ecdsaCurve ?? "P256" };
  if (algorithm === "RSA") return { algorithm, rsaBits: rsaBits ?? 2048 };
  return { algorithm };
}

/**
 * Validates a topology (from a file or from code) and returns it with every
 * default applied. Throws TopologyValidationError listing every problem.
 *
 * @param source names the input in the error message, e.g. the file path.
 */
export function resolveTopology(input: unknown, source = "topology"): Topology {
  const parsed = topologySchema.safeParse(input, { reportInput: true });
  const issues = [
    ...(parsed.success ? [] : schemaIssues(topologySchema, input, parsed.error.issues)),
    ...validateTopologyRelations(input),
  ];
  if (!parsed.success || issues.length > 0) throw new TopologyValidationError(issues, source);

  const value = parsed.data;
  return {
    name: value.name,
    organization: value.organization,
    hosts: value.hosts.map((host) => {
      const url = parseDockerHostUrl(host.url);
      // validateTopologyRelations has rejected every URL that does not parse.
      if (!url.ok) throw new Error(`unreachable: ${url.problem}`);
      return { ...host, kind: url.kind };
    }),
    tenants: value.tenants,
    nats: {
      ...value.nats,
      host: value.nats.host ?? value.engine.host,
      image: value.nats.image ?? `nats:${value.nats.version}-alpine`,
    },
    engine: value.engine,
    collectors: value.collectors,
    pki: {
      key: keySpec(value.pki.keyAlgorithm, value.pki.ecdsaCurve, value.pki.rsaBits),
      validityHours: value.pki.validityHours,
      caValidityHours: value.pki.caValidityHours,
      earlyRenewalHours: value.pki.earlyRenewalHours,
    },
  };
}

export type { TopologyInput };
