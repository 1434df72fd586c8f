import { COLLECTOR_SUBJECT, ENGINE_SUBJECT } from "./subjects";
import type { EngineSpec, Topology } from "./topology";

/**
 * Where a tenant's events live. Collectors always publish `tornado.events` in
 * their tenant's account. The shared engine sees them as
 * `<tenant>.tornado.events` through ENGINE's prefixed import. A tenant with a
 * dedicated engine maps `tornado.events` to `<tenant>.tornado.events` inside
 * its own account, so that engine, in that account, gets the same subject
 * shape and the same FromSubject extractor yields the tenant.
 */

/** The subject carrying `tenant`'s events once they reach an engine. */
export function engineSideSubject(tenant: string): string {
  return `${tenant}.${COLLECTOR_SUBJECT}`;
}

export function dedicatedEngineOf(topology: Topology, tenant: string): EngineSpec | undefined {
  return topology.dedicatedEngines.find((engine) => engine.tenant === tenant);
}

/** The subject `tenant`'s events carry inside its own account (after its mapping, if any). */
export function tenantStreamSubject(topology: Topology, tenant: string): string {
  return dedicatedEngineOf(topology, tenant) ? engineSideSubject(tenant) : COLLECTOR_SUBJECT;
}

/** What an engine subscribes to: every shared tenant's stream, or its own tenant's exactly. */
export function engineSubscription(engine: EngineSpec): string {
  return engine.tenant === undefined ? ENGINE_SUBJECT : engineSideSubject(engine.tenant);
}

/** Tenants whose events the shared engine receives. */
export function sharedTenants(topology: Topology): string[] {
  return topology.tenants.filter((tenant) => tenant.sharedEngine).map((tenant) => tenant.name);
}

/** The subjects a reader subscribes to, in the account its identity lives in. */
export function readerSubjects(topology: Topology, tenants: readonly string[]): string[] {
  return tenants.length === 1 ? [tenantStreamSubject(topology, tenants[0])] : tenants.map(engineSideSubject);
}
