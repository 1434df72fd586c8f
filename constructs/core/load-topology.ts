import { readFileSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import { parseDocument } from "yaml";
import { DEFAULT_TOPOLOGY } from "./default-topology";
import { findJsonSyntaxError, lineAndColumn } from "./json-syntax";
import { containsPrivateKey, PRIVATE_KEY_PLACEHOLDER, TopologyValidationError } from "./topology-errors";
import { resolveTopology, type Topology } from "./topology";

/** The environment variable naming a topology file for `main.ts`. */
export const TOPOLOGY_ENV = "TORNADO_TOPOLOGY";

const FILE_RULE = "a readable .json, .yaml or .yml topology file";

function fileError(path: string, value: unknown, message: string): TopologyValidationError {
  return new TopologyValidationError([{ path: [], value, message }], path);
}

/** A leading byte order mark: editors on Windows write one, and JSON.parse refuses it. */
const BYTE_ORDER_MARK = "\uFEFF";

/**
 * Parses a topology file's text. YAML and JSON both go through the YAML 1.2
 * parser with unique keys enforced, because JSON.parse would silently keep
 * the last of two duplicate keys; a `.json` file must also be strict JSON.
 * Syntax errors name the line and column and show that line, unless the file
 * holds a private key (a key file passed by mistake): then no line is shown.
 */
export function parseTopologyText(text: string, source: string): unknown {
  const body = text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
  const lines = body.split(/\r?\n/);
  const holdsKey = containsPrivateKey(body);
  const lineAt = (line: number): string | undefined =>
    line < 1 ? undefined : holdsKey ? PRIVATE_KEY_PLACEHOLDER : lines[line - 1]?.trim();
  const isJson = extname(source).toLowerCase() === ".json";
  if (isJson) {
    const syntax = findJsonSyntaxError(body);
    if (syntax) {
      const { line, column } = lineAndColumn(body, syntax.offset);
      throw fileError(
        source,
        lineAt(line),
        `is not valid JSON: ${syntax.reason} at line ${line}, column ${column}; allowed: ${FILE_RULE}`,
      );
    }
  }
  const document = parseDocument(body, { uniqueKeys: true, prettyErrors: true });
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
  try {
    return document.toJS();
  } catch (error) {
    // The yaml package refuses aliases that would expand without bound ("billion laughs").
    throw fileError(
      source,
      undefined,
      `cannot be expanded: ${(error as Error).message}; allowed: ${FILE_RULE} whose YAML aliases stay few`,
    );
  }
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
