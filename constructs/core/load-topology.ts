import { readFileSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import { parseDocument } from "yaml";
import { DEFAULT_TOPOLOGY } from "./default-topology";
import { TopologyValidationError } from "./topology-errors";
import { resolveTopology, type Topology } from "./topology";

/** The environment variable naming a topology file for `main.ts`. */
export const TOPOLOGY_ENV = "TORNADO_TOPOLOGY";

const FILE_RULE = "a readable .json, .yaml or .yml topology file";

function fileError(path: string, value: unknown, message: string): TopologyValidationError {
  return new TopologyValidationError([{ path: [], value, message }], path);
}

/**
 * Parses a topology file's text. YAML and JSON both go through the YAML 1.2
 * parser with unique keys enforced, because JSON.parse would silently keep
 * the last of two duplicate keys; a `.json` file must also be strict JSON.
 */
export function parseTopologyText(text: string, source: string): unknown {
  const lines = text.split(/\r?\n/);
  const lineAt = (line: number): string | undefined => (line >= 1 ? lines[line - 1]?.trim() : undefined);
  const isJson = extname(source).toLowerCase() === ".json";
  if (isJson) {
    try {
      JSON.parse(text);
    } catch (error) {
      const message = (error as Error).message;
      const position = Number(/position (\d+)/.exec(message)?.[1] ?? -1);
      const line = position >= 0 ? text.slice(0, position).split("\n").length : 0;
      throw fileError(
        source,
        lineAt(line),
        `is not valid JSON (${message}${line ? `, line ${line}` : ""}); allowed: ${FILE_RULE}`,
      );
    }
  }
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    throw new TopologyValidationError(
      document.errors.map((error) => {
        const line = error.linePos?.[0]?.line ?? 0;
        return {
          path: [],
          value: lineAt(line),
          message: `is not valid ${isJson ? "JSON" : "YAML"}: ${error.message.split("\n")[0].replace(/:$/, "")}; allowed: ${FILE_RULE}`,
        };
      }),
      source,
    );
  }
  return document.toJS();
}

/** Reads, parses and validates a topology file. */
export function loadTopologyFile(path: string): Topology {
  const extension = extname(path).toLowerCase();
  if (![".json", ".yaml", ".yml"].includes(extension)) {
    throw fileError(path, path, `has an unknown extension; allowed: ${FILE_RULE}`);
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw fileError(
      path,
      path,
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}); allowed: ${FILE_RULE}`,
    );
  }
  return resolveTopology(parseTopologyText(text, path), { source: path, baseDir: dirname(resolve(path)) });
}

/** The topology named by TORNADO_TOPOLOGY, or the embedded default. */
export function loadTopologyFromEnv(env: NodeJS.ProcessEnv = process.env): Topology {
  const path = env[TOPOLOGY_ENV];
  if (path === undefined || path === "")
    return resolveTopology(DEFAULT_TOPOLOGY, { source: "embedded default topology" });
  return loadTopologyFile(path);
}
