import { CHECK, NO_IDENTITY } from "../../smoke/check-names";
import { CheckRecorder } from "../../smoke/check-recorder";
import { buildReport, exitCodeOf, formatReport, formatReportJson, type SmokeCheck } from "../../smoke/smoke-report";

/** The printed report: the table, the reasons, the summary line, the exit code and the JSON. */

const TARGET = {
  server: "nats.example.net:4222",
  servername: "nats.example.net",
  outputs: "outputs.json (cdktf outputs file)",
};

function check(name: string, identity: string, result: SmokeCheck["result"], ms: number, detail = "ok"): SmokeCheck {
  return { check: name, identity, result, ms, detail };
}

const MIXED = [
  check(CHECK.serverCertificate, NO_IDENTITY, "passed", 12),
  check(CHECK.collectorEvent, "collector/webhook-acme", "passed", 3),
  check(
    CHECK.otherTenantSubject,
    "collector/webhook-acme",
    "failed",
    1,
    "published to master.tornado.events without a permission error",
  ),
  check(CHECK.wholePath, NO_IDENTITY, "not_run", 0, "no canaries deployed"),
];

test("GIVEN passed, failed and unrun checks THEN the table is aligned, the reasons follow it and the summary counts each kind", () => {
  expect(formatReport(buildReport(TARGET, MIXED))).toBe(
    [
      "target: nats.example.net:4222 (certificate name nats.example.net), outputs from outputs.json (cdktf outputs file)",
      "",
      "CHECK                                          IDENTITY                RESULT   MS",
      "server certificate: name and CA                -                       passed   12",
      "allow publish tornado.events, engine receives  collector/webhook-acme  passed    3",
      "deny publish to another tenant's subject       collector/webhook-acme  failed    1",
      "whole path: webhook -> engine canary           -                       not run   0",
      "",
      "FAILED: deny publish to another tenant's subject [collector/webhook-acme]: published to master.tornado.events without a permission error",
      "NOT RUN: whole path: webhook -> engine canary [-]: no canaries deployed",
      "",
      "smoke: 2 passed, 1 failed, 1 not run",
      "",
    ].join("\n"),
  );
});

test("GIVEN a failed check THEN the exit code is 1; GIVEN only passed and unrun checks THEN it is 0", () => {
  expect(exitCodeOf(buildReport(TARGET, MIXED))).toBe(1);
  const withoutFailure = MIXED.filter((entry) => entry.result !== "failed");
  expect(exitCodeOf(buildReport(TARGET, withoutFailure))).toBe(0);
  expect(buildReport(TARGET, withoutFailure).summary).toEqual({ passed: 2, failed: 0, notRun: 1 });
});

test("GIVEN a report THEN --json prints it whole, machine-readable", () => {
  expect(JSON.parse(formatReportJson(buildReport(TARGET, MIXED)))).toEqual({
    ok: false,
    target: TARGET,
    summary: { passed: 2, failed: 1, notRun: 1 },
    checks: MIXED,
  });
});

describe("CheckRecorder", () => {
  const plan: [string, string][] = [
    [CHECK.connect, "collector/a"],
    [CHECK.foreignCa, "collector/a"],
    [CHECK.connect, "collector/b"],
  ];

  test("GIVEN verdicts recorded out of order THEN they are reported in plan order, and what got none is not run, never passed", () => {
    const recorder = new CheckRecorder(plan);
    recorder.record(CHECK.connect, "collector/b", "passed", 2.4, "ok");
    recorder.record(CHECK.connect, "collector/a", "failed", 1, "refused");

    expect(recorder.ordered()).toEqual([
      check(CHECK.connect, "collector/a", "failed", 1, "refused"),
      check(CHECK.foreignCa, "collector/a", "not_run", 0, "the smoke run ended before this check"),
      check(CHECK.connect, "collector/b", "passed", 2, "ok"),
    ]);
  });

  test("GIVEN an identity that could not connect THEN notRun marks only its remaining checks", () => {
    const recorder = new CheckRecorder(plan);
    recorder.record(CHECK.connect, "collector/a", "failed", 1, "refused");
    recorder.notRun("not run: could not connect as collector/a", "collector/a");

    expect(recorder.ordered().map((entry) => [entry.identity, entry.result])).toEqual([
      ["collector/a", "failed"],
      ["collector/a", "not_run"],
      ["collector/b", "not_run"],
    ]);
    expect(recorder.ordered()[1].detail).toBe("not run: could not connect as collector/a");
  });

  test("GIVEN a result outside the plan (a run that stopped) THEN it is reported after the plan", () => {
    const recorder = new CheckRecorder(plan);
    recorder.record(CHECK.completed, NO_IDENTITY, "failed", 0, "the smoke run stopped: boom");
    expect(recorder.ordered().at(-1)).toEqual(
      check(CHECK.completed, NO_IDENTITY, "failed", 0, "the smoke run stopped: boom"),
    );
  });

  test("GIVEN the same check recorded twice THEN it throws instead of hiding one verdict", () => {
    const recorder = new CheckRecorder(plan);
    recorder.record(CHECK.connect, "collector/a", "passed", 1, "ok");
    expect(() => recorder.record(CHECK.connect, "collector/a", "failed", 1, "no")).toThrow(
      "check recorded twice: allow mTLS connection [collector/a]",
    );
  });
});
