import { Fn, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import {
  clientIdentities,
  collectorIdentity,
  dedicatedEngineIdentity,
  engineIdentity,
  readerIdentity,
  natsServerDnsNames,
  natsServerSubject,
  type ClientIdentity,
} from "./core/identities";
import type { EngineSpec, Topology } from "./core/topology";
import { CertificateAuthority } from "./certificate-authority";
import { DockerHost } from "./docker-host";
import { IssuedCertificate } from "./issued-certificate";
import { NatsServer } from "./nats-server";
import { TornadoCollector } from "./tornado-collector";
import { TornadoEngine } from "./tornado-engine";
import { TornadoReader } from "./tornado-reader";

/** Props of a {@link TornadoTopology}. */
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
  /** The validated topology this construct was built from. */
  readonly topology: Topology;
  /** One DockerHost (and docker provider) per topology host, keyed by host name. */
  readonly hosts: ReadonlyMap<string, DockerHost>;
  /** The generated CA that issues every certificate of the topology. */
  readonly ca: CertificateAuthority;
  /** The NATS server's certificate, with a DNS SAN for every name clients use. */
  readonly serverCertificate: IssuedCertificate;
  /** The NATS server container. */
  readonly natsServer: NatsServer;
  /** Keyed by identity id (`<role>/<name>`). */
  readonly identities: ReadonlyMap<string, IssuedIdentity>;
  /** The shared engine; absent when every tenant opted out of it. */
  readonly engine?: TornadoEngine;
  /** Dedicated engines, keyed by engine name. */
  readonly dedicatedEngines: ReadonlyMap<string, TornadoEngine>;
  /** Keyed by collector name. */
  readonly collectors: ReadonlyMap<string, TornadoCollector>;
  /** Deployed readers, keyed by reader name (identity-only readers have a certificate, no container). */
  readonly readers: ReadonlyMap<string, TornadoReader>;

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
          // Read by Terraform at plan time; provider settings never enter state.
          caMaterial: host.caFile && Fn.file(host.caFile),
          certMaterial: host.certFile && Fn.file(host.certFile),
          keyMaterial: host.keyFile && Fn.file(host.keyFile),
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

    const engineOn = (engine: EngineSpec, id: string, identityId: string): TornadoEngine =>
      new TornadoEngine(this, id, {
        topology,
        engine,
        host: this.host(engine.host),
        ca: this.ca,
        certificate: this.certificateOf(identityId),
        dependsOn: engine.host === topology.nats.host ? [this.natsServer.container] : undefined,
      });
    this.engine = topology.engine && engineOn(topology.engine, "engine", engineIdentity(topology.organization).id);
    this.dedicatedEngines = new Map(
      topology.dedicatedEngines.map((engine) => [
        engine.name,
        engineOn(engine, `engine-${engine.name}`, dedicatedEngineIdentity(engine, topology.organization).id),
      ]),
    );

    this.readers = new Map(
      topology.readers
        .filter((reader) => reader.deploy !== undefined)
        .map((reader) => [
          reader.name,
          new TornadoReader(this, `reader-${reader.name}`, {
            topology,
            reader,
            host: this.host(reader.deploy?.host as string),
            ca: this.ca,
            certificate: this.certificateOf(readerIdentity(reader, topology.organization).id),
          }),
        ]),
    );

    // One sensitive variable per distinct Icinga2 password name.
    const passwords = new Map<string, TerraformVariable>();
    const passwordFor = (name: string): string => {
      let variable = passwords.get(name);
      if (!variable) {
        variable = new TerraformVariable(this, name, {
          type: "string",
          sensitive: true,
          description: "Icinga2 API password for the icinga2 collectors that name it",
          validation: [
            {
              // It is written into a TOML basic string as is. HCL source of the regex: "^[^\"\\\\\\x00-\\x1f]+$".
              condition: "${can(regex(" + String.raw`"^[^\"\\\\\\x00-\\x1f]+$"` + `, var.${name}))}`,
              errorMessage:
                "The Icinga2 password must be non-empty and contain no double quote, backslash or control character.",
            },
          ],
        });
        variable.overrideLogicalId(name);
        passwords.set(name, variable);
      }
      return variable.stringValue;
    };

    this.collectors = new Map(
      topology.collectors.map((collector) => [
        collector.name,
        new TornadoCollector(this, `collector-${collector.name}`, {
          topology,
          collector,
          host: this.host(collector.host),
          ca: this.ca,
          certificate: this.certificateOf(collectorIdentity(collector, topology.organization).id),
          icinga2Password: collector.icinga2 && passwordFor(collector.icinga2.passwordVariable),
        }),
      ]),
    );
  }

  private certificateOf(identityId: string): IssuedCertificate {
    const issued = this.identities.get(identityId);
    if (!issued) throw new Error(`no certificate for identity ${identityId}`);
    return issued.certificate;
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
