#!/usr/bin/env bash
# Makes the pinned nats-server available for the integration tests.
# Uses one already on PATH (or in $(go env GOPATH)/bin) at that version, else
# builds it with `go install` (CGO_ENABLED=0), else fails saying what to do.
# The version comes from constructs/core/versions.ts, the one place it is pinned.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^export const NATS_SERVER_VERSION = "\([0-9.]*\)";$/\1/p' constructs/core/versions.ts)
if [ -z "$version" ]; then
  echo "install-nats-server: cannot read NATS_SERVER_VERSION from constructs/core/versions.ts" >&2
  exit 1
fi

has_version() { [ -x "$1" ] && "$1" --version 2>/dev/null | grep -qx "nats-server: v$version"; }

gobin=""
if command -v go >/dev/null 2>&1; then gobin="$(go env GOPATH)/bin"; fi

for candidate in "${NATS_SERVER:-}" "$(command -v nats-server || true)" "${gobin:+$gobin/nats-server}"; do
  if [ -n "$candidate" ] && has_version "$candidate"; then
    echo "install-nats-server: using $candidate (v$version)"
    exit 0
  fi
done

if [ -z "$gobin" ]; then
  echo "install-nats-server: nats-server v$version is not on PATH and Go is not installed." >&2
  echo "  Install Go (https://go.dev/dl/) and re-run, or put nats-server v$version on PATH," >&2
  echo "  or point NATS_SERVER at it." >&2
  exit 1
fi

echo "install-nats-server: building nats-server v$version with go install ..."
if ! CGO_ENABLED=0 go install "github.com/nats-io/nats-server/v2@v$version"; then
  echo "install-nats-server: go install github.com/nats-io/nats-server/v2@v$version failed (is the Go module proxy reachable?)." >&2
  exit 1
fi
has_version "$gobin/nats-server" || { echo "install-nats-server: $gobin/nats-server is not v$version" >&2; exit 1; }
echo "install-nats-server: installed $gobin/nats-server (v$version); tests find it there or via NATS_SERVER."
