#!/usr/bin/env bash
# Installs the Debian packages Onyx needs to build and test, if any is missing, and configures
# the build directory `build/` (release). Safe to run again.
set -eu
cd "$(dirname "$0")/.."

packages=(g++ meson ninja-build pkg-config cmake protobuf-compiler libprotobuf-dev libeigen3-dev
          libxsimd-dev doctest-dev libonnx-testdata python3-onnx python3-numpy graphviz)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  [ "${ONYX_APT_UPDATED:-0}" = 1 ] || $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -f build/build.ninja ]; then
  meson setup build --buildtype=release >/dev/null
fi
ninja -C build
