import { spawnSync } from "node:child_process";
import { natsServerBinary } from "../__tests__/helpers/nats-server-process";
import type { DataPlaneResults } from "./dataplane/run-dataplane";
import { natsCliBinary } from "./dataplane/natscli";
import { gitCommit, machineInfo, type MachineInfo } from "./machine";
import type { StormResults } from "./storm/run-storm";
import type { SynthResults } from "./synth/run-synth";

/**
 * bench/results.json: every figure of every part, with where and how it was
 * measured. BENCHMARKS.md's tables are rendered from this file only.
 */

export const RESULTS_SCHEMA = 1;

/** What produced a part's figures; each table of BENCHMARKS.md prints it. */
export interface Provenance {
  /** The exact command, as typed. */
  readonly command: string;
  readonly mode: "full" | "quick";
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: MachineInfo;
  readonly natsServer: string;
  readonly natsCli?: string;
  readonly commit: string;
}

export interface PartResult<T> {
  readonly provenance: Provenance;
  readonly results: T;
}

export interface BenchResults {
  readonly schema: typeof RESULTS_SCHEMA;
  readonly synth?: PartResult<SynthResults>;
  readonly dataPlane?: PartResult<DataPlaneResults>;
  readonly storm?: PartResult<StormResults>;
}

function versionOf(binary: string): string {
  const output = spawnSync(binary, ["--version"], { encoding: "utf8" }).stdout?.trim() ?? "";
  return output.replace(/^nats-server:\s*/, "");
}

/** Runs one part and records what it ran on. */
export async function measured<T>(
  command: string,
  mode: "full" | "quick",
  root: string,
  needsNatsCli: boolean,
  run: () => Promise<T> | T,
): Promise<PartResult<T>> {
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const natsServer = versionOf(natsServerBinary());
  const natsCli = needsNatsCli ? versionOf(natsCliBinary()) : undefined;
  const results = await run();
  return {
    provenance: {
      command,
      mode,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine,
      natsServer,
      ...(natsCli ? { natsCli } : {}),
      commit: gitCommit(root),
    },
    results,
  };
}
