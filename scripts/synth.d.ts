import type { BuildOptions } from "esbuild";

/** esbuild options for a Node program of this repository: one file, dependencies from node_modules. */
export function bundleOptions(entry: string, outfile: string): BuildOptions;
