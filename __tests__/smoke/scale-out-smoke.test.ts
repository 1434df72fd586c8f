import type { NatsServerConfig } from "../../constructs/core/nats-config";
import type { TopologyInput } from "../../constructs/core/topology-schema";
import { CHECK, NO_IDENTITY } from "../../smoke/check-names";
import { runSmoke } from "../../smoke/run-smoke";
import type { SmokeCheck, SmokeReport } from "../../smoke/smoke-report";
import {
  localClusterAndSatellite,
  localClusterOnly,
  startSecuredTopology,
  type SecuredTopology,
  type SecuredTopologyOptions,
} from "../helpers/secured-topology";
import { clusterAndSatellite } from "../helpers/topologies";
import { terraformOutputJsonFor } from "./deployed-outputs";

/**
 * The smoke test on the scale-out shapes (issue 7): a three-node cluster and
 * a satellite site, every server a real nats-server running the rendered
 * config. The outputs are the synthesized stack's, with the servers' DNS
 * names as they are; the run reaches each name on this machine through
 * --resolve, as an operator does from outside the sites' DNS. It checks
 * every node and the satellite, passes on the correct configs, and fails
 * on exactly the check that each break on purpose is about.
 */

const NODES = ["nats-1", "nats-2", "nats-3"];
const SATELLITE = "sat-acme";

interface SmokeRun {
  readonly topology: SecuredTopology;
  readonly report: SmokeReport;
}

/** The DNS name each server's URL carries → where it listens here. */
function resolveMap(topology: SecuredTopology): Record<string, string> {
  const servers = [...topology.topology.nats.nodes, ...topology.topology.satellites];
  return Object.fromEntries(
    servers.map((server) => [server.dnsNames[0], `127.0.0.1:${topology.server(server.name).clientPort}`]),
  );
}

/**
 * A deployment's engine is subscribed long before the smoke test runs, so
 * its interest has reached every node and satellite: NATS forwards over a
 * leaf only where interest was shown. Here one stands in for it, and the
 * run starts once the satellites have seen its interest.
 */
async function engineRunning(topology: SecuredTopology): Promise<void> {
  const engine = await topology.connectAs("engine/tornado-engine", "nats-1");
  expect((await engine.subscribe("*.tornado.events")).outcome).toBe("active");
  const deadline = Date.now() + 10_000;
  for (const satellite of topology.topology.satellites) {
    for (;;) {
      const leafz = await topology.monitor<{ leafs?: { subscriptions_list?: string[] }[] }>(
        satellite.name,
        "leafz?subs=1",
      );
      if ((leafz.leafs ?? []).some((leaf) => (leaf.subscriptions_list ?? []).includes("tornado.events"))) break;
      if (Date.now() > deadline) throw new Error(`the engine's interest did not reach ${satellite.name}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** The topology's servers started (with `options`), then the smoke test run against them. */
async function smokeRun(
  input: TopologyInput,
  options: SecuredTopologyOptions & { ready?: (topology: SecuredTopology) => Promise<void> } = {},
): Promise<SmokeRun> {
  const topology = await startSecuredTopology(input, options);
  try {
    await (options.ready ? options.ready(topology) : topology.ready());
    await engineRunning(topology);
    const outputs = terraformOutputJsonFor(topology.pki, undefined, input);
    // No canaries run here: the webhook-to-engine path is the single-server tests' part.
    for (const name of ["engine_api_url", "engines", "webhook_endpoints"]) delete outputs[name];
    const report = await runSmoke({
      outputs,
      resolve: resolveMap(topology),
      eventTimeoutMs: 3000,
      connectTimeoutMs: 3000,
    });
    return { topology, report };
  } catch (error) {
    await topology.stop();
    throw error;
  }
}

function row(report: SmokeReport, check: string, identity: string): SmokeCheck | undefined {
  return report.checks.find((entry) => entry.check === check && entry.identity === identity);
}

function notPassed(report: SmokeReport): string[] {
  return report.checks
    .filter((check) => check.result !== "passed" && check.check !== CHECK.wholePath)
    .map((check) => `${check.result} ${check.check} [${check.identity}]`);
}

/** Removes `allowed_connection_types` from every user of a master node's config. */
function satelliteAllowedAsClient(name: string, config: NatsServerConfig): NatsServerConfig {
  if (!NODES.includes(name)) return config;
  const accounts = Object.fromEntries(
    Object.entries(config.accounts).map(([account, body]) => [
      account,
      { ...body, users: body.users.map(({ allowed_connection_types: _dropped, ...user }) => user) },
    ]),
  );
  return { ...config, accounts };
}

/** Moves the satellite's user on every master node from acme's account to master's. */
function satelliteInWrongAccount(name: string, config: NatsServerConfig): NatsServerConfig {
  if (!NODES.includes(name)) return config;
  const leafUser = config.accounts.acme.users.find((user) => user.allowed_connection_types?.includes("LEAFNODE"));
  if (!leafUser) throw new Error("no leaf-only user in account acme");
  return {
    ...config,
    accounts: {
      ...config.accounts,
      acme: { ...config.accounts.acme, users: config.accounts.acme.users.filter((user) => user !== leafUser) },
      master: { ...config.accounts.master, users: [...config.accounts.master.users, leafUser] },
    },
  };
}

describe("GIVEN a three-node cluster and a satellite, correctly configured", () => {
  let run: SmokeRun;
  beforeAll(async () => {
    run = await smokeRun(localClusterAndSatellite(clusterAndSatellite()));
  });
  afterAll(async () => run?.topology.stop());

  test("WHEN the smoke test runs THEN every NATS check passes, on every node and the satellite", () => {
    expect(notPassed(run.report)).toEqual([]);
    expect(run.report.ok).toBe(true);
    expect(row(run.report, CHECK.wholePath, NO_IDENTITY)).toMatchObject({
      result: "not_run",
      detail: expect.stringContaining("no canaries deployed"),
    });
    // 4 per node (3), 3 for the satellite; 4 for the engine (it reads every tenant); 1 system;
    // 6 per collector (3) and 1 more for the site collector; 1 for the satellite's identity.
    expect(run.report.summary).toEqual({ passed: 4 * 3 + 3 + 4 + 1 + 6 * 3 + 1 + 1, failed: 0, notRun: 1 });
  });

  test("THEN each server is checked on its own: certificate for its name, plaintext and no certificate refused", () => {
    for (const [server, name] of [
      ...NODES.map((node) => [node, `${node}.example.net`]),
      [SATELLITE, "sat-acme.example.net"],
    ]) {
      const label = `server/${server}`;
      expect(row(run.report, CHECK.serverCertificate, label)?.detail).toContain(`valid for "${name}"`);
      expect(row(run.report, CHECK.plaintext, label)?.result).toBe("passed");
      expect(row(run.report, CHECK.noClientCertificate, label)?.result).toBe("passed");
    }
    expect(run.report.checks.filter((check) => check.identity === NO_IDENTITY).map((check) => check.check)).toEqual([
      CHECK.wholePath,
    ]);
  });

  test("THEN an event goes through every node to the engine on the primary node, and the master's collectors are spread over the nodes", () => {
    for (const node of NODES) {
      expect(row(run.report, CHECK.nodeEvent, `server/${node}`)?.detail).toMatch(
        new RegExp(`through ${node} reached engine/tornado-engine on \\w+\\.tornado\\.events at nats-1, body intact`),
      );
    }
    expect(row(run.report, CHECK.connect, "engine/tornado-engine")?.detail).toMatch(/^connected to nats-1 /);
    // The outputs list identities by id: nats-json-acme, webhook-acme (at the satellite), webhook-master.
    expect(row(run.report, CHECK.connect, "collector/nats-json-acme")?.detail).toMatch(/^connected to nats-1 /);
    expect(row(run.report, CHECK.connect, "collector/webhook-master")?.detail).toMatch(/^connected to nats-2 /);
  });

  test("THEN the site collector works through its satellite, the master refuses it, and the satellite's identity is refused as a client on every node", () => {
    expect(row(run.report, CHECK.connect, "collector/webhook-acme")?.detail).toMatch(/^connected to sat-acme /);
    expect(row(run.report, CHECK.collectorEvent, "collector/webhook-acme")?.detail).toBe(
      "received on acme.tornado.events, body intact",
    );
    expect(row(run.report, CHECK.siteCollectorAtMaster, "collector/webhook-acme")).toMatchObject({
      result: "passed",
      detail: expect.stringMatching(/^nats-1 refused it \(a user of satellite sat-acme only\): .*[Aa]uthorization/),
    });
    expect(row(run.report, CHECK.leafOnly, "satellite/sat-acme")?.detail).toMatch(
      /^refused as a client by nats-1, nats-2, nats-3 \(leaf node only\)/,
    );
    expect(row(run.report, CHECK.otherTenantSubject, "collector/webhook-acme")?.result).toBe("passed");
  });
});

describe("GIVEN the master lets the satellite's identity in as a client (allowed_connection_types dropped)", () => {
  let run: SmokeRun;
  beforeAll(async () => {
    run = await smokeRun(localClusterAndSatellite(clusterAndSatellite()), { alterConfig: satelliteAllowedAsClient });
  });
  afterAll(async () => run?.topology.stop());

  test("WHEN the smoke test runs THEN exactly the satellite identity's check fails, naming every node that let it in", () => {
    expect(notPassed(run.report)).toEqual([`failed ${CHECK.leafOnly} [satellite/sat-acme]`]);
    expect(row(run.report, CHECK.leafOnly, "satellite/sat-acme")?.detail).toBe(
      'nats-1, nats-2, nats-3 let it in as a client; it must connect only as a leaf node (allowed_connection_types ["LEAFNODE"])',
    );
    expect(run.report.ok).toBe(false);
  });
});

describe("GIVEN the satellite's leaf mapped into another tenant's account on the master", () => {
  let run: SmokeRun;
  beforeAll(async () => {
    run = await smokeRun(localClusterAndSatellite(clusterAndSatellite()), { alterConfig: satelliteInWrongAccount });
  });
  afterAll(async () => run?.topology.stop());

  test("WHEN the smoke test runs THEN the site collector's event fails: the engine gets it under the wrong tenant", () => {
    expect(notPassed(run.report)).toContain(`failed ${CHECK.collectorEvent} [collector/webhook-acme]`);
    expect(row(run.report, CHECK.collectorEvent, "collector/webhook-acme")?.detail).toBe(
      'the engine received it on master.tornado.events, expected acme.tornado.events: the engine would file it under tenant "master" (check the import prefix of tenant acme)',
    );
    expect(row(run.report, CHECK.collectorEvent, "collector/webhook-master")?.result).toBe("passed");
    expect(run.report.ok).toBe(false);
  });
});

describe("GIVEN node 3 without its cluster block (no routes: a node of its own)", () => {
  let run: SmokeRun;
  beforeAll(async () => {
    // Without the satellite, whose leaf could land on the lone node.
    run = await smokeRun(localClusterOnly(clusterAndSatellite()), {
      alterConfig: (name, config) => (name === "nats-3" ? { ...config, cluster: undefined } : config),
      ready: async (topology) => {
        const deadline = Date.now() + 10_000;
        for (;;) {
          const routez = await topology.monitor<{ routes?: { remote_name?: string }[] }>("nats-1", "routez");
          if ((routez.routes ?? []).some((route) => route.remote_name === "nats-2")) return;
          if (Date.now() > deadline) throw new Error("nats-1 and nats-2 did not route");
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      },
    });
  });
  afterAll(async () => run?.topology.stop());

  test("WHEN the smoke test runs THEN the event through node 3 fails, asking whether it routes to the primary; nodes 1 and 2 pass", () => {
    expect(notPassed(run.report)).toEqual([`failed ${CHECK.nodeEvent} [server/nats-3]`]);
    expect(row(run.report, CHECK.nodeEvent, "server/nats-3")?.detail).toMatch(
      /through nats-3: engine\/tornado-engine did not receive it within 3000 ms \(expected on \w+\.tornado\.events; does nats-3 route to nats-1\?\)/,
    );
    expect(row(run.report, CHECK.nodeEvent, "server/nats-2")?.result).toBe("passed");
  });
});
