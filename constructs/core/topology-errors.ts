/**
 * One problem found in a topology: where it is, what was there, and what would
 * be allowed instead. `message` always carries the "allowed" part.
 */
export interface TopologyIssue {
  /** Field path from the topology root, e.g. ["collectors", 2, "tenant"]. */
  readonly path: readonly (string | number)[];
  /** The offending value as given; undefined when the field is missing. */
  readonly value: unknown;
  readonly message: string;
}

/** `collectors[2].tenant`; the root itself prints as `(topology)`. */
export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return "(topology)";
  return path
    .map((segment, index) => {
      if (typeof segment === "number") return `[${segment}]`;
      return index === 0 ? segment : `.${segment}`;
    })
    .join("");
}

const MAX_VALUE_LENGTH = 80;

/** A short, unambiguous rendering of a bad value: JSON, cut to one line. */
export function formatValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}

export function formatIssue(issue: TopologyIssue): string {
  return `${formatPath(issue.path)}: ${formatValue(issue.value)} ${issue.message}`;
}

/**
 * Thrown before any construct is created when a topology is invalid. It holds
 * every issue found, so a user fixes them all in one round.
 */
export class TopologyValidationError extends Error {
  constructor(
    /** Every problem found, in the order they were found. */
    readonly issues: readonly TopologyIssue[],
    /** Names the input in the message, e.g. the topology file's path. */
    readonly source: string = "topology",
  ) {
    super(
      `Invalid topology (${source}): ${issues.length} error${issues.length === 1 ? "" : "s"}\n` +
        issues.map((issue) => `  - ${formatIssue(issue)}`).join("\n"),
    );
    this.name = "TopologyValidationError";
  }
}
