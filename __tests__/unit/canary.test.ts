import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localPath, parseOptions } from "../../canary/src/options";
import { renderTemplate } from "../../canary/src/payload-template";
import { natsClientSettings } from "../../canary/src/tornado-toml";

describe("canary options", () => {
  test("GIVEN a full command line THEN every option is read", () => {
    const options = parseOptions([
      "engine",
      "--config-dir=/etc/tornado",
      "--root=/tmp/r",
      "--resolve=tornado-nats:4222=127.0.0.1:5000",
      "--http-port=8081",
    ]);
    expect(options).toEqual({
      role: "engine",
      configDir: "/etc/tornado",
      root: "/tmp/r",
      resolve: new Map([["tornado-nats:4222", "127.0.0.1:5000"]]),
      httpPort: 8081,
    });
    expect(localPath(options, "/etc/tornado/tornado.toml")).toBe("/tmp/r/etc/tornado/tornado.toml");
  });

  test.each([
    [["engine"]],
    [["engine", "--config-dir=/x", "--bogus"]],
    [["engine", "--config-dir=/x", "--http-port=0"]],
    [["engine", "--config-dir=/x", "--resolve=nope"]],
  ])("GIVEN %j THEN it refuses with a usage message", (argv) => {
    expect(() => parseOptions(argv)).toThrow(/usage|unknown argument|--http-port|--resolve/);
  });
});

describe("payload templates", () => {
  test("GIVEN ${@} and paths THEN the incoming document fills the template", () => {
    const document = { host: { name: "db-1" }, state: "DOWN" };
    expect(
      renderTemplate(
        { data: "${@}", host: "${host.name}", missing: "${nope.x}", literal: "x", list: ["${state}"] },
        document,
      ),
    ).toEqual({
      data: document,
      host: "db-1",
      missing: null,
      literal: "x",
      list: ["DOWN"],
    });
  });
});

describe("the canary reads NATS client settings like Tornado", () => {
  const root = mkdtempSync(join(tmpdir(), "canary-settings-"));
  mkdirSync(join(root, "tls"));
  writeFileSync(join(root, "tls", "ca.pem"), "CA");
  writeFileSync(join(root, "tls", "cert.pem"), "CERT");
  writeFileSync(join(root, "tls", "pkcs8.pem"), "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n");
  writeFileSync(join(root, "tls", "sec1.pem"), "-----BEGIN EC PRIVATE KEY-----\nx\n-----END EC PRIVATE KEY-----\n");
  const options = parseOptions(["engine", "--config-dir=/c", `--root=${root}`]);
  const client = (address: string, key: string, type = "Tls") => ({
    addresses: [address],
    auth: {
      type,
      certificate_path: "/tls/cert.pem",
      private_key_path: `/tls/${key}`,
      path_to_root_certificate: "/tls/ca.pem",
    },
  });

  test("GIVEN a DNS name and a PKCS#8 key THEN the settings are read", () => {
    expect(natsClientSettings(options, client("nats.example.net:4222", "pkcs8.pem"), "c")).toMatchObject({
      addresses: ["nats.example.net:4222"],
      caPem: "CA",
      certPem: "CERT",
    });
  });

  test("GIVEN an IP address THEN it refuses, as Tornado's client cannot verify a certificate for it", () => {
    expect(() => natsClientSettings(options, client("10.0.0.5:4222", "pkcs8.pem"), "c")).toThrow(/IP address/);
  });

  test("GIVEN a SEC1 (BEGIN EC PRIVATE KEY) key THEN it refuses, as Tornado's client reads PKCS#8 only", () => {
    expect(() => natsClientSettings(options, client("nats.example.net:4222", "sec1.pem"), "c")).toThrow(/PKCS#8/);
  });

  test("GIVEN auth type TLS in the wrong case THEN it refuses", () => {
    expect(() => natsClientSettings(options, client("nats.example.net:4222", "pkcs8.pem", "TLS"), "c")).toThrow(
      /expected "Tls"/,
    );
  });
});
