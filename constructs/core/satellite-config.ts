import {
  collectorPermissions,
  commonServerSettings,
  LEAFNODE_ONLY,
  type NatsServerConfig,
  type NatsUser,
} from "./nats-config";
import { collectorIdentity } from "./identities";
import { COLLECTOR_SUBJECT } from "./subjects";
import type { SatelliteSpec, Topology } from "./topology";

/**
 * A satellite site's NATS server: mTLS with verify_and_map for the site's
 * own collectors, in one local account named after the tenant, and a leaf
 * connection to the master that binds that account to the tenant's account
 * there. Messages the site publishes reach the master only as far as the
 * satellite's identity is allowed there; nothing from the master comes back.
 */

export interface SatelliteRuntime {
  readonly listenHost: string;
  readonly listenPort: number;
  /** "host:port" for monitoring, or undefined for none. */
  readonly monitoringListen?: string;
  /** The satellite's server certificate (for its local collectors). */
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  /** tls:// URLs of the master's leafnode listeners, by DNS name. */
  readonly leafRemoteUrls: readonly string[];
  /** The satellite's identity towards the master (a client certificate). */
  readonly leafCertFile: string;
  readonly leafKeyFile: string;
}

/** The collectors that connect to `satellite`. */
export function satelliteCollectors(topology: Topology, satellite: SatelliteSpec) {
  return topology.collectors.filter((collector) => collector.satellite === satellite.name);
}

export function renderSatelliteConfig(
  topology: Topology,
  satellite: SatelliteSpec,
  runtime: SatelliteRuntime,
): NatsServerConfig {
  // No mapping here: the master's account maps the subject when it arrives there.
  const users: NatsUser[] = satelliteCollectors(topology, satellite).map((collector) => ({
    user: collectorIdentity(collector, topology.organization).natsUser,
    permissions: collectorPermissions(collector, topology, COLLECTOR_SUBJECT),
  }));
  return {
    server_name: satellite.name,
    host: runtime.listenHost,
    port: runtime.listenPort,
    ...(runtime.monitoringListen === undefined ? {} : { http: runtime.monitoringListen }),
    tls: {
      cert_file: runtime.certFile,
      key_file: runtime.keyFile,
      ca_file: runtime.caFile,
      verify_and_map: true,
      timeout: 5,
      min_version: "1.3",
    },
    leafnodes: {
      remotes: [
        {
          urls: runtime.leafRemoteUrls,
          account: satellite.tenant,
          tls: { cert_file: runtime.leafCertFile, key_file: runtime.leafKeyFile, ca_file: runtime.caFile, timeout: 5 },
        },
      ],
    },
    accounts: { [satellite.tenant]: { users } },
    ...commonServerSettings(topology),
  };
}

/** The master's leafnode URLs a satellite dials: every node, by its first DNS name. */
export function leafRemoteUrls(topology: Topology): string[] {
  return topology.nats.nodes.map((node) => `tls://${node.dnsNames[0]}:${node.leafnodePort}`);
}

export { LEAFNODE_ONLY };
