import type { TopologyInput } from "./topology-schema";

/**
 * The topology `main.ts` synthesizes when TORNADO_TOPOLOGY is not set: NATS
 * and the engine on the local Docker host ("master"), one collector next to
 * them and one on a second host ("remote"), two tenants. Synth never contacts
 * a Docker host, so the remote address only has to be well formed.
 */
export const DEFAULT_TOPOLOGY: TopologyInput = {
  name: "tornado",
  organization: "Tornado",
  hosts: [
    { name: "master", url: "unix:///var/run/docker.sock" },
    { name: "remote", url: "ssh://tornado@collector-1.tornado.internal:22" },
  ],
  tenants: [{ name: "master" }, { name: "acme" }],
  nats: {
    host: "master",
    dnsNames: ["nats.tornado.internal", "localhost"],
    clientPort: 4222,
  },
  engine: { host: "master" },
  collectors: [
    { name: "webhook-master", tenant: "master", kind: "webhook", host: "master" },
    { name: "webhook-acme", tenant: "acme", kind: "webhook", host: "remote" },
  ],
};
