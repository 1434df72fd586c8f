import { CHECK } from "../../smoke/check-names";
import { editUser, failedChecks, smokeAgainstBroken, type BrokenDeployment } from "./broken-harness";
import { readersTopology } from "./deployed-outputs";

/**
 * Broken on purpose, in two readers at once: acme-archive (in acme's
 * account) may subscribe to `>`, and siem (in ENGINE, reading acme and
 * globex) may also subscribe to initech's stream. The smoke test must fail
 * on exactly those readers' subscribe denials, and nothing else.
 */

let broken: BrokenDeployment;

beforeAll(async () => {
  broken = await smokeAgainstBroken((config) => {
    const wideArchive = editUser(config, /^CN=acme-archive,/, (user) => ({
      ...user,
      permissions: { ...user.permissions!, subscribe: { allow: [">"] } },
    }));
    return {
      ...config,
      accounts: editUser({ ...config, accounts: wideArchive }, /^CN=siem,/, (user) => ({
        ...user,
        permissions: {
          ...user.permissions!,
          subscribe: { allow: [...user.permissions!.subscribe.allow!, "initech.tornado.events"] },
        },
      })),
    };
  }, readersTopology());
});

afterAll(async () => {
  await broken?.nats.stop();
});

test("GIVEN a reader allowed `>` and a reader allowed another tenant's stream WHEN the smoke test runs THEN exactly their subscribe denials fail, naming what they got", () => {
  expect(broken.report.ok).toBe(false);
  expect(failedChecks(broken.report)).toEqual([
    `${CHECK.subscribeBeyond} [reader/acme-archive]`,
    `${CHECK.subscribeBeyond} [reader/siem]`,
  ]);
  const detail = (identity: string): string | undefined =>
    broken.report.checks.find((check) => check.check === CHECK.subscribeBeyond && check.identity === identity)?.detail;
  expect(detail("reader/acme-archive")).toBe(
    "subscribed to >, *.tornado.events, globex.tornado.events, initech.tornado.events without a permission error " +
      "(it may subscribe to tornado.events only)",
  );
  expect(detail("reader/siem")).toBe(
    "subscribed to initech.tornado.events without a permission error " +
      "(it may subscribe to acme.tornado.events, globex.tornado.events only)",
  );
});

test("GIVEN the same holes THEN what the readers are allowed still works: their own streams arrive", () => {
  for (const reader of ["reader/acme-archive", "reader/siem"]) {
    expect(
      broken.report.checks.find((check) => check.check === CHECK.readerReceives && check.identity === reader)?.result,
    ).toBe("passed");
  }
});
