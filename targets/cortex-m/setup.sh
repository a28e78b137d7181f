#!/usr/bin/env bash
# Installs what the Cortex-M targets need, if missing: the arm-none-eabi GCC, picolibc and its
# libstdc++ build, and QEMU's system emulator for the MPS2/MPS3 boards. Safe to run again.
set -eu
packages=(gcc-arm-none-eabi binutils-arm-none-eabi picolibc-arm-none-eabi
          libstdc++-arm-none-eabi-picolibc qemu-system-arm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "cortex-m setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  [ "${ONYX_APT_UPDATED:-0}" = 1 ] || $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
