import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freePort, startNatsServer } from "../../__tests__/helpers/nats-server-process";
import { clientIdentities } from "../../constructs/core/identities";
import { renderNatsConfig } from "../../constructs/core/nats-config";
import { resolveTopology, type Topology } from "../../constructs/core/topology";
import { bundle } from "../bundle";
import { scratchDir, type BenchContext } from "../context";
import { cpuSecondsOf } from "../processes";
import { runsOf, type Runs } from "../stats";
import { generatedTopology } from "../synth/topologies";
import { startWorker, type WorkerProcess } from "../worker-process";
import { KEY_TYPES, stormPki, type KeyType } from "./storm-pki";
import type { StormJob, StormReport } from "./storm-protocol";

/**
 * Part 3, the handshake storm: every collector identity of a large topology
 * connects at once to a freshly started server running the product config,
 * as after a NATS restart. Measured: the time until the last one is connected
 * (TLS handshake, verify_and_map, CONNECT and its PONG), and the CPU time the
 * server spent on it. Server and client certificates use the same key type,
 * as the package issues them (pki.keyAlgorithm applies to the CA and every
 * component). The clients run in two worker processes on the same two
 * cores as the server, so the wall time is an upper bound; the server's CPU
 * time is what a NATS host pays.
 */

export interface StormCell {
  readonly keyType: KeyType;
  readonly identities: number;
  readonly allConnectedMs: Runs;
  readonly serverCpuMs: Runs;
  /** Median server CPU time divided by the identities: the cost of one mutual-TLS login. */
  readonly serverCpuMsPerConnection: number;
  readonly clientCpuMs: Runs;
  /** The fewest identities connected in any run (all of them, when the storm went well). */
  readonly connectedMin: number;
  /** Over every run: attempts that failed and were retried, and the first reason given. */
  readonly failedAttempts: number;
  readonly firstError?: string;
  /** Generating this key type's certificates took this long (0: they came from the cache). */
  readonly pkiGeneratedSeconds: number;
}

export interface StormResults {
  readonly rounds: number;
  readonly identities: number;
  readonly workers: number;
  readonly cells: readonly StormCell[];
}

const WORKERS = 2;
const DEADLINE_MS = 60_000;

function plan(quick: boolean): { rounds: number; identities: number; keyTypes: KeyType[] } {
  return quick
    ? { rounds: 1, identities: 50, keyTypes: ["ECDSA P-256", "Ed25519", "RSA-2048"] }
    : { rounds: 3, identities: 500, keyTypes: Object.keys(KEY_TYPES) as KeyType[] };
}

/** `identities` collectors over ten tenants: the identities of the storm, and the users of the config. */
function stormTopology(identities: number): Topology {
  return resolveTopology(generatedTopology(identities, 10));
}

async function storm(context: BenchContext, script: string, topology: Topology, keyType: KeyType) {
  const runDir = mkdtempSync(join(scratchDir(context, "storm"), "run-"));
  const workers: WorkerProcess[] = [];
  const pki = await stormPki(topology, keyType, context.cache, runDir);
  const port = await freePort();
  const config = renderNatsConfig(topology, {
    listenHost: "127.0.0.1",
    listenPort: port,
    certFile: pki.serverCertFile,
    keyFile: pki.serverKeyFile,
    caFile: pki.caFile,
  });
  const server = await startNatsServer(config, runDir);
  try {
    const collectors = clientIdentities(topology).filter((identity) => identity.role === "collector");
    for (let worker = 0; worker < WORKERS; worker++) {
      const job: StormJob = {
        address: `127.0.0.1:${port}`,
        servername: "localhost",
        caPem: pki.caPem,
        identities: collectors
          .filter((_, index) => index % WORKERS === worker)
          .map((identity) => ({
            name: identity.name,
            ...(pki.clients.get(identity.id) as { certPem: string; keyPem: string }),
          })),
        deadlineMs: DEADLINE_MS,
      };
      workers.push(startWorker(script, job, DEADLINE_MS * 2));
    }
    await Promise.all(workers.map((worker) => worker.next())); // ready: keys loaded
    const pid = server.process.pid as number;
    const cpuBefore = cpuSecondsOf(pid);
    const started = process.hrtime.bigint();
    for (const worker of workers) worker.send("go");
    const reports = await Promise.all(workers.map((worker) => worker.next<StormReport>()));
    const serverCpuMs = (cpuSecondsOf(pid) - cpuBefore) * 1000;
    const last = reports.reduce((latest, report) => {
      const at = BigInt(report.lastConnectedNs);
      return at > latest ? at : latest;
    }, started);
    for (const worker of workers) worker.send("close");
    return {
      allConnectedMs: Number(last - started) / 1e6,
      serverCpuMs,
      clientCpuMs: reports.reduce((sum, report) => sum + report.cpuMs, 0),
      connected: reports.reduce((sum, report) => sum + report.connected, 0),
      failedAttempts: reports.reduce((sum, report) => sum + report.failedAttempts, 0),
      firstError: reports.find((report) => report.firstError)?.firstError,
      generatedSeconds: pki.generatedSeconds,
    };
  } finally {
    for (const worker of workers) worker.kill();
    await server.stop();
    rmSync(runDir, { recursive: true, force: true });
  }
}

export async function runStorm(context: BenchContext): Promise<StormResults> {
  const { rounds, identities, keyTypes } = plan(context.quick);
  const script = bundle(join(context.root, "bench", "storm", "storm-worker.ts"), scratchDir(context, "bundles"));
  const topology = stormTopology(identities);
  // Certificates first (or from the cache), outside every timed storm.
  const generated = new Map<KeyType, number>();
  for (const keyType of keyTypes) {
    const runDir = mkdtempSync(join(scratchDir(context, "storm"), "pki-"));
    const pki = await stormPki(topology, keyType, context.cache, runDir);
    rmSync(runDir, { recursive: true, force: true });
    generated.set(keyType, pki.generatedSeconds);
    context.log(
      `storm: ${keyType} certificates ${pki.generatedSeconds > 0 ? `generated in ${pki.generatedSeconds.toFixed(1)} s` : "from cache"}`,
    );
  }
  const samples = new Map<KeyType, Awaited<ReturnType<typeof storm>>[]>();
  for (let round = 0; round < rounds; round++) {
    for (const keyType of keyTypes) {
      const run = await storm(context, script, topology, keyType);
      samples.set(keyType, [...(samples.get(keyType) ?? []), run]);
    }
    context.log(`storm round ${round + 1}/${rounds}`);
  }
  return {
    rounds,
    identities,
    workers: WORKERS,
    cells: keyTypes.map((keyType) => {
      const runs = samples.get(keyType) ?? [];
      const serverCpuMs = runsOf(runs.map((run) => run.serverCpuMs));
      const firstError = runs.find((run) => run.firstError)?.firstError;
      return {
        keyType,
        identities,
        allConnectedMs: runsOf(runs.map((run) => run.allConnectedMs)),
        serverCpuMs,
        serverCpuMsPerConnection: Math.round((serverCpuMs.median / identities) * 1000) / 1000,
        clientCpuMs: runsOf(runs.map((run) => run.clientCpuMs)),
        connectedMin: Math.min(...runs.map((run) => run.connected)),
        failedAttempts: runs.reduce((sum, run) => sum + run.failedAttempts, 0),
        ...(firstError ? { firstError } : {}),
        pkiGeneratedSeconds: Math.round((generated.get(keyType) ?? 0) * 10) / 10,
      };
    }),
  };
}
