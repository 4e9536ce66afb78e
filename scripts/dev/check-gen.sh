#!/usr/bin/env bash
# Fails when gen/ is not exactly what `npm run gen` makes from proto/ (generated code is never
# edited by hand). Generates into a temporary folder, so the working tree is left alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PATH="$PWD/node_modules/.bin:$PATH"
buf generate --output "$tmp" >/dev/null
buf build --as-file-descriptor-set -o "$tmp/gen/tally.binpb"
if ! diff -r -q gen "$tmp/gen" >"$tmp/diff.txt"; then
  echo "✗ gen/ is stale: run 'npm run gen' and commit the result." >&2
  sed 's/^/    /' "$tmp/diff.txt" >&2
  exit 1
fi
echo "✓ gen/ matches proto/"
