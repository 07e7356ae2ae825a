#!/usr/bin/env bash
# Installs Debian's fence-agents (the ClusterLabs agents; the test bed runs its fence_dummy through the real agent
# protocol), only when fence_dummy is missing. Bookworm has no smaller package that carries fence_dummy. The test
# bed's fencing tests run this when root and it is missing; it can also be run by hand.
set -euo pipefail
source "$(dirname "$0")/../lib/install-missing.sh"
PATH="$PATH:/usr/sbin"
install_missing testbed/install-fence-agents --no-install-recommends -- fence_dummy=fence-agents
