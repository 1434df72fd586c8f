/**
 * The one place where the NATS server version is pinned. The container image
 * tag (`nats:<version>-alpine`) and the nats-server binary the integration
 * tests run (scripts/install-nats-server.sh reads this file) both come from
 * here, so what CI attacks is what `cdktf deploy` runs.
 *
 * 2.15.x is a supported minor and includes the fix for CVE-2026-33248
 * (verify_and_map DN matching bypass, fixed in 2.11.15 / 2.12.6).
 */
export const NATS_SERVER_VERSION = "2.15.3";

/** The official image of a nats-server release. */
export function natsImage(version: string): string {
  return `nats:${version}-alpine`;
}

/** The official image for the pinned version. */
export const NATS_SERVER_IMAGE = natsImage(NATS_SERVER_VERSION);

/** Provider versions the prebuilt bindings were generated for; synth pins them exactly. */
export const DOCKER_PROVIDER_VERSION = "3.6.2";
export const TLS_PROVIDER_VERSION = "4.1.0";
