import { CertRequest } from "@cdktf/provider-tls/lib/cert-request";
import { LocallySignedCert } from "@cdktf/provider-tls/lib/locally-signed-cert";
import { PrivateKey } from "@cdktf/provider-tls/lib/private-key";
import { Construct } from "constructs";
import type { CertificateSubject } from "./core/identities";
import { leafAllowedUses, tlsKeyArguments, type CertificateUsage } from "./core/pki";
import type { KeySpec } from "./core/topology";
import type { CertificateAuthority } from "./certificate-authority";
import type { CertificateMaterial, UploadSource } from "./certificate-material";

/** Props of an {@link IssuedCertificate}. */
export interface IssuedCertificateProps {
  /** The CA that signs this certificate. */
  readonly ca: CertificateAuthority;
  /** Subject of the certificate; for clients, what verify_and_map maps to a NATS user. */
  readonly subject: CertificateSubject;
  /** Extended key usage: `server`, `client` or both (cluster routes need both). */
  readonly usage: CertificateUsage;
  /**
   * DNS SANs. Server certificates need every name clients connect by;
   * client certificates should carry none, or verify_and_map would map the
   * SAN instead of the subject.
   * @default []
   */
  readonly dnsNames?: string[];
  /**
   * The certificate's key.
   * @default the CA's key spec
   */
  readonly key?: KeySpec;
  /**
   * Validity in hours.
   * @default 8760 (1 year)
   */
  readonly validityHours?: number;
  /**
   * A `terraform apply` this many hours before expiry issues a new certificate
   * (and replaces the containers that upload it).
   * @default 720
   */
  readonly earlyRenewalHours?: number;
}

/**
 * A key and a certificate issued by a CertificateAuthority. The key is exposed
 * as unencrypted PKCS#8 PEM (`BEGIN PRIVATE KEY`), the only form Tornado's
 * Rust NATS client reads.
 */
export class IssuedCertificate extends Construct implements CertificateMaterial {
  /** The certificate's private key (`tls_private_key`); it lives in Terraform state. */
  readonly privateKey: PrivateKey;
  /** The certificate signed by the CA (`tls_locally_signed_cert`). */
  readonly certificate: LocallySignedCert;
  /** The certificate's subject, as requested. */
  readonly subject: CertificateSubject;
  /** Always true: Terraform generated the key, which lives in its state. */
  readonly generated = true;

  constructor(scope: Construct, id: string, props: IssuedCertificateProps) {
    super(scope, id);
    const key = props.key ?? props.ca.key;
    this.subject = props.subject;
    this.privateKey = new PrivateKey(this, "key", tlsKeyArguments(key));
    const request = new CertRequest(this, "csr", {
      privateKeyPem: this.privateKey.privateKeyPem,
      subject: [{ ...props.subject }],
      dnsNames: props.dnsNames && props.dnsNames.length > 0 ? props.dnsNames : undefined,
    });
    this.certificate = new LocallySignedCert(this, "cert", {
      certRequestPem: request.certRequestPem,
      caPrivateKeyPem: props.ca.privateKey.privateKeyPem,
      caCertPem: props.ca.certPem,
      validityPeriodHours: props.validityHours ?? 8760,
      earlyRenewalHours: props.earlyRenewalHours ?? 720,
      allowedUses: leafAllowedUses(props.usage, key),
    });
  }

  /** The certificate (PEM). */
  get certPem(): string {
    return this.certificate.certPem;
  }

  /** The private key as unencrypted PKCS#8 PEM. Secret: only for sensitive outputs and uploads. */
  get privateKeyPemPkcs8(): string {
    return this.privateKey.privateKeyPemPkcs8;
  }

  get certificateUpload(): UploadSource {
    return { content: this.certPem };
  }

  get privateKeyUpload(): UploadSource {
    return { content: this.privateKeyPemPkcs8 };
  }
}
