#!/usr/bin/env bash
# `npm run build`: the JavaScript production runs with plain `node` (no tsx), in dist/ or in the
# folder given as $1. Besides the compiled code, dist/ holds the files the code reads from disk at
# run time, at the same place relative to it as in the repository:
#   envoy/tally.binpb   read by services/common/src/grpc-server.ts (server reflection)
#   package.json        the import aliases (#gen/*, #common/*) mapped to the compiled files: Node
#                       resolves `#…` from the nearest package.json, which for dist/ is this one
# (Migrations are TypeScript modules and compile with the rest.)
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO_ROOT"
out=${1:-dist}
[[ -n ${1:-} ]] || rm -rf dist # a stale dist/ would keep files whose source is gone
"$REPO_ROOT/node_modules/.bin/tsc" -p tsconfig.build.json --outDir "$out"
mkdir -p "$out/envoy"
cp envoy/tally.binpb "$out/envoy/tally.binpb"
node -e '
  const root = require(process.argv[1]);
  // dist/ mirrors the repository layout, so the same targets hold there.
  require("fs").writeFileSync(process.argv[2], JSON.stringify({ type: "module", imports: root.imports }, null, 2) + "\n");
' "$REPO_ROOT/package.json" "$out/package.json"
