#!/bin/bash
# Create an N-node Muster cluster in network namespaces ms1..msN, bridged via msbr0 in the root namespace,
# addresses 10.79.0.1..N/24 (no default route), one musterd per namespace (SCHED_RR, like the Corosync peer).
#
#   ./setup.sh                      # N=3, BUILD=jit, timing profile lan
#   BUILD=aot ./setup.sh            # Native AOT musterd and muster-bench
#   PROFILE=test SEND_WINDOW=256 SEQUENCER_WINDOW=4096 MAX_DATAGRAM=8900 ./setup.sh   # documented config keys
#   SKIP_BUILD=1 ./setup.sh         # reuse state/build/$BUILD
#   SCHED_RR=false ./setup.sh       # musterd without SCHED_RR (default true, as Corosync runs in the peer harness)
#   CRYPTO=none ./setup.sh          # unencrypted (default aes256gcm, as Corosync runs with crypto_cipher aes256)
#   LOG_LEVEL=debug ./setup.sh      # musterd log level (default info); debug shows each view-change attempt's candidates
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N="${N:-3}"
BUILD="${BUILD:-jit}"
PROFILE="${PROFILE:-lan}"
BIN="$STATE/build/$BUILD"; MUSTERD="$BIN/musterd"; MBENCH="$BIN/muster-bench"

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
[ "$N" -ge 1 ] && [ "$N" -le 200 ] || { echo "bad N=$N" >&2; exit 1; }
case "$BUILD" in jit|aot) ;; *) echo "BUILD must be jit or aot" >&2; exit 1 ;; esac

# ---------------------------------------------------------------- build
if [ -z "${SKIP_BUILD:-}" ] || [ ! -x "$MUSTERD" ] || [ ! -x "$MBENCH" ]; then
  mkdir -p "$BIN"
  for p in src/Muster.Daemon bench/Muster.Bench; do
    log "building $p ($BUILD)"
    if [ "$BUILD" = aot ]; then
      dotnet publish "$REPO/$p" -c Release -r linux-x64 -p:PublishAot=true -o "$BIN" >"$BIN/build-${p##*/}.log" 2>&1 \
        || { tail -30 "$BIN/build-${p##*/}.log" >&2; exit 1; }
    else
      dotnet publish "$REPO/$p" -c Release -r linux-x64 -p:PublishAot=false --self-contained false -o "$BIN" \
        >"$BIN/build-${p##*/}.log" 2>&1 || { tail -30 "$BIN/build-${p##*/}.log" >&2; exit 1; }
    fi
  done
fi

# ---------------------------------------------------------------- previous run
if ls "$STATE"/ms*/musterd.pid >/dev/null 2>&1 || ip link show "$BRIDGE" >/dev/null 2>&1; then
  log "previous state found, running teardown first"
  "$HERE/teardown.sh"
fi
for i in $(seq 1 "$N"); do
  if ip netns list | awk '{print $1}' | grep -qx "$(ns "$i")"; then
    echo "namespace $(ns "$i") exists and is not ours (teardown did not remove it); aborting" >&2; exit 1
  fi
done
mkdir -p "$STATE"
echo "$N" >"$STATE/N"
echo "$BUILD" >"$STATE/BUILD"

# ---------------------------------------------------------------- network
log "creating bridge $BRIDGE and $N namespaces"
ip link add "$BRIDGE" type bridge
ip link set "$BRIDGE" up          # no address on the bridge: nodes only talk to each other
for i in $(seq 1 "$N"); do
  n="$(ns "$i")"; v="$(vethhost "$i")"
  ip netns add "$n"
  ip link add "$v" type veth peer name eth0 netns "$n"
  ip link set "$v" master "$BRIDGE" up
  ip -n "$n" link set lo up
  ip -n "$n" addr add "$(nsaddr "$i")/24" dev eth0
  ip -n "$n" link set eth0 up
done

# ---------------------------------------------------------------- configs
# One cluster key (256 random bits, mode 0400), the same file for every node, as `muster keygen` writes it.
KEY="$STATE/authkey"
rm -f "$KEY"; (umask 077; head -c 32 /dev/urandom >"$KEY"); chmod 0400 "$KEY"
for i in $(seq 1 "$N"); do
  d="$(nodedir "$i")"; rm -rf "$d"; mkdir -p "$d/lib"
  {
    cat <<EOT
# written by scripts/bench/setup.sh
[cluster]
name = "msbench"
config_version = 1
port = 5405

EOT
    for j in $(seq 1 "$N"); do
      printf '[[node]]\nid = %d\nname = "ms%d"\naddresses = ["%s"]\n\n' "$j" "$j" "$(nsaddr "$j")"
    done
    printf '[timing]\nprofile = "%s"\n\n' "$PROFILE"
    printf '[limits]\n'
    [ -n "${MAX_DATAGRAM:-}" ] && printf 'max_datagram_size = %s\n' "$MAX_DATAGRAM"
    [ -n "${SEND_WINDOW:-}" ] && printf 'send_window = %s\n' "$SEND_WINDOW"
    [ -n "${SEQUENCER_WINDOW:-}" ] && printf 'sequencer_window = %s\n' "$SEQUENCER_WINDOW"
    cat <<EOT

[ipc]
socket = "$(sockpath "$i")"

[security]
crypto = "${CRYPTO:-aes256gcm}"
key_file = "$KEY"

[system]
state_dir = "$d/lib"
sched_rr = ${SCHED_RR:-true}

[logging]
level = "${LOG_LEVEL:-info}"
file = "$d/musterd.log"
EOT
  } >"$d/muster.toml"
done

# ---------------------------------------------------------------- start
for i in $(seq 1 "$N"); do start_node "$i"; done
if ! wait_members "$N" 60; then
  echo "cluster did not converge to $N members; logs: $STATE/ms*/musterd.log" >&2
  exit 1
fi
log "cluster up: $N nodes in one view (BUILD=$BUILD, profile $PROFILE)"
mbench 1 watch --socket "$(sockpath 1)" --until-members "$N" --timeout 5
