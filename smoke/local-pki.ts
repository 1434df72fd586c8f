import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import type { CertificateSubject } from "../constructs/core/identities";
import type { CertificateUsage } from "../constructs/core/pki";
import type { KeySpec } from "../constructs/core/topology";

/**
 * Certificates made in memory with WebCrypto, for two jobs: the tests build a
 * PKI for the very identities the stack would issue (so the rendered NATS
 * config can be run by a real nats-server), and the smoke test makes a
 * throwaway foreign CA to prove NATS refuses it. The choices (subject RDN
 * order, key usages, extended key usages) follow what the tls provider does.
 */

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const subtle = webcrypto.subtle;

export interface PemPair {
  readonly certPem: string;
  /** Unencrypted PKCS#8 (`BEGIN PRIVATE KEY`), like tls_private_key.private_key_pem_pkcs8. */
  readonly keyPem: string;
}

export interface LocalCertificateAuthority extends PemPair {
  readonly certificate: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
  readonly keySpec: KeySpec;
}

export interface IssueOptions {
  /** The subject, or a Name copied from another certificate to reproduce that subject exactly. */
  readonly subject: CertificateSubject | x509.Name;
  readonly usage: CertificateUsage;
  readonly dnsNames?: readonly string[];
  /** @default the CA's key spec */
  readonly key?: KeySpec;
  /** @default one hour ago */
  readonly notBefore?: Date;
  /** @default one day from now */
  readonly notAfter?: Date;
}

type KeyAlgorithmParams = webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | Algorithm;

function keyParams(spec: KeySpec): { generate: KeyAlgorithmParams; sign: Algorithm | EcdsaParams } {
  switch (spec.algorithm) {
    case "ECDSA": {
      const curve = spec.ecdsaCurve ?? "P256";
      const namedCurve = `P-${curve.slice(1)}`;
      const hash = curve === "P384" ? "SHA-384" : curve === "P521" ? "SHA-512" : "SHA-256";
      return { generate: { name: "ECDSA", namedCurve }, sign: { name: "ECDSA", hash } as EcdsaParams };
    }
    case "RSA":
      return {
        generate: {
          name: "RSASSA-PKCS1-v1_5",
          modulusLength: spec.rsaBits ?? 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: "SHA-256",
        },
        sign: { name: "RSASSA-PKCS1-v1_5" },
      };
    case "ED25519":
      return { generate: { name: "Ed25519" }, sign: { name: "Ed25519" } };
  }
}

async function generateKeys(spec: KeySpec): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(keyParams(spec).generate, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

/** RDN sequence O, OU, CN: the order Go writes for the tls provider, printed back as CN=…,OU=…,O=…. */
function subjectName(subject: Partial<CertificateSubject>): x509.JsonName {
  const rdns: x509.JsonName = [];
  if (subject.organization) rdns.push({ O: [subject.organization] });
  if (subject.organizationalUnit) rdns.push({ OU: [subject.organizationalUnit] });
  if (subject.commonName) rdns.push({ CN: [subject.commonName] });
  return rdns;
}

function hoursFromNow(hours: number): Date {
  return new Date(Date.now() + hours * 3600 * 1000);
}

function serial(): string {
  // Positive, non-zero, 16 bytes: what RFC 5280 asks of serial numbers.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return Buffer.from(bytes).toString("hex");
}

export async function createCertificateAuthority(
  commonName: string,
  organization: string,
  keySpec: KeySpec = { algorithm: "ECDSA", ecdsaCurve: "P256" },
): Promise<LocalCertificateAuthority> {
  const keys = await generateKeys(keySpec);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: subjectName({ commonName, organization }),
    notBefore: hoursFromNow(-1),
    notAfter: hoursFromNow(24 * 30),
    keys,
    signingAlgorithm: keyParams(keySpec).sign,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificate, keys, keySpec, certPem: certificate.toString("pem"), keyPem: await pkcs8Pem(keys.privateKey) };
}

/** Issues a leaf certificate from `ca`, as tls_locally_signed_cert would. */
export async function issueCertificate(ca: LocalCertificateAuthority, options: IssueOptions): Promise<PemPair> {
  const keySpec = options.key ?? ca.keySpec;
  const keys = await generateKeys(keySpec);
  const extendedUsages: string[] = [];
  if (options.usage !== "client") extendedUsages.push(x509.ExtendedKeyUsage.serverAuth);
  if (options.usage !== "server") extendedUsages.push(x509.ExtendedKeyUsage.clientAuth);
  const keyUsage =
    keySpec.algorithm === "RSA"
      ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
      : x509.KeyUsageFlags.digitalSignature;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(keyUsage, true),
    new x509.ExtendedKeyUsageExtension(extendedUsages),
    await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
  ];
  if (options.dnsNames && options.dnsNames.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(options.dnsNames.map((value) => ({ type: "dns", value }))),
    );
  }
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: options.subject instanceof x509.Name ? options.subject : subjectName(options.subject),
    issuer: ca.certificate.subject,
    notBefore: options.notBefore ?? hoursFromNow(-1),
    notAfter: options.notAfter ?? hoursFromNow(24),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: keyParams(ca.keySpec).sign,
    extensions,
  });
  return { certPem: certificate.toString("pem"), keyPem: await pkcs8Pem(keys.privateKey) };
}
