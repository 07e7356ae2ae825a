#!/usr/bin/env bash
# Publishes musterd and muster with Native AOT and fails on any trim or AOT warning.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
for project in src/Muster.Daemon src/Muster.Cli; do
  name=$(basename "$project")
  log="$out/$name.log"
  ok=0
  for attempt in 1 2; do
    if dotnet publish "$project" -c Release -r linux-x64 -o "$out/$name" -p:TreatWarningsAsErrors=true >"$log" 2>&1; then
      ok=1
      break
    fi
    # Retry only when the native compiler itself crashed (seen once: "Bus error"), never on warnings or errors.
    grep -qiE "bus error|segmentation fault|exited with code 13[0-9]" "$log" || break
    echo "aot-check: the AOT compiler crashed publishing $project; retrying once" >&2
  done
  if [ $ok -ne 1 ]; then
    echo "aot-check: publishing $project failed:" >&2
    grep -E "error|warning" "$log" | sort -u | head -40 >&2
    status=1
    continue
  fi
  if grep -qE "warning (IL|CS)[0-9]+" "$log"; then
    echo "aot-check: $project has trim/AOT warnings:" >&2
    grep -E "warning (IL|CS)[0-9]+" "$log" | sort -u | head -40 >&2
    status=1
    continue
  fi
  exe=$(find "$out/$name" -maxdepth 1 -type f -executable \( -name musterd -o -name muster \) | head -1)
  echo "aot-check: $project published with Native AOT, no warnings ($(du -h "$exe" | cut -f1) $(basename "$exe"))"
done
exit $status
