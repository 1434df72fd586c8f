import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  collectorIdentity,
  dedicatedEngineIdentity,
  engineIdentity,
  natsServerDnsNames,
  natsServerSubject,
  readerIdentity,
  satelliteIdentity,
  subjectDn,
  systemIdentity,
  type CertificateSubject,
} from "./identities";
import type { CertificateUsage } from "./pki";
import type { TlsFiles, Topology } from "./topology";
import type { TopologyIssue } from "./topology-errors";
import { collectorNamed } from "./topology-index";
import { isObject, issue, itemsOf, type Loose, type Path } from "./validation-helpers";

/**
 * External PKI: certificates and keys the operator supplies as files. Synth
 * reads them (never copies the key anywhere) and checks that each one will
 * work where it goes: signed by pki.externalCaFile, currently valid, the
 * exact subject verify_and_map maps to the NATS user, the usage (client,
 * server, both), every DNS name clients and routes use, and a key that
 * belongs to the certificate in a form the reader (Tornado: PKCS#8) takes.
 */

/** A certificate the topology uses and what it must be; `files` when the operator supplies it. */
export interface PlannedCertificate {
  /** Where the topology sets it, e.g. ["collectors", 2, "tls"]. */
  readonly path: (string | number)[];
  /** Supplied files; undefined: generated. */
  readonly files?: TlsFiles;
  readonly subject: CertificateSubject;
  readonly usage: CertificateUsage;
  /** DNS SANs it must carry (servers). */
  readonly dnsNames: readonly string[];
  /** Its key is uploaded into a container, so the key file is required. */
  readonly keyUploaded: boolean;
  /** A Tornado binary reads the key: rustls 0.19 takes unencrypted PKCS#8 only. */
  readonly pkcs8Required: boolean;
}

/** One supplied certificate and what the topology needs it to be. */
export type ExpectedCertificate = PlannedCertificate & { readonly files: TlsFiles };

/**
 * Every certificate of a resolved topology and what it must be: the list an
 * operator hands to their PKI to issue (`npm run certificate-plan`).
 */
export function certificatePlan(topology: Topology): PlannedCertificate[] {
  const org = topology.organization;
  const plan: PlannedCertificate[] = [];
  const client = (
    path: Path,
    files: TlsFiles | undefined,
    subject: CertificateSubject,
    keyUploaded = true,
    tornado = true,
  ) =>
    plan.push({
      path,
      files,
      subject,
      usage: "client",
      dnsNames: [],
      keyUploaded,
      pkcs8Required: keyUploaded && tornado,
    });
  topology.collectors.forEach((collector, index) =>
    client(["collectors", index, "tls"], collector.tls, collectorIdentity(collector, org).subject),
  );
  if (topology.engine) client(["engine", "tls"], topology.engine.tls, engineIdentity(org).subject);
  topology.dedicatedEngines.forEach((engine, index) =>
    client(["dedicatedEngines", index, "tls"], engine.tls, dedicatedEngineIdentity(engine, org).subject),
  );
  topology.readers.forEach((reader, index) =>
    client(["readers", index, "tls"], reader.tls, readerIdentity(reader, org).subject, reader.deploy !== undefined),
  );
  client(["pki", "systemTls"], topology.pki.systemTls, systemIdentity(org).subject, false);
  const clustered = topology.nats.cluster !== undefined;
  topology.nats.nodes.forEach((node, index) =>
    plan.push({
      path: clustered ? ["nats", "cluster", "nodes", index, "tls"] : ["nats", "tls"],
      files: node.tls,
      subject: natsServerSubject(node, org),
      // Routes present the node's certificate as a client too.
      usage: clustered ? "server-and-client" : "server",
      dnsNames: natsServerDnsNames(node),
      keyUploaded: true,
      pkcs8Required: false,
    }),
  );
  topology.satellites.forEach((satellite, index) => {
    plan.push({
      path: ["satellites", index, "tls"],
      files: satellite.tls,
      subject: natsServerSubject(satellite, org),
      usage: "server",
      dnsNames: natsServerDnsNames(satellite),
      keyUploaded: true,
      pkcs8Required: false,
    });
    client(["satellites", index, "leafTls"], satellite.leafTls, satelliteIdentity(satellite, org).subject, true, false);
  });
  return plan;
}

/** Every supplied certificate of a resolved topology, with what it must be. */
export function expectedExternalCertificates(topology: Topology): ExpectedCertificate[] {
  return certificatePlan(topology).filter((entry): entry is ExpectedCertificate => entry.files !== undefined);
}

const EKU_SERVER = "1.3.6.1.5.5.7.3.1";
const EKU_CLIENT = "1.3.6.1.5.5.7.3.2";

type Read<T> = { ok: true; value: T } | { ok: false; problem: string };

function readText(file: string): Read<string> {
  try {
    return { ok: true, value: readFileSync(file, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    return { ok: false, problem: `cannot be read (${code})` };
  }
}

function readCertificate(file: string): Read<X509Certificate> {
  const text = readText(file);
  if (!text.ok) return text;
  try {
    return { ok: true, value: new X509Certificate(text.value) };
  } catch {
    return { ok: false, problem: "is not a PEM certificate" };
  }
}

/** "CN=a\nOU=b\nO=c" as node prints it, into attribute → values. */
function subjectAttributes(certificate: X509Certificate): Map<string, string[]> {
  const attributes = new Map<string, string[]>();
  for (const line of certificate.subject.split("\n")) {
    const at = line.indexOf("=");
    if (at < 0) continue;
    const key = line.slice(0, at);
    attributes.set(key, [...(attributes.get(key) ?? []), line.slice(at + 1)]);
  }
  return attributes;
}

function subjectMatches(certificate: X509Certificate, expected: CertificateSubject): boolean {
  const found = subjectAttributes(certificate);
  const wanted = new Map([
    ["CN", [expected.commonName]],
    ["OU", [expected.organizationalUnit]],
    ["O", [expected.organization]],
  ]);
  if (found.size !== wanted.size) return false;
  return [...wanted].every(([key, values]) => JSON.stringify(found.get(key)) === JSON.stringify(values));
}

function certificateDnsNames(certificate: X509Certificate): string[] {
  return (certificate.subjectAltName ?? "")
    .split(", ")
    .filter((entry) => entry.startsWith("DNS:"))
    .map((entry) => entry.slice(4).toLowerCase());
}

function certificateProblems(expected: ExpectedCertificate, ca: X509Certificate, now: Date): TopologyIssue[] {
  const certPath = [...expected.path, "certFile"];
  const read = readCertificate(expected.files.certFile);
  if (!read.ok) {
    return [
      issue(
        certPath,
        expected.files.certFile,
        `${read.problem}; allowed: a readable PEM certificate file (relative paths are relative to the topology file)`,
      ),
    ];
  }
  const certificate = read.value;
  const found: TopologyIssue[] = [];
  const file = expected.files.certFile;
  if (!certificate.checkIssued(ca) || !certificate.verify(ca.publicKey)) {
    found.push(
      issue(
        certPath,
        file,
        `is not signed by pki.externalCaFile (${ca.subject.replace(/\n/g, ", ")}); allowed: a certificate that CA issued`,
      ),
    );
  }
  if (new Date(certificate.validTo) <= now) {
    found.push(issue(certPath, file, `expired on ${certificate.validTo}; allowed: a currently valid certificate`));
  } else if (new Date(certificate.validFrom) > now) {
    found.push(
      issue(certPath, file, `is not valid before ${certificate.validFrom}; allowed: a currently valid certificate`),
    );
  }
  if (!subjectMatches(certificate, expected.subject)) {
    found.push(
      issue(
        certPath,
        file,
        `has subject "${certificate.subject.split("\n").join(", ")}"; allowed: exactly ${subjectDn(expected.subject)} ` +
          "(CN, OU and O only: verify_and_map maps this subject to the NATS user)",
      ),
    );
  }
  const usages = certificate.keyUsage;
  const needed = [
    ...(expected.usage !== "client" ? [[EKU_SERVER, "serverAuth"]] : []),
    ...(expected.usage !== "server" ? [[EKU_CLIENT, "clientAuth"]] : []),
  ];
  // No extended key usage extension means any usage.
  const missing = usages === undefined ? [] : needed.filter(([oid]) => !usages.includes(oid)).map(([, label]) => label);
  if (missing.length > 0) {
    found.push(
      issue(
        certPath,
        file,
        `lacks extended key usage ${missing.join(" and ")}; allowed: a certificate with ${needed.map(([, label]) => label).join(" and ")}`,
      ),
    );
  }
  const sans = certificateDnsNames(certificate);
  const absent = expected.dnsNames.filter((name) => !sans.includes(name.toLowerCase()));
  if (absent.length > 0) {
    found.push(
      issue(
        certPath,
        file,
        `lacks DNS names ${absent.join(", ")}; allowed: a certificate whose subjectAltName carries ${expected.dnsNames.join(", ")}`,
      ),
    );
  }
  found.push(...keyProblems(expected, certificate));
  return found;
}

function keyProblems(expected: ExpectedCertificate, certificate: X509Certificate): TopologyIssue[] {
  const keyPath = [...expected.path, "keyFile"];
  const keyFile = expected.files.keyFile;
  if (keyFile === undefined) {
    return expected.keyUploaded
      ? [
          issue(
            keyPath,
            undefined,
            "is required: the key is uploaded into the container; allowed: the path of the certificate's PKCS#8 key",
          ),
        ]
      : [];
  }
  const text = readText(keyFile);
  if (!text.ok) return [issue(keyPath, keyFile, `${text.problem}; allowed: a readable PEM private key file`)];
  let key: KeyObject;
  try {
    key = createPrivateKey(text.value);
  } catch {
    // The message never quotes the file: it is a secret.
    return [issue(keyPath, keyFile, "is not an unencrypted PEM private key; allowed: an unencrypted PKCS#8 PEM key")];
  }
  const found: TopologyIssue[] = [];
  const samePublicKey = createPublicKey(key)
    .export({ type: "spki", format: "der" })
    .equals(certificate.publicKey.export({ type: "spki", format: "der" }));
  if (!samePublicKey) {
    found.push(
      issue(
        keyPath,
        keyFile,
        "does not belong to certFile (the public keys differ); allowed: the certificate's own key",
      ),
    );
  }
  if (expected.pkcs8Required && !text.value.includes("-----BEGIN PRIVATE KEY-----")) {
    found.push(
      issue(
        keyPath,
        keyFile,
        "is not PKCS#8; allowed: an unencrypted PKCS#8 key (BEGIN PRIVATE KEY), the only form Tornado's NATS client reads " +
          "(convert: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem)",
      ),
    );
  }
  return found;
}

/**
 * Problems with the supplied certificates of a resolved topology; empty when
 * every one will be accepted where it goes (or there is none). Reads files.
 */
export function externalPkiIssues(topology: Topology, now: Date = new Date()): TopologyIssue[] {
  const expected = expectedExternalCertificates(topology);
  const caFile = topology.pki.externalCaFile;
  if (caFile === undefined || expected.length === 0) return [];
  const ca = readCertificate(caFile);
  if (!ca.ok)
    return [issue(["pki", "externalCaFile"], caFile, `${ca.problem}; allowed: a readable PEM CA certificate`)];
  if (!ca.value.ca) {
    return [
      issue(
        ["pki", "externalCaFile"],
        caFile,
        "is not a CA certificate (basicConstraints CA:FALSE); allowed: the CA that issued the tls certificates",
      ),
    ];
  }
  return expected.flatMap((certificate) => certificateProblems(certificate, ca.value, now));
}

/** Where a raw topology input sets a `tls` (or `leafTls`) block. */
function tlsPaths(input: Loose): Path[] {
  const paths: Path[] = [];
  const nats = isObject(input.nats) ? input.nats : {};
  const at = (path: Path, item: Loose, field = "tls") => {
    if (item[field] !== undefined) paths.push([...path, field]);
  };
  for (const key of ["collectors", "dedicatedEngines", "readers", "satellites"]) {
    for (const { path, item } of itemsOf(input, key)) {
      at(path, item);
      if (key === "satellites") at(path, item, "leafTls");
    }
  }
  if (isObject(input.engine)) at(["engine"], input.engine);
  at(["nats"], nats);
  if (isObject(nats.cluster)) {
    for (const { path, item } of itemsOf(nats.cluster, "nodes")) at(["nats", "cluster", ...path], item);
  }
  if (isObject(input.pki)) at(["pki"], input.pki, "systemTls");
  return paths;
}

/** Relation rules of external PKI on the raw input (no file is read here). */
export function externalPkiRules(input: Loose): TopologyIssue[] {
  const pki = isObject(input.pki) ? input.pki : {};
  const paths = tlsPaths(input);
  if (pki.externalCaFile === undefined) {
    return paths.map((path) =>
      issue(
        path,
        undefined,
        "needs pki.externalCaFile, the CA that signed it; allowed: set pki.externalCaFile, or remove it for a generated certificate",
      ),
    );
  }
  if (paths.length === 0) {
    // Trusting a CA nothing needs would let any certificate it issues with a matching subject log in.
    return [
      issue(
        ["pki", "externalCaFile"],
        pki.externalCaFile,
        "is trusted by every server but no component has a tls certificate from it; allowed: remove it, or give components tls: { certFile, keyFile }",
      ),
    ];
  }
  const nats = isObject(input.nats) ? input.nats : {};
  return nats.tls !== undefined && isObject(nats.cluster)
    ? [
        issue(
          ["nats", "tls"],
          "(set)",
          "applies only to a single server; allowed: remove it and set tls on each node under nats.cluster.nodes",
        ),
      ]
    : [];
}

/** The supplied certificate of a client identity, or undefined when it is generated. */
export function externalTlsOf(
  topology: Topology,
  identity: { role: string; name: string; tenant?: string },
): TlsFiles | undefined {
  switch (identity.role) {
    case "collector":
      return collectorNamed(topology, identity.name)?.tls;
    case "engine":
      return identity.tenant === undefined
        ? topology.engine?.tls
        : topology.dedicatedEngines.find((engine) => engine.name === identity.name)?.tls;
    case "reader":
      return topology.readers.find((reader) => reader.name === identity.name)?.tls;
    case "satellite":
      return topology.satellites.find((satellite) => satellite.name === identity.name)?.leafTls;
    case "system":
      return topology.pki.systemTls;
    default:
      return undefined;
  }
}

/** Whether any certificate of the topology is still generated, so the generated CA is needed. */
export function needsGeneratedCa(
  topology: Topology,
  identities: readonly { role: string; name: string; tenant?: string }[],
): boolean {
  return (
    identities.some((identity) => externalTlsOf(topology, identity) === undefined) ||
    topology.nats.nodes.some((node) => node.tls === undefined) ||
    topology.satellites.some((satellite) => satellite.tls === undefined)
  );
}

/**
 * A copy of a raw topology input without its supplied certificates: what the
 * topology would be with every certificate generated. The certificate plan
 * of a topology whose files do not exist yet is made from it.
 */
export function withoutExternalPki(input: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(input)) as unknown;
  if (!isObject(copy)) return copy;
  for (const path of tlsPaths(copy)) {
    let parent: unknown = copy;
    for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[key];
    delete (parent as Loose)[path[path.length - 1] as string];
  }
  if (isObject(copy.pki)) delete copy.pki.externalCaFile;
  return copy;
}
