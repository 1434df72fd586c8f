import { RESERVED_COMPONENT_NAMES } from "./names";
import type { TopologyIssue } from "./topology-errors";
import { isObject, issue, reference, str, type Loose, type Named, type NamedList } from "./validation-helpers";

/**
 * Rules about who reads what: the shared engine, dedicated engines, readers
 * and the tenants' choice to share with the shared engine. Like the other
 * relation rules they read the raw input and skip ill-typed fields.
 */

interface Context {
  readonly input: Loose;
  readonly hosts: NamedList;
  readonly tenants: NamedList;
  readonly dedicatedEngines: Named[];
  readonly readers: Named[];
}

function sharesWithSharedEngine(tenant: Named): boolean {
  return tenant.item.sharedEngine !== false;
}

/** A name of a collector, reader or dedicated engine must not give it the shared engine's or operator's subject. */
export function reservedComponentNames(components: Named[]): TopologyIssue[] {
  return components.flatMap((component) => {
    const clash = RESERVED_COMPONENT_NAMES.find((reserved) => reserved.toLowerCase() === component.name?.toLowerCase());
    return clash
      ? [
          issue(
            [...component.path, "name"],
            component.name,
            `is the certificate name of the ${clash === "tornado-engine" ? "shared engine" : "operator identity"}; ` +
              `allowed: any other name (reserved: ${RESERVED_COMPONENT_NAMES.join(", ")})`,
          ),
        ]
      : [];
  });
}

function sharedEngineRules({ input, tenants, hosts }: Context): TopologyIssue[] {
  const engine = isObject(input.engine) ? input.engine : undefined;
  // A missing or ill-typed nats is the schema's error; its fields are not asked for on top of it.
  const nats = isObject(input.nats) ? input.nats : undefined;
  const sharing = tenants.filter(sharesWithSharedEngine);
  const found: TopologyIssue[] = [];
  if (engine) {
    found.push(...reference(["engine", "host"], engine.host, "host", hosts));
    if (tenants.length > 0 && sharing.length === 0) {
      found.push(
        issue(
          ["engine"],
          engine,
          "would receive nothing: every tenant has sharedEngine: false; allowed: remove engine, or let a tenant share with it",
        ),
      );
    }
  } else if (input.engine === undefined) {
    if (sharing.length > 0) {
      found.push(
        issue(
          ["engine"],
          undefined,
          `is required: tenants ${sharing.map((tenant) => JSON.stringify(tenant.name)).join(", ")} share with the shared engine; ` +
            "allowed: an engine { host, … }, or sharedEngine: false on every tenant",
        ),
      );
    }
    if (nats && nats.host === undefined && nats.cluster === undefined) {
      found.push(
        issue(
          ["nats", "host"],
          undefined,
          "is required when there is no shared engine (it defaults to the engine's host); allowed: a declared host",
        ),
      );
    }
  }
  return found;
}

function dedicatedEngineRules({ tenants, hosts, dedicatedEngines }: Context): TopologyIssue[] {
  const firstByTenant = new Map<string, Named>();
  return dedicatedEngines.flatMap((engine) => {
    const tenant = str(engine.item.tenant);
    const found = [
      ...reference([...engine.path, "tenant"], engine.item.tenant, "tenant", tenants),
      ...reference([...engine.path, "host"], engine.item.host, "host", hosts),
    ];
    if (tenant !== undefined) {
      const first = firstByTenant.get(tenant);
      if (first) {
        found.push(
          issue(
            [...engine.path, "tenant"],
            tenant,
            `already has the dedicated engine "${first.name}"; allowed: one dedicated engine per tenant (the engine subscribes without a queue group, so two would both act on every event)`,
          ),
        );
      } else firstByTenant.set(tenant, engine);
    }
    return found;
  });
}

function tenantEngineRules({ tenants, dedicatedEngines }: Context): TopologyIssue[] {
  return tenants.flatMap((tenant) => {
    if (sharesWithSharedEngine(tenant) || tenant.item.allowNoEngine === true) return [];
    const hasOwn = dedicatedEngines.some((engine) => str(engine.item.tenant) === tenant.name);
    return hasOwn
      ? []
      : [
          issue(
            [...tenant.path, "sharedEngine"],
            false,
            "leaves the tenant's events with no engine: it opts out of the shared engine and has no dedicated engine; " +
              `allowed: a dedicatedEngines entry with tenant: ${JSON.stringify(tenant.name)}, sharedEngine: true, or allowNoEngine: true`,
          ),
        ];
  });
}

function readerRules({ tenants, hosts, readers }: Context): TopologyIssue[] {
  return readers.flatMap((reader) => {
    const found: TopologyIssue[] = [];
    const readTenants = Array.isArray(reader.item.tenants) ? reader.item.tenants : [];
    const seen = new Set<string>();
    readTenants.forEach((value: unknown, index: number) => {
      const path = [...reader.path, "tenants", index];
      found.push(...reference(path, value, "tenant", tenants));
      const tenant = str(value);
      if (tenant === undefined) return;
      if (seen.has(tenant)) found.push(issue(path, tenant, "is listed twice; allowed: each tenant once"));
      seen.add(tenant);
      const declared = tenants.find((candidate) => candidate.name === tenant);
      if (readTenants.length > 1 && declared && !sharesWithSharedEngine(declared)) {
        found.push(
          issue(
            path,
            tenant,
            "opted out of the shared engine, and a reader of several tenants reads through the shared engine's ENGINE account; " +
              "allowed: a separate reader of this tenant alone (it lives in the tenant's own account)",
          ),
        );
      }
    });
    if (reader.item.host !== undefined) {
      found.push(...reference([...reader.path, "host"], reader.item.host, "host", hosts));
      if (reader.item.image === undefined) {
        found.push(
          issue(
            [...reader.path, "image"],
            undefined,
            "is required to deploy a reader (host is set); allowed: your reader's image, or no host for an identity only",
          ),
        );
      }
    } else {
      for (const field of ["image", "command"]) {
        if (reader.item[field] !== undefined) {
          found.push(
            issue(
              [...reader.path, field],
              reader.item[field],
              "needs host: an identity-only reader runs nowhere; allowed: set host, or remove it",
            ),
          );
        }
      }
    }
    return found;
  });
}

export function engineAndReaderRules(context: Context): TopologyIssue[] {
  return [
    ...sharedEngineRules(context),
    ...dedicatedEngineRules(context),
    ...tenantEngineRules(context),
    ...readerRules(context),
  ];
}
