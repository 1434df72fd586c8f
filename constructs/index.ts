/**
 * cdktf-tornado-nats: a secured Tornado topology (NATS over mutual TLS, one
 * account per tenant) as CDK for Terraform constructs.
 *
 * The pure core (model, validation, identities, NATS config renderer) has no
 * cdktf imports; the constructs are thin wrappers around it.
 */

// Topology model and validation
export { resolveTopology } from "./core/topology";
export type {
  Topology,
  TopologyInput,
  ImageSpec,
  WebhookSpec,
  TopicSpec,
  Icinga2Spec,
  ReaderSpec,
  ResolveOptions,
  DockerHostSpec,
  TenantSpec,
  NatsSpec,
  NatsNodeSpec,
  TlsFiles,
  SatelliteSpec,
  EngineSpec,
  CollectorSpec,
  KeySpec,
  PkiSpec,
} from "./core/topology";
export { COLLECTOR_KINDS, KEY_ALGORITHMS, ECDSA_CURVES, topologySchema } from "./core/topology-schema";
export type { CollectorKind, KeyAlgorithm, EcdsaCurve } from "./core/topology-schema";
export { TopologyValidationError, formatIssue } from "./core/topology-errors";
export type { TopologyIssue } from "./core/topology-errors";
export { loadTopologyFile, loadTopologyFromEnv, parseTopologyText, TOPOLOGY_ENV } from "./core/load-topology";
export { DEFAULT_TOPOLOGY } from "./core/default-topology";

// Identities and the NATS config
export {
  clientIdentities,
  collectorIdentity,
  dedicatedEngineIdentity,
  readerIdentity,
  engineIdentity,
  systemIdentity,
  subjectDn,
  natsServerSubject,
  natsServerDnsNames,
} from "./core/identities";
export type { ClientIdentity, ClientRole, CertificateSubject, NatsServerIdentity } from "./core/identities";
export type { CertificateUsage } from "./core/pki";
export type { DockerHostKind } from "./core/docker-host-url";
export {
  renderNatsConfig,
  serializeNatsConfig,
  permissionsFor,
  COLLECTOR_SUBJECT,
  ENGINE_SUBJECT,
  COLLECTOR_PERMISSIONS,
  ENGINE_PERMISSIONS,
} from "./core/nats-config";
export type {
  NatsServerConfig,
  NatsRuntime,
  NatsAccount,
  NatsUser,
  NatsPermissions,
  NatsSubjectPermission,
  NatsStreamExport,
  NatsStreamImport,
  NatsTlsBlock,
  NatsClusterBlock,
  NatsLeafnodeListener,
  NatsLeafnodeRemote,
  NatsContainerFiles,
} from "./core/nats-config";
export { masterNodeRuntime } from "./core/nats-config";
export { renderSatelliteConfig, leafRemoteUrls, satelliteCollectors } from "./core/satellite-config";
export type { SatelliteRuntime } from "./core/satellite-config";
export { natsClusterWarnings } from "./core/validate-nats-shape";
export { topologyWarnings } from "./core/topology-warnings";
export type { TopologyWarning } from "./core/validate-nats-shape";
export { ENGINE_ACCOUNT, SYSTEM_ACCOUNT } from "./core/names";

// Who reads what
export { whoReadsWhat, whoReadsWhatMarkdown } from "./core/who-reads-what";
export type { AccessRow } from "./core/who-reads-what";
export { tenantStreamSubject, engineSubscription, readerSubjects, sharedTenants } from "./core/tenant-streams";
export { renderReader, READER_CONFIG_FILE } from "./core/reader-config";
export type { RenderedReader } from "./core/reader-config";

// Tornado configuration renderers
export { TORNADO_TLS_PATHS, natsAddressesFor, natsEndpointsFor, natsExtraHostsFor } from "./core/tornado-config";
export type { RenderedFile, NatsEndpoint } from "./core/tornado-config";
export {
  renderEngineFiles,
  defaultRulesFiles,
  engineTornadoToml,
  ENGINE_COMMANDS,
  ENGINE_CONFIG_DIR,
} from "./core/engine-config";
export { renderCollector, COLLECTOR_LAYOUTS } from "./core/collector-config";
export type { CollectorLayout, CollectorSecrets, RenderedCollector } from "./core/collector-config";
export { CANARY_IMAGE_NAME, canaryImageContext } from "./core/canary-image";
export type { CanaryImageContext } from "./core/canary-image";
export { NATS_SERVER_VERSION, NATS_SERVER_IMAGE } from "./core/versions";

// Constructs
export { CertificateAuthority } from "./certificate-authority";
export type { CertificateAuthorityProps } from "./certificate-authority";
export { IssuedCertificate } from "./issued-certificate";
export { ExternalCertificate } from "./external-certificate";
export type { ExternalCertificateProps } from "./external-certificate";
export type { CertificateMaterial, TrustAnchor, UploadSource } from "./certificate-material";
export {
  externalPkiIssues,
  expectedExternalCertificates,
  externalTlsOf,
  certificatePlan,
  withoutExternalPki,
} from "./core/external-pki";
export type { ExpectedCertificate, PlannedCertificate } from "./core/external-pki";
export type { IssuedCertificateProps } from "./issued-certificate";
export { DockerHost } from "./docker-host";
export type { DockerHostProps, DockerImageBuild } from "./docker-host";
export { NatsServer, NATS_CONTAINER_PATHS } from "./nats-server";
export type { NatsServerProps } from "./nats-server";
export { TornadoEngine } from "./tornado-engine";
export type { TornadoEngineProps } from "./tornado-engine";
export { TornadoCollector } from "./tornado-collector";
export type { TornadoCollectorProps } from "./tornado-collector";
export type { ImageKind } from "./component-container";
export { TornadoReader } from "./tornado-reader";
export type { TornadoReaderProps } from "./tornado-reader";
export { TornadoTopology } from "./tornado-topology";
export type { TornadoTopologyProps, IssuedIdentity } from "./tornado-topology";

// Stack and app
export { TornadoTopologyStack, identityOutputNames } from "../stacks/tornado-topology-stack";
export type { TornadoTopologyStackProps } from "../stacks/tornado-topology-stack";
export { synthApp } from "../stacks/synth-app";
export type { SynthAppOptions } from "../stacks/synth-app";

// Smoke test (after deploy)
export { runSmoke } from "../smoke/run-smoke";
export type { SmokeOptions } from "../smoke/run-smoke";
export { runSmokeCli, parseCli } from "../smoke/cli";
export type { CliIo, ParsedCli } from "../smoke/cli";
export { formatReport, formatReportJson, exitCodeOf, summaryLine } from "../smoke/smoke-report";
export type { SmokeReport, SmokeCheck, SmokeSummary, SmokeTarget, CheckResult } from "../smoke/smoke-report";
export { CHECK } from "../smoke/check-names";
export type { CheckName } from "../smoke/check-names";
export { SmokeInputError } from "../smoke/smoke-input-error";
export type { OutputsLocation } from "../smoke/outputs-source";
