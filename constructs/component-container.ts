import type { ContainerConfig, ContainerUpload } from "@cdktf/provider-docker/lib/container";
import type { Image } from "@cdktf/provider-docker/lib/image";
import { CANARY_DEFAULT_BASE_IMAGE, CANARY_IMAGE_NAME, canaryImageContext } from "./core/canary-image";
import { escapeTerraformTemplate } from "./core/terraform-template";
import { TORNADO_TLS_PATHS, type RenderedFile } from "./core/tornado-config";
import type { ImageSpec } from "./core/topology";
import type { CertificateMaterial, TrustAnchor } from "./certificate-material";
import type { DockerHost } from "./docker-host";

/**
 * What the engine and collector containers share: where their image comes
 * from, how their certificate lands in the container, and the hardening
 * every Tornado component gets.
 */

/** "canary" when the image is this package's canary, "tornado" for an operator-supplied image. */
export type ImageKind = "canary" | "tornado";

export function componentImage(host: DockerHost, spec: ImageSpec): { image: Image; kind: ImageKind } {
  switch (spec.source) {
    case "canary": {
      const { context, contentHash } = canaryImageContext();
      const image = host.image(CANARY_IMAGE_NAME, {
        context,
        args: { BASE_IMAGE: CANARY_DEFAULT_BASE_IMAGE },
        contentHash,
      });
      return { image, kind: "canary" };
    }
    case "pull":
      return { image: host.image(spec.name), kind: "tornado" };
    case "build":
      return {
        image: host.image(spec.name, {
          context: spec.context,
          dockerfile: spec.dockerfile,
          args: spec.args ? { ...spec.args } : undefined,
        }),
        kind: "tornado",
      };
  }
}

/**
 * CA, certificate and PKCS#8 key at TORNADO_TLS_PATHS. The docker provider
 * (3.6.2) uploads files owned by uid 0 (its tar entries carry no owner, and
 * it does not ask Docker to chown them to the container's user), and these
 * containers run as root, so 0400 keeps the key to that user alone.
 */
export function tlsUploads(ca: TrustAnchor, certificate: CertificateMaterial): ContainerUpload[] {
  return [
    { file: TORNADO_TLS_PATHS.caFile, content: ca.certPem, permissions: "0444" },
    { file: TORNADO_TLS_PATHS.certFile, ...certificate.certificateUpload, permissions: "0444" },
    { file: TORNADO_TLS_PATHS.keyFile, ...certificate.privateKeyUpload, permissions: "0400" },
  ];
}

/** Rendered files as uploads; their text reaches the container as is, not as a Terraform template. */
export function fileUploads(files: readonly RenderedFile[]): ContainerUpload[] {
  return files.map((file) => ({
    file: file.path,
    content: escapeTerraformTemplate(file.content),
    permissions: file.mode,
  }));
}

/**
 * Hardening for every Tornado component: root inside the container (it owns
 * the uploaded keys) but without any capability and unable to gain new
 * privileges; restarted unless stopped; on the host's shared network.
 */
export function hardenedContainer(
  host: DockerHost,
  extraHosts: readonly { host: string; ip: string }[],
  addCapabilities: string[] = [],
): Partial<ContainerConfig> {
  return {
    provider: host.provider,
    user: "root",
    capabilities: { drop: ["ALL"], ...(addCapabilities.length > 0 ? { add: addCapabilities } : {}) },
    securityOpts: ["no-new-privileges:true"],
    restart: "unless-stopped",
    mustRun: true,
    networksAdvanced: [{ name: host.sharedNetwork.name }],
    host: extraHosts.length > 0 ? extraHosts.map((entry) => ({ ...entry })) : undefined,
  };
}

/** An HTTP healthcheck that works with busybox wget or curl, whichever the image has. */
export function httpHealthcheck(url: string): ContainerConfig["healthcheck"] {
  return {
    test: ["CMD-SHELL", `wget -q -O /dev/null ${url} || curl -fsS -o /dev/null ${url}`],
    interval: "15s",
    timeout: "5s",
    retries: 3,
    startPeriod: "10s",
  };
}
