import { defaultKeyType, goalsOf, marginalMs, peakRssMiB } from "./goals";
import type { BenchResults, PartResult, Provenance } from "./results-model";
import { ratio, type Runs } from "./stats";
import type { ProcessMeasurement, SynthCaseResult, SynthResults } from "./synth/run-synth";
import type { DataPlaneResults } from "./dataplane/run-dataplane";
import type { ServerName } from "./dataplane/servers";
import type { StormResults } from "./storm/run-storm";

/**
 * BENCHMARKS.md's tables, rendered from bench/results.json. Each lives
 * between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; the text around
 * them is written by hand and never carries a figure.
 */

export const BLOCKS = ["synth", "dataplane", "storm", "goals"] as const;
export type BlockName = (typeof BLOCKS)[number];

const integer = (value: number) => Math.round(value).toLocaleString("en-US");
const fixed = (value: number, digits: number) => value.toFixed(digits);
const times = (value: number) => `${fixed(value, 2)}×`;

/** Milliseconds as a table shows them: ms below a second, s above. */
function duration(ms: number): string {
  return ms >= 1000 ? `${fixed(ms / 1000, 2)} s` : `${integer(ms)} ms`;
}

function median(runs: Runs | undefined, format: (value: number) => string): string {
  return runs ? format(runs.median) : "—";
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function provenance(part: Provenance): string {
  const { machine } = part;
  const date = `${part.startedAt.slice(0, 16).replace("T", " ")} UTC`;
  return [
    `Command: \`${part.command}\` (${part.mode}) · ${date} · ` +
      `${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB · load ${machine.loadAverage1m} at start · ` +
      `nats-server ${part.natsServer}${part.natsCli ? ` · natscli ${part.natsCli}` : ""} · ` +
      `node ${machine.node} · commit ${part.commit}`,
  ].join("\n");
}

const SERVER_LABELS: Record<ServerName, string> = {
  plaintext: "plaintext",
  tlsOnly: "TLS-only",
  product: "product",
};

function synthBlock({ provenance: source, results }: PartResult<SynthResults>): string {
  const runner = (measure: ProcessMeasurement | undefined) => median(measure?.wallMs, duration);
  const runnerRss = (entry: SynthCaseResult) =>
    integer(
      Math.max(
        ...[entry.inProcess, entry.app, entry.tsNode, entry.cli, entry.cliTsNode].flatMap((measure) =>
          measure ? [measure.peakRssMiB.median] : [],
        ),
      ),
    );
  const costs = table(
    [
      "topology",
      "resources",
      "outputs",
      "cdk.tf.json",
      "in-process",
      "`npm run synth`",
      "ts-node app (before)",
      "`npx cdktf synth`",
      "`npx cdktf synth`, ts-node app (before)",
      "peak RSS (MiB)",
    ],
    results.cases.map((entry) => [
      entry.label,
      integer(entry.resources),
      integer(entry.outputs),
      `${integer(entry.tfJsonBytes / 1024)} KiB`,
      runner(entry.inProcess),
      runner(entry.app),
      runner(entry.tsNode),
      runner(entry.cli),
      runner(entry.cliTsNode),
      runnerRss(entry),
    ]),
  );
  const phases = table(
    ["topology", "node + modules", "parse + validate", "construct", "app.synth()", "construct + synth"],
    results.cases.map((entry) => {
      const { inProcess } = entry;
      return [
        entry.label,
        duration(inProcess.loadMs.median),
        duration(inProcess.resolveMs.median),
        duration(inProcess.constructMs.median),
        duration(inProcess.synthMs.median),
        duration(inProcess.resolveMs.median + inProcess.constructMs.median + inProcess.synthMs.median),
      ];
    }),
  );
  const byId = (id: string) => results.cases.find((entry) => entry.id === id);
  const floor = byId("floor");
  const defaults = byId("default");
  const c100 = byId("c100-t10");
  const derived: string[][] = [];
  if (floor && defaults) {
    derived.push([
      "default / floor, in-process process",
      times(ratio(defaults.inProcess.wallMs.median, floor.inProcess.wallMs.median)),
    ]);
    const work = (entry: SynthCaseResult) =>
      entry.inProcess.resolveMs.median + entry.inProcess.constructMs.median + entry.inProcess.synthMs.median;
    derived.push(["default / floor, construct + synth alone", times(ratio(work(defaults), work(floor)))]);
    if (defaults.cli && floor.cli) {
      derived.push([
        "default / floor, `npx cdktf synth`",
        times(ratio(defaults.cli.wallMs.median, floor.cli.wallMs.median)),
      ]);
    }
  }
  for (const big of results.cases.filter((entry) => entry.collectors === 1000)) {
    if (!c100) continue;
    for (const runnerName of ["inProcess", "app", "cli"] as const) {
      if (!big[runnerName] || !c100[runnerName]) continue;
      derived.push([
        `cost per collector, 100 → ${big.label}, ${runnerName === "inProcess" ? "in-process" : runnerName === "app" ? "`npm run synth`" : "`npx cdktf synth`"}`,
        `${fixed(marginalMs(c100, big, runnerName), 2)} ms`,
      ]);
    }
    if (big.cli && defaults?.cli) {
      derived.push([
        `${big.label} / default, \`npx cdktf synth\``,
        times(ratio(big.cli.wallMs.median, defaults.cli.wallMs.median)),
      ]);
    }
    if (big.cliTsNode && defaults?.cliTsNode) {
      derived.push([
        `${big.label} / default, \`npx cdktf synth\` with the ts-node app (before)`,
        times(ratio(big.cliTsNode.wallMs.median, defaults.cliTsNode.wallMs.median)),
      ]);
    }
    if (big.tsNode && big.app) {
      derived.push([
        `${big.label}: ts-node app / \`npm run synth\``,
        times(ratio(big.tsNode.wallMs.median, big.app.wallMs.median)),
      ]);
    }
  }
  derived.push(["peak RSS, worst run of any runner", `${integer(peakRssMiB(results))} MiB`]);
  const scaling = table(
    [
      "pure step",
      `µs per collector at ${integer(results.coreScaling.small)}`,
      `at ${integer(results.coreScaling.large)}`,
      "growth (linear ≈ 1×)",
    ],
    results.coreScaling.steps.map((step) => [
      step.step,
      fixed(step.smallUsPerCollector, 1),
      fixed(step.largeUsPerCollector, 1),
      times(step.growth),
    ]),
  );
  const identical = table(
    ["topology", "runner", "against", "files", "byte-identical"],
    results.comparisons.map((comparison) => [
      results.cases.find((entry) => entry.id === comparison.caseId)?.label ?? comparison.caseId,
      comparison.runner,
      comparison.against,
      String(comparison.files),
      comparison.identical ? "yes" : `**no**: ${comparison.differing.join(", ")}`,
    ]),
  );
  return [
    provenance(source),
    "",
    `Wall time, median of ${results.rounds} run${results.rounds > 1 ? "s" : ""} per cell, runners interleaved; peak RSS is the largest of the command's node processes (median over runs, worst runner).`,
    "",
    costs,
    "",
    "In-process phases (the compiled probe, medians):",
    "",
    phases,
    "",
    table(["derived", "value"], derived),
    "",
    scaling,
    "",
    identical,
  ].join("\n");
}

function dataPlaneBlock({ provenance: source, results }: PartResult<DataPlaneResults>): string {
  const bench = table(
    ["size", "server", "msgs/s", "MB/s", "vs TLS-only", "vs plaintext", "publisher msgs/s"],
    results.natsBench.map((cell) => {
      const reference = (server: ServerName) =>
        results.natsBench.find((other) => other.size === cell.size && other.server === server)?.msgsPerSec.median ??
        NaN;
      return [
        cell.size,
        SERVER_LABELS[cell.server],
        integer(cell.msgsPerSec.median),
        fixed(cell.mbPerSec.median, 1),
        times(ratio(cell.msgsPerSec.median, reference("tlsOnly"))),
        times(ratio(cell.msgsPerSec.median, reference("plaintext"))),
        integer(cell.publisherMsgsPerSec.median),
      ];
    }),
  );
  const throughput = table(
    ["publishers", "server", "events/s", "vs TLS-only", "vs plaintext", "lost", "malformed"],
    results.tornadoThroughput.map((cell) => {
      const reference = (server: ServerName) =>
        results.tornadoThroughput.find((other) => other.publishers === cell.publishers && other.server === server)
          ?.eventsPerSec.median ?? NaN;
      return [
        String(cell.publishers),
        SERVER_LABELS[cell.server],
        integer(cell.eventsPerSec.median),
        times(ratio(cell.eventsPerSec.median, reference("tlsOnly"))),
        times(ratio(cell.eventsPerSec.median, reference("plaintext"))),
        integer(cell.lost),
        integer(cell.malformed),
      ];
    }),
  );
  const ms = (us: number) => fixed(us / 1000, 2);
  const latency = table(
    ["publishers", "server", "p50 (ms)", "p99 (ms)", "p99.9 (ms)", "max (ms)", "samples per run", "lost"],
    results.tornadoLatency.map((cell) => [
      String(cell.publishers),
      SERVER_LABELS[cell.server],
      ms(cell.p50Us.median),
      ms(cell.p99Us.median),
      ms(cell.p999Us.median),
      ms(cell.maxUs.median),
      integer(cell.samplesPerRun),
      integer(cell.lost),
    ]),
  );
  const rate = results.tornadoLatency[0];
  return [
    provenance(source),
    "",
    `Medians of ${results.rounds} rounds; every round alternates the three servers (rotating which goes first). ` +
      `Product topology: ${results.topology.collectors} collectors of ${results.topology.tenants} tenants, each publisher its own collector certificate.`,
    "",
    "`nats bench` (natscli), one publisher, one subscriber; rates are the subscriber's (end to end):",
    "",
    bench,
    "",
    `Tornado path (@nats-io/transport-node), ${results.tornadoThroughput[0]?.events.toLocaleString("en-US")} events of 1 KiB per run, one engine subscriber on \`*.tornado.events\`:`,
    "",
    throughput,
    "",
    `Latency at a fixed ${rate ? integer(rate.perSecond) : "—"} events/s for ${rate ? fixed(rate.seconds, 0) : "—"} s after a warm-up, publish to the engine's callback (exact percentiles over every event; medians over runs):`,
    "",
    latency,
  ].join("\n");
}

function stormBlock({ provenance: source, results }: PartResult<StormResults>): string {
  const rows = results.cells.map((cell) => [
    cell.keyType,
    `${integer(cell.connectedMin)} / ${integer(cell.identities)}`,
    duration(cell.allConnectedMs.median),
    duration(cell.serverCpuMs.median),
    fixed(cell.serverCpuMsPerConnection, 2),
    duration(cell.clientCpuMs.median),
    integer(cell.failedAttempts),
  ]);
  const cheapest = [...results.cells].sort((a, b) => a.serverCpuMs.median - b.serverCpuMs.median)[0];
  return [
    provenance(source),
    "",
    `${integer(results.identities)} distinct collector identities connect at once to a freshly started server (product config), ` +
      `from ${results.workers} client processes on the same machine; medians of ${results.rounds} run${results.rounds > 1 ? "s" : ""} per key type, key types interleaved.`,
    "",
    table(
      [
        "key type (server and clients)",
        "connected",
        "all connected after",
        "server CPU",
        "server CPU per connection (ms)",
        "client CPU",
        "failed attempts",
      ],
      rows,
    ),
    "",
    `Lowest server CPU: ${cheapest?.keyType ?? "—"}. The package's default key type: ${defaultKeyType()}.`,
  ].join("\n");
}

function goalsBlock(results: BenchResults): string {
  const verdict = (met: boolean | null) => (met === null ? "reported" : met ? "met" : "**missed**");
  return table(
    ["part", "goal", "measured", "target", ""],
    goalsOf(results).map((goal) => [goal.part, goal.goal, goal.measured, goal.target, verdict(goal.met)]),
  );
}

export function renderBlocks(results: BenchResults): Partial<Record<BlockName, string>> {
  return {
    ...(results.synth ? { synth: synthBlock(results.synth) } : {}),
    ...(results.dataPlane ? { dataplane: dataPlaneBlock(results.dataPlane) } : {}),
    ...(results.storm ? { storm: stormBlock(results.storm) } : {}),
    goals: goalsBlock(results),
  };
}

/** Replaces each rendered block between its markers; every block must have its markers. */
export function updateMarkdown(markdown: string, blocks: Partial<Record<BlockName, string>>): string {
  let text = markdown;
  for (const [name, content] of Object.entries(blocks)) {
    const open = `<!-- bench:${name} -->`;
    const close = `<!-- /bench:${name} -->`;
    const start = text.indexOf(open);
    const end = text.indexOf(close);
    if (start < 0 || end < start) throw new Error(`BENCHMARKS.md has no ${open} … ${close} block`);
    text = `${text.slice(0, start + open.length)}\n\n${content}\n\n${text.slice(end)}`;
  }
  return text;
}
