import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Testing } from "cdktf";
import { loadTopologyFile } from "../../constructs/core/load-topology";
import { TornadoTopologyStack } from "../../stacks/tornado-topology-stack";
import type { SynthesizedStack } from "../helpers/synth";

/**
 * `cdktf synth --hcl`, for teams leaving cdktf: the README promises it works.
 * One CLI run (about 5–10 s) on the example with every collector and host
 * kind; the HCL is parsed back with HashiCorp's HCL parser (the one cdktf
 * ships as @cdktf/hcl2json), which rejects what Terraform would reject as
 * syntax, including stray template sequences in strings.
 */

// Not imported: @cdktf/hcl2json's typings carry `/// <reference lib="dom" />`,
// which would change other packages' types across the whole program.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parse } = require("@cdktf/hcl2json") as { parse(file: string, text: string): Promise<unknown> };

const ROOT = resolve(__dirname, "../..");
const TOPOLOGY = join(ROOT, "examples", "three-tenants.yaml");
const work = mkdtempSync(join(tmpdir(), "hcl-synth-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Blocks = Record<string, Record<string, any>[]>;
interface ParsedHcl {
  terraform: { required_providers: Record<string, { source: string; version: string }>[] }[];
  provider: Blocks;
  resource: Record<string, Blocks>;
  variable: Blocks;
  output: Blocks;
}

let hcl: ParsedHcl;
let json: SynthesizedStack;

beforeAll(async () => {
  const result = spawnSync(join(ROOT, "node_modules", ".bin", "cdktf"), ["synth", "--hcl", "--output", work], {
    cwd: ROOT,
    env: { ...process.env, CHECKPOINT_DISABLE: "1", TORNADO_TOPOLOGY: TOPOLOGY },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`cdktf synth --hcl failed:\n${result.stdout}${result.stderr}`);
  const text = readFileSync(join(work, "stacks", "tornado", "cdk.tf"), "utf8");
  hcl = (await parse("cdk.tf", text)) as ParsedHcl;

  const topology = loadTopologyFile(TOPOLOGY);
  json = JSON.parse(
    Testing.synth(new TornadoTopologyStack(Testing.app(), topology.name, { topology })),
  ) as SynthesizedStack;
});

test("GIVEN cdktf synth --hcl THEN cdk.tf parses as HCL and pins the provider versions", () => {
  expect(hcl.terraform[0].required_providers[0]).toEqual({
    docker: { source: "kreuzwerker/docker", version: "3.6.2" },
    tls: { source: "hashicorp/tls", version: "4.1.0" },
  });
  expect(hcl.provider.docker.map((provider) => provider.alias)).toEqual(["master", "dmz", "edge"]);
});

test("THEN it declares the same resources as the JSON synth", () => {
  const addresses = (resources: Record<string, Record<string, unknown>>): string[] =>
    Object.entries(resources)
      .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
      .sort();
  expect(addresses(hcl.resource)).toEqual(addresses(json.resource));
  expect(Object.keys(hcl.output).sort()).toEqual(Object.keys(json.output).sort());
});

test("THEN secrets stay sensitive: the Icinga2 password variable and every private key output", () => {
  expect(hcl.variable.globex_icinga2_password[0]).toMatchObject({ sensitive: true });
  const keyOutputs = Object.entries(hcl.output).filter(([name]) => name.endsWith("_private_key_pem"));
  // Six collectors, the engine and the operator's system identity.
  expect(keyOutputs).toHaveLength(8);
  for (const [, [output]] of keyOutputs) expect(output.sensitive).toBe(true);
});

test("THEN Tornado's payload templates reach the files escaped, not as Terraform interpolations", () => {
  const webhook = Object.values(hcl.resource.docker_container)
    .map(([container]) => container)
    .find((container) => container.name === "tornado-collector-webhook-acme");
  const github = (webhook?.upload as { file: string; content: string }[]).find((upload) =>
    upload.file.endsWith("/webhooks/github.json"),
  );
  expect(github?.content).toContain('"repository": "$${repository.full_name}"');
});
