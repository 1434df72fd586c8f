import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { parse } from "smol-toml";
import { parseTopologyText } from "../../constructs/core/load-topology";
import type { NatsServerConfig } from "../../constructs/core/nats-config";
import { resolveTopology } from "../../constructs/core/topology";
import { NATS_CONTAINER_PATHS } from "../../constructs/nats-server";
import { TornadoTopologyStack } from "../../stacks/tornado-topology-stack";
import { referenced, resourcesOf, synthTopology, type SynthesizedStack } from "../helpers/synth";
import { clusterWithChange } from "../helpers/topologies";

/** The cluster-and-satellites example, synthesized: three routed nodes and one leaf-node satellite. */

const EXAMPLE = join(__dirname, "../../examples/cluster-and-satellites.yaml");
const input = () => parseTopologyText(readFileSync(EXAMPLE, "utf8"), EXAMPLE) as Record<string, any>;

function container(json: SynthesizedStack, name: string): Record<string, any> {
  const found = resourcesOf(json, "docker_container").find(([, resource]) => resource.name === name)?.[1];
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

function uploaded(resource: Record<string, any>, file: string): string {
  const found = (resource.upload as Record<string, any>[]).find((entry) => entry.file === file);
  if (!found) throw new Error(`no upload of ${file}`);
  return found.content as string;
}

function natsConfigOf(json: SynthesizedStack, name: string): NatsServerConfig {
  return JSON.parse(uploaded(container(json, name), NATS_CONTAINER_PATHS.config)) as NatsServerConfig;
}

/** The cert request behind a container's uploaded certificate file. */
function certRequestOf(json: SynthesizedStack, name: string, file: string): Record<string, any> {
  const certificate = referenced(json, uploaded(container(json, name), file));
  return referenced(json, certificate.resource.cert_request_pem).resource;
}

describe("GIVEN the cluster-and-satellites example", () => {
  const { json } = synthTopology(input());
  const nodes = ["nats-1", "nats-2", "nats-3"];

  test("THEN each node runs on its own host with routes to the other two by DNS name, TLS verified both ways", () => {
    expect(nodes.map((node) => container(json, node).provider)).toEqual([
      "docker.master-1",
      "docker.master-2",
      "docker.master-3",
    ]);
    const config = natsConfigOf(json, "nats-2");
    expect(config.cluster).toMatchObject({
      name: "tornado",
      port: 6222,
      advertise: "nats-2.example.com:6222",
      routes: ["nats-route://nats-1.example.com:6222", "nats-route://nats-3.example.com:6222"],
      tls: { verify: true, verify_cert_and_check_known_urls: true },
    });
    expect(config.client_advertise).toBe("nats-2.example.com:4222");
    expect(container(json, "nats-2").ports).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ external: 4222 }),
        expect.objectContaining({ internal: 6222, external: 6222 }),
        expect.objectContaining({ internal: 7422, external: 7422 }),
      ]),
    );
  });

  test("THEN accounts, users and imports are identical on every node", () => {
    const [first, ...others] = nodes.map((node) => natsConfigOf(json, node).accounts);
    for (const accounts of others) expect(accounts).toEqual(first);
    // The satellite's collector is a user of the satellite, not of the master.
    const masterUsers = JSON.stringify(first.acme.users);
    expect(masterUsers).not.toContain("webhook-acme-site");
    expect(first.acme.users).toContainEqual(
      expect.objectContaining({
        user: expect.stringContaining("CN=satellite-acme"),
        allowed_connection_types: ["LEAFNODE"],
        permissions: { publish: { allow: ["tornado.events"] }, subscribe: { deny: [">"] } },
      }),
    );
    // With a leafnode listener open, everyone else may connect as a plain client only.
    const clients = Object.values(first).flatMap((account) =>
      account.users.filter((user) => !user.user.includes("CN=satellite-acme")),
    );
    expect(clients.length).toBeGreaterThan(3);
    for (const user of clients) expect(user.allowed_connection_types).toEqual(["STANDARD"]);
  });

  test("THEN every node's certificate serves and authenticates, and names the node and the shared name", () => {
    for (const node of nodes) {
      const certificate = referenced(json, uploaded(container(json, node), NATS_CONTAINER_PATHS.certFile)).resource;
      expect(certificate.allowed_uses).toEqual(expect.arrayContaining(["server_auth", "client_auth"]));
      const request = certRequestOf(json, node, NATS_CONTAINER_PATHS.certFile);
      expect(request.dns_names).toEqual([`${node}.example.com`, "nats.example.com", node]);
    }
  });

  test("THEN the satellite is a leaf node of every master node, bound to its tenant's account", () => {
    const satellite = container(json, "satellite-acme");
    expect(satellite.provider).toBe("docker.site-acme");
    const config = natsConfigOf(json, "satellite-acme");
    expect((config.leafnodes as { remotes?: unknown } | undefined)?.remotes).toEqual([
      expect.objectContaining({
        account: "acme",
        urls: ["tls://nats-1.example.com:7422", "tls://nats-2.example.com:7422", "tls://nats-3.example.com:7422"],
      }),
    ]);
    expect(Object.keys(config.accounts)).toEqual(["acme"]);
    expect(config.accounts.acme.users.map((user) => user.user)).toEqual([
      expect.stringContaining("CN=webhook-acme-site"),
    ]);
    const leafRequest = certRequestOf(json, "satellite-acme", NATS_CONTAINER_PATHS.leafCertFile);
    expect(leafRequest.subject).toEqual([expect.objectContaining({ common_name: "satellite-acme" })]);
  });

  test("THEN Tornado configs list every node (the own host's by container name), and a satellite's collector only its satellite", () => {
    const engine = parse(uploaded(container(json, "tornado-engine"), "/etc/tornado/tornado.toml")) as Record<
      string,
      any
    >;
    expect(engine.tornado.daemon.nats.client.addresses).toEqual([
      "nats-1:4222",
      "nats-2.example.com:4222",
      "nats-3.example.com:4222",
    ]);
    const site = container(json, "tornado-collector-webhook-acme-site");
    const siteToml = parse(uploaded(site, "/etc/tornado_webhook_collector/webhook_collector.toml")) as Record<
      string,
      any
    >;
    // On its own host it reaches the satellite by container name, a SAN of the satellite certificate.
    expect(siteToml.webhook_collector.tornado_connection_channel.nats.client.addresses).toEqual([
      "satellite-acme:4222",
    ]);
    expect(JSON.stringify(siteToml)).not.toContain("nats-1");
    // nats-2 has an address only through DNS here; master-2's own collector reaches it by container name.
    const onMaster2 = parse(
      uploaded(
        container(json, "tornado-collector-webhook-master"),
        "/etc/tornado_webhook_collector/webhook_collector.toml",
      ),
    ) as Record<string, any>;
    expect(JSON.stringify(onMaster2)).toContain('"nats-2:4222"');
  });

  test("THEN the outputs list every node and satellite", () => {
    const outputs = json.output as Record<string, any>;
    expect(outputs.nats_nodes.value.map((node: Record<string, string>) => node.url)).toEqual([
      "tls://nats-1.example.com:4222",
      "tls://nats-2.example.com:4222",
      "tls://nats-3.example.com:4222",
    ]);
    expect(outputs.satellites.value["satellite-acme"]).toMatchObject({
      tenant: "acme",
      url: "tls://nats.satellite.acme.example.com:4222",
      collectors: ["webhook-acme-site"],
    });
  });
});

describe("GIVEN a cluster shape that is legal but unwise", () => {
  const warningsOf = (change: (t: Record<string, any>) => void): string[] => {
    const app = Testing.app();
    const stack = new TornadoTopologyStack(app, "test", { topology: resolveTopology(clusterWithChange(change)) });
    Testing.synth(stack);
    return stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === "@cdktf/warn")
      .map((entry) => String(entry.data));
  };

  test("WHEN the cluster has an even number of nodes THEN synth warns and still succeeds", () => {
    const warnings = warningsOf((t) => t.nats.cluster.nodes.pop());
    expect(warnings).toEqual([expect.stringMatching(/^nats\.cluster\.nodes: has 2 nodes: an even size/)]);
  });

  test("WHEN every node sits on one host THEN synth warns about losing the cluster with the host", () => {
    const warnings = warningsOf((t) =>
      t.nats.cluster.nodes.forEach((node: Record<string, any>, index: number) =>
        Object.assign(node, {
          host: "master-1",
          clientPort: 4222 + index,
          clusterPort: 6222 + index,
          leafnodePort: 7422 + index,
        }),
      ),
    );
    expect(warnings).toEqual([expect.stringContaining('all 3 nodes run on host "master-1"')]);
  });

  test("WHEN three nodes are on three hosts THEN there is no warning (the warning can fail)", () => {
    expect(warningsOf(() => undefined)).toEqual([]);
  });
});
