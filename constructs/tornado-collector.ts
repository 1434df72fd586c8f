import { Container, type ContainerPorts } from "@cdktf/provider-docker/lib/container";
import { PrivateKey } from "@cdktf/provider-tls/lib/private-key";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { COLLECTOR_CONTAINER_PORTS, COLLECTOR_LAYOUTS, renderCollector } from "./core/collector-config";
import { natsExtraHostsFor } from "./core/tornado-config";
import type { CollectorSpec, Topology } from "./core/topology";
import type { CertificateMaterial, TrustAnchor } from "./certificate-material";
import {
  componentImage,
  fileUploads,
  hardenedContainer,
  httpHealthcheck,
  tlsUploads,
  type ImageKind,
} from "./component-container";
import type { DockerHost } from "./docker-host";

/** Props of a {@link TornadoCollector}. */
export interface TornadoCollectorProps {
  /** The validated topology (for the NATS address and names). */
  readonly topology: Topology;
  /** This collector, one of `topology.collectors`. */
  readonly collector: CollectorSpec;
  /** The Docker host the collector runs on. */
  readonly host: DockerHost;
  /** The CA the NATS server certificate chains to. */
  readonly ca: TrustAnchor;
  /** The collector's client certificate (its subject maps to a user in the tenant's account). */
  readonly certificate: CertificateMaterial;
  /**
   * For icinga2 collectors: the Icinga2 API password (e.g. a sensitive TerraformVariable's value).
   * @default none (required for icinga2)
   */
  readonly icinga2Password?: string;
  /**
   * Container name.
   * @default `tornado-collector-<name>`
   */
  readonly containerName?: string;
}

/**
 * One Tornado collector (or its canary) in a container on its own host, with
 * its own certificate and the configuration its kind reads: the TOML file
 * with `tornado_connection_channel.nats`, plus webhooks/, topics/ or
 * streams/; for snmptrapd, TORNADO_NATS_* environment variables.
 */
export class TornadoCollector extends Construct {
  /** The collector's `docker_container`. */
  readonly container: Container;
  /** Whether the collector runs this package's canary or an operator-supplied Tornado image. */
  readonly imageKind: ImageKind;
  /** Webhook id → token (a Terraform expression when generated: treat as secret). */
  readonly webhookTokens: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: TornadoCollectorProps) {
    super(scope, id);
    const { collector } = props;
    const { image, kind } = componentImage(props.host, collector.image);
    this.imageKind = kind;

    // No extra provider for randomness: a dedicated key from the tls
    // provider is random and lives in state like every other secret here.
    this.webhookTokens = Object.fromEntries(
      collector.webhooks.map((webhook) => [
        webhook.id,
        webhook.token ??
          Fn.sha256(new PrivateKey(this, `token-seed-${webhook.id}`, { algorithm: "ED25519" }).privateKeyPem),
      ]),
    );
    const rendered = renderCollector(props.topology, collector, {
      webhookTokens: this.webhookTokens,
      icinga2Password: props.icinga2Password,
    });

    const layout = COLLECTOR_LAYOUTS[collector.kind];
    const command = collector.command ?? (kind === "canary" ? layout.canaryCommand : layout.tornadoCommand);
    const containerPort = COLLECTOR_CONTAINER_PORTS[collector.kind];
    const ports: ContainerPorts[] =
      collector.published && containerPort !== undefined
        ? [
            {
              internal: containerPort,
              external: collector.published.port,
              ip: collector.published.hostIp,
              protocol: collector.published.protocol,
            },
          ]
        : [];

    this.container = new Container(this, "container", {
      // snmptrapd binds UDP 162, a privileged port.
      ...hardenedContainer(
        props.host,
        natsExtraHostsFor(props.topology, collector.host, collector.satellite),
        collector.kind === "snmptrapd" ? ["NET_BIND_SERVICE"] : [],
      ),
      name: props.containerName ?? `tornado-collector-${collector.name}`,
      image: image.imageId,
      command: command ? [...command] : undefined,
      env:
        Object.keys(rendered.env).length > 0
          ? Object.entries(rendered.env).map(([key, value]) => `${key}=${value}`)
          : undefined,
      ports,
      healthcheck:
        collector.kind === "webhook"
          ? httpHealthcheck(`http://127.0.0.1:${COLLECTOR_CONTAINER_PORTS.webhook}/ping`)
          : undefined,
      upload: [...fileUploads(rendered.files), ...tlsUploads(props.ca, props.certificate)],
    });
  }
}
