import { ENGINE_ACCOUNT, SYSTEM_ACCOUNT } from "./names";
import type { CollectorSpec, Topology } from "./topology";

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

export type ClientRole = "engine" | "collector" | "system";

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
  readonly subject: CertificateSubject;
  /** The exact user string nats-server's verify_and_map matches for this certificate. */
  readonly natsUser: string;
}

/** The CN of the shared engine's client certificate. */
export const ENGINE_COMMON_NAME = "tornado-engine";
/** The CN of the operator's system-account certificate. */
export const SYSTEM_COMMON_NAME = "nats-system";

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
): ClientIdentity {
  const subject = { commonName: name, organizationalUnit: account, organization };
  return { id: `${role}/${name}`, role, name, account, tenant, subject, natsUser: subjectDn(subject) };
}

/** A collector lives in its tenant's account; the OU names that account. */
export function collectorIdentity(collector: CollectorSpec, organization: string): ClientIdentity {
  return identity("collector", collector.name, collector.tenant, organization, collector.tenant);
}

export function engineIdentity(organization: string): ClientIdentity {
  return identity("engine", ENGINE_COMMON_NAME, ENGINE_ACCOUNT, organization);
}

export function systemIdentity(organization: string): ClientIdentity {
  return identity("system", SYSTEM_COMMON_NAME, SYSTEM_ACCOUNT, organization);
}

/**
 * Every client identity of a topology: the engine, each collector, and the
 * operator's system identity. Tenant names can never be ENGINE or SYS
 * (reserved), so OUs never collide across roles.
 */
export function clientIdentities(topology: Topology): ClientIdentity[] {
  return [
    engineIdentity(topology.organization),
    ...topology.collectors.map((collector) => collectorIdentity(collector, topology.organization)),
    systemIdentity(topology.organization),
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
