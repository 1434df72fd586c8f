import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";

/**
 * docs/api is TypeDoc's Markdown for constructs/index.ts (npm run
 * generate:api). It must match what the code generates now, and the build of
 * it must fail when an exported construct or prop has no doc comment.
 */

const ROOT = resolve(__dirname, "../..");
const TYPEDOC = join(ROOT, "node_modules", "typedoc", "bin", "typedoc");
const PLUGIN = join(ROOT, "scripts", "typedoc-require-construct-docs.mjs");
const work = mkdtempSync(join(tmpdir(), "api-reference-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function typedoc(cwd: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [TYPEDOC, "--logLevel", "Warn", ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Every file under `dir`, by path relative to it, with its content. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(dir, path)] = readFileSync(path, "utf8");
  }
  return files;
}

test("GIVEN the exported API WHEN the reference is regenerated THEN docs/api is identical", () => {
  const out = join(work, "api");
  const result = typedoc(ROOT, ["--out", out]);
  expect({ status: result.status, output: result.output }).toEqual({ status: 0, output: "" });
  const generated = tree(out);
  const committed = tree(join(ROOT, "docs", "api"));
  // On failure: run `npm run generate:api` and commit docs/api.
  expect(Object.keys(committed).sort()).toEqual(Object.keys(generated).sort());
  for (const [file, content] of Object.entries(generated)) {
    expect({ file, content: committed[file] }).toEqual({ file, content });
  }
  expect(Object.keys(generated)).toEqual(
    expect.arrayContaining(["classes/TornadoTopology.md", "interfaces/TornadoTopologyProps.md"]),
  );
});

test("GIVEN an exported class member and a Props interface without doc comments THEN the reference build fails naming them", () => {
  const project = join(work, "undocumented");
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, "index.ts"),
    [
      "/** A documented class with one undocumented member. */",
      "export class Widget {",
      "  readonly size = 1;",
      "  /** Documented. */",
      '  readonly colour = "red";',
      "}",
      "export interface WidgetProps {",
      "  readonly size?: number;",
      "}",
      "export interface WidgetState {",
      "  readonly count: number;",
      "}",
    ].join("\n"),
  );
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", types: [] }, files: ["index.ts"] }),
  );
  const result = typedoc(project, [
    "--name",
    "fixture",
    "--entryPoints",
    "index.ts",
    "--plugin",
    PLUGIN,
    "--emit",
    "none",
    "--skipErrorChecking",
  ]);
  expect(result.status).not.toBe(0);
  const named = [...result.output.matchAll(/^\[error\] (\S+) is exported but has no doc comment/gm)].map(
    (match) => match[1],
  );
  // Interfaces that are not props (WidgetState) are not held to it.
  expect(named.sort()).toEqual(["Widget.size", "WidgetProps", "WidgetProps.size"]);
});
