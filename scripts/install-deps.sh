#!/usr/bin/env bash
# Installs what the tests and the Native AOT check need from Debian's packages, only when missing.
# A fresh machine has only the .NET SDK; this script is how the project brings the rest.
set -euo pipefail
source "$(dirname "$0")/lib/install-missing.sh"
install_missing install-deps clang=clang dpkg:zlib1g-dev=zlib1g-dev
