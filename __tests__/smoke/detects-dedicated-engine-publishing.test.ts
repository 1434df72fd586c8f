import { CHECK } from "../../smoke/check-names";
import { editUser, failedChecks, smokeAgainstBroken, type BrokenDeployment } from "./broken-harness";
import { readersTopology } from "./deployed-outputs";

/**
 * Broken on purpose: initech's dedicated engine lost its `deny >` on
 * publish. In initech's account, where tornado.events is mapped to
 * initech.tornado.events, it could now forge events that initech's reader
 * (and the engine itself) would take for the tenant's own.
 */

let broken: BrokenDeployment;

beforeAll(async () => {
  broken = await smokeAgainstBroken(
    (config) => ({
      ...config,
      accounts: editUser(config, /^CN=initech-engine,/, (user) => ({
        ...user,
        permissions: { ...user.permissions!, publish: {} },
      })),
    }),
    readersTopology(),
  );
});

afterAll(async () => {
  await broken?.nats.stop();
});

test("GIVEN the dedicated engine allowed to publish WHEN the smoke test runs THEN exactly its publish denial fails, naming the subjects", () => {
  expect(broken.report.ok).toBe(false);
  expect(failedChecks(broken.report)).toEqual([`${CHECK.enginePublish} [engine/initech-engine]`]);
  expect(
    broken.report.checks.find(
      (check) => check.check === CHECK.enginePublish && check.identity === "engine/initech-engine",
    )?.detail,
  ).toBe(
    "published to tornado.events, initech.tornado.events without a permission error (the engine may publish nothing)",
  );
});

test("GIVEN the same hole THEN the shared engine and the readers still pass their own publish denials", () => {
  const others = broken.report.checks.filter(
    (check) =>
      [CHECK.enginePublish, CHECK.readerPublish].includes(check.check as never) &&
      check.identity !== "engine/initech-engine",
  );
  expect(others.map((check) => [check.identity, check.result])).toEqual([
    ["engine/tornado-engine", "passed"],
    ["reader/acme-archive", "passed"],
    ["reader/initech-audit", "passed"],
    ["reader/siem", "passed"],
  ]);
});
