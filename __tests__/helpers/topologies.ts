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
      {
        name: "icinga2-master",
        tenant: "master",
        kind: "icinga2",
        host: "master",
        image: "registry.example.net/tornado/icinga2_collector:1.2",
        icinga2: {
          apiUrl: "https://icinga.example.net:5665/v1/events",
          username: "tornado",
          passwordVariable: "icinga2_password",
        },
      },
      { name: "webhook-acme", tenant: "acme", kind: "webhook", host: "edge", port: 9080 },
      {
        name: "email-acme",
        tenant: "acme",
        kind: "email",
        host: "edge",
        image: "registry.example.net/tornado/email_collector:1.2",
      },
      {
        name: "nats-json-globex",
        tenant: "globex",
        kind: "nats_json",
        host: "dmz",
        topics: [{ subjects: ["vsphere.alarms", "vsphere.events.>"], eventType: "vsphere" }],
      },
      {
        name: "rsyslog-globex",
        tenant: "globex",
        kind: "rsyslog",
        host: "dmz",
        image: { name: "tornado-rsyslog:local", build: { context: "docker/rsyslog" } },
      },
      {
        name: "snmptrapd-globex",
        tenant: "globex",
        kind: "snmptrapd",
        host: "dmz",
        image: "registry.example.net/tornado/snmptrapd_collector:1.2",
      },
    ],
  };
}

/** A deep copy of `threeTenants()` changed by `edit`, for one-rule validation tests. */
export function withChange(edit: (topology: Record<string, any>) => void): unknown {
  const copy = JSON.parse(JSON.stringify(threeTenants())) as Record<string, any>;
  edit(copy);
  return copy;
}

/**
 * A master site with a three-node NATS cluster over three hosts and one
 * satellite of tenant acme (a leaf node) with a collector behind it.
 */
export function clusterAndSatellite(): TopologyInput {
  return {
    name: "tornado-cluster",
    organization: "Acme Monitoring",
    hosts: [
      { name: "master-1", url: "unix:///var/run/docker.sock" },
      { name: "master-2", url: "ssh://deploy@master-2.example.net" },
      { name: "master-3", url: "ssh://deploy@master-3.example.net" },
      { name: "site-a", url: "ssh://deploy@site-a.example.net" },
    ],
    tenants: [{ name: "master" }, { name: "acme" }],
    nats: {
      dnsNames: ["nats.example.net"],
      cluster: {
        nodes: [
          { name: "nats-1", host: "master-1", dnsNames: ["nats-1.example.net"] },
          { name: "nats-2", host: "master-2", dnsNames: ["nats-2.example.net"], ipAddress: "192.0.2.12" },
          { name: "nats-3", host: "master-3", dnsNames: ["nats-3.example.net"] },
        ],
      },
    },
    engine: { host: "master-1" },
    satellites: [{ name: "sat-acme", tenant: "acme", host: "site-a", dnsNames: ["sat-acme.example.net"] }],
    collectors: [
      { name: "webhook-master", tenant: "master", kind: "webhook", host: "master-2" },
      { name: "webhook-acme", tenant: "acme", kind: "webhook", host: "site-a", satellite: "sat-acme" },
      {
        name: "nats-json-acme",
        tenant: "acme",
        kind: "nats_json",
        host: "master-3",
        topics: [{ subjects: ["acme.raw"] }],
      },
    ],
  };
}

/** A deep copy of `clusterAndSatellite()` changed by `edit`. */
export function clusterWithChange(edit: (topology: Record<string, any>) => void): unknown {
  const copy = JSON.parse(JSON.stringify(clusterAndSatellite())) as Record<string, any>;
  edit(copy);
  return copy;
}
