#!/usr/bin/env bash
# Builds musterd of the mixed-version baseline (the protocol-version-2 build of the core-correctness work) into
# artifacts/baseline/<commit>/ and prints that directory. The mixed-version tests start it beside the current build.
#   scripts/baseline-musterd.sh [commit]     (default: the baseline commit below)
# Needs the repository's history (a clone has it); builds from a temporary git worktree, once: a second call reuses
# the build.
set -euo pipefail
cd "$(dirname "$0")/.."
commit=${1:-c4183ff}
full=$(git rev-parse --verify --quiet "$commit^{commit}") || { echo "baseline commit $commit is not in this repository's history" >&2; exit 3; }
out="$PWD/artifacts/baseline/${full:0:12}"
if [ -x "$out/musterd" ] || [ -f "$out/musterd.dll" ]; then
  echo "$out"
  exit 0
fi

tree=$(mktemp -d)
trap 'git worktree remove --force "$tree" >/dev/null 2>&1 || rm -rf "$tree"' EXIT
git worktree add --detach --quiet "$tree" "$full"
mkdir -p "$out.tmp"
if ! dotnet build "$tree/src/Muster.Daemon" -c Release -nologo -v:q -o "$out.tmp" >"$out.tmp.log" 2>&1; then
  tail -20 "$out.tmp.log" >&2
  echo "building musterd of $commit failed" >&2
  exit 1
fi
rm -rf "$out" && mv "$out.tmp" "$out" && rm -f "$out.tmp.log"
echo "$out"
