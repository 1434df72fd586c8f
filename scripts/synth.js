// `npm run synth` and cdktf.json's "app": runs the cdktf app compiled by
// esbuild instead of through ts-node. ts-node compiles every module on each
// run and installs source-map-support, whose stack-trace rewriting cdktf pays
// for on every token it creates; with 1,000 collectors that was most of the
// synth time (BENCHMARKS.md, "Synth cost"). esbuild only strips types (the
// type check is `npm run typecheck`), bundles this package's modules into one
// file and leaves every dependency to node_modules, so the app, and what it
// writes to cdktf.out, stay the same (__tests__/bench proves the bytes equal).
// The benchmark bundles its own child processes with the same options.
//
// Usage: node scripts/synth.js [entry.ts]   (default: main.ts)
"use strict";
const { buildSync } = require("esbuild");
const { mkdirSync, renameSync, writeFileSync } = require("node:fs");
const { basename, join, resolve } = require("node:path");

/** esbuild options for a Node program of this repository: one file, dependencies from node_modules. */
function bundleOptions(entry, outfile) {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    packages: "external",
    outfile,
    logLevel: "warning",
  };
}

function runApp(entryArgument) {
  const root = resolve(__dirname, "..");
  const entry = resolve(root, entryArgument ?? "main.ts");
  const outdir = join(root, "node_modules", ".cache", "cdktf-tornado-nats");
  const outfile = join(outdir, `${basename(entry, ".ts")}.js`);
  const { outputFiles } = buildSync({ ...bundleOptions(entry, outfile), write: false });
  mkdirSync(outdir, { recursive: true });
  // Parallel runs (test workers) each write their own file and rename it into
  // place, so none ever loads half a bundle.
  const partial = `${outfile}.${process.pid}.tmp`;
  writeFileSync(partial, outputFiles[0].contents);
  renameSync(partial, outfile);
  require(outfile);
}

module.exports = { bundleOptions };

if (require.main === module) runApp(process.argv[2]);
