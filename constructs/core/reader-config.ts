import { readerSubjects } from "./tenant-streams";
import { jsonFile, natsAddressesFor, TORNADO_TLS_PATHS, type RenderedFile } from "./tornado-config";
import type { ReaderSpec, Topology } from "./topology";

/**
 * What a deployed reader container gets besides its certificate: one JSON
 * file and the same facts as environment variables, since a reader is the
 * operator's own program (an archive, a SIEM forwarder, a dashboard) and
 * there is no Tornado format to follow.
 */

export const READER_CONFIG_FILE = "/etc/tornado-nats/reader.json";

/** What a deployed reader container gets: its files and environment. */
export interface RenderedReader {
  readonly files: RenderedFile[];
  readonly env: Readonly<Record<string, string>>;
}

export function renderReader(topology: Topology, reader: ReaderSpec): RenderedReader {
  if (!reader.deploy) throw new Error(`reader ${reader.name} is an identity only; nothing to deploy`);
  const addresses = natsAddressesFor(topology, reader.deploy.host);
  const subjects = readerSubjects(topology, reader.tenants);
  const config = {
    nats: {
      // Each host name is a DNS SAN of that server's certificate: verify against it.
      addresses,
      subjects,
      tls: {
        ca_file: TORNADO_TLS_PATHS.caFile,
        cert_file: TORNADO_TLS_PATHS.certFile,
        key_file: TORNADO_TLS_PATHS.keyFile,
      },
    },
    tenants: reader.tenants,
  };
  return {
    files: [jsonFile(READER_CONFIG_FILE, config)],
    env: {
      TORNADO_NATS_ADDRESSES: addresses.join(","),
      TORNADO_NATS_SUBJECTS: subjects.join(","),
      TORNADO_NATS_CA_FILE: TORNADO_TLS_PATHS.caFile,
      TORNADO_NATS_CERT_FILE: TORNADO_TLS_PATHS.certFile,
      TORNADO_NATS_KEY_FILE: TORNADO_TLS_PATHS.keyFile,
      TORNADO_NATS_READER_CONFIG: READER_CONFIG_FILE,
    },
  };
}
