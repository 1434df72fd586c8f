import { COLLECTOR_SUBJECT } from "./subjects";
import {
  jsonFile,
  loggerSection,
  natsAddressesFor,
  natsClientSection,
  TORNADO_TLS_PATHS,
  tomlFile,
  type RenderedFile,
} from "./tornado-config";
import type { CollectorKind } from "./topology-schema";
import type { CollectorSpec, Topology } from "./topology";

/**
 * Each collector kind's configuration, as the real Tornado binaries read it.
 * Checked against WuerthPhoenix/tornado: <kind>_collector/src/config.rs and
 * main.rs (config file names, `[<kind>_collector.tornado_connection_channel]`
 * with `nats.subject` and `nats.client.*`), the nats_json collector's
 * top-level `nats_client` plus `nats_subject`, and the snmptrapd Perl
 * collector's TORNADO_NATS_* environment variables.
 */

export interface CollectorLayout {
  /** Tornado's default --config-dir for the binary. */
  readonly configDir: string;
  /** The TOML file the binary reads; snmptrapd has none. */
  readonly configFile?: string;
  /** How the real binary starts; undefined: the image's own command (rsyslogd and snmptrapd launch the collector). */
  readonly tornadoCommand?: readonly string[];
  /** How the canary starts, for kinds that have one. */
  readonly canaryCommand?: readonly string[];
}

function layout(kind: string, options: { toml: boolean; command: boolean; canary: boolean }): CollectorLayout {
  const configDir = `/etc/tornado_${kind}_collector`;
  return {
    configDir,
    configFile: options.toml ? `${configDir}/${kind}_collector.toml` : undefined,
    tornadoCommand: options.command ? [`tornado_${kind}_collector`, `--config-dir=${configDir}`] : undefined,
    canaryCommand: options.canary ? [`${kind}_collector`, `--config-dir=${configDir}`] : undefined,
  };
}

export const COLLECTOR_LAYOUTS: Record<CollectorKind, CollectorLayout> = {
  webhook: layout("webhook", { toml: true, command: true, canary: true }),
  nats_json: layout("nats_json", { toml: true, command: true, canary: true }),
  email: layout("email", { toml: true, command: true, canary: false }),
  icinga2: layout("icinga2", { toml: true, command: true, canary: false }),
  rsyslog: layout("rsyslog", { toml: true, command: false, canary: false }),
  snmptrapd: layout("snmptrapd", { toml: false, command: false, canary: false }),
};

/** Ports the collectors listen on inside their container. */
export const COLLECTOR_CONTAINER_PORTS: Partial<Record<CollectorKind, number>> = { webhook: 8080, snmptrapd: 162 };

/** Where the email collector's socket lives; mount a host directory there to feed it from the host's MTA. */
export const EMAIL_SOCKET_PATH = "/var/run/tornado_email_collector/email.sock";

/**
 * Secrets that reach the files as Terraform expressions (tokens generated at
 * apply time, variables), passed in by the construct.
 */
export interface CollectorSecrets {
  /** Webhook id → token. */
  readonly webhookTokens?: Readonly<Record<string, string>>;
  readonly icinga2Password?: string;
}

export interface RenderedCollector {
  readonly files: RenderedFile[];
  readonly env: Readonly<Record<string, string>>;
}

const MESSAGE_QUEUE_SIZE = 10000;

/** Tornado's untagged TornadoConnectionChannel, NATS variant. */
function natsChannel(topology: Topology, collector: CollectorSpec): Record<string, unknown> {
  return {
    nats: {
      subject: COLLECTOR_SUBJECT,
      client: natsClientSection(natsAddressesFor(topology, collector.host, collector.satellite)),
    },
  };
}

function collectorConfig(eventType?: string, payload?: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    ...(eventType === undefined ? {} : { event_type: eventType }),
    ...(payload === undefined ? {} : { payload }),
  };
}

function webhookFiles(collector: CollectorSpec, secrets: CollectorSecrets): RenderedFile[] {
  const { configDir } = COLLECTOR_LAYOUTS.webhook;
  return collector.webhooks.map((webhook) => {
    const token = webhook.token ?? secrets.webhookTokens?.[webhook.id];
    if (token === undefined) throw new Error(`webhook ${collector.name}/${webhook.id} has no token`);
    const file = jsonFile(`${configDir}/webhooks/${webhook.id}.json`, {
      id: webhook.id,
      token,
      collector_config: collectorConfig(webhook.eventType, webhook.payload),
    });
    // The token is a credential: readable by the container's user only.
    return { ...file, mode: "0400" };
  });
}

function kindSection(topology: Topology, collector: CollectorSpec, secrets: CollectorSecrets): Record<string, unknown> {
  const channel = natsChannel(topology, collector);
  switch (collector.kind) {
    case "webhook":
      return {
        message_queue_size: MESSAGE_QUEUE_SIZE,
        server_bind_address: "0.0.0.0",
        server_port: COLLECTOR_CONTAINER_PORTS.webhook,
        tornado_connection_channel: channel,
      };
    case "email":
      return {
        message_queue_size: MESSAGE_QUEUE_SIZE,
        uds_path: EMAIL_SOCKET_PATH,
        tornado_connection_channel: channel,
      };
    case "rsyslog":
      return { message_queue_size: MESSAGE_QUEUE_SIZE, tornado_connection_channel: channel };
    case "icinga2": {
      const icinga2 = collector.icinga2;
      if (!icinga2 || secrets.icinga2Password === undefined)
        throw new Error(`icinga2 collector ${collector.name} lacks its connection`);
      return {
        message_queue_size: MESSAGE_QUEUE_SIZE,
        connection: {
          server_api_url: icinga2.apiUrl,
          username: icinga2.username,
          password: secrets.icinga2Password,
          disable_ssl_verification: icinga2.disableSslVerification,
          sleep_ms_between_connection_attempts: 5000,
        },
        tornado_connection_channel: channel,
      };
    }
    case "nats_json":
      // One connection both subscribes to the topics and publishes the events.
      return {
        message_queue_size: MESSAGE_QUEUE_SIZE,
        nats_client: natsClientSection(natsAddressesFor(topology, collector.host, collector.satellite)),
        tornado_connection_channel: { nats_subject: COLLECTOR_SUBJECT },
      };
    case "snmptrapd":
      throw new Error("snmptrapd is configured through environment variables");
  }
}

function extraFiles(collector: CollectorSpec, secrets: CollectorSecrets): RenderedFile[] {
  const { configDir } = COLLECTOR_LAYOUTS[collector.kind];
  switch (collector.kind) {
    case "webhook":
      return webhookFiles(collector, secrets);
    case "nats_json":
      return collector.topics.map((topic, index) =>
        jsonFile(`${configDir}/topics/${String(index + 1).padStart(3, "0")}.json`, {
          nats_topics: topic.subjects,
          ...(topic.eventType === undefined && topic.payload === undefined
            ? {}
            : { collector_config: collectorConfig(topic.eventType, topic.payload) }),
        }),
      );
    case "icinga2":
      return [
        jsonFile(`${configDir}/streams/001.json`, {
          stream: { types: collector.icinga2?.streamTypes ?? [], queue: `tornado-${collector.name}` },
          collector_config: { event_type: "icinga2", payload: { response: "${@}" } },
        }),
      ];
    default:
      return [];
  }
}

/** The files (and, for snmptrapd, the environment) a collector container needs. */
export function renderCollector(
  topology: Topology,
  collector: CollectorSpec,
  secrets: CollectorSecrets = {},
): RenderedCollector {
  if (collector.kind === "snmptrapd") {
    return {
      files: [],
      env: {
        // The Perl client takes one address: the first server.
        TORNADO_NATS_ADDR: natsAddressesFor(topology, collector.host, collector.satellite)[0],
        TORNADO_NATS_SUBJECT: COLLECTOR_SUBJECT,
        TORNADO_NATS_SSL_CERT_PEM_FILE: TORNADO_TLS_PATHS.certFile,
        TORNADO_NATS_SSL_CERT_KEY: TORNADO_TLS_PATHS.keyFile,
        // The Perl collector has no CA option: IO::Socket::SSL trusts the
        // default store, which OpenSSL takes from SSL_CERT_FILE.
        SSL_CERT_FILE: TORNADO_TLS_PATHS.caFile,
      },
    };
  }
  const layoutOfKind = COLLECTOR_LAYOUTS[collector.kind];
  const section = `${collector.kind}_collector`;
  const main = tomlFile(layoutOfKind.configFile as string, {
    logger: loggerSection("info"),
    [section]: kindSection(topology, collector, secrets),
  });
  // The icinga2 file carries the API password.
  const mainFile = collector.kind === "icinga2" ? { ...main, mode: "0400" } : main;
  return { files: [mainFile, ...extraFiles(collector, secrets)], env: {} };
}
