import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_TOPOLOGY } from "../../constructs/core/default-topology";
import { resolveTopology } from "../../constructs/core/topology";
import { topologySchema } from "../../constructs/core/topology-schema";
import {
  collectFieldDocs,
  TOPOLOGY_SCHEMA_FILE,
  topologyJsonSchema,
  topologyJsonSchemaText,
} from "../../scripts/topology-json-schema";
import { jsonSchemaErrors } from "../helpers/json-schema-validator";

type Schema = { [key: string]: any };

/** Field paths (`collectors[].icinga2.username`) of every property in the schema, with its description. */
function fieldsOf(schema: Schema, prefix = ""): { path: string; description?: string }[] {
  const fields: { path: string; description?: string }[] = [];
  for (const [name, property] of Object.entries<Schema>(schema.properties ?? {})) {
    fields.push({ path: `${prefix}${name}`, description: property.description });
    fields.push(...fieldsOf(property, `${prefix}${name}.`));
  }
  if (schema.items) fields.push(...fieldsOf(schema.items, `${prefix.replace(/\.$/, "")}[].`));
  for (const branch of schema.anyOf ?? []) fields.push(...fieldsOf(branch, prefix));
  return fields;
}

/** A copy of the default topology with one change. */
function variant(change: (topology: any) => void): unknown {
  const copy = structuredClone(DEFAULT_TOPOLOGY) as any;
  change(copy);
  return copy;
}

describe("schema/topology.schema.json", () => {
  test("GIVEN the zod topology schema WHEN the JSON Schema is regenerated THEN the committed file is identical", () => {
    const committed = readFileSync(TOPOLOGY_SCHEMA_FILE, "utf8");
    // On failure: run `npm run generate:schema` and commit the result.
    expect(committed).toBe(topologyJsonSchemaText());
  });

  test("THEN every field carries a description an editor can show (from the zod field's doc comment)", () => {
    const undocumented = fieldsOf(topologyJsonSchema())
      .filter((field) => !field.description)
      .map((field) => field.path);
    // On failure: add a /** doc comment */ to those fields in constructs/core/topology-schema.ts.
    expect(undocumented).toEqual([]);
  });

  test("THEN it describes the input side: fields with defaults are optional and show their default", () => {
    const schema = topologyJsonSchema() as Schema;
    expect(schema.required).toEqual(["hosts", "tenants", "nats", "collectors"]);
    expect(schema.properties.nats.properties.clientPort).toMatchObject({ type: "integer", default: 4222 });
    expect(schema.properties.collectors.items.properties.kind.enum).toEqual([
      "webhook",
      "nats_json",
      "email",
      "icinga2",
      "rsyslog",
      "snmptrapd",
    ]);
  });

  test("GIVEN the embedded default topology THEN both the JSON Schema and the zod schema accept it", () => {
    expect(jsonSchemaErrors(DEFAULT_TOPOLOGY)).toEqual([]);
    expect(topologySchema.safeParse(DEFAULT_TOPOLOGY).success).toBe(true);
  });

  // Each case breaks one structural rule; the JSON Schema must reject it where
  // the zod schema does, or editors would let a user write it.
  test.each([
    ["a misspelt top-level field", variant((t) => (t.tenat = []))],
    ["a misspelt collector field", variant((t) => (t.collectors[0].tenat = "acme"))],
    ["an unknown collector kind", variant((t) => (t.collectors[0].kind = "syslog"))],
    ["a cluster with no nodes", variant((t) => (t.nats.cluster = { nodes: [] }))],
    [
      "a satellite without dnsNames",
      variant((t) => (t.satellites = [{ name: "sat", tenant: "acme", host: "master" }])),
    ],
    ["a port out of range", variant((t) => (t.nats.clientPort = 70000))],
    ["a port given as a string", variant((t) => (t.engine.apiPort = "4748"))],
    ["no hosts", variant((t) => (t.hosts = []))],
    ["an image object with an unknown field", variant((t) => (t.engine.image = { name: "x", tag: "1" }))],
    ["an unknown key algorithm", variant((t) => (t.pki = { keyAlgorithm: "DSA" }))],
    [
      "an icinga2 API URL that is not a URL",
      variant(
        (t) =>
          (t.collectors[0].icinga2 = { apiUrl: "icinga", username: "tornado", passwordVariable: "icinga2_password" }),
      ),
    ],
  ])("GIVEN %s THEN the JSON Schema and the zod schema both reject it", (_case, document) => {
    expect(jsonSchemaErrors(document)).not.toEqual([]);
    expect(topologySchema.safeParse(document).success).toBe(false);
  });

  test("GIVEN a rule only the synth checks (a tenant name with a dot) THEN the JSON Schema accepts it and resolveTopology names it", () => {
    const document = variant((t) => (t.tenants[1].name = "ac.me"));
    expect(jsonSchemaErrors(document)).toEqual([]);
    expect(() => resolveTopology(document)).toThrow(/tenants\[1\]\.name: "ac\.me"/);
  });
});

describe("collectFieldDocs (doc comments → descriptions)", () => {
  const dir = mkdtempSync(join(tmpdir(), "field-docs-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("GIVEN two zod objects with the same fields but different docs THEN it refuses to guess", () => {
    writeFileSync(join(dir, "a.ts"), "const a = z.strictObject({ /** one */ port: p, /** two */ host: h });\n");
    writeFileSync(join(dir, "b.ts"), "const b = z.strictObject({ /** other */ host: h, port: p });\n");
    expect(() => collectFieldDocs(dir)).toThrow(/two zod objects with the fields \{host,port\}/);
  });
});
