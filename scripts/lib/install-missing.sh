# Sourced by the install-deps scripts: install_missing LABEL [apt-get install options --] CHECK=PACKAGE ...
# CHECK is a command name (installed when missing from PATH) or dpkg:NAME (installed when dpkg does not know it).
# Installs only what is missing, from Debian's packages, as root; otherwise says what to install and fails.
install_missing() {
  local label="$1"; shift
  local opts=() need=() item check pkg
  if [ "${1:-}" != "${1#-}" ]; then
    while [ "$1" != "--" ]; do opts+=("$1"); shift; done
    shift
  fi
  for item in "$@"; do
    check="${item%%=*}"; pkg="${item#*=}"
    case "$check" in
      dpkg:*) dpkg -s "${check#dpkg:}" >/dev/null 2>&1 || need+=("$pkg") ;;
      *) command -v "$check" >/dev/null 2>&1 || need+=("$pkg") ;;
    esac
  done
  [ ${#need[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "$label: missing ${need[*]} and not root; install them with: sudo apt-get install -y ${need[*]}" >&2
    return 1
  fi
  echo "$label: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${opts[@]}" "${need[@]}" >/dev/null
}
