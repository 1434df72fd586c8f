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

/** A PEM private key of any kind (PKCS#8, SEC1, PKCS#1, OpenSSH, encrypted). */
const PRIVATE_KEY_MARKER = /PRIVATE KEY-----/;

/** Shown instead of a value that holds key material: an error message must never carry a key. */
export const PRIVATE_KEY_PLACEHOLDER = "(a private key, not shown)";

/** Whether `text` holds a PEM private key, or part of one. */
export function containsPrivateKey(text: string): boolean {
  return PRIVATE_KEY_MARKER.test(text);
}

/** A PEM private key inside a message, raw or JSON-escaped, from its BEGIN line to its END line or where the base64 stops. */
const PRIVATE_KEY_BLOCK =
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:[A-Za-z0-9+/=:,\s-]|\\[nr])*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|(?=[^A-Za-z0-9+/=:,\s\\-]|$))/g;

/** `text` with every private key in it replaced by the placeholder. */
export function withoutPrivateKeys(text: string): string {
  return text.replace(PRIVATE_KEY_BLOCK, PRIVATE_KEY_PLACEHOLDER);
}

/** A short, unambiguous rendering of a bad value: JSON, cut to one line. */
export function formatValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  if (value === PRIVATE_KEY_PLACEHOLDER) return value;
  // JSON would print Infinity and NaN (YAML's .inf and .nan) as null.
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  if (containsPrivateKey(text)) return PRIVATE_KEY_PLACEHOLDER;
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}

export function formatIssue(issue: TopologyIssue): string {
  // A message may quote other values of the topology (declared names, say): none may carry a key either.
  return `${formatPath(issue.path)}: ${formatValue(issue.value)} ${withoutPrivateKeys(issue.message)}`;
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
