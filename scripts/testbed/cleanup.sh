#!/usr/bin/env bash
# Removes what test-bed runs (tests/Muster.TestBed) left behind: for each run k, the daemons in namespaces
# mt<k>-<i>, those namespaces, the bridges mt<k>br1/mt<k>br2, the veths mt<k>-<i>n1/n2, /tmp/muster-testbed/mt<k>
# and its owner file, and the cgroups muster-testbed/mt<k>-<i> (killing what is left in them). Names are those of tests/Muster.TestBed/Leftovers.cs; nothing else is touched (not the
# benchmark harness's ms*/cs* namespaces).
#   scripts/testbed/cleanup.sh          runs whose test process is gone (what the fixture also does at start)
#   scripts/testbed/cleanup.sh --all    every run, even one whose test process still runs
set -uo pipefail
ROOT=/tmp/muster-testbed
all=0
[ "${1:-}" = "--all" ] && all=1

[ "$(id -u)" -eq 0 ] || { echo "cleanup: run as root" >&2; exit 1; }

names_ns()    { ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^mt[0-9]{1,3}-[0-9]+$'; }
names_links() { ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^mt[0-9]{1,3}(-[0-9]+n[12]|br[12])$'; }
run_of()      { sed -E 's/^mt([0-9]{1,3}).*/\1/'; }

runs=$( { names_ns; names_links; ls "$ROOT" 2>/dev/null | grep -E '^mt[0-9]{1,3}(\.owner)?$'; } | run_of | sort -un)

for k in $runs; do
  owner="$ROOT/mt$k.owner"
  if [ $all -eq 0 ] && [ -f "$owner" ] && pid=$(cat "$owner") && [ -n "$pid" ] && [ -d "/proc/$pid" ]; then
    echo "cleanup: run $k belongs to live process $pid; skipped (use --all to remove it anyway)"
    continue
  fi
  for ns in $(names_ns | grep -E "^mt$k-"); do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    ip netns del "$ns" && echo "cleanup: deleted namespace $ns"
  done
  for g in /sys/fs/cgroup/unified/muster-testbed/mt$k-*; do
    [ -d "$g" ] || continue
    echo 1 > "$g/cgroup.kill" 2>/dev/null
    for _ in $(seq 50); do grep -q '^populated 1' "$g/cgroup.events" || break; sleep 0.1; done
    rmdir "$g" && echo "cleanup: removed cgroup ${g#/sys/fs/cgroup/unified/}"
  done
  for l in $(names_links | grep -E "^mt$k(-|br)"); do
    ip link del "$l" 2>/dev/null && echo "cleanup: deleted link $l"
  done
  rm -rf "${ROOT:?}/mt$k" "$owner"
done
exit 0
