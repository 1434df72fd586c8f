import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { bundle } from "../bundle";
import { scratchDir, type BenchContext } from "../context";
import { measureCommand } from "../processes";
import { runsOf, type Runs } from "../stats";
import { coreScaling, type CoreScaling } from "./core-scaling";
import type { ProbeReport } from "./probe";
import { synthCases, type SynthCase } from "./topologies";

/**
 * Part 1, synth cost. Each topology is synthesized by four runners, each a
 * fresh process per run, interleaved round by round so a busy moment of the
 * shared machine hits every runner alike:
 *
 * - inProcess: the compiled probe, timing parsing, construction and app.synth();
 * - app: `node scripts/synth.js`, what `npm run synth` and cdktf.json run;
 * - tsNode: `node -r ts-node/register/transpile-only main.ts`, the app as cdktf.json ran it before;
 * - cli: `npx cdktf synth`, the whole command a user runs;
 * - cliTsNode: `npx cdktf synth --app` with the ts-node app: what that command did before.
 *
 * The floor (an empty stack with both providers) goes through the same four.
 */

export type SynthRunner = "inProcess" | "app" | "tsNode" | "cli" | "cliTsNode";

export interface ProcessMeasurement {
  readonly wallMs: Runs;
  readonly peakRssMiB: Runs;
}

export interface InProcessMeasurement extends ProcessMeasurement {
  readonly loadMs: Runs;
  readonly resolveMs: Runs;
  readonly constructMs: Runs;
  readonly synthMs: Runs;
}

export interface SynthCaseResult {
  readonly id: string;
  readonly label: string;
  readonly kind: SynthCase["kind"];
  readonly collectors: number;
  readonly tenants: number;
  readonly resources: number;
  readonly outputs: number;
  readonly tfJsonBytes: number;
  readonly inProcess: InProcessMeasurement;
  readonly app: ProcessMeasurement;
  readonly tsNode?: ProcessMeasurement;
  readonly cli?: ProcessMeasurement;
  readonly cliTsNode?: ProcessMeasurement;
}

/** Whether two runners wrote the same cdktf.out, byte for byte. */
export interface OutputComparison {
  readonly caseId: string;
  readonly runner: SynthRunner;
  readonly against: SynthRunner;
  readonly files: number;
  readonly identical: boolean;
  readonly differing: readonly string[];
}

export interface SynthResults {
  readonly rounds: number;
  readonly cases: readonly SynthCaseResult[];
  readonly comparisons: readonly OutputComparison[];
  readonly coreScaling: CoreScaling;
}

interface Plan {
  readonly rounds: number;
  runnersFor(synthCase: SynthCase): SynthRunner[];
}

function plan(quick: boolean): Plan {
  if (quick) {
    // Seconds, yet every runner and the byte-identity check run once.
    return {
      rounds: 1,
      runnersFor: (synthCase) =>
        synthCase.kind === "default" ? ["inProcess", "app", "tsNode", "cli"] : ["inProcess", "app"],
    };
  }
  return { rounds: 5, runnersFor: () => ["inProcess", "app", "tsNode", "cli", "cliTsNode"] };
}

interface Command {
  readonly command: string;
  readonly args: string[];
  readonly env: NodeJS.ProcessEnv;
}

function commandFor(runner: SynthRunner, synthCase: SynthCase, probe: string, topologyFile: string, outdir: string) {
  const floor = synthCase.kind === "floor";
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CHECKPOINT_DISABLE: "1",
    TORNADO_TOPOLOGY: topologyFile,
    CDKTF_OUTDIR: outdir,
    BENCH_SYNTH_FLOOR: floor ? "1" : "",
  };
  const entry = floor ? "bench/synth/floor-app.ts" : "main.ts";
  const cli = (app: string | undefined): Command => ({
    command: "npx",
    args: ["cdktf", "synth", "--output", outdir, ...(app ? ["--app", app] : [])],
    env,
  });
  const commands: Record<SynthRunner, Command> = {
    inProcess: { command: "node", args: [probe], env },
    app: { command: "node", args: ["scripts/synth.js", ...(floor ? [entry] : [])], env },
    tsNode: { command: "node", args: ["-r", "ts-node/register/transpile-only", entry], env },
    // cdktf.json's app, or the same runner on the floor's entry.
    cli: cli(floor ? `node scripts/synth.js ${entry}` : undefined),
    cliTsNode: cli(`node -r ts-node/register/transpile-only ${entry}`),
  };
  return commands[runner];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => statSync(join(dir, name)).isFile())
    .sort();
}

function compareOutputs(caseId: string, runner: SynthRunner, against: SynthRunner, a: string, b: string) {
  const names = [...new Set([...filesUnder(a), ...filesUnder(b)])].sort();
  const differing = names.filter((name) => {
    try {
      return !readFileSync(join(a, name)).equals(readFileSync(join(b, name)));
    } catch {
      return true; // present on one side only
    }
  });
  return { caseId, runner, against, files: names.length, identical: differing.length === 0, differing };
}

function stackJson(outdir: string): { resources: number; outputs: number; bytes: number } {
  const stacks = join(outdir, "stacks");
  const [stack] = readdirSync(stacks);
  const path = join(stacks, stack, "cdk.tf.json");
  const text = readFileSync(path, "utf8");
  const json = JSON.parse(text) as { resource?: Record<string, object>; output?: object };
  const resources = Object.values(json.resource ?? {}).reduce((sum, byId) => sum + Object.keys(byId).length, 0);
  return { resources, outputs: Object.keys(json.output ?? {}).length, bytes: Buffer.byteLength(text) };
}

export function runSynth(context: BenchContext): SynthResults {
  const { rounds, runnersFor } = plan(context.quick);
  const work = scratchDir(context, "synth");
  const probe = bundle(join(context.root, "bench", "synth", "probe.ts"), scratchDir(context, "bundles"));
  const cases = synthCases(context.quick);
  const topologyFiles = new Map(
    cases.map((synthCase) => {
      if (!synthCase.topology) return [synthCase.id, ""];
      const file = join(work, `${synthCase.id}.json`);
      writeFileSync(file, JSON.stringify(synthCase.topology, null, 2));
      return [synthCase.id, file];
    }),
  );
  const outdirOf = (synthCase: SynthCase, runner: SynthRunner) => join(work, "out", synthCase.id, runner);

  const samples = new Map<string, { wallMs: number[]; peakRssMiB: number[]; phases: ProbeReport[] }>();
  for (let round = 1; round <= rounds; round++) {
    for (const synthCase of cases) {
      for (const runner of runnersFor(synthCase)) {
        const outdir = outdirOf(synthCase, runner);
        rmSync(outdir, { recursive: true, force: true });
        // cdktf creates the output directory itself, but not its parents.
        mkdirSync(dirname(outdir), { recursive: true });
        const { command, args, env } = commandFor(
          runner,
          synthCase,
          probe,
          topologyFiles.get(synthCase.id) ?? "",
          outdir,
        );
        const measured = measureCommand(command, args, {
          cwd: context.root,
          env,
          peakFile: join(work, "peak-rss.jsonl"),
        });
        const key = `${synthCase.id}/${runner}`;
        const entry = samples.get(key) ?? { wallMs: [], peakRssMiB: [], phases: [] };
        entry.wallMs.push(measured.wallMs);
        entry.peakRssMiB.push(measured.peakRssMiB);
        if (runner === "inProcess") entry.phases.push(JSON.parse(measured.stdout.trim()) as ProbeReport);
        samples.set(key, entry);
      }
      context.log(`synth round ${round}/${rounds}: ${synthCase.label}`);
    }
  }

  const measurement = (synthCase: SynthCase, runner: SynthRunner): ProcessMeasurement | undefined => {
    const entry = samples.get(`${synthCase.id}/${runner}`);
    return entry && { wallMs: runsOf(entry.wallMs), peakRssMiB: runsOf(entry.peakRssMiB) };
  };
  const results: SynthCaseResult[] = cases.map((synthCase) => {
    const phases = samples.get(`${synthCase.id}/inProcess`)?.phases ?? [];
    const phase = (name: keyof ProbeReport) => runsOf(phases.map((report) => report[name]));
    const written = stackJson(outdirOf(synthCase, "app"));
    return {
      id: synthCase.id,
      label: synthCase.label,
      kind: synthCase.kind,
      collectors: synthCase.collectors,
      tenants: synthCase.tenants,
      resources: written.resources,
      outputs: written.outputs,
      tfJsonBytes: written.bytes,
      inProcess: {
        ...(measurement(synthCase, "inProcess") as ProcessMeasurement),
        loadMs: phase("loadMs"),
        resolveMs: phase("resolveMs"),
        constructMs: phase("constructMs"),
        synthMs: phase("synthMs"),
      },
      app: measurement(synthCase, "app") as ProcessMeasurement,
      tsNode: measurement(synthCase, "tsNode"),
      cli: measurement(synthCase, "cli"),
      cliTsNode: measurement(synthCase, "cliTsNode"),
    };
  });

  // What each runner wrote, against what the cdktf CLI wrote for the same topology.
  const comparisons: OutputComparison[] = cases.flatMap((synthCase) => {
    const runners = runnersFor(synthCase);
    if (!runners.includes("cli")) return [];
    return runners
      .filter((runner) => runner !== "cli")
      .map((runner) =>
        compareOutputs(synthCase.id, runner, "cli", outdirOf(synthCase, runner), outdirOf(synthCase, "cli")),
      );
  });
  for (const comparison of comparisons.filter((candidate) => !candidate.identical)) {
    context.log(
      `synth: ${comparison.caseId}: ${comparison.runner} and cli differ in ${comparison.differing.join(", ")}`,
    );
  }

  context.log("synth: core scaling");
  return { rounds, cases: results, comparisons, coreScaling: coreScaling(context.quick) };
}
