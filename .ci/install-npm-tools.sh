#!/bin/sh
# The Node tools the integration tests use (DiscoveryDocumentsIT: @asyncapi/parser, har-validator),
# installed from the lock file into relay/src/test/js/discovery/node_modules when missing.
# Needs Node 20+ and npm with access to the npm registry.
set -eu
dir="$(dirname "$0")/../relay/src/test/js/discovery"
if [ -f "$dir/node_modules/@asyncapi/parser/package.json" ] && [ -f "$dir/node_modules/har-validator/package.json" ]; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "install-npm-tools: npm is missing (Node 20+ with npm is needed)" >&2; exit 1; }
cd "$dir"
npm ci --no-audit --no-fund --ignore-scripts
