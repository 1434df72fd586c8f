import { parse } from "smol-toml";
import { COLLECTOR_LAYOUTS, renderCollector } from "../../constructs/core/collector-config";
import { defaultRulesFiles, ENGINE_COMMANDS, renderEngineFiles } from "../../constructs/core/engine-config";
import { natsServerDnsNames } from "../../constructs/core/identities";
import { natsAddressesFor, natsExtraHostsFor, TORNADO_TLS_PATHS } from "../../constructs/core/tornado-config";
import { resolveTopology, type CollectorSpec, type Topology } from "../../constructs/core/topology";
import { threeTenants, withChange } from "../helpers/topologies";

/**
 * The rendered Tornado files, parsed back with the TOML library and compared
 * with what Tornado's source requires (WuerthPhoenix/tornado: engine config.rs
 * and daemon.rs, common/logger, nats_publisher.rs, each collector's config.rs).
 */

const topology = resolveTopology(threeTenants());
const TLS_AUTH = {
  type: "Tls",
  certificate_path: TORNADO_TLS_PATHS.certFile,
  private_key_path: TORNADO_TLS_PATHS.keyFile,
  path_to_root_certificate: TORNADO_TLS_PATHS.caFile,
};
const LOGGER = {
  level: "info",
  stdout_output: true,
  tracing_elastic_apm: { apm_output: false, apm_server_url: "http://localhost:8200" },
};

function collector(name: string, from: Topology = topology): CollectorSpec {
  const found = from.collectors.find((candidate) => candidate.name === name);
  if (!found) throw new Error(name);
  return found;
}

function tomlOf(files: { path: string; content: string }[], path: string): Record<string, any> {
  const file = files.find((candidate) => candidate.path === path);
  if (!file) throw new Error(`no ${path} among ${files.map((candidate) => candidate.path).join(", ")}`);
  return parse(file.content) as Record<string, any>;
}

describe("engine files", () => {
  const files = renderEngineFiles(topology, topology.engine!);

  test("GIVEN the engine on the NATS host THEN tornado.toml is what the Tornado daemon reads for NATS over mTLS", () => {
    expect(tomlOf(files, "/etc/tornado/tornado.toml")).toEqual({
      logger: LOGGER,
      tornado: {
        daemon: {
          event_tcp_socket_enabled: false,
          nats_enabled: true,
          nats: { subject: "*.tornado.events", client: { addresses: ["tornado-nats:4222"], auth: TLS_AUTH } },
          nats_extractors: [{ type: "FromSubject", key: "tenant_id", regex: "^([^.]+)\\.tornado\\.events" }],
          web_server_ip: "0.0.0.0",
          web_server_port: 4748,
          message_queue_size: 10000,
          auth: { role_permissions: {} },
        },
      },
    });
  });

  test("THEN the tenant extractor yields the first subject token", () => {
    const daemon = tomlOf(files, "/etc/tornado/tornado.toml").tornado.daemon;
    const regex = new RegExp(daemon.nats_extractors[0].regex);
    expect(regex.exec("acme.tornado.events")?.[1]).toBe("acme");
    expect(regex.exec("tornado.events")).toBeNull();
  });

  test("THEN the four executor files the daemon requires exist with their required keys", () => {
    expect(tomlOf(files, "/etc/tornado/archive_executor.toml")).toEqual({
      base_path: "/var/lib/tornado/archive",
      default_path: "/default/file.log",
      file_cache_size: 10,
      file_cache_ttl_secs: 1,
      paths: {},
    });
    for (const name of ["icinga2_client_executor", "director_client_executor"]) {
      expect(Object.keys(tomlOf(files, `/etc/tornado/${name}.toml`)).sort()).toEqual(
        ["disable_ssl_verification", "password", "server_api_url", "username"].sort(),
      );
    }
    expect(tomlOf(files, "/etc/tornado/elasticsearch_executor.toml")).toEqual({});
  });

  test("THEN the default rules.d is a v2 tree with version.json and one ruleset", () => {
    const rules = defaultRulesFiles();
    expect(rules.map((file) => file.path)).toEqual([
      "/etc/tornado/rules.d/version.json",
      "/etc/tornado/rules.d/all_events/ruleset.json",
      "/etc/tornado/rules.d/all_events/rules/0000000010_accept_all.json",
    ]);
    expect(JSON.parse(rules[0].content)).toEqual({ version: "2.0" });
    expect(JSON.parse(rules[1].content)).toEqual({ type: "ruleset", name: "all_events" });
    expect(JSON.parse(rules[2].content)).toMatchObject({ name: "accept_all", active: true, actions: [] });
  });

  test("THEN the real engine starts as `tornado_engine --config-dir=/etc/tornado daemon`", () => {
    expect(ENGINE_COMMANDS.tornado).toEqual(["tornado_engine", "--config-dir=/etc/tornado", "daemon"]);
  });

  test("GIVEN the engine on another host THEN it connects by the primary DNS name and published port", () => {
    const remote = resolveTopology(
      withChange((t) => Object.assign(t, { engine: { host: "edge" }, nats: { ...t.nats, host: "master" } })),
    );
    const daemon = tomlOf(renderEngineFiles(remote, remote.engine!), "/etc/tornado/tornado.toml").tornado.daemon;
    expect(daemon.nats.client.addresses).toEqual(["nats.example.net:4222"]);
  });
});

describe("collector files", () => {
  const channelFor = (address: string) => ({
    nats: { subject: "tornado.events", client: { addresses: [address], auth: TLS_AUTH } },
  });

  test("GIVEN a webhook collector on the NATS host THEN it reaches NATS by container name, with its webhooks", () => {
    const { files, env } = renderCollector(topology, collector("webhook-master"), {
      webhookTokens: { "webhook-master": "t".repeat(64) },
    });
    expect(env).toEqual({});
    expect(tomlOf(files, "/etc/tornado_webhook_collector/webhook_collector.toml")).toEqual({
      logger: LOGGER,
      webhook_collector: {
        message_queue_size: 10000,
        server_bind_address: "0.0.0.0",
        server_port: 8080,
        tornado_connection_channel: channelFor("tornado-nats:4222"),
      },
    });
    const webhook = files.find((file) => file.path === "/etc/tornado_webhook_collector/webhooks/webhook-master.json");
    expect(webhook?.mode).toBe("0400");
    expect(JSON.parse(webhook?.content ?? "")).toEqual({
      id: "webhook-master",
      token: "t".repeat(64),
      collector_config: { event_type: "webhook-master", payload: { data: "${@}" } },
    });
  });

  test("GIVEN a remote webhook collector THEN it reaches NATS by the primary DNS name", () => {
    const { files } = renderCollector(topology, collector("webhook-acme"), {
      webhookTokens: { "webhook-acme": "x".repeat(64) },
    });
    expect(
      tomlOf(files, "/etc/tornado_webhook_collector/webhook_collector.toml").webhook_collector
        .tornado_connection_channel,
    ).toEqual(channelFor("nats.example.net:4222"));
  });

  test("GIVEN an email collector THEN email_collector.toml has uds_path and the NATS channel", () => {
    const { files } = renderCollector(topology, collector("email-acme"));
    expect(tomlOf(files, "/etc/tornado_email_collector/email_collector.toml")).toEqual({
      logger: LOGGER,
      email_collector: {
        message_queue_size: 10000,
        uds_path: "/var/run/tornado_email_collector/email.sock",
        tornado_connection_channel: channelFor("nats.example.net:4222"),
      },
    });
  });

  test("GIVEN an rsyslog collector THEN rsyslog_collector.toml has the NATS channel", () => {
    const { files } = renderCollector(topology, collector("rsyslog-globex"));
    expect(tomlOf(files, "/etc/tornado_rsyslog_collector/rsyslog_collector.toml")).toEqual({
      logger: LOGGER,
      rsyslog_collector: { message_queue_size: 10000, tornado_connection_channel: channelFor("nats.example.net:4222") },
    });
  });

  test("GIVEN an icinga2 collector THEN the connection, the stream and the channel are there, the file 0400", () => {
    const { files } = renderCollector(topology, collector("icinga2-master"), { icinga2Password: "s3cret" });
    const main = files.find((file) => file.path.endsWith("icinga2_collector.toml"));
    expect(main?.mode).toBe("0400");
    expect(tomlOf(files, "/etc/tornado_icinga2_collector/icinga2_collector.toml")).toEqual({
      logger: LOGGER,
      icinga2_collector: {
        message_queue_size: 10000,
        connection: {
          server_api_url: "https://icinga.example.net:5665/v1/events",
          username: "tornado",
          password: "s3cret",
          disable_ssl_verification: false,
          sleep_ms_between_connection_attempts: 5000,
        },
        tornado_connection_channel: channelFor("tornado-nats:4222"),
      },
    });
    const stream = files.find((file) => file.path === "/etc/tornado_icinga2_collector/streams/001.json");
    expect(JSON.parse(stream?.content ?? "")).toEqual({
      stream: { types: ["StateChange"], queue: "tornado-icinga2-master" },
      collector_config: { event_type: "icinga2", payload: { response: "${@}" } },
    });
  });

  test("GIVEN a nats_json collector THEN nats_client, nats_subject and topics/ are Tornado's", () => {
    const { files } = renderCollector(topology, collector("nats-json-globex"));
    expect(tomlOf(files, "/etc/tornado_nats_json_collector/nats_json_collector.toml")).toEqual({
      logger: LOGGER,
      nats_json_collector: {
        message_queue_size: 10000,
        nats_client: { addresses: ["nats.example.net:4222"], auth: TLS_AUTH },
        tornado_connection_channel: { nats_subject: "tornado.events" },
      },
    });
    const topic = files.find((file) => file.path === "/etc/tornado_nats_json_collector/topics/001.json");
    expect(JSON.parse(topic?.content ?? "")).toEqual({
      nats_topics: ["vsphere.alarms", "vsphere.events.>"],
      collector_config: { event_type: "vsphere" },
    });
  });

  test("GIVEN an snmptrapd collector THEN it is configured by TORNADO_NATS_* and trusts the CA through SSL_CERT_FILE", () => {
    expect(renderCollector(topology, collector("snmptrapd-globex"))).toEqual({
      files: [],
      env: {
        TORNADO_NATS_ADDR: "nats.example.net:4222",
        TORNADO_NATS_SUBJECT: "tornado.events",
        TORNADO_NATS_SSL_CERT_PEM_FILE: TORNADO_TLS_PATHS.certFile,
        TORNADO_NATS_SSL_CERT_KEY: TORNADO_TLS_PATHS.keyFile,
        SSL_CERT_FILE: TORNADO_TLS_PATHS.caFile,
      },
    });
  });

  test("THEN each kind's real binary is started with its Tornado default config dir", () => {
    expect(COLLECTOR_LAYOUTS.webhook.tornadoCommand).toEqual([
      "tornado_webhook_collector",
      "--config-dir=/etc/tornado_webhook_collector",
    ]);
    expect(COLLECTOR_LAYOUTS.nats_json.tornadoCommand).toEqual([
      "tornado_nats_json_collector",
      "--config-dir=/etc/tornado_nats_json_collector",
    ]);
    expect(COLLECTOR_LAYOUTS.rsyslog.tornadoCommand).toBeUndefined();
    expect(COLLECTOR_LAYOUTS.snmptrapd.tornadoCommand).toBeUndefined();
  });
});

describe("addresses", () => {
  test("GIVEN every component THEN every NATS name written into a config is a DNS SAN of the server certificate", () => {
    const sans = natsServerDnsNames(topology.nats.nodes[0]);
    const hosts = [topology.engine!.host, ...topology.collectors.map((item) => item.host)];
    for (const host of hosts) expect(sans).toContain(natsAddressesFor(topology, host)[0].replace(/:\d+$/, ""));
  });

  test("GIVEN nats.ipAddress THEN containers on other hosts get an extra_hosts entry for the primary name, and NATS-host containers none", () => {
    const withIp = resolveTopology(withChange((t) => (t.nats.ipAddress = "10.20.30.40")));
    expect(natsExtraHostsFor(withIp, "edge")).toEqual([{ host: "nats.example.net", ip: "10.20.30.40" }]);
    expect(natsExtraHostsFor(withIp, "master")).toEqual([]);
    expect(natsExtraHostsFor(topology, "edge")).toEqual([]);
  });
});
