import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { TOPOLOGY_SCHEMA_FILE } from "../../scripts/topology-json-schema";

/**
 * The committed schema/topology.schema.json, compiled by a real JSON Schema
 * validator (what editors use), in strict mode so that a schema keyword Ajv
 * does not know is an error rather than silently ignored.
 */
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(TOPOLOGY_SCHEMA_FILE, "utf8")));

/** The JSON Schema's complaints about `document`, as `<path> <message>` lines; empty when valid. */
export function jsonSchemaErrors(document: unknown): string[] {
  if (validate(document)) return [];
  return (validate.errors ?? []).map((error) => {
    const extra = error.keyword === "additionalProperties" ? ` (${String(error.params.additionalProperty)})` : "";
    return `${error.instancePath || "/"} ${error.message ?? error.keyword}${extra}`;
  });
}
