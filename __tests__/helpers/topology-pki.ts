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
  /** The first master server's certificate. */
  readonly server: ServerPair;
  /** Every NATS server's certificate (master nodes and satellites), by server name. */
  readonly servers: ReadonlyMap<string, ServerPair>;
  readonly clients: ReadonlyMap<string, PemPair & { readonly identity: ClientIdentity }>;
}

export type ServerPair = PemPair & { readonly certFile: string; readonly keyFile: string };

export async function issueTopologyPki(topology: Topology, dir: string): Promise<TopologyPki> {
  const ca = await createCertificateAuthority(
    `${topology.organization} Tornado NATS CA`,
    topology.organization,
    topology.pki.key,
  );
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, ca.certPem);

  const servers = new Map<string, ServerPair>();
  const clustered = topology.nats.cluster !== undefined;
  const issueServer = async (
    server: { name: string; dnsNames: readonly string[] },
    usage: "server" | "server-and-client",
  ) => {
    const pair = await issueCertificate(ca, {
      subject: natsServerSubject(server, topology.organization),
      usage,
      dnsNames: natsServerDnsNames(server),
    });
    const certFile = join(dir, `${server.name}.pem`);
    const keyFile = join(dir, `${server.name}-key.pem`);
    writeFileSync(certFile, pair.certPem);
    writeFileSync(keyFile, pair.keyPem, { mode: 0o400 });
    servers.set(server.name, { ...pair, certFile, keyFile });
  };
  for (const node of topology.nats.nodes) await issueServer(node, clustered ? "server-and-client" : "server");
  for (const satellite of topology.satellites) await issueServer(satellite, "server");

  const clients = new Map<string, PemPair & { identity: ClientIdentity }>();
  await Promise.all(
    clientIdentities(topology).map(async (identity) => {
      const pair = await issueCertificate(ca, { subject: identity.subject, usage: "client" });
      clients.set(identity.id, { ...pair, identity });
    }),
  );
  return { ca, caFile, server: servers.get(topology.nats.nodes[0].name) as ServerPair, servers, clients };
}
