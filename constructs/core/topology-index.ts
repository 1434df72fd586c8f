import type { CollectorSpec, Topology } from "./topology";

/**
 * Lookups by name into a validated topology, indexed once per topology.
 * Synth asks "which collector is this identity?" once per identity (for its
 * NATS user's permissions, its certificate, its outputs); scanning
 * topology.collectors every time made the NATS config and the stack's
 * outputs quadratic in the fleet (BENCHMARKS.md, "no quadratic step"). A
 * resolved Topology is immutable, so its index never goes stale.
 */

const collectorIndexes = new WeakMap<Topology, ReadonlyMap<string, CollectorSpec>>();

/** The collector called `name`: the first one, as a scan would find it. */
export function collectorNamed(topology: Topology, name: string): CollectorSpec | undefined {
  let index = collectorIndexes.get(topology);
  if (!index) {
    const byName = new Map<string, CollectorSpec>();
    for (const collector of topology.collectors) if (!byName.has(collector.name)) byName.set(collector.name, collector);
    collectorIndexes.set(topology, byName);
    index = byName;
  }
  return index.get(name);
}
