import { synthApp } from "./stacks/synth-app";

// The cdktf app (cdktf.json "app"): synthesizes the topology named by
// TORNADO_TOPOLOGY, or the embedded default. See stacks/synth-app.ts.
process.exitCode = synthApp();
