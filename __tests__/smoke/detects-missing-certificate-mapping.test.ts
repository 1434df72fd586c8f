import type { NatsServerConfig } from "../../constructs/core/nats-config";
import { CHECK, NO_IDENTITY } from "../../smoke/check-names";
import { failedChecks, smokeAgainstBroken, type BrokenDeployment } from "./broken-harness";
import { smokeTopology } from "./deployed-outputs";

/**
 * Broken on purpose: the server no longer requires and maps client
 * certificates (`verify_and_map` dropped), once with a `no_auth_user` that
 * lets everyone in as a collector, once without. The smoke test must fail
 * both times and name the checks that prove it.
 */

function withoutVerifyAndMap(config: NatsServerConfig): NatsServerConfig {
  const { verify_and_map: _dropped, ...tls } = config.tls;
  return { ...config, tls: tls as NatsServerConfig["tls"] };
}

describe("GIVEN verify_and_map dropped and a no_auth_user added", () => {
  let broken: BrokenDeployment;

  beforeAll(async () => {
    broken = await smokeAgainstBroken((config) => {
      const collector = config.accounts.acme.users[0].user;
      return { ...withoutVerifyAndMap(config), no_auth_user: collector } as NatsServerConfig;
    });
  });

  afterAll(async () => {
    await broken?.nats.stop();
  });

  test("WHEN the smoke test runs THEN it fails, naming the TLS client without a certificate and every forged certificate it let in", () => {
    expect(broken.report.ok).toBe(false);
    const failed = failedChecks(broken.report);
    expect(failed).toContain(`${CHECK.noClientCertificate} [${NO_IDENTITY}]`);
    const forged = broken.report.checks.filter((check) => check.check === CHECK.foreignCa);
    expect(forged.length).toBe(smokeTopology().collectors.length);
    for (const check of forged) {
      expect(check).toMatchObject({
        result: "failed",
        detail: expect.stringMatching(/^a certificate from a throwaway CA/),
      });
    }
    const noCertificate = broken.report.checks.find((check) => check.check === CHECK.noClientCertificate);
    expect(noCertificate?.detail).toBe(
      "a TLS client without a certificate was let in (is verify_and_map off, or a no_auth_user set?)",
    );
    // Everyone is the no_auth_user (a collector of acme) now: the engine cannot subscribe.
    expect(failed).toContain(`${CHECK.engineSubscribe} [engine/tornado-engine]`);
  });
});

describe("GIVEN verify_and_map dropped, nothing else", () => {
  let broken: BrokenDeployment;

  beforeAll(async () => {
    broken = await smokeAgainstBroken(withoutVerifyAndMap);
  });

  afterAll(async () => {
    await broken?.nats.stop();
  });

  test("WHEN the smoke test runs THEN every identity's mTLS connection fails with the server's authorization error, and nothing is counted as passed that could not run", () => {
    const { report } = broken;
    expect(report.ok).toBe(false);
    const connects = report.checks.filter((check) => check.check === CHECK.connect);
    expect(connects.length).toBe(smokeTopology().collectors.length + 2);
    for (const check of connects) {
      expect(check).toMatchObject({ result: "failed", detail: expect.stringContaining("Authorization Violation") });
    }
    // What needs a connection did not run; it is not reported as passed.
    for (const check of report.checks.filter((entry) =>
      [CHECK.collectorEvent, CHECK.engineSubscribe, CHECK.enginePublish, CHECK.collectorSubscribe].includes(
        entry.check as never,
      ),
    )) {
      expect(check.result).toBe("not_run");
    }
  });
});
