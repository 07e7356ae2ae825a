#!/bin/bash
# Crash-to-new-view timing against the running cluster (setup.sh first; timing profile as setup.sh configured it,
# default lan).
#
#   ./failover.sh                 # REPS=5, victims rotate ms1, ms2, ms3, ...
#   REPS=7 VICTIM=3 ./failover.sh # fixed victim
#
# One run (under `flock -o /tmp/bench.lock`): a `muster-bench watch` in every surviving namespace; kill -9 the
# victim's musterd; time until every survivor's watcher has printed the view without it (detect_ms, the max over
# the survivors = "the last survivor sees it"); then start the victim again and time until every survivor's view
# has all N again (join_ms, includes musterd's own start-up). Times are the watcher's CLOCK_REALTIME µs minus bash's
# $EPOCHREALTIME taken immediately before the kill / start.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
REPS="${REPS:-5}"
TMO="${TMO:-30}"

us_now() { local t="$EPOCHREALTIME"; echo "${t/[.,]/}"; }

start_watchers() { # start_watchers <dir> <node...>
  local dir="$1" i k ok; shift
  for i in "$@"; do
    mbench_bg "$i" watch --socket "$(sockpath "$i")" >"$dir/watch.$i" 2>&1 &
    echo $! >"$dir/watch.$i.pid"; echo $! >>"$STATE/helper_pids"
  done
  for k in $(seq 1 500); do
    ok=1
    for i in "$@"; do grep -q ' view ' "$dir/watch.$i" 2>/dev/null || ok=0; done
    [ "$ok" = 1 ] && return 0
    sleep 0.01
  done
  return 1
}

stop_watchers() {
  local f p
  for f in "$1"/watch.*.pid; do
    [ -f "$f" ] || continue
    p="$(cat "$f")"
    [ -d "/proc/$p" ] && kill "$p" 2>/dev/null
    rm -f "$f"
  done
}

# first realtime stamp (µs) >= t0 in a watch file whose line matches the awk condition
first_event() { awk -v t0="$2" "\$2 >= t0 && ($3) {print \$2; exit}" "$1" 2>/dev/null; }
has_member() { echo "(\$6 ~ /^members=([0-9]+,)*$1(,|\$)/)"; }

wait_for() { local max="$1"; shift; local end=$((SECONDS + max)); while [ $SECONDS -lt $end ]; do "$@" && return 0; sleep 0.005; done; return 1; }
all_have() { local dir="$1" t0="$2" cond="$3" i; shift 3
  for i in "$@"; do [ -n "$(first_event "$dir/watch.$i" "$t0" "$cond")" ] || return 1; done; }

emit() { # emit <rep> <victim> <node> <metric> <t0> <t1>
  local ms=NA
  [ -n "$6" ] && ms="$(awk -v a="$5" -v b="$6" 'BEGIN{printf "%.1f", (b-a)/1000}')"
  printf 'kill\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$ms" | tee -a "$EVENTS"
}

once_kill() { # once_kill <victim> <rep> <dir>
  local v="$1" rep="$2" dir="$3" i pid t0 t1 others=()
  for i in $(seq 1 "$N"); do [ "$i" = "$v" ] || others+=("$i"); done
  pid="$(md_pid "$v")" || { echo "ms$v not running" >&2; return 1; }
  start_watchers "$dir" "${others[@]}" || { echo "watchers did not start" >&2; stop_watchers "$dir"; return 1; }
  sleep 0.5
  local gone="\$5==\"n=$((N - 1))\" && !$(has_member "$v")"
  t0="$(us_now)"; kill -9 "$pid"
  wait_for "$TMO" all_have "$dir" "$t0" "$gone" "${others[@]}" || echo "timeout waiting for detection" >&2
  for i in "${others[@]}"; do emit "$rep" "$v" "$i" detect_ms "$t0" "$(first_event "$dir/watch.$i" "$t0" "$gone")"; done
  wait_for 10 test ! -d "/proc/$pid"
  sleep 1
  local back="\$5==\"n=$N\" && $(has_member "$v")"
  t1="$(us_now)"; start_node "$v"
  wait_for "$TMO" all_have "$dir" "$t1" "$back" "${others[@]}" || echo "timeout waiting for join" >&2
  for i in "${others[@]}"; do emit "$rep" "$v" "$i" join_ms "$t1" "$(first_event "$dir/watch.$i" "$t1" "$back")"; done
  stop_watchers "$dir"
  wait_members "$N" 30 || echo "cluster did not re-converge" >&2
}

if [ "${1:-}" = once ]; then EVENTS="$5"; mkdir -p "$4"; once_kill "$2" "$3" "$4"; exit $?; fi

for i in $(seq 1 "$N"); do md_pid "$i" >/dev/null || { echo "ms$i not running; run setup.sh" >&2; exit 1; }; done
wait_members "$N" 30 || { echo "cluster not complete" >&2; exit 1; }
PROFILE="$(awk -F'"' '/^profile/{print $2}' "$(nodedir 1)/muster.toml")"
TS="$(date +%Y%m%d-%H%M%S)"
RES="${RES:-$HERE/results/failover-$BUILD-$PROFILE-$TS}"
mkdir -p "$RES"
EVENTS="$RES/events.tsv"
echo -e "scenario\trep\tvictim\tnode\tmetric\tms" >"$EVENTS"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ) build=$BUILD profile=$PROFILE N=$N REPS=$REPS nproc=$(nproc) kernel=$(uname -r)" | tee "$RES/config.txt"
cp "$(nodedir 1)/muster.toml" "$RES/ms1.muster.toml"

for rep in $(seq 1 "$REPS"); do
  v="${VICTIM:-$(( (rep - 1) % N + 1 ))}"
  log "rep $rep: kill -9, victim ms$v"
  flock -o "$LOCK" "$HERE/failover.sh" once "$v" "$rep" "$RES/kill-r$rep" "$EVENTS"
  sleep 2
done

mkdir -p "$RES/logs"
for i in $(seq 1 "$N"); do cp "$(nodedir "$i")/musterd.log" "$RES/logs/ms$i.musterd.log" 2>/dev/null; done
{
  echo "# $(cat "$RES/config.txt")"
  echo "# metric: median over reps of (max over surviving observers)  [min..max over reps]"
  awk -F'\t' 'NR>1 && $6!="NA" {k=$5; r=$2; if(!((k,r) in mx) || $6+0>mx[k,r]) mx[k,r]=$6+0; keys[k]=1}
              NR>1 && $6=="NA" {na[$5]++}
    END{for(k in keys){n=0; for(kr in mx){split(kr,p,SUBSEP); if(p[1]==k) v[++n]=mx[kr]}
          for(i=1;i<=n;i++)for(j=i+1;j<=n;j++)if(v[j]<v[i]){t=v[i];v[i]=v[j];v[j]=t}
          m=(n%2)? v[(n+1)/2] : (v[n/2]+v[n/2+1])/2
          printf "%s\tmedian %.1f ms\t[%.1f..%.1f]\tn=%d%s\n", k, m, v[1], v[n], n, (na[k]? "\tNA=" na[k] : "")}}' "$EVENTS" | sort
} | tee "$RES/summary.txt"
