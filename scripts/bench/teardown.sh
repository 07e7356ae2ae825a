#!/bin/bash
# Stop the musterd instances (and bench helpers) started by this harness, by their recorded pids only; remove the
# namespaces ms1..msN and the bridge msbr0. Safe to run twice.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

if [ -f "$STATE/helper_pids" ]; then
  while read -r p; do
    [ -n "$p" ] && [ -d "/proc/$p" ] || continue
    case "$(cat "/proc/$p/comm" 2>/dev/null)" in muster-bench|yes|stress-ng*) kill "$p" 2>/dev/null ;; esac
  done <"$STATE/helper_pids"
  rm -f "$STATE/helper_pids"
fi

pids=""
for f in "$STATE"/ms*/musterd.pid; do
  [ -f "$f" ] || continue
  i="${f#"$STATE"/ms}"; i="${i%%/*}"
  if p="$(md_pid "$i")"; then
    log "stopping ms$i musterd pid $p"
    kill -TERM "$p" 2>/dev/null
    pids="$pids $p"
  fi
  rm -f "$f"
done
for p in $pids; do
  for k in $(seq 1 100); do [ -d "/proc/$p" ] || break; sleep 0.1; done
  if [ -d "/proc/$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = musterd ]; then
    log "pid $p did not exit on TERM, sending KILL"; kill -KILL "$p" 2>/dev/null; sleep 0.2
  fi
done

maxn="$N"
for d in "$STATE"/ms*; do
  [ -d "$d" ] || continue
  k="${d##*/ms}"; [[ "$k" =~ ^[0-9]+$ ]] && [ "$k" -gt "$maxn" ] && maxn="$k"
done
for i in $(seq 1 "$maxn"); do
  n="$(ns "$i")"
  if ip netns list | awk '{print $1}' | grep -qx "$n"; then ip netns del "$n" && log "deleted netns $n"; fi
  ip link del "$(vethhost "$i")" 2>/dev/null || true
done
if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE" && log "deleted bridge $BRIDGE"; fi
log "teardown done"
