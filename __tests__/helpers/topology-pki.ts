import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  clientIdentities,
  natsServerDnsNames,
  natsServerSubject,
  type ClientIdentity,
} from "../../constructs/core/identities";
import type { Topology } from "../../constructs/core/topology";
import {
  createCertificateAuthority,
  issueCertificate,
  type LocalCertificateAuthority,
  type PemPair,
} from "../../smoke/local-pki";

/**
 * The PKI the stack would generate, made locally: the same CA settings, the
 * server certificate with the same DNS SANs, and one client certificate per
 * identity with the subject `identities.ts` gives it. Files are written to
 * `dir` with the key files at mode 0400.
 */
export interface TopologyPki {
  readonly ca: LocalCertificateAuthority;
  readonly caFile: string;
  readonly server: PemPair & { readonly certFile: string; readonly keyFile: string };
  readonly clients: ReadonlyMap<string, PemPair & { readonly identity: ClientIdentity }>;
}

export async function issueTopologyPki(topology: Topology, dir: string): Promise<TopologyPki> {
  const ca = await createCertificateAuthority(
    `${topology.organization} Tornado NATS CA`,
    topology.organization,
    topology.pki.key,
  );
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, ca.certPem);

  const server = await issueCertificate(ca, {
    subject: natsServerSubject(topology),
    usage: "server",
    dnsNames: natsServerDnsNames(topology),
  });
  const certFile = join(dir, "server.pem");
  const keyFile = join(dir, "server-key.pem");
  writeFileSync(certFile, server.certPem);
  writeFileSync(keyFile, server.keyPem, { mode: 0o400 });

  const clients = new Map<string, PemPair & { identity: ClientIdentity }>();
  await Promise.all(
    clientIdentities(topology).map(async (identity) => {
      const pair = await issueCertificate(ca, { subject: identity.subject, usage: "client" });
      clients.set(identity.id, { ...pair, identity });
    }),
  );
  return { ca, caFile, server: { ...server, certFile, keyFile }, clients };
}
