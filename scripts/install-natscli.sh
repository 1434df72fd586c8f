#!/usr/bin/env bash
# Makes the pinned natscli (the `nats` command) available for the benchmarks
# (`npm run bench`, and its --quick run in the tests): `nats bench` is NATS's
# own load generator. See scripts/go-tool.sh for where it looks and how it
# builds it. The version is pinned in bench/dataplane/natscli.ts, the one
# place the benchmark reads it from.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/go-tool.sh

version=$(sed -n 's/^export const NATS_CLI_VERSION = "\([0-9.]*\)";$/\1/p' bench/dataplane/natscli.ts)
if [ -z "$version" ]; then
  echo "install-natscli: cannot read NATS_CLI_VERSION from bench/dataplane/natscli.ts" >&2
  exit 1
fi
ensure_go_tool install-natscli nats NATS_CLI "github.com/nats-io/natscli/nats@v$version" "v$version" "the benchmarks"
