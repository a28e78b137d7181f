#!/usr/bin/env bash
# Installs the Debian packages Onyx needs to build and test, if any is missing, and configures
# the build directory `build/` (release). Safe to run again.
set -eu
cd "$(dirname "$0")/.."

tools/apt_install.sh g++ meson ninja-build pkg-config cmake protobuf-compiler libprotobuf-dev libeigen3-dev \
  libxsimd-dev doctest-dev libonnx-testdata python3-onnx python3-numpy graphviz

if [ ! -f build/build.ninja ]; then
  meson setup build --buildtype=release >/dev/null
fi
ninja -C build
