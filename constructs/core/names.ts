/**
 * Rules for the names a topology gives to tenants, hosts and components.
 *
 * One name ends up in many places: a NATS account name, the first token of a
 * subject (`<tenant>.tornado.events`), a certificate subject DN, a Docker
 * container name and a Terraform provider alias. The pattern is the
 * intersection of what all of them accept without escaping, so no name can
 * change the meaning of a subject (`.`, `*`, `>`), a DN (`,`, `=`, `+`) or a
 * NATS config (`$` marks variables and the internal `$G`/`$SYS` accounts).
 */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** A DNS label is at most 63 octets; container names and SANs derive from names. */
export const NAME_MAX_LENGTH = 63;

export const NAME_RULE =
  "a letter followed by ASCII letters, digits, '_' or '-' (no '.', '*', '>', '$', whitespace or non-ASCII), " +
  `at most ${NAME_MAX_LENGTH} characters`;

/**
 * Account names nats-server or this package use for themselves. Compared
 * case-insensitively: `Engine` next to `ENGINE` would read as the same account
 * to a human even though NATS would keep them apart.
 */
/** OU of every NATS server certificate (master nodes and satellites). */
export const NATS_SERVER_UNIT = "nats-server";

// "nats-server" is the OU of every NATS server certificate: a tenant of that name would give its
// clients the subjects of the servers' certificates (which cluster routes present as clients).
export const RESERVED_ACCOUNT_NAMES: readonly string[] = [
  "ENGINE",
  "SYS",
  "SYSTEM",
  "$G",
  "$SYS",
  "GLOBAL",
  NATS_SERVER_UNIT,
];

/** The account the shared Tornado engine lives in. */
export const ENGINE_ACCOUNT = "ENGINE";
/** The NATS system account, used by the operator identity. */
export const SYSTEM_ACCOUNT = "SYS";

/** The CN of the shared engine's client certificate. */
export const ENGINE_COMMON_NAME = "tornado-engine";
/** The CN of the operator's system-account certificate. */
export const SYSTEM_COMMON_NAME = "nats-system";
/** Component names that would give a component the certificate subject of the shared engine or the operator. */
export const RESERVED_COMPONENT_NAMES: readonly string[] = [ENGINE_COMMON_NAME, SYSTEM_COMMON_NAME];

/** Returns why `value` is not a valid name, or undefined when it is. */
export function nameProblem(value: string): string | undefined {
  if (value.length === 0) return `must not be empty; allowed: ${NAME_RULE}`;
  if (value.length > NAME_MAX_LENGTH) return `is ${value.length} characters long; allowed: ${NAME_RULE}`;
  if (!NAME_PATTERN.test(value)) return `contains a character that is not allowed; allowed: ${NAME_RULE}`;
  return undefined;
}

/** Returns why `value` may not be a tenant (account) name, or undefined. */
export function reservedAccountProblem(value: string): string | undefined {
  const clash = RESERVED_ACCOUNT_NAMES.find((reserved) => reserved.toUpperCase() === value.toUpperCase());
  return clash === undefined
    ? undefined
    : `collides with the reserved account name "${clash}"; allowed: any other name ` +
        `(reserved, in any case: ${RESERVED_ACCOUNT_NAMES.join(", ")})`;
}

/**
 * Organization names go into every certificate subject as `O=<organization>`
 * and into the NATS user string that must match it byte for byte. Allowing
 * spaces and dots keeps real company names possible while leaving out every
 * character RFC 4514 would escape (so the DN string needs no escaping).
 */
export const ORGANIZATION_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9])?$/;
export const ORGANIZATION_RULE =
  "1 to 64 ASCII letters, digits, spaces, '.', '_' or '-', starting and ending with a letter or digit";

/** The server name of a single, unclustered NATS server unless the topology names it. */
export const DEFAULT_NATS_SERVER_NAME = "tornado-nats";
