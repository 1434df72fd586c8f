import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadTopologyFile } from "../../constructs/core/load-topology";
import { whoReadsWhat, whoReadsWhatMarkdown } from "../../constructs/core/who-reads-what";

const ROOT = join(__dirname, "../..");
const EXAMPLE = join(ROOT, "examples/readers-and-dedicated-engines.yaml");

describe("who reads what", () => {
  const topology = loadTopologyFile(EXAMPLE);

  test("GIVEN the readers example THEN each tenant's readers follow from the permissions", () => {
    const readersOf = (tenant: string) =>
      whoReadsWhat(topology)
        .filter((row) => row.reads.includes(tenant))
        .map((row) => row.identity);
    expect(readersOf("acme")).toEqual(["engine/tornado-engine", "reader/acme-archive", "reader/siem"]);
    expect(readersOf("globex")).toEqual(["engine/tornado-engine", "reader/siem"]);
    expect(readersOf("initech")).toEqual(["engine/initech-engine"]);
  });

  test("THEN readers and engines may publish nothing, and subscribe only to their tenants' subjects", () => {
    const rows = whoReadsWhat(topology);
    for (const row of rows.filter((candidate) => candidate.role !== "collector" && candidate.role !== "system")) {
      expect({ identity: row.identity, publish: row.publish }).toEqual({ identity: row.identity, publish: [] });
    }
    expect(rows.find((row) => row.identity === "reader/siem")?.subscribe).toEqual([
      "acme.tornado.events",
      "globex.tornado.events",
    ]);
  });

  test("GIVEN the README THEN its who-reads-what tables are the generated ones (npm run who-reads-what)", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const block = /<!-- who-reads-what:begin -->\n([\s\S]*?)<!-- who-reads-what:end -->/.exec(readme)?.[1];
    expect(block).toBe(whoReadsWhatMarkdown(topology));
  });
});
