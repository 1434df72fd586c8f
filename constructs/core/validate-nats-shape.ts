import { DEFAULT_NATS_SERVER_NAME } from "./names";
import { NATS_CONTAINER_CLIENT_PORT } from "./nats-config";
import { formatPath, type TopologyIssue } from "./topology-errors";
import {
  duplicateNames,
  int,
  isObject,
  issue,
  itemsOf,
  reference,
  str,
  type Loose,
  type Named,
  type NamedList,
  type Path,
} from "./validation-helpers";

/**
 * Rules for the shape of the NATS side: one server or a cluster, and the
 * satellites (leaf nodes). Errors make synth fail; warnings are legal but
 * unwise shapes a construct reports as annotations.
 */

/** Fields that describe the single server and mean nothing once nats.cluster is set. */
const SINGLE_SERVER_FIELDS = [
  ["host", "each node's host"],
  ["serverName", "each node's name"],
  ["ipAddress", "each node's ipAddress"],
] as const;

function clusterNodes(nats: Loose): Named[] {
  return isObject(nats.cluster)
    ? itemsOf(nats.cluster, "nodes").map((node) => ({ ...node, path: ["nats", "cluster", ...node.path] }))
    : [];
}

function lowerNames(value: unknown): string[] {
  return Array.isArray(value) ? value.flatMap((name) => (typeof name === "string" ? [name.toLowerCase()] : [])) : [];
}

function singleServerRules(nats: Loose): TopologyIssue[] {
  if (nats.dnsNames === undefined || (Array.isArray(nats.dnsNames) && nats.dnsNames.length === 0)) {
    return [
      issue(
        ["nats", "dnsNames"],
        nats.dnsNames,
        "is empty: clients need a DNS name of the server, and the certificate carries it; " +
          "allowed: at least one DNS name (Tornado's client refuses IP addresses as TLS names)",
      ),
    ];
  }
  return [];
}

function clusterRules(nats: Loose, hosts: NamedList): TopologyIssue[] {
  const nodes = clusterNodes(nats);
  const found: TopologyIssue[] = SINGLE_SERVER_FIELDS.flatMap(([field, instead]) =>
    nats[field] === undefined
      ? []
      : [
          issue(
            ["nats", field],
            nats[field],
            `applies only to a single server; allowed: remove it and set ${instead} under nats.cluster.nodes`,
          ),
        ],
  );
  const claimedBy = new Map<string, Named>();
  for (const node of nodes) {
    found.push(...reference([...node.path, "host"], node.item.host, "host", hosts));
    const dnsNames = lowerNames(node.item.dnsNames);
    if (node.item.dnsNames === undefined || (Array.isArray(node.item.dnsNames) && node.item.dnsNames.length === 0)) {
      found.push(
        issue(
          [...node.path, "dnsNames"],
          node.item.dnsNames,
          "is missing: the other nodes need a route name for this node, and its certificate must carry it; " +
            "allowed: at least one DNS name the other nodes reach it by",
        ),
      );
    }
    // A name two nodes claim would send routes and clients to whichever answers, and both certificates would pass.
    dnsNames.forEach((name, index) => {
      const owner = claimedBy.get(name);
      if (owner && owner !== node) {
        found.push(
          issue(
            [...node.path, "dnsNames", index],
            name,
            `is already a DNS name of node "${owner.name}"; allowed: names unique to one node (shared names go in nats.dnsNames)`,
          ),
        );
      } else {
        claimedBy.set(name, node);
      }
    });
  }
  return found;
}

function satelliteRules(input: Loose, hosts: NamedList, tenants: NamedList, collectors: Named[]): TopologyIssue[] {
  const satellites = itemsOf(input, "satellites");
  const found: TopologyIssue[] = satellites.flatMap((satellite) => [
    ...reference([...satellite.path, "tenant"], satellite.item.tenant, "tenant", tenants),
    ...reference([...satellite.path, "host"], satellite.item.host, "host", hosts),
  ]);
  for (const collector of collectors) {
    const name = str(collector.item.satellite);
    if (name === undefined) continue;
    found.push(...reference([...collector.path, "satellite"], name, "satellite", satellites));
    const satellite = satellites.find((candidate) => candidate.name === name);
    const tenant = str(collector.item.tenant);
    const satelliteTenant = satellite && str(satellite.item.tenant);
    if (satelliteTenant !== undefined && tenant !== undefined && satelliteTenant !== tenant) {
      found.push(
        issue(
          [...collector.path, "satellite"],
          name,
          `serves tenant "${satelliteTenant}", but the collector belongs to "${tenant}": a satellite carries only its tenant's events; ` +
            `allowed: a satellite of tenant "${tenant}", or none`,
        ),
      );
    }
  }
  return found;
}

/** Every NATS server of the topology has a server_name, container name and certificate CN: one name space. */
function serverNames(nats: Loose, input: Loose): TopologyIssue[] {
  const nodes = isObject(nats.cluster)
    ? clusterNodes(nats)
    : [{ path: ["nats", "serverName"], item: nats, name: str(nats.serverName) ?? DEFAULT_NATS_SERVER_NAME }];
  return duplicateNames("NATS server", [...nodes, ...itemsOf(input, "satellites")]);
}

interface Listener {
  readonly port: number;
  readonly what: string;
  /** The field that sets it; undefined for the fixed client port. */
  readonly path?: Path;
}

/**
 * Inside a master node's container nats-server listens on the client port
 * (always 4222 there, whatever is published), the route port, the leafnode
 * port and the monitoring port. Two of them on one number is a server that
 * cannot start, even when the published ports differ.
 */
function containerListenerRules(input: Loose, nats: Loose): TopologyIssue[] {
  const monitoring = isObject(nats.monitoring) ? nats.monitoring : {};
  const cluster = isObject(nats.cluster) ? nats.cluster : undefined;
  const nodes: { path?: Path; item: Loose }[] = cluster ? clusterNodes(nats) : [{ item: {} }];
  const hasSatellites = itemsOf(input, "satellites").length > 0;
  const reported = new Set<string>();
  const found: TopologyIssue[] = [];
  for (const node of nodes) {
    // A node's own port is reported at the node (set there to move it), a shared one at the shared field.
    const fieldPath = (field: string, shared: Path): Path =>
      node.path !== undefined && node.item[field] !== undefined ? [...node.path, field] : shared;
    const listeners: Listener[] = [{ port: NATS_CONTAINER_CLIENT_PORT, what: "clients" }];
    if (cluster) {
      const path = fieldPath("clusterPort", ["nats", "cluster", "port"]);
      listeners.push({ port: int(node.item.clusterPort) ?? int(cluster.port) ?? 6222, what: "routes", path });
    }
    if (hasSatellites) {
      const path = fieldPath("leafnodePort", ["nats", "leafnodePort"]);
      listeners.push({ port: int(node.item.leafnodePort) ?? int(nats.leafnodePort) ?? 7422, what: "leaf nodes", path });
    }
    listeners.push({ port: int(monitoring.port) ?? 8222, what: "monitoring", path: ["nats", "monitoring", "port"] });
    listeners.forEach((listener, index) => {
      const earlier = listeners.slice(0, index).find((other) => other.port === listener.port);
      const path = listener.path as Path;
      if (!earlier || reported.has(formatPath(path))) return;
      reported.add(formatPath(path));
      const taken = listeners.filter((other) => other !== listener).map((other) => `${other.port} (${other.what})`);
      const where = earlier.path
        ? `set by ${formatPath(earlier.path)}`
        : `always ${NATS_CONTAINER_CLIENT_PORT} there, whatever clientPort publishes`;
      found.push(
        issue(
          path,
          listener.port,
          `is also the port nats-server listens on for ${earlier.what} inside its container (${where}); ` +
            `allowed: a port other than ${taken.join(", ")}`,
        ),
      );
    });
  }
  return found;
}

/** Every cross-field problem of the NATS side of a raw topology input. */
export function natsShapeRules(
  input: Loose,
  hosts: NamedList,
  tenants: NamedList,
  collectors: Named[],
): TopologyIssue[] {
  // A missing or ill-typed nats is the schema's error; the server's own rules would only repeat it.
  const nats = isObject(input.nats) ? input.nats : undefined;
  if (nats === undefined) return satelliteRules(input, hosts, tenants, collectors);
  return [
    ...(isObject(nats.cluster) ? clusterRules(nats, hosts) : singleServerRules(nats)),
    ...containerListenerRules(input, nats),
    ...serverNames(nats, input),
    ...satelliteRules(input, hosts, tenants, collectors),
  ];
}

/** A legal but unwise shape; the message names the field and what would be better. */
export interface TopologyWarning {
  readonly path: string;
  readonly message: string;
}

/** Warnings about a valid topology's NATS cluster. */
export function natsClusterWarnings(
  nodes: readonly { readonly host: string }[],
  clustered: boolean,
): TopologyWarning[] {
  if (!clustered) return [];
  const warnings: TopologyWarning[] = [];
  if (nodes.length % 2 === 0) {
    warnings.push({
      path: "nats.cluster.nodes",
      message:
        `has ${nodes.length} nodes: an even size tolerates no more failures than one node fewer ` +
        `(JetStream's quorum needs a majority); prefer ${nodes.length + 1} or ${nodes.length - 1}`,
    });
  }
  const hosts = new Set(nodes.map((node) => node.host));
  if (hosts.size < 2) {
    warnings.push({
      path: "nats.cluster.nodes",
      message: `all ${nodes.length} nodes run on host "${[...hosts][0]}": losing that host loses the whole cluster; spread the nodes over at least two hosts`,
    });
  }
  return warnings;
}
