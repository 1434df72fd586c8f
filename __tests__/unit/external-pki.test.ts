import { createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectorIdentity, engineIdentity, natsServerSubject, systemIdentity } from "../../constructs/core/identities";
import { resolveTopology, type Topology } from "../../constructs/core/topology";
import { formatIssue, TopologyValidationError } from "../../constructs/core/topology-errors";
import type { TopologyInput } from "../../constructs/core/topology-schema";
import { NATS_CONTAINER_PATHS } from "../../constructs/nats-server";
import { TORNADO_TLS_PATHS } from "../../constructs/core/tornado-config";
import { createCertificateAuthority, issueCertificate, type LocalCertificateAuthority } from "../../smoke/local-pki";
import { resourcesOf, synthTopology, type SynthesizedStack } from "../helpers/synth";

/**
 * External PKI mode: the operator's certificate files instead of generated
 * ones. Synth checks every supplied certificate against what the NATS config
 * expects; containers upload the files by source + source_hash, so no key of
 * a supplied certificate enters Terraform state.
 */

const ORG = "Example Corp";

function topologyInput(): Record<string, any> {
  return {
    name: "external",
    organization: ORG,
    hosts: [{ name: "master" }],
    tenants: [{ name: "acme" }],
    nats: { dnsNames: ["nats.example.com"] },
    engine: { host: "master" },
    collectors: [
      { name: "webhook-acme", tenant: "acme", kind: "webhook", host: "master" },
      { name: "json-acme", tenant: "acme", kind: "nats_json", host: "master", topics: [{ subjects: ["raw"] }] },
    ],
  };
}

let dir: string;
let ca: LocalCertificateAuthority;
let plain: Topology;
const write = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
};

/** Issues a certificate for `subject` and writes cert and key files named after `name`. */
async function supplied(
  name: string,
  options: Parameters<typeof issueCertificate>[1],
  authority: LocalCertificateAuthority = ca,
): Promise<{ certFile: string; keyFile: string }> {
  const pair = await issueCertificate(authority, options);
  return { certFile: write(`${name}.pem`, pair.certPem), keyFile: write(`${name}-key.pem`, pair.keyPem) };
}

const collectorSubject = (name: string) =>
  collectorIdentity(
    plain.collectors.find((collector) => collector.name === name)!,
    ORG,
  ).subject;
const serverSubject = () => natsServerSubject(plain.nats.nodes[0], ORG);
const SERVER_NAMES = ["nats.example.com", "tornado-nats"];

function problems(input: unknown): string[] {
  try {
    resolveTopology(input);
  } catch (error) {
    if (error instanceof TopologyValidationError) return error.issues.map(formatIssue);
    throw error;
  }
  return [];
}

function uploads(json: SynthesizedStack, container: string): Record<string, any>[] {
  const found = resourcesOf(json, "docker_container").find(([, resource]) => resource.name === container)?.[1];
  if (!found) throw new Error(`no container ${container}`);
  return found.upload as Record<string, any>[];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "external-pki-"));
  plain = resolveTopology(topologyInput());
  ca = await createCertificateAuthority("Example Corp Issuing CA", ORG, { algorithm: "ECDSA", ecdsaCurve: "P256" });
  write("ca.pem", ca.certPem);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("GIVEN every certificate supplied", () => {
  let json: SynthesizedStack;
  let input: Record<string, any>;

  beforeAll(async () => {
    input = topologyInput();
    input.pki = { externalCaFile: join(dir, "ca.pem") };
    input.nats.tls = await supplied("server", { subject: serverSubject(), usage: "server", dnsNames: SERVER_NAMES });
    input.engine.tls = await supplied("engine", { subject: engineIdentity(ORG).subject, usage: "client" });
    for (const collector of input.collectors) {
      collector.tls = await supplied(collector.name, { subject: collectorSubject(collector.name), usage: "client" });
    }
    input.pki.systemTls = {
      certFile: (await supplied("system", { subject: systemIdentity(ORG).subject, usage: "client" })).certFile,
    };
    json = synthTopology(input).json;
  });

  test("THEN no certificate key, CA or certificate is generated (only the webhook token seed remains)", () => {
    // The webhook token derives from a generated seed unless the topology gives the token.
    expect(Object.keys(json.resource.tls_private_key ?? {})).toEqual([expect.stringContaining("token-seed")]);
    expect(json.resource.tls_self_signed_cert).toBeUndefined();
    expect(json.resource.tls_locally_signed_cert).toBeUndefined();
  });

  test("THEN containers upload the files by source and source_hash, keys at 0400, and trust the operator's CA", () => {
    const collector = uploads(json, "tornado-collector-webhook-acme");
    expect(collector.find((upload) => upload.file === TORNADO_TLS_PATHS.keyFile)).toEqual({
      file: TORNADO_TLS_PATHS.keyFile,
      source: input.collectors[0].tls.keyFile,
      source_hash: `\${filesha256("${input.collectors[0].tls.keyFile}")}`,
      permissions: "0400",
    });
    expect(collector.find((upload) => upload.file === TORNADO_TLS_PATHS.caFile)?.content).toBe(
      ca.certPem.trim() + "\n",
    );
    const server = uploads(json, "tornado-nats");
    expect(server.find((upload) => upload.file === NATS_CONTAINER_PATHS.keyFile)).toMatchObject({
      source: input.nats.tls.keyFile,
      permissions: "0400",
    });
    expect(server.some((upload) => upload.content?.includes("PRIVATE KEY"))).toBe(false);
  });

  test("THEN no output carries a key, and the identity index points at the files instead", () => {
    const outputs = json.output as Record<string, any>;
    expect(Object.keys(outputs).filter((name) => name.includes("private_key"))).toEqual([]);
    expect(outputs.identities.value["collector/webhook-acme"]).toMatchObject({
      certificate_file: input.collectors[0].tls.certFile,
      private_key_file: input.collectors[0].tls.keyFile,
    });
    expect(
      outputs.identities.value["system/system"] ??
        Object.values(outputs.identities.value).find((entry: any) => entry.role === "system"),
    ).not.toHaveProperty("private_key_file");
  });
});

describe("GIVEN generated and supplied certificates mixed", () => {
  test("THEN only the generated ones have keys in the stack, and everyone trusts both CAs", async () => {
    const input = topologyInput();
    input.pki = { externalCaFile: join(dir, "ca.pem") };
    input.collectors[0].tls = await supplied("mixed-webhook", {
      subject: collectorSubject("webhook-acme"),
      usage: "client",
    });
    const { json } = synthTopology(input);
    const keys = Object.keys(json.resource.tls_private_key).filter((id) => !id.includes("token-seed"));
    expect(keys.some((id) => id.includes("webhook-acme"))).toBe(false);
    expect(keys.some((id) => id.includes("json-acme"))).toBe(true);
    const caUpload = uploads(json, "tornado-nats").find((upload) => upload.file === NATS_CONTAINER_PATHS.caFile);
    expect(caUpload?.content).toMatch(/^\$\{tls_self_signed_cert\.[^}]+\.cert_pem\}-----BEGIN CERTIFICATE-----/);
    expect(caUpload?.content).toContain(ca.certPem.trim());
  });
});

describe("GIVEN a supplied certificate that would not work", () => {
  /** A topology whose webhook collector gets `files`; every other certificate generated. */
  const withCollectorTls = (files: { certFile: string; keyFile?: string }): TopologyInput => {
    const input = topologyInput();
    input.pki = { externalCaFile: join(dir, "ca.pem") };
    input.collectors[0].tls = files;
    return input as TopologyInput;
  };

  test("WHEN it belongs to another collector THEN the error shows both subjects", async () => {
    const files = await supplied("other-subject", { subject: collectorSubject("json-acme"), usage: "client" });
    const [line, ...others] = problems(withCollectorTls(files));
    expect(others).toEqual([]);
    expect(line).toMatch(/^collectors\[0\]\.tls\.certFile: .* has subject "O=Example Corp, OU=acme, CN=json-acme"/);
    expect(line).toContain("allowed: exactly CN=webhook-acme,OU=acme,O=Example Corp");
  });

  test("WHEN a foreign CA signed it THEN it is rejected as not signed by pki.externalCaFile", async () => {
    const foreign = await createCertificateAuthority("Foreign CA", ORG, { algorithm: "ECDSA", ecdsaCurve: "P256" });
    const files = await supplied("foreign", { subject: collectorSubject("webhook-acme"), usage: "client" }, foreign);
    expect(problems(withCollectorTls(files))).toEqual([expect.stringContaining("is not signed by pki.externalCaFile")]);
  });

  test("WHEN it is a server-only certificate THEN it lacks clientAuth", async () => {
    const files = await supplied("server-usage", { subject: collectorSubject("webhook-acme"), usage: "server" });
    expect(problems(withCollectorTls(files))).toEqual([expect.stringContaining("lacks extended key usage clientAuth")]);
  });

  test("WHEN it expired THEN it is rejected with its end date", async () => {
    const files = await supplied("expired", {
      subject: collectorSubject("webhook-acme"),
      usage: "client",
      notBefore: new Date(Date.now() - 48 * 3600_000),
      notAfter: new Date(Date.now() - 24 * 3600_000),
    });
    expect(problems(withCollectorTls(files))).toEqual([
      expect.stringMatching(/certFile: .* expired on .*allowed: a currently valid/),
    ]);
  });

  test("WHEN the key is another certificate's THEN the key is named as not belonging", async () => {
    const own = await supplied("own", { subject: collectorSubject("webhook-acme"), usage: "client" });
    const other = await supplied("other", { subject: collectorSubject("webhook-acme"), usage: "client" });
    const found = problems(withCollectorTls({ certFile: own.certFile, keyFile: other.keyFile }));
    expect(found).toEqual([expect.stringMatching(/^collectors\[0\]\.tls\.keyFile: .*does not belong to certFile/)]);
  });

  test("WHEN the key is SEC1 instead of PKCS#8 THEN Tornado's need is named with the fix, and the key is not quoted", async () => {
    const files = await supplied("sec1", { subject: collectorSubject("webhook-acme"), usage: "client" });
    const sec1 = createPrivateKey({ key: readFileSync(files.keyFile, "utf8") })
      .export({ type: "sec1", format: "pem" })
      .toString();
    const keyFile = write("sec1-key.pem", sec1);
    const found = problems(withCollectorTls({ certFile: files.certFile, keyFile }));
    expect(found).toEqual([expect.stringContaining("is not PKCS#8; allowed: an unencrypted PKCS#8 key")]);
    expect(found.join("\n")).not.toContain("PRIVATE KEY-----");
  });

  test("WHEN the server certificate lacks a DNS name clients use THEN the missing names are listed", async () => {
    const input = topologyInput();
    input.pki = { externalCaFile: join(dir, "ca.pem") };
    input.nats.tls = await supplied("server-no-san", {
      subject: serverSubject(),
      usage: "server",
      dnsNames: ["nats.example.com"],
    });
    expect(problems(input)).toEqual([expect.stringMatching(/^nats\.tls\.certFile: .*lacks DNS names tornado-nats/)]);
  });

  test("WHEN files are missing THEN each is named, all at once", () => {
    const found = problems(withCollectorTls({ certFile: join(dir, "nope.pem") }));
    expect(found).toEqual([expect.stringMatching(/^collectors\[0\]\.tls\.certFile: .*cannot be read \(ENOENT\)/)]);
  });

  test("WHEN the key file is left out for an uploaded certificate THEN keyFile is required", async () => {
    const files = await supplied("nokey", { subject: collectorSubject("webhook-acme"), usage: "client" });
    expect(problems(withCollectorTls({ certFile: files.certFile }))).toEqual([
      expect.stringMatching(/^collectors\[0\]\.tls\.keyFile: \(missing\) is required/),
    ]);
  });

  test("WHEN tls is given without pki.externalCaFile THEN the CA is asked for", async () => {
    const input = topologyInput();
    input.collectors[0].tls = await supplied("no-ca", { subject: collectorSubject("webhook-acme"), usage: "client" });
    expect(problems(input)).toEqual([expect.stringMatching(/^collectors\[0\]\.tls: .*needs pki\.externalCaFile/)]);
  });

  test("WHEN pki.externalCaFile is set but nothing uses it THEN trusting it is refused", () => {
    const input = topologyInput();
    input.pki = { externalCaFile: join(dir, "ca.pem") };
    expect(problems(input)).toEqual([
      expect.stringMatching(/^pki\.externalCaFile: .*no component has a tls certificate/),
    ]);
  });

  test("WHEN the supplied certificate is right THEN it is accepted (the checks can pass)", async () => {
    const files = await supplied("right", { subject: collectorSubject("webhook-acme"), usage: "client" });
    expect(problems(withCollectorTls(files))).toEqual([]);
  });
});
