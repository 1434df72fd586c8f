import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COLLECTOR_LAYOUTS, renderCollector } from "../../constructs/core/collector-config";
import { collectorIdentity, dedicatedEngineIdentity, engineIdentity } from "../../constructs/core/identities";
import { defaultRulesFiles, ENGINE_CONFIG_DIR, renderEngineFiles } from "../../constructs/core/engine-config";
import type { EngineSpec } from "../../constructs/core/topology";
import { startCanary, writeContainerFiles, type RunningCanary } from "./canary-process";
import { freePort } from "./nats-server-process";
import type { SecuredNats } from "./secured-nats";

/**
 * Every canary a topology deploys (its canary engines and its webhook and
 * nats_json canary collectors), run as processes on the files rendered for
 * their containers, against the test nats-server. What a `cdktf deploy` of
 * the default images would start, minus Docker.
 */
export interface CanaryFleet {
  /** Engine name → its API URL (shared engine: "tornado-engine"). */
  readonly engineApiUrls: ReadonlyMap<string, string>;
  /** `<collector>/<webhook id>` → URL and token, as the webhook_endpoints output describes them. */
  readonly webhooks: ReadonlyMap<string, { url: string; token: string; tenant: string }>;
  /** Everything the canaries printed so far (stdout and stderr), one block per canary. */
  logs(): string;
  stop(): Promise<void>;
}

export async function startCanaryFleet(nats: SecuredNats): Promise<CanaryFleet> {
  const { topology, pki } = nats;
  const workdir = mkdtempSync(join(tmpdir(), "canary-fleet-"));
  const [node] = topology.nats.nodes;
  const resolve: Record<string, string> = {
    [`${node.name}:4222`]: nats.endpoint.address,
    [`${node.dnsNames[0]}:${node.clientPort}`]: nats.endpoint.address,
  };
  const pairOf = (id: string) => {
    const client = pki.clients.get(id);
    if (!client) throw new Error(`no test certificate for ${id}`);
    return client;
  };
  const starts: Promise<RunningCanary>[] = [];
  const engineApiUrls = new Map<string, string>();
  const webhooks = new Map<string, { url: string; token: string; tenant: string }>();

  const engines: [EngineSpec, string][] = [
    ...(topology.engine ? [[topology.engine, engineIdentity(topology.organization).id] as [EngineSpec, string]] : []),
    ...topology.dedicatedEngines.map(
      (engine) => [engine, dedicatedEngineIdentity(engine, topology.organization).id] as [EngineSpec, string],
    ),
  ];
  for (const [engine, identityId] of engines) {
    if (engine.image.source !== "canary") continue;
    const root = join(workdir, `engine-${engine.name}`);
    writeContainerFiles(
      root,
      [...renderEngineFiles(topology, engine), ...defaultRulesFiles()],
      pki.ca.certPem,
      pairOf(identityId),
    );
    const port = await freePort();
    engineApiUrls.set(engine.name, `http://127.0.0.1:${port}`);
    starts.push(
      startCanary({ role: "engine", configDir: ENGINE_CONFIG_DIR, root, resolve, httpPort: port, readyLine: /API on/ }),
    );
  }

  for (const collector of topology.collectors) {
    if (collector.image.source !== "canary") continue;
    const root = join(workdir, `collector-${collector.name}`);
    const tokens = Object.fromEntries(
      collector.webhooks.map((webhook) => [webhook.id, webhook.token ?? randomBytes(32).toString("hex")]),
    );
    const { files } = renderCollector(topology, collector, { webhookTokens: tokens });
    writeContainerFiles(root, files, pki.ca.certPem, pairOf(collectorIdentity(collector, topology.organization).id));
    const { configDir } = COLLECTOR_LAYOUTS[collector.kind];
    if (collector.kind === "webhook") {
      const port = await freePort();
      for (const webhook of collector.webhooks) {
        webhooks.set(`${collector.name}/${webhook.id}`, {
          url: `http://127.0.0.1:${port}/event/${webhook.id}`,
          token: tokens[webhook.id],
          tenant: collector.tenant,
        });
      }
      starts.push(
        startCanary({
          role: "webhook_collector",
          configDir,
          root,
          resolve,
          httpPort: port,
          readyLine: /webhook\(s\) on/,
        }),
      );
    } else {
      starts.push(
        startCanary({ role: "nats_json_collector", configDir, root, resolve, readyLine: /subscribed to its topics/ }),
      );
    }
  }

  const settled = await Promise.allSettled(starts);
  const running = settled.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const stop = async () => {
    await Promise.all(running.map((canary) => canary.stop()));
    rmSync(workdir, { recursive: true, force: true });
  };
  const failed = settled.find((result) => result.status === "rejected");
  if (failed) {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  const logs = () => running.map((canary) => canary.log()).join("\n");
  return { engineApiUrls, webhooks, logs, stop };
}
