import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { loadTopologyFile, loadTopologyFromEnv, TOPOLOGY_ENV } from "../../constructs/core/load-topology";
import { TopologyValidationError } from "../../constructs/core/topology-errors";
import { threeTenants } from "../helpers/topologies";
import { keyMaterialOf, throwawayKeyPem } from "../helpers/throwaway-key";

const dir = mkdtempSync(join(tmpdir(), "topology-files-"));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function messageOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(TopologyValidationError);
    return (error as Error).message;
  }
  throw new Error("expected a TopologyValidationError");
}

describe("loading topology files", () => {
  test("GIVEN a YAML file THEN it loads the same topology as the JSON file", () => {
    const yaml = loadTopologyFile(file("t.yaml", stringify(threeTenants())));
    const json = loadTopologyFile(file("t.json", JSON.stringify(threeTenants())));
    expect(yaml).toEqual(json);
    expect(yaml.collectors).toHaveLength(7);
  });

  test("GIVEN TORNADO_TOPOLOGY THEN that file is used, else the embedded default", () => {
    const path = file("env.yml", stringify(threeTenants()));
    expect(loadTopologyFromEnv({ [TOPOLOGY_ENV]: path }).name).toBe("tornado-test");
    expect(loadTopologyFromEnv({}).name).toBe("tornado");
    expect(loadTopologyFromEnv({ [TOPOLOGY_ENV]: "" }).name).toBe("tornado");
  });

  test("GIVEN invalid YAML THEN the error names the file, the line and what is allowed", () => {
    const path = file("broken.yaml", "tenants:\n  - name: acme\n   bad: [\n");
    expect(messageOf(() => loadTopologyFile(path))).toMatch(
      /broken\.yaml.*\n {2}- \(topology\): .* is not valid YAML: .*line \d+.*; allowed: a readable/,
    );
  });

  test("GIVEN a duplicate key THEN it is an error, not a silent overwrite", () => {
    const path = file("dup.json", '{"name": "a", "name": "b"}');
    expect(messageOf(() => loadTopologyFile(path))).toContain("Map keys must be unique");
  });

  test("GIVEN YAML syntax in a .json file THEN it is rejected as JSON", () => {
    const path = file("yaml.json", "name: tornado\n");
    expect(messageOf(() => loadTopologyFile(path))).toContain("is not valid JSON");
  });

  test("GIVEN invalid JSON THEN the error names the line and column and shows that line, not JSON.parse's quote of the input", () => {
    const path = file("comma.json", '{\n  "name": "tornado",\n  "hosts": [{ "name": "m", }]\n}\n');
    expect(messageOf(() => loadTopologyFile(path))).toContain(
      `- (topology): "\\"hosts\\": [{ \\"name\\": \\"m\\", }]" is not valid JSON: a trailing comma before '}' at line 3, column 28`,
    );
    const unquoted = file("unquoted.json", '{"name": tornado}');
    const message = messageOf(() => loadTopologyFile(unquoted));
    expect(message).toContain("expected a value, found 't' at line 1, column 10");
    expect(message).not.toContain("is not valid JSON)");
  });

  test("GIVEN a JSON file with a byte order mark THEN it loads like one without", () => {
    const path = file("bom.json", `\uFEFF${JSON.stringify(threeTenants())}`);
    expect(loadTopologyFile(path).collectors).toHaveLength(7);
  });

  test("GIVEN YAML aliases that multiply THEN it is a topology error, not a crash", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]"];
    bomb.push("c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]", "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]");
    expect(messageOf(() => loadTopologyFile(file("bomb.yaml", bomb.join("\n"))))).toMatch(
      /- \(topology\): \(missing\) cannot be expanded: Excessive alias count.*; allowed: a readable/,
    );
  });

  test("GIVEN a private key file passed as the topology THEN no line of it is shown", () => {
    const key = throwawayKeyPem();
    for (const name of ["key.json", "key.yaml"]) {
      const message = messageOf(() => loadTopologyFile(file(name, key)));
      expect(message).toContain("(a private key, not shown)");
      expect(message).not.toContain(keyMaterialOf(key));
      expect(message).not.toContain("PRIVATE KEY-----");
    }
  });

  test("GIVEN a missing file or an unknown extension THEN the error says what is allowed", () => {
    expect(messageOf(() => loadTopologyFile(join(dir, "missing.yaml")))).toContain("cannot be read (ENOENT)");
    expect(messageOf(() => loadTopologyFile(file("t.toml", "")))).toContain("allowed: a readable .json, .yaml or .yml");
  });

  test("GIVEN a file with schema and relation errors THEN all of them are reported", () => {
    const input = threeTenants() as Record<string, any>;
    input.tenants.push({ name: "Acme" });
    input.collectors[0].kind = "smtp";
    const message = messageOf(() => loadTopologyFile(file("many.yaml", stringify(input))));
    expect(message).toMatch(/2 errors/);
    expect(message).not.toContain("collectors[0].image");
    expect(message).toContain('tenants[3].name: "Acme" differs only in case');
    expect(message).toContain('collectors[0].kind: "smtp" is not a valid choice');
  });
});
