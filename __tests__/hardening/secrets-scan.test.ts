import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Testing } from "cdktf";
import { parse, stringify } from "yaml";
import { DEFAULT_TOPOLOGY } from "../../constructs/core/default-topology";
import { defaultRulesFiles, ENGINE_CONFIG_DIR, renderEngineFiles } from "../../constructs/core/engine-config";
import { expectedExternalCertificates } from "../../constructs/core/external-pki";
import { engineIdentity } from "../../constructs/core/identities";
import { loadTopologyFile } from "../../constructs/core/load-topology";
import { resolveTopology, type Topology } from "../../constructs/core/topology";
import type { TopologyInput } from "../../constructs/core/topology-schema";
import { runSmokeCli } from "../../smoke/cli";
import { TornadoTopologyStack } from "../../stacks/tornado-topology-stack";
import { startCanaryFleet, type CanaryFleet } from "../helpers/canary-fleet";
import { startCanary, writeContainerFiles } from "../helpers/canary-process";
import { issueExternalPkiFiles } from "../helpers/external-pki-files";
import { freePort } from "../helpers/nats-server-process";
import { startSecuredNats, type SecuredNats } from "../helpers/secured-nats";
import type { SynthesizedStack } from "../helpers/synth";
import { synthEntry } from "../helpers/synth-entry";
import { clusterAndSatellite, threeTenants } from "../helpers/topologies";
import {
  readersTopology,
  synthesizedStack,
  terraformOutputJson,
  writeCdktfOutputsFile,
  type TerraformOutputJson,
} from "../smoke/deployed-outputs";

/**
 * Issue 5, secrets: private keys appear only in sensitive outputs (and in
 * the 0400 uploads of the containers that use them, owned by and readable
 * for the root user those containers run as), and nothing this package
 * prints or writes carries key material: synth output (in-process and the
 * CLI), validation errors about supplied keys, the smoke CLI's table, JSON
 * and errors, and the canaries' logs. Every key is generated here, at test
 * time; the scanner looks for the PEM armour and for each key's own base64.
 */

const ROOT = resolve(__dirname, "../..");
const EXAMPLE = join(ROOT, "examples", "external-pki.yaml");

/** What a leak of key material looks like in text: the PEM armour, or a piece of a known key's base64. */
class KeyMaterialScanner {
  private readonly fragments = new Map<string, string>();

  /** Remembers `pem` (a private key) under `label`. */
  add(label: string, pem: string): void {
    const body = pem.split(/\r?\n/).filter((line) => line !== "" && !line.startsWith("-----"));
    if (body.length === 0) throw new Error(`${label} is not a PEM key`);
    // Each line, whole: a PEM copied as is or JSON-escaped keeps its lines.
    for (const line of body) if (line.length >= 16) this.fragments.set(line, label);
    // The body unwrapped, in pieces. Every key of one type starts with the same ASN.1 header (48 base64 digits
    // for a P-256 PKCS#8 key); the secret follows it, so the pieces start after it.
    const joined = body.join("");
    for (let at = 48; at + 24 <= joined.length; at += 24) this.fragments.set(joined.slice(at, at + 24), label);
    // The whole PEM as base64 (an upload's content_base64), from its middle, past the common armour and header.
    const encoded = Buffer.from(pem).toString("base64");
    const middle = Math.floor(encoded.length / 8) * 4;
    this.fragments.set(encoded.slice(middle, middle + 32), label);
  }

  get size(): number {
    return new Set(this.fragments.values()).size;
  }

  /** What `text` holds of any key: "PEM private key armour", or the labels of the keys found. */
  find(text: string): string[] {
    const found = new Set<string>();
    if (/PRIVATE KEY-----/.test(text)) found.add("PEM private key armour");
    for (const [fragment, label] of this.fragments) if (text.includes(fragment)) found.add(label);
    return [...found];
  }
}

/** Every file under `dir`, path → content. */
function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (current: string) => {
    for (const entry of readdirSync(current)) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(path, readFileSync(path, "utf8"));
    }
  };
  walk(dir);
  return files;
}

/** Findings of `scanner` in each named text; empty when none holds key material. */
function leaks(scanner: KeyMaterialScanner, texts: Record<string, string>): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(texts).flatMap(([name, text]) => {
      const found = scanner.find(text);
      return found.length > 0 ? [[name, found]] : [];
    }),
  );
}

function synthesize(topology: Topology): SynthesizedStack {
  const stack = new TornadoTopologyStack(Testing.app(), topology.name, { topology });
  return JSON.parse(Testing.synth(stack, true)) as SynthesizedStack;
}

const KEY_REFERENCE = /tls_private_key\.[A-Za-z0-9_-]+\.private_key_(?:pem_pkcs8|pem|openssh)/g;

/** Where a generated key may be referenced: the tls resources that sign with it, and 0400 uploads. */
const KEY_ARGUMENTS: Record<string, string> = {
  tls_self_signed_cert: "private_key_pem",
  tls_cert_request: "private_key_pem",
  tls_locally_signed_cert: "ca_private_key_pem",
};

/**
 * Every place in a synthesized stack that references a generated private key
 * but is neither a sensitive output, nor an argument of the tls resources
 * that need the key, nor the content of a 0400 upload. A sha256 of a key
 * (the webhook tokens' seed) is not key material.
 */
function misplacedKeyReferences(json: SynthesizedStack): string[] {
  const misplaced: string[] = [];
  const allowed = (path: (string | number)[]): boolean => {
    const [section, first, id, field, index, uploadField] = path;
    if (section === "output") return json.output[first as string].sensitive === true;
    if (section !== "resource") return false;
    if (KEY_ARGUMENTS[first as string] !== undefined)
      return path.length === 4 && field === KEY_ARGUMENTS[first as string];
    if (first !== "docker_container" || field !== "upload" || uploadField !== "content") return false;
    return json.resource.docker_container[id as string].upload[index as number].permissions === "0400";
  };
  const walk = (value: unknown, path: (string | number)[]) => {
    if (typeof value === "string") {
      for (const match of value.matchAll(KEY_REFERENCE)) {
        const hashed = value.slice(Math.max(0, (match.index ?? 0) - 7), match.index).endsWith("sha256(");
        if (!hashed && !allowed(path)) misplaced.push(`${path.join(".")}: ${match[0]}`);
      }
    } else if (Array.isArray(value)) value.forEach((item, index) => walk(item, [...path, index]));
    else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
    }
  };
  walk(json, []);
  return misplaced;
}

let work: string;
/** A copy of examples/external-pki.yaml in `work`, with its operator files issued beside it. */
let externalTopologyFile: string;
let externalInput: Record<string, any>;
const synthScanner = new KeyMaterialScanner();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "secrets-scan-"));
  externalTopologyFile = join(work, "external-pki.yaml");
  copyFileSync(EXAMPLE, externalTopologyFile);
  externalInput = parse(readFileSync(EXAMPLE, "utf8")) as Record<string, any>;
  await issueExternalPkiFiles(externalInput, work);
  for (const [path, text] of filesUnder(join(work, "external-pki"))) {
    if (text.includes("PRIVATE KEY")) synthScanner.add(path, text);
  }
});

afterAll(() => work && rmSync(work, { recursive: true, force: true }));

describe("GIVEN the scanner (the positive control: a scan that cannot find anything proves nothing)", () => {
  test("WHEN a key is in the text, raw, JSON-escaped, as base64, unwrapped or one line of it THEN it is found", () => {
    const [keyFile] = [...filesUnder(join(work, "external-pki")).keys()].filter((path) => path.endsWith("-key.pem"));
    const pem = readFileSync(keyFile, "utf8");
    const secondLine = pem.split("\n")[1];
    const unwrapped = pem.split("\n").slice(1, -2).join("");
    for (const text of [
      `logged: ${pem}`,
      JSON.stringify({ upload: [{ content: pem }] }),
      JSON.stringify({ upload: [{ content_base64: Buffer.from(pem).toString("base64") }] }),
      `key=${unwrapped}`,
      `error near "${secondLine}"`,
    ]) {
      expect(synthScanner.find(text)).toContain(keyFile);
    }
    expect(synthScanner.find("nothing secret: /etc/tornado/tls/key.pem, sha256 of a key")).toEqual([]);
    expect(synthScanner.size).toBeGreaterThanOrEqual(3);
  });

  test("WHEN a synthesized stack uploads a key by content THEN the file scan finds it", () => {
    const outdir = join(work, "leaky.out");
    expect(synthEntry(externalTopologyFile, outdir).code).toBe(0);
    const [stackFile] = [...filesUnder(outdir).keys()].filter((path) => path.endsWith("cdk.tf.json"));
    const json = JSON.parse(readFileSync(stackFile, "utf8"));
    const upload = Object.values<any>(json.resource.docker_container)
      .flatMap((container) => container.upload)
      .find((candidate) => candidate.source?.endsWith("-key.pem"));
    // The bug this would be: content instead of source, which also puts the key into the state.
    upload.content = readFileSync(upload.source, "utf8");
    delete upload.source;
    writeFileSync(stackFile, JSON.stringify(json, null, 2));
    const found = leaks(synthScanner, Object.fromEntries(filesUnder(outdir)));
    expect(Object.keys(found)).toEqual([stackFile]);
  });
});

describe("GIVEN synthesized stacks of every shape", () => {
  const shapes: [string, () => Topology][] = [
    ["the embedded default", () => resolveTopology(DEFAULT_TOPOLOGY)],
    ["three tenants with every collector kind", () => resolveTopology(threeTenants())],
    ["a cluster with a satellite", () => resolveTopology(clusterAndSatellite())],
    ["readers and dedicated engines", () => resolveTopology(readersTopology())],
    ["external PKI mixed with generated certificates", () => loadTopologyFile(externalTopologyFile)],
  ];

  test.each(shapes)(
    "WHEN %s is synthesized THEN every output that carries a key is sensitive, and keys go nowhere but the tls resources and 0400 uploads",
    (_, topologyOf) => {
      const json = synthesize(topologyOf());
      const keyOutputs = Object.entries(json.output).filter(([, output]) => {
        const text = JSON.stringify(output.value);
        return /tls_private_key\./.test(text) || /PRIVATE KEY/.test(text);
      });
      expect(keyOutputs.length).toBeGreaterThan(0);
      for (const [name, output] of keyOutputs)
        expect({ name, sensitive: output.sensitive }).toEqual({ name, sensitive: true });
      expect(misplacedKeyReferences(json)).toEqual([]);
    },
  );

  test.each(shapes)(
    "WHEN %s is synthesized THEN every key file is uploaded at 0400 into a container that runs as root, the owner of uploads",
    (_, topologyOf) => {
      const topology = topologyOf();
      const json = synthesize(topology);
      const supplied = new Set(
        expectedExternalCertificates(topology).flatMap((certificate) => certificate.files.keyFile ?? []),
      );
      let keyUploads = 0;
      for (const [id, container] of Object.entries(json.resource.docker_container)) {
        for (const upload of container.upload ?? []) {
          const generatedKey = /\$\{tls_private_key\.[^.]+\.private_key_pem_pkcs8\}/.test(upload.content ?? "");
          const suppliedKey = supplied.has(upload.source);
          if (!generatedKey && !suppliedKey) continue;
          keyUploads += 1;
          // docker provider 3.6.2 uploads as uid 0 (no owner in its tar entries, no chown): root must be the reader.
          expect({ id, file: upload.file, permissions: upload.permissions, user: container.user }).toEqual({
            id,
            file: upload.file,
            permissions: "0400",
            user: "root",
          });
          // A supplied key reaches the container from its file at apply time, never through the state.
          if (suppliedKey)
            expect({ id, content: upload.content, hash: typeof upload.source_hash }).toEqual({
              id,
              content: undefined,
              hash: "string",
            });
        }
      }
      expect(keyUploads).toBeGreaterThanOrEqual(topology.collectors.length);
    },
  );
});

describe("GIVEN a topology with supplied keys (external PKI), generated at test time", () => {
  test("WHEN main.ts synthesizes it in-process THEN neither its output nor any file it writes holds key material", () => {
    const outdir = join(work, "in-process.out");
    const { code, output } = synthEntry(externalTopologyFile, outdir);
    expect({ code, output }).toEqual({ code: 0, output: "" });
    const written = filesUnder(outdir);
    expect([...written.keys()].some((path) => path.endsWith("cdk.tf.json"))).toBe(true);
    expect([...written.keys()].some((path) => path.endsWith("manifest.json"))).toBe(true);
    expect(leaks(synthScanner, { output, ...Object.fromEntries(written) })).toEqual({});
  });

  test("WHEN npx cdktf synth runs THEN its stdout, stderr and output directory hold no key material", () => {
    const outdir = join(work, "cli.out");
    const result = spawnSync("npx", ["cdktf", "synth", "--output", outdir], {
      cwd: ROOT,
      env: { ...process.env, CHECKPOINT_DISABLE: "1", TORNADO_TOPOLOGY: externalTopologyFile },
      encoding: "utf8",
    });
    expect({ status: result.status, stderr: result.status === 0 ? "" : result.stderr }).toEqual({
      status: 0,
      stderr: "",
    });
    expect(readdirSync(join(outdir, "stacks"))).toEqual([externalInput.name]);
    expect(
      leaks(synthScanner, { stdout: result.stdout, stderr: result.stderr, ...Object.fromEntries(filesUnder(outdir)) }),
    ).toEqual({});
  });

  /** A variant of the external PKI topology in `work` (so its relative paths resolve), changed by `edit`. */
  function variant(name: string, edit: (input: Record<string, any>) => void): string {
    const input = structuredClone(externalInput);
    edit(input);
    const file = join(work, `${name}.yaml`);
    writeFileSync(file, stringify(input));
    return file;
  }

  const keyOf = (file: string) => readFileSync(join(work, file), "utf8");
  const badKeys: [string, (input: Record<string, any>) => void, string, string][] = [
    [
      "a malformed key (a real key cut short)",
      (input) => {
        const cut = keyOf(input.collectors[0].tls.keyFile).split("\n").slice(0, 3).join("\n");
        writeFileSync(join(work, "external-pki/cut-key.pem"), cut, { mode: 0o600 });
        input.collectors[0].tls.keyFile = "external-pki/cut-key.pem";
      },
      "collectors[0].tls.keyFile",
      "is not an unencrypted PEM private key",
    ],
    [
      "another component's key",
      (input) => (input.collectors[0].tls.keyFile = input.engine.tls.keyFile),
      "collectors[0].tls.keyFile",
      "does not belong to certFile (the public keys differ)",
    ],
    [
      "the key given as the certificate",
      (input) => (input.engine.tls.certFile = input.engine.tls.keyFile),
      "engine.tls.certFile",
      "is not a PEM certificate",
    ],
    [
      "the key's text pasted where its path belongs",
      (input) => (input.nats.tls.keyFile = keyOf(input.nats.tls.keyFile)),
      "nats.tls.keyFile",
      "cannot be read",
    ],
  ];

  test.each(badKeys)(
    "WHEN a component is given %s THEN synth fails naming the field, and the error holds no key material",
    (name, edit, path, message) => {
      const file = variant(name.replace(/\W+/g, "-"), edit);
      const outdir = join(work, `${name.replace(/\W+/g, "-")}.out`);
      const { code, output } = synthEntry(file, outdir);
      expect(code).toBe(1);
      expect(output.split("\n").find((line) => line.startsWith(`  - ${path}: `))).toContain(message);
      expect(leaks(synthScanner, { output })).toEqual({});
    },
  );
});

/** Two tenants, the canary engine and a canary webhook collector per tenant: the smoke test's whole path runs. */
function smokeScanTopology(): TopologyInput {
  return {
    name: "secrets-scan",
    hosts: [{ name: "master" }],
    tenants: [{ name: "acme" }, { name: "globex" }],
    nats: { dnsNames: ["localhost"] },
    engine: { host: "master" },
    collectors: [
      { name: "webhook-acme", tenant: "acme", kind: "webhook", host: "master", port: 9081 },
      { name: "webhook-globex", tenant: "globex", kind: "webhook", host: "master", port: 9082 },
    ],
  };
}

describe("GIVEN the smoke test and the canaries against a real nats-server", () => {
  let nats: SecuredNats;
  let fleet: CanaryFleet;
  let outputs: TerraformOutputJson;
  let stack: Record<string, any>;
  const scanner = new KeyMaterialScanner();

  beforeAll(async () => {
    nats = await startSecuredNats(smokeScanTopology());
    fleet = await startCanaryFleet(nats);
    outputs = terraformOutputJson(nats, smokeScanTopology(), fleet);
    stack = synthesizedStack(smokeScanTopology()).stack;
    scanner.add("CA key", nats.pki.ca.keyPem);
    scanner.add("server key", nats.pki.server.keyPem);
    for (const [id, client] of nats.pki.clients) scanner.add(id, client.keyPem);
  });

  afterAll(async () => {
    await fleet?.stop();
    await nats?.stop();
  });

  /** `npm run smoke -- --outputs <file> [--json]` on `outputs`, with what it printed. */
  async function smoke(name: string, smokeOutputs: TerraformOutputJson, json: boolean) {
    const file = join(work, `${name}.outputs.json`);
    writeCdktfOutputsFile(file, stack, smokeOutputs, true);
    let stdout = "";
    let stderr = "";
    const io = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    };
    const code = await runSmokeCli(["--outputs", file, "--timeout", "3000", ...(json ? ["--json"] : [])], io);
    return { code, stdout, stderr };
  }

  function withKey(identity: string, keyPem: string): TerraformOutputJson {
    const identities = outputs.identities.value as Record<string, { private_key_output: string }>;
    const name = identities[identity].private_key_output;
    return { ...outputs, [name]: { ...outputs[name], value: keyPem } };
  }

  test("WHEN the smoke test passes THEN its table and its JSON hold no key material, though its input holds every key", async () => {
    const table = await smoke("passing", outputs, false);
    const json = await smoke("passing-json", outputs, true);
    expect({ table: table.code, json: json.code }).toEqual({ table: 0, json: 0 });
    expect(table.stdout).toContain("collector/webhook-acme");
    expect(JSON.parse(json.stdout).ok).toBe(true);
    expect(scanner.find(JSON.stringify(outputs)).length).toBeGreaterThan(0);
    expect(leaks(scanner, { table: table.stdout + table.stderr, json: json.stdout + json.stderr })).toEqual({});
  });

  test("WHEN an identity's key does not match its certificate or is cut short THEN the failures it reports hold no key material", async () => {
    const collector = "collector/webhook-acme";
    const mismatched = withKey(collector, nats.pki.clients.get("collector/webhook-globex")!.keyPem);
    const cut = withKey(collector, nats.pki.clients.get(collector)!.keyPem.split("\n").slice(0, 3).join("\n"));
    const runs = {
      mismatched: await smoke("mismatched", mismatched, false),
      mismatchedJson: await smoke("mismatched-json", mismatched, true),
      cut: await smoke("cut", cut, false),
      cutJson: await smoke("cut-json", cut, true),
    };
    for (const [name, run] of Object.entries(runs))
      expect({ name, failed: run.code !== 0 }).toEqual({ name, failed: true });
    expect(runs.mismatched.stdout).toMatch(/collector\/webhook-acme.*failed/);
    expect(
      leaks(scanner, Object.fromEntries(Object.entries(runs).map(([name, run]) => [name, run.stdout + run.stderr]))),
    ).toEqual({});
  });

  test("WHEN the canaries have run the whole path THEN their logs hold no key material", () => {
    const logs = fleet.logs();
    expect(logs).toMatch(/engine canary: subscribed/);
    expect(logs).toMatch(/webhook collector canary: 1 webhook\(s\)/);
    expect(leaks(scanner, { logs })).toEqual({});
  });

  test("WHEN a canary is given a key cut short THEN it exits with an error that holds no key material", async () => {
    const { topology, pki } = nats;
    const engine = topology.engine!;
    const root = join(work, "canary-cut-key");
    mkdirSync(root, { recursive: true });
    const pair = pki.clients.get(engineIdentity(topology.organization).id)!;
    const cut = { certPem: pair.certPem, keyPem: pair.keyPem.split("\n").slice(0, 3).join("\n") };
    writeContainerFiles(root, [...renderEngineFiles(topology, engine), ...defaultRulesFiles()], pki.ca.certPem, cut);
    const [node] = topology.nats.nodes;
    const launch = startCanary({
      role: "engine",
      configDir: ENGINE_CONFIG_DIR,
      root,
      resolve: { [`${node.dnsNames[0]}:${node.clientPort}`]: nats.endpoint.address },
      httpPort: await freePort(),
      readyLine: /API on/,
    });
    const error = await launch.then(
      async (canary) => {
        await canary.stop();
        return new Error("the canary started with a broken key");
      },
      (failure: Error) => failure,
    );
    expect(error.message).toMatch(/^canary engine exited:\ntornado-nats-canary: /);
    expect(leaks(scanner, { error: error.message })).toEqual({});
  });
});
