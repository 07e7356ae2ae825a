#!/usr/bin/env bash
# Installs what the network-namespace test bed (tests/Muster.TestBed.Tests) needs from Debian's packages, only
# when missing: iproute2 (`ip netns`, veth, bridge) and nftables (`nft`, for blackholes and packet loss).
# The test bed's fixture runs this when it is root and a tool is missing; it can also be run by hand.
set -euo pipefail

need=()
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v nft >/dev/null 2>&1 || need+=(nftables)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "testbed/install-deps: missing ${need[*]} and not root; install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi

echo "testbed/install-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
