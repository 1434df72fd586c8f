import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { issueTopologyPki } from "../../__tests__/helpers/topology-pki";
import { clientIdentities } from "../../constructs/core/identities";
import type { KeySpec, Topology } from "../../constructs/core/topology";

/**
 * Certificates for the storm's identities, per key type, made by the tests'
 * PKI helper (the stack's CA settings and subjects) and kept in bench/tmp
 * between runs: 500 RSA-4096 keys take minutes to generate, which is not what
 * the storm measures. A cached set is used while its certificates have more
 * than an hour left and it holds exactly the identities asked for.
 */

export const KEY_TYPES = {
  "ECDSA P-256": { algorithm: "ECDSA", ecdsaCurve: "P256" },
  Ed25519: { algorithm: "ED25519" },
  "RSA-2048": { algorithm: "RSA", rsaBits: 2048 },
  "RSA-4096": { algorithm: "RSA", rsaBits: 4096 },
} as const satisfies Record<string, KeySpec>;

export type KeyType = keyof typeof KEY_TYPES;

export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Everything the storm needs, as PEM text and files the server reads. */
export interface StormPki {
  readonly caPem: string;
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** By identity id (`collector/<name>`). */
  readonly clients: ReadonlyMap<string, PemPair>;
  /** Seconds spent generating, or 0 when the cached set was used. */
  readonly generatedSeconds: number;
}

interface CacheFile {
  readonly identities: readonly string[];
  readonly validUntil: number;
  readonly caPem: string;
  readonly server: PemPair;
  readonly clients: Readonly<Record<string, PemPair>>;
}

/** Leaves last a day (local-pki.ts); a cached set is dropped an hour before. */
const USABLE_FOR_MS = 23 * 3600 * 1000;

/** Owner read-only, written aside and renamed into place: a parallel run reads the old file or the new, never half. */
function writeKeyFile(path: string, text: string): void {
  const partial = `${path}.${process.pid}.tmp`;
  rmSync(partial, { force: true });
  writeFileSync(partial, text, { mode: 0o400 });
  renameSync(partial, path);
}

/** Certificates in `cacheDir` (made if missing or stale); the files the server reads go to `runDir`. */
export async function stormPki(
  topology: Topology,
  keyType: KeyType,
  cacheDir: string,
  runDir: string,
): Promise<StormPki> {
  const identities = clientIdentities(topology).map((identity) => identity.id);
  const cacheFile = join(cacheDir, `pki-${keyType.replace(/\W+/g, "-")}-${identities.length}.json`);
  let cache: CacheFile | undefined;
  if (existsSync(cacheFile)) {
    const candidate = JSON.parse(readFileSync(cacheFile, "utf8")) as CacheFile;
    const sameIdentities = candidate.identities.join("\n") === identities.join("\n");
    if (sameIdentities && candidate.validUntil > Date.now() + 3600 * 1000) cache = candidate;
  }
  let generatedSeconds = 0;
  if (!cache) {
    const started = performance.now();
    const scratch = mkdtempSync(join(cacheDir, "issue-"));
    const issued = await issueTopologyPki({ ...topology, pki: { ...topology.pki, key: KEY_TYPES[keyType] } }, scratch);
    rmSync(scratch, { recursive: true, force: true });
    generatedSeconds = (performance.now() - started) / 1000;
    cache = {
      identities,
      validUntil: Date.now() + USABLE_FOR_MS,
      caPem: issued.ca.certPem,
      server: { certPem: issued.server.certPem, keyPem: issued.server.keyPem },
      clients: Object.fromEntries(
        [...issued.clients].map(([id, pair]) => [id, { certPem: pair.certPem, keyPem: pair.keyPem }]),
      ),
    };
    // It holds private keys: owner read-only, like every key file here.
    writeKeyFile(cacheFile, JSON.stringify(cache));
  }
  const caFile = join(runDir, "ca.pem");
  const serverCertFile = join(runDir, "server.pem");
  const serverKeyFile = join(runDir, "server-key.pem");
  writeFileSync(caFile, cache.caPem);
  writeFileSync(serverCertFile, cache.server.certPem);
  writeKeyFile(serverKeyFile, cache.server.keyPem);
  return {
    caPem: cache.caPem,
    caFile,
    serverCertFile,
    serverKeyFile,
    clients: new Map(Object.entries(cache.clients)),
    generatedSeconds,
  };
}
