import type { NatsServerConfig } from "../../constructs/core/nats-config";
import type { TopologyInput } from "../../constructs/core/topology-schema";
import { NATS_CONTAINER_PATHS } from "../../constructs/nats-server";
import { resourcesOf, synthTopology, type SynthesizedStack } from "../helpers/synth";
import { clusterAndSatellite, threeTenants } from "../helpers/topologies";

/**
 * Where the NATS monitoring endpoint (no authentication in NATS) can be
 * reached from, as synthesized: the listener in each uploaded server config
 * and the ports each NATS container publishes. The README's security model
 * states exactly this.
 */

function natsContainers(json: SynthesizedStack): Record<string, any>[] {
  return resourcesOf(json, "docker_container")
    .map(([, container]) => container)
    .filter((container) =>
      (container.upload as Record<string, any>[]).some((upload) => upload.file === NATS_CONTAINER_PATHS.config),
    );
}

function configOf(container: Record<string, any>): NatsServerConfig {
  const upload = (container.upload as Record<string, any>[]).find((each) => each.file === NATS_CONTAINER_PATHS.config);
  return JSON.parse(upload!.content) as NatsServerConfig;
}

describe.each<[string, () => TopologyInput, number]>([
  ["one server", threeTenants, 1],
  ["a cluster with a satellite", clusterAndSatellite, 4],
])("GIVEN %s and no monitoring settings", (_label, make, servers) => {
  const containers = natsContainers(synthTopology(make()).json);

  test("THEN every NATS server listens for monitoring on its container's loopback only, and publishes no port for it", () => {
    expect(containers).toHaveLength(servers);
    for (const container of containers) {
      expect(configOf(container).http).toBe("127.0.0.1:8222");
      expect((container.ports as Record<string, any>[]).map((port) => port.internal)).not.toContain(8222);
      // The healthcheck runs inside the container, which is why the endpoint exists at all.
      expect(container.healthcheck.test).toContain("http://127.0.0.1:8222/healthz");
    }
  });
});

describe("GIVEN nats.monitoring.hostPort 18222 on ::1", () => {
  const input = { ...threeTenants(), nats: { ...threeTenants().nats, monitoring: { hostPort: 18222, hostIp: "::1" } } };
  const [container] = natsContainers(synthTopology(input).json);

  test("THEN the server listens on every interface of its container, and Docker publishes it on the host's loopback only", () => {
    // Inside the container it must listen beyond loopback for Docker's port forwarding to reach it,
    // so the other containers on that host's Docker network can reach it too.
    expect(configOf(container).http).toBe("0.0.0.0:8222");
    expect((container.ports as Record<string, any>[]).filter((port) => port.internal === 8222)).toEqual([
      { internal: 8222, external: 18222, ip: "::1" },
    ]);
  });

  test("THEN the client port stays the only port published on every interface", () => {
    const everywhere = (container.ports as Record<string, any>[]).filter((port) => port.ip === undefined);
    expect(everywhere).toEqual([{ internal: 4222, external: 4222, protocol: "tcp" }]);
  });
});
