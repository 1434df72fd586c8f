import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderNatsConfig, type NatsServerConfig } from "../../constructs/core/nats-config";
import { renderSatelliteConfig } from "../../constructs/core/satellite-config";
import { resolveTopology, type Topology } from "../../constructs/core/topology";
import type { TopologyInput } from "../../constructs/core/topology-schema";
import { ProbeClient, type ClientMaterial, type ConnectOptions, type NatsEndpoint } from "../../smoke/nats-probes";
import { freePort, startNatsServer, type RunningNatsServer } from "./nats-server-process";
import { issueTopologyPki, type TopologyPki } from "./topology-pki";

/**
 * Every NATS server of a topology, as real processes: the master's nodes
 * (routed into a cluster when the topology has one) and each satellite as a
 * leaf node of them, each running the config the stack renders, with the
 * renderers the stack uses, for a test runtime: loopback, free ports, local
 * files.
 *
 * Names: this machine resolves only `localhost`, so every server is reached
 * and routed to as `localhost:<port>` (routes `nats-route://localhost:<port>`,
 * leaf remotes `tls://localhost:<port>`, advertise `localhost:<port>`), and
 * the topology must give every server `localhost` as a DNS name, so that its
 * certificate carries it. nats-server resolves those names to 127.0.0.1; the
 * certificates carry no IP SAN, so a TLS check made against the resolved IP
 * instead of the name (nats-server #8309) would fail.
 */

export interface RunningServer {
  /** server_name: a master node's or a satellite's name. */
  readonly name: string;
  readonly kind: "node" | "satellite";
  readonly clientPort: number;
  readonly clusterPort?: number;
  readonly leafnodePort?: number;
  /** The monitoring listener on loopback (routez, leafz, connz). */
  readonly monitoringPort: number;
  /** The config as it runs (after alterConfig). */
  readonly config: NatsServerConfig;
  /** The running process; undefined while stopped. */
  readonly process: RunningNatsServer | undefined;
  /** Where a client dials it, verifying it as `localhost`. */
  readonly endpoint: NatsEndpoint;
}

export interface SecuredTopology {
  readonly topology: Topology;
  readonly pki: TopologyPki;
  readonly dir: string;
  /** The master's nodes in topology order, then the satellites. */
  readonly servers: ReadonlyMap<string, RunningServer>;
  /** The master's nodes, in topology order. */
  nodes(): RunningServer[];
  server(name: string): RunningServer;
  /** TLS material of an identity (`collector/<name>`, `engine/tornado-engine`, …). */
  material(identityId: string): ClientMaterial;
  /**
   * Connects as an identity to `servers` in order (the first, then the
   * others as its failover list, like a Tornado config lists every node).
   * Closed by stop().
   */
  connectAs(identityId: string, servers: string | readonly string[], options?: ConnectOptions): Promise<ProbeClient>;
  /** Stops one server (SIGTERM; `signal` to send another, e.g. SIGKILL); resolves once it exited. */
  stopServer(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped server again, same config and ports. */
  restartServer(name: string): Promise<void>;
  /** Waits until every node routes to every other and every satellite's leaf is connected. */
  ready(timeoutMs?: number): Promise<void>;
  /** GET a monitoring endpoint of a server (`routez`, `leafz?subs=1`, …). */
  monitor<T = Record<string, any>>(name: string, path: string): Promise<T>;
  stop(): Promise<void>;
}

export interface SecuredTopologyOptions {
  /** Changes a server's rendered config before it starts (to break it on purpose). */
  readonly alterConfig?: (name: string, config: NatsServerConfig) => NatsServerConfig;
}

const LOCAL_NAME = "localhost";

interface Ports {
  client: number;
  cluster: number;
  leafnode: number;
  monitoring: number;
}

export async function startSecuredTopology(
  input: TopologyInput,
  options: SecuredTopologyOptions = {},
): Promise<SecuredTopology> {
  const topology = resolveTopology(input);
  const dir = mkdtempSync(join(tmpdir(), "tornado-topology-"));
  const pki = await issueTopologyPki(topology, dir);
  const clustered = topology.nats.cluster !== undefined;
  const withSatellites = topology.satellites.length > 0;

  const ports = new Map<string, Ports>();
  for (const server of [...topology.nats.nodes, ...topology.satellites]) {
    ports.set(server.name, {
      client: await freePort(),
      cluster: await freePort(),
      leafnode: await freePort(),
      monitoring: await freePort(),
    });
  }
  const portsOf = (name: string): Ports => ports.get(name) as Ports;
  const alter = (name: string, config: NatsServerConfig): NatsServerConfig =>
    options.alterConfig ? options.alterConfig(name, config) : config;

  // Every server: clients and monitoring on loopback, its own certificate, the topology's CA.
  const listener = (own: Ports, files: { certFile: string; keyFile: string }) => ({
    listenHost: "127.0.0.1",
    listenPort: own.client,
    monitoringListen: `127.0.0.1:${own.monitoring}`,
    certFile: files.certFile,
    keyFile: files.keyFile,
    caFile: pki.caFile,
  });
  const configs = new Map<string, { kind: "node" | "satellite"; config: NatsServerConfig }>();
  for (const node of topology.nats.nodes) {
    const own = portsOf(node.name);
    const files = pki.servers.get(node.name);
    if (!files) throw new Error(`the test PKI has no certificate for ${node.name}`);
    const rendered = renderNatsConfig(
      topology,
      {
        ...listener(own, files),
        ...(clustered
          ? {
              clientAdvertise: `${LOCAL_NAME}:${own.client}`,
              cluster: {
                listenHost: "127.0.0.1",
                listenPort: own.cluster,
                advertise: `${LOCAL_NAME}:${own.cluster}`,
                routes: topology.nats.nodes
                  .filter((other) => other.name !== node.name)
                  .map((other) => `nats-route://${LOCAL_NAME}:${portsOf(other.name).cluster}`),
              },
            }
          : {}),
        ...(withSatellites
          ? {
              leafnodes: {
                listenHost: "127.0.0.1",
                listenPort: own.leafnode,
                advertise: `${LOCAL_NAME}:${own.leafnode}`,
              },
            }
          : {}),
      },
      node,
    );
    configs.set(node.name, { kind: "node", config: alter(node.name, rendered) });
  }
  for (const satellite of topology.satellites) {
    const own = portsOf(satellite.name);
    const files = pki.servers.get(satellite.name);
    const leaf = pki.clients.get(`satellite/${satellite.name}`);
    if (!files || !leaf) throw new Error(`the test PKI has no certificates for satellite ${satellite.name}`);
    const leafCertFile = join(dir, `${satellite.name}-leaf.pem`);
    const leafKeyFile = join(dir, `${satellite.name}-leaf-key.pem`);
    writeFileSync(leafCertFile, leaf.certPem);
    writeFileSync(leafKeyFile, leaf.keyPem, { mode: 0o400 });
    const rendered = renderSatelliteConfig(topology, satellite, {
      ...listener(own, files),
      leafRemoteUrls: topology.nats.nodes.map((node) => `tls://${LOCAL_NAME}:${portsOf(node.name).leafnode}`),
      leafCertFile,
      leafKeyFile,
    });
    configs.set(satellite.name, { kind: "satellite", config: alter(satellite.name, rendered) });
  }

  const running = new Map<string, RunningNatsServer | undefined>();
  const clients: ProbeClient[] = [];
  const describe = (name: string): RunningServer => {
    const entry = configs.get(name);
    if (!entry) throw new Error(`no server ${name}; known: ${[...configs.keys()].join(", ")}`);
    const own = portsOf(name);
    return {
      name,
      kind: entry.kind,
      clientPort: own.client,
      ...(entry.kind === "node" && clustered ? { clusterPort: own.cluster } : {}),
      ...(entry.kind === "node" && withSatellites ? { leafnodePort: own.leafnode } : {}),
      monitoringPort: own.monitoring,
      config: entry.config,
      process: running.get(name),
      endpoint: { address: `127.0.0.1:${own.client}`, servername: LOCAL_NAME },
    };
  };
  const start = async (name: string): Promise<void> => {
    const entry = configs.get(name) as { config: NatsServerConfig };
    running.set(name, await startNatsServer(entry.config, dir, `${name}.json`));
  };

  const stopAll = async (): Promise<void> => {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    await Promise.all([...running.values()].map((server) => server?.stop()));
  };
  // Waits for every start to settle before failing, so no server that did start is left running.
  const startAll = async (names: string[]): Promise<void> => {
    const failed = (await Promise.allSettled(names.map(start))).find((result) => result.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  };
  try {
    // Nodes start together so that their first route dials find each other; satellites once the hub listens.
    await startAll(topology.nats.nodes.map((node) => node.name));
    await startAll(topology.satellites.map((satellite) => satellite.name));
  } catch (error) {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const monitor = async <T>(name: string, path: string): Promise<T> => {
    const response = await fetch(`http://127.0.0.1:${portsOf(name).monitoring}/${path}`);
    if (!response.ok) throw new Error(`${name} /${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };

  const material = (identityId: string): ClientMaterial => {
    const client = pki.clients.get(identityId);
    if (!client) throw new Error(`no identity ${identityId}; known: ${[...pki.clients.keys()].join(", ")}`);
    return { caPem: pki.ca.certPem, certPem: client.certPem, keyPem: client.keyPem };
  };

  const topologyServers = (): Map<string, RunningServer> =>
    new Map([...configs.keys()].map((name) => [name, describe(name)]));

  return {
    topology,
    pki,
    dir,
    get servers() {
      return topologyServers();
    },
    nodes: () => topology.nats.nodes.map((node) => describe(node.name)),
    server: describe,
    material,
    async connectAs(identityId, servers, connectOptions = {}) {
      const [first, ...others] = (typeof servers === "string" ? [servers] : servers).map(
        (name) => describe(name).endpoint,
      );
      const client = await ProbeClient.connect(first, material(identityId), {
        name: identityId,
        ...connectOptions,
        alternates: [...others, ...(connectOptions.alternates ?? [])],
      });
      clients.push(client);
      return client;
    },
    async stopServer(name, signal) {
      const server = running.get(name);
      if (!server) return;
      if (signal) {
        server.process.kill(signal);
        await server.exited;
      } else {
        await server.stop();
      }
      running.set(name, undefined);
    },
    async restartServer(name) {
      if (running.get(name)) throw new Error(`${name} is running`);
      await start(name);
    },
    async ready(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      const nodeNames = topology.nats.nodes.map((node) => node.name);
      const pending = async (): Promise<string[]> => {
        const missing: string[] = [];
        for (const name of nodeNames) {
          if (!clustered || !running.get(name)) continue;
          const routez = await monitor<{ routes?: { remote_name?: string }[] }>(name, "routez");
          const peers = new Set((routez.routes ?? []).map((route) => route.remote_name));
          const absent = nodeNames.filter((other) => other !== name && running.get(other) && !peers.has(other));
          if (absent.length > 0) missing.push(`${name} has no route to ${absent.join(", ")}`);
        }
        for (const satellite of topology.satellites) {
          if (!running.get(satellite.name)) continue;
          const leafz = await monitor<{ leafs?: unknown[] }>(satellite.name, "leafz");
          if ((leafz.leafs ?? []).length === 0) missing.push(`${satellite.name} has no leaf connection`);
        }
        return missing;
      };
      for (;;) {
        const missing = await pending();
        if (missing.length === 0) return;
        if (Date.now() > deadline) {
          const logs = [...running.entries()].map(([name, server]) => `--- ${name}\n${server?.log() ?? "(stopped)"}`);
          throw new Error(
            `the topology did not come up within ${timeoutMs} ms: ${missing.join("; ")}\n${logs.join("\n")}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    monitor,
    async stop() {
      await stopAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * clusterAndSatellite() made reachable on this machine: `localhost` is a
 * name of every node (shared) and of the satellite, so their certificates
 * carry it, beside the names the configs and outputs use.
 */
export function localClusterAndSatellite(base: TopologyInput): TopologyInput {
  const input = JSON.parse(JSON.stringify(base)) as Record<string, any>;
  input.nats.dnsNames = [...(input.nats.dnsNames ?? []), LOCAL_NAME];
  for (const satellite of input.satellites ?? []) satellite.dnsNames = [...satellite.dnsNames, LOCAL_NAME];
  return input as TopologyInput;
}

/** localClusterAndSatellite() without the satellite and its collectors: the master's cluster alone. */
export function localClusterOnly(base: TopologyInput): TopologyInput {
  const input = localClusterAndSatellite(base) as Record<string, any>;
  input.satellites = [];
  input.collectors = input.collectors.filter((collector: { satellite?: string }) => !collector.satellite);
  return input as TopologyInput;
}
