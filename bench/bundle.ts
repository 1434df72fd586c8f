import { buildSync } from "esbuild";
import { basename, join } from "node:path";
import { bundleOptions } from "../scripts/synth";

/**
 * The benchmark's own child processes (the synth probe, the data-plane
 * clients, the storm workers) run as esbuild bundles, with the options
 * `npm run synth` runs the app with: starting them through ts-node would add
 * a second of compile time to each and source-map-support's cost to every
 * stack trace cdktf takes.
 */
export function bundle(entry: string, outdir: string): string {
  const outfile = join(outdir, `${basename(entry, ".ts")}.js`);
  buildSync(bundleOptions(entry, outfile));
  return outfile;
}
