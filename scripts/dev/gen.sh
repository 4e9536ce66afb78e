#!/usr/bin/env bash
# `npm run gen`: everything generated from proto/, in one go.
#   gen/                        ts-proto code (buf.gen.yaml)
#   envoy/tally.binpb           the descriptor set Envoy transcodes with and reflection serves
#   openapi/tally.openapi.json  the REST edge's OpenAPI 3 document (buf.gen.openapi.yaml, then
#                               scripts/dev/openapi.ts), served by Envoy at GET /openapi.json
#
#   scripts/dev/gen.sh [OUT]    writes under OUT instead of the repository (check-gen.sh compares)
#
# The OpenAPI generator is gnostic's protoc-gen-openapi, plus gnostic itself for YAML → JSON, both
# built from the Go module proxy into .stack/bin on first use (like grpcurl in scripts/stack/stack.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=${1:-$ROOT}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
PATH="$ROOT/node_modules/.bin:$PATH"

GNOSTIC_VERSION=v0.7.1
BIN_DIR=${TALLY_STACK_DIR:-$ROOT/.stack}/bin

# go install into .stack/bin, keyed by version (a version bump reinstalls).
install_gnostic() {
  local marker=$BIN_DIR/.gnostic-version
  if [[ -x $BIN_DIR/protoc-gen-openapi && -x $BIN_DIR/gnostic && $(cat "$marker" 2>/dev/null) == "$GNOSTIC_VERSION" ]]; then
    return 0
  fi
  command -v go >/dev/null || {
    echo "✗ the OpenAPI generator is built with Go: apt-get install -y golang-go (or install Go), then re-run" >&2
    exit 1
  }
  mkdir -p "$BIN_DIR"
  echo "▶ go install github.com/google/gnostic{,/cmd/protoc-gen-openapi}@$GNOSTIC_VERSION → $BIN_DIR" >&2
  GOBIN=$BIN_DIR go install "github.com/google/gnostic@$GNOSTIC_VERSION" "github.com/google/gnostic/cmd/protoc-gen-openapi@$GNOSTIC_VERSION" || {
    echo "✗ go install failed: check that the Go module proxy is reachable (go env GOPROXY)" >&2
    exit 1
  }
  echo "$GNOSTIC_VERSION" >"$marker"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

buf generate --output "$OUT"
mkdir -p "$OUT/envoy" "$OUT/openapi"
buf build --as-file-descriptor-set -o "$OUT/envoy/tally.binpb"

install_gnostic
PATH="$BIN_DIR:$PATH" buf generate --template buf.gen.openapi.yaml --output "$tmp"
"$BIN_DIR/gnostic" "$tmp/openapi/openapi.yaml" --json-out="$tmp/openapi.json"
node --import tsx scripts/dev/openapi.ts "$tmp/openapi.json" "$OUT/envoy/tally.binpb" "$OUT/openapi/tally.openapi.json"
