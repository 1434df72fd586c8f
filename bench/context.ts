import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

/** What every part of the benchmark shares: where it runs, how long, and where it says what it is doing. */
export interface BenchContext {
  /** The repository root: the commands run there, as a user runs them. */
  readonly root: string;
  /** This run's scratch space (generated topologies, bundles, outputs); removed by close(). */
  readonly scratch: string;
  /** Kept between runs (bench/tmp/cache): certificates that take minutes to make. */
  readonly cache: string;
  readonly quick: boolean;
  /** Progress lines on stderr; results go only to results.json. */
  log(message: string): void;
  close(): void;
}

/** bench/tmp (git-ignored); each run works in its own directory, so runs in parallel do not collide. */
export function benchContext(quick: boolean): BenchContext {
  const root = resolve(__dirname, "..");
  const tmp = join(root, "bench", "tmp");
  const scratch = join(tmp, `run-${process.pid}`);
  const cache = join(tmp, "cache");
  mkdirSync(scratch, { recursive: true });
  mkdirSync(cache, { recursive: true });
  return {
    root,
    scratch,
    cache,
    quick,
    log: (message) => process.stderr.write(`bench: ${message}\n`),
    close: () => rmSync(scratch, { recursive: true, force: true }),
  };
}

/** A subdirectory of this run's scratch space, created if missing. */
export function scratchDir(context: BenchContext, ...parts: string[]): string {
  const dir = join(context.scratch, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}
