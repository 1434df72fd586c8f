import { App } from "cdktf";
import { loadTopologyFromEnv } from "../constructs/core/load-topology";
import { TopologyValidationError } from "../constructs/core/topology-errors";
import { TornadoTopologyStack } from "./tornado-topology-stack";

/** Options of {@link synthApp}; the defaults are what `main.ts` uses. */
export interface SynthAppOptions {
  /** Where TORNADO_TOPOLOGY is read from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** The output directory. @default "cdktf.out" (or what the cdktf CLI passes in CDKTF_OUTDIR) */
  readonly outdir?: string;
  /** Where errors are written. @default process.stderr */
  readonly stderr?: { write(text: string): unknown };
}

/**
 * What `main.ts` does, callable in-process: load and validate the topology
 * (TORNADO_TOPOLOGY, or the embedded default), then build the stack and
 * synthesize it. Returns the exit code. The topology is validated before any
 * construct exists, so an invalid one writes nothing to the output directory;
 * errors are printed without a stack trace (TORNADO_DEBUG=1 adds it).
 */
export function synthApp(options: SynthAppOptions = {}): number {
  const env = options.env ?? process.env;
  const stderr = options.stderr ?? process.stderr;
  try {
    const topology = loadTopologyFromEnv(env);
    const app = new App(options.outdir === undefined ? {} : { outdir: options.outdir });
    new TornadoTopologyStack(app, topology.name, { topology });
    app.synth();
    return 0;
  } catch (error) {
    if (error instanceof TopologyValidationError) {
      stderr.write(`${error.message}\n`);
    } else {
      stderr.write(`error: ${(error as Error)?.message ?? String(error)}\n`);
      if (env.TORNADO_DEBUG === "1") stderr.write(`${(error as Error)?.stack}\n`);
    }
    return 1;
  }
}
