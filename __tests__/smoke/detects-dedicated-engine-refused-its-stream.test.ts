import { CHECK } from "../../smoke/check-names";
import { editUser, failedChecks, smokeAgainstBroken, type BrokenDeployment } from "./broken-harness";
import { readersTopology } from "./deployed-outputs";

/**
 * Broken on purpose: initech's dedicated engine may no longer subscribe to
 * its tenant's stream. The smoke test must fail on that, and report what
 * depended on the engine receiving as not run, never as passed; what
 * initech's reader proves still holds.
 */

let broken: BrokenDeployment;

beforeAll(async () => {
  broken = await smokeAgainstBroken(
    (config) => ({
      ...config,
      accounts: editUser(config, /^CN=initech-engine,/, (user) => ({
        ...user,
        permissions: { ...user.permissions!, subscribe: { deny: [">"] } },
      })),
    }),
    readersTopology(),
  );
});

afterAll(async () => {
  await broken?.nats.stop();
});

function result(check: string, identity: string): [string, string] | undefined {
  const found = broken.report.checks.find((entry) => entry.check === check && entry.identity === identity);
  return found && [found.result, found.detail];
}

test("GIVEN the dedicated engine refused its stream WHEN the smoke test runs THEN its subscribe check fails, and what needed it to receive is not run", () => {
  expect(failedChecks(broken.report)).toEqual([`${CHECK.observerSubscribe} [engine/initech-engine]`]);
  expect(result(CHECK.observerSubscribe, "engine/initech-engine")).toEqual([
    "failed",
    "permission error subscribing to initech.tornado.events: the engine could receive no event",
  ]);
  expect(result(CHECK.otherTenantsEvents, "engine/initech-engine")).toEqual([
    "not_run",
    "it has no subscription, so it could receive nothing",
  ]);
  for (const collector of ["collector/email-initech", "collector/webhook-initech"]) {
    expect(result(CHECK.collectorEvent, collector)).toEqual([
      "not_run",
      "published, but the engine identity has no subscription to receive it",
    ]);
    // initech's reader received the collector's later event: the denials are still proven there.
    expect(result(CHECK.otherTenantSubject, collector)?.[0]).toBe("passed");
  }
  expect(result(CHECK.readerReceives, "reader/initech-audit")?.[0]).toBe("passed");
});
