import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "smol-toml";
import { CANARY_IMAGE_NAME, canaryImageContext } from "../../constructs/core/canary-image";
import { TORNADO_TLS_PATHS } from "../../constructs/core/tornado-config";
import { referenced, resourcesOf, synthTopology, type SynthesizedStack } from "../helpers/synth";
import { threeTenants, withChange } from "../helpers/topologies";

/** The engine and collector containers as synthesized: placement, uploads, images, secrets. */

function container(json: SynthesizedStack, name: string): Record<string, any> {
  const found = resourcesOf(json, "docker_container").find(([, resource]) => resource.name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found[1];
}

function upload(resource: Record<string, any>, file: string): Record<string, any> {
  const found = (resource.upload as Record<string, any>[]).find((entry) => entry.file === file);
  if (!found) throw new Error(`no upload of ${file}`);
  return found;
}

/** The CN of the certificate whose key a container's key upload references. */
function keyOwner(json: SynthesizedStack, resource: Record<string, any>): string {
  const key = referenced(json, upload(resource, TORNADO_TLS_PATHS.keyFile).content);
  const csr = resourcesOf(json, "tls_cert_request").find(
    ([, request]) => request.private_key_pem === `\${tls_private_key.${key.id}.private_key_pem}`,
  );
  if (!csr) throw new Error("the uploaded key belongs to no certificate request");
  return csr[1].subject[0].common_name;
}

describe("GIVEN the three-tenant topology", () => {
  const { json } = synthTopology(threeTenants());
  const collectors = threeTenants().collectors;

  test("THEN the engine runs on the engine host's provider, its API on loopback only, with a ping healthcheck", () => {
    const engine = container(json, "tornado-engine");
    expect(engine).toMatchObject({
      provider: "docker.master",
      command: ["engine", "--config-dir=/etc/tornado"],
      ports: [{ internal: 4748, external: 4748, ip: "127.0.0.1", protocol: "tcp" }],
      user: "root",
      capabilities: { drop: ["ALL"] },
      security_opts: ["no-new-privileges:true"],
    });
    expect(engine.healthcheck.test.join(" ")).toContain("http://127.0.0.1:4748/monitoring/ping");
    expect(engine.depends_on).toEqual([expect.stringMatching(/^docker_container\.topology_nats_container_/)]);
  });

  test.each(collectors.map((collector) => [collector.name, collector.host]))(
    "THEN collector %s and its image and network use the provider of host %s",
    (name, host) => {
      const resource = container(json, `tornado-collector-${name}`);
      expect(resource.provider).toBe(`docker.${host}`);
      expect(referenced(json, resource.image).resource.provider).toBe(`docker.${host}`);
      expect(referenced(json, resource.networks_advanced[0].name).resource.provider).toBe(`docker.${host}`);
    },
  );

  test.each([["tornado-engine", "tornado-engine"], ...collectors.map((c) => [`tornado-collector-${c.name}`, c.name])])(
    "THEN %s uploads its own PKCS#8 key (mode 0400), its certificate and the CA",
    (containerName, commonName) => {
      const resource = container(json, containerName);
      const keyUpload = upload(resource, TORNADO_TLS_PATHS.keyFile);
      expect(keyUpload.permissions).toBe("0400");
      expect(keyUpload.content).toMatch(/^\$\{tls_private_key\.[^.]+\.private_key_pem_pkcs8\}$/);
      expect(keyOwner(json, resource)).toBe(commonName);
      expect(referenced(json, upload(resource, TORNADO_TLS_PATHS.caFile).content).type).toBe("tls_self_signed_cert");
      expect(referenced(json, upload(resource, TORNADO_TLS_PATHS.certFile).content).type).toBe(
        "tls_locally_signed_cert",
      );
    },
  );

  test("THEN every uploaded file but the keys, tokens and passwords is world-readable, and those are 0400", () => {
    const secretFiles = /client\.key\.pem$|\/webhooks\/|icinga2_collector\.toml$/;
    for (const [, resource] of resourcesOf(json, "docker_container").filter(([id]) => !id.includes("_nats_"))) {
      for (const entry of resource.upload as Record<string, any>[]) {
        expect({ file: entry.file, mode: entry.permissions }).toEqual({
          file: entry.file,
          mode: secretFiles.test(entry.file) ? "0400" : "0444",
        });
      }
    }
  });

  test("THEN the webhook token file carries a token generated from its own tls key", () => {
    const resource = container(json, "tornado-collector-webhook-acme");
    const tokenFile = JSON.parse(upload(resource, "/etc/tornado_webhook_collector/webhooks/webhook-acme.json").content);
    expect(tokenFile.token).toMatch(
      /^\$\{sha256\(tls_private_key\.topology_collector-webhook-acme_token-seed-webhook-acme_[^.]+\.private_key_pem\)\}$/,
    );
    expect(json.output.webhook_endpoints).toMatchObject({
      sensitive: true,
      value: {
        "webhook-acme/webhook-acme": {
          collector: "webhook-acme",
          tenant: "acme",
          url: "http://edge-1.example.net:9080/event/webhook-acme",
          token: tokenFile.token,
          image_kind: "canary",
        },
      },
    });
  });

  test("THEN the webhook canary publishes its port and starts with the canary command", () => {
    expect(container(json, "tornado-collector-webhook-acme")).toMatchObject({
      command: ["webhook_collector", "--config-dir=/etc/tornado_webhook_collector"],
      ports: [{ internal: 8080, external: 9080, ip: "0.0.0.0", protocol: "tcp" }],
    });
  });

  test("THEN operator images start with Tornado's own command, and the image is pulled or built as given", () => {
    const email = container(json, "tornado-collector-email-acme");
    expect(email.command).toEqual(["tornado_email_collector", "--config-dir=/etc/tornado_email_collector"]);
    expect(referenced(json, email.image).resource).toMatchObject({
      name: "registry.example.net/tornado/email_collector:1.2",
    });
    const rsyslog = container(json, "tornado-collector-rsyslog-globex");
    expect(rsyslog.command).toBeUndefined();
    expect(referenced(json, rsyslog.image).resource).toMatchObject({
      name: "tornado-rsyslog:local",
      build: { context: join(process.cwd(), "docker/rsyslog") },
    });
  });

  test("THEN the canary image is built on each host from canary/ with a content-hash trigger", () => {
    const { context, contentHash } = canaryImageContext();
    const canaries = resourcesOf(json, "docker_image").filter(([, image]) => image.name === CANARY_IMAGE_NAME);
    expect(canaries.map(([, image]) => image.provider).sort()).toEqual(["docker.dmz", "docker.edge", "docker.master"]);
    for (const [, image] of canaries) {
      expect(image).toMatchObject({
        build: { context, build_args: { BASE_IMAGE: "node:20-alpine" } },
        triggers: { content_sha256: contentHash },
      });
    }
  });

  test("THEN snmptrapd gets its TORNADO_NATS_* environment, UDP 162 and only NET_BIND_SERVICE", () => {
    const snmptrapd = container(json, "tornado-collector-snmptrapd-globex");
    expect(snmptrapd.env).toEqual([
      "TORNADO_NATS_ADDR=nats.example.net:4222",
      "TORNADO_NATS_SUBJECT=tornado.events",
      `TORNADO_NATS_SSL_CERT_PEM_FILE=${TORNADO_TLS_PATHS.certFile}`,
      `TORNADO_NATS_SSL_CERT_KEY=${TORNADO_TLS_PATHS.keyFile}`,
      `SSL_CERT_FILE=${TORNADO_TLS_PATHS.caFile}`,
    ]);
    expect(snmptrapd.ports).toEqual([{ internal: 162, external: 162, ip: "0.0.0.0", protocol: "udp" }]);
    expect(snmptrapd.capabilities).toEqual({ drop: ["ALL"], add: ["NET_BIND_SERVICE"] });
  });

  test("THEN the icinga2 password comes from a sensitive, validated Terraform variable", () => {
    const variable = (json as any).variable.icinga2_password;
    expect(variable).toMatchObject({ type: "string", sensitive: true });
    expect(variable.validation[0].condition).toBe(
      String.raw`${"$"}{can(regex("^[^\"\\\\\\x00-\\x1f]+$", var.icinga2_password))}`,
    );
    const icinga2 = container(json, "tornado-collector-icinga2-master");
    const toml = upload(icinga2, "/etc/tornado_icinga2_collector/icinga2_collector.toml");
    expect(toml.permissions).toBe("0400");
    expect(parse(toml.content)).toMatchObject({
      icinga2_collector: { connection: { password: "${var.icinga2_password}" } },
    });
  });

  test("THEN the server certificate's DNS SANs cover every NATS address written into a Tornado config", () => {
    const nats = resourcesOf(json, "docker_container").find(([id]) => id.includes("_nats_"))?.[1];
    const cert = referenced(json, upload(nats!, "/etc/nats/certs/server.pem").content);
    const sans: string[] = referenced(json, cert.resource.cert_request_pem).resource.dns_names;
    const addresses: string[] = [];
    for (const [, resource] of resourcesOf(json, "docker_container")) {
      for (const entry of (resource.upload ?? []) as Record<string, any>[]) {
        if (!entry.file.endsWith(".toml") || !entry.content.includes("addresses")) continue;
        const text = JSON.stringify(parse(entry.content));
        addresses.push(...[...text.matchAll(/"addresses":\["([^"]+)"\]/g)].map((match) => match[1]));
      }
      for (const variable of resource.env ?? []) {
        if (variable.startsWith("TORNADO_NATS_ADDR=")) addresses.push(variable.split("=")[1]);
      }
    }
    expect(addresses.length).toBe(8); // engine + every collector but snmptrapd's env, counted apart
    for (const address of addresses) expect(sans).toContain(address.replace(/:\d+$/, ""));
  });
});

describe("placement options", () => {
  test("GIVEN nats.ipAddress THEN remote containers get an extra_hosts entry and containers on the NATS host do not", () => {
    const { json } = synthTopology(withChange((t) => (t.nats.ipAddress = "192.0.2.10")));
    expect(container(json, "tornado-collector-webhook-acme").host).toEqual([
      { host: "nats.example.net", ip: "192.0.2.10" },
    ]);
    expect(container(json, "tornado-collector-webhook-master").host).toBeUndefined();
    expect(container(json, "tornado-engine").host).toBeUndefined();
  });

  test("GIVEN a tcp host with TLS files THEN the provider reads them with file() at plan time", () => {
    const { json } = synthTopology(
      withChange((t) => {
        delete t.hosts[2].certPath;
        Object.assign(t.hosts[2], {
          caFile: "/etc/dmz/ca.pem",
          certFile: "/etc/dmz/cert.pem",
          keyFile: "/etc/dmz/key.pem",
        });
      }),
    );
    expect(json.provider.docker[2]).toEqual({
      alias: "dmz",
      host: "tcp://dmz-docker.example.net:2376",
      ca_material: '${file("/etc/dmz/ca.pem")}',
      cert_material: '${file("/etc/dmz/cert.pem")}',
      key_material: '${file("/etc/dmz/key.pem")}',
    });
  });

  test("GIVEN engine.rulesDir THEN every rule file is uploaded from its source with a content hash, and no default rule", () => {
    const rules = mkdtempSync(join(tmpdir(), "rules-"));
    writeFileSync(join(rules, "version.json"), '{"version":"2.0"}');
    mkdirSync(join(rules, "tenants", "rules"), { recursive: true });
    writeFileSync(join(rules, "tenants", "ruleset.json"), '{"type":"ruleset","name":"tenants"}');
    const { json } = synthTopology(withChange((t) => (t.engine.rulesDir = rules)));
    const uploads = (container(json, "tornado-engine").upload as Record<string, any>[]).filter((entry) =>
      entry.file.startsWith("/etc/tornado/rules.d/"),
    );
    expect(uploads).toEqual([
      {
        file: "/etc/tornado/rules.d/tenants/ruleset.json",
        source: join(rules, "tenants", "ruleset.json"),
        source_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        permissions: "0444",
      },
      {
        file: "/etc/tornado/rules.d/version.json",
        source: join(rules, "version.json"),
        source_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        permissions: "0444",
      },
    ]);
  });

  test("GIVEN a real engine image THEN the engine starts with tornado_engine … daemon", () => {
    const { json } = synthTopology(withChange((t) => (t.engine.image = "registry.example.net/tornado/engine:1.2")));
    expect(container(json, "tornado-engine").command).toEqual([
      "tornado_engine",
      "--config-dir=/etc/tornado",
      "daemon",
    ]);
    expect(json.output.engine_image_kind.value).toBe("tornado");
    expect(json.output.engine_api_url.value).toBe("http://127.0.0.1:4748");
  });
});
