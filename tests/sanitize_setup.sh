#!/usr/bin/env bash
# Configures DIR (default build-asan) as a clang build with AddressSanitizer and
# UndefinedBehaviorSanitizer (any report aborts), coverage-instrumented for libFuzzer, with the
# fuzz targets of tests/fuzz enabled: one build serves tests/run_sanitize.sh and
# tests/fuzz/run.sh. Installs clang and its runtime libraries if they are missing.
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build-asan}

tools/apt_install.sh clang libclang-rt-14-dev

if [ ! -f "$dir/build.ninja" ]; then
  # -O1 keeps the sanitizers' reports exact and the build short; -g1 gives line numbers.
  flags="-fsanitize=fuzzer-no-link -fno-sanitize-recover=all -fno-omit-frame-pointer -g1"
  CC=clang CXX=clang++ meson setup "$dir" --buildtype=plain -Doptimization=1 \
    -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true \
    -Dc_args="$flags" -Dcpp_args="$flags" >/dev/null
fi
