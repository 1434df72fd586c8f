#!/usr/bin/env bash
# Makes the pinned nats-server available for the integration tests (see
# scripts/go-tool.sh for where it looks and how it builds it). The version
# comes from constructs/core/versions.ts, the one place it is pinned.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/go-tool.sh

version=$(sed -n 's/^export const NATS_SERVER_VERSION = "\([0-9.]*\)";$/\1/p' constructs/core/versions.ts)
if [ -z "$version" ]; then
  echo "install-nats-server: cannot read NATS_SERVER_VERSION from constructs/core/versions.ts" >&2
  exit 1
fi
ensure_go_tool install-nats-server nats-server NATS_SERVER "github.com/nats-io/nats-server/v2@v$version" \
  "nats-server: v$version" "tests"
