#!/usr/bin/env bash
# Fails when gen/, envoy/tally.binpb or openapi/tally.openapi.json is not exactly what `npm run gen`
# makes from proto/ (generated files are never edited by hand). Generates into a temporary folder
# with the same script, so the working tree is left alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash scripts/dev/gen.sh "$tmp" >/dev/null
problems=$(
  diff -r -q gen "$tmp/gen" 2>&1
  cmp -s envoy/tally.binpb "$tmp/envoy/tally.binpb" || echo "envoy/tally.binpb differs"
  cmp -s openapi/tally.openapi.json "$tmp/openapi/tally.openapi.json" || echo "openapi/tally.openapi.json differs"
)
if [ -n "$problems" ]; then
  echo "✗ generated code is stale: run 'npm run gen' and commit the result." >&2
  echo "$problems" | sed 's/^/    /' >&2
  exit 1
fi
echo "✓ gen/, envoy/tally.binpb and openapi/tally.openapi.json match proto/"
