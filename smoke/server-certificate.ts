import { connect as connectTcp, type Socket } from "node:net";
import { checkServerIdentity, connect as connectTls, type PeerCertificate } from "node:tls";
import { splitAddress, type ClientMaterial, type NatsEndpoint } from "./nats-probes";

/**
 * Looks at the NATS server's certificate over a raw TLS connection, the way
 * a NATS client starts one (read INFO in clear text, then upgrade), but
 * without trusting it yet. That lets the smoke test say *why* a client
 * would refuse the server: the name it tried and the SANs the server
 * offered, or the issuer that does not chain to the generated CA.
 */

export interface ServerCertificateFacts {
  readonly subject: string;
  readonly issuer: string;
  /** Subject alternative names as Node prints them, e.g. "DNS:nats.example.net, DNS:localhost". */
  readonly subjectAltNames: string;
  readonly validTo: string;
  /** Why the name does not match, if it does not. */
  readonly nameProblem?: string;
  /** Why the chain does not verify against the CA, if it does not (an OpenSSL code). */
  readonly chainProblem?: string;
}

export type ServerCertificateOutcome =
  | { readonly reached: true; readonly facts: ServerCertificateFacts }
  | { readonly reached: false; readonly reason: string };

function distinguishedName(name: PeerCertificate["subject"] | undefined): string {
  if (!name) return "(none)";
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join("+") : value}`)
    .reverse()
    .join(",");
}

/**
 * Reads the server certificate at `endpoint`, checking it against
 * `material.caPem` and `endpoint.servername`. A client certificate, if
 * given, is presented so servers limited to TLS 1.2 (which ask for it
 * before finishing the handshake) can be inspected too.
 */
export function inspectServerCertificate(
  endpoint: NatsEndpoint,
  material: ClientMaterial,
  timeoutMs = 5000,
): Promise<ServerCertificateOutcome> {
  const [host, port] = splitAddress(endpoint.address);
  return new Promise((resolve) => {
    let settled = false;
    let tlsSocket: Socket | undefined;
    const socket = connectTcp({ host, port: Number(port) });
    const finish = (outcome: ServerCertificateOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      tlsSocket?.destroy();
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () =>
        finish({
          reached: false,
          reason: tlsSocket
            ? `no TLS handshake with ${endpoint.address} within ${timeoutMs} ms`
            : `no NATS greeting from ${endpoint.address} within ${timeoutMs} ms (is it a NATS server? a firewall?)`,
        }),
      timeoutMs,
    );
    socket.once("error", (error) =>
      finish({ reached: false, reason: `cannot reach ${endpoint.address}: ${error.message}` }),
    );
    socket.once("close", () =>
      finish({ reached: false, reason: `${endpoint.address} closed the connection before a TLS handshake` }),
    );

    let greeting = "";
    const onData = (chunk: Buffer): void => {
      greeting += chunk.toString("latin1");
      if (!greeting.includes("\r\n")) return;
      socket.off("data", onData);
      if (!greeting.startsWith("INFO ")) {
        finish({ reached: false, reason: `${endpoint.address} did not greet like a NATS server` });
        return;
      }
      socket.removeAllListeners("close");
      const secure = connectTls({
        socket,
        servername: endpoint.servername,
        ca: material.caPem,
        ...(material.certPem && material.keyPem ? { cert: material.certPem, key: material.keyPem } : {}),
        // Verified by hand below, so the certificate can be described even when it is wrong.
        rejectUnauthorized: false,
      });
      tlsSocket = secure;
      secure.once("error", (error) =>
        finish({ reached: false, reason: `TLS with ${endpoint.address} failed: ${error.message}` }),
      );
      secure.once("close", () => finish({ reached: false, reason: `${endpoint.address} closed the TLS handshake` }));
      secure.once("secureConnect", () => {
        const certificate = secure.getPeerCertificate();
        if (!certificate || Object.keys(certificate).length === 0) {
          finish({ reached: false, reason: `${endpoint.address} sent no certificate` });
          return;
        }
        const nameError = checkServerIdentity(endpoint.servername, certificate);
        finish({
          reached: true,
          facts: {
            subject: distinguishedName(certificate.subject),
            issuer: distinguishedName(certificate.issuer),
            subjectAltNames: certificate.subjectaltname ?? "(none)",
            validTo: certificate.valid_to,
            ...(nameError ? { nameProblem: nameError.message } : {}),
            ...(secure.authorized ? {} : { chainProblem: String(secure.authorizationError) }),
          },
        });
      });
    };
    socket.on("data", onData);
  });
}
