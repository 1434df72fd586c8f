import { CHECK } from "./check-names";
import { since, type CheckRecorder } from "./check-recorder";
import { tryConnect, tryPlaintext, type ClientMaterial } from "./nats-probes";
import { inspectServerCertificate } from "./server-certificate";
import type { SmokeServer } from "./smoke-servers";

/**
 * What every NATS server of the deployment must do before any identity is
 * tried: present a certificate for its name from the deployment's CA, and
 * refuse a client that speaks plaintext or brings no certificate.
 */

export interface ServerCheckOptions {
  readonly recorder: CheckRecorder;
  /** The deployment's CA, and any identity's certificate (servers limited to TLS 1.2 ask for one first). */
  readonly material: ClientMaterial;
  readonly connectTimeoutMs: number;
  /** Names the smoke run's connections in the server's connz. */
  readonly clientName: string;
}

/** Records the server certificate check; resolves to whether the server can be trusted for the rest. */
export async function checkServerCertificate(target: SmokeServer, options: ServerCheckOptions): Promise<boolean> {
  const { recorder } = options;
  const { endpoint, label } = target;
  const start = performance.now();
  const outcome = await inspectServerCertificate(endpoint, options.material, options.connectTimeoutMs);
  const { servername, address } = endpoint;
  const fail = (detail: string): false => {
    recorder.record(CHECK.serverCertificate, label, "failed", since(start), detail);
    return false;
  };
  if (!outcome.reached) {
    const where = target.server.kind === "satellite" ? "satellite's NATS container" : "NATS container";
    return fail(
      `${outcome.reason}. Is the ${where} running and its port published? From another machine, ` +
        "pass --server host:port (and --servername NAME if the address is not a DNS name in the certificate), " +
        "or --resolve NAME=host:port for each server of a cluster or satellite.",
    );
  }
  const { facts } = outcome;
  if (facts.nameProblem) {
    return fail(
      `the server certificate at ${address} is not valid for the name "${servername}"; it offers ` +
        `${facts.subjectAltNames}. Pass --servername with one of those names, or add "${servername}" to the server's ` +
        "dnsNames and redeploy.",
    );
  }
  if (facts.chainProblem) {
    return fail(
      `the server certificate at ${address} (subject ${facts.subject}, issuer ${facts.issuer}) does not verify ` +
        `against ca_certificate_pem from the outputs (${facts.chainProblem}). Are these the outputs of this deployment?`,
    );
  }
  recorder.record(
    CHECK.serverCertificate,
    label,
    "passed",
    since(start),
    `valid for "${servername}" (${facts.subjectAltNames}), issued by ${facts.issuer}, until ${facts.validTo}`,
  );
  return true;
}

export async function checkPlaintextRefused(target: SmokeServer, options: ServerCheckOptions): Promise<void> {
  const start = performance.now();
  const outcome = await tryPlaintext(target.endpoint.address, options.connectTimeoutMs);
  if (outcome.accepted) {
    options.recorder.record(
      CHECK.plaintext,
      target.label,
      "failed",
      since(start),
      "the server answered a plaintext CONNECT",
    );
  } else {
    options.recorder.record(CHECK.plaintext, target.label, "passed", since(start), `refused: ${outcome.reason}`);
  }
}

export async function checkNoCertificateRefused(target: SmokeServer, options: ServerCheckOptions): Promise<void> {
  const start = performance.now();
  const outcome = await tryConnect(
    target.endpoint,
    { caPem: options.material.caPem },
    { name: options.clientName, timeoutMs: options.connectTimeoutMs },
  );
  if (outcome.accepted) {
    options.recorder.record(
      CHECK.noClientCertificate,
      target.label,
      "failed",
      since(start),
      "a TLS client without a certificate was let in (is verify_and_map off, or a no_auth_user set?)",
    );
  } else {
    options.recorder.record(
      CHECK.noClientCertificate,
      target.label,
      "passed",
      since(start),
      `refused: ${firstLine(outcome.reason)}`,
    );
  }
}

export function firstLine(text: string): string {
  return text.split(/\r?\n/)[0].trim();
}
