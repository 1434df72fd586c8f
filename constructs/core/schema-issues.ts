import type { z } from "zod";
import type { TopologyIssue } from "./topology-errors";

/**
 * Turns zod's issues into TopologyIssues whose message always says what is
 * allowed. zod's own wording names the problem; for unknown fields we add the
 * allowed field names and the closest one, because a typo is the usual cause.
 */

type Schema = z.core.$ZodType;

/** Unwraps optional/default/prefault/pipe wrappers to the schema that holds the shape. */
function unwrap(schema: Schema): Schema {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { innerType?: Schema; in?: Schema };
    if (def.innerType) current = def.innerType;
    else if (def.in) current = def.in;
    else return current;
  }
}

/** The object schema found by following `path` through objects and arrays. */
function schemaAt(root: Schema, path: readonly PropertyKey[]): Schema | undefined {
  let current: Schema | undefined = unwrap(root);
  for (const segment of path) {
    if (!current) return undefined;
    const def = current._zod.def as { type: string; shape?: Record<string, Schema>; element?: Schema };
    if (def.type === "array" && typeof segment === "number") current = def.element && unwrap(def.element);
    else if (def.type === "object" && typeof segment === "string")
      current = def.shape?.[segment] && unwrap(def.shape[segment]);
    else return undefined;
  }
  return current;
}

function allowedKeys(root: Schema, path: readonly PropertyKey[]): string[] {
  const schema = schemaAt(root, path);
  const shape = (schema?._zod.def as { shape?: Record<string, Schema> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

function closest(key: string, candidates: string[]): string | undefined {
  const ranked = candidates
    .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
    .sort((left, right) => left.distance - right.distance);
  const best = ranked[0];
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.candidate : undefined;
}

function withArticle(noun: string): string {
  return `${/^[aeiou]/.test(noun) ? "an" : "a"} ${noun}`;
}

/** "is a string", "is an array", "is null": what the value is, in words. */
function describeType(value: unknown): string {
  if (value === null) return "is null";
  if (Array.isArray(value)) return "is an array";
  if (typeof value === "number" && !Number.isInteger(value)) return "is a non-integer number";
  return `is ${withArticle(typeof value)}`;
}

/** zod's integer checks add the safe-integer bounds beside the schema's own: the tighter one is what is allowed. */
function isSafeIntegerBound(found: z.core.$ZodIssue): boolean {
  if (found.code !== "too_big" && found.code !== "too_small") return false;
  const bound = found.code === "too_big" ? found.maximum : found.minimum;
  return Math.abs(Number(bound)) === Number.MAX_SAFE_INTEGER;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const segment of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function toPath(path: readonly PropertyKey[]): (string | number)[] {
  return path.map((segment) => (typeof segment === "number" ? segment : String(segment)));
}

export function schemaIssues(root: Schema, input: unknown, issues: readonly z.core.$ZodIssue[]): TopologyIssue[] {
  const samePath = (a: z.core.$ZodIssue, b: z.core.$ZodIssue) => JSON.stringify(a.path) === JSON.stringify(b.path);
  const relevant = issues.filter(
    (found) => !isSafeIntegerBound(found) || !issues.some((other) => other !== found && samePath(other, found)),
  );
  return relevant.flatMap((found): TopologyIssue[] => {
    const path = toPath(found.path);
    const value = valueAt(input, found.path);
    switch (found.code) {
      case "unrecognized_keys": {
        const allowed = allowedKeys(root, found.path);
        return found.keys.map((key) => {
          const suggestion = closest(key, allowed);
          return {
            path: [...path, key],
            value: (value as Record<string, unknown> | undefined)?.[key],
            message:
              `is an unknown field${suggestion ? ` (did you mean "${suggestion}"?)` : ""}; ` +
              `allowed fields here: ${allowed.join(", ")}`,
          };
        });
      }
      case "invalid_type": {
        const format = (schemaAt(root, found.path)?._zod.def as { format?: string } | undefined)?.format;
        const noun = format?.includes("int") ? "integer" : found.expected;
        const got = value === undefined ? "is required" : describeType(value);
        return [{ path, value, message: `${got}; allowed: ${withArticle(noun)}` }];
      }
      case "invalid_value":
        return [
          {
            path,
            value,
            message: `is not a valid choice; allowed: ${found.values.map((choice) => JSON.stringify(choice)).join(", ")}`,
          },
        ];
      case "too_small":
      case "too_big": {
        const bound = found.code === "too_small" ? found.minimum : found.maximum;
        const word = found.code === "too_small" ? "at least" : "at most";
        const exclusiveWord = found.code === "too_small" ? "more than" : "less than";
        const limit = `${found.inclusive === false ? exclusiveWord : word} ${String(bound)}`;
        const what =
          found.origin === "array" ? `${limit} entries` : found.origin === "string" ? `${limit} characters` : limit;
        return [{ path, value, message: `is out of range; allowed: ${what}` }];
      }
      case "custom":
        return [{ path, value, message: found.message }];
      default:
        return [{ path, value, message: `${found.message}` }];
    }
  });
}
