import { ProbeClient } from "../../smoke/nats-probes";
import type { CanaryOptions } from "./options";
import type { NatsClientSettings } from "./tornado-toml";

/**
 * Connects like Tornado's client: TLS with the client certificate, the server
 * certificate verified against the configured root and the DNS name of the
 * configured address, every configured address in the server list,
 * reconnecting forever.
 */
export async function connectNats(
  options: CanaryOptions,
  settings: NatsClientSettings,
  name: string,
): Promise<ProbeClient> {
  // Every configured address, in order, like Tornado's client: a cluster's nodes are its failover list.
  const [first, ...others] = settings.addresses.map((configured) => ({
    address: options.resolve.get(configured) ?? configured,
    servername: configured.replace(/:\d+$/, ""),
  }));
  return ProbeClient.connect(
    first,
    { caPem: settings.caPem, certPem: settings.certPem, keyPem: settings.keyPem },
    { name, reconnect: true, timeoutMs: 10000, alternates: others },
  );
}
