import { ProbeClient } from "../../smoke/nats-probes";
import { freePort } from "../helpers/nats-server-process";
import { startSecuredNats, type SecuredNats } from "../helpers/secured-nats";
import { threeTenants } from "../helpers/topologies";

/**
 * A client configured with several NATS addresses (a cluster's nodes, as
 * every rendered Tornado config lists them) uses the list: a dead first
 * address does not keep it out, and each server is still verified by name.
 * The canary connects through this very client.
 */

let nats: SecuredNats;
beforeAll(async () => {
  nats = await startSecuredNats(threeTenants());
});
afterAll(async () => {
  await nats?.stop();
});

const COLLECTOR = "collector/webhook-acme";

test("GIVEN a dead first address and the live server second THEN the client connects to the second", async () => {
  const dead = { address: `127.0.0.1:${await freePort()}`, servername: "nats-dead.example.net" };
  const client = await ProbeClient.connect(dead, nats.material(COLLECTOR), { alternates: [nats.endpoint] });
  try {
    expect(client.connection.getServer()).toBe(nats.endpoint.address);
    expect(await client.publish("tornado.events", "{}")).toBe("accepted");
  } finally {
    await client.close();
  }
});

test("GIVEN the live server dialed under names its certificate does not carry THEN the handshake is refused", async () => {
  const dead = { address: `127.0.0.1:${await freePort()}`, servername: "nats-dead.example.net" };
  const impostor = { address: nats.endpoint.address, servername: "nats-other.example.net" };
  await expect(
    ProbeClient.connect(dead, nats.material(COLLECTOR), { alternates: [impostor], timeoutMs: 3000 }),
  ).rejects.toThrow();
});
