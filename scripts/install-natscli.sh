#!/usr/bin/env bash
# Makes the pinned natscli (the `nats` command) available for the benchmarks
# (`npm run bench`, and its --quick run in the tests): `nats bench` is NATS's
# own load generator. Uses one already on NATS_CLI, PATH or in
# $(go env GOPATH)/bin at that version, else builds it with `go install`
# (CGO_ENABLED=0), else fails saying what to do. The version is pinned in
# bench/dataplane/natscli.ts, the one place the benchmark reads it from.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^export const NATS_CLI_VERSION = "\([0-9.]*\)";$/\1/p' bench/dataplane/natscli.ts)
if [ -z "$version" ]; then
  echo "install-natscli: cannot read NATS_CLI_VERSION from bench/dataplane/natscli.ts" >&2
  exit 1
fi

has_version() { [ -x "$1" ] && [ "$("$1" --version 2>/dev/null)" = "v$version" ]; }

gobin=""
if command -v go >/dev/null 2>&1; then gobin="$(go env GOPATH)/bin"; fi

for candidate in "${NATS_CLI:-}" "$(command -v nats || true)" "${gobin:+$gobin/nats}"; do
  if [ -n "$candidate" ] && has_version "$candidate"; then
    echo "install-natscli: using $candidate (v$version)"
    exit 0
  fi
done

if [ -z "$gobin" ]; then
  echo "install-natscli: natscli v$version is not on PATH and Go is not installed." >&2
  echo "  Install Go (https://go.dev/dl/) and re-run, or put nats v$version on PATH," >&2
  echo "  or point NATS_CLI at it." >&2
  exit 1
fi

echo "install-natscli: building natscli v$version with go install ..."
if ! CGO_ENABLED=0 go install "github.com/nats-io/natscli/nats@v$version"; then
  echo "install-natscli: go install github.com/nats-io/natscli/nats@v$version failed (is the Go module proxy reachable?)." >&2
  exit 1
fi
has_version "$gobin/nats" || { echo "install-natscli: $gobin/nats is not v$version" >&2; exit 1; }
echo "install-natscli: installed $gobin/nats (v$version); the benchmark finds it there or via NATS_CLI."
