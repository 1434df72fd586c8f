import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { certificatePlan, withoutExternalPki } from "../constructs/core/external-pki";
import { subjectDn } from "../constructs/core/identities";
import { parseTopologyText, TOPOLOGY_ENV } from "../constructs/core/load-topology";
import { formatPath, TopologyValidationError } from "../constructs/core/topology-errors";
import { resolveTopology } from "../constructs/core/topology";
import { DEFAULT_TOPOLOGY } from "../constructs/core/default-topology";

/**
 * `npm run certificate-plan [-- topology.yaml] [--json]`: every certificate
 * a topology uses and what it must be (subject, extended key usage, DNS
 * names, key form), for an operator who issues them from their own CA
 * (external PKI mode). Works before any certificate file exists: the
 * topology's tls blocks are ignored for the plan.
 */
const USAGE = { client: "clientAuth", server: "serverAuth", "server-and-client": "serverAuth + clientAuth" } as const;

try {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const file = args.find((arg) => !arg.startsWith("--")) ?? process.env[TOPOLOGY_ENV];
  const input = file ? parseTopologyText(readFileSync(file, "utf8"), file) : DEFAULT_TOPOLOGY;
  const topology = resolveTopology(withoutExternalPki(input), {
    source: file ?? "embedded default topology",
    baseDir: file ? dirname(resolve(file)) : process.cwd(),
  });
  const plan = certificatePlan(topology).map((entry) => ({
    field: formatPath(entry.path),
    subject: subjectDn(entry.subject),
    extendedKeyUsage: USAGE[entry.usage],
    dnsNames: entry.dnsNames,
    key: entry.keyUploaded
      ? entry.pkcs8Required
        ? "unencrypted PKCS#8 PEM (BEGIN PRIVATE KEY): Tornado reads only this"
        : "unencrypted PEM (PKCS#8 recommended)"
      : "stays with its owner (keyFile optional)",
  }));
  if (json) {
    process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
  } else {
    const lines = [
      `Certificates of ${topology.name}: set each as { certFile, keyFile } at the field, and pki.externalCaFile to your CA.`,
      "The subject must be exactly this (CN, OU, O; no other attribute): NATS maps it to the user.",
      "",
      ...plan.flatMap((entry) => [
        entry.field,
        `  subject: ${entry.subject}`,
        `  extended key usage: ${entry.extendedKeyUsage}`,
        ...(entry.dnsNames.length > 0 ? [`  DNS names: ${entry.dnsNames.join(", ")}`] : []),
        `  key: ${entry.key}`,
      ]),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  }
} catch (error) {
  process.stderr.write(
    `${error instanceof TopologyValidationError ? error.message : `error: ${(error as Error).message}`}\n`,
  );
  process.exitCode = 1;
}
