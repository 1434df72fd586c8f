import { buildSync } from "esbuild";
import { basename, join } from "node:path";

/**
 * The benchmark's own child processes (the synth probe, the data-plane
 * clients, the storm workers) run as esbuild bundles, like `npm run synth`
 * runs the app: starting them through ts-node would add a second of compile
 * time to each and source-map-support's cost to every stack trace cdktf takes.
 */
export function bundle(entry: string, outdir: string): string {
  const outfile = join(outdir, `${basename(entry, ".ts")}.js`);
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    packages: "external",
    outfile,
    logLevel: "warning",
  });
  return outfile;
}
