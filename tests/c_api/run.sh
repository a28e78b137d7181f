#!/usr/bin/env bash
# Installs the build into a temporary root, compiles tests/c_api/example.c against it with
# pkg-config (as a user of the installed library would), and runs it.
set -u
cd "$(dirname "$0")/../.."
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
DESTDIR="$root" meson install -C build --quiet >/dev/null || { echo "meson install failed"; echo "0 passed, 1 failed"; exit 1; }
pc=$(dirname "$(find "$root" -name onyx.pc | head -1)")
export PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$root"
cc -std=c11 -Wall -Wextra -o "$root/example" tests/c_api/example.c $(pkg-config --cflags --libs onyx) -lm \
  || { echo "compiling the C example failed"; echo "0 passed, 1 failed"; exit 1; }
"$root/example" ../shared/models/add_scalars/model.onnx
