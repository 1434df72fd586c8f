import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { resolveTopology } from "../../constructs/core/topology";
import { parseDeployedTopology, parseNatsUrl, type DeployedTopology } from "../../smoke/deployed-topology";
import { selectOutputs } from "../../smoke/output-shapes";
import { readOutputsFile } from "../../smoke/outputs-source";
import { SmokeInputError } from "../../smoke/smoke-input-error";
import { issueTopologyPki, type TopologyPki } from "../helpers/topology-pki";
import {
  smokeTopology,
  synthesizedStack,
  terraformOutputJsonFor,
  writeCdktfOutputsFile,
  type TerraformOutputJson,
} from "./deployed-outputs";

/**
 * Reading the outputs, in both shapes, from the real synthesized stack with
 * a PKI generated at test time; and the errors an operator gets when they
 * are missing or wrong.
 */

const PORT = 4222;
let work: string;
let pki: TopologyPki;
let outputs: TerraformOutputJson;
let stack: { name: string; stack: Record<string, any> };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "smoke-outputs-"));
  pki = await issueTopologyPki(resolveTopology(smokeTopology()), work);
  outputs = terraformOutputJsonFor(pki, PORT);
  stack = synthesizedStack(smokeTopology());
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

function inputError(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(SmokeInputError);
    return (error as Error).message;
  }
  throw new Error("expected a SmokeInputError");
}

function fromTerraform(raw: unknown): DeployedTopology {
  const selected = selectOutputs(raw, "terraform output -json");
  return parseDeployedTopology(selected.values, { source: "terraform output -json", shape: selected.shape });
}

function cdktfFile(name: string, includeSensitive: boolean): string {
  const file = join(work, name);
  writeCdktfOutputsFile(file, stack.stack, outputs, includeSensitive);
  return file;
}

describe("GIVEN `terraform output -json` of the topology stack", () => {
  test("THEN the NATS address, the name to verify, the CA, the tenants and every identity are read", () => {
    const topology = fromTerraform(outputs);

    expect(topology.nats).toEqual({ address: `localhost:${PORT}`, host: "localhost" });
    expect(topology.natsUrls).toEqual([`tls://localhost:${PORT}`, `tls://nats.example.net:${PORT}`]);
    expect(topology.serverName).toBe("localhost");
    expect(topology.caPem).toBe(pki.ca.certPem);
    expect(topology.tenants).toEqual(["master", "acme", "globex"]);
    const acme = topology.identities.find((identity) => identity.id === "collector/webhook-acme");
    expect(acme).toMatchObject({
      role: "collector",
      name: "webhook-acme",
      tenant: "acme",
      account: "acme",
      natsUser: "CN=webhook-acme,OU=acme,O=Acme Monitoring",
      certificatePem: pki.clients.get("collector/webhook-acme")!.certPem,
    });
    expect(acme!.privateKey.reveal()).toBe(pki.clients.get("collector/webhook-acme")!.keyPem);
    expect(topology.identities.map((identity) => identity.id).sort()).toEqual([...pki.clients.keys()].sort());
  });

  test("THEN the private keys cannot leak through printing the parsed topology", () => {
    const topology = fromTerraform(outputs);
    const { values: _values, ...parsed } = topology;
    for (const printed of [
      JSON.stringify(parsed),
      inspect(parsed, { depth: 5 }),
      `${parsed.identities[0].privateKey}`,
    ]) {
      expect(printed).not.toContain("PRIVATE KEY");
    }
    expect(JSON.stringify(parsed)).toContain('"privateKey":"[secret]"');
  });
});

describe("GIVEN the file `cdktf deploy --outputs-file` writes (made by @cdktf/cli-core's own saveOutputs)", () => {
  test("WHEN sensitive outputs were included THEN it reads the same topology as `terraform output -json`", () => {
    const file = cdktfFile("with-sensitive.json", true);
    const fromFile = readOutputsFile(file);
    const fromTerraformJson = fromTerraform(outputs);

    expect(fromFile.source).toBe(`${file} (cdktf outputs file, stack ${stack.name})`);
    const comparable = ({ source: _source, values: _values, identities, ...rest }: DeployedTopology): unknown => ({
      ...rest,
      identities: identities.map(({ privateKey, ...identity }) => ({ ...identity, privateKey: privateKey.reveal() })),
    });
    expect(comparable(fromFile)).toEqual(comparable(fromTerraformJson));
  });

  test("WHEN it was written without --outputs-file-include-sensitive-outputs THEN the error lists what is missing and how to write it", () => {
    const file = cdktfFile("without-sensitive.json", false);

    const message = inputError(() => readOutputsFile(file));

    expect(message).toContain(`The outputs in ${file} (cdktf outputs file, stack ${stack.name}) do not describe`);
    expect(message).toContain("identity_collector_webhook-acme_private_key_pem");
    expect(message).toContain("identity_engine_tornado-engine_certificate_pem");
    expect(message).toContain("`cdktf deploy --outputs-file FILE --outputs-file-include-sensitive-outputs`");
  });

  test("WHEN the file holds several stacks THEN --stack picks one, and without it the error lists them", () => {
    const file = join(work, "two-stacks.json");
    const single = JSON.parse(JSON.stringify({ [stack.name]: fromValues(outputs) }));
    writeFileSync(file, JSON.stringify({ ...single, staging: single[stack.name] }));

    expect(inputError(() => readOutputsFile(file))).toBe(
      `${file} holds several stacks (${stack.name}, staging); pick one with --stack NAME.`,
    );
    expect(readOutputsFile(file, "staging").source).toBe(`${file} (cdktf outputs file, stack staging)`);
    expect(inputError(() => readOutputsFile(file, "prod"))).toBe(
      `${file} has no stack "prod"; it holds: ${stack.name}, staging. Pick one with --stack NAME.`,
    );
  });
});

function fromValues(raw: TerraformOutputJson): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).map(([name, output]) => [name, output.value]));
}

describe("GIVEN outputs that are missing or wrong", () => {
  test("WHEN the outputs file does not exist THEN the error names it and says how to write it", () => {
    const missing = join(work, "nope.json");
    expect(inputError(() => readOutputsFile(missing))).toBe(
      `Cannot read the outputs file ${missing} (ENOENT). Write it with ` +
        "`cdktf deploy --outputs-file FILE --outputs-file-include-sensitive-outputs`, or omit --outputs to read the " +
        "outputs from `terraform output -json`.",
    );
  });

  test("WHEN the file is not JSON THEN the error says so", () => {
    const file = join(work, "broken.json");
    writeFileSync(file, "{ not json");
    expect(inputError(() => readOutputsFile(file))).toMatch(new RegExp(`^The outputs file ${file} is not JSON: `));
  });

  test("WHEN there are no outputs at all (nothing deployed) THEN it says to run `cdktf deploy` first or pass --outputs", () => {
    expect(inputError(() => fromTerraform({}))).toBe(
      "terraform output -json holds no outputs (is the stack deployed?). Run `cdktf deploy` first, or pass `--outputs FILE`.",
    );
  });

  test("WHEN the outputs are another stack's THEN it names the outputs it looked for", () => {
    const other = { bucket_name: { sensitive: false, type: "string", value: "logs" } };
    expect(inputError(() => fromTerraform(other))).toBe(
      "terraform output -json has none of the topology outputs (nats_urls, nats_server_name, ca_certificate_pem, " +
        "tenants, identities); run `cdktf deploy` first, or pass `--outputs FILE`.",
    );
  });

  test("WHEN several outputs are malformed THEN every problem is listed at once, and no key material is echoed", () => {
    const secretLooking = "-----BEGIN RSA PRIVATE KEY-----\nSECRETSECRET\n-----END RSA PRIVATE KEY-----";
    const values = fromValues(outputs);
    const identities = values.identities as Record<string, Record<string, unknown>>;
    const broken = {
      ...values,
      nats_urls: ["nats://localhost:4222"],
      nats_server_name: "",
      "identity_collector_webhook-acme_private_key_pem": secretLooking,
      identities: {
        ...identities,
        "collector/email-acme": { ...identities["collector/email-acme"], tenant: "initech" },
        "collector/ghost": { role: "robot" },
      },
    };

    const message = inputError(() =>
      parseDeployedTopology(broken, { source: "outputs.json", shape: "cdktf outputs file" }),
    );

    expect(message.split("\n")).toEqual([
      "The outputs in outputs.json do not describe a deployed topology: 6 problems",
      '  - nats_urls[0]: "nats://localhost:4222" is not tls://<dns-name>:<port>',
      '  - nats_server_name: "" is not a DNS name',
      '  - identities["collector/email-acme"].tenant: "initech" is not one of tenants (master, acme, globex)',
      "  - identity_collector_webhook-acme_private_key_pem: not a PEM private key (PKCS#8 expected for keys)",
      '  - identities["collector/ghost"].role: "robot"; allowed: engine, collector, reader, satellite, system',
      '  - identities["collector/ghost"]: name, account, nats_user, certificate_output, private_key_output missing',
    ]);
    expect(message).not.toContain("SECRETSECRET");
  });
});

describe("parseNatsUrl", () => {
  test.each([
    ["tls://nats.example.net:4222", { address: "nats.example.net:4222", host: "nats.example.net" }],
    ["tls://[::1]:4222", { address: "[::1]:4222", host: "::1" }],
    ["nats://nats.example.net:4222", undefined],
    ["tls://nats.example.net", undefined],
  ])("GIVEN %s THEN %j", (url, expected) => {
    expect(parseNatsUrl(url)).toEqual(expected);
  });
});
