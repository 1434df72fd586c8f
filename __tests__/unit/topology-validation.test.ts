import { resolveTopology } from "../../constructs/core/topology";
import { formatIssue, formatPath, TopologyValidationError } from "../../constructs/core/topology-errors";
import { DEFAULT_TOPOLOGY } from "../../constructs/core/default-topology";
import { clusterAndSatellite, clusterWithChange, threeTenants, withChange } from "../helpers/topologies";
import { keyMaterialOf, throwawayKeyPem } from "../helpers/throwaway-key";

/** The issues resolveTopology reports for `input`, formatted one per line. */
function problems(input: unknown): string[] {
  try {
    resolveTopology(input);
  } catch (error) {
    if (error instanceof TopologyValidationError) return error.issues.map(formatIssue);
    throw error;
  }
  return [];
}

describe("resolveTopology", () => {
  test("GIVEN the embedded default THEN it is valid and every default is applied", () => {
    const topology = resolveTopology(DEFAULT_TOPOLOGY);
    expect(topology.tenants.map((tenant) => tenant.name)).toEqual(["master", "acme"]);
    expect(topology.hosts.map((host) => [host.name, host.kind])).toEqual([
      ["master", "local"],
      ["remote", "ssh"],
    ]);
    expect(topology.collectors.some((collector) => collector.host === "remote")).toBe(true);
    expect(topology.nats).toMatchObject({ image: "nats:2.15.3-alpine", cluster: undefined });
    expect(topology.nats.nodes).toEqual([
      expect.objectContaining({ name: "tornado-nats", host: "master", clientPort: 4222, leafnodePort: 7422 }),
    ]);
    expect(topology.satellites).toEqual([]);
    expect(topology.pki).toEqual({
      key: { algorithm: "ECDSA", ecdsaCurve: "P256" },
      validityHours: 8760,
      caValidityHours: 87600,
      earlyRenewalHours: 720,
    });
  });

  test("GIVEN a topology with every host kind and collector kind THEN it is valid", () => {
    expect(problems(threeTenants())).toEqual([]);
  });

  test("GIVEN RSA 4096 and ED25519 THEN the key spec follows the algorithm", () => {
    const rsa = resolveTopology(withChange((t) => (t.pki = { keyAlgorithm: "RSA", rsaBits: 4096 })));
    expect(rsa.pki.key).toEqual({ algorithm: "RSA", rsaBits: 4096 });
    const ed = resolveTopology(withChange((t) => (t.pki = { keyAlgorithm: "ED25519" })));
    expect(ed.pki.key).toEqual({ algorithm: "ED25519" });
  });

  test("GIVEN an IPv6 loopback monitoring address THEN it is accepted", () => {
    const topology = resolveTopology(withChange((t) => (t.nats.monitoring = { hostPort: 8222, hostIp: "::1" })));
    expect(topology.nats.monitoring).toEqual({ port: 8222, hostPort: 8222, hostIp: "::1" });
  });
});

/**
 * Each rule: the change that breaks it, the field path the error must name,
 * and a piece of the message that says what is allowed.
 */
const RULES: [string, (t: Record<string, any>) => void, string, string, string][] = [
  ["an empty tenant name", (t) => (t.tenants[1].name = ""), "tenants[1].name", '""', "must not be empty"],
  [
    "a dot in a name",
    (t) => (t.tenants[1].name = "ac.me"),
    "tenants[1].name",
    '"ac.me"',
    "allowed: a letter followed by",
  ],
  ["a '*' in a name", (t) => (t.collectors[0].name = "web*"), "collectors[0].name", '"web*"', "no '.', '*', '>'"],
  ["a '>' in a name", (t) => (t.hosts[1].name = "edge>"), "hosts[1].name", '"edge>"', "not allowed"],
  ["whitespace in a name", (t) => (t.tenants[2].name = "glo bex"), "tenants[2].name", '"glo bex"', "whitespace"],
  ["a leading '$'", (t) => (t.tenants[2].name = "$G"), "tenants[2].name", '"$G"', "'$'"],
  ["a non-ASCII confusable", (t) => (t.tenants[1].name = "аcme"), "tenants[1].name", '"аcme"', "non-ASCII"],
  ["a 64-character name", (t) => (t.tenants[1].name = "a".repeat(64)), "tenants[1].name", "aaaa", "at most 63"],
  [
    "the reserved ENGINE account",
    (t) => (t.tenants[1].name = "ENGINE"),
    "tenants[1].name",
    '"ENGINE"',
    "allowed: any other name (reserved, in any case: ENGINE, SYS",
  ],
  [
    "the reserved SYS account in lower case",
    (t) => (t.tenants[1].name = "sys"),
    "tenants[1].name",
    '"sys"',
    'reserved account name "SYS"',
  ],
  [
    "a duplicate tenant",
    (t) => t.tenants.push({ name: "acme" }),
    "tenants[3].name",
    '"acme"',
    "duplicates the tenant name",
  ],
  [
    "tenants differing only in case",
    (t) => t.tenants.push({ name: "Acme" }),
    "tenants[3].name",
    '"Acme"',
    "differs only in case",
  ],
  ["a duplicate host", (t) => t.hosts.push({ name: "edge" }), "hosts[3].name", '"edge"', "unique ignoring case"],
  [
    "a duplicate collector",
    (t) => t.collectors.push({ ...t.collectors[0] }),
    "collectors[7].name",
    '"webhook-master"',
    "duplicates the component name",
  ],
  [
    "an unknown tenant",
    (t) => (t.collectors[2].tenant = "acmee"),
    "collectors[2].tenant",
    '"acmee"',
    'allowed: "master", "acme", "globex"',
  ],
  [
    "a tenant reference in the wrong case",
    (t) => (t.collectors[2].tenant = "Acme"),
    "collectors[2].tenant",
    '"Acme"',
    'did you mean "acme"',
  ],
  [
    "an unknown collector host",
    (t) => (t.collectors[2].host = "nowhere"),
    "collectors[2].host",
    '"nowhere"',
    'allowed: "master", "edge", "dmz"',
  ],
  [
    "an engine on an unknown host",
    (t) => (t.engine.host = "ghost"),
    "engine.host",
    '"ghost"',
    "is not a declared host",
  ],
  ["NATS on an unknown host", (t) => (t.nats.host = "ghost"), "nats.host", '"ghost"', "is not a declared host"],
  [
    "a tenant without collectors",
    (t) => t.tenants.push({ name: "initech" }),
    "tenants[3]",
    "initech",
    "has no collector",
  ],
  [
    "an http:// host",
    (t) => (t.hosts[1].url = "http://edge:2375"),
    "hosts[1].url",
    '"http://edge:2375"',
    'scheme "http://"',
  ],
  [
    "ssh:// without a user",
    (t) => (t.hosts[1].url = "ssh://edge-1.example.net"),
    "hosts[1].url",
    "ssh://edge-1",
    "needs a user",
  ],
  [
    "tcp:// without TLS material",
    (t) => delete t.hosts[2].certPath,
    "hosts[2].certPath",
    "(missing)",
    "is required for a tcp:// host",
  ],
  [
    "tcp:// without a port",
    (t) => (t.hosts[2].url = "tcp://dmz-docker.example.net"),
    "hosts[2].url",
    "tcp://dmz",
    "needs a port",
  ],
  [
    "sshOpts on a tcp host",
    (t) => (t.hosts[2].sshOpts = ["-v"]),
    "hosts[2].sshOpts",
    '["-v"]',
    "applies only to ssh://",
  ],
  ["a client port out of range", (t) => (t.nats.clientPort = 70000), "nats.clientPort", "70000", "at most 65535"],
  [
    "a monitoring port colliding with the client port",
    (t) => (t.nats.monitoring = { hostPort: 4222 }),
    "nats.monitoring.hostPort",
    "4222",
    'already published on host "master" by nats.clientPort',
  ],
  [
    "monitoring published beyond loopback",
    (t) => (t.nats.monitoring = { hostPort: 8222, hostIp: "0.0.0.0" }),
    "nats.monitoring.hostIp",
    '"0.0.0.0"',
    "allowed: a loopback address",
  ],
  ["RSA below 2048 bits", (t) => (t.pki = { keyAlgorithm: "RSA", rsaBits: 1024 }), "pki.rsaBits", "1024", "too weak"],
  [
    "an ECDSA curve with an RSA key",
    (t) => (t.pki = { keyAlgorithm: "RSA", ecdsaCurve: "P256" }),
    "pki.ecdsaCurve",
    '"P256"',
    "only when keyAlgorithm is ECDSA",
  ],
  [
    "the weak P224 curve",
    (t) => (t.pki = { ecdsaCurve: "P224" }),
    "pki.ecdsaCurve",
    '"P224"',
    'allowed: "P256", "P384", "P521"',
  ],
  [
    "validity not longer than early renewal",
    (t) => (t.pki = { validityHours: 720, earlyRenewalHours: 720 }),
    "pki.validityHours",
    "720",
    "allowed: more than 720",
  ],
  ["a negative validity", (t) => (t.pki = { validityHours: -5 }), "pki.validityHours", "-5", "more than 0"],
  [
    "a CA that expires before its certificates",
    (t) => (t.pki = { caValidityHours: 100 }),
    "pki.caValidityHours",
    "100",
    "at least 8760",
  ],
  [
    "an IP address as DNS name",
    (t) => (t.nats.dnsNames = ["10.0.0.5"]),
    "nats.dnsNames[0]",
    '"10.0.0.5"',
    "rejects IP addresses",
  ],
  ["an IPv6 address as DNS name", (t) => (t.nats.dnsNames = ["::1"]), "nats.dnsNames[0]", '"::1"', "is an IP address"],
  [
    "a DNS name listed twice",
    (t) => t.nats.dnsNames.push("LOCALHOST"),
    "nats.dnsNames[2]",
    '"LOCALHOST"',
    "each name once",
  ],
  ["no DNS name", (t) => (t.nats.dnsNames = []), "nats.dnsNames", "[]", "at least one DNS name"],
  [
    "a single server without dnsNames",
    (t) => delete t.nats.dnsNames,
    "nats.dnsNames",
    "(missing)",
    "at least one DNS name",
  ],
  [
    "a NATS release without the DN fix",
    (t) => (t.nats.version = "2.12.5"),
    "nats.version",
    '"2.12.5"',
    "CVE-2026-33248",
  ],
  [
    "an unknown collector kind",
    (t) => (t.collectors[0].kind = "syslog"),
    "collectors[0].kind",
    '"syslog"',
    '"rsyslog"',
  ],
  [
    "a typo in a field name",
    (t) => (t.collectors[0].tenat = "acme"),
    "collectors[0].tenat",
    '"acme"',
    'did you mean "tenant"',
  ],
  ["an unknown top-level field", (t) => (t.tennants = []), "tennants", "[]", 'did you mean "tenants"'],
  ["a port given as a string", (t) => (t.nats.clientPort = "4222"), "nats.clientPort", '"4222"', "allowed: an integer"],
  [
    "a missing engine while tenants share with it",
    (t) => delete t.engine,
    "engine",
    "(missing)",
    'is required: tenants "master", "acme", "globex" share',
  ],
  [
    "a collector kind without canary and no image",
    (t) => delete t.collectors[3].image,
    "collectors[3].image",
    "(missing)",
    "Tornado publishes no images",
  ],
  [
    "a nats_json collector without topics",
    (t) => delete t.collectors[4].topics,
    "collectors[4].topics",
    "(missing)",
    "is required for collectors of kind nats_json",
  ],
  [
    "webhooks on an email collector",
    (t) => (t.collectors[3].webhooks = [{ id: "x" }]),
    "collectors[3].webhooks",
    '[{"id":"x"}]',
    "applies only to webhook collectors",
  ],
  [
    "a port on an email collector",
    (t) => (t.collectors[3].port = 25),
    "collectors[3].port",
    "25",
    "applies only to webhook and snmptrapd",
  ],
  [
    "duplicate webhook ids",
    (t) => (t.collectors[0].webhooks = [{ id: "alerts" }, { id: "Alerts" }]),
    "collectors[0].webhooks[1].id",
    '"Alerts"',
    "webhook ids unique within a collector",
  ],
  [
    "a short webhook token",
    (t) => (t.collectors[0].webhooks = [{ id: "a", token: "short" }]),
    "collectors[0].webhooks[0].token",
    '"short"',
    "at least 16 characters",
  ],
  [
    "a topic that would read tornado.events",
    (t) => (t.collectors[4].topics = [{ subjects: ["tornado.>"] }]),
    "collectors[4].topics[0].subjects[0]",
    '"tornado.>"',
    "would read its own tenant's events",
  ],
  [
    "a topic that would read the tenant's mapped stream",
    (t) => (t.collectors[4].topics = [{ subjects: ["*.tornado.events"] }]),
    "collectors[4].topics[0].subjects[0]",
    '"*.tornado.events"',
    "none of tornado.events, globex.tornado.events",
  ],
  [
    "a malformed topic subject",
    (t) => (t.collectors[4].topics = [{ subjects: ["a..b"] }]),
    "collectors[4].topics[0].subjects[0]",
    '"a..b"',
    "is not a valid subject",
  ],
  [
    "a reply-inbox topic",
    (t) => (t.collectors[4].topics = [{ subjects: ["_INBOX.x"] }]),
    "collectors[4].topics[0].subjects[0]",
    '"_INBOX.x"',
    "reply subject",
  ],
  [
    "two webhook collectors on one port of one host",
    (t) => t.collectors.push({ name: "webhook-master-2", tenant: "master", kind: "webhook", host: "master" }),
    "collectors[7].port",
    "8080",
    'already published on host "master" by collectors[0].port',
  ],
  [
    "an engine API port taken by NATS",
    (t) => (t.engine.apiPort = 4222),
    "engine.apiPort",
    "4222",
    'already published on host "master" by nats.clientPort',
  ],
  [
    "an engine API published beyond loopback",
    (t) => (t.engine.apiHostIp = "0.0.0.0"),
    "engine.apiHostIp",
    '"0.0.0.0"',
    "allowed: a loopback address",
  ],
  [
    "a NATS ipAddress that is a name",
    (t) => (t.nats.ipAddress = "nats.example.net"),
    "nats.ipAddress",
    '"nats.example.net"',
    "allowed: an IPv4 or IPv6 address",
  ],
  [
    "a tcp host with only a CA file",
    (t) => {
      delete t.hosts[2].certPath;
      t.hosts[2].caFile = "/ca.pem";
    },
    "hosts[2].certFile",
    "(missing)",
    "caFile + certFile + keyFile together",
  ],
  [
    "a tcp host with certPath and TLS files",
    (t) => (t.hosts[2].caFile = "/ca.pem"),
    "hosts[2].caFile",
    '"/ca.pem"',
    "conflicts with certPath",
  ],
  [
    "TLS files on an ssh host",
    (t) => (t.hosts[1].keyFile = "/k.pem"),
    "hosts[1].keyFile",
    '"/k.pem"',
    "applies only to tcp:// hosts",
  ],
  ["an image that is a number", (t) => (t.engine.image = 42), "engine.image", "42", "allowed: an image name"],
  [
    "an icinga2 apiUrl that is no URL",
    (t) => (t.collectors[1].icinga2.apiUrl = "icinga:5665 x"),
    "collectors[1].icinga2.apiUrl",
    '"icinga:5665 x"',
    "allowed: an http:// or https:// URL",
  ],
  [
    "an icinga2 stream type Tornado does not know",
    (t) => (t.collectors[1].icinga2.streamTypes = ["StateChange", "StateChanged"]),
    "collectors[1].icinga2.streamTypes[1]",
    '"StateChanged"',
    '"CheckResult", "StateChange", "Notification"',
  ],
  [
    "a reader of an unknown tenant",
    (t) => (t.readers = [{ name: "archive", tenants: ["initech"] }]),
    "readers[0].tenants[0]",
    '"initech"',
    'is not a declared tenant; allowed: "master", "acme", "globex"',
  ],
  [
    "a reader listing a tenant twice",
    (t) => (t.readers = [{ name: "siem", tenants: ["acme", "acme"] }]),
    "readers[0].tenants[1]",
    '"acme"',
    "each tenant once",
  ],
  [
    "a tenant opting out with no engine of its own",
    (t) => (t.tenants[1].sharedEngine = false),
    "tenants[1].sharedEngine",
    "false",
    'allowed: a dedicatedEngines entry with tenant: "acme", sharedEngine: true, or allowNoEngine: true',
  ],
  [
    "two engines for one tenant",
    (t) =>
      (t.dedicatedEngines = [
        { name: "acme-engine", tenant: "acme", host: "edge" },
        { name: "acme-engine-2", tenant: "acme", host: "edge", apiPort: 4749 },
      ]),
    "dedicatedEngines[1].tenant",
    '"acme"',
    'already has the dedicated engine "acme-engine"',
  ],
  [
    "a dedicated engine of an unknown tenant",
    (t) => (t.dedicatedEngines = [{ name: "x-engine", tenant: "initech", host: "edge" }]),
    "dedicatedEngines[0].tenant",
    '"initech"',
    "is not a declared tenant",
  ],
  [
    "a dedicated engine on an unknown host",
    (t) => (t.dedicatedEngines = [{ name: "x-engine", tenant: "acme", host: "nowhere" }]),
    "dedicatedEngines[0].host",
    '"nowhere"',
    "is not a declared host",
  ],
  [
    "a dedicated engine on the shared engine's API port",
    (t) => (t.dedicatedEngines = [{ name: "acme-engine", tenant: "acme", host: "master" }]),
    "dedicatedEngines[0].apiPort",
    "4748",
    'already published on host "master" by engine.apiPort',
  ],
  [
    "a multi-tenant reader of a tenant that opted out",
    (t) => {
      t.tenants[1].sharedEngine = false;
      t.dedicatedEngines = [{ name: "acme-engine", tenant: "acme", host: "edge" }];
      t.readers = [{ name: "siem", tenants: ["master", "acme"] }];
    },
    "readers[0].tenants[1]",
    '"acme"',
    "a separate reader of this tenant alone",
  ],
  [
    "a deployed reader without image",
    (t) => (t.readers = [{ name: "archive", tenants: ["acme"], host: "edge" }]),
    "readers[0].image",
    "(missing)",
    "is required to deploy a reader",
  ],
  [
    "a reader image without host",
    (t) => (t.readers = [{ name: "archive", tenants: ["acme"], image: "archiver:1" }]),
    "readers[0].image",
    '"archiver:1"',
    "needs host",
  ],
  [
    "a reader named like a collector",
    (t) => (t.readers = [{ name: "Webhook-Acme", tenants: ["acme"] }]),
    "readers[0].name",
    '"Webhook-Acme"',
    "differs only in case from the component name",
  ],
  [
    "a reader named like the shared engine",
    (t) => (t.readers = [{ name: "tornado-engine", tenants: ["acme", "master"] }]),
    "readers[0].name",
    '"tornado-engine"',
    "certificate name of the shared engine",
  ],
  [
    "a shared engine no tenant uses",
    (t) => {
      t.tenants.forEach((tenant: Record<string, unknown>) => (tenant.allowNoEngine = true));
      t.tenants.forEach((tenant: Record<string, unknown>) => (tenant.sharedEngine = false));
    },
    "engine",
    '{"host":"master"}',
    "would receive nothing",
  ],
  [
    "no shared engine and no NATS host",
    (t) => {
      delete t.engine;
      t.tenants.forEach((tenant: Record<string, unknown>) =>
        Object.assign(tenant, { sharedEngine: false, allowNoEngine: true }),
      );
    },
    "nats.host",
    "(missing)",
    "is required when there is no shared engine",
  ],
  [
    "a monitoring port on the client port inside the container",
    (t) => (t.nats.monitoring = { port: 4222 }),
    "nats.monitoring.port",
    "4222",
    "allowed: a port other than 4222 (clients)",
  ],
  [
    "an engine rules directory that does not exist",
    (t) => (t.engine.rulesDir = "no-such-rules.d"),
    "engine.rulesDir",
    "no-such-rules.d",
    "cannot be read (ENOENT); allowed: a readable directory with your Tornado rules",
  ],
  [
    "a dedicated engine's rules directory that is a file",
    (t) => (t.dedicatedEngines = [{ name: "acme-engine", tenant: "acme", host: "edge", rulesDir: __filename }]),
    "dedicatedEngines[0].rulesDir",
    "topology-validation.test.ts",
    "is not a directory; allowed: a readable directory",
  ],
  ["a section of the wrong type", (t) => (t.nats = []), "nats", "[]", "is an array; allowed: an object"],
  ["a port given as .inf", (t) => (t.nats.clientPort = Infinity), "nats.clientPort", "Infinity", "an integer"],
  ["a huge port", (t) => (t.nats.clientPort = 1e100), "nats.clientPort", "1e+100", "at most 65535"],
  [
    "a private key pasted where a path belongs",
    (t) => (t.hosts[1].keyFile = throwawayKeyPem()),
    "hosts[1].keyFile",
    "(a private key, not shown)",
    "applies only to tcp:// hosts",
  ],
  [
    "an organization with a comma",
    (t) => (t.organization = "Acme, Inc"),
    "organization",
    '"Acme, Inc"',
    "allowed: 1 to 64",
  ],
];

describe.each(RULES)("GIVEN %s", (_, edit, path, value, allowed) => {
  test("THEN the error names the field path, the bad value and what is allowed", () => {
    const found = problems(withChange(edit));
    const line = found.find((problem) => problem.startsWith(`${path}: `));
    expect({ found, line }).toEqual({ found, line: expect.stringContaining(value) });
    expect(line).toContain(allowed);
  });
});

describe("error reporting", () => {
  test("GIVEN several independent problems THEN all are reported at once", () => {
    const found = problems(
      withChange((t) => {
        t.tenants[1].name = "ac.me";
        t.collectors[0].tenat = "x";
        t.collectors[3].host = "ghost";
        t.pki = { keyAlgorithm: "RSA", rsaBits: 1024 };
        t.hosts[1].url = "http://edge";
      }),
    );
    const paths = found.map((line) => line.split(": ")[0]);
    expect(paths).toEqual(
      expect.arrayContaining([
        "tenants[1].name",
        "collectors[0].tenat",
        "collectors[3].host",
        "pki.rsaBits",
        "hosts[1].url",
      ]),
    );
  });

  test("GIVEN an invalid topology THEN the error message lists each issue on its own line", () => {
    expect(() =>
      resolveTopology(
        withChange((t) => (t.tenants[1].name = "")),
        "site.yaml",
      ),
    ).toThrow(/^Invalid topology \(site\.yaml\): \d+ errors?\n {2}- tenants\[1\]\.name: "" must not be empty/);
  });

  test("GIVEN a path THEN it prints like the file's structure", () => {
    expect(formatPath(["collectors", 2, "tenant"])).toBe("collectors[2].tenant");
    expect(formatPath([])).toBe("(topology)");
  });

  test("GIVEN a topology that is not an object THEN the root is named", () => {
    expect(problems("tenants: []")).toEqual(['(topology): "tenants: []" is a string; allowed: an object']);
  });

  test("GIVEN a huge integer THEN only the schema's own bound is reported, not the safe-integer one", () => {
    const found = problems(withChange((t) => (t.nats.clientPort = 1e100)));
    expect(found.filter((line) => line.startsWith("nats.clientPort: "))).toEqual([
      "nats.clientPort: 1e+100 is out of range; allowed: at most 65535",
    ]);
  });

  test("GIVEN a collector whose tenant is misspelt THEN its tenant is not also reported as having no collector", () => {
    const found = problems(
      withChange((t) => {
        t.collectors[0].tenat = t.collectors[0].tenant;
        delete t.collectors[0].tenant;
        t.collectors[1].tenant = "mastr";
      }),
    );
    expect(found.map((line) => line.split(": ")[0])).toEqual([
      "collectors[0].tenant",
      "collectors[0].tenat",
      "collectors[1].tenant",
    ]);
  });

  test("GIVEN tenants that are not a list THEN that is the one error, not every reference to a tenant", () => {
    expect(problems(withChange((t) => (t.tenants = "acme")))).toEqual([
      'tenants: "acme" is a string; allowed: an array',
    ]);
  });

  test("GIVEN a negative validity THEN it is reported once, not again against earlyRenewalHours", () => {
    expect(problems(withChange((t) => (t.pki = { validityHours: -5 })))).toEqual([
      "pki.validityHours: -5 is out of range; allowed: more than 0",
    ]);
  });

  test("GIVEN no nats section THEN its absence is reported once, not again as each of its fields", () => {
    const found = problems(withChange((t) => delete t.nats));
    expect(found.filter((line) => line.startsWith("nats"))).toEqual([
      "nats: (missing) is required; allowed: an object",
    ]);
  });

  test("GIVEN any value holding a private key THEN the message shows a placeholder, never the key", () => {
    const key = throwawayKeyPem("sec1");
    const found = problems(withChange((t) => (t.tenants[1].name = key)));
    const joined = found.join("\n");
    expect(joined).toContain("(a private key, not shown)");
    expect(joined).not.toContain(keyMaterialOf(key));
    expect(joined).not.toContain("PRIVATE KEY-----");
  });
});

/** Cluster and satellite rules, each broken on the valid `clusterAndSatellite()` topology. */
const CLUSTER_RULES: [string, (t: Record<string, any>) => void, string, string, string][] = [
  [
    "a cluster node without dnsNames (no route name)",
    (t) => delete t.nats.cluster.nodes[1].dnsNames,
    "nats.cluster.nodes[1].dnsNames",
    "(missing)",
    "route name",
  ],
  [
    "a cluster node with an empty dnsNames",
    (t) => (t.nats.cluster.nodes[2].dnsNames = []),
    "nats.cluster.nodes[2].dnsNames",
    "[]",
    "at least one DNS name the other nodes reach it by",
  ],
  [
    "two nodes claiming one DNS name",
    (t) => (t.nats.cluster.nodes[2].dnsNames = ["NATS-1.example.net"]),
    "nats.cluster.nodes[2].dnsNames[0]",
    "nats-1.example.net",
    'already a DNS name of node "nats-1"',
  ],
  [
    "a node on an undeclared host",
    (t) => (t.nats.cluster.nodes[0].host = "master-9"),
    "nats.cluster.nodes[0].host",
    '"master-9"',
    'allowed: "master-1"',
  ],
  [
    "two nodes with one name",
    (t) => (t.nats.cluster.nodes[1].name = "nats-1"),
    "nats.cluster.nodes[1].name",
    '"nats-1"',
    "NATS server names unique",
  ],
  [
    "a satellite named like a node",
    (t) => (t.satellites[0].name = "nats-2"),
    "satellites[0].name",
    '"nats-2"',
    "NATS server names unique",
  ],
  [
    "nats.host beside a cluster",
    (t) => (t.nats.host = "master-1"),
    "nats.host",
    '"master-1"',
    "set each node's host under nats.cluster.nodes",
  ],
  [
    "nats.serverName beside a cluster",
    (t) => (t.nats.serverName = "nats"),
    "nats.serverName",
    '"nats"',
    "applies only to a single server",
  ],
  [
    "two nodes on one host with the same client port",
    (t) => (t.nats.cluster.nodes[1].host = "master-1"),
    "nats.cluster.nodes[1].clientPort",
    "4222",
    'already published on host "master-1" by nats.cluster.nodes[0].clientPort',
  ],
  [
    "a satellite of an unknown tenant",
    (t) => (t.satellites[0].tenant = "globex"),
    "satellites[0].tenant",
    '"globex"',
    'allowed: "master", "acme"',
  ],
  [
    "a satellite on an unknown host",
    (t) => (t.satellites[0].host = "site-b"),
    "satellites[0].host",
    '"site-b"',
    "is not a declared host",
  ],
  [
    "a collector at an unknown satellite",
    (t) => (t.collectors[1].satellite = "sat-globex"),
    "collectors[1].satellite",
    '"sat-globex"',
    'allowed: "sat-acme"',
  ],
  [
    "a collector at another tenant's satellite",
    (t) => (t.collectors[0].satellite = "sat-acme"),
    "collectors[0].satellite",
    '"sat-acme"',
    'a satellite of tenant "master", or none',
  ],
  ["a satellite without dnsNames", (t) => delete t.satellites[0].dnsNames, "satellites[0].dnsNames", "(missing)", ""],
  [
    "a satellite client port colliding with a collector on its host",
    (t) => (t.satellites[0].clientPort = 8080),
    "collectors[1].port",
    "8080",
    'already published on host "site-a" by satellites[0].clientPort',
  ],
  [
    "a route port that is the client port inside the container",
    (t) => Object.assign(t.nats.cluster.nodes[1], { clientPort: 4223, clusterPort: 4222 }),
    "nats.cluster.nodes[1].clusterPort",
    "4222",
    "listens on for clients inside its container (always 4222 there",
  ],
  [
    "a leafnode port on the route port inside the container",
    (t) => (t.nats.leafnodePort = 6222),
    "nats.leafnodePort",
    "6222",
    "for routes inside its container (set by nats.cluster.port); allowed: a port other than 4222 (clients), 6222 (routes)",
  ],
  [
    "a leafnode port colliding with the client port",
    (t) => (t.nats.leafnodePort = 4222),
    "nats.cluster.nodes[0].leafnodePort",
    "4222",
    'already published on host "master-1" by nats.cluster.nodes[0].clientPort',
  ],
];

describe("GIVEN the cluster-and-satellite topology", () => {
  test("THEN it is valid and resolves every node with its ports and names", () => {
    const topology = resolveTopology(clusterAndSatellite());
    expect(topology.nats.cluster).toEqual({ name: "tornado" });
    expect(
      topology.nats.nodes.map((node) => [node.name, node.host, node.dnsNames, node.clientPort, node.clusterPort]),
    ).toEqual([
      ["nats-1", "master-1", ["nats-1.example.net", "nats.example.net"], 4222, 6222],
      ["nats-2", "master-2", ["nats-2.example.net", "nats.example.net"], 4222, 6222],
      ["nats-3", "master-3", ["nats-3.example.net", "nats.example.net"], 4222, 6222],
    ]);
    expect(topology.satellites).toEqual([
      expect.objectContaining({ name: "sat-acme", tenant: "acme", host: "site-a", clientPort: 4222 }),
    ]);
  });

  test("WHEN two nodes share a host with their own ports THEN it is valid", () => {
    const input = clusterWithChange((t) => {
      t.nats.cluster.nodes[1].host = "master-1";
      Object.assign(t.nats.cluster.nodes[1], { clientPort: 4223, clusterPort: 6223, leafnodePort: 7423 });
    });
    expect(problems(input)).toEqual([]);
  });
});

describe.each(CLUSTER_RULES)("GIVEN %s", (_, edit, path, value, allowed) => {
  test("THEN the error names the field path, the bad value and what is allowed", () => {
    const found = problems(clusterWithChange(edit));
    const line = found.find((problem) => problem.startsWith(`${path}: `));
    expect({ found, line }).toEqual({ found, line: expect.stringContaining(value) });
    expect(line).toContain(allowed);
  });
});

describe("GIVEN names whose certificate subjects would collide", () => {
  test("WHEN a tenant is named like the servers' OU THEN it is reserved (its users would share node subjects)", () => {
    const found = problems(
      clusterWithChange((t) => {
        t.tenants[1].name = "nats-server";
        for (const item of [...t.collectors, ...t.satellites]) if (item.tenant === "acme") item.tenant = "nats-server";
      }),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^tenants\[1\]\.name: "nats-server" collides with the reserved account name/),
      ]),
    );
  });

  test("WHEN a satellite is named like a collector THEN the names clash (same leaf and collector subject)", () => {
    const found = problems(clusterWithChange((t) => (t.satellites[0].name = "webhook-acme")));
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^satellites\[0\]\.name: "webhook-acme" duplicates the component name/),
      ]),
    );
  });
});
