#!/bin/bash
# Process-group throughput / latency benchmark against the running Muster cluster (setup.sh first).
#
#   ./bench.sh                                     # full matrix, REPS=3, DUR=10
#   REPS=1 DUR=5 SIZES="1024" MODES=all ./bench.sh
#   INFLIGHT=8 ./bench.sh                          # up to 8 outstanding SendAsync per sender (default 1)
#
# Every measured run is executed as `flock -o /tmp/bench.lock ./bench.sh once ...`, so it never overlaps with
# another benchmark on this machine; one throughput run holds the lock for about DUR + WARMUP + 3 s.
#
# Output: results/bench-<build>-<timestamp>/raw/*.out (one JSON line per node per run), summary.tsv (one line per
# run) and medians.txt.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

REPS="${REPS:-3}"
DUR="${DUR:-10}"                         # measured seconds of sending per throughput run
WARMUP="${WARMUP:-1}"                    # seconds sent before the measured window
SIZES="${SIZES:-64 1024 16384 65536}"
MODES="${MODES:-one all}"                # one sender (node 1) / all N nodes send
LAT_SIZES="${LAT_SIZES:-64 1024}"
LAT_COUNT="${LAT_COUNT:-2000}"
INFLIGHT="${INFLIGHT:-1}"

# utime+stime (clock ticks) of every running musterd: "<node> <ticks>" per line
cpu_snapshot() {
  local i p
  for i in $(seq 1 "$N"); do
    p="$(md_pid "$i")" || continue
    echo "$i $(awk '{print $14+$15}' "/proc/$p/stat")"
  done
}

# ---------------------------------------------------------------- one measured run
run_once() {
  # run_once <thr|lat> <one|all> <size> <outfile>
  local kind="$1" mode="$2" size="$3" out="$4" i k group pids=() rc=0
  group="b$$-$RANDOM"
  k=1; [ "$mode" = all ] && k="$N"
  : >"$out"
  cpu_snapshot >"$out.cpu0"
  # receivers (and, in mode all, senders) on nodes N..2 first, node 1 last
  for i in $(seq "$N" -1 1); do
    local sock; sock="$(sockpath "$i")"
    if [ "$kind" = lat ] && [ "$i" = 1 ]; then
      mbench_bg 1 latency --socket "$sock" --group "$group" --size "$size" --count "$LAT_COUNT" --members "$N" \
        --timeout 120 >"$out.$i" 2>&1 &
    elif [ "$kind" = lat ]; then
      mbench_bg "$i" groups --socket "$sock" --group "$group" --size "$size" --senders-expected 1 --members "$N" \
        --role receiver --warmup 0 --timeout 120 --json >"$out.$i" 2>&1 &
    else
      local role=receiver
      { [ "$mode" = all ] || [ "$i" = 1 ]; } && role=sender
      mbench_bg "$i" groups --socket "$sock" --group "$group" --size "$size" --duration "$DUR" --warmup "$WARMUP" \
        --senders-expected "$k" --members "$N" --role "$role" --inflight "$INFLIGHT" --timeout $((DUR + WARMUP + 90)) \
        --json >"$out.$i" 2>&1 &
    fi
    pids+=($!); echo $! >>"$STATE/helper_pids"
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  for i in $(seq 1 "$N"); do cat "$out.$i" >>"$out"; rm -f "$out.$i"; done
  # CPU seconds each musterd used during the run, and its counters afterwards (view changes, stalls, retransmits)
  cpu_snapshot | join "$out.cpu0" - | awk '{printf "{\"bench\":\"cpu\",\"node\":%s,\"musterd_cpu_s\":%.2f}\n", $1, ($3-$2)/100}' >>"$out"
  rm -f "$out.cpu0"
  for i in $(seq 1 "$N"); do mbench "$i" status --socket "$(sockpath "$i")" >"$out.status.$i" 2>&1; done
  return $rc
}

if [ "${1:-}" = once ]; then shift; run_once "$@"; exit $?; fi
if [ "${1:-}" = medians ]; then python3 "$HERE/summarize.py" medians "$2"; exit 0; fi

# ---------------------------------------------------------------- matrix
for i in $(seq 1 "$N"); do md_pid "$i" >/dev/null || { echo "ms$i not running; run setup.sh" >&2; exit 1; }; done
wait_members "$N" 30 || { echo "cluster not complete" >&2; exit 1; }

TS="$(date +%Y%m%d-%H%M%S)"
RES="${RES:-$HERE/results/bench-$BUILD-$TS}"
mkdir -p "$RES/raw"
SUM="$RES/summary.tsv"
python3 "$HERE/summarize.py" header >"$SUM"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  build: $BUILD  N=$N REPS=$REPS DUR=$DUR WARMUP=$WARMUP INFLIGHT=$INFLIGHT LAT_COUNT=$LAT_COUNT"
  echo "machine: nproc=$(nproc) kernel=$(uname -r) mem=$(free -h | awk '/^Mem:/{print $2}')"
  echo "commit: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)"
} >"$RES/info.txt"
cp "$(nodedir 1)/muster.toml" "$RES/ms1.muster.toml"
log "results -> $RES"

summarize() { # summarize kind mode size rep file rc
  local st=ok; [ "$6" = 0 ] || st=fail
  python3 "$HERE/summarize.py" run "$1" "$2" "$3" "$4" "$st" "$5" | tee -a "$SUM"
}

for rep in $(seq 1 "$REPS"); do
  for mode in $MODES; do
    for size in $SIZES; do
      f="$RES/raw/thr-$mode-$size-r$rep.out"
      flock -o "$LOCK" "$HERE/bench.sh" once thr "$mode" "$size" "$f"; rc=$?
      summarize thr "$mode" "$size" "$rep" "$f" "$rc"
    done
  done
  for size in $LAT_SIZES; do
    f="$RES/raw/lat-one-$size-r$rep.out"
    flock -o "$LOCK" "$HERE/bench.sh" once lat one "$size" "$f"; rc=$?
    summarize lat one "$size" "$rep" "$f" "$rc"
  done
done

mkdir -p "$RES/logs"
for i in $(seq 1 "$N"); do cp "$(nodedir "$i")/musterd.log" "$RES/logs/ms$i.musterd.log" 2>/dev/null; done
python3 "$HERE/summarize.py" medians "$SUM" | tee "$RES/medians.txt"
