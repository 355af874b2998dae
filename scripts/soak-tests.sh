#!/usr/bin/env bash
# Runs the whole `npm test` N times in a row on this tree and prints how many
# runs passed and failed. A run that does not exit by itself within the
# time limit (Jest left hanging) counts as failed.
#
#   scripts/soak-tests.sh 10            # logs in ./soak-logs/
#   SOAK_RUN_TIMEOUT=1800 scripts/soak-tests.sh 3
set -uo pipefail

runs="${1:-10}"
limit="${SOAK_RUN_TIMEOUT:-1800}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
logs="${SOAK_LOGS:-$here/soak-logs}"
mkdir -p "$logs"
cd "$here"

passed=0
failed=0
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  timeout --kill-after=30 "$limit" npm test >"$logs/run-$i.log" 2>&1
  code=$?
  took=$(( $(date +%s) - start ))
  summary=$(grep -E '^Tests:' "$logs/run-$i.log" | tail -1)
  if [ "$code" -eq 0 ]; then
    passed=$((passed + 1))
    echo "run $i: ok in ${took}s  ${summary}"
  else
    failed=$((failed + 1))
    [ "$code" -eq 124 ] && summary="timed out after ${limit}s (did not exit by itself); $summary"
    echo "run $i: FAILED (exit $code) in ${took}s  ${summary}  log: $logs/run-$i.log"
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
