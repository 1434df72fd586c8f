import { Image } from "@cdktf/provider-docker/lib/image";
import { Network } from "@cdktf/provider-docker/lib/network";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { Construct } from "constructs";
import { LOCAL_DOCKER_URL } from "./core/topology-schema";

/** Props of a {@link DockerHost}. */
export interface DockerHostProps {
  /** The host's name in the topology; also the provider alias. */
  readonly name: string;
  /**
   * The Docker daemon address: `unix:///…`, `ssh://user@host[:port]` or `tcp://host:port`.
   * @default "unix:///var/run/docker.sock"
   */
  readonly url?: string;
  /**
   * Extra options for `ssh://` hosts (passed to ssh).
   * @default none
   */
  readonly sshOpts?: string[];
  /**
   * For `tcp://` hosts: a directory holding ca.pem, cert.pem and key.pem.
   * @default none
   */
  readonly certPath?: string;
  /**
   * For `tcp://` hosts, instead of certPath: the CA certificate (PEM) that signed the daemon's certificate.
   * @default none
   */
  readonly caMaterial?: string;
  /**
   * For `tcp://` hosts, instead of certPath: the client certificate (PEM) for the daemon.
   * @default none
   */
  readonly certMaterial?: string;
  /**
   * For `tcp://` hosts, instead of certPath: the client key (PEM). Provider
   * configuration is not stored in Terraform state.
   * @default none
   */
  readonly keyMaterial?: string;
  /**
   * Name of the Docker network containers on this host share.
   * @default "tornado"
   */
  readonly networkName?: string;
}

/**
 * One Docker host: a docker provider with its own alias, so resources for
 * several hosts (local, over ssh, over TLS) live in one stack. Every image,
 * network and container on the host must use `provider`.
 */
export class DockerHost extends Construct {
  /** The host's name in the topology; also its provider alias. */
  readonly name: string;
  /** The docker provider for this host: pass it as `provider` to every resource on the host. */
  readonly provider: DockerProvider;
  private readonly networkName: string;
  private network?: Network;
  private readonly images = new Map<string, Image>();

  constructor(scope: Construct, id: string, props: DockerHostProps) {
    super(scope, id);
    this.name = props.name;
    this.networkName = props.networkName ?? "tornado";
    this.provider = new DockerProvider(this, "provider", {
      alias: props.name,
      host: props.url ?? LOCAL_DOCKER_URL,
      sshOpts: props.sshOpts,
      certPath: props.certPath,
      caMaterial: props.caMaterial,
      certMaterial: props.certMaterial,
      keyMaterial: props.keyMaterial,
    });
  }

  /** The host's shared bridge network, created on first use. */
  get sharedNetwork(): Network {
    this.network ??= new Network(this, "network", {
      provider: this.provider,
      name: this.networkName,
      driver: "bridge",
    });
    return this.network;
  }

  /**
   * The image `name` on this host, declared once however many containers use
   * it: pulled (or taken as is if the host has it), or built from `build`.
   * keep_locally leaves it on the host at destroy (other stacks may use it).
   */
  image(name: string, build?: DockerImageBuild): Image {
    let image = this.images.get(name);
    if (!image) {
      image = new Image(this, `image-${name.replace(/[^A-Za-z0-9]+/g, "-")}`, {
        provider: this.provider,
        name,
        keepLocally: true,
        ...(build
          ? {
              buildAttribute: { context: build.context, dockerfile: build.dockerfile, buildArgs: build.args },
              // A content change must rebuild: the docker provider cannot see inside the context.
              triggers: build.contentHash ? { content_sha256: build.contentHash } : undefined,
            }
          : {}),
      });
      this.images.set(name, image);
    }
    return image;
  }
}

/** How to build an image on a host. */
export interface DockerImageBuild {
  /** Build context directory on the machine running Terraform. */
  readonly context: string;
  /**
   * Dockerfile inside the context.
   * @default "Dockerfile"
   */
  readonly dockerfile?: string;
  /**
   * Build arguments.
   * @default none
   */
  readonly args?: Record<string, string>;
  /**
   * Hash of the context's content; when it changes the image is rebuilt.
   * @default no trigger (rebuilt only when the name changes)
   */
  readonly contentHash?: string;
}
