/**
 * The checks a smoke run reports, by the name printed in the table. Tests and
 * CI match on these, so they are part of the report's contract.
 */
export const CHECK = {
  /** The server presents a certificate for the expected DNS name, chaining to the generated CA. */
  serverCertificate: "server certificate: name and CA",
  /** A client speaking NATS in clear text is refused. */
  plaintext: "deny plaintext connection",
  /** A TLS client without a client certificate is refused. */
  noClientCertificate: "deny TLS without client certificate",
  /** The identity's own certificate connects (the allowed twin of the two below and the foreign CA). */
  connect: "allow mTLS connection",
  /** A certificate from a throwaway CA, with the identity's exact subject, is refused. */
  foreignCa: "deny foreign-CA certificate, same subject",
  /** The engine may subscribe to every tenant stream. */
  engineSubscribe: "allow engine subscribe *.tornado.events",
  /** The engine may not publish, and nothing it tried reaches a subscriber. */
  enginePublish: "deny engine publish",
  /** A collector's event reaches the engine under its tenant, body intact. */
  collectorEvent: "allow publish tornado.events, engine receives",
  /** A collector may not publish to another tenant's subject, and nothing of it arrives. */
  otherTenantSubject: "deny publish to another tenant's subject",
  /** A collector may not publish anywhere else, and nothing of it arrives. */
  arbitrarySubject: "deny publish to an arbitrary subject",
  /** A collector may not subscribe. */
  collectorSubscribe: "deny collector subscribe",
  /** Reported (failed) only when a run stops on an unexpected error, e.g. a probe that timed out. */
  completed: "smoke run completed",
  /** A webhook POST to a collector canary is counted by the engine canary under the right tenant. */
  wholePath: "whole path: webhook -> engine canary",
} as const;

export type CheckName = (typeof CHECK)[keyof typeof CHECK];

/** The identity column for checks that act as nobody. */
export const NO_IDENTITY = "-";
