# Sourced by install-nats-server.sh and install-natscli.sh: makes a Go tool
# available at a pinned version. Uses one already on $env_var, on PATH or in
# $(go env GOPATH)/bin that prints exactly the expected version, else builds
# it with `go install` (CGO_ENABLED=0), else fails saying what to do.
#
#   ensure_go_tool <script> <binary> <env var> <module@version> <expected `--version` output> <who finds it>

ensure_go_tool() {
  local script=$1 binary=$2 env_var=$3 module=$4 expected=$5 users=$6
  local version=${module##*@}
  has_version() { [ -x "$1" ] && [ "$("$1" --version 2>/dev/null)" = "$expected" ]; }

  local gobin=""
  if command -v go >/dev/null 2>&1; then gobin="$(go env GOPATH)/bin"; fi

  local candidate
  for candidate in "${!env_var:-}" "$(command -v "$binary" || true)" "${gobin:+$gobin/$binary}"; do
    if [ -n "$candidate" ] && has_version "$candidate"; then
      echo "$script: using $candidate ($version)"
      return 0
    fi
  done

  if [ -z "$gobin" ]; then
    echo "$script: $binary $version is not on PATH and Go is not installed." >&2
    echo "  Install Go (https://go.dev/dl/) and re-run, or put $binary $version on PATH," >&2
    echo "  or point $env_var at it." >&2
    return 1
  fi

  echo "$script: building $binary $version with go install ..."
  if ! CGO_ENABLED=0 go install "$module"; then
    echo "$script: go install $module failed (is the Go module proxy reachable?)." >&2
    return 1
  fi
  has_version "$gobin/$binary" || { echo "$script: $gobin/$binary is not $version" >&2; return 1; }
  echo "$script: installed $gobin/$binary ($version); $users find it there or via $env_var."
}
