import { isAbsolute, join } from "node:path";

/**
 * Command line of the canary: `<role> --config-dir=DIR [--root=DIR]
 * [--resolve=NAME:PORT=HOST:PORT] [--http-port=N]`.
 *
 * --root and --resolve exist so the very files rendered for a container can
 * run on a workstation or in CI: --root prefixes every absolute path from the
 * config (like a chroot), --resolve dials another address while still
 * verifying the server certificate against NAME (like curl --resolve).
 */
export interface CanaryOptions {
  readonly role: string;
  readonly configDir: string;
  readonly root?: string;
  readonly resolve: ReadonlyMap<string, string>;
  readonly httpPort?: number;
}

export const USAGE =
  "usage: tornado-nats-canary <engine|webhook_collector|nats_json_collector> --config-dir=DIR " +
  "[--root=DIR] [--resolve=NAME:PORT=HOST:PORT] [--http-port=N]";

export function parseOptions(argv: readonly string[]): CanaryOptions {
  const [role, ...rest] = argv;
  let configDir: string | undefined;
  let root: string | undefined;
  let httpPort: number | undefined;
  const resolve = new Map<string, string>();
  for (const argument of rest) {
    const [flag, ...valueParts] = argument.split("=");
    const value = valueParts.join("=");
    if (flag === "--config-dir") configDir = value;
    else if (flag === "--root") root = value;
    else if (flag === "--http-port") httpPort = Number(value);
    else if (flag === "--resolve") {
      const match = /^([^=]+:\d+)=(.+:\d+)$/.exec(value);
      if (!match) throw new Error(`--resolve expects NAME:PORT=HOST:PORT, got ${JSON.stringify(value)}`);
      resolve.set(match[1], match[2]);
    } else throw new Error(`unknown argument ${JSON.stringify(argument)}\n${USAGE}`);
  }
  if (!role || !configDir) throw new Error(USAGE);
  if (httpPort !== undefined && !(Number.isInteger(httpPort) && httpPort > 0 && httpPort < 65536)) {
    throw new Error(`--http-port must be a port number, got ${JSON.stringify(String(httpPort))}`);
  }
  return { role, configDir, root, resolve, httpPort };
}

/** A path from the config, as seen from this process (honouring --root). */
export function localPath(options: CanaryOptions, path: string): string {
  return options.root && isAbsolute(path) ? join(options.root, path) : path;
}
