import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveTopology } from "../../constructs/core/topology";
import type { TopologyInput } from "../../constructs/core/topology-schema";
import {
  isSharedEngine,
  observersOf,
  parseDeployedTopology,
  type DeployedTopology,
} from "../../smoke/deployed-topology";
import { SmokeInputError } from "../../smoke/smoke-input-error";
import { issueTopologyPki } from "../helpers/topology-pki";
import { readersTopology, terraformOutputJsonFor } from "./deployed-outputs";

/**
 * Reading engines and readers from the outputs of the real synthesized
 * stack (issue 9: who reads what), and the errors for outputs the smoke test
 * could not drive its checks by.
 */

/** Every tenant opted out of the shared engine, so there is none: two dedicated engines and a reader. */
function withoutSharedEngine(): TopologyInput {
  return {
    name: "tornado-solo",
    organization: "Acme Monitoring",
    hosts: [{ name: "master" }],
    tenants: [
      { name: "acme", sharedEngine: false },
      { name: "globex", sharedEngine: false },
    ],
    nats: { host: "master", dnsNames: ["localhost"] },
    dedicatedEngines: [
      { name: "acme-engine", tenant: "acme", host: "master" },
      { name: "globex-engine", tenant: "globex", host: "master", apiPort: 4749 },
    ],
    collectors: [
      { name: "webhook-acme", tenant: "acme", kind: "webhook", host: "master" },
      { name: "webhook-globex", tenant: "globex", kind: "webhook", host: "master", port: 8081 },
    ],
    readers: [{ name: "globex-archive", tenants: ["globex"] }],
  };
}

let work: string;
let readers: Record<string, unknown>;
let solo: Record<string, unknown>;

async function outputValues(input: TopologyInput): Promise<Record<string, unknown>> {
  const pki = await issueTopologyPki(resolveTopology(input), work);
  const outputs = terraformOutputJsonFor(pki, 4222, input);
  return Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, output.value]));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "smoke-readers-outputs-"));
  readers = await outputValues(readersTopology());
  solo = await outputValues(withoutSharedEngine());
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

function parse(values: Record<string, unknown>): DeployedTopology {
  return parseDeployedTopology(values, { source: "outputs.json", shape: "cdktf outputs file" });
}

function inputError(values: Record<string, unknown>): string[] {
  try {
    parse(values);
  } catch (error) {
    expect(error).toBeInstanceOf(SmokeInputError);
    return (error as Error).message.split("\n");
  }
  throw new Error("expected a SmokeInputError");
}

/** `values` with the `identities` entry `id` changed by `edit` (undefined removes it). */
function withIdentity(
  values: Record<string, unknown>,
  id: string,
  edit: (entry: Record<string, unknown>) => Record<string, unknown> | undefined,
): Record<string, unknown> {
  const identities = { ...(values.identities as Record<string, Record<string, unknown>>) };
  const edited = edit({ ...identities[id] });
  if (edited === undefined) delete identities[id];
  else identities[id] = edited;
  return { ...values, identities };
}

describe("GIVEN the outputs of a topology with readers and a dedicated engine", () => {
  test("THEN each engine and reader is read with the tenants it reads and the subject it sees each on", () => {
    const topology = parse(readers);

    const observers = observersOf(topology).map(({ id, role, tenant, account, reads, subscribeAllow, streams }) => ({
      id,
      role,
      tenant,
      account,
      reads,
      subscribeAllow,
      streams,
    }));
    expect(observers).toEqual([
      {
        id: "engine/tornado-engine",
        role: "engine",
        tenant: undefined,
        account: "ENGINE",
        reads: ["acme", "globex"],
        subscribeAllow: ["*.tornado.events"],
        streams: { acme: "acme.tornado.events", globex: "globex.tornado.events" },
      },
      {
        id: "engine/initech-engine",
        role: "engine",
        tenant: "initech",
        account: "initech",
        reads: ["initech"],
        subscribeAllow: ["initech.tornado.events"],
        streams: { initech: "initech.tornado.events" },
      },
      {
        id: "reader/acme-archive",
        role: "reader",
        tenant: "acme",
        account: "acme",
        reads: ["acme"],
        subscribeAllow: ["tornado.events"],
        streams: { acme: "tornado.events" },
      },
      {
        id: "reader/initech-audit",
        role: "reader",
        tenant: "initech",
        account: "initech",
        reads: ["initech"],
        subscribeAllow: ["initech.tornado.events"],
        streams: { initech: "initech.tornado.events" },
      },
      {
        id: "reader/siem",
        role: "reader",
        tenant: undefined,
        account: "ENGINE",
        reads: ["acme", "globex"],
        subscribeAllow: ["acme.tornado.events", "globex.tornado.events"],
        streams: { acme: "acme.tornado.events", globex: "globex.tornado.events" },
      },
    ]);
    expect(topology.identities.filter(isSharedEngine).map((identity) => identity.id)).toEqual([
      "engine/tornado-engine",
    ]);
    const collector = topology.identities.find((identity) => identity.id === "collector/webhook-acme");
    expect(collector).toMatchObject({ reads: [], subscribeAllow: [], streams: {} });
  });

  test("WHEN there is no shared engine THEN the dedicated engines and readers are what is checked", () => {
    const topology = parse(solo);

    expect(topology.identities.some(isSharedEngine)).toBe(false);
    expect(observersOf(topology).map((identity) => [identity.id, identity.streams])).toEqual([
      ["engine/acme-engine", { acme: "acme.tornado.events" }],
      ["engine/globex-engine", { globex: "globex.tornado.events" }],
      ["reader/globex-archive", { globex: "globex.tornado.events" }],
    ]);
  });

  test("WHEN the shared engine has no `reads` (outputs from before readers existed) THEN it reads every tenant", () => {
    const legacy = withIdentity(readers, "engine/tornado-engine", ({ reads: _reads, ...entry }) => entry);

    const engine = parse(legacy).identities.find(isSharedEngine);

    expect(engine?.reads).toEqual(["acme", "globex", "initech"]);
  });
});

describe("GIVEN engine and reader outputs the checks could not be driven by", () => {
  test("WHEN several are wrong THEN every problem is listed at once, naming the identity, the field and the bad value", () => {
    let broken = withIdentity(readers, "reader/siem", (entry) => ({ ...entry, reads: ["acme", "umbrella"] }));
    broken = withIdentity(broken, "reader/acme-archive", (entry) => ({ ...entry, subscribe: { allow: [">"] } }));
    broken = withIdentity(broken, "reader/initech-audit", (entry) => ({ ...entry, reads: ["initech", "acme"] }));
    broken = withIdentity(broken, "engine/initech-engine", ({ reads: _reads, subscribe: _subscribe, ...entry }) => ({
      ...entry,
      tenant: "acme",
    }));
    broken = withIdentity(broken, "engine/tornado-engine", (entry) => ({
      ...entry,
      subscribe: { allow: ["acme.tornado.events"] },
    }));

    expect(inputError(broken)).toEqual([
      "The outputs in outputs.json do not describe a deployed topology: 6 problems",
      '  - identities["engine/initech-engine"].tenant: "acme" but account "initech"; an engine or reader of one ' +
        "tenant lives in that tenant's account",
      '  - identities["engine/initech-engine"].subscribe.allow: undefined; an engine or reader must be allowed to ' +
        "subscribe to the tenants it reads",
      '  - identities["engine/tornado-engine"].subscribe.allow: ["acme.tornado.events"] does not cover ' +
        "globex.tornado.events, where ENGINE receives globex, a tenant it reads",
      '  - identities["reader/acme-archive"].subscribe.allow: [">"] is not the stream of tenant acme in its own ' +
        'account; allowed: ["tornado.events"] or ["acme.tornado.events"]',
      '  - identities["reader/initech-audit"]: lives in account "initech" but reads ["initech","acme"]; an engine ' +
        "or reader outside ENGINE reads exactly the tenant whose account it lives in",
      '  - identities["reader/siem"].reads: ["acme","umbrella"] is not a non-empty list of tenants (acme, globex, initech)',
    ]);
  });

  test("WHEN a reader has no `reads` THEN that is an error (only the shared engine of older outputs may omit it)", () => {
    const broken = withIdentity(readers, "reader/siem", ({ reads: _reads, ...entry }) => entry);

    expect(inputError(broken)).toEqual([
      "The outputs in outputs.json do not describe a deployed topology: 1 problem",
      '  - identities["reader/siem"].reads: undefined is not a non-empty list of tenants (acme, globex, initech)',
    ]);
  });

  test("WHEN there is no engine and no reader THEN nothing could be checked, and it says so", () => {
    let broken = solo;
    for (const id of ["engine/acme-engine", "engine/globex-engine", "reader/globex-archive"]) {
      broken = withIdentity(broken, id, () => undefined);
    }

    expect(inputError(broken)).toEqual([
      "The outputs in outputs.json do not describe a deployed topology: 1 problem",
      "  - identities: no engine or reader identity; nothing could receive an event, so nothing could be checked",
    ]);
  });

  test("WHEN a reader is left out but an engine remains THEN it parses: what remains is checked", () => {
    const withoutReaders = withIdentity(solo, "reader/globex-archive", () => undefined);

    expect(observersOf(parse(withoutReaders)).map((identity) => identity.id)).toEqual([
      "engine/acme-engine",
      "engine/globex-engine",
    ]);
  });
});
