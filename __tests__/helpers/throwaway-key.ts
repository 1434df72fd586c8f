import { generateKeyPairSync } from "node:crypto";

/**
 * A private key made now, for tests that prove key material is never shown:
 * no key is ever committed. `pkcs8` is `BEGIN PRIVATE KEY` (what Tornado
 * reads); `sec1` is OpenSSL's `BEGIN EC PRIVATE KEY`.
 */
export function throwawayKeyPem(type: "pkcs8" | "sec1" = "pkcs8"): string {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return privateKey.export({ type, format: "pem" }).toString();
}

/** The first line of base64 inside a PEM: what must never appear in a message. */
export function keyMaterialOf(pem: string): string {
  return pem.split("\n")[1];
}
