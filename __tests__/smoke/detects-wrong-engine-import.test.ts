import { CHECK } from "../../smoke/check-names";
import { failedChecks, smokeAgainstBroken, type BrokenDeployment } from "./broken-harness";
import { smokeTopology } from "./deployed-outputs";

/**
 * Broken on purpose: the ENGINE account imports acme's stream with globex's
 * prefix and globex's with acme's. Every event still reaches the engine, on
 * a subject it accepts, but filed under the wrong tenant: the quiet kind of
 * breakage only a check of the subject catches.
 */

describe("GIVEN two tenants imported with swapped prefixes", () => {
  let broken: BrokenDeployment;

  beforeAll(async () => {
    broken = await smokeAgainstBroken((config) => {
      const swapped: Record<string, string> = { acme: "globex", globex: "acme" };
      const engine = config.accounts.ENGINE;
      return {
        ...config,
        accounts: {
          ...config.accounts,
          ENGINE: {
            ...engine,
            imports: engine.imports!.map((entry) => ({
              ...entry,
              prefix: swapped[entry.stream.account] ?? entry.prefix,
            })),
          },
        },
      };
    });
  });

  afterAll(async () => {
    await broken?.nats.stop();
  });

  test("GIVEN the engine imports two tenants with swapped prefixes WHEN the smoke test runs THEN it fails on exactly those tenants' collectors, naming the subject seen", () => {
    const affected = smokeTopology()
      .collectors.filter((collector) => collector.tenant === "acme" || collector.tenant === "globex")
      .map((collector) => `collector/${collector.name}`)
      .sort();

    expect(broken.report.ok).toBe(false);
    expect(failedChecks(broken.report).sort()).toEqual(affected.map((id) => `${CHECK.collectorEvent} [${id}]`).sort());
    const acme = broken.report.checks.find(
      (check) => check.check === CHECK.collectorEvent && check.identity === "collector/webhook-acme",
    );
    expect(acme?.detail).toBe(
      'the engine received it on globex.tornado.events, expected acme.tornado.events: the engine would file it under tenant "globex" (check the import prefix of tenant acme)',
    );
  });
});

describe("GIVEN a tenant imported under a prefix the engine's subject does not match", () => {
  let broken: BrokenDeployment;

  beforeAll(async () => {
    broken = await smokeAgainstBroken((config) => {
      const engine = config.accounts.ENGINE;
      return {
        ...config,
        accounts: {
          ...config.accounts,
          ENGINE: {
            ...engine,
            imports: engine.imports!.map((entry) =>
              entry.stream.account === "globex" ? { ...entry, prefix: "globex.events" } : entry,
            ),
          },
        },
      };
    });
  });

  afterAll(async () => {
    await broken?.nats.stop();
  });

  test("WHEN the smoke test runs THEN that tenant's events fail after the timeout, and their denials are not run, not passed", () => {
    const globex = smokeTopology()
      .collectors.filter((collector) => collector.tenant === "globex")
      .map((collector) => `collector/${collector.name}`);

    expect(failedChecks(broken.report).sort()).toEqual(globex.map((id) => `${CHECK.collectorEvent} [${id}]`).sort());
    const event = broken.report.checks.find(
      (check) => check.check === CHECK.collectorEvent && check.identity === globex[0],
    );
    expect(event?.detail).toBe(
      "the engine did not receive the event within 1500 ms (expected on globex.tornado.events; is tornado.events " +
        "exported to the engine account and imported with the tenant prefix?)",
    );
    const unproven = broken.report.checks.filter(
      (check) =>
        globex.includes(check.identity) &&
        [CHECK.otherTenantSubject, CHECK.arbitrarySubject].includes(check.check as never),
    );
    expect(unproven.map((check) => check.result)).toEqual(Array(2 * globex.length).fill("not_run"));
    // The engine's denied publish is still proven, with a sentinel from a tenant whose events do arrive.
    expect(broken.report.checks.find((check) => check.check === CHECK.enginePublish)?.result).toBe("passed");
  });
});
