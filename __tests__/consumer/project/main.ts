// A consumer's cdktf app, written only against the published package: the
// consumer test (../consumer.test.ts) installs the packed tarball into a fresh
// project, copies this directory there, type-checks, compiles and runs it.
import { join } from "node:path";
import { TlsProvider } from "@cdktf/provider-tls/lib/provider";
import { App, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import {
  IssuedCertificate,
  loadTopologyFile,
  resolveTopology,
  TopologyValidationError,
  TornadoTopology,
  TornadoTopologyStack,
  type TopologyInput,
} from "cdktf-tornado-nats";

/** Three tenants on two hosts, composed in code (not the package's default topology). */
const EDGE_SITE: TopologyInput = {
  name: "edge-site",
  organization: "Edge Corp",
  hosts: [
    { name: "hq", url: "unix:///var/run/docker.sock" },
    { name: "branch", url: "ssh://ops@branch.edge.example:2222", sshOpts: ["-o", "StrictHostKeyChecking=yes"] },
  ],
  tenants: [{ name: "retail" }, { name: "logistics" }, { name: "finance" }],
  nats: { host: "hq", dnsNames: ["nats.edge.example"], clientPort: 14222 },
  engine: { host: "hq" },
  collectors: [
    {
      name: "webhook-retail",
      tenant: "retail",
      kind: "webhook",
      host: "branch",
      port: 9090,
      webhooks: [{ id: "orders" }, { id: "returns", eventType: "return" }],
    },
    {
      name: "nats-json-logistics",
      tenant: "logistics",
      kind: "nats_json",
      host: "branch",
      topics: [{ subjects: ["trucks.>"], eventType: "truck" }],
    },
    {
      name: "snmptrapd-finance",
      tenant: "finance",
      kind: "snmptrapd",
      host: "hq",
      image: "registry.edge.example/tornado/snmptrapd_collector:2.0",
    },
  ],
  pki: { keyAlgorithm: "ED25519" },
};

/** The consumer's own stack: the topology plus a certificate of their own from its CA. */
class EdgeSiteStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new TlsProvider(this, "tls");
    const tornado = new TornadoTopology(this, "tornado", {
      topology: resolveTopology(EDGE_SITE, { source: "edge site (code)" }),
    });
    const auditor = new IssuedCertificate(this, "auditor-cert", {
      ca: tornado.ca,
      subject: { commonName: "auditor", organizationalUnit: "AUDIT", organization: "Edge Corp" },
      usage: "client",
    });
    new TerraformOutput(this, "nats_primary_url", { value: tornado.natsUrls[0] });
    new TerraformOutput(this, "auditor_private_key_pem", { value: auditor.privateKeyPemPkcs8, sensitive: true });
  }
}

// Bad input must surface as the package's own error type, listing the problems.
try {
  resolveTopology({ hosts: [] });
  throw new Error("an empty topology was accepted");
} catch (error) {
  if (!(error instanceof TopologyValidationError) || error.issues.length === 0) throw error;
}

const app = new App();
new EdgeSiteStack(app, "edge-site");
// The packaged stack, from a topology file whose relative paths resolve against its own directory.
const fromFile = loadTopologyFile(join(__dirname, "..", "site.yaml"));
new TornadoTopologyStack(app, fromFile.name, { topology: fromFile });
app.synth();
