#!/usr/bin/env bash
# Installs what the Cortex-M targets need, if missing: the arm-none-eabi GCC, picolibc and its
# libstdc++ build, and QEMU's system emulator for the MPS2/MPS3 boards. Safe to run again.
set -eu
"$(dirname "$0")/../../tools/apt_install.sh" --no-install-recommends gcc-arm-none-eabi binutils-arm-none-eabi \
  picolibc-arm-none-eabi libstdc++-arm-none-eabi-picolibc qemu-system-arm
