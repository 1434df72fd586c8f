import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { certificatePlan, withoutExternalPki } from "../../constructs/core/external-pki";
import { resolveTopology } from "../../constructs/core/topology";
import { createCertificateAuthority, issueCertificate } from "../../smoke/local-pki";

/**
 * Plays the operator's PKI for a topology in external PKI mode: a CA at
 * pki.externalCaFile and, for every tls block of the raw input, the
 * certificate the certificate plan asks for, at the paths the block names
 * (relative to `baseDir`). Keys are PKCS#8 at mode 0600.
 */
export async function issueExternalPkiFiles(input: Record<string, any>, baseDir: string): Promise<void> {
  const write = (file: string, text: string, mode = 0o644) => {
    const path = resolve(baseDir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text, { mode });
  };
  const ca = await createCertificateAuthority("Operator Issuing CA", "Operator", {
    algorithm: "ECDSA",
    ecdsaCurve: "P256",
  });
  write(input.pki.externalCaFile, ca.certPem);
  const topology = resolveTopology(withoutExternalPki(input), { baseDir });
  for (const entry of certificatePlan(topology)) {
    let block: any = input;
    for (const key of entry.path) block = block?.[key];
    if (!block) continue;
    const pair = await issueCertificate(ca, {
      subject: entry.subject,
      usage: entry.usage,
      dnsNames: [...entry.dnsNames],
    });
    write(block.certFile, pair.certPem);
    if (block.keyFile) write(block.keyFile, pair.keyPem, 0o600);
  }
}
