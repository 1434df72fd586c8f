import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Testing } from "cdktf";
import { loadTopologyFile, parseTopologyText } from "../../constructs/core/load-topology";
import { TOPOLOGY_SCHEMA_FILE } from "../../scripts/topology-json-schema";
import { TornadoTopologyStack } from "../../stacks/tornado-topology-stack";
import { issueExternalPkiFiles } from "../helpers/external-pki-files";
import { jsonSchemaErrors } from "../helpers/json-schema-validator";
import type { SynthesizedStack } from "../helpers/synth";

// Every topology file in examples/ (the README and examples/README.md point
// at them) must help an editor (schema reference, valid against the JSON
// Schema) and must load and synthesize exactly as `npx cdktf synth` would.
const EXAMPLES = join(__dirname, "../../examples");
const files = readdirSync(EXAMPLES).filter((file) => /\.(ya?ml|json)$/.test(file));
const schemaReference = relative(EXAMPLES, TOPOLOGY_SCHEMA_FILE);

test("GIVEN examples/ THEN it holds the examples the README names", () => {
  expect(files).toEqual(
    expect.arrayContaining([
      "single-host.yaml",
      "two-hosts.yaml",
      "three-tenants.yaml",
      "readers-and-dedicated-engines.yaml",
      "cluster-and-satellites.yaml",
      "external-pki.yaml",
    ]),
  );
});

describe.each(files)("examples/%s", (file) => {
  const path = join(EXAMPLES, file);
  const text = readFileSync(path, "utf8");
  const document = parseTopologyText(text, path) as Record<string, unknown>;

  test("THEN it points editors at the generated JSON Schema", () => {
    if (file.endsWith(".json")) expect(document.$schema).toBe(schemaReference);
    else expect(text.split("\n")[0]).toBe(`# yaml-language-server: $schema=${schemaReference}`);
  });

  test("THEN the JSON Schema accepts it", () => {
    expect(jsonSchemaErrors(document)).toEqual([]);
  });

  // An external PKI example needs the operator's files: issue them beside a copy of it.
  const external = (document.pki as Record<string, unknown> | undefined)?.externalCaFile !== undefined;
  let loadFrom = path;
  let workdir: string | undefined;
  beforeAll(async () => {
    if (!external) return;
    workdir = mkdtempSync(join(tmpdir(), "example-"));
    loadFrom = join(workdir, file);
    copyFileSync(path, loadFrom);
    await issueExternalPkiFiles(document, workdir);
  });
  afterAll(() => workdir && rmSync(workdir, { recursive: true, force: true }));

  test("THEN it loads like TORNADO_TOPOLOGY would and synthesizes with every validation passing", () => {
    const topology = loadTopologyFile(loadFrom);
    const stack = new TornadoTopologyStack(Testing.app(), topology.name, { topology });
    const json = JSON.parse(Testing.synth(stack, true)) as SynthesizedStack;

    const aliases = json.provider.docker.map((provider) => provider.alias);
    expect(aliases).toEqual(topology.hosts.map((host) => host.name));
    const containers = Object.values(json.resource.docker_container).map((container) => container.name);
    expect(containers.sort()).toEqual(
      [
        ...topology.nats.nodes.map((node) => node.name),
        ...topology.satellites.map((satellite) => satellite.name),
        ...(topology.engine ? ["tornado-engine"] : []),
        ...topology.dedicatedEngines.map((engine) => `tornado-engine-${engine.name}`),
        ...topology.collectors.map((collector) => `tornado-collector-${collector.name}`),
        ...topology.readers.filter((reader) => reader.deploy).map((reader) => `tornado-reader-${reader.name}`),
      ].sort(),
    );
  });
});
