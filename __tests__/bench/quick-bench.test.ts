import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { renderBlocks, updateMarkdown } from "../../bench/report";
import type { BenchResults } from "../../bench/results-model";
import { SERVER_NAMES } from "../../bench/dataplane/servers";

/**
 * `npm run bench -- --quick`, the seconds-long run of every benchmark, so the
 * benchmark code cannot rot; and the proof that BENCHMARKS.md's figures are
 * rendered from bench/results.json, never typed in. Speed is not asserted:
 * the figures are checked for shape and sanity (present, positive, ordered,
 * consistent with each other), and for what the design guarantees (no event
 * lost at these loads, every identity connected, byte-identical synth).
 */

const ROOT = resolve(__dirname, "../..");
const out = mkdtempSync(join(tmpdir(), "quick-bench-"));
let results: BenchResults;
let markdown: string;

beforeAll(() => {
  const run = spawnSync("npm", ["run", "--silent", "bench", "--", "--quick", "--out", out], {
    cwd: ROOT,
    env: { ...process.env, CHECKPOINT_DISABLE: "1" },
    encoding: "utf8",
    timeout: 280_000,
  });
  if (run.status !== 0) throw new Error(`npm run bench -- --quick failed (${run.status}):\n${run.stderr}${run.stdout}`);
  results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as BenchResults;
  markdown = readFileSync(join(out, "BENCHMARKS.md"), "utf8");
  process.stdout.write(`quick bench: ${join(out, "BENCHMARKS.md")}\n`);
}, 300_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

const positive = (value: number | undefined) => expect(value).toBeGreaterThan(0);

describe("npm run bench -- --quick", () => {
  test("GIVEN a quick run THEN every part is recorded with its command, machine and nats-server version", () => {
    for (const part of [results.synth, results.dataPlane, results.storm]) {
      expect(part?.provenance).toMatchObject({
        command: expect.stringMatching(/^npm run bench -- --quick --out /),
        mode: "quick",
        natsServer: "v2.15.3",
        machine: { cores: expect.any(Number), memoryGiB: expect.any(Number) },
      });
      positive(part?.provenance.machine.cores);
    }
    expect(results.dataPlane?.provenance.natsCli).toBe("v0.5.0");
  });

  test("GIVEN the synth part THEN every topology is measured in-process and by npm run synth, and grows with its collectors", () => {
    const cases = results.synth?.results.cases ?? [];
    expect(cases.map((entry) => entry.id)).toEqual(["floor", "default", "c10-t10", "c100-t10"]);
    for (const entry of cases) {
      for (const measure of [entry.inProcess, entry.app]) {
        positive(measure.wallMs.median);
        expect(measure.peakRssMiB.median).toBeGreaterThan(20);
      }
      const { inProcess } = entry;
      // The phases happen inside the process, so they fit in its wall time.
      const phases = inProcess.loadMs.median + inProcess.resolveMs.median + inProcess.constructMs.median;
      expect(phases + inProcess.synthMs.median).toBeLessThan(inProcess.wallMs.median);
    }
    const [floor, defaults, c10, c100] = cases;
    expect(floor.resources).toBe(0);
    expect(defaults.resources).toBeGreaterThan(0);
    expect(c10.resources).toBeLessThan(c100.resources);
    expect(c10.tfJsonBytes).toBeLessThan(c100.tfJsonBytes);
    expect(results.synth?.results.coreScaling.steps.map((step) => step.step)).toHaveLength(3);
  });

  test("GIVEN the default topology WHEN npm run synth, the ts-node app and the probe synthesize it THEN each cdktf.out is byte-identical to npx cdktf synth's", () => {
    // The runner measured as `npm run synth` is this script, and cdktf.json runs the same.
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts.synth).toBe("node scripts/synth.js");
    expect((JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")) as { app: string }).app).toBe(
      "node scripts/synth.js",
    );
    const comparisons = results.synth?.results.comparisons ?? [];
    expect(comparisons.map((comparison) => `${comparison.caseId}/${comparison.runner}`).sort()).toEqual([
      "default/app",
      "default/inProcess",
      "default/tsNode",
    ]);
    for (const comparison of comparisons) {
      expect(comparison).toMatchObject({ against: "cli", identical: true, differing: [] });
      // manifest.json and the stack's cdk.tf.json
      expect(comparison.files).toBeGreaterThanOrEqual(2);
    }
  });

  test("GIVEN the data plane THEN nats bench and the Tornado path ran against all three servers, nothing lost", () => {
    const dataPlane = results.dataPlane?.results;
    const bytes: Record<string, number> = { "16B": 16, "1KiB": 1024, "16KiB": 16384 };
    expect(dataPlane?.natsBench).toHaveLength(3 * SERVER_NAMES.length);
    for (const cell of dataPlane?.natsBench ?? []) {
      positive(cell.msgsPerSec.median);
      // MB/s is the same measurement in bytes: msgs/s × message size.
      expect(cell.mbPerSec.median).toBeCloseTo((cell.msgsPerSec.median * bytes[cell.size]) / 1e6, 0);
    }
    for (const cell of dataPlane?.tornadoThroughput ?? []) {
      positive(cell.eventsPerSec.median);
      expect({ lost: cell.lost, malformed: cell.malformed }).toEqual({ lost: 0, malformed: 0 });
    }
    expect(dataPlane?.tornadoThroughput.map((cell) => `${cell.server}/${cell.publishers}`).sort()).toEqual(
      SERVER_NAMES.flatMap((name) => [`${name}/1`, `${name}/10`]).sort(),
    );
    for (const cell of dataPlane?.tornadoLatency ?? []) {
      expect(cell.lost).toBe(0);
      expect(cell.samplesPerRun).toBe(cell.perSecond * cell.seconds);
      positive(cell.p50Us.median);
      expect(cell.p50Us.median).toBeLessThanOrEqual(cell.p99Us.median);
      expect(cell.p99Us.median).toBeLessThanOrEqual(cell.p999Us.median);
      expect(cell.p999Us.median).toBeLessThanOrEqual(cell.maxUs.median);
    }
  });

  test("GIVEN the handshake storm THEN every identity connected for every key type, and the server's CPU time was read", () => {
    const storm = results.storm?.results;
    expect(storm?.cells.map((cell) => cell.keyType)).toEqual(["ECDSA P-256", "Ed25519", "RSA-2048"]);
    for (const cell of storm?.cells ?? []) {
      expect(cell.connectedMin).toBe(storm?.identities);
      positive(cell.allConnectedMs.median);
      positive(cell.serverCpuMs.median);
    }
  });

  test("GIVEN the run THEN its BENCHMARKS.md carries every table under the command that produced it", () => {
    for (const name of ["goals", "synth", "dataplane", "storm"]) {
      expect(markdown).toMatch(new RegExp(`<!-- bench:${name} -->\\n\\n\\|?[^]*?<!-- /bench:${name} -->`));
    }
    expect(markdown.match(/^Command: `npm run bench -- --quick --out /gm)).toHaveLength(3);
    expect(markdown).toContain("| part | goal | measured | target |");
  });
});

describe("BENCHMARKS.md", () => {
  test("GIVEN the committed bench/results.json THEN BENCHMARKS.md's tables are exactly what it renders (no figure typed by hand)", () => {
    const committed = JSON.parse(readFileSync(join(ROOT, "bench", "results.json"), "utf8")) as BenchResults;
    for (const part of [committed.synth, committed.dataPlane, committed.storm])
      expect(part?.provenance.mode).toBe("full");
    const text = readFileSync(join(ROOT, "BENCHMARKS.md"), "utf8");
    expect(updateMarkdown(text, renderBlocks(committed))).toBe(text);
  });
});
