import { runCanaryChecks } from "./canary-check";
import { parseDeployedTopology, type DeployedTopology } from "./deployed-topology";
import { runNatsChecks } from "./nats-checks";
import { splitAddress } from "./nats-probes";
import { selectOutputs } from "./output-shapes";
import { loadDeployedTopology, type OutputsLocation } from "./outputs-source";
import { newRunId } from "./smoke-event";
import { SmokeInputError } from "./smoke-input-error";
import { buildReport, type SmokeReport } from "./smoke-report";
import { resolvableNames, smokeServers } from "./smoke-servers";

export interface SmokeOptions extends OutputsLocation {
  /**
   * The outputs, already in memory, in either shape (`terraform output -json`
   * or a cdktf outputs file). When given, no file is read and Terraform is
   * not asked.
   */
  readonly outputs?: unknown;
  /** host:port to dial instead of the first of `nats_urls` (running the smoke test from elsewhere). */
  readonly server?: string;
  /** The DNS name to verify the server certificate against. @default the `nats_server_name` output */
  readonly servername?: string;
  /**
   * Where to dial servers whose URL names are not resolvable where the smoke
   * test runs: DNS name (as in `nats_nodes`, `satellites` or `nats_urls`) →
   * host:port. The certificate is still verified for the name.
   * @default none: every server is dialed at its URL
   */
  readonly resolve?: Readonly<Record<string, string>>;
  /** How long an event may take to reach an engine or reader. @default 5000 */
  readonly eventTimeoutMs?: number;
  /** How long a connection (TCP, TLS and NATS handshake) may take. @default 5000 */
  readonly connectTimeoutMs?: number;
  /** How long the engine canary may take to count a webhook post. @default 10000 */
  readonly canaryTimeoutMs?: number;
}

async function deployedTopology(options: SmokeOptions): Promise<DeployedTopology> {
  if (options.outputs === undefined) return loadDeployedTopology(options);
  const selected = selectOutputs(options.outputs, "the `outputs` option", options.stack);
  return parseDeployedTopology(selected.values, {
    source: `the outputs option (${selected.shape})`,
    shape: selected.shape,
  });
}

/**
 * Runs the smoke test against a deployed topology: proves every allowed path
 * through NATS works and every denial holds, and, where canaries are
 * deployed and reachable, the whole webhook-to-engine path. Resolves with the
 * report (check `report.ok`); rejects with a SmokeInputError when the
 * outputs are missing or unusable.
 */
export async function runSmoke(options: SmokeOptions = {}): Promise<SmokeReport> {
  if (options.server !== undefined) {
    try {
      splitAddress(options.server);
    } catch {
      throw new SmokeInputError(
        `--server ${JSON.stringify(options.server)} is not host:port (e.g. nats.example.net:4222)`,
      );
    }
  }
  if (options.servername !== undefined && options.servername.trim() === "") {
    throw new SmokeInputError("--servername is empty; give the DNS name the server certificate carries");
  }
  const resolveErrors = Object.entries(options.resolve ?? {}).flatMap(([name, address]) => {
    try {
      splitAddress(address);
      return name.trim() === "" ? [`--resolve =${address}: give the DNS name to resolve`] : [];
    } catch {
      return [`--resolve ${name}=${address}: ${JSON.stringify(address)} is not host:port`];
    }
  });
  if (resolveErrors.length > 0) throw new SmokeInputError(resolveErrors.join("\n"));
  const topology = await deployedTopology(options);
  const known = resolvableNames(topology);
  const unknown = Object.keys(options.resolve ?? {}).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new SmokeInputError(
      `--resolve ${unknown.join(", ")}: no server of the outputs is reached by ${unknown.length === 1 ? "that name" : "those names"}; ` +
        `the servers' names: ${known.join(", ")}`,
    );
  }
  const servers = smokeServers(topology, options);
  const [primary] = servers;
  const runId = newRunId();
  const natsChecks = await runNatsChecks({
    topology,
    servers,
    runId,
    eventTimeoutMs: options.eventTimeoutMs ?? 5000,
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
  });
  const canaryChecks = await runCanaryChecks(topology.values, { runId, timeoutMs: options.canaryTimeoutMs });
  return buildReport(
    { server: primary.endpoint.address, servername: primary.endpoint.servername, outputs: topology.source },
    [...natsChecks, ...canaryChecks],
  );
}
