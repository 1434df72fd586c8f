/**
 * What a container needs of a certificate: how to upload it and its key.
 * Generated certificates upload their PEM from Terraform state (`content`);
 * external ones upload the operator's files (`source` + `source_hash`), so
 * their key never enters the state.
 */

/** One upload's source: inline content, or a file Terraform reads at apply time. */
export type UploadSource = { readonly content: string } | { readonly source: string; readonly sourceHash: string };

/** A certificate and key a container can be given: an IssuedCertificate or an ExternalCertificate. */
export interface CertificateMaterial {
  /** Upload source of the certificate (PEM). */
  readonly certificateUpload: UploadSource;
  /** Upload source of the private key (PKCS#8 PEM). Secret. */
  readonly privateKeyUpload: UploadSource;
  /** The certificate PEM, or an expression reading it; for outputs. Public. */
  readonly certPem: string;
  /** Whether Terraform generated the key (and so holds it in state). */
  readonly generated: boolean;
}

/** The CA certificate(s) every component trusts: the generated CA, the operator's, or both as a bundle. */
export interface TrustAnchor {
  /** PEM of every trusted CA certificate, concatenated. Public. */
  readonly certPem: string;
}
