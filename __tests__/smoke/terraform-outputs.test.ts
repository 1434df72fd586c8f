import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { resolveTopology } from "../../constructs/core/topology";
import { readTerraformOutputs } from "../../smoke/outputs-source";
import { SmokeInputError } from "../../smoke/smoke-input-error";
import { issueTopologyPki } from "../helpers/topology-pki";
import { smokeTopology, terraformOutputJsonFor, type TerraformOutputJson } from "./deployed-outputs";

/**
 * The default input way: `terraform output -json` in cdktf.out/stacks/<stack>,
 * with stub Terraform binaries standing in for each way it can go wrong.
 */

let work: string;
let outputs: TerraformOutputJson;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "smoke-terraform-"));
  outputs = terraformOutputJsonFor(await issueTopologyPki(resolveTopology(smokeTopology()), work), 4222);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

let projects = 0;

/** A project with the given synthesized stacks and a stub `terraform` running `body` (sh). */
function project(stacks: string[], body: string, withManifest = true): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = join(work, `project-${++projects}`);
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  for (const stack of stacks) mkdirSync(join(dir, "cdktf.out", "stacks", stack), { recursive: true });
  if (withManifest && stacks.length > 0) {
    const manifest = {
      stacks: Object.fromEntries(stacks.map((stack) => [stack, { workingDirectory: `stacks/${stack}` }])),
    };
    writeFileSync(join(dir, "cdktf.out", "manifest.json"), JSON.stringify(manifest));
  }
  writeFileSync(join(bin, "outputs.json"), JSON.stringify(outputs));
  writeFileSync(join(bin, "terraform"), `#!/bin/sh\nOUTPUTS="${join(bin, "outputs.json")}"\n${body}\n`);
  chmodSync(join(bin, "terraform"), 0o755);
  return { dir, env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}`, TERRAFORM_BINARY_NAME: "" } };
}

async function inputError(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(SmokeInputError);
  return (error as Error).message;
}

test("GIVEN several synthesized stacks WHEN --stack names one THEN terraform runs in that stack's directory", async () => {
  const { dir, env } = project(
    ["tornado", "staging"],
    'case "$PWD" in */cdktf.out/stacks/staging) exec cat "$OUTPUTS";; esac; exit 3',
  );

  const topology = await readTerraformOutputs({ projectDir: dir, env, stack: "staging" });

  expect(topology.source).toBe("terraform output -json in cdktf.out/stacks/staging (stack staging)");
  expect(topology.identities.length).toBe(smokeTopology().collectors.length + 2);
});

test("GIVEN several synthesized stacks and no --stack THEN the error lists them", async () => {
  const { dir, env } = project(["tornado", "staging"], 'exec cat "$OUTPUTS"');
  expect(await inputError(readTerraformOutputs({ projectDir: dir, env }))).toBe(
    "cdktf.out holds several stacks (tornado, staging); pick one with --stack NAME.",
  );
});

test("GIVEN no manifest THEN the stacks directory is listed instead", async () => {
  const { dir, env } = project(["tornado"], 'exec cat "$OUTPUTS"', false);
  expect((await readTerraformOutputs({ projectDir: dir, env })).source).toBe(
    "terraform output -json in cdktf.out/stacks/tornado (stack tornado)",
  );
});

test("GIVEN nothing synthesized THEN it says to run `cdktf deploy` first or pass --outputs", async () => {
  const { dir, env } = project([], 'exec cat "$OUTPUTS"');
  expect(await inputError(readTerraformOutputs({ projectDir: dir, env }))).toBe(
    "No synthesized stack in cdktf.out; run `cdktf deploy` first, or pass `--outputs FILE`.",
  );
});

test("GIVEN --stack names a stack that was not synthesized THEN the error lists those that were", async () => {
  const { dir, env } = project(["tornado"], 'exec cat "$OUTPUTS"');
  expect(await inputError(readTerraformOutputs({ projectDir: dir, env, stack: "prod" }))).toBe(
    'No synthesized stack "prod" in cdktf.out/stacks (found: tornado); run `cdktf deploy` first, or pass `--outputs FILE`.',
  );
});

test("GIVEN a stack that was synthesized but never deployed (empty state) THEN it says to run `cdktf deploy` first", async () => {
  const { dir, env } = project(["tornado"], "echo '{}'");
  expect(await inputError(readTerraformOutputs({ projectDir: dir, env }))).toBe(
    "terraform output -json in cdktf.out/stacks/tornado (stack tornado) holds no outputs (is the stack deployed?). " +
      "Run `cdktf deploy` first, or pass `--outputs FILE`.",
  );
});

test("GIVEN terraform fails THEN its last error lines are shown with what to do", async () => {
  const { dir, env } = project(
    ["tornado"],
    'echo "╷" >&2; echo "│ Error: Backend initialization required, please run \\"terraform init\\"" >&2; echo "╵" >&2; exit 1',
  );
  expect(await inputError(readTerraformOutputs({ projectDir: dir, env }))).toBe(
    "terraform output -json in cdktf.out/stacks/tornado exited with 1: ╷\n" +
      '│ Error: Backend initialization required, please run "terraform init"\n╵\n' +
      "Run `cdktf deploy tornado` first (it initializes and applies the stack), or pass `--outputs FILE`.",
  );
});

test("GIVEN TERRAFORM_BINARY_NAME names a binary that is not installed THEN it says how to fix it", async () => {
  const { dir, env } = project(["tornado"], 'exec cat "$OUTPUTS"');
  expect(
    await inputError(readTerraformOutputs({ projectDir: dir, env: { ...env, TERRAFORM_BINARY_NAME: "tofu-missing" } })),
  ).toBe(
    "`tofu-missing` was not found on PATH. Install Terraform (or set TERRAFORM_BINARY_NAME=tofu for OpenTofu), " +
      "or pass `--outputs FILE` written by `cdktf deploy --outputs-file FILE --outputs-file-include-sensitive-outputs`.",
  );
});

test("GIVEN terraform prints something that is not JSON THEN the error does not echo it (it may hold keys)", async () => {
  const { dir, env } = project(["tornado"], 'echo "-----BEGIN PRIVATE KEY----- SECRETSECRET"');
  const message = await inputError(readTerraformOutputs({ projectDir: dir, env }));
  expect(message).toBe("terraform output -json in cdktf.out/stacks/tornado did not print JSON (41 characters).");
  expect(message).not.toContain("SECRET");
});

test("GIVEN terraform hangs THEN it is stopped after the timeout with a clear error", async () => {
  const { dir, env } = project(["tornado"], "exec sleep 30");
  const started = Date.now();
  expect(await inputError(readTerraformOutputs({ projectDir: dir, env, terraformTimeoutMs: 300 }))).toBe(
    "terraform output -json in cdktf.out/stacks/tornado failed: no answer within 300 ms. Or pass `--outputs FILE`.",
  );
  expect(Date.now() - started).toBeLessThan(2000);
});
