import { parseDockerHostUrl } from "./docker-host-url";
import { nameProblem, reservedAccountProblem } from "./names";
import { COLLECTOR_SUBJECT, subjectMatches, subscriptionSubjectProblem } from "./subjects";
import {
  CANARY_COLLECTOR_KINDS,
  COLLECTOR_KINDS,
  COLLECTOR_PORT_DEFAULTS,
  LOCAL_DOCKER_URL,
  type CollectorKind,
} from "./topology-schema";
import { formatPath, type TopologyIssue } from "./topology-errors";
import { engineAndReaderRules, reservedComponentNames } from "./validate-engines-readers";
import { externalPkiRules } from "./external-pki";
import { natsShapeRules } from "./validate-nats-shape";
import {
  duplicateNames,
  int,
  isObject,
  issue,
  itemsOf,
  reference,
  str,
  type Loose,
  type Named,
  type Path,
} from "./validation-helpers";

/**
 * Rules that relate fields to each other: references, duplicates, port
 * collisions, combinations. They read the raw input defensively (a field of
 * the wrong type is simply skipped, the schema reports it), so they can run
 * even when the schema found errors and the user sees every problem at once.
 */

const TLS_MATERIAL_FIELDS = ["caFile", "certFile", "keyFile"] as const;

function hostRules(hosts: Named[]): TopologyIssue[] {
  return hosts.flatMap(({ path, item }) => {
    const url = item.url === undefined ? LOCAL_DOCKER_URL : str(item.url);
    if (url === undefined) return [];
    const parsed = parseDockerHostUrl(url);
    if (!parsed.ok) return [issue([...path, "url"], url, parsed.problem)];
    const found: TopologyIssue[] = [];
    const materialFields = TLS_MATERIAL_FIELDS.filter((field) => item[field] !== undefined);
    if (parsed.kind === "tcp") {
      if (item.certPath === undefined && materialFields.length === 0) {
        found.push(
          issue(
            [...path, "certPath"],
            undefined,
            "is required for a tcp:// host: the Docker API must not be reached without TLS; " +
              "allowed: a directory holding ca.pem, cert.pem and key.pem, or caFile + certFile + keyFile",
          ),
        );
      } else if (item.certPath !== undefined && materialFields.length > 0) {
        found.push(
          issue(
            [...path, materialFields[0]],
            item[materialFields[0]],
            "conflicts with certPath; allowed: certPath, or caFile + certFile + keyFile",
          ),
        );
      } else if (materialFields.length > 0 && materialFields.length < TLS_MATERIAL_FIELDS.length) {
        const missing = TLS_MATERIAL_FIELDS.find((field) => item[field] === undefined) as string;
        found.push(
          issue(
            [...path, missing],
            undefined,
            "is required with the other TLS files; allowed: caFile + certFile + keyFile together",
          ),
        );
      }
    } else {
      for (const field of ["certPath", ...materialFields]) {
        if (item[field] === undefined) continue;
        found.push(issue([...path, field], item[field], `applies only to tcp:// hosts; allowed: remove it for ${url}`));
      }
    }
    if (parsed.kind !== "ssh" && item.sshOpts !== undefined) {
      found.push(
        issue([...path, "sshOpts"], item.sshOpts, `applies only to ssh:// hosts; allowed: remove it for ${url}`),
      );
    }
    return found;
  });
}

interface PublishedPort {
  readonly host: string;
  readonly ip: string;
  readonly port: number;
  readonly protocol: "tcp" | "udp";
  readonly path: Path;
}

const WILDCARD_IPS = new Set(["0.0.0.0", "::"]);

/** Two published ports collide on one host when the port matches and one address covers the other. */
function portCollisions(ports: PublishedPort[]): TopologyIssue[] {
  const issues: TopologyIssue[] = [];
  ports.forEach((candidate, index) => {
    const earlier = ports
      .slice(0, index)
      .find(
        (other) =>
          other.host === candidate.host &&
          other.port === candidate.port &&
          other.protocol === candidate.protocol &&
          (other.ip === candidate.ip || WILDCARD_IPS.has(other.ip) || WILDCARD_IPS.has(candidate.ip)),
      );
    if (earlier) {
      issues.push(
        issue(
          candidate.path,
          candidate.port,
          `is already published on host "${candidate.host}" by ${formatPath(earlier.path)}; ` +
            "allowed: a port not yet used on that host",
        ),
      );
    }
  });
  return issues;
}

function publishedPorts(root: Loose, collectors: Named[], dedicatedEngines: Named[]): PublishedPort[] {
  const nats = isObject(root.nats) ? root.nats : {};
  const engine = isObject(root.engine) ? root.engine : {};
  const ports: PublishedPort[] = [];
  const tcp = (host: string, port: number, path: Path, ip = "0.0.0.0") =>
    ports.push({ host, ip, port, protocol: "tcp", path });
  const monitoring = isObject(nats.monitoring) ? nats.monitoring : {};
  const monitoringPort = int(monitoring.hostPort);
  const satellites = itemsOf(root, "satellites");
  const leafnodePort = int(nats.leafnodePort) ?? 7422;
  const natsServer = (host: string, path: Path | undefined, node: Loose) => {
    // A cluster node's port is reported at the node (set there to move it); a single server's at the shared field.
    const own = (field: string, shared: Path, fallback: number): [number, Path] => [
      int(node[field]) ?? fallback,
      path === undefined ? shared : [...path, field],
    ];
    tcp(host, ...own("clientPort", ["nats", "clientPort"], int(nats.clientPort) ?? 4222));
    if (isObject(nats.cluster)) {
      tcp(host, ...own("clusterPort", ["nats", "cluster", "port"], int(nats.cluster.port) ?? 6222));
    }
    if (satellites.length > 0) tcp(host, ...own("leafnodePort", ["nats", "leafnodePort"], leafnodePort));
    if (monitoringPort !== undefined) {
      tcp(host, monitoringPort, ["nats", "monitoring", "hostPort"], str(monitoring.hostIp) ?? "127.0.0.1");
    }
  };
  if (isObject(nats.cluster)) {
    for (const node of itemsOf(nats.cluster, "nodes")) {
      const host = str(node.item.host);
      if (host !== undefined) natsServer(host, ["nats", "cluster", ...node.path], node.item);
    }
  } else {
    const natsHost = str(nats.host) ?? str(engine.host);
    if (natsHost !== undefined) natsServer(natsHost, undefined, {});
  }
  for (const { path, item } of satellites) {
    const host = str(item.host);
    if (host !== undefined) tcp(host, int(item.clientPort) ?? 4222, [...path, "clientPort"]);
  }
  const engines: { item: Loose; path: Path }[] = [
    ...(isObject(root.engine) ? [{ item: root.engine, path: ["engine"] as Path }] : []),
    ...dedicatedEngines,
  ];
  for (const { item, path } of engines) {
    const engineHost = str(item.host);
    if (engineHost === undefined) continue;
    ports.push({
      host: engineHost,
      ip: str(item.apiHostIp) ?? "127.0.0.1",
      port: int(item.apiPort) ?? 4748,
      protocol: "tcp",
      path: [...path, "apiPort"],
    });
  }
  for (const { path, item } of collectors) {
    const host = str(item.host);
    const kind = str(item.kind);
    const defaults = kind === undefined ? undefined : COLLECTOR_PORT_DEFAULTS[kind as CollectorKind];
    if (host === undefined || defaults === undefined) continue;
    ports.push({
      host,
      ip: str(item.portHostIp) ?? "0.0.0.0",
      port: int(item.port) ?? defaults.port,
      protocol: defaults.protocol,
      path: [...path, "port"],
    });
  }
  return ports;
}

/** Fields that belong to one collector kind, and whether that kind requires them. */
const KIND_FIELDS: { field: string; kinds: string[]; required: boolean; what: string }[] = [
  { field: "webhooks", kinds: ["webhook"], required: false, what: "the webhooks a webhook collector accepts" },
  { field: "topics", kinds: ["nats_json"], required: true, what: "the subjects a nats_json collector subscribes to" },
  { field: "icinga2", kinds: ["icinga2"], required: true, what: "{ apiUrl, username, passwordVariable }" },
  { field: "port", kinds: ["webhook", "snmptrapd"], required: false, what: "a published port" },
];

function collectorRules(collectors: Named[]): TopologyIssue[] {
  return collectors.flatMap(({ path, item }) => {
    const kind = str(item.kind);
    // An unknown kind is the schema's error; nothing here would add to it.
    if (kind === undefined || !(COLLECTOR_KINDS as readonly string[]).includes(kind)) return [];
    const found: TopologyIssue[] = [];
    for (const rule of KIND_FIELDS) {
      const applies = rule.kinds.includes(kind);
      if (!applies && item[rule.field] !== undefined) {
        found.push(
          issue(
            [...path, rule.field],
            item[rule.field],
            `applies only to ${rule.kinds.join(" and ")} collectors (this one is ${kind}); allowed: remove it`,
          ),
        );
      } else if (applies && rule.required && item[rule.field] === undefined) {
        found.push(
          issue([...path, rule.field], undefined, `is required for collectors of kind ${kind}; allowed: ${rule.what}`),
        );
      }
    }
    if (!(CANARY_COLLECTOR_KINDS as readonly string[]).includes(kind) && item.image === undefined) {
      found.push(
        issue(
          [...path, "image"],
          undefined,
          `is required for collectors of kind ${kind}: Tornado publishes no images and this package has canaries only for ` +
            `${CANARY_COLLECTOR_KINDS.join(" and ")}; allowed: your ${kind} collector image, e.g. "registry.example.com/tornado/${kind}_collector:1.2"`,
        ),
      );
    }
    if (Array.isArray(item.webhooks)) {
      const ids = new Map<string, number>();
      item.webhooks.forEach((webhook: unknown, index: number) => {
        const id = isObject(webhook) ? str(webhook.id) : undefined;
        if (id === undefined) return;
        const first = ids.get(id.toLowerCase());
        if (first === undefined) ids.set(id.toLowerCase(), index);
        else
          found.push(
            issue(
              [...path, "webhooks", index, "id"],
              id,
              `duplicates webhooks[${first}].id; allowed: webhook ids unique within a collector (ignoring case)`,
            ),
          );
      });
    }
    if (Array.isArray(item.topics)) {
      const tenant = str(item.tenant);
      item.topics.forEach((topic: unknown, topicIndex: number) => {
        const subjects = isObject(topic) && Array.isArray(topic.subjects) ? topic.subjects : [];
        subjects.forEach((subject: unknown, subjectIndex: number) => {
          if (typeof subject !== "string") return;
          const subjectPath = [...path, "topics", topicIndex, "subjects", subjectIndex];
          const problem = subscriptionSubjectProblem(subject);
          // In the account of a tenant with a dedicated engine the stream is mapped to <tenant>.tornado.events.
          const streams = [COLLECTOR_SUBJECT, ...(tenant === undefined ? [] : [`${tenant}.${COLLECTOR_SUBJECT}`])];
          const stream = streams.find((candidate) => subjectMatches(subject, candidate));
          if (problem) found.push(issue(subjectPath, subject, problem));
          else if (stream !== undefined) {
            found.push(
              issue(
                subjectPath,
                subject,
                `matches ${stream}: the collector would read its own tenant's events and publish them again; ` +
                  `allowed: a subject that matches none of ${streams.join(", ")}`,
              ),
            );
          }
        });
      });
    }
    return found;
  });
}

function pkiRules(root: Loose): TopologyIssue[] {
  if (!isObject(root.pki)) return [];
  const pki = root.pki;
  const algorithm = str(pki.keyAlgorithm) ?? "ECDSA";
  const issues: TopologyIssue[] = [];
  if (pki.ecdsaCurve !== undefined && algorithm !== "ECDSA") {
    issues.push(
      issue(
        ["pki", "ecdsaCurve"],
        pki.ecdsaCurve,
        `applies only when keyAlgorithm is ECDSA (it is ${algorithm}); allowed: remove it`,
      ),
    );
  }
  if (pki.rsaBits !== undefined && algorithm !== "RSA") {
    issues.push(
      issue(
        ["pki", "rsaBits"],
        pki.rsaBits,
        `applies only when keyAlgorithm is RSA (it is ${algorithm}); allowed: remove it`,
      ),
    );
  }
  const rsaBits = int(pki.rsaBits);
  if (algorithm === "RSA" && rsaBits !== undefined && ![2048, 3072, 4096, 8192].includes(rsaBits)) {
    issues.push(
      issue(
        ["pki", "rsaBits"],
        rsaBits,
        rsaBits < 2048
          ? "is too weak for an RSA key; allowed: 2048, 3072, 4096 or 8192"
          : "is not a supported RSA key size; allowed: 2048, 3072, 4096 or 8192",
      ),
    );
  }
  // A negative or zero figure is the schema's error; comparing it with the others would only repeat it.
  const hours = (value: unknown, fallback: number) => (value === undefined ? fallback : int(value));
  const validity = hours(pki.validityHours, 8760);
  const caValidity = hours(pki.caValidityHours, 87600);
  const earlyRenewal = hours(pki.earlyRenewalHours, 720);
  if (validity === undefined || caValidity === undefined || earlyRenewal === undefined) return issues;
  if (validity <= 0 || caValidity <= 0 || earlyRenewal < 0) return issues;
  if (validity <= earlyRenewal) {
    issues.push(
      issue(
        ["pki", "validityHours"],
        validity,
        `is not longer than earlyRenewalHours (${earlyRenewal}): every apply would re-issue every certificate; ` +
          `allowed: more than ${earlyRenewal}`,
      ),
    );
  }
  if (caValidity < validity) {
    issues.push(
      issue(
        ["pki", "caValidityHours"],
        caValidity,
        `is shorter than validityHours (${validity}): certificates would outlive their CA; allowed: at least ${validity}`,
      ),
    );
  } else if (caValidity <= earlyRenewal) {
    issues.push(
      issue(
        ["pki", "caValidityHours"],
        caValidity,
        `is not longer than earlyRenewalHours (${earlyRenewal}); allowed: more than ${earlyRenewal}`,
      ),
    );
  }
  return issues;
}

function dnsNameDuplicates(root: Loose): TopologyIssue[] {
  const nats = isObject(root.nats) ? root.nats : {};
  if (!Array.isArray(nats.dnsNames)) return [];
  const seen = new Set<string>();
  return nats.dnsNames.flatMap((value: unknown, index: number) => {
    const dnsName = str(value)?.toLowerCase();
    if (dnsName === undefined) return [];
    if (!seen.has(dnsName)) {
      seen.add(dnsName);
      return [];
    }
    return [
      issue(["nats", "dnsNames", index], value, "is listed twice (DNS names ignore case); allowed: each name once"),
    ];
  });
}

/** Every cross-field problem of a raw topology input; empty when there is none. */
export function validateTopologyRelations(input: unknown): TopologyIssue[] {
  if (!isObject(input)) return [];
  const hosts = itemsOf(input, "hosts");
  const tenants = itemsOf(input, "tenants");
  const collectors = itemsOf(input, "collectors");
  const readers = itemsOf(input, "readers");
  const dedicatedEngines = itemsOf(input, "dedicatedEngines");
  // Collectors, readers, dedicated engines and satellites share one name space: each name is the CN of a
  // client certificate (a satellite's leaf identity is CN=<satellite>,OU=<tenant>, like a collector's).
  const components = [...collectors, ...readers, ...dedicatedEngines, ...itemsOf(input, "satellites")];
  const nats = isObject(input.nats) ? input.nats : undefined;

  const tenantNameIssues = [
    ...duplicateNames("tenant", tenants),
    ...tenants.flatMap((tenant) => {
      const problem = tenant.name === undefined ? undefined : reservedAccountProblem(tenant.name);
      return problem ? [issue([...tenant.path, "name"], tenant.name, problem)] : [];
    }),
  ];
  // A tenant whose name is already wrong would only repeat itself as "has no collector", and while a collector
  // names no declared tenant (a typo, a missing field), it may be the one meant for a tenant that seems to lack one.
  const everyCollectorPlaced = collectors.every((collector) =>
    tenants.some((tenant) => tenant.name === str(collector.item.tenant)),
  );
  const tenantsWithoutCollectors = tenants.filter(
    (tenant) =>
      everyCollectorPlaced &&
      tenant.name !== undefined &&
      nameProblem(tenant.name) === undefined &&
      !tenantNameIssues.some((found) => found.path[1] === tenant.path[1]) &&
      !collectors.some((collector) => str(collector.item.tenant) === tenant.name),
  );

  return [
    ...duplicateNames("host", hosts),
    ...tenantNameIssues,
    ...duplicateNames("component", components),
    ...reservedComponentNames(components),
    ...hostRules(hosts),
    ...engineAndReaderRules({ input, hosts, tenants, dedicatedEngines, readers }),
    ...(nats && nats.host !== undefined && nats.cluster === undefined
      ? reference(["nats", "host"], nats.host, "host", hosts)
      : []),
    ...collectors.flatMap((collector) => [
      ...reference([...collector.path, "tenant"], collector.item.tenant, "tenant", tenants),
      ...reference([...collector.path, "host"], collector.item.host, "host", hosts),
    ]),
    ...tenantsWithoutCollectors.map((tenant) =>
      issue(
        tenant.path,
        tenant.item,
        `has no collector, so nothing can publish into its account; allowed: add a collector with tenant: ${JSON.stringify(tenant.name)}, or remove the tenant`,
      ),
    ),
    ...collectorRules(collectors),
    ...portCollisions(publishedPorts(input, collectors, dedicatedEngines)),
    ...dnsNameDuplicates(input),
    ...natsShapeRules(input, hosts, tenants, collectors),
    ...externalPkiRules(input),
    ...pkiRules(input),
  ];
}
