import { isIP } from "node:net";

/** How the Docker provider reaches a host. */
export type DockerHostKind = "local" | "ssh" | "tcp";

export const DOCKER_HOST_URL_RULE =
  "unix:///path/to/docker.sock, ssh://user@host[:port] or tcp://host:port (tcp needs certPath for TLS)";

export type DockerHostUrlResult =
  | { readonly ok: true; readonly kind: DockerHostKind; readonly address: string }
  | { readonly ok: false; readonly problem: string };

/**
 * Classifies a Docker daemon address the way the docker provider will use it.
 * `address` is the host part without user and port (for ssh and tcp), or the
 * socket path (for unix).
 */
export function parseDockerHostUrl(url: string): DockerHostUrlResult {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  const fail = (why: string): DockerHostUrlResult => ({
    ok: false,
    problem: `${why}; allowed: ${DOCKER_HOST_URL_RULE}`,
  });
  if (scheme === "unix") {
    const path = url.slice("unix://".length);
    return path.startsWith("/") && !/\s/.test(path)
      ? { ok: true, kind: "local", address: path }
      : fail("needs an absolute socket path");
  }
  if (scheme !== "ssh" && scheme !== "tcp") {
    return fail(scheme === undefined ? "is not a URL" : `uses the scheme "${scheme}://"`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail("is not a valid URL");
  }
  if (parsed.password) return fail("must not carry a password (use ssh keys or an agent)");
  if ((parsed.pathname !== "" && parsed.pathname !== "/") || parsed.search || parsed.hash) {
    return fail("must not have a path, query or fragment");
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") return fail("has no host");
  if (isIP(host) === 0 && !/^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) {
    return fail("has an invalid host name");
  }
  if (scheme === "ssh") {
    return parsed.username ? { ok: true, kind: "ssh", address: host } : fail("needs a user (ssh://user@host)");
  }
  if (parsed.username) return fail("must not carry a user for tcp://");
  if (parsed.port === "") return fail("needs a port for tcp:// (the TLS port is usually 2376)");
  return { ok: true, kind: "tcp", address: host };
}
