import { readdirSync, readFileSync } from "node:fs";
import { connectNats } from "./nats-connection";
import { localPath, type CanaryOptions } from "./options";
import { renderTemplate } from "./payload-template";
import { natsClientSettings, readToml, string, table } from "./tornado-toml";

/**
 * The nats_json collector canary: reads nats_json_collector.toml
 * (`nats_client.*`, `tornado_connection_channel.nats_subject`) and topics/
 * (`{nats_topics, collector_config?}`), subscribes to the topics with its
 * certificate and republishes each JSON message as a Tornado event, over the
 * same connection, as Tornado's nats_json collector does.
 */

interface Topic {
  readonly subjects: readonly string[];
  readonly eventType?: string;
  readonly payload: unknown;
}

function loadTopics(options: CanaryOptions): Topic[] {
  const dir = localPath(options, `${options.configDir}/topics`);
  return readdirSync(dir)
    .sort()
    .map((file) => {
      const value = JSON.parse(readFileSync(`${dir}/${file}`, "utf8")) as Record<string, unknown>;
      const subjects = value.nats_topics;
      if (!Array.isArray(subjects) || !subjects.every((item) => typeof item === "string")) {
        throw new Error(`topics/${file}: expected {nats_topics: [subjects], collector_config?}`);
      }
      const collectorConfig = (value.collector_config ?? {}) as Record<string, unknown>;
      return {
        subjects,
        eventType: typeof collectorConfig.event_type === "string" ? collectorConfig.event_type : undefined,
        payload: collectorConfig.payload ?? { data: "${@}" },
      };
    });
}

export async function runNatsJsonCollector(options: CanaryOptions): Promise<void> {
  const section = table(
    readToml(options, `${options.configDir}/nats_json_collector.toml`),
    "nats_json_collector",
    "nats_json_collector",
  );
  const settings = natsClientSettings(
    options,
    table(section, "nats_client", "nats_json_collector"),
    "nats_json_collector.nats_client",
  );
  const subject = string(
    table(section, "tornado_connection_channel", "nats_json_collector"),
    "nats_subject",
    "tornado_connection_channel",
  );
  const client = await connectNats(options, settings, "nats-json-collector-canary");
  for (const topic of loadTopics(options)) {
    for (const topicSubject of topic.subjects) {
      const { outcome, subscription } = await client.subscribe(topicSubject);
      if (outcome === "denied") throw new Error(`NATS denied the subscription to ${topicSubject}`);
      void (async () => {
        for await (const message of subscription) {
          let document: unknown;
          try {
            document = JSON.parse(message.string());
          } catch {
            process.stderr.write(`nats_json collector canary: dropped a non-JSON message on ${message.subject}\n`);
            continue;
          }
          const event = {
            type: topic.eventType ?? message.subject,
            created_ms: Date.now(),
            payload: renderTemplate(topic.payload, document),
          };
          await client.publish(subject, JSON.stringify(event));
        }
      })();
    }
  }
  process.stdout.write(`nats_json collector canary: subscribed to its topics, publishing to ${subject}\n`);
}
