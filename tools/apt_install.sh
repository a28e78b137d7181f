#!/usr/bin/env bash
# Installs those of the Debian packages given that are not installed yet (through sudo unless
# root), after one `apt-get update` unless ONYX_APT_UPDATED=1 says .ci/run has just run it. A
# partly failing update (one lagging index) still leaves usable lists. Every setup script uses it.
#   tools/apt_install.sh [--no-install-recommends] PACKAGE...
set -eu
options=()
if [ "${1:-}" = --no-install-recommends ]; then
  options+=("$1")
  shift
fi
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0
echo "apt_install: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ "${ONYX_APT_UPDATED:-0}" != 1 ]; then
  $SUDO apt-get update -qq || echo "apt_install: apt-get update reported errors; continuing with the lists it got"
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${options[@]}" "${missing[@]}" >/dev/null
