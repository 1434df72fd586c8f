import { Construct } from "constructs";
import { clientIdentities, natsServerDnsNames, natsServerSubject, type ClientIdentity } from "./core/identities";
import type { Topology } from "./core/topology";
import { CertificateAuthority } from "./certificate-authority";
import { DockerHost } from "./docker-host";
import { IssuedCertificate } from "./issued-certificate";
import { NatsServer } from "./nats-server";

export interface TornadoTopologyProps {
  /** A topology validated by `resolveTopology` or `loadTopologyFile`. */
  readonly topology: Topology;
}

/** A client identity with the certificate issued for it. */
export interface IssuedIdentity {
  readonly identity: ClientIdentity;
  readonly certificate: IssuedCertificate;
}

/**
 * The whole secured topology in one construct: a Docker provider per host,
 * the CA, the NATS server certificate and container, and one client
 * certificate per identity (engine, collectors, system). Needs a `tls`
 * provider in its stack; TornadoTopologyStack provides one.
 */
export class TornadoTopology extends Construct {
  readonly topology: Topology;
  readonly hosts: ReadonlyMap<string, DockerHost>;
  readonly ca: CertificateAuthority;
  readonly serverCertificate: IssuedCertificate;
  readonly natsServer: NatsServer;
  /** Keyed by identity id (`<role>/<name>`). */
  readonly identities: ReadonlyMap<string, IssuedIdentity>;

  constructor(scope: Construct, id: string, props: TornadoTopologyProps) {
    super(scope, id);
    const { topology } = props;
    const { pki } = topology;
    this.topology = topology;

    this.hosts = new Map(
      topology.hosts.map((host) => [
        host.name,
        new DockerHost(this, `host-${host.name}`, {
          name: host.name,
          url: host.url,
          sshOpts: host.sshOpts ? [...host.sshOpts] : undefined,
          certPath: host.certPath,
        }),
      ]),
    );

    this.ca = new CertificateAuthority(this, "ca", {
      organization: topology.organization,
      key: pki.key,
      validityHours: pki.caValidityHours,
      earlyRenewalHours: pki.earlyRenewalHours,
    });
    const leaf = { ca: this.ca, validityHours: pki.validityHours, earlyRenewalHours: pki.earlyRenewalHours };

    this.serverCertificate = new IssuedCertificate(this, "nats-server-cert", {
      ...leaf,
      subject: natsServerSubject(topology),
      usage: "server",
      dnsNames: natsServerDnsNames(topology),
    });

    this.identities = new Map(
      clientIdentities(topology).map((identity) => [
        identity.id,
        {
          identity,
          certificate: new IssuedCertificate(this, `cert-${identity.role}-${identity.name}`, {
            ...leaf,
            subject: identity.subject,
            usage: "client",
          }),
        },
      ]),
    );

    this.natsServer = new NatsServer(this, "nats", {
      topology,
      host: this.host(topology.nats.host),
      ca: this.ca,
      certificate: this.serverCertificate,
    });
  }

  /** The DockerHost construct for a host name of the topology. */
  host(name: string): DockerHost {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`unknown host "${name}"; declared: ${[...this.hosts.keys()].join(", ")}`);
    return host;
  }

  /** `tls://<dns-name>:<client-port>` for every DNS name clients may use; the first is the primary. */
  get natsUrls(): string[] {
    return this.topology.nats.dnsNames.map((name) => `tls://${name}:${this.topology.nats.clientPort}`);
  }
}
