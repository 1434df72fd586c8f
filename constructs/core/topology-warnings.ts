import type { Topology } from "./topology";
import { natsClusterWarnings, type TopologyWarning } from "./validate-nats-shape";

/**
 * A tenant that keeps feeding the shared engine and also has a dedicated
 * engine has two engines acting on each of its events: Tornado's engine
 * subscribes without a queue group, so both run every matching rule. That is
 * legal (a tenant moving to its own engine runs both for a while) but rarely
 * meant, so synth says so.
 */
function doubleEngineWarnings(topology: Topology): TopologyWarning[] {
  if (!topology.engine) return [];
  return topology.dedicatedEngines.flatMap((engine, index) => {
    const tenant = topology.tenants.find((candidate) => candidate.name === engine.tenant);
    if (!tenant?.sharedEngine) return [];
    return [
      {
        path: `dedicatedEngines[${index}].tenant`,
        message:
          `tenant "${tenant.name}" also feeds the shared engine, so both engines act on each of its events ` +
          `(neither uses a queue group); set sharedEngine: false on tenant "${tenant.name}" unless both should`,
      },
    ];
  });
}

/** Legal but unwise shapes of a valid topology; synth prints them without failing. */
export function topologyWarnings(topology: Topology): TopologyWarning[] {
  return [
    ...natsClusterWarnings(topology.nats.nodes, topology.nats.cluster !== undefined),
    ...doubleEngineWarnings(topology),
  ];
}
