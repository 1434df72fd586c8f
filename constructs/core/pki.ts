import type { KeySpec } from "./topology";

/**
 * How the model's PKI settings map onto the tls provider's arguments. Kept
 * free of cdktf so the test PKI can follow exactly the same choices.
 */

/** tls_private_key arguments for a key spec. */
export function tlsKeyArguments(key: KeySpec): { algorithm: string; ecdsaCurve?: string; rsaBits?: number } {
  switch (key.algorithm) {
    case "ECDSA":
      return { algorithm: "ECDSA", ecdsaCurve: key.ecdsaCurve ?? "P256" };
    case "RSA":
      return { algorithm: "RSA", rsaBits: key.rsaBits ?? 2048 };
    case "ED25519":
      return { algorithm: "ED25519" };
  }
}

export type CertificateUsage = "server" | "client" | "server-and-client";

/**
 * allowed_uses for a leaf certificate. Key encipherment only makes sense for
 * RSA keys; the extended key usage is what nats-server and clients check.
 */
export function leafAllowedUses(usage: CertificateUsage, key: KeySpec): string[] {
  const keyUsages = key.algorithm === "RSA" ? ["digital_signature", "key_encipherment"] : ["digital_signature"];
  const extended =
    usage === "server" ? ["server_auth"] : usage === "client" ? ["client_auth"] : ["server_auth", "client_auth"];
  return [...keyUsages, ...extended];
}

/** A CA signs certificates and revocation lists, nothing else. */
export const CA_ALLOWED_USES = ["cert_signing", "crl_signing", "digital_signature"];
