import { readFileSync } from "node:fs";
import { Annotations, Fn, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import {
  clientIdentities,
  collectorIdentity,
  dedicatedEngineIdentity,
  engineIdentity,
  readerIdentity,
  satelliteIdentity,
  natsServerDnsNames,
  natsServerSubject,
  type ClientIdentity,
} from "./core/identities";
import { masterNodeRuntime, NATS_CONTAINER_CLIENT_PORT, renderNatsConfig } from "./core/nats-config";
import { leafRemoteUrls, renderSatelliteConfig } from "./core/satellite-config";
import { externalTlsOf, needsGeneratedCa } from "./core/external-pki";
import type { EngineSpec, TlsFiles, Topology } from "./core/topology";
import { topologyWarnings } from "./core/topology-warnings";
import { CertificateAuthority } from "./certificate-authority";
import { DockerHost } from "./docker-host";
import type { CertificateMaterial, TrustAnchor } from "./certificate-material";
import { ExternalCertificate } from "./external-certificate";
import { IssuedCertificate, type IssuedCertificateProps } from "./issued-certificate";
import { NATS_CONTAINER_PATHS, NatsServer, type NatsServerProps } from "./nats-server";
import { TornadoCollector } from "./tornado-collector";
import { TornadoEngine } from "./tornado-engine";
import { TornadoReader } from "./tornado-reader";

/** What every NATS container of a topology shares: image, client port, monitoring, lame duck. */
function natsServerSettings(
  topology: Topology,
): Pick<NatsServerProps, "image" | "monitoringPort" | "monitoringPublished" | "lameDuckDurationSeconds"> {
  const { nats } = topology;
  return {
    image: nats.image,
    monitoringPort: nats.monitoring.port,
    monitoringPublished:
      nats.monitoring.hostPort === undefined
        ? undefined
        : { ip: nats.monitoring.hostIp, port: nats.monitoring.hostPort },
    lameDuckDurationSeconds: nats.lameDuckDurationSeconds,
  };
}

/** Props of a {@link TornadoTopology}. */
export interface TornadoTopologyProps {
  /** A topology validated by `resolveTopology` or `loadTopologyFile`. */
  readonly topology: Topology;
}

/** A client identity with its certificate: generated, or supplied (external PKI). */
export interface IssuedIdentity {
  readonly identity: ClientIdentity;
  readonly certificate: CertificateMaterial;
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
  /** The generated CA, or undefined when every certificate is supplied (external PKI). */
  readonly generatedCa?: CertificateAuthority;
  /** What every component trusts: the generated CA, pki.externalCaFile, or both. */
  readonly trust: TrustAnchor;
  /** The (first) NATS server's certificate, with a DNS SAN for every name clients use. */
  readonly serverCertificate: CertificateMaterial;
  /** The (first) NATS server of the master site. */
  readonly natsServer: NatsServer;
  /** Every NATS server of the master site (one, or the cluster's nodes), keyed by server name. */
  readonly natsServers: ReadonlyMap<string, NatsServer>;
  /** Satellite NATS servers (leaf nodes), keyed by satellite name. */
  readonly satellites: ReadonlyMap<string, NatsServer>;
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

    const identities = clientIdentities(topology);
    // With every certificate supplied, nothing is generated: no private key enters the state.
    const ca = needsGeneratedCa(topology, identities)
      ? new CertificateAuthority(this, "ca", {
          organization: topology.organization,
          key: pki.key,
          validityHours: pki.caValidityHours,
          earlyRenewalHours: pki.earlyRenewalHours,
        })
      : undefined;
    this.generatedCa = ca;
    // The operator's CA is public and was checked at resolve time; its PEM goes into the bundle as read.
    const externalCaPem =
      pki.externalCaFile === undefined ? "" : readFileSync(pki.externalCaFile, "utf8").trim() + "\n";
    this.trust = { certPem: ca ? `${ca.certPem}${externalCaPem}` : externalCaPem };
    const certificate = (
      id: string,
      files: TlsFiles | undefined,
      props: Omit<IssuedCertificateProps, "ca" | "validityHours" | "earlyRenewalHours">,
    ): CertificateMaterial =>
      files
        ? new ExternalCertificate(this, id, files)
        : new IssuedCertificate(this, id, {
            ...props,
            ca: ca as CertificateAuthority,
            validityHours: pki.validityHours,
            earlyRenewalHours: pki.earlyRenewalHours,
          });

    this.identities = new Map(
      identities.map((identity) => [
        identity.id,
        {
          identity,
          certificate: certificate(`cert-${identity.role}-${identity.name}`, externalTlsOf(topology, identity), {
            subject: identity.subject,
            usage: "client",
          }),
        },
      ]),
    );

    // Legal but unwise shapes: cdktf prints these at synth without failing it.
    for (const warning of topologyWarnings(topology)) {
      Annotations.of(this).addWarning(`${warning.path}: ${warning.message}`);
    }

    // A single server keeps the construct ids it always had; cluster nodes are named.
    const single = topology.nats.cluster === undefined;
    const serverCertificates = new Map<string, CertificateMaterial>();
    this.natsServers = new Map(
      topology.nats.nodes.map((node) => {
        const serverCertificate = certificate(single ? "nats-server-cert" : `nats-server-cert-${node.name}`, node.tls, {
          subject: natsServerSubject(node, topology.organization),
          // Cluster routes present the node's certificate as a client too.
          usage: single ? "server" : "server-and-client",
          dnsNames: natsServerDnsNames(node),
        });
        serverCertificates.set(node.name, serverCertificate);
        const server = new NatsServer(this, single ? "nats" : `nats-${node.name}`, {
          ...natsServerSettings(topology),
          host: this.host(node.host),
          name: node.name,
          config: renderNatsConfig(topology, masterNodeRuntime(topology, node, NATS_CONTAINER_PATHS), node),
          ca: this.trust,
          certificate: serverCertificate,
          clientPort: node.clientPort,
          clusterPort: node.clusterPort,
          leafnodePort: topology.satellites.length > 0 ? node.leafnodePort : undefined,
        });
        return [node.name, server];
      }),
    );
    const [firstNode] = topology.nats.nodes;
    this.natsServer = this.natsServers.get(firstNode.name) as NatsServer;
    this.serverCertificate = serverCertificates.get(firstNode.name) as CertificateMaterial;

    this.satellites = new Map(
      topology.satellites.map((satellite) => {
        const satelliteCertificate = certificate(`satellite-cert-${satellite.name}`, satellite.tls, {
          subject: natsServerSubject(satellite, topology.organization),
          usage: "server",
          dnsNames: natsServerDnsNames(satellite),
        });
        const server = new NatsServer(this, `satellite-${satellite.name}`, {
          ...natsServerSettings(topology),
          clientPort: satellite.clientPort,
          host: this.host(satellite.host),
          name: satellite.name,
          config: renderSatelliteConfig(topology, satellite, {
            listenHost: "0.0.0.0",
            listenPort: NATS_CONTAINER_CLIENT_PORT,
            monitoringListen: `127.0.0.1:${topology.nats.monitoring.port}`,
            certFile: NATS_CONTAINER_PATHS.certFile,
            keyFile: NATS_CONTAINER_PATHS.keyFile,
            caFile: NATS_CONTAINER_PATHS.caFile,
            leafRemoteUrls: leafRemoteUrls(topology),
            leafCertFile: NATS_CONTAINER_PATHS.leafCertFile,
            leafKeyFile: NATS_CONTAINER_PATHS.leafKeyFile,
          }),
          ca: this.trust,
          certificate: satelliteCertificate,
          leafIdentity: this.certificateOf(satelliteIdentity(satellite, topology.organization).id),
          // Satellites publish no monitoring endpoint.
          monitoringPublished: undefined,
        });
        return [satellite.name, server];
      }),
    );

    const engineOn = (engine: EngineSpec, id: string, identityId: string): TornadoEngine =>
      new TornadoEngine(this, id, {
        topology,
        engine,
        host: this.host(engine.host),
        ca: this.trust,
        certificate: this.certificateOf(identityId),
        // Start after the NATS server on the same host, if any (the engine reconnects anyway).
        dependsOn: topology.nats.nodes
          .filter((node) => node.host === engine.host)
          .map((node) => (this.natsServers.get(node.name) as NatsServer).container),
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
            ca: this.trust,
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
          ca: this.trust,
          certificate: this.certificateOf(collectorIdentity(collector, topology.organization).id),
          icinga2Password: collector.icinga2 && passwordFor(collector.icinga2.passwordVariable),
        }),
      ]),
    );
  }

  /**
   * The generated CA that issues every generated certificate; use it to
   * issue certificates of your own. Throws when there is none: with every
   * certificate supplied (external PKI) nothing is generated.
   */
  get ca(): CertificateAuthority {
    if (!this.generatedCa) {
      throw new Error(
        `${this.node.path}: there is no generated CA: every certificate is supplied (pki.externalCaFile); use your CA`,
      );
    }
    return this.generatedCa;
  }

  private certificateOf(identityId: string): CertificateMaterial {
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

  /**
   * Client URLs, `tls://<dns-name>:<client-port>`: a single server's every
   * DNS name, or each cluster node's first DNS name. The first is the primary.
   */
  get natsUrls(): string[] {
    const { nats } = this.topology;
    if (nats.cluster) return nats.nodes.map((node) => `tls://${node.dnsNames[0]}:${node.clientPort}`);
    const [server] = nats.nodes;
    return server.dnsNames.map((name) => `tls://${name}:${server.clientPort}`);
  }
}
