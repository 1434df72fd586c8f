import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseTopologyText } from "../../constructs/core/load-topology";
import { synthTopology } from "../helpers/synth";

// Every example the README points at must load and synthesize.
const EXAMPLES = join(__dirname, "../../examples");

describe.each(readdirSync(EXAMPLES).filter((file) => /\.(ya?ml|json)$/.test(file)))("examples/%s", (file) => {
  test("THEN it validates and synthesizes", () => {
    const path = join(EXAMPLES, file);
    const { json } = synthTopology(parseTopologyText(readFileSync(path, "utf8"), path));
    expect(Object.keys(json.resource.docker_container ?? {}).length).toBeGreaterThan(0);
  });
});
