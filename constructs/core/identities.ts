import { ENGINE_ACCOUNT, ENGINE_COMMON_NAME, SYSTEM_ACCOUNT, SYSTEM_COMMON_NAME } from "./names";
import type { CollectorSpec, ReaderSpec, Topology } from "./topology";

/**
 * Identities: the single source for "which certificate subject does a
 * component get" and "which NATS user does that subject map to". The PKI
 * constructs put `subject` into the certificate; the NATS config renderer
 * writes `natsUser`; the tests and the smoke test read both. So a certificate
 * and its NATS user cannot drift apart.
 */

export interface CertificateSubject {
  readonly commonName: string;
  readonly organizationalUnit: string;
  readonly organization: string;
}

export type ClientRole = "engine" | "collector" | "reader" | "system";

export interface ClientIdentity {
  /** Stable key, `<role>/<name>`: used for output keys and construct ids. */
  readonly id: string;
  readonly role: ClientRole;
  /** The component's name (the certificate's CN). */
  readonly name: string;
  /** The NATS account the user lives in. */
  readonly account: string;
  /** The tenant, for identities that belong to one. */
  readonly tenant?: string;
  /** The tenants whose events this identity may read (engines and readers). */
  readonly reads: readonly string[];
  readonly subject: CertificateSubject;
  /** The exact user string nats-server's verify_and_map matches for this certificate. */
  readonly natsUser: string;
}

export { ENGINE_COMMON_NAME, SYSTEM_COMMON_NAME };

/**
 * The subject as nats-server prints it for verify_and_map: RFC 2253 order
 * (most specific first), the order Go's pkix.Name.String() produces for the
 * certificates the tls provider issues (RDN sequence O, OU, CN). Names and
 * organizations are restricted (names.ts) to characters that need no escaping.
 */
export function subjectDn(subject: CertificateSubject): string {
  return `CN=${subject.commonName},OU=${subject.organizationalUnit},O=${subject.organization}`;
}

function identity(
  role: ClientRole,
  name: string,
  account: string,
  organization: string,
  tenant?: string,
  reads: readonly string[] = [],
): ClientIdentity {
  const subject = { commonName: name, organizationalUnit: account, organization };
  return { id: `${role}/${name}`, role, name, account, tenant, reads, subject, natsUser: subjectDn(subject) };
}

/** A collector lives in its tenant's account; the OU names that account. */
export function collectorIdentity(collector: CollectorSpec, organization: string): ClientIdentity {
  return identity("collector", collector.name, collector.tenant, organization, collector.tenant);
}

/** The shared engine, in ENGINE, reading every tenant that shares with it. */
export function engineIdentity(organization: string, reads: readonly string[] = []): ClientIdentity {
  return identity("engine", ENGINE_COMMON_NAME, ENGINE_ACCOUNT, organization, undefined, reads);
}

/** A tenant's dedicated engine, in that tenant's account. */
export function dedicatedEngineIdentity(
  engine: { name: string; tenant?: string },
  organization: string,
): ClientIdentity {
  const tenant = engine.tenant as string;
  return identity("engine", engine.name, tenant, organization, tenant, [tenant]);
}

/**
 * A reader of one tenant lives in that tenant's account; a reader of several
 * lives in ENGINE, where every shared tenant's stream arrives prefixed, and
 * is allowed exactly its tenants' subjects there.
 */
export function readerIdentity(reader: ReaderSpec, organization: string): ClientIdentity {
  const single = reader.tenants.length === 1 ? reader.tenants[0] : undefined;
  return identity("reader", reader.name, single ?? ENGINE_ACCOUNT, organization, single, reader.tenants);
}

export function systemIdentity(organization: string): ClientIdentity {
  return identity("system", SYSTEM_COMMON_NAME, SYSTEM_ACCOUNT, organization);
}

/**
 * Every client identity of a topology: the shared engine, dedicated engines,
 * each collector and reader, and the operator's system identity. Tenant
 * names can never be ENGINE or SYS (reserved), and component names are
 * unique and never a reserved CN, so subjects never collide.
 */
export function clientIdentities(topology: Topology): ClientIdentity[] {
  const { organization } = topology;
  const shared = topology.tenants.filter((tenant) => tenant.sharedEngine).map((tenant) => tenant.name);
  return [
    ...(topology.engine ? [engineIdentity(organization, shared)] : []),
    ...topology.dedicatedEngines.map((engine) => dedicatedEngineIdentity(engine, organization)),
    ...topology.collectors.map((collector) => collectorIdentity(collector, organization)),
    ...topology.readers.map((reader) => readerIdentity(reader, organization)),
    systemIdentity(organization),
  ];
}

/** The NATS server's certificate subject. Clients verify it by its DNS SANs, not the CN. */
export function natsServerSubject(topology: Topology): CertificateSubject {
  return {
    commonName: topology.nats.serverName,
    organizationalUnit: "nats-server",
    organization: topology.organization,
  };
}

/**
 * DNS SANs of the server certificate: the names clients are configured with,
 * plus the container name used on the per-host Docker network.
 */
export function natsServerDnsNames(topology: Topology): string[] {
  const names = [...topology.nats.dnsNames];
  if (!names.some((name) => name.toLowerCase() === topology.nats.serverName.toLowerCase())) {
    names.push(topology.nats.serverName);
  }
  return names;
}
