import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { resolveTopology } from "../../constructs/core/topology";
import type { TopologyInput } from "../../constructs/core/topology-schema";
import { TornadoTopologyStack } from "../../stacks/tornado-topology-stack";
import type { CanaryFleet } from "../helpers/canary-fleet";
import type { SecuredNats } from "../helpers/secured-nats";
import type { TopologyPki } from "../helpers/topology-pki";
import { threeTenants } from "../helpers/topologies";

/**
 * What a deployment of the topology stack would report, for a test
 * nats-server: the stack is synthesized for real, its outputs are taken as
 * they are (names, sensitivity, literal values), and the values Terraform
 * would fill in at apply time (the CA, each identity's certificate and key)
 * come from the test PKI issued for the same identities. The one change:
 * the test server listens on a free port, so the port in `nats_urls` is
 * that port. Key material is generated at test time, never committed.
 */

export type TerraformOutputJson = Record<string, { sensitive: boolean; type: unknown; value: unknown }>;

/** threeTenants() with `localhost` as the primary DNS name, so the outputs' URL reaches the test server. */
export function smokeTopology(): TopologyInput {
  const input = threeTenants();
  return { ...input, nats: { ...input.nats, dnsNames: ["localhost", "nats.example.net"] } };
}

/**
 * Who reads what (issue 9): acme and globex share with the shared engine;
 * initech opted out and has its own engine. Readers: acme-archive (acme
 * alone, in acme's account), initech-audit (initech alone, in initech's
 * account, where its stream is mapped to initech.tornado.events) and siem
 * (acme and globex, in ENGINE).
 */
export function readersTopology(): TopologyInput {
  return {
    name: "tornado-readers",
    organization: "Acme Monitoring",
    hosts: [{ name: "master", url: "unix:///var/run/docker.sock" }],
    tenants: [{ name: "acme" }, { name: "globex" }, { name: "initech", sharedEngine: false }],
    nats: { dnsNames: ["localhost", "nats.example.net"], clientPort: 4222 },
    engine: { host: "master" },
    dedicatedEngines: [{ name: "initech-engine", tenant: "initech", host: "master", apiPort: 4749 }],
    collectors: [
      { name: "webhook-acme", tenant: "acme", kind: "webhook", host: "master", port: 9081 },
      { name: "webhook-globex", tenant: "globex", kind: "webhook", host: "master", port: 9082 },
      { name: "webhook-initech", tenant: "initech", kind: "webhook", host: "master", port: 9083 },
      {
        name: "email-initech",
        tenant: "initech",
        kind: "email",
        host: "master",
        image: "registry.example.net/tornado/email_collector:1.2",
      },
    ],
    readers: [
      { name: "acme-archive", tenants: ["acme"] },
      { name: "initech-audit", tenants: ["initech"], host: "master", image: "registry.example.net/audit:1.0" },
      { name: "siem", tenants: ["acme", "globex"] },
    ],
  };
}

/** The synthesized stack as cdktf writes it, with its "//" metadata (which maps construct ids to outputs). */
export function synthesizedStack(input: TopologyInput): { name: string; stack: Record<string, any> } {
  const topology = resolveTopology(input);
  const app = Testing.app();
  const stack = new TornadoTopologyStack(app, topology.name, { topology });
  const outdir = Testing.fullSynth(stack);
  const text = readFileSync(join(outdir, "stacks", topology.name, "cdk.tf.json"), "utf8");
  return { name: topology.name, stack: JSON.parse(text) };
}

function terraformType(value: unknown): unknown {
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return ["tuple", value.map(terraformType)];
  return ["object", Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, terraformType(v)]))];
}

/** `terraform output -json` of the stack deployed against `nats`. */
export function terraformOutputJson(
  nats: SecuredNats,
  input: TopologyInput = smokeTopology(),
  canaries?: CanaryFleet,
): TerraformOutputJson {
  return terraformOutputJsonFor(nats.pki, nats.server.port, input, canaries);
}

/**
 * `terraform output -json` of the stack applied with `pki`, its NATS server
 * listening on `port` (undefined: the servers keep the URLs the stack gives
 * them, for a smoke run that resolves their names itself); with `canaries`,
 * the engine APIs (shared and dedicated) and webhook endpoints are where
 * those canary processes listen, with the tokens they accept.
 */
export function terraformOutputJsonFor(
  pki: TopologyPki,
  port: number | undefined,
  input: TopologyInput = smokeTopology(),
  canaries?: CanaryFleet,
): TerraformOutputJson {
  const nats = { pki };
  const { stack } = synthesizedStack(input);
  const outputs = stack.output as Record<string, { value: unknown; sensitive?: boolean }>;
  const identities = outputs.identities.value as Record<
    string,
    { certificate_output: string; private_key_output: string }
  >;
  const applied = new Map<string, unknown>([["ca_certificate_pem", nats.pki.ca.certPem]]);
  if (port !== undefined) {
    applied.set(
      "nats_urls",
      (outputs.nats_urls.value as string[]).map((url) => url.replace(/:\d+$/, `:${port}`)),
    );
  }
  if (canaries) {
    const sharedApi = canaries.engineApiUrls.get("tornado-engine");
    if (sharedApi) applied.set("engine_api_url", sharedApi);
    const engines = outputs.engines.value as Record<string, Record<string, unknown>>;
    applied.set(
      "engines",
      Object.fromEntries(
        Object.entries(engines).map(([name, engine]) => {
          const running = canaries.engineApiUrls.get(name);
          return [name, running ? { ...engine, api_url: running } : engine];
        }),
      ),
    );
    const endpoints = outputs.webhook_endpoints.value as Record<string, Record<string, unknown>>;
    applied.set(
      "webhook_endpoints",
      Object.fromEntries(
        Object.entries(endpoints).map(([key, endpoint]) => {
          const running = canaries.webhooks.get(key);
          return [key, running ? { ...endpoint, url: running.url, token: running.token } : endpoint];
        }),
      ),
    );
  }
  for (const [id, identity] of Object.entries(identities)) {
    const pair = nats.pki.clients.get(id);
    if (!pair) throw new Error(`the test PKI has no identity ${id}`);
    applied.set(identity.certificate_output, pair.certPem);
    applied.set(identity.private_key_output, pair.keyPem);
  }
  const result: TerraformOutputJson = {};
  for (const [name, output] of Object.entries(outputs)) {
    // Webhook tokens are sha256(<generated key>) at apply time; any 64 hex digits stand in for them here.
    const value = applied.has(name)
      ? applied.get(name)
      : JSON.parse(
          JSON.stringify(output.value).replace(/\$\{sha256\([^}]*\)\}/g, () => randomBytes(32).toString("hex")),
        );
    // Outputs this fixture cannot resolve (added by other constructs) are left out, as if not yet applied.
    if (JSON.stringify(value).includes("${")) continue;
    result[name] = { sensitive: output.sensitive === true, type: terraformType(value), value };
  }
  return result;
}

/**
 * Writes the file `cdktf deploy --outputs-file FILE [--outputs-file-include-sensitive-outputs]`
 * would write, with cdktf's own code (@cdktf/cli-core getConstructIdsForOutputs + saveOutputs),
 * in a child process because loading it probes for Terraform. The outputs go over stdin.
 */
export function writeCdktfOutputsFile(
  file: string,
  stack: Record<string, any>,
  outputs: TerraformOutputJson,
  includeSensitive: boolean,
): void {
  const script = [
    'const { getConstructIdsForOutputs, saveOutputs } = require("@cdktf/cli-core/src/lib/output");',
    'const input = JSON.parse(require("fs").readFileSync(0, "utf8"));',
    "saveOutputs(input.file, getConstructIdsForOutputs(input.stack, input.outputs), input.includeSensitive);",
  ].join("\n");
  const result = spawnSync(process.execPath, ["-e", script], {
    cwd: join(__dirname, "../.."),
    input: JSON.stringify({ file, stack, outputs, includeSensitive }),
    env: { ...process.env, CHECKPOINT_DISABLE: "1", TERRAFORM_BINARY_NAME: "true" },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`saveOutputs failed: ${result.stderr}`);
}
