import { clientIdentities, type ClientIdentity } from "./identities";
import { permissionsFor, type NatsSubjectPermission } from "./nats-config";
import type { Topology } from "./topology";

/**
 * "Who reads what", derived from the same identities and permissions the
 * NATS config is rendered from, so the table in the README cannot disagree
 * with what the server enforces.
 */

export interface AccessRow {
  readonly identity: string;
  readonly role: string;
  readonly account: string;
  readonly reads: readonly string[];
  /** Subjects it may publish; empty: nothing. Undefined: unrestricted in its (system) account. */
  readonly publish?: readonly string[];
  readonly subscribe?: readonly string[];
}

function allowed(permission: NatsSubjectPermission): readonly string[] {
  return permission.allow ?? [];
}

function rowOf(identity: ClientIdentity, topology: Topology): AccessRow {
  const permissions = permissionsFor(identity, topology);
  return {
    identity: identity.id,
    role: identity.role === "engine" && identity.tenant !== undefined ? "dedicated engine" : identity.role,
    account: identity.account,
    reads: identity.reads,
    ...(permissions ? { publish: allowed(permissions.publish), subscribe: allowed(permissions.subscribe) } : {}),
  };
}

function subjects(list: readonly string[] | undefined): string {
  if (list === undefined) return "its account's system subjects";
  return list.length === 0 ? "nothing" : list.map((subject) => `\`${subject}\``).join(", ");
}

export function whoReadsWhat(topology: Topology): AccessRow[] {
  return clientIdentities(topology).map((identity) => rowOf(identity, topology));
}

/** Markdown: which identities read each tenant, then every identity's permissions. */
export function whoReadsWhatMarkdown(topology: Topology): string {
  const rows = whoReadsWhat(topology);
  const code = (text: string) => `\`${text}\``;
  const byTenant = topology.tenants.map((tenant) => {
    const readers = rows.filter((row) => row.reads.includes(tenant.name)).map((row) => code(row.identity));
    const publishers = rows
      .filter((row) => row.role === "collector" && row.account === tenant.name)
      .map((row) => code(row.identity));
    return `| ${code(tenant.name)} | ${tenant.sharedEngine ? "yes" : "no"} | ${publishers.join(", ") || "—"} | ${readers.join(", ") || "nobody"} |`;
  });
  const permissions = rows.map(
    (row) =>
      `| ${code(row.identity)} | ${row.role} | ${code(row.account)} | ${subjects(row.publish)} | ${subjects(row.subscribe)} |`,
  );
  return [
    "| Tenant | Shared engine | Publishes (collectors) | Reads its events |",
    "| --- | --- | --- | --- |",
    ...byTenant,
    "",
    "| Identity | Role | NATS account | May publish ¹ | May subscribe |",
    "| --- | --- | --- | --- | --- |",
    ...permissions,
    "",
    "¹ Collectors always publish `tornado.events`; in a tenant with a dedicated engine the account maps it to " +
      "`<tenant>.tornado.events` before permissions are checked, so that is the subject they are allowed.",
    "",
  ].join("\n");
}
