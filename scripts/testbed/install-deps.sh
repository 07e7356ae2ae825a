#!/usr/bin/env bash
# Installs what the network-namespace test bed (tests/Muster.TestBed.Tests) needs from Debian's packages, only
# when missing: iproute2 (`ip netns`, veth, bridge) and nftables (`nft`, for blackholes and packet loss).
# The test bed's fixture runs this when it is root and a tool is missing; it can also be run by hand.
set -euo pipefail
source "$(dirname "$0")/../lib/install-missing.sh"
install_missing testbed/install-deps --no-install-recommends -- ip=iproute2 nft=nftables
