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
  /** The shared engine may subscribe to every tenant stream. */
  engineSubscribe: "allow engine subscribe *.tornado.events",
  /** A dedicated engine or a reader may subscribe to the stream of each tenant it reads. */
  observerSubscribe: "allow subscribe to the streams it reads",
  /** An engine or reader may not subscribe to `>`, to every tenant's stream, or to a tenant it does not read. */
  subscribeBeyond: "deny subscribe > and other tenants' streams",
  /** Every event of the tenants a reader reads reaches it, on its subject, body intact. */
  readerReceives: "allow reader receive its tenants' events",
  /** No event of a tenant an engine or reader does not read reaches it. */
  otherTenantsEvents: "deny receiving other tenants' events",
  /** An engine may not publish, and nothing it tried reaches a subscriber. */
  enginePublish: "deny engine publish",
  /** A reader may not publish, and nothing it tried reaches a subscriber. */
  readerPublish: "deny reader publish",
  /** A collector's event reaches every engine that reads its tenant, on that engine's subject, body intact. */
  collectorEvent: "allow publish tornado.events, engine receives",
  /** A collector may not publish to another tenant's subject, and nothing of it arrives. */
  otherTenantSubject: "deny publish to another tenant's subject",
  /** A collector may not publish anywhere else, and nothing of it arrives. */
  arbitrarySubject: "deny publish to an arbitrary subject",
  /** A collector may not subscribe. */
  collectorSubscribe: "deny collector subscribe",
  /** Cluster: an event published through this node reaches the engines and readers on the primary node. */
  nodeEvent: "allow event through this node, engine receives",
  /** A satellite site's collector is a user of its satellite only: the master refuses its certificate. */
  siteCollectorAtMaster: "deny site collector at the master",
  /** A satellite's identity is only for its leaf connection: the master refuses it as a client. */
  leafOnly: "deny satellite identity as a client (leaf only)",
  /** Reported (failed) only when a run stops on an unexpected error, e.g. a probe that timed out. */
  completed: "smoke run completed",
  /** A webhook POST to a collector canary is counted by the engine canary under the right tenant. */
  wholePath: "whole path: webhook -> engine canary",
} as const;

export type CheckName = (typeof CHECK)[keyof typeof CHECK];

/** The identity column for checks that act as nobody. */
export const NO_IDENTITY = "-";
