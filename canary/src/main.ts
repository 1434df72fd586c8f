import { runEngine } from "./engine";
import { runNatsJsonCollector } from "./nats-json-collector";
import { parseOptions, USAGE } from "./options";
import { runWebhookCollector } from "./webhook-collector";

/** Entry point of the canary image: one binary, the role as first argument. */
const ROLES: Record<string, (options: ReturnType<typeof parseOptions>) => Promise<void>> = {
  engine: runEngine,
  webhook_collector: runWebhookCollector,
  nats_json_collector: runNatsJsonCollector,
};

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const run = ROLES[options.role];
  if (!run) throw new Error(`unknown role ${JSON.stringify(options.role)}\n${USAGE}`);
  await run(options);
}

main().catch((error: Error) => {
  process.stderr.write(`tornado-nats-canary: ${error.message}\n`);
  process.exit(1);
});
