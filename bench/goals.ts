import { DEFAULT_TOPOLOGY } from "../constructs/core/default-topology";
import { resolveTopology } from "../constructs/core/topology";
import type { ServerName } from "./dataplane/servers";
import type { BenchResults } from "./results-model";
import { ratio } from "./stats";
import { KEY_TYPES, type KeyType } from "./storm/storm-pki";
import type { SynthCaseResult, SynthResults } from "./synth/run-synth";

/**
 * The issue's goals, evaluated from bench/results.json alone (so the table in
 * BENCHMARKS.md cannot disagree with the figures). A goal whose inputs a run
 * did not measure (--quick leaves out the 1,000-collector topologies) is left
 * out rather than guessed.
 */

export interface Goal {
  readonly part: "synth" | "dataPlane" | "storm";
  readonly goal: string;
  /** The measured value as the table prints it. */
  readonly measured: string;
  readonly target: string;
  /** null: reported as it is, no target. */
  readonly met: boolean | null;
}

const LINEAR_SLOPE_RATIO = 1.5;
const LINEAR_CORE_GROWTH = 2;

function synthCase(synth: SynthResults, id: string): SynthCaseResult | undefined {
  return synth.cases.find((candidate) => candidate.id === id);
}

/** In-process cost of one more collector (parse, construct, synth), between two topologies, in ms. */
export function marginalMs(from: SynthCaseResult, to: SynthCaseResult, runner: "inProcess" | "app" | "cli"): number {
  const wall = (entry: SynthCaseResult) => (entry[runner] as { wallMs: { median: number } }).wallMs.median;
  return (wall(to) - wall(from)) / (to.collectors - from.collectors);
}

export function peakRssMiB(synth: SynthResults): number {
  return Math.max(
    ...synth.cases.flatMap((entry) =>
      [entry.inProcess, entry.app, entry.tsNode, entry.cli].flatMap((measure) =>
        measure ? measure.peakRssMiB.runs : [],
      ),
    ),
  );
}

function synthGoals(synth: SynthResults): Goal[] {
  const goals: Goal[] = [];
  const floor = synthCase(synth, "floor");
  const defaults = synthCase(synth, "default");
  const c10 = synthCase(synth, "c10-t10");
  const c100 = synthCase(synth, "c100-t10");
  if (floor && defaults) {
    const value = ratio(defaults.inProcess.wallMs.median, floor.inProcess.wallMs.median);
    goals.push({
      part: "synth",
      goal: "default topology, in-process synth (the compiled app's process) / empty-stack floor",
      measured: `${value}×`,
      target: "≤ 2×",
      met: value <= 2,
    });
  }
  if (c10 && c100) {
    const large = synth.cases.filter((entry) => entry.collectors === 1000);
    for (const big of large.filter((entry) => entry.tenants === 10)) {
      const small = marginalMs(c10, c100, "inProcess");
      const value = ratio(marginalMs(c100, big, "inProcess"), small);
      goals.push({
        part: "synth",
        goal: "linear growth: in-process cost per collector 100→1,000 / 10→100",
        measured: `${value}×`,
        target: `≤ ${LINEAR_SLOPE_RATIO}×`,
        met: value <= LINEAR_SLOPE_RATIO,
      });
    }
  }
  const growth = Math.max(...synth.coreScaling.steps.map((step) => step.growth));
  goals.push({
    part: "synth",
    goal: `no quadratic step: cost per collector at ${synth.coreScaling.large.toLocaleString("en-US")} / at ${synth.coreScaling.small.toLocaleString("en-US")} collectors, worst pure step`,
    measured: `${growth}×`,
    target: `≤ ${LINEAR_CORE_GROWTH}× (quadratic: ${synth.coreScaling.large / synth.coreScaling.small}×)`,
    met: growth <= LINEAR_CORE_GROWTH,
  });
  for (const big of synth.cases.filter((entry) => entry.collectors === 1000)) {
    if (!big.cli || !defaults?.cli) continue;
    const value = ratio(big.cli.wallMs.median, defaults.cli.wallMs.median);
    goals.push({
      part: "synth",
      goal: `npx cdktf synth, ${big.label} / default topology`,
      measured: `${value}×`,
      target: "≤ 3×",
      met: value <= 3,
    });
  }
  const peak = Math.round(peakRssMiB(synth));
  goals.push({
    part: "synth",
    goal: "peak RSS, any topology, any runner (worst run)",
    measured: `${peak} MiB`,
    target: "< 1,024 MiB",
    met: peak < 1024,
  });
  return goals;
}

function dataPlaneGoals(results: NonNullable<BenchResults["dataPlane"]>["results"]): Goal[] {
  const goals: Goal[] = [];
  const natsBench = (server: ServerName) =>
    results.natsBench.find((cell) => cell.server === server && cell.size === "1KiB")?.msgsPerSec.median ?? NaN;
  const tornado = (server: ServerName, publishers: number) =>
    results.tornadoThroughput.find((cell) => cell.server === server && cell.publishers === publishers)?.eventsPerSec
      .median ?? NaN;
  const vsTls = ratio(natsBench("product"), natsBench("tlsOnly"));
  goals.push({
    part: "dataPlane",
    goal: "nats bench, 1 KiB: product / TLS-only msgs/s",
    measured: `${vsTls}×`,
    target: "≥ 0.9×",
    met: vsTls >= 0.9,
  });
  for (const publishers of [1, 10]) {
    const value = ratio(tornado("product", publishers), tornado("tlsOnly", publishers));
    goals.push({
      part: "dataPlane",
      goal: `Tornado path, 1 KiB, ${publishers} publisher${publishers > 1 ? "s" : ""}: product / TLS-only events/s`,
      measured: `${value}×`,
      target: "≥ 0.9×",
      met: value >= 0.9,
    });
  }
  goals.push({
    part: "dataPlane",
    goal: "nats bench, 1 KiB: product / plaintext msgs/s",
    measured: `${ratio(natsBench("product"), natsBench("plaintext"))}×`,
    target: "reported",
    met: null,
  });
  for (const publishers of [1, 10]) {
    goals.push({
      part: "dataPlane",
      goal: `Tornado path, 1 KiB, ${publishers} publisher${publishers > 1 ? "s" : ""}: product / plaintext events/s`,
      measured: `${ratio(tornado("product", publishers), tornado("plaintext", publishers))}×`,
      target: "reported",
      met: null,
    });
  }
  for (const cell of results.tornadoLatency.filter((candidate) => candidate.server === "product")) {
    const p99 = cell.p99Us.median / 1000;
    goals.push({
      part: "dataPlane",
      goal: `p99 latency, product, ${cell.perSecond.toLocaleString("en-US")} events/s, ${cell.publishers} publisher${cell.publishers > 1 ? "s" : ""}`,
      measured: `${p99.toFixed(2)} ms`,
      target: "≤ 2 ms",
      met: p99 <= 2,
    });
  }
  return goals;
}

/** The key type the package generates when a topology does not choose one. */
export function defaultKeyType(): KeyType {
  const { key } = resolveTopology(DEFAULT_TOPOLOGY).pki;
  const match = (Object.keys(KEY_TYPES) as KeyType[]).find((name) => {
    const spec: { algorithm: string; ecdsaCurve?: string; rsaBits?: number } = KEY_TYPES[name];
    return spec.algorithm === key.algorithm && spec.ecdsaCurve === key.ecdsaCurve && spec.rsaBits === key.rsaBits;
  });
  if (!match) throw new Error(`the default key ${JSON.stringify(key)} is not one the storm measures`);
  return match;
}

function stormGoals(results: NonNullable<BenchResults["storm"]>["results"]): Goal[] {
  const keyType = defaultKeyType();
  const cell = results.cells.find((candidate) => candidate.keyType === keyType);
  if (!cell) return [];
  const seconds = cell.allConnectedMs.median / 1000;
  const all = cell.connectedMin === cell.identities;
  return [
    {
      part: "storm",
      goal: `${cell.identities} identities all connected, default key type (${keyType})`,
      measured: `${seconds.toFixed(2)} s${all ? "" : ` (only ${cell.connectedMin} connected)`}`,
      target: "≤ 5 s, all connected",
      met: all && seconds <= 5,
    },
  ];
}

export function goalsOf(results: BenchResults): Goal[] {
  return [
    ...(results.synth ? synthGoals(results.synth.results) : []),
    ...(results.dataPlane ? dataPlaneGoals(results.dataPlane.results) : []),
    ...(results.storm ? stormGoals(results.storm.results) : []),
  ];
}
