#!/usr/bin/env bash
# The test command (README, CI): builds everything with warnings as errors, runs every test project, then checks
# that musterd and muster publish with Native AOT without warnings. Prints "N passed, N failed, N skipped" last.
#   SKIP_AOT=1 scripts/test.sh     skip the Native AOT publish check
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -rf "$log"' EXIT

echo "== build (Release, warnings are errors)"
if ! dotnet build Muster.slnx -c Release -nologo -v:q >"$log" 2>&1; then
  grep -E "error|warning" "$log" | sort -u | head -40
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== tests"
# Test projects run one after another (the multi-process tests must not share the 2 cores with the simulator);
# the multi-process tests also use the tolerant "test" timing profile.
dotnet test --solution Muster.slnx -c Release --no-build --max-parallel-test-modules 1 2>&1 | tee "$log"
test_status=${PIPESTATUS[0]}
# Read the run summary that Microsoft.Testing.Platform prints ("failed: N / succeeded: N / skipped: N"); with
# modules run one at a time it prints one summary for the whole run.
passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -E '^\s+failed: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -E '^\s+skipped: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')

aot_status=0
if [ "${SKIP_AOT:-0}" != "1" ]; then
  echo "== Native AOT publish check"
  bash scripts/aot-check.sh || aot_status=$?
  if [ $aot_status -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
fi

if [ "$test_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi

echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$test_status" -eq 0 ] && [ $aot_status -eq 0 ]
