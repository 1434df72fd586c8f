import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, startNatsServer, type RunningNatsServer } from "../../__tests__/helpers/nats-server-process";
import type { TopologyPki } from "../../__tests__/helpers/topology-pki";
import { commonServerSettings, renderNatsConfig, type NatsServerConfig } from "../../constructs/core/nats-config";
import type { Topology } from "../../constructs/core/topology";

/**
 * The three servers of the data-plane benchmark, one binary, run side by
 * side for the whole part so every measurement can alternate between them:
 *
 * - plaintext: no TLS, no auth, the one global account: the floor;
 * - tlsOnly: the same TLS listener settings as the product (server
 *   certificate, TLS 1.3), no client certificate, one account: the cost of
 *   encryption alone;
 * - product: the config renderNatsConfig renders for the topology (TLS,
 *   verify_and_map, one account per tenant, ENGINE importing each with its
 *   prefix, permissions), with certificates for the same identities.
 *
 * Each also listens for monitoring on loopback, as the product's container
 * config does, so the benchmark can see when a subscription is in place.
 */

export const SERVER_NAMES = ["plaintext", "tlsOnly", "product"] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

export interface BenchServer {
  readonly name: ServerName;
  readonly server: RunningNatsServer;
  readonly port: number;
  readonly monitoringUrl: string;
  readonly tls: boolean;
}

/** A reference config is plain nats-server JSON, not the product's typed shape: only its port matters to the helper. */
type ReferenceConfig = Record<string, unknown> & { readonly port: number };

async function configFor(name: ServerName, topology: Topology, pki: TopologyPki, port: number, monitoring: string) {
  const listener = { server_name: `bench-${name}`, host: "127.0.0.1", port, http: monitoring };
  const settings = commonServerSettings(topology);
  switch (name) {
    case "plaintext":
      return { ...listener, ...settings } satisfies ReferenceConfig;
    case "tlsOnly":
      return {
        ...listener,
        tls: { cert_file: pki.server.certFile, key_file: pki.server.keyFile, timeout: 5, min_version: "1.3" },
        ...settings,
      } satisfies ReferenceConfig;
    case "product":
      return renderNatsConfig(topology, {
        listenHost: "127.0.0.1",
        listenPort: port,
        monitoringListen: monitoring,
        certFile: pki.server.certFile,
        keyFile: pki.server.keyFile,
        caFile: pki.caFile,
      });
  }
}

export async function startBenchServers(
  topology: Topology,
  pki: TopologyPki,
  dir: string,
): Promise<Map<ServerName, BenchServer>> {
  const servers = new Map<ServerName, BenchServer>();
  try {
    for (const name of SERVER_NAMES) {
      const port = await freePort();
      const monitoring = `127.0.0.1:${await freePort()}`;
      const config = await configFor(name, topology, pki, port, monitoring);
      // The helper writes any config as JSON; the product's is the typed one, the references are plain.
      const server = await startNatsServer(config as NatsServerConfig, dir, `${name}.json`);
      servers.set(name, { name, server, port, monitoringUrl: `http://${monitoring}`, tls: name !== "plaintext" });
    }
  } catch (error) {
    await stopBenchServers(servers);
    throw error;
  }
  return servers;
}

export async function stopBenchServers(servers: Map<ServerName, BenchServer>): Promise<void> {
  await Promise.all([...servers.values()].map((entry) => entry.server.stop()));
}

/** The server's subscription count across accounts (GET /subsz). */
export async function subscriptionCount(server: BenchServer): Promise<number> {
  const response = await fetch(`${server.monitoringUrl}/subsz`);
  return ((await response.json()) as { num_subscriptions: number }).num_subscriptions;
}

/** Resolves once the server counts more than `baseline` subscriptions. */
export async function subscriptionAbove(server: BenchServer, baseline: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await subscriptionCount(server)) <= baseline) {
    if (Date.now() > deadline) throw new Error(`${server.name}: no new subscription within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Writes an identity's certificate and key (0400) for nats bench, which reads files. */
export function identityFiles(
  pki: TopologyPki,
  identityId: string,
  dir: string,
): { certFile: string; keyFile: string } {
  const client = pki.clients.get(identityId);
  if (!client) throw new Error(`no identity ${identityId}`);
  const base = join(dir, identityId.replace("/", "_"));
  const certFile = `${base}.pem`;
  const keyFile = `${base}-key.pem`;
  writeFileSync(certFile, client.certPem);
  writeFileSync(keyFile, client.keyPem, { mode: 0o400 });
  return { certFile, keyFile };
}
