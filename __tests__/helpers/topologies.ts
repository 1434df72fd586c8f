import type { TopologyInput } from "../../constructs/core/topology-schema";

/**
 * Topologies the tests share. `threeTenants` exercises every collector kind,
 * every host kind, and more than one collector per tenant.
 */
export function threeTenants(): TopologyInput {
  return {
    name: "tornado-test",
    organization: "Acme Monitoring",
    hosts: [
      { name: "master", url: "unix:///var/run/docker.sock" },
      { name: "edge", url: "ssh://deploy@edge-1.example.net:2222", sshOpts: ["-o", "StrictHostKeyChecking=yes"] },
      { name: "dmz", url: "tcp://dmz-docker.example.net:2376", certPath: "/etc/docker-certs/dmz" },
    ],
    tenants: [{ name: "master" }, { name: "acme" }, { name: "globex" }],
    nats: { dnsNames: ["nats.example.net", "localhost"], clientPort: 4222 },
    engine: { host: "master" },
    collectors: [
      { name: "webhook-master", tenant: "master", kind: "webhook", host: "master" },
      { name: "icinga2-master", tenant: "master", kind: "icinga2", host: "master" },
      { name: "webhook-acme", tenant: "acme", kind: "webhook", host: "edge" },
      { name: "email-acme", tenant: "acme", kind: "email", host: "edge" },
      { name: "nats-json-globex", tenant: "globex", kind: "nats_json", host: "dmz" },
      { name: "rsyslog-globex", tenant: "globex", kind: "rsyslog", host: "dmz" },
      { name: "snmptrapd-globex", tenant: "globex", kind: "snmptrapd", host: "dmz" },
    ],
  };
}

/** A deep copy of `threeTenants()` changed by `edit`, for one-rule validation tests. */
export function withChange(edit: (topology: Record<string, any>) => void): unknown {
  const copy = JSON.parse(JSON.stringify(threeTenants())) as Record<string, any>;
  edit(copy);
  return copy;
}
