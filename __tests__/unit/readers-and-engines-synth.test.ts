import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { parseTopologyText } from "../../constructs/core/load-topology";
import type { NatsServerConfig } from "../../constructs/core/nats-config";
import { TORNADO_TLS_PATHS } from "../../constructs/core/tornado-config";
import { NATS_CONTAINER_PATHS } from "../../constructs/nats-server";
import { referenced, resourcesOf, synthTopology, type SynthesizedStack } from "../helpers/synth";

/** The readers example, synthesized: dedicated engine, deployed and identity-only readers, opted-out tenant. */

const EXAMPLE = join(__dirname, "../../examples/readers-and-dedicated-engines.yaml");
const input = () => parseTopologyText(readFileSync(EXAMPLE, "utf8"), EXAMPLE) as Record<string, any>;

function container(json: SynthesizedStack, name: string): Record<string, any> | undefined {
  return resourcesOf(json, "docker_container").find(([, resource]) => resource.name === name)?.[1];
}

function uploaded(resource: Record<string, any>, file: string): Record<string, any> {
  const found = (resource.upload as Record<string, any>[]).find((entry) => entry.file === file);
  if (!found) throw new Error(`no upload of ${file}`);
  return found;
}

describe("GIVEN the readers and dedicated engines example", () => {
  const { json } = synthTopology(input());
  const natsConfig = JSON.parse(
    uploaded(container(json, "tornado-nats")!, NATS_CONTAINER_PATHS.config).content,
  ) as NatsServerConfig;

  test("THEN the opted-out tenant exports nothing to ENGINE and maps its stream for its own engine", () => {
    expect(natsConfig.accounts.initech.exports).toBeUndefined();
    expect(natsConfig.accounts.initech.mappings).toEqual({ "tornado.events": "initech.tornado.events" });
    expect(natsConfig.accounts.ENGINE.imports).toEqual([
      { stream: { account: "acme", subject: "tornado.events" }, prefix: "acme" },
      { stream: { account: "globex", subject: "tornado.events" }, prefix: "globex" },
    ]);
  });

  test("THEN the dedicated engine runs in its own container with the same renderer, subscribed to its tenant only", () => {
    const engine = container(json, "tornado-engine-initech-engine")!;
    expect(engine).toMatchObject({
      provider: "docker.master",
      ports: [{ internal: 4748, external: 4749, ip: "127.0.0.1", protocol: "tcp" }],
      command: ["engine", "--config-dir=/etc/tornado"],
    });
    const toml = parse(uploaded(engine, "/etc/tornado/tornado.toml").content) as Record<string, any>;
    expect(toml.tornado.daemon.nats.subject).toBe("initech.tornado.events");
    expect(toml.tornado.daemon.nats_extractors).toEqual([
      { type: "FromSubject", key: "tenant_id", regex: "^([^.]+)\\.tornado\\.events" },
    ]);
    const key = referenced(json, uploaded(engine, TORNADO_TLS_PATHS.keyFile).content);
    const csr = resourcesOf(json, "tls_cert_request").find(
      ([, request]) => request.private_key_pem === `\${tls_private_key.${key.id}.private_key_pem}`,
    )?.[1];
    expect(csr?.subject).toEqual([
      { common_name: "initech-engine", organizational_unit: "initech", organization: "Example Corp" },
    ]);
  });

  test("THEN the deployed reader gets its subjects and TLS paths, and the identity-only reader gets no container", () => {
    const siem = container(json, "tornado-reader-siem")!;
    expect(siem.provider).toBe("docker.siem-host");
    expect(siem.env).toEqual(
      expect.arrayContaining([
        "TORNADO_NATS_ADDRESSES=nats.example.com:4222",
        "TORNADO_NATS_SUBJECTS=acme.tornado.events,globex.tornado.events",
        `TORNADO_NATS_KEY_FILE=${TORNADO_TLS_PATHS.keyFile}`,
      ]),
    );
    expect(JSON.parse(uploaded(siem, "/etc/tornado-nats/reader.json").content)).toMatchObject({
      nats: {
        addresses: ["nats.example.com:4222"],
        subjects: ["acme.tornado.events", "globex.tornado.events"],
      },
      tenants: ["acme", "globex"],
    });
    expect(uploaded(siem, TORNADO_TLS_PATHS.keyFile).permissions).toBe("0400");
    expect(container(json, "tornado-reader-acme-archive")).toBeUndefined();
  });

  test("THEN every reader and engine is an identity with its reads, permissions and sensitive outputs", () => {
    const identities = json.output.identities.value as Record<string, Record<string, any>>;
    expect(identities["reader/acme-archive"]).toMatchObject({
      role: "reader",
      account: "acme",
      tenant: "acme",
      reads: ["acme"],
      publish: { deny: [">"] },
      subscribe: { allow: ["tornado.events"] },
    });
    expect(identities["reader/siem"]).toMatchObject({ account: "ENGINE", reads: ["acme", "globex"] });
    expect(identities["reader/siem"].tenant).toBeUndefined();
    expect(identities["engine/initech-engine"]).toMatchObject({
      role: "engine",
      account: "initech",
      tenant: "initech",
      reads: ["initech"],
    });
    expect(identities["engine/tornado-engine"].reads).toEqual(["acme", "globex"]);
    for (const id of ["reader/acme-archive", "reader/siem", "engine/initech-engine"]) {
      expect(json.output[identities[id].private_key_output].sensitive).toBe(true);
      expect(json.output[identities[id].certificate_output].sensitive).toBe(true);
    }
  });

  test("THEN the engines output lists the shared and the dedicated engine", () => {
    expect(json.output.engines.value).toEqual({
      "tornado-engine": { shared: true, host: "master", api_url: "http://127.0.0.1:4748", image_kind: "canary" },
      "initech-engine": {
        shared: false,
        tenant: "initech",
        host: "master",
        api_url: "http://127.0.0.1:4749",
        image_kind: "canary",
      },
    });
  });
});

describe("GIVEN every tenant opted out of the shared engine", () => {
  const topology = input();
  delete topology.engine;
  topology.nats.host = "master";
  topology.tenants = [{ name: "initech", sharedEngine: false }];
  topology.collectors = topology.collectors.filter((collector: { tenant: string }) => collector.tenant === "initech");
  topology.readers = [];
  const { json } = synthTopology(topology);

  test("THEN there is no shared engine container, identity or API output, and ENGINE imports nothing", () => {
    expect(container(json, "tornado-engine")).toBeUndefined();
    expect(container(json, "tornado-engine-initech-engine")).toBeDefined();
    expect(json.output.engine_api_url).toBeUndefined();
    expect(Object.keys(json.output.identities.value as object)).not.toContain("engine/tornado-engine");
    const config = JSON.parse(
      uploaded(container(json, "tornado-nats")!, NATS_CONTAINER_PATHS.config).content,
    ) as NatsServerConfig;
    expect(config.accounts.ENGINE).toEqual({ users: [], imports: [] });
  });
});

describe("GIVEN a tenant with a dedicated engine", () => {
  const warningsOf = (change: (t: Record<string, any>) => void): string[] => {
    const topology = input();
    change(topology);
    const { stack } = synthTopology(topology);
    return stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === "@cdktf/warn")
      .map((entry) => String(entry.data));
  };

  test("WHEN it opted out of the shared engine THEN synth does not warn", () => {
    expect(warningsOf(() => undefined)).toEqual([]);
  });

  test("WHEN it still feeds the shared engine THEN synth warns that two engines act on each event", () => {
    const warnings = warningsOf((t) => {
      const initech = t.tenants.find((tenant: { name: string }) => tenant.name === "initech");
      delete initech.sharedEngine;
    });
    expect(warnings).toEqual([
      expect.stringMatching(
        /^dedicatedEngines\[0\]\.tenant: tenant "initech" also feeds the shared engine, so both engines act on each of its events .*sharedEngine: false/,
      ),
    ]);
  });
});
