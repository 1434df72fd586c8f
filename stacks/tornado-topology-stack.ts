import { TlsProvider } from "@cdktf/provider-tls/lib/provider";
import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { permissionsFor } from "../constructs/core/nats-config";
import type { EngineSpec, Topology } from "../constructs/core/topology";
import { ExternalCertificate } from "../constructs/external-certificate";
import { IssuedCertificate } from "../constructs/issued-certificate";
import { TornadoTopology } from "../constructs/tornado-topology";

/** Props of a {@link TornadoTopologyStack}. */
export interface TornadoTopologyStackProps {
  /** A topology validated by `resolveTopology` or `loadTopologyFile`. */
  readonly topology: Topology;
}

/** Output names holding an identity's certificate and key, e.g. `identity_collector_webhook-acme_private_key_pem`. */
export function identityOutputNames(identityId: string): { certificate: string; privateKey: string } {
  const base = `identity_${identityId.replace("/", "_")}`;
  return { certificate: `${base}_certificate_pem`, privateKey: `${base}_private_key_pem` };
}

const WILDCARD_ADDRESSES = new Set(["0.0.0.0", "::"]);

/** IPv6 addresses go in brackets inside URLs. */
function urlHost(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}

/**
 * The deployable stack: the TornadoTopology plus the outputs an operator and
 * the smoke test need. Private keys appear only in sensitive outputs.
 */
export class TornadoTopologyStack extends TerraformStack {
  /** The topology's resources; its members give access to every construct inside. */
  readonly tornado: TornadoTopology;

  constructor(scope: Construct, id: string, props: TornadoTopologyStackProps) {
    super(scope, id);
    new TlsProvider(this, "tls");
    this.tornado = new TornadoTopology(this, "topology", { topology: props.topology });
    const { topology } = props;

    new TerraformOutput(this, "nats_urls", {
      value: this.tornado.natsUrls,
      description: "Client URLs of the NATS server (TLS with a client certificate only); the first is the primary.",
    });
    new TerraformOutput(this, "nats_server_name", {
      value: topology.nats.nodes[0].dnsNames[0],
      description: "The DNS name to verify the (first) NATS server's certificate against.",
    });
    new TerraformOutput(this, "nats_nodes", {
      value: topology.nats.nodes.map((node) => ({
        name: node.name,
        host: node.host,
        url: `tls://${node.dnsNames[0]}:${node.clientPort}`,
        server_name: node.dnsNames[0],
      })),
      description:
        "Every NATS server of the master site (one, or the cluster's nodes): its URL and the name its certificate carries.",
    });
    new TerraformOutput(this, "satellites", {
      value: Object.fromEntries(
        topology.satellites.map((satellite) => [
          satellite.name,
          {
            tenant: satellite.tenant,
            host: satellite.host,
            url: `tls://${satellite.dnsNames[0]}:${satellite.clientPort}`,
            server_name: satellite.dnsNames[0],
            collectors: topology.collectors
              .filter((collector) => collector.satellite === satellite.name)
              .map((collector) => collector.name),
          },
        ]),
      ),
      description:
        "Satellite NATS servers (leaf nodes of the master): tenant, URL, the name to verify, and the collectors that use them.",
    });
    new TerraformOutput(this, "ca_certificate_pem", {
      value: this.tornado.trust.certPem,
      description:
        "The CA certificate(s) every component trusts: the generated CA, pki.externalCaFile, or both (PEM bundle).",
    });
    new TerraformOutput(this, "tenants", {
      value: topology.tenants.map((tenant) => tenant.name),
      description: "Tenant names; each is a NATS account and the prefix of its engine subject.",
    });

    const index: Record<string, unknown> = {};
    for (const { identity, certificate } of this.tornado.identities.values()) {
      const names = identityOutputNames(identity.id);
      const permissions = permissionsFor(identity, topology);
      index[identity.id] = {
        role: identity.role,
        name: identity.name,
        // cdktf cannot synthesize null inside an output value: absent fields are left out.
        ...(identity.tenant === undefined ? {} : { tenant: identity.tenant }),
        ...(identity.reads.length === 0 ? {} : { reads: identity.reads }),
        account: identity.account,
        nats_user: identity.natsUser,
        ...(permissions === undefined ? {} : { publish: permissions.publish, subscribe: permissions.subscribe }),
        certificate_output: names.certificate,
        // External PKI: the key stays in the operator's file and never becomes an output.
        ...(certificate instanceof ExternalCertificate
          ? {
              certificate_file: certificate.certFile,
              ...(certificate.keyFile === undefined ? {} : { private_key_file: certificate.keyFile }),
            }
          : { private_key_output: names.privateKey }),
      };
      new TerraformOutput(this, names.certificate, {
        value: certificate.certPem,
        sensitive: true,
        description: `Client certificate of ${identity.id} (${identity.natsUser}).`,
      });
      if (certificate instanceof IssuedCertificate) {
        new TerraformOutput(this, names.privateKey, {
          value: certificate.privateKeyPemPkcs8,
          sensitive: true,
          description: `PKCS#8 private key of ${identity.id}.`,
        });
      }
    }
    const apiUrl = (engine: EngineSpec): string => `http://${urlHost(engine.apiHostIp)}:${engine.apiPort}`;
    if (topology.engine && this.tornado.engine) {
      new TerraformOutput(this, "engine_api_url", {
        value: apiUrl(topology.engine),
        description: "The shared engine's API (GET /monitoring/ping), published on its host's loopback only.",
      });
      new TerraformOutput(this, "engine_image_kind", {
        value: this.tornado.engine.imageKind,
        description: '"canary" when the engine is this package\'s canary, "tornado" for an operator-supplied image.',
      });
    }
    const engines: Record<string, unknown> = {};
    for (const engine of [...(topology.engine ? [topology.engine] : []), ...topology.dedicatedEngines]) {
      const construct =
        engine.tenant === undefined ? this.tornado.engine : this.tornado.dedicatedEngines.get(engine.name);
      engines[engine.name] = {
        ...(engine.tenant === undefined ? { shared: true } : { shared: false, tenant: engine.tenant }),
        host: engine.host,
        api_url: apiUrl(engine),
        image_kind: construct?.imageKind ?? "tornado",
      };
    }
    new TerraformOutput(this, "engines", {
      value: engines,
      description:
        "Every engine: shared or dedicated (with its tenant), host, API URL on that host's loopback, image kind.",
    });
    const webhookEndpoints: Record<string, unknown> = {};
    for (const collector of topology.collectors.filter((candidate) => candidate.kind === "webhook")) {
      const construct = this.tornado.collectors.get(collector.name);
      const published = collector.published;
      if (!construct || !published) continue;
      const host = topology.hosts.find((candidate) => candidate.name === collector.host);
      const address = WILDCARD_ADDRESSES.has(published.hostIp)
        ? host?.kind === "local"
          ? "127.0.0.1"
          : (host?.address ?? "127.0.0.1")
        : published.hostIp;
      for (const webhook of collector.webhooks) {
        webhookEndpoints[`${collector.name}/${webhook.id}`] = {
          collector: collector.name,
          tenant: collector.tenant,
          url: `http://${urlHost(address)}:${published.port}/event/${webhook.id}`,
          token: construct.webhookTokens[webhook.id],
          image_kind: construct.imageKind,
        };
      }
    }
    new TerraformOutput(this, "webhook_endpoints", {
      value: webhookEndpoints,
      sensitive: true,
      description: "Webhook collectors: POST <url>?token=<token> with a JSON body. Sensitive: carries the tokens.",
    });

    new TerraformOutput(this, "identities", {
      value: index,
      description:
        "Every client identity: role, tenant, NATS account and user, permissions, and the names of its sensitive outputs.",
    });
  }
}
