import { Container } from "@cdktf/provider-docker/lib/container";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import {
  defaultRulesFiles,
  ENGINE_COMMANDS,
  ENGINE_CONTAINER_API_PORT,
  ENGINE_RULES_DIR,
  renderEngineFiles,
} from "./core/engine-config";
import { filesUnder } from "./core/local-files";
import { natsExtraHostsFor } from "./core/tornado-config";
import type { EngineSpec, Topology } from "./core/topology";
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

/** Props of a {@link TornadoEngine}. */
export interface TornadoEngineProps {
  /** The validated topology (for the NATS address). */
  readonly topology: Topology;
  /** This engine: `topology.engine` (shared) or one of `topology.dedicatedEngines`. */
  readonly engine: EngineSpec;
  /** The Docker host the engine runs on. */
  readonly host: DockerHost;
  /** The CA the NATS server certificate chains to. */
  readonly ca: TrustAnchor;
  /** The engine's client certificate (its subject maps to the ENGINE account's user). */
  readonly certificate: CertificateMaterial;
  /**
   * Resources to create first, e.g. the NATS container on the same host.
   * @default none
   */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * Container name.
   * @default "tornado-engine" for the shared engine, `tornado-engine-<name>` for a dedicated one
   */
  readonly containerName?: string;
}

/**
 * A Tornado engine (or its canary) in a container, shared or dedicated to
 * one tenant: tornado.toml, the
 * executor files and rules.d rendered from the topology, the client
 * certificate at the shared TLS layout, the API published on the host's
 * loopback only, and a healthcheck on /monitoring/ping.
 */
export class TornadoEngine extends Construct {
  /** The engine's `docker_container`. */
  readonly container: Container;
  /** Whether the engine runs this package's canary or an operator-supplied Tornado image. */
  readonly imageKind: ImageKind;

  constructor(scope: Construct, id: string, props: TornadoEngineProps) {
    super(scope, id);
    const { engine } = props;
    const { image, kind } = componentImage(props.host, engine.image);
    this.imageKind = kind;

    const rulesUploads = engine.rulesDir
      ? filesUnder(engine.rulesDir, "engine.rulesDir").map((file) => ({
          file: `${ENGINE_RULES_DIR}/${file.relativePath}`,
          source: file.source,
          sourceHash: file.sha256,
          permissions: "0444",
        }))
      : fileUploads(defaultRulesFiles());

    this.container = new Container(this, "container", {
      ...hardenedContainer(props.host, natsExtraHostsFor(props.topology, engine.host)),
      name: props.containerName ?? (engine.tenant === undefined ? "tornado-engine" : `tornado-engine-${engine.name}`),
      image: image.imageId,
      command: [...(engine.command ?? ENGINE_COMMANDS[kind])],
      ports: [{ internal: ENGINE_CONTAINER_API_PORT, external: engine.apiPort, ip: engine.apiHostIp, protocol: "tcp" }],
      healthcheck: httpHealthcheck(`http://127.0.0.1:${ENGINE_CONTAINER_API_PORT}/monitoring/ping`),
      upload: [
        ...fileUploads(renderEngineFiles(props.topology, engine)),
        ...rulesUploads,
        ...tlsUploads(props.ca, props.certificate),
      ],
      dependsOn: props.dependsOn,
    });
  }
}
