import { CHECK, NO_IDENTITY } from "../../smoke/check-names";
import { runSmoke } from "../../smoke/run-smoke";
import type { SmokeReport } from "../../smoke/smoke-report";
import { startCanaryFleet, type CanaryFleet } from "../helpers/canary-fleet";
import { startSecuredNats, type SecuredNats } from "../helpers/secured-nats";
import { readersTopology, terraformOutputJson } from "./deployed-outputs";

/**
 * Who reads what (issue 9), against a real nats-server running the rendered
 * config and the canary fleet: acme and globex share with the shared engine,
 * initech opted out and has a dedicated engine; acme-archive reads acme,
 * initech-audit reads initech, siem reads acme and globex. On the correct
 * config every check runs and passes, and each engine and reader is checked
 * for what it must receive and what it must not.
 */

let nats: SecuredNats;
let fleet: CanaryFleet;
let report: SmokeReport;

beforeAll(async () => {
  nats = await startSecuredNats(readersTopology());
  fleet = await startCanaryFleet(nats);
  report = await runSmoke({
    outputs: terraformOutputJson(nats, readersTopology(), fleet),
    eventTimeoutMs: 3000,
    connectTimeoutMs: 3000,
  });
});

afterAll(async () => {
  await fleet?.stop();
  await nats?.stop();
});

function rowsOf(identity: string): string[] {
  return report.checks.filter((check) => check.identity === identity).map((check) => check.check);
}

function detail(check: string, identity: string): string | undefined {
  return report.checks.find((entry) => entry.check === check && entry.identity === identity)?.detail;
}

test("GIVEN the correct config WHEN the smoke test runs THEN every check runs and passes, the whole path through every webhook included", () => {
  expect(report.checks.filter((check) => check.result !== "passed")).toEqual([]);
  expect(report.ok).toBe(true);
  // 3 global; 5 per engine (2) and 6 per reader (3); 1 system; 6 per collector (4); 3 webhooks.
  expect(report.summary).toEqual({ passed: 3 + 2 * 5 + 3 * 6 + 1 + 4 * 6 + 3, failed: 0, notRun: 0 });
  expect(
    report.checks
      .filter((check) => check.check === CHECK.wholePath)
      .map((check) => check.identity)
      .sort(),
  ).toEqual([...fleet.webhooks.keys()].map((key) => `collector/${key}`).sort());
});

test("THEN each engine and reader has its checks, each denial beside its allowed twin, in report order", () => {
  const observers = [
    ...new Set(
      report.checks
        .map((check) => check.identity)
        .filter((identity) => identity.startsWith("engine/") || identity.startsWith("reader/")),
    ),
  ];
  expect(observers).toEqual([
    "engine/tornado-engine",
    "engine/initech-engine",
    "reader/acme-archive",
    "reader/initech-audit",
    "reader/siem",
  ]);
  expect(rowsOf("engine/tornado-engine")).toEqual([
    CHECK.connect,
    CHECK.engineSubscribe,
    CHECK.subscribeBeyond,
    CHECK.otherTenantsEvents,
    CHECK.enginePublish,
  ]);
  expect(rowsOf("engine/initech-engine")).toEqual([
    CHECK.connect,
    CHECK.observerSubscribe,
    CHECK.subscribeBeyond,
    CHECK.otherTenantsEvents,
    CHECK.enginePublish,
  ]);
  for (const reader of ["reader/acme-archive", "reader/initech-audit", "reader/siem"]) {
    expect(rowsOf(reader)).toEqual([
      CHECK.connect,
      CHECK.observerSubscribe,
      CHECK.subscribeBeyond,
      CHECK.readerReceives,
      CHECK.otherTenantsEvents,
      CHECK.readerPublish,
    ]);
  }
  expect(report.checks.slice(0, 3).map((check) => check.identity)).toEqual(Array(3).fill(NO_IDENTITY));
});

test("THEN the opted-out tenant's events reach its own engine and reader, and are proven not to reach the shared engine or siem", () => {
  expect(detail(CHECK.collectorEvent, "collector/webhook-initech")).toBe(
    "received on initech.tornado.events, body intact",
  );
  expect(detail(CHECK.readerReceives, "reader/initech-audit")).toBe(
    "received all 2 events of initech on initech.tornado.events, body intact",
  );
  for (const observer of ["engine/tornado-engine", "reader/siem"]) {
    expect(detail(CHECK.otherTenantsEvents, observer)).toMatch(
      /^none of the 2 events of initech arrived; a later event of (acme|globex) did$/,
    );
  }
  expect(detail(CHECK.otherTenantsEvents, "engine/initech-engine")).toBe(
    "none of the 2 events of acme, globex arrived; a later event of initech did",
  );
});

test("THEN each reader receives its tenants' events on the subject it sees them on, in its own account or in ENGINE", () => {
  expect(detail(CHECK.readerReceives, "reader/acme-archive")).toBe(
    "received the 1 event of acme on tornado.events, body intact",
  );
  expect(detail(CHECK.readerReceives, "reader/siem")).toBe(
    "received all 2 events of acme on acme.tornado.events, globex on globex.tornado.events, body intact",
  );
  expect(detail(CHECK.otherTenantsEvents, "reader/acme-archive")).toBe(
    "none of the 3 events of globex, initech arrived; a later event of acme did",
  );
});

test("THEN each engine and reader is refused `>`, every tenant's stream and the tenants it does not read, and publishing", () => {
  expect(detail(CHECK.subscribeBeyond, "engine/tornado-engine")).toBe(
    "permission errors for >; not tried: *.tornado.events, initech.tornado.events (within what it may subscribe to)",
  );
  expect(detail(CHECK.subscribeBeyond, "engine/initech-engine")).toBe(
    "permission errors for >, *.tornado.events, acme.tornado.events, globex.tornado.events",
  );
  expect(detail(CHECK.subscribeBeyond, "reader/siem")).toBe(
    "permission errors for >, *.tornado.events, initech.tornado.events",
  );
  expect(detail(CHECK.enginePublish, "engine/initech-engine")).toMatch(
    /^permission errors for tornado\.events, initech\.tornado\.events; later events reached .*reader\/initech-audit/,
  );
  expect(detail(CHECK.readerPublish, "reader/siem")).toMatch(
    /^permission errors for acme\.tornado\.events, globex\.tornado\.events, initech\.tornado\.events; later events reached /,
  );
});
