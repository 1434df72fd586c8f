import { Container } from "@cdktf/provider-docker/lib/container";
import { Construct } from "constructs";
import { renderReader } from "./core/reader-config";
import { natsExtraHostsFor } from "./core/tornado-config";
import type { ReaderSpec, Topology } from "./core/topology";
import type { CertificateMaterial, TrustAnchor } from "./certificate-material";
import { componentImage, fileUploads, hardenedContainer, tlsUploads } from "./component-container";
import type { DockerHost } from "./docker-host";

/** Props of a {@link TornadoReader}. */
export interface TornadoReaderProps {
  /** The validated topology (for the NATS address and the reader's subjects). */
  readonly topology: Topology;
  /** This reader, one of `topology.readers`, with `deploy` set. */
  readonly reader: ReaderSpec;
  /** The Docker host it runs on. */
  readonly host: DockerHost;
  /** The CA the NATS server certificate chains to. */
  readonly ca: TrustAnchor;
  /** The reader's client certificate. */
  readonly certificate: CertificateMaterial;
  /**
   * Container name.
   * @default `tornado-reader-<name>`
   */
  readonly containerName?: string;
}

/**
 * A deployed reader: the operator's image, its certificate at the shared TLS
 * layout, and /etc/tornado-nats/reader.json plus TORNADO_NATS_* variables
 * telling it where NATS is and which subjects it may read.
 */
export class TornadoReader extends Construct {
  /** The reader's container. */
  readonly container: Container;

  constructor(scope: Construct, id: string, props: TornadoReaderProps) {
    super(scope, id);
    const { reader } = props;
    if (!reader.deploy) throw new Error(`reader ${reader.name} has no host: it is an identity only`);
    const rendered = renderReader(props.topology, reader);
    this.container = new Container(this, "container", {
      ...hardenedContainer(props.host, natsExtraHostsFor(props.topology, reader.deploy.host)),
      name: props.containerName ?? `tornado-reader-${reader.name}`,
      image: componentImage(props.host, reader.deploy.image).image.imageId,
      command: reader.deploy.command ? [...reader.deploy.command] : undefined,
      env: Object.entries(rendered.env).map(([key, value]) => `${key}=${value}`),
      upload: [...fileUploads(rendered.files), ...tlsUploads(props.ca, props.certificate)],
    });
  }
}
