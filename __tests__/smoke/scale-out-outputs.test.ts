import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveTopology } from "../../constructs/core/topology";
import { parseDeployedTopology, type DeployedTopology } from "../../smoke/deployed-topology";
import { selectOutputs } from "../../smoke/output-shapes";
import { runSmoke } from "../../smoke/run-smoke";
import { collectorServers, smokeServers } from "../../smoke/smoke-servers";
import { SmokeInputError } from "../../smoke/smoke-input-error";
import { localClusterAndSatellite } from "../helpers/secured-topology";
import { clusterAndSatellite } from "../helpers/topologies";
import { issueTopologyPki } from "../helpers/topology-pki";
import { terraformOutputJsonFor, type TerraformOutputJson } from "./deployed-outputs";

/**
 * What the smoke test reads from a scale-out deployment's outputs (the real
 * synthesized stack of a three-node cluster with a satellite, a PKI made at
 * test time): every server, which collector uses which, the satellite's
 * identity; and the errors when those outputs are wrong.
 */

const INPUT = localClusterAndSatellite(clusterAndSatellite());
let work: string;
let outputs: TerraformOutputJson;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "scale-out-outputs-"));
  outputs = terraformOutputJsonFor(await issueTopologyPki(resolveTopology(INPUT), work), undefined, INPUT);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

function parse(raw: TerraformOutputJson): DeployedTopology {
  const selected = selectOutputs(raw, "terraform output -json");
  return parseDeployedTopology(selected.values, { source: "outputs.json", shape: selected.shape });
}

function withValue(name: string, value: unknown): TerraformOutputJson {
  return { ...outputs, [name]: { ...outputs[name], value } };
}

test("GIVEN a cluster and a satellite THEN every server is read, nodes first, each with the name its certificate carries", () => {
  const topology = parse(outputs);
  expect(
    topology.servers.map(({ name, kind, tenant, url, serverName }) => ({ name, kind, tenant, url, serverName })),
  ).toEqual([
    {
      name: "nats-1",
      kind: "node",
      tenant: undefined,
      url: "tls://nats-1.example.net:4222",
      serverName: "nats-1.example.net",
    },
    {
      name: "nats-2",
      kind: "node",
      tenant: undefined,
      url: "tls://nats-2.example.net:4222",
      serverName: "nats-2.example.net",
    },
    {
      name: "nats-3",
      kind: "node",
      tenant: undefined,
      url: "tls://nats-3.example.net:4222",
      serverName: "nats-3.example.net",
    },
    {
      name: "sat-acme",
      kind: "satellite",
      tenant: "acme",
      url: "tls://sat-acme.example.net:4222",
      serverName: "sat-acme.example.net",
    },
  ]);
});

test("GIVEN the same outputs THEN the site collector belongs to its satellite, the satellite's identity is read, and the master's collectors take the nodes in turn", () => {
  const topology = parse(outputs);
  const identity = (id: string) => topology.identities.find((candidate) => candidate.id === id);
  expect(identity("collector/webhook-acme")).toMatchObject({ satellite: "sat-acme", tenant: "acme" });
  expect(identity("collector/webhook-master")?.satellite).toBeUndefined();
  expect(identity("satellite/sat-acme")).toMatchObject({ role: "satellite", tenant: "acme", account: "acme" });
  const servers = smokeServers(topology);
  const assigned = collectorServers(
    topology.identities.filter((candidate) => candidate.role === "collector"),
    servers,
  );
  expect(Object.fromEntries([...assigned].map(([id, server]) => [id, server.server.name]))).toEqual({
    "collector/nats-json-acme": "nats-1",
    "collector/webhook-acme": "sat-acme",
    "collector/webhook-master": "nats-2",
  });
  expect(servers.map((server) => server.label)).toEqual([
    "server/nats-1",
    "server/nats-2",
    "server/nats-3",
    "server/sat-acme",
  ]);
});

test("GIVEN --resolve, --server and --servername THEN each server is dialed where they say, still verified for its own name", () => {
  const servers = smokeServers(parse(outputs), {
    server: "10.0.0.11:4222",
    resolve: {
      "nats-1.example.net": "10.9.9.9:1",
      "nats-3.example.net": "10.0.0.13:4222",
      "sat-acme.example.net": "[fd00::5]:4222",
    },
  });
  expect(servers.map((server) => server.endpoint)).toEqual([
    { address: "10.0.0.11:4222", servername: "nats-1.example.net" },
    { address: "nats-2.example.net:4222", servername: "nats-2.example.net" },
    { address: "10.0.0.13:4222", servername: "nats-3.example.net" },
    { address: "[fd00::5]:4222", servername: "sat-acme.example.net" },
  ]);
});

test("GIVEN --resolve for a name no server of the outputs has THEN the smoke test refuses to run, listing the names it knows", async () => {
  await expect(runSmoke({ outputs, resolve: { "nats-9.example.net": "10.0.0.19:4222" } })).rejects.toThrow(
    "--resolve nats-9.example.net: no server of the outputs is reached by that name; the servers' names: " +
      "nats-1.example.net, nats-2.example.net, nats-3.example.net, sat-acme.example.net",
  );
});

test("GIVEN malformed nats_nodes and satellites THEN every problem is named with its output path, all at once", () => {
  const broken = {
    ...withValue("nats_nodes", [
      { name: "nats-1", url: "tls://nats-1.example.net:4222", server_name: "nats-1.example.net" },
      { name: "nats-2", url: "nats://nats-2.example.net:4222", server_name: "nats-2.example.net" },
      { name: "", url: "tls://nats-3.example.net:4222", server_name: "nats-3.example.net" },
      { name: "nats-4", url: "tls://nats-4.example.net:4222", server_name: "" },
    ]),
    satellites: {
      ...outputs.satellites,
      value: {
        "sat-acme": { tenant: "initech", url: "tls://sat-acme.example.net:4222", server_name: "s", collectors: [] },
        "sat-two": { tenant: "acme", url: "tls://sat-two.example.net:4222", server_name: "s", collectors: "all" },
      },
    },
  };
  let message = "";
  try {
    parse(broken);
  } catch (error) {
    expect(error).toBeInstanceOf(SmokeInputError);
    message = (error as Error).message;
  }
  expect(message.split("\n")).toEqual([
    "The outputs in outputs.json do not describe a deployed topology: 5 problems",
    '  - nats_nodes[1].url: "nats://nats-2.example.net:4222" is not tls://<dns-name>:<port>',
    '  - nats_nodes[2].name: "" is not a name',
    '  - nats_nodes[3].server_name: "" is not a DNS name',
    '  - satellites["sat-acme"].tenant: "initech" is not one of tenants (master, acme)',
    '  - satellites["sat-two"].collectors: "all" is not a list of collector names',
  ]);
});
