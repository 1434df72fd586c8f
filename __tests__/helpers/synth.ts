import { Testing } from "cdktf";
import { resolveTopology } from "../../constructs/core/topology";
import { TornadoTopologyStack } from "../../stacks/tornado-topology-stack";

/** A synthesized stack as plain JSON (snake_case keys, as Terraform reads it). */
export interface SynthesizedStack {
  readonly terraform: { required_providers: Record<string, { source: string; version: string }> };
  readonly provider: Record<string, Record<string, unknown>[]>;
  readonly resource: Record<string, Record<string, Record<string, any>>>;
  readonly output: Record<string, { value: unknown; sensitive?: boolean; description?: string }>;
}

export function synthTopology(input: unknown): { stack: TornadoTopologyStack; json: SynthesizedStack; text: string } {
  const app = Testing.app();
  const stack = new TornadoTopologyStack(app, "test", { topology: resolveTopology(input) });
  const text = Testing.synth(stack, true);
  return { stack, json: JSON.parse(text) as SynthesizedStack, text };
}

/** Resources of one type, by logical id. */
export function resourcesOf(json: SynthesizedStack, type: string): [string, Record<string, any>][] {
  return Object.entries(json.resource[type] ?? {});
}

/** The resource a `${type.id.attr}` reference points at. */
export function referenced(
  json: SynthesizedStack,
  reference: string,
): { type: string; id: string; attribute: string; resource: Record<string, any> } {
  const match = /^\$\{([a-z_]+)\.([^.]+)\.([a-z_0-9]+)\}$/.exec(reference);
  if (!match) throw new Error(`not a single resource reference: ${reference}`);
  const [, type, id, attribute] = match;
  const resource = json.resource[type]?.[id];
  if (!resource) throw new Error(`reference to a missing resource: ${reference}`);
  return { type, id, attribute, resource };
}
