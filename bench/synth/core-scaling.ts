import { clientIdentities } from "../../constructs/core/identities";
import { masterNodeRuntime, permissionsFor, renderNatsConfig } from "../../constructs/core/nats-config";
import { externalTlsOf } from "../../constructs/core/external-pki";
import { resolveTopology } from "../../constructs/core/topology";
import { NATS_CONTAINER_PATHS } from "../../constructs/nats-server";
import { generatedTopology } from "./topologies";

/**
 * The pure steps synth repeats per identity, timed at a small and an eight
 * times larger fleet: parsing and validation, the NATS config (one user per
 * identity, with its permissions), and the per-identity lookups the stack
 * makes for its outputs and certificates. At the sizes cdktf can synthesize
 * in seconds a quadratic step hides behind cdktf's own per-resource cost; at
 * eight times the size it cannot: linear work keeps its cost per collector,
 * quadratic work multiplies it by eight.
 */

export interface ScalingStep {
  readonly step: string;
  /** Microseconds per collector at `small` and at `large` collectors (best of three batches). */
  readonly smallUsPerCollector: number;
  readonly largeUsPerCollector: number;
  /** large / small per-collector cost: about 1 when linear, about `large / small` when quadratic. */
  readonly growth: number;
}

export interface CoreScaling {
  readonly small: number;
  readonly large: number;
  readonly steps: readonly ScalingStep[];
}

/**
 * Milliseconds per call of `work`: calls repeated until a batch lasts at
 * least 50 ms (a sub-millisecond step is otherwise below the timer's and
 * the garbage collector's noise), best of three batches.
 */
function msPerCall(work: () => unknown): number {
  let best = Infinity;
  for (let batch = 0; batch < 3; batch++) {
    const started = performance.now();
    let calls = 0;
    do {
      work();
      calls++;
    } while (performance.now() - started < 50);
    best = Math.min(best, (performance.now() - started) / calls);
  }
  return best;
}

export function coreScaling(quick: boolean): CoreScaling {
  const [small, large] = quick ? [250, 2000] : [1000, 8000];
  const measure = (collectors: number) => {
    const input = generatedTopology(collectors, 10);
    const topology = resolveTopology(input);
    const runtime = masterNodeRuntime(topology, topology.nats.nodes[0], NATS_CONTAINER_PATHS);
    const identities = clientIdentities(topology);
    const perCollector = (ms: number) => (ms * 1000) / collectors;
    return {
      "parse and validate": perCollector(msPerCall(() => resolveTopology(input))),
      "NATS config": perCollector(msPerCall(() => renderNatsConfig(topology, runtime))),
      "per-identity lookups (outputs, certificates)": perCollector(
        msPerCall(() =>
          identities.map((identity) => [permissionsFor(identity, topology), externalTlsOf(topology, identity)]),
        ),
      ),
    };
  };
  measure(small); // warm-up: the first pass runs before the JIT has compiled anything
  const smallCosts = measure(small);
  const largeCosts = measure(large);
  return {
    small,
    large,
    steps: Object.keys(smallCosts).map((step) => {
      const key = step as keyof typeof smallCosts;
      const smallUs = Math.round(smallCosts[key] * 10) / 10;
      const largeUs = Math.round(largeCosts[key] * 10) / 10;
      return {
        step,
        smallUsPerCollector: smallUs,
        largeUsPerCollector: largeUs,
        growth: Math.round((largeCosts[key] / smallCosts[key]) * 100) / 100,
      };
    }),
  };
}
