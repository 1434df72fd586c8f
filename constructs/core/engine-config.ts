import { engineSubscription } from "./tenant-streams";
import {
  jsonFile,
  loggerSection,
  natsAddressesFor,
  natsClientSection,
  tomlFile,
  type RenderedFile,
} from "./tornado-config";
import type { EngineSpec, Topology } from "./topology";

/**
 * The Tornado engine's configuration directory, rendered from a topology.
 * Checked against WuerthPhoenix/tornado (engine/src/config.rs,
 * engine/src/command/daemon.rs, engine/matcher/src/config/v2): the daemon
 * reads tornado.toml and four executor files, all required, and a v2
 * rules.d with version.json.
 */

export const ENGINE_CONFIG_DIR = "/etc/tornado";
export const ENGINE_RULES_DIR = `${ENGINE_CONFIG_DIR}/rules.d`;
/** The API port inside the container; the topology's apiPort is the one published on the host's loopback. */
export const ENGINE_CONTAINER_API_PORT = 4748;

/** The regex the engine uses to take the tenant from the first subject token. */
export const TENANT_FROM_SUBJECT_REGEX = "^([^.]+)\\.tornado\\.events";

/** How the real engine and the engine canary are started with this directory. */
export const ENGINE_COMMANDS = {
  tornado: ["tornado_engine", `--config-dir=${ENGINE_CONFIG_DIR}`, "daemon"],
  canary: ["engine", `--config-dir=${ENGINE_CONFIG_DIR}`],
} as const;

export function engineTornadoToml(topology: Topology, engine: EngineSpec): Record<string, unknown> {
  return {
    logger: loggerSection(engine.logLevel),
    tornado: {
      daemon: {
        // NATS only: the clear-text TCP socket defaults to on in Tornado.
        event_tcp_socket_enabled: false,
        nats_enabled: true,
        nats: {
          subject: engineSubscription(engine),
          client: natsClientSection(natsAddressesFor(topology, engine.host)),
        },
        nats_extractors: [{ type: "FromSubject", key: "tenant_id", regex: TENANT_FROM_SUBJECT_REGEX }],
        // Inside the container; Docker publishes it on the host's loopback only.
        web_server_ip: "0.0.0.0",
        web_server_port: ENGINE_CONTAINER_API_PORT,
        message_queue_size: 10000,
        // No role may use the authenticated /api until the operator grants it.
        auth: { role_permissions: {} },
      },
    },
  };
}

/**
 * The executor files the daemon refuses to start without. Their values are
 * inert until a rule calls the executor; operators replace them for real use.
 */
function executorFiles(): RenderedFile[] {
  const client = (url: string) => ({
    server_api_url: url,
    username: "tornado",
    password: "",
    disable_ssl_verification: false,
  });
  return [
    tomlFile(`${ENGINE_CONFIG_DIR}/archive_executor.toml`, {
      base_path: "/var/lib/tornado/archive",
      default_path: "/default/file.log",
      file_cache_size: 10,
      file_cache_ttl_secs: 1,
      paths: {},
    }),
    tomlFile(`${ENGINE_CONFIG_DIR}/icinga2_client_executor.toml`, client("https://localhost:5665/v1/actions")),
    tomlFile(`${ENGINE_CONFIG_DIR}/director_client_executor.toml`, client("https://localhost/neteye/director")),
    tomlFile(`${ENGINE_CONFIG_DIR}/elasticsearch_executor.toml`, {}),
  ];
}

/** A v2 rules directory that accepts every event and does nothing with it. */
export function defaultRulesFiles(): RenderedFile[] {
  return [
    jsonFile(`${ENGINE_RULES_DIR}/version.json`, { version: "2.0" }),
    jsonFile(`${ENGINE_RULES_DIR}/all_events/ruleset.json`, { type: "ruleset", name: "all_events" }),
    jsonFile(`${ENGINE_RULES_DIR}/all_events/rules/0000000010_accept_all.json`, {
      name: "accept_all",
      description: "Matches every event; replace rules.d with your own rules (engine.rulesDir).",
      continue: true,
      active: true,
      constraint: { WHERE: null, WITH: {} },
      actions: [],
    }),
  ];
}

/**
 * Every file of an engine's config directory except rules.d (which the
 * operator may supply). The shared and dedicated engines use the same
 * renderer; only the subject differs, and the tenant extractor yields the
 * right tenant_id for both.
 */
export function renderEngineFiles(topology: Topology, engine: EngineSpec): RenderedFile[] {
  return [tomlFile(`${ENGINE_CONFIG_DIR}/tornado.toml`, engineTornadoToml(topology, engine)), ...executorFiles()];
}
