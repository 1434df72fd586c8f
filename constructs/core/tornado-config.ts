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
export function natsClientSection(addresses: readonly string[]): Record<string, unknown> {
  return {
    addresses: [...addresses],
    auth: {
      type: "Tls",
      certificate_path: TORNADO_TLS_PATHS.certFile,
      private_key_path: TORNADO_TLS_PATHS.keyFile,
      path_to_root_certificate: TORNADO_TLS_PATHS.caFile,
    },
  };
}

/** A NATS server a component may connect to, as it is placed. */
export interface NatsEndpoint {
  /** Container name (the server's name). */
  readonly name: string;
  readonly host: string;
  readonly dnsNames: readonly string[];
  /** The port published on its host. */
  readonly port: number;
  readonly ipAddress?: string;
}

/**
 * The NATS servers a component connects to: the master's nodes, or for a
 * collector at a satellite, that satellite's server.
 */
export function natsEndpointsFor(topology: Topology, satellite?: string): NatsEndpoint[] {
  if (satellite !== undefined) {
    const site = topology.satellites.find((candidate) => candidate.name === satellite);
    if (!site) throw new Error(`unknown satellite "${satellite}"`);
    return [
      { name: site.name, host: site.host, dnsNames: site.dnsNames, port: site.clientPort, ipAddress: site.ipAddress },
    ];
  }
  return topology.nats.nodes.map((node) => ({ ...node, port: node.clientPort }));
}

/**
 * `host:port` of each server a component on `host` uses, in order. A server
 * on the same Docker host is reached by its container name over the host's
 * network; others by their first DNS name and published port. Both are DNS
 * SANs of the server's certificate, never IP addresses: Tornado's client
 * (webpki) rejects IP addresses as TLS names.
 */
export function natsAddressesFor(topology: Topology, host: string, satellite?: string): string[] {
  return natsEndpointsFor(topology, satellite).map((endpoint) =>
    endpoint.host === host
      ? `${endpoint.name}:${NATS_CONTAINER_CLIENT_PORT}`
      : `${endpoint.dnsNames[0]}:${endpoint.port}`,
  );
}

/**
 * extra_hosts for a container on `host`: for each server on another host
 * whose IP the topology gives, resolve its first DNS name that way instead of
 * relying on DNS.
 */
export function natsExtraHostsFor(
  topology: Topology,
  host: string,
  satellite?: string,
): { host: string; ip: string }[] {
  return natsEndpointsFor(topology, satellite).flatMap((endpoint) =>
    endpoint.host === host || endpoint.ipAddress === undefined
      ? []
      : [{ host: endpoint.dnsNames[0], ip: endpoint.ipAddress }],
  );
}

export function tomlFile(path: string, document: Record<string, unknown>): RenderedFile {
  return { path, content: stringify(document), mode: "0444" };
}

export function jsonFile(path: string, document: unknown): RenderedFile {
  return { path, content: `${JSON.stringify(document, null, 2)}\n`, mode: "0444" };
}
