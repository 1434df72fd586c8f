/**
 * NATS subject syntax, for the subjects a topology lets users name (the
 * nats_json collector's topics). Tokens are separated by '.', '*' matches one
 * whole token and '>' the rest, and must stand alone.
 */

/** What collectors publish, in their tenant's account. */
export const COLLECTOR_SUBJECT = "tornado.events";
/** What the engine subscribes to: every tenant's stream, prefixed with the tenant name on import. */
export const ENGINE_SUBJECT = `*.${COLLECTOR_SUBJECT}`;

export const SUBJECT_RULE =
  "dot-separated tokens of letters, digits, '_' or '-', where '*' may stand for one whole token and '>' for the last ones " +
  "(no '$' or '_INBOX' prefix, no whitespace)";

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Why `value` is not a subscription subject a collector may be given, or undefined. */
export function subscriptionSubjectProblem(value: string): string | undefined {
  const tokens = value.split(".");
  const wellFormed = tokens.every(
    (token, index) => TOKEN.test(token) || token === "*" || (token === ">" && index === tokens.length - 1),
  );
  if (value.length === 0 || value.length > 255 || !wellFormed) {
    return `is not a valid subject; allowed: ${SUBJECT_RULE}`;
  }
  if (value.startsWith("_INBOX")) return `is a reply subject namespace; allowed: ${SUBJECT_RULE}`;
  return undefined;
}

/** Whether the subscription `pattern` receives messages published on the literal `subject`. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const wanted = pattern.split(".");
  const given = subject.split(".");
  for (let index = 0; index < wanted.length; index += 1) {
    if (wanted[index] === ">") return given.length > index;
    if (index >= given.length) return false;
    if (wanted[index] !== "*" && wanted[index] !== given[index]) return false;
  }
  return wanted.length === given.length;
}
