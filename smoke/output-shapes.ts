import { SmokeInputError } from "./smoke-input-error";

/**
 * The two shapes a deployment's outputs arrive in, reduced to one: a map from
 * output name to its value.
 *
 * - `terraform output -json` (and `tofu output -json`):
 *   `{ "<name>": { "sensitive": bool, "type": <type>, "value": <value> } }`.
 * - The file `cdktf deploy --outputs-file FILE` writes (@cdktf/cli-core
 *   `saveOutputs`): values keyed by stack name, then by construct path, with
 *   the output's construct id as the last key; names are not transformed.
 *   Sensitive values are left out unless
 *   `--outputs-file-include-sensitive-outputs` was given. The topology
 *   stack declares its outputs on the stack itself, so they sit directly
 *   under the stack name.
 */

export type OutputValues = Readonly<Record<string, unknown>>;

export type OutputShape = "terraform output -json" | "cdktf outputs file";

export interface SelectedOutputs {
  readonly values: OutputValues;
  readonly shape: OutputShape;
  /** The stack the values belong to, when the input said. */
  readonly stack?: string;
}

/** An output the topology stack always has, used to tell a stack's outputs from a map of stacks. */
const MARKER_OUTPUT = "nats_urls";

export const NO_OUTPUTS_ADVICE = "run `cdktf deploy` first, or pass `--outputs FILE`";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The test @cdktf/cli-core applies to tell an output entry from a nesting level. */
function isTerraformOutputEntry(value: unknown): value is { sensitive: boolean; type: unknown; value?: unknown } {
  return (
    isRecord(value) &&
    typeof value.sensitive === "boolean" &&
    (typeof value.type === "string" || Array.isArray(value.type))
  );
}

/**
 * Reduces either shape to output values. `stack` picks a stack in a cdktf
 * outputs file; without it, a file holding exactly one stack is used.
 * `source` names the input in errors.
 */
export function selectOutputs(raw: unknown, source: string, stack?: string): SelectedOutputs {
  if (!isRecord(raw)) {
    throw new SmokeInputError(`${source} is not a JSON object of outputs; ${NO_OUTPUTS_ADVICE}.`);
  }
  const entries = Object.entries(raw);
  if (entries.length === 0) {
    throw new SmokeInputError(`${source} holds no outputs (is the stack deployed?). ${capitalize(NO_OUTPUTS_ADVICE)}.`);
  }

  if (entries.every(([, entry]) => isTerraformOutputEntry(entry))) {
    const values = Object.fromEntries(entries.map(([name, entry]) => [name, (entry as { value?: unknown }).value]));
    return { values, shape: "terraform output -json" };
  }

  if (MARKER_OUTPUT in raw) return { values: raw, shape: "cdktf outputs file", ...(stack ? { stack } : {}) };

  const stacks = entries.filter(([, value]) => isRecord(value)).map(([name]) => name);
  if (stack !== undefined) {
    const selected = raw[stack];
    if (!isRecord(selected)) {
      throw new SmokeInputError(
        `${source} has no stack "${stack}"; it holds: ${stacks.join(", ") || "nothing"}. Pick one with --stack NAME.`,
      );
    }
    return { values: selected, shape: "cdktf outputs file", stack };
  }
  if (stacks.length === 1) {
    return { values: raw[stacks[0]] as Record<string, unknown>, shape: "cdktf outputs file", stack: stacks[0] };
  }
  throw new SmokeInputError(
    stacks.length === 0
      ? `${source} is neither \`terraform output -json\` nor a cdktf outputs file; ${NO_OUTPUTS_ADVICE}.`
      : `${source} holds several stacks (${stacks.join(", ")}); pick one with --stack NAME.`,
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
