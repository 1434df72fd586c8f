import { stringify } from "smol-toml";
import { NATS_CONTAINER_CLIENT_PORT } from "./nats-config";
import type { Topology } from "./topology";

/**
 * What every Tornado component's configuration shares: the container layout
 * for TLS material, the `[logger]` section, the NATS client block, and how a
 * component finds NATS. Keys were checked against Tornado's source
 * (WuerthPhoenix/tornado: common/logger, common/actors/nats_publisher.rs).
 */

/** One layout for TLS material in every Tornado container (engine, collectors, canaries). */
export const TORNADO_TLS_PATHS = {
  caFile: "/etc/tornado-nats/tls/ca.crt.pem",
  certFile: "/etc/tornado-nats/tls/client.crt.pem",
  keyFile: "/etc/tornado-nats/tls/client.key.pem",
} as const;

/** A file to place in a container: its absolute path, text and mode. */
export interface RenderedFile {
  readonly path: string;
  readonly content: string;
  /** Octal string as the docker provider takes it. */
  readonly mode: string;
}

/** `[logger]`: `level`, `stdout_output` and `tracing_elastic_apm` have no serde default in Tornado. */
export function loggerSection(level: string): Record<string, unknown> {
  return {
    level,
    stdout_output: true,
    tracing_elastic_apm: { apm_output: false, apm_server_url: "http://localhost:8200" },
  };
}

/**
 * Tornado's `NatsClientConfig`: addresses plus `auth = { type = "Tls", … }`.
 * The key is the PKCS#8 file, the only form Tornado's Rust client reads.
 */
export function natsClientSection(address: string): Record<string, unknown> {
  return {
    addresses: [address],
    auth: {
      type: "Tls",
      certificate_path: TORNADO_TLS_PATHS.certFile,
      private_key_path: TORNADO_TLS_PATHS.keyFile,
      path_to_root_certificate: TORNADO_TLS_PATHS.caFile,
    },
  };
}

/**
 * The `host:port` a component on `host` uses for NATS. On the NATS host it is
 * the NATS container's name on the shared Docker network; elsewhere the
 * primary DNS name and the published port. Both names are DNS SANs of the
 * server certificate, and never IP addresses: Tornado's client (webpki)
 * rejects IP addresses as TLS names.
 */
export function natsAddressFor(topology: Topology, host: string): string {
  return host === topology.nats.host
    ? `${topology.nats.serverName}:${NATS_CONTAINER_CLIENT_PORT}`
    : `${topology.nats.dnsNames[0]}:${topology.nats.clientPort}`;
}

/** The name in `natsAddressFor`: what the client will verify the server certificate against. */
export function natsTlsNameFor(topology: Topology, host: string): string {
  return natsAddressFor(topology, host).replace(/:\d+$/, "");
}

/**
 * extra_hosts for a container on `host`: when the topology gives the IP of
 * the primary NATS name, containers on other hosts resolve it that way
 * instead of relying on DNS.
 */
export function natsExtraHostsFor(topology: Topology, host: string): { host: string; ip: string }[] {
  if (host === topology.nats.host || topology.nats.ipAddress === undefined) return [];
  return [{ host: topology.nats.dnsNames[0], ip: topology.nats.ipAddress }];
}

export function tomlFile(path: string, document: Record<string, unknown>): RenderedFile {
  return { path, content: stringify(document), mode: "0444" };
}

export function jsonFile(path: string, document: unknown): RenderedFile {
  return { path, content: `${JSON.stringify(document, null, 2)}\n`, mode: "0444" };
}
