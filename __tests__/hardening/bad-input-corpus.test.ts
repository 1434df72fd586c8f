import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { synthEntry } from "../helpers/synth-entry";

/**
 * The bad-input corpus (issue 5): every file in fixtures/topologies/invalid
 * goes through the entry point users run, `main.ts`'s synthApp, with
 * TORNADO_TOPOLOGY pointing at it, and must be rejected cleanly: exit code 1,
 * every expected error with its field path, bad value and what is allowed
 * (and no other), no stack trace, and no stack written. A few go through the
 * real `npx cdktf synth` too. Every file in fixtures/topologies/valid must
 * synthesize. See fixtures/topologies/README.md for the layout.
 */

const ROOT = resolve(__dirname, "../..");
const FIXTURES = join(__dirname, "../fixtures/topologies");
const INVALID = join(FIXTURES, "invalid");
const VALID = join(FIXTURES, "valid");
const TOPOLOGY_FILE = /\.(ya?ml|json)$/;
const EXPECTATION_FILE = ".expect.json";

function topologyFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((file) => TOPOLOGY_FILE.test(file) && !file.endsWith(EXPECTATION_FILE))
    .sort();
}

interface ExpectedError {
  /** The field path as printed, e.g. "collectors[0].tenant" or "(topology)". */
  readonly path: string;
  /** A piece of the bad value as printed. */
  readonly value: string;
  /** A piece of the message that says what is allowed. */
  readonly allowed: string;
}

interface Expectation {
  readonly why: string;
  readonly errors: readonly ExpectedError[];
}

const invalid = topologyFiles(INVALID);
const valid = topologyFiles(VALID);

function expectationOf(fixture: string): Expectation {
  return JSON.parse(
    readFileSync(join(INVALID, fixture.replace(TOPOLOGY_FILE, EXPECTATION_FILE)), "utf8"),
  ) as Expectation;
}

const work = mkdtempSync(join(tmpdir(), "bad-input-corpus-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The issue lines of a TopologyValidationError message: "  - <path>: <value> <message>". */
function issueLines(output: string): string[] {
  return output.split("\n").filter((line) => line.startsWith("  - "));
}

/** Why the printed output is not a clean rejection of `expectation`; empty when it is. */
function rejectionProblems(code: number, output: string, expectation: Expectation, outdir: string): string[] {
  const problems: string[] = [];
  if (code === 0) problems.push("exit code 0");
  const header = /^Invalid topology \(.+\): (\d+) errors?$/m.exec(output);
  if (!header) problems.push("no 'Invalid topology (<file>): N errors' header");
  else if (Number(header[1]) !== expectation.errors.length) {
    problems.push(`${header[1]} errors printed, ${expectation.errors.length} expected`);
  }
  const lines = issueLines(output);
  for (const line of lines) {
    if (!/^ {2}- \S.*: .+ allowed[ :]/.test(line)) problems.push(`an error without path, value or "allowed": ${line}`);
  }
  for (const expected of expectation.errors) {
    const match = lines.find(
      (line) =>
        line.startsWith(`  - ${expected.path}: `) && line.includes(expected.value) && line.includes(expected.allowed),
    );
    if (!match) problems.push(`missing: ${expected.path}: …${expected.value}… allowed …${expected.allowed}…`);
  }
  if (/^\s+at /m.test(output)) problems.push("a stack trace");
  if (/\bError:/.test(output)) problems.push("an Error: line");
  if (existsSync(join(outdir, "stacks"))) problems.push("a stack was written");
  return problems;
}

const rejectedCleanly: string[] = [];

test("GIVEN the corpus THEN it holds at least 40 invalid topologies, in YAML and JSON, each with its expected errors", () => {
  expect(invalid.length).toBeGreaterThanOrEqual(40);
  expect(invalid.filter((file) => file.endsWith(".json")).length).toBeGreaterThanOrEqual(10);
  expect(invalid.filter((file) => /\.ya?ml$/.test(file)).length).toBeGreaterThanOrEqual(10);
  for (const fixture of invalid) {
    const expectation = expectationOf(fixture);
    expect({ fixture, why: typeof expectation.why, errors: expectation.errors.length > 0 }).toEqual({
      fixture,
      why: "string",
      errors: true,
    });
  }
  const sidecars = readdirSync(INVALID).filter((file) => file.endsWith(EXPECTATION_FILE));
  expect(sidecars.sort()).toEqual(invalid.map((file) => file.replace(TOPOLOGY_FILE, EXPECTATION_FILE)).sort());
});

describe.each(invalid)("GIVEN invalid/%s", (fixture) => {
  test("WHEN main.ts synthesizes it THEN exit 1, every expected error with path, value and allowed, no stack trace, no stack written", () => {
    const outdir = join(work, `${fixture}.out`);
    const { code, output } = synthEntry(join(INVALID, fixture), outdir);
    const problems = rejectionProblems(code, output, expectationOf(fixture), outdir);
    expect({ fixture, problems, output }).toEqual({ fixture, problems: [], output });
    rejectedCleanly.push(fixture);
  });
});

test("THEN every bad input was rejected cleanly (the count the README gives)", () => {
  process.stdout.write(`bad inputs rejected cleanly: ${rejectedCleanly.length} of ${invalid.length}\n`);
  expect(rejectedCleanly.sort()).toEqual(invalid);
});

describe("npx cdktf synth (the CLI a user runs) on bad inputs", () => {
  const env = { ...process.env, CHECKPOINT_DISABLE: "1" };
  // A syntax error and a file with several semantic errors: the e2e test already covers one mixed file.
  test.each(["malformed-yaml-indentation.yaml", "wrong-types.yaml"])(
    "GIVEN invalid/%s THEN the CLI fails with the same errors as in-process, no stack trace and no stack directory",
    (fixture) => {
      const file = join(INVALID, fixture);
      const inProcess = synthEntry(file, join(work, `${fixture}.in-process.out`));
      const outdir = join(work, `${fixture}.cli.out`);
      const result = spawnSync("npx", ["cdktf", "synth", "--output", outdir], {
        cwd: ROOT,
        env: { ...env, TORNADO_TOPOLOGY: file },
        encoding: "utf8",
      });
      const output = `${result.stdout}\n${result.stderr}`;
      expect(result.status).not.toBe(0);
      const expected = issueLines(inProcess.output).map((line) => line.trim());
      expect(expected.length).toBe(expectationOf(fixture).errors.length);
      const printed = new Set(output.split("\n").map((line) => line.trim()));
      expect(expected.filter((line) => !printed.has(line))).toEqual([]);
      // The CLI prints its own "Error: non-zero exit code"; what must not appear is a trace or a JavaScript error.
      expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      expect(output).not.toMatch(/\b(Type|Reference|Syntax|Range)Error\b/);
      expect(existsSync(join(outdir, "stacks"))).toBe(false);
    },
  );
});

/** What each valid edge case must produce beyond a stack, read from the synthesized JSON. */
const VALID_CHECKS: Record<string, (json: Record<string, any>) => void> = {
  "one-tenant.yaml": (json) => expect(json.output.tenants.value).toEqual(["acme"]),
  "fifty-tenants.yaml": (json) => {
    expect(json.output.tenants.value).toHaveLength(50);
    expect(Object.keys(json.output.webhook_endpoints.value)).toHaveLength(50);
  },
  "names-at-length-limit.yaml": (json) => {
    expect((json.output.tenants.value as string[]).map((name) => name.length)).toEqual([63]);
    expect(json.output.nats_server_name.value).toHaveLength(253);
  },
  "ipv6-loopback.json": (json) => {
    expect(json.output.engine_api_url.value).toBe("http://[::1]:4748");
    expect(json.provider.docker.map((provider: { host: string }) => provider.host)).toEqual([
      "ssh://deploy@[::1]:2222",
      "tcp://[::1]:2376",
    ]);
  },
  "boundaries.yaml": (json) => {
    expect(json.output.nats_urls.value).toEqual(["tls://n:65535"]);
    expect(Object.values(json.resource.tls_private_key).map((key: any) => key.rsa_bits)).toContain(8192);
  },
};

describe.each(valid)("GIVEN valid/%s", (fixture) => {
  test("WHEN main.ts synthesizes it THEN it exits 0, prints nothing and writes its stack as the edge case needs", () => {
    const outdir = join(work, `valid-${fixture}.out`);
    const { code, output } = synthEntry(join(VALID, fixture), outdir);
    expect({ fixture, code, output }).toEqual({ fixture, code: 0, output: "" });
    const [stack] = readdirSync(join(outdir, "stacks"));
    const json = JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
    expect({ fixture, checked: fixture in VALID_CHECKS }).toEqual({ fixture, checked: true });
    VALID_CHECKS[fixture](json);
  });
});
