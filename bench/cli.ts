import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { benchContext } from "./context";
import { runDataPlane } from "./dataplane/run-dataplane";
import { updateMarkdown, renderBlocks } from "./report";
import { measured, RESULTS_SCHEMA, type BenchResults } from "./results-model";
import { runStorm } from "./storm/run-storm";
import { runSynth } from "./synth/run-synth";

/**
 * npm run bench [-- --quick] [--only synth,dataplane,storm] [--out DIR]
 *
 * Runs the three benchmarks, writes every figure to results.json and renders
 * the tables of BENCHMARKS.md from it. The full run writes bench/results.json
 * and BENCHMARKS.md; --quick (seconds, what the test runs) writes to
 * bench/tmp/quick/ unless --out says otherwise, so it never replaces the real
 * figures. --only measures some parts and keeps the others' last figures.
 */

const PARTS = ["synth", "dataplane", "storm"] as const;
type Part = (typeof PARTS)[number];

interface Options {
  readonly quick: boolean;
  readonly parts: readonly Part[];
  readonly out?: string;
}

const USAGE = "usage: npm run bench [-- --quick] [--only synth,dataplane,storm] [--out DIR]";

function parseArgs(args: readonly string[]): Options {
  let quick = false;
  let parts: Part[] = [...PARTS];
  let out: string | undefined;
  const errors: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const [flag, inline] = args[index].split("=", 2);
    const value = () => inline ?? args[++index];
    switch (flag) {
      case "--quick":
        quick = true;
        break;
      case "--only": {
        const names = (value() ?? "").split(",").filter(Boolean);
        const unknown = names.filter((name) => !(PARTS as readonly string[]).includes(name));
        if (names.length === 0 || unknown.length > 0) {
          errors.push(`--only: "${names.join(",")}" is not a list of parts; allowed: ${PARTS.join(", ")}`);
        }
        parts = PARTS.filter((part) => names.includes(part));
        break;
      }
      case "--out":
        out = value();
        if (!out) errors.push("--out: needs a directory");
        break;
      default:
        errors.push(`${args[index]}: unknown argument`);
    }
  }
  if (errors.length > 0) throw new Error(`${errors.join("\n")}\n${USAGE}`);
  return { quick, parts, out };
}

/** The command as the user typed it, for the tables. */
function commandLine(args: readonly string[]): string {
  const rest = args.length > 0 ? ` -- ${args.join(" ")}` : "";
  return process.env.npm_lifecycle_event === "bench"
    ? `npm run bench${rest}`
    : `node -r ts-node/register/transpile-only bench/cli.ts${args.length ? ` ${args.join(" ")}` : ""}`;
}

async function main(args: readonly string[]): Promise<void> {
  const options = parseArgs(args);
  const context = benchContext(options.quick);
  const outDir = options.out ?? (options.quick ? join(context.root, "bench", "tmp", "quick") : undefined);
  const resultsFile = outDir ? join(outDir, "results.json") : join(context.root, "bench", "results.json");
  const markdownFile = outDir ? join(outDir, "BENCHMARKS.md") : join(context.root, "BENCHMARKS.md");
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    if (!existsSync(markdownFile)) copyFileSync(join(context.root, "BENCHMARKS.md"), markdownFile);
  }
  const previous: BenchResults = existsSync(resultsFile)
    ? (JSON.parse(readFileSync(resultsFile, "utf8")) as BenchResults)
    : { schema: RESULTS_SCHEMA };
  const command = commandLine(args);
  const mode = options.quick ? "quick" : "full";
  const run = (part: Part) => options.parts.includes(part);

  let results: BenchResults;
  try {
    results = {
      schema: RESULTS_SCHEMA,
      synth: run("synth")
        ? await measured(command, mode, context.root, false, () => runSynth(context))
        : previous.synth,
      dataPlane: run("dataplane")
        ? await measured(command, mode, context.root, true, () => runDataPlane(context))
        : previous.dataPlane,
      storm: run("storm")
        ? await measured(command, mode, context.root, false, () => runStorm(context))
        : previous.storm,
    };
  } finally {
    context.close();
  }
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(markdownFile, updateMarkdown(readFileSync(markdownFile, "utf8"), renderBlocks(results)));
  context.log(`wrote ${resultsFile} and ${markdownFile}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error)?.message ?? String(error)}\n`);
  if (process.env.BENCH_DEBUG === "1") process.stderr.write(`${(error as Error)?.stack}\n`);
  process.exitCode = 1;
});
