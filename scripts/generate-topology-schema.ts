import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { PACKAGE_ROOT, TOPOLOGY_SCHEMA_FILE, topologyJsonSchemaText } from "./topology-json-schema";

// npm run generate:schema — rewrites schema/topology.schema.json from the zod
// schema. __tests__/library/topology-json-schema.test.ts fails when it is stale.
mkdirSync(dirname(TOPOLOGY_SCHEMA_FILE), { recursive: true });
writeFileSync(TOPOLOGY_SCHEMA_FILE, topologyJsonSchemaText());
process.stdout.write(`wrote ${relative(PACKAGE_ROOT, TOPOLOGY_SCHEMA_FILE)}\n`);
