import {
  ENGINE_SUBJECT,
  renderNatsConfig,
  serializeNatsConfig,
  type NatsServerConfig,
} from "../../constructs/core/nats-config";
import { clientIdentities } from "../../constructs/core/identities";
import { resolveTopology } from "../../constructs/core/topology";
import { threeTenants, withChange } from "../helpers/topologies";

const RUNTIME = {
  listenHost: "0.0.0.0",
  listenPort: 4222,
  monitoringListen: "127.0.0.1:8222",
  certFile: "/c/server.pem",
  keyFile: "/c/server-key.pem",
  caFile: "/c/ca.pem",
};

describe("renderNatsConfig", () => {
  const topology = resolveTopology(threeTenants());
  const config = renderNatsConfig(topology, RUNTIME);

  test("GIVEN any topology THEN TLS with verify_and_map is the only way in", () => {
    expect(config.tls).toEqual({
      cert_file: "/c/server.pem",
      key_file: "/c/server-key.pem",
      ca_file: "/c/ca.pem",
      verify_and_map: true,
      timeout: 5,
      min_version: "1.3",
    });
    const keys = Object.keys(config);
    for (const forbidden of ["no_auth_user", "authorization", "users", "websocket", "mqtt", "leafnodes", "cluster"]) {
      expect(keys).not.toContain(forbidden);
    }
    for (const account of Object.values(config.accounts)) {
      for (const user of account.users)
        expect(Object.keys(user).sort()).toEqual(expect.not.arrayContaining(["password", "nkey"]));
    }
  });

  test("THEN each tenant is an account whose collectors publish tornado.events only and subscribe to nothing", () => {
    expect(config.accounts.acme).toEqual({
      users: [
        {
          user: "CN=webhook-acme,OU=acme,O=Acme Monitoring",
          permissions: { publish: { allow: ["tornado.events"] }, subscribe: { deny: [">"] } },
        },
        {
          user: "CN=email-acme,OU=acme,O=Acme Monitoring",
          permissions: { publish: { allow: ["tornado.events"] }, subscribe: { deny: [">"] } },
        },
      ],
      exports: [{ stream: "tornado.events", accounts: ["ENGINE"] }],
    });
  });

  test("GIVEN a tenant with a dedicated engine THEN its collectors may publish the subject its account maps tornado.events to, which is what nats-server checks", () => {
    const mapped = renderNatsConfig(
      resolveTopology(
        withChange((input) => {
          input.tenants[2].sharedEngine = false;
          input.dedicatedEngines = [{ name: "globex-engine", tenant: "globex", host: "master", apiPort: 4749 }];
        }),
      ),
      RUNTIME,
    );

    expect(mapped.accounts.globex.mappings).toEqual({ "tornado.events": "globex.tornado.events" });
    const collectors = mapped.accounts.globex.users.filter((user) => !user.user.startsWith("CN=globex-engine,"));
    expect(collectors.map((user) => user.permissions?.publish)).toEqual(
      Array(3).fill({ allow: ["globex.tornado.events"] }),
    );
    // Tenants without a mapping are unchanged.
    expect(mapped.accounts.acme).toEqual(config.accounts.acme);
  });

  test("THEN ENGINE imports every tenant with its name as prefix, and the engine only reads", () => {
    expect(config.accounts.ENGINE).toEqual({
      users: [
        {
          user: "CN=tornado-engine,OU=ENGINE,O=Acme Monitoring",
          permissions: { publish: { deny: [">"] }, subscribe: { allow: [ENGINE_SUBJECT] } },
        },
      ],
      imports: ["master", "acme", "globex"].map((tenant) => ({
        stream: { account: tenant, subject: "tornado.events" },
        prefix: tenant,
      })),
    });
    expect(ENGINE_SUBJECT).toBe("*.tornado.events");
  });

  test("THEN the system account holds only the operator identity", () => {
    expect(config.system_account).toBe("SYS");
    expect(config.accounts.SYS).toEqual({ users: [{ user: "CN=nats-system,OU=SYS,O=Acme Monitoring" }] });
  });

  test("THEN every identity of the topology is a user exactly once", () => {
    const users = Object.values(config.accounts).flatMap((account) => account.users.map((user) => user.user));
    expect(users.sort()).toEqual(
      clientIdentities(topology)
        .map((identity) => identity.natsUser)
        .sort(),
    );
  });

  test("THEN server name, payload limit, lame duck and monitoring come from the topology and runtime", () => {
    expect(config).toMatchObject({
      server_name: "tornado-nats",
      host: "0.0.0.0",
      port: 4222,
      http: "127.0.0.1:8222",
      max_payload: 1048576,
      lame_duck_duration: "30s",
      lame_duck_grace_period: "10s",
    });
    const slow = renderNatsConfig(
      resolveTopology(withChange((t) => Object.assign(t.nats, { lameDuckDurationSeconds: 120, maxPayload: 4096 }))),
      RUNTIME,
    );
    expect(slow).toMatchObject({ lame_duck_duration: "120s", max_payload: 4096 });
  });

  test("GIVEN no monitoring listener THEN there is no http key", () => {
    const { monitoringListen: _unused, ...withoutMonitoring } = RUNTIME;
    expect(renderNatsConfig(topology, withoutMonitoring)).not.toHaveProperty("http");
  });

  test("THEN it serializes as JSON that parses back to the same object", () => {
    const text = serializeNatsConfig(config);
    expect(JSON.parse(text) as NatsServerConfig).toEqual(config);
  });
});
