import { CHECK } from "../../smoke/check-names";
import { editUser, failedChecks, smokeAgainstBroken, type BrokenDeployment } from "./broken-harness";
import { smokeTopology } from "./deployed-outputs";

/**
 * Broken on purpose, in two places at once: collector webhook-acme may
 * publish to `>` instead of `tornado.events` only, and the engine may publish
 * (its `deny >` is gone). The smoke test must fail and name exactly the
 * checks that prove each hole, and no other.
 */

let broken: BrokenDeployment;

beforeAll(async () => {
  broken = await smokeAgainstBroken((config) => {
    const looseCollector = editUser(config, /^CN=webhook-acme,/, (user) => ({
      ...user,
      permissions: { ...user.permissions!, publish: { allow: [">"] } },
    }));
    return {
      ...config,
      accounts: editUser({ ...config, accounts: looseCollector }, /^CN=tornado-engine,/, (user) => ({
        ...user,
        permissions: { ...user.permissions!, publish: {} },
      })),
    };
  });
});

afterAll(async () => {
  await broken?.nats.stop();
});

test("GIVEN a collector allowed to publish `>` and an engine allowed to publish WHEN the smoke test runs THEN it fails on exactly those denials", () => {
  expect(broken.report.ok).toBe(false);
  expect(failedChecks(broken.report)).toEqual([
    `${CHECK.enginePublish} [engine/tornado-engine]`,
    `${CHECK.otherTenantSubject} [collector/webhook-acme]`,
    `${CHECK.arbitrarySubject} [collector/webhook-acme]`,
  ]);
  const detail = (check: string, identity: string): string | undefined =>
    broken.report.checks.find((entry) => entry.check === check && entry.identity === identity)?.detail;
  expect(detail(CHECK.otherTenantSubject, "collector/webhook-acme")).toBe(
    "published to master.tornado.events without a permission error (collectors may publish tornado.events only)",
  );
  expect(detail(CHECK.enginePublish, "engine/tornado-engine")).toBe(
    "published to master.tornado.events, acme.tornado.events, globex.tornado.events without a permission error (the engine may publish nothing)",
  );
});

test("GIVEN the same holes THEN the other collectors, untouched, still pass their publish denials", () => {
  const others = broken.report.checks.filter(
    (check) =>
      [CHECK.otherTenantSubject, CHECK.arbitrarySubject].includes(check.check as never) &&
      check.identity !== "collector/webhook-acme",
  );
  expect(others.length).toBe(2 * (smokeTopology().collectors.length - 1));
  expect(new Set(others.map((check) => check.result))).toEqual(new Set(["passed"]));
});
