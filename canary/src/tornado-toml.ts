import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { parse } from "smol-toml";
import { localPath, type CanaryOptions } from "./options";

/**
 * Reads Tornado's config files with Tornado's keys, and fails the way a
 * Tornado binary would on what matters for the NATS path: auth type "Tls",
 * an unencrypted PKCS#8 key, and a DNS name (never an IP) to verify.
 */

export type Table = Record<string, unknown>;

export function readToml(options: CanaryOptions, path: string): Table {
  return parse(readFileSync(localPath(options, path), "utf8")) as Table;
}

export function table(parent: Table, key: string, where: string): Table {
  const value = parent[key];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${where}.${key}: missing table`);
  }
  return value as Table;
}

export function string(parent: Table, key: string, where: string): string {
  const value = parent[key];
  if (typeof value !== "string") throw new Error(`${where}.${key}: missing string`);
  return value;
}

export function integer(parent: Table, key: string, where: string): number {
  const value = parent[key];
  if (typeof value !== "number" || !Number.isInteger(value)) throw new Error(`${where}.${key}: missing integer`);
  return value;
}

/** Tornado's NatsClientConfig, resolved to what a TLS client needs. */
export interface NatsClientSettings {
  /** As written in the config: what the certificate must be valid for. */
  readonly addresses: readonly string[];
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export function natsClientSettings(options: CanaryOptions, client: Table, where: string): NatsClientSettings {
  const addresses = client.addresses;
  if (!Array.isArray(addresses) || addresses.length === 0 || !addresses.every((item) => typeof item === "string")) {
    throw new Error(`${where}.addresses: expected a non-empty list of "host:port"`);
  }
  for (const address of addresses as string[]) {
    const host = address.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
    if (isIP(host) !== 0) {
      throw new Error(
        `${where}.addresses: ${address} is an IP address; Tornado's NATS client needs a DNS name for TLS`,
      );
    }
  }
  const auth = table(client, "auth", where);
  if (auth.type !== "Tls") throw new Error(`${where}.auth.type: expected "Tls", got ${JSON.stringify(auth.type)}`);
  const read = (key: string): string => readFileSync(localPath(options, string(auth, key, `${where}.auth`)), "utf8");
  const keyPem = read("private_key_path");
  if (!keyPem.includes("-----BEGIN PRIVATE KEY-----")) {
    throw new Error(`${where}.auth.private_key_path: no unencrypted PKCS#8 key (BEGIN PRIVATE KEY) found`);
  }
  return {
    addresses: addresses as string[],
    caPem: read("path_to_root_certificate"),
    certPem: read("certificate_path"),
    keyPem,
  };
}
