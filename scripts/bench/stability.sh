#!/bin/bash
# Stability under CPU and memory pressure (setup.sh first): for DURATION seconds every node sends group messages at
# RATE/N per second (RATE in total), while one busy loop per core (`yes > /dev/null`) and one allocation-heavy
# process (`stress-ng --vm`, from Debian's package, installed if missing) run beside the daemons. Counts the
# membership view changes every node's watcher sees (target: zero) and checks that the group stream stayed complete
# and in the same order everywhere. Holds /tmp/bench.lock for the whole run.
#
#   ./stability.sh                       # DURATION=600 RATE=100
#   DURATION=60 ./stability.sh           # a short check
set -uo pipefail
source "$(dirname "$0")/lib.sh"
DURATION="${DURATION:-600}"
RATE="${RATE:-100}"
VM_BYTES="${VM_BYTES:-512M}"

if [ "${1:-}" != once ]; then
  for i in $(seq 1 "$N"); do md_pid "$i" >/dev/null || { echo "ms$i not running; run setup.sh" >&2; exit 1; }; done
  if ! command -v stress-ng >/dev/null; then
    log "installing stress-ng"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q stress-ng >/dev/null
  fi
  TS="$(date +%Y%m%d-%H%M%S)"
  RES="${RES:-$HERE/results/stability-$BUILD-$TS}"
  mkdir -p "$RES"
  exec flock -o "$LOCK" "$HERE/stability.sh" once "$RES"
fi

RES="$2"
PROFILE="$(awk -F'"' '/^profile/{print $2}' "$(nodedir 1)/muster.toml")"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ) build=$BUILD profile=$PROFILE N=$N DURATION=$DURATION RATE=$RATE VM_BYTES=$VM_BYTES nproc=$(nproc) kernel=$(uname -r)" | tee "$RES/config.txt"
wait_members "$N" 30 || { echo "cluster not complete" >&2; exit 1; }
helpers=()
cleanup() { local p; for p in "${helpers[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT

for i in $(seq 1 "$N"); do
  mbench_bg "$i" watch --socket "$(sockpath "$i")" >"$RES/watch.$i" 2>&1 &
  helpers+=($!); echo $! >>"$STATE/helper_pids"
done
sleep 1
# load: one busy loop per core, one allocation-heavy process
for c in $(seq 0 $(( $(nproc) - 1 ))); do
  taskset -c "$c" yes >/dev/null &
  helpers+=($!); echo $! >>"$STATE/helper_pids"
done
stress-ng --vm 1 --vm-bytes "$VM_BYTES" --timeout "$((DURATION + 30))s" --quiet &
helpers+=($!); echo $! >>"$STATE/helper_pids"
log "load started: $(nproc) x yes, stress-ng --vm 1 --vm-bytes $VM_BYTES; sending $RATE msgs/s for $DURATION s"

per=$(( (RATE + N - 1) / N ))
pids=()
group="stab$$"
for i in $(seq "$N" -1 1); do
  mbench_bg "$i" groups --socket "$(sockpath "$i")" --group "$group" --size 256 --duration "$DURATION" --warmup 0 \
    --senders-expected "$N" --members "$N" --role sender --rate "$per" --timeout $((DURATION + 120)) --json \
    >"$RES/groups.$i.out" 2>&1 &
  pids+=($!); echo $! >>"$STATE/helper_pids"
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
cleanup; helpers=()

{
  for i in $(seq 1 "$N"); do
    changes=$(( $(grep -c ' view ' "$RES/watch.$i") - 1 ))
    echo "ms$i: view changes seen by the watcher: $changes"
  done
  python3 "$HERE/summarize.py" run stab all 256 1 "$([ $rc = 0 ] && echo ok || echo fail)" <(cat "$RES"/groups.*.out)
  for i in $(seq 1 "$N"); do
    echo "ms$i musterd log lines during the run mentioning suspect/stall/failed/view:"
    awk -v from="$(head -c 19 "$RES/config.txt" | cut -c7-)" '1' "$(nodedir "$i")/musterd.log" \
      | grep -Ei 'suspect|stall|fail|installed view' | tail -5
  done
} | tee "$RES/summary.txt"
exit $rc
