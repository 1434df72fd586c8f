import { App } from "cdktf";
import { loadTopologyFromEnv } from "../../constructs/core/load-topology";
import { TornadoTopologyStack } from "../../stacks/tornado-topology-stack";
import { floorStack } from "./floor-stack";

/**
 * In-process synth, phase by phase: what main.ts does (load and validate the
 * topology, construct the stack, app.synth()), each phase timed on its own.
 * Runs as a fresh process per measurement (bench/synth/measure.ts) so module
 * loading is counted once and the peak RSS is this synth's alone. Prints one
 * JSON line.
 */

export interface ProbeReport {
  /** Node start-up and module loading, up to the first line of this file. */
  readonly loadMs: number;
  /** Parsing and validating the topology (zero for the floor). */
  readonly resolveMs: number;
  /** new App() and the stack's constructors. */
  readonly constructMs: number;
  readonly synthMs: number;
  readonly peakRssKiB: number;
}

function probe(): ProbeReport {
  const loadMs = performance.now();
  const app = new App();
  let resolveMs = 0;
  const constructStarted = performance.now();
  if (process.env.BENCH_SYNTH_FLOOR === "1") {
    floorStack(app);
  } else {
    const topology = loadTopologyFromEnv(process.env);
    resolveMs = performance.now() - constructStarted;
    new TornadoTopologyStack(app, topology.name, { topology });
  }
  const constructMs = performance.now() - constructStarted - resolveMs;
  const synthStarted = performance.now();
  app.synth();
  const synthMs = performance.now() - synthStarted;
  return { loadMs, resolveMs, constructMs, synthMs, peakRssKiB: process.resourceUsage().maxRSS };
}

process.stdout.write(`${JSON.stringify(probe())}\n`);
