import { Container } from "@cdktf/provider-docker/lib/container";
import { Construct } from "constructs";
import {
  NATS_CONTAINER_CLIENT_PORT,
  renderNatsConfig,
  serializeNatsConfig,
  type NatsServerConfig,
} from "./core/nats-config";
import type { Topology } from "./core/topology";
import type { CertificateAuthority } from "./certificate-authority";
import type { DockerHost } from "./docker-host";
import type { IssuedCertificate } from "./issued-certificate";

/** Where the NATS container finds its files. */
export const NATS_CONTAINER_PATHS = {
  config: "/etc/nats/nats.json",
  caFile: "/etc/nats/certs/ca.pem",
  certFile: "/etc/nats/certs/server.pem",
  keyFile: "/etc/nats/certs/server-key.pem",
} as const;

/** Props of a {@link NatsServer}. */
export interface NatsServerProps {
  /** The validated topology: accounts, users and NATS settings come from it. */
  readonly topology: Topology;
  /** The Docker host the server runs on. */
  readonly host: DockerHost;
  /** The CA client certificates must be signed by. */
  readonly ca: CertificateAuthority;
  /** The server certificate, with a DNS SAN for every name clients use. */
  readonly certificate: IssuedCertificate;
}

/**
 * The NATS server container: TLS-only with verify_and_map, one account per
 * tenant, the config rendered from the topology and uploaded as JSON with the
 * CA, certificate and key. Stopping it sends SIGUSR2 (lame duck mode) and
 * waits for clients to move before Docker kills it.
 */
export class NatsServer extends Construct {
  /** The NATS server's `docker_container`. */
  readonly container: Container;
  /** The rendered config, as uploaded. */
  readonly config: NatsServerConfig;

  constructor(scope: Construct, id: string, props: NatsServerProps) {
    super(scope, id);
    const { nats } = props.topology;
    const monitoringPublished = nats.monitoring.hostPort !== undefined;
    // Unpublished, the monitoring endpoint binds the container's loopback, so
    // only the healthcheck reaches it, not other containers on the network.
    const monitoringHost = monitoringPublished ? "0.0.0.0" : "127.0.0.1";
    this.config = renderNatsConfig(props.topology, {
      listenHost: "0.0.0.0",
      listenPort: NATS_CONTAINER_CLIENT_PORT,
      monitoringListen: `${monitoringHost}:${nats.monitoring.port}`,
      certFile: NATS_CONTAINER_PATHS.certFile,
      keyFile: NATS_CONTAINER_PATHS.keyFile,
      caFile: NATS_CONTAINER_PATHS.caFile,
    });

    const stopTimeoutSeconds = nats.lameDuckDurationSeconds + 15;
    this.container = new Container(this, "container", {
      provider: props.host.provider,
      name: nats.serverName,
      hostname: nats.serverName,
      image: props.host.image(nats.image).imageId,
      command: ["-c", NATS_CONTAINER_PATHS.config],
      restart: "unless-stopped",
      mustRun: true,
      // nats-server needs no capability (its ports are above 1024).
      capabilities: { drop: ["ALL"] },
      securityOpts: ["no-new-privileges:true"],
      stopSignal: "SIGUSR2",
      stopTimeout: stopTimeoutSeconds,
      destroyGraceSeconds: stopTimeoutSeconds,
      networksAdvanced: [{ name: props.host.sharedNetwork.name }],
      ports: [
        { internal: NATS_CONTAINER_CLIENT_PORT, external: nats.clientPort, protocol: "tcp" },
        ...(monitoringPublished
          ? [{ internal: nats.monitoring.port, external: nats.monitoring.hostPort, ip: nats.monitoring.hostIp }]
          : []),
      ],
      healthcheck: {
        test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${nats.monitoring.port}/healthz`],
        interval: "10s",
        timeout: "3s",
        retries: 3,
        startPeriod: "5s",
      },
      upload: [
        { file: NATS_CONTAINER_PATHS.config, content: serializeNatsConfig(this.config), permissions: "0444" },
        { file: NATS_CONTAINER_PATHS.caFile, content: props.ca.certPem, permissions: "0444" },
        { file: NATS_CONTAINER_PATHS.certFile, content: props.certificate.certPem, permissions: "0444" },
        // The official image runs as root, which owns uploaded files: 0400 leaves the key to it alone.
        { file: NATS_CONTAINER_PATHS.keyFile, content: props.certificate.privateKeyPemPkcs8, permissions: "0400" },
      ],
    });
  }
}
