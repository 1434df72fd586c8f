import type { TopologyInput } from "../../constructs/core/topology-schema";

/**
 * The topologies the synth benchmark measures, generated rather than written
 * by hand so that only the counts change between them. A fleet looks like
 * what operators run: NATS and the engine on the master host, collectors
 * spread over up to ten remote Docker hosts reached over ssh, and a mix of
 * kinds (webhook and nats_json on the canary image, email and rsyslog on
 * pulled Tornado images) assigned round-robin to the tenants.
 */

export interface SynthCase {
  /** Stable key in bench/results.json. */
  readonly id: string;
  readonly label: string;
  /** "floor": an empty stack with both providers; "default": the embedded default topology. */
  readonly kind: "floor" | "default" | "generated";
  readonly collectors: number;
  readonly tenants: number;
  /** Set for generated topologies; written to a file and passed as TORNADO_TOPOLOGY. */
  readonly topology?: TopologyInput;
}

const REMOTE_HOSTS = 10;
const KINDS = ["webhook", "nats_json", "webhook", "email", "rsyslog"] as const;

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

/** `collectors` collectors over `tenants` tenants. */
export function generatedTopology(collectors: number, tenants: number): TopologyInput {
  const tenantNames = Array.from({ length: tenants }, (_, index) => `tenant-${pad(index, 3)}`);
  const remoteHosts = Math.min(REMOTE_HOSTS, collectors);
  const hosts = [
    { name: "master", url: "unix:///var/run/docker.sock" },
    ...Array.from({ length: remoteHosts }, (_, index) => ({
      name: `edge-${pad(index, 2)}`,
      url: `ssh://deploy@edge-${pad(index, 2)}.bench.internal`,
    })),
  ];
  const webhookPorts = new Map<string, number>();
  return {
    name: "tornado",
    organization: "Bench",
    hosts,
    tenants: tenantNames.map((name) => ({ name })),
    nats: { host: "master", dnsNames: ["nats.bench.internal", "localhost"], clientPort: 4222 },
    engine: { host: "master" },
    collectors: Array.from({ length: collectors }, (_, index) => {
      const kind = KINDS[index % KINDS.length];
      const host = hosts[1 + (index % remoteHosts)].name;
      const base = { name: `${kind.replace("_", "-")}-${pad(index, 4)}`, tenant: tenantNames[index % tenants], host };
      switch (kind) {
        case "webhook": {
          // Each webhook on a host publishes its own port.
          const port = (webhookPorts.get(host) ?? 8079) + 1;
          webhookPorts.set(host, port);
          return { ...base, kind, port };
        }
        case "nats_json":
          return { ...base, kind, topics: [{ subjects: [`raw.${pad(index, 4)}.>`], eventType: "raw" }] };
        case "email":
        case "rsyslog":
          return { ...base, kind, image: `registry.bench.internal/tornado/${kind}_collector:1.0` };
      }
    }),
  };
}

/** The full set, or a seconds-long subset with the same shapes (--quick). */
export function synthCases(quick: boolean): SynthCase[] {
  const generated = (collectors: number, tenants: number): SynthCase => ({
    id: `c${collectors}-t${tenants}`,
    label: `${collectors.toLocaleString("en-US")} collectors, ${tenants} tenants`,
    kind: "generated",
    collectors,
    tenants,
    topology: generatedTopology(collectors, tenants),
  });
  const floor: SynthCase = {
    id: "floor",
    label: "empty stack, both providers",
    kind: "floor",
    collectors: 0,
    tenants: 0,
  };
  const defaults: SynthCase = { id: "default", label: "default topology", kind: "default", collectors: 2, tenants: 2 };
  if (quick) return [floor, defaults, generated(10, 10), generated(100, 10)];
  return [floor, defaults, generated(10, 10), generated(100, 10), generated(1000, 10), generated(1000, 200)];
}
