import "cdktf/lib/testing/adapters/jest";
import childProcess from "node:child_process";
import dns from "node:dns";
import net from "node:net";
import { Testing } from "cdktf";
import { resolveTopology } from "../../constructs/core/topology";
import type { TopologyInput } from "../../constructs/core/topology-schema";
import { TornadoTopologyStack } from "../../stacks/tornado-topology-stack";

/**
 * Synth never connects to a Docker host: the docker provider only dials at
 * plan and apply time. A topology whose every host is unreachable (TEST-NET
 * addresses that route nowhere, a name under `.invalid` that never
 * resolves) synthesizes in-process with no socket opened, no name looked up
 * and no ssh started. The time it took is reported, not asserted.
 */

function unreachableHosts(): TopologyInput {
  return {
    name: "unreachable",
    organization: "Acme Monitoring",
    hosts: [
      { name: "master", url: "ssh://deploy@192.0.2.10" },
      { name: "edge", url: "ssh://deploy@docker.unresolvable.invalid:2222", sshOpts: ["-o", "ConnectTimeout=1"] },
      { name: "dmz", url: "tcp://203.0.113.7:2376", certPath: "/etc/docker-certs/dmz" },
      { name: "v6", url: "tcp://[2001:db8::7]:2376", certPath: "/etc/docker-certs/v6" },
    ],
    tenants: [{ name: "acme" }, { name: "globex" }],
    nats: { host: "master", dnsNames: ["nats.example.net"], clientPort: 4222 },
    engine: { host: "master" },
    collectors: [
      { name: "webhook-acme", tenant: "acme", kind: "webhook", host: "edge" },
      { name: "webhook-globex", tenant: "globex", kind: "webhook", host: "dmz" },
      {
        name: "email-globex",
        tenant: "globex",
        kind: "email",
        host: "v6",
        image: "registry.example.net/tornado/email_collector:1.2",
      },
    ],
  };
}

test("GIVEN every Docker host unreachable WHEN the stack is synthesized THEN it completes in-process without dialing, resolving or spawning anything", () => {
  const dials = jest.spyOn(net.Socket.prototype, "connect");
  const lookups = jest.spyOn(dns, "lookup");
  const promiseLookups = jest.spyOn(dns.promises, "lookup");
  const spawns = jest.spyOn(childProcess, "spawn");
  const spawnsSync = jest.spyOn(childProcess, "spawnSync");
  try {
    const started = performance.now();
    const app = Testing.app();
    const stack = new TornadoTopologyStack(app, "unreachable", { topology: resolveTopology(unreachableHosts()) });
    const json = JSON.parse(Testing.synth(stack, true)) as { provider: { docker: Record<string, unknown>[] } };
    const outdir = Testing.fullSynth(stack);
    const elapsed = performance.now() - started;
    process.stdout.write(`[synth-never-dials] 4 unreachable hosts synthesized in ${Math.round(elapsed)} ms\n`);

    expect(json.provider.docker.map((provider) => provider.host)).toEqual([
      "ssh://deploy@192.0.2.10",
      "ssh://deploy@docker.unresolvable.invalid:2222",
      "tcp://203.0.113.7:2376",
      "tcp://[2001:db8::7]:2376",
    ]);
    expect(outdir).toEqual(expect.any(String));
    expect({
      dials: dials.mock.calls.length,
      lookups: lookups.mock.calls.length + promiseLookups.mock.calls.length,
      spawns: spawns.mock.calls.length + spawnsSync.mock.calls.length,
    }).toEqual({ dials: 0, lookups: 0, spawns: 0 });
  } finally {
    jest.restoreAllMocks();
  }
});

test("GIVEN the spies WHEN something dials, resolves or spawns THEN they see it (the test above can fail)", async () => {
  const dials = jest.spyOn(net.Socket.prototype, "connect");
  const lookups = jest.spyOn(dns, "lookup");
  const spawnsSync = jest.spyOn(childProcess, "spawnSync");
  try {
    const socket = net.connect({ host: "127.0.0.1", port: 9 });
    socket.on("error", () => undefined);
    socket.destroy();
    await new Promise((resolve) => dns.lookup("localhost", () => resolve(undefined)));
    childProcess.spawnSync(process.execPath, ["--version"]);
    expect([dials, lookups, spawnsSync].map((spy) => spy.mock.calls.length > 0)).toEqual([true, true, true]);
  } finally {
    jest.restoreAllMocks();
  }
});
