import { statSync } from "node:fs";
import type { Topology } from "./topology";
import type { TopologyIssue } from "./topology-errors";
import { issue } from "./validation-helpers";

/**
 * Local directories synth reads (the engines' rules): checked once the
 * topology is otherwise sound, so a missing one is a topology error with
 * its field path instead of a failure halfway through building the stack.
 */

const RULES_DIR_RULE =
  "a readable directory with your Tornado rules (rules.d, v2 layout with version.json); " +
  "relative paths are relative to the topology file";

function directoryProblem(dir: string): string | undefined {
  try {
    return statSync(dir).isDirectory() ? undefined : "is not a directory";
  } catch (error) {
    return `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`;
  }
}

/** Problems with the local directories a resolved topology names; empty when every one is readable. */
export function localDirectoryIssues(topology: Topology): TopologyIssue[] {
  const engines = [
    ...(topology.engine ? [{ path: ["engine"], rulesDir: topology.engine.rulesDir }] : []),
    ...topology.dedicatedEngines.map((engine, index) => ({
      path: ["dedicatedEngines", index],
      rulesDir: engine.rulesDir,
    })),
  ];
  return engines.flatMap(({ path, rulesDir }) => {
    const problem = rulesDir === undefined ? undefined : directoryProblem(rulesDir);
    return problem ? [issue([...path, "rulesDir"], rulesDir, `${problem}; allowed: ${RULES_DIR_RULE}`)] : [];
  });
}
