import { ProbeClient } from "../../smoke/nats-probes";
import type { CanaryOptions } from "./options";
import type { NatsClientSettings } from "./tornado-toml";

/**
 * Connects like Tornado's client: TLS with the client certificate, the server
 * certificate verified against the configured root and the DNS name of the
 * configured address, reconnecting forever.
 */
export async function connectNats(
  options: CanaryOptions,
  settings: NatsClientSettings,
  name: string,
): Promise<ProbeClient> {
  const [configured] = settings.addresses;
  const servername = configured.replace(/:\d+$/, "");
  const address = options.resolve.get(configured) ?? configured;
  return ProbeClient.connect(
    { address, servername },
    { caPem: settings.caPem, certPem: settings.certPem, keyPem: settings.keyPem },
    { name, reconnect: true, timeoutMs: 10000 },
  );
}
