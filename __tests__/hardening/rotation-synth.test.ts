import type { TopologyInput } from "../../constructs/core/topology-schema";
import { referenced, resourcesOf, synthTopology } from "../helpers/synth";
import { clusterAndSatellite, threeTenants } from "../helpers/topologies";
import { readersTopology } from "../smoke/deployed-outputs";

/**
 * Rotation as Terraform sees it. Every generated certificate carries the
 * validity and early renewal of the topology's `pki`, so an apply inside the
 * renewal window re-issues it; every container uploads the certificate of
 * its own identity by direct reference, so a re-issued certificate changes
 * the upload, and `upload` is ForceNew in kreuzwerker/docker 3.6.2
 * (DESIGN.md, "docker provider"): the container is replaced with the new
 * certificate. A renewed CA re-issues every leaf (their `ca_cert_pem`
 * changes) and so replaces every container.
 */

const PKI = { validityHours: 2000, earlyRenewalHours: 100, caValidityHours: 30000 };

const TOPOLOGIES: [string, () => TopologyInput][] = [
  ["three tenants", threeTenants],
  ["a cluster with a satellite", clusterAndSatellite],
  ["readers and a dedicated engine", readersTopology],
];

/** The `${type.id.attr}` an upload's content is, or undefined for literal content. */
function referenceOf(upload: Record<string, any>): string | undefined {
  const content = upload.content;
  return typeof content === "string" && /^\$\{[a-z_]+\.[^.]+\.[a-z_0-9]+\}$/.test(content) ? content : undefined;
}

describe.each(TOPOLOGIES)("GIVEN %s with pki validity 2000 h, early renewal 100 h, CA 30000 h", (_label, make) => {
  const input = { ...make(), pki: PKI } as TopologyInput;
  const { json } = synthTopology(input);

  test("THEN the CA carries the CA validity and the early renewal window", () => {
    const cas = resourcesOf(json, "tls_self_signed_cert");
    expect(cas).toHaveLength(1);
    expect(cas[0][1]).toMatchObject({ validity_period_hours: 30000, early_renewal_hours: 100 });
  });

  test("THEN every issued certificate carries the validity and the early renewal window, and is signed by the CA", () => {
    const [[caId]] = resourcesOf(json, "tls_self_signed_cert");
    const leaves = resourcesOf(json, "tls_locally_signed_cert");
    expect(leaves.length).toBeGreaterThan(3);
    for (const [, certificate] of leaves) {
      expect(certificate).toMatchObject({ validity_period_hours: 2000, early_renewal_hours: 100 });
      // A renewed CA changes this attribute, which re-issues the leaf (ForceNew in hashicorp/tls).
      expect(certificate.ca_cert_pem).toBe(`\${tls_self_signed_cert.${caId}.cert_pem}`);
    }
  });

  test("THEN every container uploads its own certificate, that certificate's key, and the CA, each by reference", () => {
    const containers = resourcesOf(json, "docker_container");
    const uploadedCertificates = new Set<string>();
    for (const [, container] of containers) {
      const uploads = (container.upload as Record<string, any>[]).map((upload) => ({
        upload,
        target: referenceOf(upload) ? referenced(json, referenceOf(upload)!) : undefined,
      }));
      const certificates = uploads.filter(({ target }) => target?.type === "tls_locally_signed_cert");
      expect(certificates.length).toBeGreaterThanOrEqual(1);
      for (const { target } of certificates) {
        expect(target!.attribute).toBe("cert_pem");
        uploadedCertificates.add(target!.id);
        // The key uploaded beside it is the one the certificate was requested with, at 0400.
        const requestedWith = referenced(
          json,
          referenced(json, target!.resource.cert_request_pem).resource.private_key_pem,
        );
        const keys = uploads.filter(
          ({ target: key }) => key?.type === "tls_private_key" && key.id === requestedWith.id,
        );
        expect(keys.map(({ upload }) => upload.permissions)).toEqual(["0400"]);
      }
      // Its first certificate is its own identity's: the component name is the certificate's CN.
      const own = referenced(json, certificates[0].target!.resource.cert_request_pem).resource.subject[0].common_name;
      expect(container.name === own || container.name.endsWith(`-${own}`)).toBe(true);
      expect(uploads.some(({ target }) => target?.type === "tls_self_signed_cert")).toBe(true);
    }
    // The only issued certificates no container uploads are those of identities without a container
    // (the operator's, readers that run elsewhere): outputs, renewed by the same apply.
    const withoutContainer = resourcesOf(json, "tls_locally_signed_cert")
      .filter(([id]) => !uploadedCertificates.has(id))
      .map(([, certificate]) => referenced(json, certificate.cert_request_pem).resource.subject[0].common_name)
      .sort();
    const elsewhere = (input.readers ?? []).filter((reader) => reader.host === undefined).map((reader) => reader.name);
    expect(withoutContainer).toEqual(["nats-system", ...elsewhere].sort());
  });

  test("THEN no container ignores changes to its uploads, so a changed certificate replaces it", () => {
    for (const [, container] of resourcesOf(json, "docker_container")) {
      expect(container.lifecycle?.ignore_changes ?? []).toEqual([]);
    }
  });
});
