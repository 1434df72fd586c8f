import "cdktf/lib/testing/adapters/jest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Container } from "@cdktf/provider-docker/lib/container";
import { SelfSignedCert } from "@cdktf/provider-tls/lib/self-signed-cert";
import { DEFAULT_TOPOLOGY } from "../../constructs/core/default-topology";
import { parseTopologyText } from "../../constructs/core/load-topology";
import { natsServerDnsNames } from "../../constructs/core/identities";
import type { NatsServerConfig } from "../../constructs/core/nats-config";
import { resolveTopology } from "../../constructs/core/topology";
import { NATS_SERVER_VERSION } from "../../constructs/core/versions";
import { NATS_CONTAINER_PATHS } from "../../constructs/nats-server";
import { referenced, resourcesOf, synthTopology, type SynthesizedStack } from "../helpers/synth";
import { clusterAndSatellite, threeTenants, withChange } from "../helpers/topologies";

function natsContainer(json: SynthesizedStack): Record<string, any> {
  const containers = resourcesOf(json, "docker_container").filter(([id]) => id.includes("_nats_"));
  expect(containers).toHaveLength(1);
  return containers[0][1];
}

function upload(container: Record<string, any>, file: string): Record<string, any> {
  const found = (container.upload as Record<string, any>[]).find((entry) => entry.file === file);
  if (!found) throw new Error(`no upload of ${file}`);
  return found;
}

function uploadedConfig(json: SynthesizedStack): NatsServerConfig {
  return JSON.parse(upload(natsContainer(json), NATS_CONTAINER_PATHS.config).content) as NatsServerConfig;
}

describe("GIVEN the three-tenant topology", () => {
  const { json, text } = synthTopology(threeTenants());

  test("THEN it declares one docker provider per host, each with the host's alias and address", () => {
    expect(json.provider.docker).toEqual([
      { alias: "master", host: "unix:///var/run/docker.sock" },
      { alias: "edge", host: "ssh://deploy@edge-1.example.net:2222", ssh_opts: ["-o", "StrictHostKeyChecking=yes"] },
      { alias: "dmz", host: "tcp://dmz-docker.example.net:2376", cert_path: "/etc/docker-certs/dmz" },
    ]);
    expect(json.provider.tls).toEqual([{}]);
  });

  test("THEN the provider versions are pinned exactly", () => {
    expect(json.terraform.required_providers).toEqual({
      docker: { source: "kreuzwerker/docker", version: "3.6.2" },
      tls: { source: "hashicorp/tls", version: "4.1.0" },
    });
  });

  test("THEN it issues a CA, a server certificate and one client certificate per identity", () => {
    // engine + 7 collectors + system = 9 clients; + server = 10 leaves; + CA = 11 keys;
    // + one token seed per generated webhook token (2 webhook collectors).
    expect(resourcesOf(json, "tls_self_signed_cert")).toHaveLength(1);
    expect(resourcesOf(json, "tls_private_key").filter(([id]) => !id.includes("token-seed"))).toHaveLength(11);
    expect(resourcesOf(json, "tls_private_key").filter(([id]) => id.includes("token-seed"))).toHaveLength(2);
    expect(resourcesOf(json, "tls_cert_request")).toHaveLength(10);
    expect(resourcesOf(json, "tls_locally_signed_cert")).toHaveLength(10);
    // NATS, the engine and 7 collectors; one network per host.
    expect(resourcesOf(json, "docker_container")).toHaveLength(9);
    expect(resourcesOf(json, "docker_network")).toHaveLength(3);
    // Per host, each distinct image once: master nats+canary+icinga2, edge canary+email, dmz canary+rsyslog+snmptrapd.
    expect(resourcesOf(json, "docker_image")).toHaveLength(8);
  });

  test("THEN every key is ECDSA P-256 by default", () => {
    for (const [, key] of resourcesOf(json, "tls_private_key").filter(([id]) => !id.includes("token-seed"))) {
      expect(key).toMatchObject({ algorithm: "ECDSA", ecdsa_curve: "P256" });
    }
  });

  test("THEN the CA is a CA that only signs", () => {
    expect(text).toHaveResourceWithProperties(SelfSignedCert, {
      is_ca_certificate: true,
      allowed_uses: ["cert_signing", "crl_signing", "digital_signature"],
      validity_period_hours: 87600,
      early_renewal_hours: 720,
    });
  });

  test("THEN the server certificate is server_auth only, with a DNS SAN for every client name and the container name", () => {
    const container = natsContainer(json);
    const cert = referenced(json, upload(container, NATS_CONTAINER_PATHS.certFile).content);
    expect(cert).toMatchObject({ type: "tls_locally_signed_cert", attribute: "cert_pem" });
    expect(cert.resource.allowed_uses).toEqual(["digital_signature", "server_auth"]);
    expect(cert.resource).toMatchObject({ validity_period_hours: 8760, early_renewal_hours: 720 });
    const csr = referenced(json, cert.resource.cert_request_pem);
    expect(csr.resource.dns_names).toEqual(["nats.example.net", "localhost", "tornado-nats"]);
    expect(csr.resource.ip_addresses).toBeUndefined();
  });

  test("THEN the NATS container uploads that server certificate's own key, as PKCS#8 with mode 0400", () => {
    const container = natsContainer(json);
    const cert = referenced(json, upload(container, NATS_CONTAINER_PATHS.certFile).content);
    const csr = referenced(json, cert.resource.cert_request_pem);
    const keyUpload = upload(container, NATS_CONTAINER_PATHS.keyFile);
    const key = referenced(json, keyUpload.content);
    expect(key).toMatchObject({ type: "tls_private_key", attribute: "private_key_pem_pkcs8" });
    expect(csr.resource.private_key_pem).toBe(`\${tls_private_key.${key.id}.private_key_pem}`);
    expect(keyUpload.permissions).toBe("0400");
  });

  test("THEN the NATS container trusts the generated CA and is signed by it", () => {
    const container = natsContainer(json);
    const ca = referenced(json, upload(container, NATS_CONTAINER_PATHS.caFile).content);
    expect(ca).toMatchObject({ type: "tls_self_signed_cert", attribute: "cert_pem" });
    const cert = referenced(json, upload(container, NATS_CONTAINER_PATHS.certFile).content);
    expect(cert.resource.ca_cert_pem).toBe(`\${tls_self_signed_cert.${ca.id}.cert_pem}`);
  });

  test("THEN the client certificates are client_auth only and carry no SAN", () => {
    const clientCerts = resourcesOf(json, "tls_locally_signed_cert").filter(([id]) => id.includes("_cert-"));
    expect(clientCerts).toHaveLength(9);
    for (const [, cert] of clientCerts) {
      expect(cert.allowed_uses).toEqual(["digital_signature", "client_auth"]);
      const csr = referenced(json, cert.cert_request_pem);
      expect(csr.resource.dns_names).toBeUndefined();
    }
  });

  test("THEN the NATS container runs the pinned image on the NATS host's provider, with lame duck stop and a healthcheck", () => {
    const container = natsContainer(json);
    expect(container).toMatchObject({
      provider: "docker.master",
      name: "tornado-nats",
      command: ["-c", NATS_CONTAINER_PATHS.config],
      restart: "unless-stopped",
      stop_signal: "SIGUSR2",
      stop_timeout: 45,
      ports: [{ internal: 4222, external: 4222, protocol: "tcp" }],
      healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8222/healthz"] },
    });
    const image = referenced(json, container.image);
    expect(image.resource).toMatchObject({ name: `nats:${NATS_SERVER_VERSION}-alpine`, provider: "docker.master" });
    const network = referenced(json, container.networks_advanced[0].name);
    expect(network.resource).toMatchObject({ provider: "docker.master", name: "tornado" });
  });

  test("THEN monitoring stays on the container's loopback and is not published", () => {
    expect(uploadedConfig(json).http).toBe("127.0.0.1:8222");
    expect(natsContainer(json).ports).toHaveLength(1);
  });

  test("THEN every output that carries a private key or a client certificate is sensitive", () => {
    const privateKeyOutputs = Object.entries(json.output).filter(([, output]) =>
      JSON.stringify(output.value).includes("tls_private_key"),
    );
    // 9 identity keys, plus the webhook endpoints whose tokens derive from a key.
    expect(privateKeyOutputs.map(([name]) => name)).toContain("webhook_endpoints");
    expect(privateKeyOutputs.length).toBe(10);
    for (const [name, output] of privateKeyOutputs) {
      expect({ name, sensitive: output.sensitive }).toEqual({ name, sensitive: true });
    }
    for (const [name, output] of privateKeyOutputs.filter(([key]) => key.startsWith("identity_"))) {
      expect({ name, value: output.value }).toEqual({
        name,
        value: expect.stringMatching(/^\$\{tls_private_key\.[^.]+\.private_key_pem_pkcs8\}$/),
      });
    }
    for (const [name, output] of Object.entries(json.output).filter(
      ([key]) => key.startsWith("identity_") && key.endsWith("_certificate_pem"),
    )) {
      expect({ name, sensitive: output.sensitive }).toEqual({ name, sensitive: true });
    }
  });

  test("THEN the identities output names each identity's outputs and carries no secret", () => {
    const identities = json.output.identities.value as Record<string, Record<string, unknown>>;
    expect(Object.keys(identities).sort()).toEqual(
      [
        "engine/tornado-engine",
        "system/nats-system",
        ...threeTenants().collectors.map((c) => `collector/${c.name}`),
      ].sort(),
    );
    expect(identities["collector/webhook-acme"]).toEqual({
      role: "collector",
      name: "webhook-acme",
      tenant: "acme",
      account: "acme",
      nats_user: "CN=webhook-acme,OU=acme,O=Acme Monitoring",
      publish: { allow: ["tornado.events"] },
      subscribe: { deny: [">"] },
      certificate_output: "identity_collector_webhook-acme_certificate_pem",
      private_key_output: "identity_collector_webhook-acme_private_key_pem",
    });
    for (const identity of Object.values(identities)) {
      expect(json.output[identity.certificate_output as string].sensitive).toBe(true);
      expect(json.output[identity.private_key_output as string].value).toContain("private_key_pem_pkcs8");
    }
    expect(json.output.identities.sensitive).toBeUndefined();
    expect(JSON.stringify(json.output.identities)).not.toMatch(/tls_private_key|PRIVATE KEY/);
  });

  test("THEN the NATS URLs, the name to verify and the CA are plain outputs", () => {
    expect(json.output.nats_urls.value).toEqual(["tls://nats.example.net:4222", "tls://localhost:4222"]);
    expect(json.output.nats_server_name.value).toBe("nats.example.net");
    expect(json.output.ca_certificate_pem.value).toMatch(/^\$\{tls_self_signed_cert\.[^.]+\.cert_pem\}$/);
    expect(json.output.ca_certificate_pem.sensitive).toBeUndefined();
    expect(json.output.tenants.value).toEqual(["master", "acme", "globex"]);
  });
});

/** Every NATS config the stack uploads (master nodes and satellites), by container resource id. */
function uploadedConfigs(json: SynthesizedStack): [string, NatsServerConfig][] {
  return resourcesOf(json, "docker_container").flatMap(([id, container]) => {
    const config = ((container.upload ?? []) as Record<string, any>[]).find(
      (entry) => entry.file === NATS_CONTAINER_PATHS.config,
    );
    return config ? [[id, JSON.parse(config.content) as NatsServerConfig] as [string, NatsServerConfig]] : [];
  });
}

const READERS_EXAMPLE = resolve(__dirname, "../../examples/readers-and-dedicated-engines.yaml");

describe.each([
  ["every collector kind, the engine and the system identity", () => threeTenants()],
  ["readers and dedicated engines", () => parseTopologyText(readFileSync(READERS_EXAMPLE, "utf8"), READERS_EXAMPLE)],
  ["a cluster with a satellite and its collectors", () => clusterAndSatellite()],
])("identities and certificates agree: %s", (_, topology) => {
  // The subject in the CSR the stack declares prints as exactly the user an
  // uploaded NATS config holds, in the identity's account, and in no other
  // account of any server (a satellite's collectors are users of that satellite).
  const { json } = synthTopology(topology());
  const configs = uploadedConfigs(json);
  const identities = json.output.identities.value as Record<
    string,
    { nats_user: string; account: string; certificate_output: string }
  >;

  test.each(Object.keys(identities))("%s", (identityId) => {
    const identity = identities[identityId];
    const cert = referenced(json, json.output[identity.certificate_output].value as string);
    const csr = referenced(json, cert.resource.cert_request_pem);
    const [subject] = csr.resource.subject as {
      common_name: string;
      organizational_unit: string;
      organization: string;
    }[];
    expect(`CN=${subject.common_name},OU=${subject.organizational_unit},O=${subject.organization}`).toBe(
      identity.nats_user,
    );
    const placements = configs.flatMap(([server, config]) =>
      Object.entries(config.accounts)
        .filter(([, { users }]) => users.some((user) => user.user === identity.nats_user))
        .map(([account]) => ({ server, account })),
    );
    expect(placements.length).toBeGreaterThan(0);
    expect(placements.filter(({ account }) => account !== identity.account)).toEqual([]);
  });
});

describe("placement and settings follow the topology", () => {
  test("GIVEN NATS on another host THEN its container, image and network use that host's provider", () => {
    const { json } = synthTopology(withChange((t) => (t.nats.host = "edge")));
    const container = natsContainer(json);
    expect(container.provider).toBe("docker.edge");
    expect(referenced(json, container.image).resource.provider).toBe("docker.edge");
    expect(referenced(json, container.networks_advanced[0].name).resource.provider).toBe("docker.edge");
  });

  test("GIVEN RSA 4096 with short validity THEN every key and certificate follows", () => {
    const { json } = synthTopology(
      withChange((t) => (t.pki = { keyAlgorithm: "RSA", rsaBits: 4096, validityHours: 2000, earlyRenewalHours: 100 })),
    );
    for (const [, key] of resourcesOf(json, "tls_private_key").filter(([id]) => !id.includes("token-seed"))) {
      expect(key).toMatchObject({ algorithm: "RSA", rsa_bits: 4096 });
    }
    for (const [, cert] of resourcesOf(json, "tls_locally_signed_cert")) {
      expect(cert).toMatchObject({ validity_period_hours: 2000, early_renewal_hours: 100 });
      expect(cert.allowed_uses).toContain("key_encipherment");
    }
  });

  test("GIVEN ED25519 THEN every key is ED25519", () => {
    const { json } = synthTopology(withChange((t) => (t.pki = { keyAlgorithm: "ED25519" })));
    for (const [, key] of resourcesOf(json, "tls_private_key"))
      expect(key).toEqual(expect.objectContaining({ algorithm: "ED25519" }));
  });

  test("GIVEN a published monitoring port THEN it is published on the loopback address only", () => {
    const { json, text } = synthTopology(withChange((t) => (t.nats.monitoring = { hostPort: 18222, hostIp: "::1" })));
    expect(natsContainer(json).ports).toEqual([
      { internal: 4222, external: 4222, protocol: "tcp" },
      { internal: 8222, external: 18222, ip: "::1" },
    ]);
    expect(uploadedConfig(json).http).toBe("0.0.0.0:8222");
    expect(text).toHaveResourceWithProperties(Container, { name: "tornado-nats" });
  });

  test("GIVEN the default topology THEN it synthesizes with a collector on the remote host's identity", () => {
    const { json } = synthTopology(DEFAULT_TOPOLOGY);
    expect(json.provider.docker.map((provider) => provider.alias)).toEqual(["master", "remote"]);
    expect(Object.keys(json.output.identities.value as object)).toContain("collector/webhook-acme");
    expect(natsServerDnsNames(resolveTopology(DEFAULT_TOPOLOGY).nats.nodes[0])).toEqual([
      "nats.tornado.internal",
      "localhost",
      "tornado-nats",
    ]);
  });
});
