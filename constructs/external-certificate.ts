import { Fn } from "cdktf";
import { Construct } from "constructs";
import type { CertificateMaterial, UploadSource } from "./certificate-material";

/** Props of an {@link ExternalCertificate}. */
export interface ExternalCertificateProps {
  /** Absolute path of the certificate (PEM) on the machine that runs Terraform. */
  readonly certFile: string;
  /**
   * Absolute path of its unencrypted PKCS#8 key. Required when a container
   * uploads it.
   * @default none: the key stays with its owner (identity-only readers, the system identity)
   */
  readonly keyFile?: string;
}

/**
 * A certificate and key the operator supplies (external PKI mode). Nothing is
 * generated: containers upload the files with `source` + `source_hash`, so
 * the key never enters Terraform state, and a changed file replaces the
 * containers that upload it on the next apply. The topology has checked the
 * files at synth (resolveTopology → externalPkiIssues).
 */
export class ExternalCertificate extends Construct implements CertificateMaterial {
  /** Absolute path of the certificate file. */
  readonly certFile: string;
  /** Absolute path of its key file, when a container uploads it. */
  readonly keyFile?: string;
  /** Always false: the operator made it. */
  readonly generated = false;

  constructor(scope: Construct, id: string, props: ExternalCertificateProps) {
    super(scope, id);
    this.certFile = props.certFile;
    this.keyFile = props.keyFile;
  }

  get certificateUpload(): UploadSource {
    return { source: this.certFile, sourceHash: Fn.filesha256(this.certFile) };
  }

  get privateKeyUpload(): UploadSource {
    if (this.keyFile === undefined) {
      throw new Error(`${this.node.path}: no keyFile for ${this.certFile}, and a container needs the key`);
    }
    return { source: this.keyFile, sourceHash: Fn.filesha256(this.keyFile) };
  }

  /** The certificate, read by Terraform at plan time (public). */
  get certPem(): string {
    return Fn.file(this.certFile);
  }
}
