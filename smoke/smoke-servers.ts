import { NO_IDENTITY } from "./check-names";
import type { DeployedIdentity, DeployedServer, DeployedTopology } from "./deployed-topology";
import type { NatsEndpoint } from "./nats-probes";

/**
 * Which NATS server each smoke check talks to. A single server is the
 * simplest shape; a cluster has several master nodes and a topology may
 * have satellite sites, each with its own server. The smoke test checks
 * every one of them: each refuses what it must, collectors of the master
 * site are spread over the nodes (so events cross the routes to the engine),
 * and a satellite's collectors use their satellite (they are no users of
 * the master). Engines and readers use the primary node.
 */

export interface SmokeServer {
  readonly server: DeployedServer;
  readonly endpoint: NatsEndpoint;
  /**
   * The report's identity column for the server's own checks: `-` with a
   * single server (as before there were several), else `server/<name>`.
   */
  readonly label: string;
}

export function serverLabel(topology: DeployedTopology, server: DeployedServer): string {
  return topology.servers.length === 1 ? NO_IDENTITY : `server/${server.name}`;
}

/** Host of a `tls://host:port` URL's address, without IPv6 brackets. */
function hostOf(server: DeployedServer): string {
  return server.nats.host;
}

export interface EndpointOverrides {
  /** host:port for the primary server (the first node). */
  readonly server?: string;
  /** The name to verify the primary server's certificate against. */
  readonly servername?: string;
  /** DNS name in a server URL → host:port to dial instead (the certificate is still verified for the name). */
  readonly resolve?: Readonly<Record<string, string>>;
}

/**
 * Where to dial each server: its URL from the outputs, unless `resolve`
 * maps the URL's name to another address, or (primary only) `server` and
 * `servername` override it.
 */
export function smokeServers(topology: DeployedTopology, overrides: EndpointOverrides = {}): SmokeServer[] {
  return topology.servers.map((server, index) => {
    const resolved = overrides.resolve?.[hostOf(server)];
    const primary = index === 0;
    const endpoint: NatsEndpoint = {
      address: (primary ? overrides.server : undefined) ?? resolved ?? server.nats.address,
      servername: (primary ? overrides.servername : undefined) ?? server.serverName,
    };
    return { server, endpoint, label: serverLabel(topology, server) };
  });
}

/** The names `--resolve` may map: every server URL's host. */
export function resolvableNames(topology: DeployedTopology): string[] {
  return [...new Set(topology.servers.map(hostOf))];
}

/**
 * The server each collector connects to: its satellite, or for the master
 * site's collectors the nodes in turn (the first collector the first node,
 * and so on), so that a cluster's every node carries collector traffic.
 */
export function collectorServers(
  collectors: readonly DeployedIdentity[],
  servers: readonly SmokeServer[],
): Map<string, SmokeServer> {
  const nodes = servers.filter((candidate) => candidate.server.kind === "node");
  const assigned = new Map<string, SmokeServer>();
  let next = 0;
  for (const collector of collectors) {
    const satellite = servers.find(
      (candidate) => candidate.server.kind === "satellite" && candidate.server.name === collector.satellite,
    );
    assigned.set(collector.id, satellite ?? nodes[next++ % nodes.length]);
  }
  return assigned;
}
