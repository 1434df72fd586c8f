import { loadTopologyFile, loadTopologyFromEnv } from "../constructs/core/load-topology";
import { TopologyValidationError } from "../constructs/core/topology-errors";
import { whoReadsWhatMarkdown } from "../constructs/core/who-reads-what";

/**
 * `npm run who-reads-what [-- topology.yaml]`: prints the who-reads-what
 * tables (Markdown) of a topology file, of TORNADO_TOPOLOGY, or of the
 * embedded default.
 */
try {
  const file = process.argv[2];
  process.stdout.write(whoReadsWhatMarkdown(file ? loadTopologyFile(file) : loadTopologyFromEnv()));
} catch (error) {
  process.stderr.write(
    `${error instanceof TopologyValidationError ? error.message : `error: ${(error as Error).message}`}\n`,
  );
  process.exitCode = 1;
}
