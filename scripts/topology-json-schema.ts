import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { z } from "zod";
import { topologySchema } from "../constructs/core/topology-schema";

/**
 * Builds schema/topology.schema.json from the zod schema that validates
 * topology files, so the two cannot drift apart. zod gives the structure
 * (fields, types, enums, ranges, required fields, no unknown fields); the
 * field descriptions editors show on hover come from the doc comments on the
 * zod fields in constructs/core/, read with the TypeScript parser, so a field
 * is documented in exactly one place.
 */

export const PACKAGE_ROOT = resolve(__dirname, "..");
export const TOPOLOGY_SCHEMA_FILE = join(PACKAGE_ROOT, "schema", "topology.schema.json");
/** Where the zod topology schema and its doc comments live. */
const SCHEMA_SOURCE_DIR = join(PACKAGE_ROOT, "constructs", "core");

const DESCRIPTION = [
  "A cdktf-tornado-nats topology file (YAML or JSON): Docker hosts, tenants, the NATS server, the Tornado engine,",
  "collectors and the generated PKI. Generated from the zod schema that validates topology files",
  "(npm run generate:schema); do not edit by hand.",
  "This schema checks field names, types, allowed values, ranges and required fields.",
  "The synth (resolveTopology) checks the rest and names every problem: the syntax of names, DNS names",
  "and IP addresses, the NATS release (CVE-2026-33248), loopback-only addresses, and every rule that",
  "relates fields to each other (references to hosts and tenants, duplicates, port collisions,",
  "fields that only fit one collector kind).",
].join(" ");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Field docs of one zod object literal, keyed by field name. */
type FieldDocs = ReadonlyMap<string, string>;

const OBJECT_FACTORIES = new Set(["z.object", "z.strictObject", "z.looseObject"]);

/** The sorted field names of an object: how a zod object literal and its JSON Schema are matched. */
function shapeKey(fields: Iterable<string>): string {
  return [...fields].sort().join(",");
}

function docOf(node: ts.Node): string | undefined {
  const text = ts
    .getJSDocCommentsAndTags(node)
    .filter(ts.isJSDoc)
    .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? "")
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
  return text === "" ? undefined : text;
}

/**
 * Doc comments of the fields of every `z.strictObject({...})` (or `z.object`)
 * literal under constructs/core, keyed by the literal's sorted field names.
 * Two literals with the same fields but different docs would make the match
 * ambiguous: that is an error, not a guess.
 */
export function collectFieldDocs(sourceDir: string = SCHEMA_SOURCE_DIR): Map<string, FieldDocs> {
  const byShape = new Map<string, FieldDocs>();
  const origins = new Map<string, string>();
  for (const file of readdirSync(sourceDir).filter((name) => name.endsWith(".ts"))) {
    const path = join(sourceDir, file);
    const source = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.ES2022, true);
    // Field groups shared by several zod objects (`const engineFields = {...}`, spread into them).
    const fieldGroups = new Map<string, Map<string, string>>();
    const collectGroups = (node: ts.Node): void => {
      if (
        ts.isVariableDeclaration(node) &&
        ts.isIdentifier(node.name) &&
        node.initializer !== undefined &&
        ts.isObjectLiteralExpression(node.initializer)
      ) {
        const docs = new Map<string, string>();
        for (const property of node.initializer.properties) {
          if (property.name && ts.isIdentifier(property.name)) docs.set(property.name.text, docOf(property) ?? "");
        }
        fieldGroups.set(node.name.text, docs);
      }
      ts.forEachChild(node, collectGroups);
    };
    collectGroups(source);
    const visit = (node: ts.Node): void => {
      const argument = ts.isCallExpression(node) ? node.arguments[0] : undefined;
      if (
        ts.isCallExpression(node) &&
        OBJECT_FACTORIES.has(node.expression.getText(source)) &&
        argument !== undefined &&
        ts.isIdentifier(argument) &&
        fieldGroups.has(argument.text)
      ) {
        // `z.strictObject(engineFields)`: the group is the whole shape.
        const docs = fieldGroups.get(argument.text) as Map<string, string>;
        byShape.set(shapeKey(docs.keys()), docs);
      } else if (
        ts.isCallExpression(node) &&
        OBJECT_FACTORIES.has(node.expression.getText(source)) &&
        argument !== undefined &&
        ts.isObjectLiteralExpression(argument)
      ) {
        const docs = new Map<string, string>();
        for (const property of argument.properties) {
          if (ts.isSpreadAssignment(property) && ts.isIdentifier(property.expression)) {
            for (const [field, doc] of fieldGroups.get(property.expression.text) ?? []) docs.set(field, doc);
            continue;
          }
          const name = property.name && ts.isIdentifier(property.name) ? property.name.text : property.name?.getText();
          if (name === undefined) continue;
          const doc = docOf(property);
          docs.set(name.replace(/^["']|["']$/g, ""), doc ?? "");
        }
        const key = shapeKey(docs.keys());
        const here = `${relative(PACKAGE_ROOT, path)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
        const previous = byShape.get(key);
        if (previous && JSON.stringify([...previous]) !== JSON.stringify([...docs])) {
          throw new Error(
            `two zod objects with the fields {${key}} carry different doc comments (${origins.get(key)} and ${here}); ` +
              "give them the same docs or different fields",
          );
        }
        byShape.set(key, docs);
        origins.set(key, here);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return byShape;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Copies doc comments onto every `properties` entry of the JSON Schema, recursively. */
function describeProperties(node: Json, docs: Map<string, FieldDocs>): void {
  if (Array.isArray(node)) {
    node.forEach((item) => describeProperties(item, docs));
    return;
  }
  if (!isObject(node)) return;
  const properties = node.properties;
  if (isObject(properties)) {
    const fieldDocs = docs.get(shapeKey(Object.keys(properties)));
    for (const [field, schema] of Object.entries(properties)) {
      const doc = fieldDocs?.get(field);
      if (doc && isObject(schema)) properties[field] = { description: doc, ...schema };
    }
  }
  Object.values(node).forEach((child) => describeProperties(child, docs));
}

/** `z.int()` bounds itself to safe integers; in a schema for people those bounds are noise. */
function dropSafeIntegerBounds(node: Json): void {
  if (Array.isArray(node)) {
    node.forEach(dropSafeIntegerBounds);
    return;
  }
  if (!isObject(node)) return;
  if (node.minimum === Number.MIN_SAFE_INTEGER) delete node.minimum;
  if (node.maximum === Number.MAX_SAFE_INTEGER) delete node.maximum;
  Object.values(node).forEach(dropSafeIntegerBounds);
}

/** The JSON Schema of what a user writes (the input side: fields with defaults are optional). */
export function topologyJsonSchema(): JsonObject {
  const generated = z.toJSONSchema(topologySchema, {
    io: "input",
    target: "draft-2020-12",
    unrepresentable: "throw",
  }) as JsonObject;
  describeProperties(generated, collectFieldDocs());
  dropSafeIntegerBounds(generated);
  const { $schema, ...rest } = generated;
  return { $schema, title: "cdktf-tornado-nats topology", description: DESCRIPTION, ...rest };
}

/**
 * The schema file's exact text. Plain JSON.stringify output (the file is in
 * .prettierignore, like the lock file) so generating it needs no formatter.
 */
export function topologyJsonSchemaText(): string {
  return `${JSON.stringify(topologyJsonSchema(), null, 2)}\n`;
}
