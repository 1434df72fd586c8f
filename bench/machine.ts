import { spawnSync } from "node:child_process";
import { cpus, loadavg, release, totalmem } from "node:os";

/** Where and with what a benchmark ran: every table of BENCHMARKS.md names it. */
export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  /** 1-minute load average when the run started: how shared the machine was. */
  readonly loadAverage1m: number;
}

export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    cores: cores.length,
    cpuModel: cores[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
  };
}

/** What the measured code can differ in from its commit. */
const MEASURED_PATHS = ["main.ts", "cdktf.json", "constructs", "stacks", "scripts", "bench", "package-lock.json"];

/**
 * The checked-out commit, so a table can be traced back to the code it
 * measured; "-dirty" when that code had uncommitted changes.
 */
export function gitCommit(cwd: string): string {
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd, encoding: "utf8" }).stdout?.trim();
  if (!head) return "unknown";
  const clean = spawnSync("git", ["diff", "--quiet", "HEAD", "--", ...MEASURED_PATHS], { cwd }).status === 0;
  return clean ? head : `${head}-dirty`;
}
