import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { synthApp } from "../../stacks/synth-app";

/**
 * The entry point users run: in-process for speed, and once through the real
 * `cdktf synth` CLI (about 4 s of CLI overhead per call, so only twice).
 */

const ROOT = resolve(__dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "synth-entry-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const BAD_TOPOLOGY = [
  "hosts: [{ name: master }, { name: edge, url: 'http://edge:2375' }]",
  "tenants: [{ name: acme }, { name: 'ac.me' }]",
  "nats: { dnsNames: [10.1.2.3] }",
  "engine: { host: master }",
  "collectors: [{ name: w1, tenant: acme, kind: webhook, host: master, tenat: x }]",
  "pki: { keyAlgorithm: RSA, rsaBits: 1024 }",
].join("\n");

function writeTopology(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

function runInProcess(env: NodeJS.ProcessEnv, outdir: string): { code: number; stderr: string } {
  let stderr = "";
  const code = synthApp({ env, outdir, stderr: { write: (text: string) => (stderr += text) } });
  return { code, stderr };
}

describe("synthApp (the main.ts entry point, in-process)", () => {
  test("GIVEN no TORNADO_TOPOLOGY THEN the embedded default synthesizes into cdktf.out/stacks/tornado", () => {
    const outdir = join(work, "default.out");
    expect(runInProcess({}, outdir)).toEqual({ code: 0, stderr: "" });
    const stack = JSON.parse(readFileSync(join(outdir, "stacks", "tornado", "cdk.tf.json"), "utf8"));
    // NATS, the engine and the two webhook collectors.
    expect(Object.keys(stack.resource.docker_container)).toHaveLength(4);
  });

  test("GIVEN an invalid topology THEN it exits 1, prints every error, no stack trace and writes nothing", () => {
    const outdir = join(work, "bad.out");
    const { code, stderr } = runInProcess({ TORNADO_TOPOLOGY: writeTopology("bad.yaml", BAD_TOPOLOGY) }, outdir);
    expect(code).toBe(1);
    for (const path of ["hosts[1].url", "tenants[1].name", "nats.dnsNames[0]", "collectors[0].tenat", "pki.rsaBits"]) {
      expect(stderr).toContain(`  - ${path}: `);
    }
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(outdir)).toBe(false);
  });
});

describe("npx cdktf synth (the CLI a user runs)", () => {
  const env = { ...process.env, CHECKPOINT_DISABLE: "1", TORNADO_TOPOLOGY: "" };

  test("GIVEN the default topology THEN it writes the stack", () => {
    const outdir = join(work, "cli.out");
    const started = Date.now();
    const result = spawnSync("npx", ["cdktf", "synth", "--output", outdir], { cwd: ROOT, env, encoding: "utf8" });
    const seconds = (Date.now() - started) / 1000;
    expect({ status: result.status, stderr: result.status === 0 ? "" : result.stderr + result.stdout }).toEqual({
      status: 0,
      stderr: "",
    });
    expect(readdirSync(join(outdir, "stacks"))).toEqual(["tornado"]);
    process.stdout.write(`npx cdktf synth (default topology): ${seconds.toFixed(1)} s\n`);
  });

  test("GIVEN an invalid topology THEN the CLI fails with our errors, no stack trace and no stack directory", () => {
    const outdir = join(work, "cli-bad.out");
    const result = spawnSync("npx", ["cdktf", "synth", "--output", outdir], {
      cwd: ROOT,
      env: { ...env, TORNADO_TOPOLOGY: writeTopology("cli-bad.yaml", BAD_TOPOLOGY) },
      encoding: "utf8",
    });
    const output = result.stdout + result.stderr;
    expect(result.status).not.toBe(0);
    expect(output).toContain('hosts[1].url: "http://edge:2375"');
    expect(output).toContain("pki.rsaBits: 1024");
    expect(output).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);
    expect(existsSync(join(outdir, "stacks"))).toBe(false);
  });
});
