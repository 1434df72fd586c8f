import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/**
 * Running a command the way a user would and measuring it: wall time around
 * the whole process tree, and the peak resident set size of every node
 * process in it (each reports its own through peak-rss-hook.js, so nothing
 * is sampled and no short-lived process is missed).
 */

const PEAK_RSS_HOOK = join(__dirname, "peak-rss-hook.js");

export interface NodeProcessPeak {
  readonly argv: readonly string[];
  readonly maxRssKiB: number;
}

export interface MeasuredCommand {
  readonly wallMs: number;
  /** The largest peak RSS among the command's node processes. */
  readonly peakRssMiB: number;
  readonly processes: readonly NodeProcessPeak[];
  readonly stdout: string;
  readonly stderr: string;
}

export interface MeasureOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Where the node processes write their peaks; removed afterwards. */
  readonly peakFile: string;
  readonly timeoutMs?: number;
}

/** Runs `command args…` to completion; throws with its output if it fails. */
export function measureCommand(command: string, args: readonly string[], options: MeasureOptions): MeasuredCommand {
  rmSync(options.peakFile, { force: true });
  const nodeOptions = [options.env.NODE_OPTIONS, `--require ${PEAK_RSS_HOOK}`].filter(Boolean).join(" ");
  const started = performance.now();
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: { ...options.env, NODE_OPTIONS: nodeOptions, BENCH_PEAK_RSS_FILE: options.peakFile },
    encoding: "utf8",
    timeout: options.timeoutMs ?? 300_000,
    maxBuffer: 64 * 2 ** 20,
  });
  const wallMs = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (status ${result.status}, ${result.signal ?? "no signal"}):\n` +
        `${result.stderr}${result.stdout}`.slice(-4000),
    );
  }
  const processes = existsSync(options.peakFile)
    ? readFileSync(options.peakFile, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as NodeProcessPeak)
    : [];
  rmSync(options.peakFile, { force: true });
  if (processes.length === 0) throw new Error(`${command}: no node process reported its peak RSS`);
  const peakRssMiB = Math.max(...processes.map((entry) => entry.maxRssKiB)) / 1024;
  return { wallMs, peakRssMiB, processes, stdout: result.stdout, stderr: result.stderr };
}

let clockTicks: number | undefined;

/** CPU time (user + system) a running process has used so far, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid: number): number {
  clockTicks ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clockTicks;
}
