# Shared settings for the Muster benchmark harness (sourced by the other scripts).
# Everything runtime-related lives under $STATE (default: ./state next to this file).
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
STATE="${STATE:-$HERE/state}"
NET_PREFIX="10.79.0"          # only used inside our own namespaces
BRIDGE="msbr0"
LOCK="${LOCK:-/tmp/bench.lock}"

# which build setup.sh made (jit or aot), unless BUILD is given
if [ -z "${BUILD:-}" ]; then
  if [ -f "$STATE/BUILD" ]; then BUILD="$(cat "$STATE/BUILD")"; else BUILD=jit; fi
fi
BIN="$STATE/build/$BUILD"
MUSTERD="$BIN/musterd"
MBENCH="$BIN/muster-bench"

# number of nodes: explicit N wins, else what setup recorded, else 3
if [ -z "${N:-}" ]; then
  if [ -f "$STATE/N" ]; then N="$(cat "$STATE/N")"; else N=3; fi
fi

ns()       { echo "ms$1"; }
nsaddr()   { echo "$NET_PREFIX.$1"; }
vethhost() { echo "vms$1"; }          # root-namespace end of node i's veth (bridge port)
nodedir()  { echo "$STATE/ms$1"; }
pidfile()  { echo "$STATE/ms$1/musterd.pid"; }
sockpath() { echo "$STATE/ms$1/musterd.sock"; }

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# pid of node i's musterd if it is alive and really is the one we started
md_pid() {
  local f p; f="$(pidfile "$1")"
  [ -f "$f" ] || return 1
  p="$(cat "$f")"
  [ -n "$p" ] && [ -d "/proc/$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "musterd" ] || return 1
  echo "$p"
}

# start musterd for node i inside its netns. All fds above 2 are closed first, so that a musterd started inside a
# `flock` run never holds /tmp/bench.lock (the peers' pitfall 5).
start_node() {
  local i="$1" d; d="$(nodedir "$i")"
  if md_pid "$i" >/dev/null; then log "ms$i already running"; return 0; fi
  rm -f "$(sockpath "$i")"
  ip netns exec "$(ns "$i")" /bin/bash -c \
    'for f in /proc/$$/fd/*; do f=${f##*/}; [ "$f" -gt 2 ] && eval "exec $f>&-"; done
     exec "$1" --config "$2" --node "$3"' sh "$MUSTERD" "$d/muster.toml" "ms$i" \
    >>"$d/stdout.log" 2>&1 </dev/null &
  echo $! >"$(pidfile "$i")"
}

# bench tool in node i's namespace (foreground)
mbench() { local i="$1"; shift; ip netns exec "$(ns "$i")" "$MBENCH" "$@"; }
# the same for background use: `mbench_bg i args... >out &` leaves in $! the pid of muster-bench itself (the
# subshell execs ip, which execs the tool), so that it can be stopped by that pid
mbench_bg() { local i="$1"; shift; exec ip netns exec "$(ns "$i")" "$MBENCH" "$@"; }

# wait until every running node's installed view has $1 members (max $2 s, default 30)
wait_members() {
  local want="$1" max="${2:-30}" i
  for i in $(seq 1 "$N"); do
    md_pid "$i" >/dev/null || continue
    mbench "$i" watch --socket "$(sockpath "$i")" --until-members "$want" --timeout "$max" >/dev/null || return 1
  done
  return 0
}
