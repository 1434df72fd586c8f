import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderNatsConfig, type NatsServerConfig } from "../../constructs/core/nats-config";
import { resolveTopology, type Topology } from "../../constructs/core/topology";
import type { TopologyInput } from "../../constructs/core/topology-schema";
import { ProbeClient, type ClientMaterial, type NatsEndpoint } from "../../smoke/nats-probes";
import { freePort, startNatsServer, type RunningNatsServer } from "./nats-server-process";
import { issueTopologyPki, type TopologyPki } from "./topology-pki";

/**
 * A real nats-server running the config the stack renders for `input`, with
 * certificates for the same identities. One per test file: start it in
 * beforeAll, stop it in afterAll.
 */
export interface SecuredNats {
  readonly topology: Topology;
  readonly pki: TopologyPki;
  readonly config: NatsServerConfig;
  readonly server: RunningNatsServer;
  readonly endpoint: NatsEndpoint;
  readonly dir: string;
  /** TLS material of an identity (`collector/<name>`, `engine/tornado-engine`, …). */
  material(identityId: string): ClientMaterial;
  /** Connects as an identity; closed by stop(). */
  connectAs(identityId: string): Promise<ProbeClient>;
  stop(): Promise<void>;
}

export interface SecuredNatsOptions {
  /** Changes the rendered config before the server starts (to break it on purpose). */
  readonly alterConfig?: (config: NatsServerConfig) => NatsServerConfig;
}

export async function startSecuredNats(input: TopologyInput, options: SecuredNatsOptions = {}): Promise<SecuredNats> {
  const topology = resolveTopology(input);
  const dir = mkdtempSync(join(tmpdir(), "tornado-nats-"));
  const pki = await issueTopologyPki(topology, dir);
  const port = await freePort();
  const rendered = renderNatsConfig(topology, {
    listenHost: "127.0.0.1",
    listenPort: port,
    certFile: pki.server.certFile,
    keyFile: pki.server.keyFile,
    caFile: pki.caFile,
  });
  const config = options.alterConfig ? options.alterConfig(rendered) : rendered;
  const server = await startNatsServer(config, dir);
  const endpoint = { address: `127.0.0.1:${port}`, servername: "localhost" };
  const clients: ProbeClient[] = [];

  const material = (identityId: string): ClientMaterial => {
    const client = pki.clients.get(identityId);
    if (!client) throw new Error(`no identity ${identityId}; known: ${[...pki.clients.keys()].join(", ")}`);
    return { caPem: pki.ca.certPem, certPem: client.certPem, keyPem: client.keyPem };
  };

  return {
    topology,
    pki,
    config,
    server,
    endpoint,
    dir,
    material,
    async connectAs(identityId) {
      const client = await ProbeClient.connect(endpoint, material(identityId), { name: identityId });
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
