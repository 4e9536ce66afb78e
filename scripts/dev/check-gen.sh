#!/usr/bin/env bash
# Fails when gen/ or envoy/tally.binpb is not exactly what `npm run gen` makes from proto/
# (generated code is never edited by hand). Generates into a temporary folder, so the working tree
# is left alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PATH="$PWD/node_modules/.bin:$PATH"
buf generate --output "$tmp" >/dev/null
buf build --as-file-descriptor-set -o "$tmp/tally.binpb"
problems=$(
  diff -r -q gen "$tmp/gen" 2>&1
  cmp -s envoy/tally.binpb "$tmp/tally.binpb" || echo "envoy/tally.binpb differs"
)
if [ -n "$problems" ]; then
  echo "✗ generated code is stale: run 'npm run gen' and commit the result." >&2
  echo "$problems" | sed 's/^/    /' >&2
  exit 1
fi
echo "✓ gen/ and envoy/tally.binpb match proto/"
