import type { NatsServerConfig } from "../../constructs/core/nats-config";
import type { TopologyInput } from "../../constructs/core/topology-schema";
import { runSmoke } from "../../smoke/run-smoke";
import type { SmokeReport } from "../../smoke/smoke-report";
import { startSecuredNats, type SecuredNats } from "../helpers/secured-nats";
import { smokeTopology, terraformOutputJson } from "./deployed-outputs";

/**
 * A nats-server whose rendered config was broken on purpose, and the smoke
 * test run against it with the outputs of the intact stack: what an operator
 * would see after a bad manual edit or a regression in the renderer.
 */
export interface BrokenDeployment {
  readonly nats: SecuredNats;
  readonly report: SmokeReport;
}

export async function smokeAgainstBroken(
  alterConfig: (config: NatsServerConfig) => NatsServerConfig,
  input: TopologyInput = smokeTopology(),
): Promise<BrokenDeployment> {
  const nats = await startSecuredNats(input, { alterConfig });
  try {
    const report = await runSmoke({
      outputs: terraformOutputJson(nats, input),
      eventTimeoutMs: 1500,
      connectTimeoutMs: 3000,
    });
    return { nats, report };
  } catch (error) {
    await nats.stop();
    throw error;
  }
}

/** "check [identity]" of every failed check, for exact assertions. */
export function failedChecks(report: SmokeReport): string[] {
  return report.checks
    .filter((check) => check.result === "failed")
    .map((check) => `${check.check} [${check.identity}]`);
}

/** The accounts of a config with `edit` applied to each user whose DN matches `user`. */
export function editUser(
  config: NatsServerConfig,
  user: RegExp,
  edit: (
    entry: NatsServerConfig["accounts"][string]["users"][number],
  ) => NatsServerConfig["accounts"][string]["users"][number],
): NatsServerConfig["accounts"] {
  return Object.fromEntries(
    Object.entries(config.accounts).map(([name, account]) => [
      name,
      { ...account, users: account.users.map((entry) => (user.test(entry.user) ? edit(entry) : entry)) },
    ]),
  );
}
