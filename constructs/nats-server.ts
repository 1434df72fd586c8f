import { Container, type ContainerPorts, type ContainerUpload } from "@cdktf/provider-docker/lib/container";
import { Construct } from "constructs";
import { NATS_CONTAINER_CLIENT_PORT, serializeNatsConfig, type NatsServerConfig } from "./core/nats-config";
import type { CertificateMaterial, TrustAnchor } from "./certificate-material";
import type { DockerHost } from "./docker-host";

/** Where a NATS container finds its files. */
export const NATS_CONTAINER_PATHS = {
  config: "/etc/nats/nats.json",
  caFile: "/etc/nats/certs/ca.pem",
  certFile: "/etc/nats/certs/server.pem",
  keyFile: "/etc/nats/certs/server-key.pem",
  /** A satellite's identity towards the master (its leaf connection). */
  leafCertFile: "/etc/nats/certs/leaf.pem",
  leafKeyFile: "/etc/nats/certs/leaf-key.pem",
} as const;

/** Props of a {@link NatsServer}. */
export interface NatsServerProps {
  /** The Docker host the server runs on. */
  readonly host: DockerHost;
  /** server_name and container name. */
  readonly name: string;
  /** The image, e.g. `nats:2.15.3-alpine`. */
  readonly image: string;
  /** The rendered config, with the paths of {@link NATS_CONTAINER_PATHS}. */
  readonly config: NatsServerConfig;
  /** The CA client certificates must be signed by. */
  readonly ca: TrustAnchor;
  /** The server certificate, with a DNS SAN for every name clients (and routes) use. */
  readonly certificate: CertificateMaterial;
  /**
   * For a satellite: the client certificate of its leaf connection to the master.
   * @default none
   */
  readonly leafIdentity?: CertificateMaterial;
  /** The client port published on the host. */
  readonly clientPort: number;
  /**
   * The route port of a cluster node, published on the host.
   * @default none (not a cluster node)
   */
  readonly clusterPort?: number;
  /**
   * The leafnode port satellites connect to, published on the host.
   * @default none (no satellites)
   */
  readonly leafnodePort?: number;
  /** The monitoring port inside the container (the healthcheck uses it). */
  readonly monitoringPort: number;
  /**
   * Publish monitoring on the host at this loopback address and port.
   * @default not published
   */
  readonly monitoringPublished?: { readonly ip: string; readonly port: number };
  /** Lame duck duration in seconds: the container gets that long (plus a margin) to stop. */
  readonly lameDuckDurationSeconds: number;
}

/**
 * A NATS server container: a master node (single or clustered) or a
 * satellite. TLS-only with verify_and_map; its JSON config, CA, certificate
 * and key uploaded (keys 0400). Stopping it sends SIGUSR2 (lame duck mode)
 * and waits for clients to move before Docker kills it.
 */
export class NatsServer extends Construct {
  /** The server's container. */
  readonly container: Container;
  /** The rendered config, as uploaded. */
  readonly config: NatsServerConfig;

  constructor(scope: Construct, id: string, props: NatsServerProps) {
    super(scope, id);
    this.config = props.config;
    const stopTimeoutSeconds = props.lameDuckDurationSeconds + 15;
    const tcp = (internal: number, external: number, ip?: string): ContainerPorts => ({
      internal,
      external,
      protocol: "tcp",
      ...(ip === undefined ? {} : { ip }),
    });
    const uploads: ContainerUpload[] = [
      { file: NATS_CONTAINER_PATHS.config, content: serializeNatsConfig(props.config), permissions: "0444" },
      { file: NATS_CONTAINER_PATHS.caFile, content: props.ca.certPem, permissions: "0444" },
      { file: NATS_CONTAINER_PATHS.certFile, ...props.certificate.certificateUpload, permissions: "0444" },
      // Uploaded files belong to root (see `user` below): 0400 leaves the key to it alone.
      { file: NATS_CONTAINER_PATHS.keyFile, ...props.certificate.privateKeyUpload, permissions: "0400" },
      ...(props.leafIdentity
        ? [
            { file: NATS_CONTAINER_PATHS.leafCertFile, ...props.leafIdentity.certificateUpload, permissions: "0444" },
            {
              file: NATS_CONTAINER_PATHS.leafKeyFile,
              ...props.leafIdentity.privateKeyUpload,
              permissions: "0400",
            },
          ]
        : []),
    ];

    this.container = new Container(this, "container", {
      provider: props.host.provider,
      name: props.name,
      hostname: props.name,
      image: props.host.image(props.image).imageId,
      command: ["-c", NATS_CONTAINER_PATHS.config],
      // The docker provider (3.6.2) uploads every file as uid 0: its tar entries carry no owner and it does not ask
      // Docker to chown them. Root is therefore the one user that can read a 0400 key, whatever USER an
      // operator's nats.image declares (the official image declares none, i.e. root).
      user: "root",
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
        tcp(NATS_CONTAINER_CLIENT_PORT, props.clientPort),
        ...(props.clusterPort === undefined ? [] : [tcp(props.clusterPort, props.clusterPort)]),
        ...(props.leafnodePort === undefined ? [] : [tcp(props.leafnodePort, props.leafnodePort)]),
        ...(props.monitoringPublished
          ? [
              {
                internal: props.monitoringPort,
                external: props.monitoringPublished.port,
                ip: props.monitoringPublished.ip,
              },
            ]
          : []),
      ],
      healthcheck: {
        test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${props.monitoringPort}/healthz`],
        interval: "10s",
        timeout: "3s",
        retries: 3,
        startPeriod: "5s",
      },
      upload: uploads,
    });
  }
}
