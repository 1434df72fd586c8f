import { Fn, Token } from "cdktf";
import { escapeTerraformTemplate } from "../../constructs/core/terraform-template";
import { synthTopology } from "../helpers/synth";
import { threeTenants } from "../helpers/topologies";

/**
 * Terraform reads every string as a template. Rendered files carry Tornado's
 * own `${…}` templates literally; they must reach the container unchanged,
 * while generated secrets inside them stay Terraform references.
 */

describe("escapeTerraformTemplate", () => {
  test.each([
    ["a Tornado payload template", '{"data": "${@}"}', '{"data": "$${@}"}'],
    ["a path template", "${event.payload.host}", "$${event.payload.host}"],
    ["a directive", "%{if x}", "%%{if x}"],
    ["text a user already wrote escaped", "$${x}", "$$${x}"],
    ["text with no template", "plain $ and % and {}", "plain $ and % and {}"],
  ])("GIVEN %s THEN it is escaped for Terraform", (_case, text, escaped) => {
    expect(escapeTerraformTemplate(text)).toBe(escaped);
  });

  test("GIVEN a cdktf token inside the text THEN the token stays a reference", () => {
    const token = Fn.sha256("seed");
    const escaped = escapeTerraformTemplate(`{"token": "${token}", "data": "\${@}"}`);
    expect(escaped).toBe(`{"token": "${token}", "data": "$\${@}"}`);
    expect(Token.isUnresolved(escaped)).toBe(true);
  });
});

describe("GIVEN webhook and icinga2 collectors WHEN synthesized", () => {
  const { json } = synthTopology(threeTenants());
  const uploads = Object.values(json.resource.docker_container).flatMap(
    (container) => (container.upload ?? []) as { file: string; content?: string }[],
  );
  const byFile = (file: string): string => {
    const found = uploads.find((upload) => upload.file === file);
    if (found?.content === undefined) throw new Error(`no upload of ${file}`);
    return found.content;
  };

  test("THEN Tornado's payload templates are escaped, so Terraform passes them through literally", () => {
    const webhook = byFile("/etc/tornado_webhook_collector/webhooks/webhook-acme.json");
    expect(webhook).toContain('"data": "$${@}"');
    expect(webhook).not.toMatch(/(?<!\$)\$\{@\}/);
  });

  test("THEN the generated webhook token and the Icinga2 password remain Terraform references", () => {
    const webhook = byFile("/etc/tornado_webhook_collector/webhooks/webhook-acme.json");
    expect(webhook).toMatch(/"token": "\$\{sha256\(tls_private_key\.[^)]+\.private_key_pem\)\}"/);
    const icinga2 = byFile("/etc/tornado_icinga2_collector/icinga2_collector.toml");
    expect(icinga2).toContain("${var.icinga2_password}");
  });

  test("THEN no uploaded content holds an unescaped template other than a resource or variable reference", () => {
    const unescaped = uploads
      .flatMap((upload) => [...(upload.content ?? "").matchAll(/(?<!\$)\$\{([^}]*)\}/g)].map((match) => match[1]))
      .filter((expression) => !/^(sha256\()?(tls_[a-z_]+\.|var\.)/.test(expression));
    expect(unescaped).toEqual([]);
  });
});
