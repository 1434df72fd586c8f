import { ENGINE_ACCOUNT, ENGINE_COMMON_NAME, NATS_SERVER_UNIT, SYSTEM_ACCOUNT, SYSTEM_COMMON_NAME } from "./names";
import type { CollectorSpec, ReaderSpec, SatelliteSpec, Topology } from "./topology";

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

export type ClientRole = "engine" | "collector" | "reader" | "satellite" | "system";

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

/**
 * A satellite's leaf connection to the master: mapped to a user in its
 * tenant's account there, usable only as a leaf node.
 */
export function satelliteIdentity(satellite: SatelliteSpec, organization: string): ClientIdentity {
  return identity("satellite", satellite.name, satellite.tenant, organization, satellite.tenant);
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
    ...topology.satellites.map((satellite) => satelliteIdentity(satellite, organization)),
    systemIdentity(organization),
  ];
}

/** A NATS server (master node or satellite): its name and the DNS names clients and routes reach it by. */
export interface NatsServerIdentity {
  readonly name: string;
  readonly dnsNames: readonly string[];
}

/** A NATS server's certificate subject. Clients and routes verify it by its DNS SANs, not the CN. */
export function natsServerSubject(server: NatsServerIdentity, organization: string): CertificateSubject {
  return { commonName: server.name, organizationalUnit: NATS_SERVER_UNIT, organization };
}

/**
 * DNS SANs of a NATS server's certificate: the names clients (and routes)
 * are configured with, plus its container name used on the per-host Docker
 * network.
 */
export function natsServerDnsNames(server: NatsServerIdentity): string[] {
  const names = [...server.dnsNames];
  if (!names.some((name) => name.toLowerCase() === server.name.toLowerCase())) names.push(server.name);
  return names;
}
