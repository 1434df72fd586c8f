import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * The package as a stranger gets it: built and packed like `npm publish`
 * would, installed from the tarball into a fresh project next to public
 * packages from the registry only, and used by a TypeScript program
 * (project/main.ts) that composes the constructs in code. The program must
 * type-check under strict settings, compile and synthesize; the Terraform
 * JSON it writes is checked here.
 */

const ROOT = resolve(__dirname, "../..");
const FIXTURE = join(__dirname, "project");
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  name: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** What the consumer installs besides the tarball: the versions this repository builds and tests with. */
const CONSUMER_DEPENDENCIES = ["cdktf", "constructs", "@cdktf/provider-tls", "typescript", "@types/node"].map(
  (name) => `${name}@${manifest.dependencies[name] ?? manifest.devDependencies[name]}`,
);

const work = mkdtempSync(join(tmpdir(), "consumer-"));
const project = join(work, "project");
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The environment without npm's own npm_* variables, so nested npm runs see the project, not this repository. */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("npm_")));

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, env: cleanEnv, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} (in ${cwd}) exited ${result.status}:\n${result.stdout}${result.stderr}`,
    );
  }
  return result.stdout;
}

/** Runs a short ESM or CommonJS snippet inside the consumer project and returns what it prints. */
function node(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, args, { cwd: project, env: cleanEnv, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

type Json = Record<string, any>;
const stackJson = (stack: string): Json =>
  JSON.parse(readFileSync(join(project, "cdktf.out", "stacks", stack, "cdk.tf.json"), "utf8")) as Json;

let tarballFiles: string[];

beforeAll(() => {
  run("npm", ["run", "build"], ROOT);
  const [packed] = JSON.parse(run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], ROOT)) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarballFiles = packed.files.map((file) => file.path);

  mkdirSync(project);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "tornado-consumer", version: "1.0.0", private: true }),
  );
  run(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      "--loglevel=error",
      join(work, packed.filename),
      ...CONSUMER_DEPENDENCIES,
    ],
    project,
  );
  cpSync(FIXTURE, project, { recursive: true });
});

describe("GIVEN the packed tarball", () => {
  test("THEN it ships the compiled library, the canary's build context, the schema and the license", () => {
    expect(tarballFiles).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "LICENSE",
        "CHANGELOG.md",
        "dist/constructs/index.js",
        "dist/constructs/index.d.ts",
        "canary/Dockerfile",
        "canary/.dockerignore",
        "canary/dist/tornado-nats-canary.js",
        "schema/topology.schema.json",
        "examples/single-host.yaml",
      ]),
    );
  });

  test("THEN it ships no tests, fixtures, TypeScript sources, source maps or build configuration", () => {
    const unwanted = tarballFiles.filter(
      (file) =>
        /(^|\/)__tests__\//.test(file) ||
        (file.endsWith(".ts") && !file.endsWith(".d.ts")) ||
        file.endsWith(".map") ||
        /^(tsconfig.*|jest\.config\.js|eslint\.config\.mjs|typedoc\.json|cdktf\.json)$/.test(file) ||
        /^(scripts|bench|docs|\.ci)\//.test(file),
    );
    expect(unwanted).toEqual([]);
  });
});

describe("GIVEN a fresh project with the tarball and public packages only", () => {
  test("THEN npm resolves one cdktf and one constructs: the consumer's, shared with the package (peer dependencies)", () => {
    for (const name of ["cdktf", "constructs"]) {
      const copies = run("npm", ["ls", name, "--all", "--parseable"], project).trim().split("\n");
      expect({ name, copies }).toEqual({ name, copies: [join(project, "node_modules", name)] });
    }
  });

  test("THEN the program type-checks and compiles strictly (node16 resolution via exports, no skipLibCheck)", () => {
    run(join(project, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], project);
    expect(existsSync(join(project, "out", "main.js"))).toBe(true);
  });

  test("THEN it also type-checks the way `cdktf init` projects resolve modules (CommonJS, node10 via types)", () => {
    run(join(project, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.node10.json"], project);
  });

  test("THEN it synthesizes both stacks", () => {
    run(process.execPath, [join("out", "main.js")], project);
    expect(existsSync(join(project, "cdktf.out", "stacks", "edge-site", "cdk.tf.json"))).toBe(true);
    expect(existsSync(join(project, "cdktf.out", "stacks", "from-file", "cdk.tf.json"))).toBe(true);
  });

  describe("WHEN the stack composed in code is read back", () => {
    let stack: Json;
    beforeAll(() => (stack = stackJson("edge-site")));

    test("THEN it pins the providers and declares one aliased docker provider per host", () => {
      expect(stack.terraform.required_providers).toEqual({
        docker: { source: "kreuzwerker/docker", version: "3.6.2" },
        tls: { source: "hashicorp/tls", version: "4.1.0" },
      });
      expect(stack.provider.docker).toEqual([
        { alias: "hq", host: "unix:///var/run/docker.sock" },
        { alias: "branch", host: "ssh://ops@branch.edge.example:2222", ssh_opts: ["-o", "StrictHostKeyChecking=yes"] },
      ]);
    });

    test("THEN every component is a container on its own host", () => {
      const placement = Object.fromEntries(
        Object.values<Json>(stack.resource.docker_container).map((container) => [container.name, container.provider]),
      );
      expect(placement).toEqual({
        "tornado-nats": "docker.hq",
        "tornado-engine": "docker.hq",
        "tornado-collector-snmptrapd-finance": "docker.hq",
        "tornado-collector-webhook-retail": "docker.branch",
        "tornado-collector-nats-json-logistics": "docker.branch",
      });
    });

    test("THEN the NATS config has one account per tenant, plus ENGINE and SYS", () => {
      const nats = Object.values<Json>(stack.resource.docker_container).find((c) => c.name === "tornado-nats")!;
      const config = JSON.parse(nats.upload.find((u: Json) => u.file === "/etc/nats/nats.json").content) as Json;
      expect(Object.keys(config.accounts).sort()).toEqual(["ENGINE", "SYS", "finance", "logistics", "retail"]);
    });

    test("THEN the consumer's own certificate is issued by the topology's CA and its key output is sensitive", () => {
      const requests = Object.values<Json>(stack.resource.tls_cert_request);
      expect(requests.map((request) => request.subject[0].common_name)).toContain("auditor");
      const auditor = Object.entries<Json>(stack.resource.tls_locally_signed_cert).find(([id]) =>
        id.startsWith("auditor-cert"),
      )![1];
      const [caKey] = Object.keys(stack.resource.tls_private_key).filter((id) => id.startsWith("tornado_ca_key"));
      expect(auditor.ca_private_key_pem).toBe(`\${tls_private_key.${caKey}.private_key_pem}`);
      expect(stack.output.auditor_private_key_pem.sensitive).toBe(true);
      expect(stack.output.nats_primary_url.value).toBe("tls://nats.edge.example:14222");
    });

    test("THEN the canary image builds from the installed package's canary/ directory", () => {
      const contexts = Object.values<Json>(stack.resource.docker_image)
        .filter((image) => image.name === "tornado-nats-canary:local")
        .map((image) => image.build.context);
      const installed = join(project, "node_modules", manifest.name, "canary");
      expect(contexts).toEqual([installed, installed]);
      expect(existsSync(join(installed, "Dockerfile"))).toBe(true);
      expect(existsSync(join(installed, "dist", "tornado-nats-canary.js"))).toBe(true);
    });
  });

  test("WHEN the stack from site.yaml is read back THEN its relative build context resolved against the file's directory", () => {
    const stack = stackJson("from-file");
    const engineImage = Object.values<Json>(stack.resource.docker_image).find(
      (image) => image.name === "lab-engine:local",
    );
    expect(engineImage?.build.context).toBe(join(project, "engine-image"));
  });

  test("THEN ESM programs can import it too", () => {
    const result = node([
      "--input-type=module",
      "-e",
      'import { NATS_SERVER_VERSION, TornadoTopology } from "cdktf-tornado-nats"; console.log(NATS_SERVER_VERSION, typeof TornadoTopology);',
    ]);
    expect(result).toEqual({ status: 0, output: "2.15.3 function" });
  });

  test("THEN the JSON Schema is reachable by its public path, and internal modules are not", () => {
    const schema = node(["-p", 'require("cdktf-tornado-nats/schema/topology.schema.json").title']);
    expect(schema).toEqual({ status: 0, output: "cdktf-tornado-nats topology" });
    const internal = node(["-e", 'require("cdktf-tornado-nats/dist/constructs/core/topology")']);
    expect(internal.status).not.toBe(0);
    expect(internal.output).toContain("ERR_PACKAGE_PATH_NOT_EXPORTED");
  });
});
