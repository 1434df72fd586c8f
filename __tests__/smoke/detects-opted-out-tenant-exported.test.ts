import { CHECK } from "../../smoke/check-names";
import { failedChecks, smokeAgainstBroken, type BrokenDeployment } from "./broken-harness";
import { readersTopology } from "./deployed-outputs";

/**
 * Broken on purpose: initech opted out of the shared engine, but its account
 * exports its stream to ENGINE again and ENGINE imports it (as the renderer
 * would for a tenant that shares and has a dedicated engine). Nothing is
 * refused and nothing fails on initech's side: its events simply reach the
 * shared engine too. Only "must not reach the shared engine" can see it.
 */

let broken: BrokenDeployment;

beforeAll(async () => {
  broken = await smokeAgainstBroken((config) => {
    const { initech, ENGINE } = config.accounts;
    return {
      ...config,
      accounts: {
        ...config.accounts,
        initech: { ...initech, exports: [{ stream: "initech.tornado.events", accounts: ["ENGINE"] }] },
        ENGINE: {
          ...ENGINE,
          imports: [...ENGINE.imports!, { stream: { account: "initech", subject: "initech.tornado.events" } }],
        },
      },
    };
  }, readersTopology());
});

afterAll(async () => {
  await broken?.nats.stop();
});

test("GIVEN the opted-out tenant exported to ENGINE again WHEN the smoke test runs THEN exactly the shared engine's 'deny receiving other tenants' events' fails, naming what reached it", () => {
  expect(broken.report.ok).toBe(false);
  expect(failedChecks(broken.report)).toEqual([`${CHECK.otherTenantsEvents} [engine/tornado-engine]`]);
  expect(
    broken.report.checks.find(
      (check) => check.check === CHECK.otherTenantsEvents && check.identity === "engine/tornado-engine",
    )?.detail,
  ).toBe(
    "received initech's event from collector/email-initech on initech.tornado.events, " +
      "initech's event from collector/webhook-initech on initech.tornado.events, " +
      "initech's final event on initech.tornado.events; it reads acme, globex only",
  );
});

test("GIVEN the same export THEN siem, in ENGINE but subscribed to acme's and globex's streams only, still proves it got none", () => {
  expect(
    broken.report.checks.find((check) => check.check === CHECK.otherTenantsEvents && check.identity === "reader/siem")
      ?.result,
  ).toBe("passed");
});
