import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { natsServerDnsNames, natsServerSubject } from "../../constructs/core/identities";
import { issueCertificate, type IssueOptions } from "../../smoke/local-pki";
import { tryConnect } from "../../smoke/nats-probes";
import { loggedSince } from "../helpers/server-log";
import { startSecuredNats, type SecuredNats } from "../helpers/secured-nats";
import { threeTenants } from "../helpers/topologies";

/**
 * Certificates that are genuine (our CA, a mapped subject) but not usable
 * now or not for this purpose, tried against a real nats-server running the
 * rendered config. Each refusal sits beside its allowed twin: the same
 * identity's certificate, valid and for client use, connecting to the same
 * server. A second server presenting a client-only certificate shows the
 * client side checks usage too.
 */

const COLLECTOR = "collector/webhook-acme";
const HOUR = 3600 * 1000;

let nats: SecuredNats;

beforeAll(async () => {
  nats = await startSecuredNats(threeTenants());
});

afterAll(async () => {
  await nats?.stop();
});

/** Issues a certificate for the collector's own subject from the topology CA, with `change` applied. */
async function collectorCertificate(change: Partial<IssueOptions>) {
  const { identity } = nats.pki.clients.get(COLLECTOR)!;
  return issueCertificate(nats.pki.ca, { subject: identity.subject, usage: "client", ...change });
}

/** Tries `pair` as the collector's client certificate; resolves with the client's verdict and where the server's log stood before. */
async function attempt(pair: { certPem: string; keyPem: string }) {
  const marker = nats.server.log().length;
  const outcome = await tryConnect(nats.endpoint, { caPem: nats.pki.ca.certPem, ...pair }, { timeoutMs: 3000 });
  return { outcome, marker };
}

describe("GIVEN a client certificate from the topology CA with the collector's exact subject", () => {
  test("allowed twin: valid now and for client use, it connects", async () => {
    const { outcome } = await attempt(await collectorCertificate({}));
    expect(outcome).toEqual({ accepted: true });
  });

  test.each<[string, Partial<IssueOptions>, RegExp]>([
    [
      "expired an hour ago",
      { notBefore: new Date(Date.now() - 48 * HOUR), notAfter: new Date(Date.now() - HOUR) },
      /TLS handshake error.*certificate has expired or is not yet valid/,
    ],
    [
      "not valid until tomorrow",
      { notBefore: new Date(Date.now() + 24 * HOUR), notAfter: new Date(Date.now() + 48 * HOUR) },
      /TLS handshake error.*certificate has expired or is not yet valid/,
    ],
    [
      "a server certificate (serverAuth only) used as a client certificate",
      { usage: "server", dnsNames: ["webhook-acme.example.net"] },
      /TLS handshake error.*certificate specifies an incompatible key usage/,
    ],
  ])("denied: %s", async (_label, change, logged) => {
    const { outcome, marker } = await attempt(await collectorCertificate(change));
    expect(outcome.accepted).toBe(false);
    // The server's own reason, so "refused" cannot mean "broken some other way".
    expect(await loggedSince(nats.server, marker, logged)).toMatch(logged);
    // The allowed twin, right after: the identity's issued certificate still connects.
    expect(await tryConnect(nats.endpoint, nats.material(COLLECTOR))).toEqual({ accepted: true });
  });
});

describe("GIVEN a NATS server presenting a client certificate (clientAuth only) as its server certificate", () => {
  let impostor: SecuredNats;

  beforeAll(async () => {
    const node = nats.topology.nats.nodes[0];
    // The topology CA, the real server's subject and DNS names, but issued for client use only.
    const clientOnly = await issueCertificate(nats.pki.ca, {
      subject: natsServerSubject(node, nats.topology.organization),
      usage: "client",
      dnsNames: natsServerDnsNames(node),
    });
    const certFile = join(nats.dir, "client-only-server.pem");
    const keyFile = join(nats.dir, "client-only-server-key.pem");
    writeFileSync(certFile, clientOnly.certPem);
    writeFileSync(keyFile, clientOnly.keyPem, { mode: 0o400 });
    impostor = await startSecuredNats(threeTenants(), {
      alterConfig: (config) => ({
        ...config,
        tls: { ...config.tls, cert_file: certFile, key_file: keyFile, ca_file: nats.pki.caFile },
      }),
    });
  });

  afterAll(async () => {
    await impostor?.stop();
  });

  test("denied: a client refuses the handshake, though the CA, subject and name are right", async () => {
    const outcome = await tryConnect(impostor.endpoint, nats.material(COLLECTOR), { timeoutMs: 3000 });
    expect(outcome).toEqual({ accepted: false, reason: expect.stringMatching(/unsuitable certificate purpose/) });
    // The allowed twin: the same client, the real server's certificate (serverAuth), same CA.
    expect(await tryConnect(nats.endpoint, nats.material(COLLECTOR))).toEqual({ accepted: true });
  });
});
