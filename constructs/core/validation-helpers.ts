import { nameProblem } from "./names";
import { formatPath, type TopologyIssue } from "./topology-errors";

/**
 * Small readers for raw, possibly ill-typed topology input, and the issue
 * builders the relation rules share. A field of the wrong type reads as
 * absent here: the schema reports it.
 */

export type Path = (string | number)[];

export type Loose = Record<string, unknown>;

export interface Named {
  readonly path: Path;
  readonly item: Loose;
  readonly name?: string;
}

export function isObject(value: unknown): value is Loose {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function int(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) ? value : undefined;
}

/** Named items of a list; `unreadable` when the field is there but not a list (the schema reports that). */
export type NamedList = Named[] & { readonly unreadable?: boolean };

export function itemsOf(root: Loose, key: string): NamedList {
  const list = root[key];
  if (!Array.isArray(list)) return Object.assign([], { unreadable: list !== undefined });
  return list.flatMap((item, index) => (isObject(item) ? [{ path: [key, index], item, name: str(item.name) }] : []));
}

export function issue(path: Path, value: unknown, message: string): TopologyIssue {
  return { path, value, message };
}

/** Names must be unique ignoring case: `Acme` and `acme` read as one tenant to a person. */
export function duplicateNames(kind: string, items: Named[]): TopologyIssue[] {
  const firstByKey = new Map<string, Named>();
  const issues: TopologyIssue[] = [];
  for (const entry of items) {
    if (entry.name === undefined) continue;
    const key = entry.name.toLowerCase();
    const first = firstByKey.get(key);
    if (first === undefined) {
      firstByKey.set(key, entry);
      continue;
    }
    const sameSpelling = first.name === entry.name;
    issues.push(
      issue(
        [...entry.path, "name"],
        entry.name,
        `${sameSpelling ? "duplicates" : "differs only in case from"} the ${kind} name "${first.name}" at ` +
          `${formatPath(first.path)}; allowed: ${kind} names unique ignoring case`,
      ),
    );
  }
  return issues;
}

export function reference(path: Path, value: unknown, kind: string, declared: NamedList): TopologyIssue[] {
  const target = str(value);
  // Against a list that is not a list, every reference would fail: the one error is the list's own.
  if (target === undefined || declared.unreadable) return [];
  if (declared.some((entry) => entry.name === target)) return [];
  // A declared name that is itself invalid is reported where it is declared, never offered here.
  const names = declared.flatMap((entry) =>
    entry.name === undefined || nameProblem(entry.name) ? [] : [JSON.stringify(entry.name)],
  );
  const caseOnly = declared.find((entry) => entry.name?.toLowerCase() === target.toLowerCase());
  const hint = caseOnly ? ` (names are case-sensitive: did you mean "${caseOnly.name}"?)` : "";
  return [
    issue(
      path,
      value,
      `is not a declared ${kind}${hint}; allowed: ${names.length > 0 ? names.join(", ") : `(no ${kind}s declared)`}`,
    ),
  ];
}
