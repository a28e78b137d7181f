#!/usr/bin/env bash
# Prepares one Linux cross target: installs the cross compiler and qemu-user (Debian packages)
# and fills the target's sysroot, targets/linux/sysroot/<triple>, with the target-architecture
# Debian packages the build links against.
#
#   targets/linux/setup.sh aarch64|armv7|riscv64
#
# The sysroot packages come from Debian multiarch (dpkg --add-architecture arm64/armhf) but are
# unpacked with dpkg-deb instead of installed: an installed libprotobuf-dev:arm64 drags in
# libc6-dev:arm64, whose Multi-Arch: same siblings (linux-libc-dev, libssl3, ...) must have the
# very same version as the host's, which fails whenever the mirror's security index for one
# architecture lags the other. Unpacking touches no host package and needs only the library
# itself; libc and libstdc++ for the target come with the cross compiler (/usr/<triple>).
#
# libprotobuf is pinned to the host's protoc version (generated code and library must match).
# riscv64 is not a Debian 12 architecture, so its sysroot has the header-only libraries only
# and the riscv64 build is the protobuf-free one (-Dproto=disabled).
set -eu
cd "$(dirname "$0")/../.."

target=${1:-}
case "$target" in
  aarch64) triple=aarch64-linux-gnu;   debarch=arm64 ;;
  armv7)   triple=arm-linux-gnueabihf; debarch=armhf ;;
  riscv64) triple=riscv64-linux-gnu;   debarch="" ;;
  *) echo "usage: targets/linux/setup.sh aarch64|armv7|riscv64" >&2; exit 2 ;;
esac
qemu=qemu-${target/armv7/arm}

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
apt_updated=${ONYX_APT_UPDATED:-0}
apt_update() {  # a partly failing update (one lagging index) still leaves usable lists
  [ "$apt_updated" = 1 ] && return 0
  $SUDO apt-get update -qq || echo "setup: apt-get update reported errors; continuing with the lists it got"
  apt_updated=1
}

# Host tools: the native build's packages (tools/setup.sh), the cross compiler and qemu-user.
tools/apt_install.sh --no-install-recommends g++ meson ninja-build pkg-config cmake protobuf-compiler \
  libprotobuf-dev libeigen3-dev libxsimd-dev doctest-dev "g++-$triple" qemu-user
command -v "$qemu" >/dev/null || { echo "setup: $qemu not found after installing qemu-user" >&2; exit 1; }

# Target packages for the sysroot, each pinned to the version installed on the host.
host_version() { dpkg-query -W -f='${Version}' "$1"; }
debs=("libeigen3-dev=$(host_version libeigen3-dev)" "doctest-dev=$(host_version doctest-dev)")
if [ -n "$debarch" ]; then
  if ! dpkg --print-foreign-architectures | grep -qx "$debarch"; then
    echo "setup: dpkg --add-architecture $debarch"
    $SUDO dpkg --add-architecture "$debarch"
    apt_updated=0
  fi
  [ -n "$(apt-cache madison "libprotobuf-dev:$debarch" 2>/dev/null)" ] || { apt_updated=0; apt_update; }
  pv=$(host_version libprotobuf-dev)
  [ "$(protoc --version | awk '{print $2}')" = "${pv%%-*}" ] || {
    echo "setup: protoc $(protoc --version) does not match libprotobuf-dev $pv" >&2; exit 1; }
  debs+=("libprotobuf-dev:$debarch=$pv" "libprotobuf-lite32:$debarch=$pv"
         "libxsimd-dev:$debarch=$(host_version libxsimd-dev)")
else
  # Header-only and identical on every architecture: the host's own package.
  debs+=("libxsimd-dev=$(host_version libxsimd-dev)")
fi

sysroot=targets/linux/sysroot/$triple
# The cross files take the sysroot's absolute path from this machine file (Meson 1.0 machine
# files cannot name paths relative to themselves).
mkdir -p "$sysroot"
printf "[constants]\nsysroot = '%s'\n" "$PWD/$sysroot" > "$sysroot.ini"
stamp="$sysroot/.packages"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${debs[*]}" ]; then
  exit 0  # already unpacked, same versions
fi
echo "setup: unpacking ${debs[*]} into $sysroot"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$tmp"; fi  # apt's download sandbox
(cd "$tmp" && apt-get download -qq "${debs[@]}") || {
  apt_updated=0; apt_update
  (cd "$tmp" && apt-get download -qq "${debs[@]}")
}
rm -rf "$sysroot"
mkdir -p "$sysroot"
for d in "$tmp"/*.deb; do dpkg-deb -x "$d" "$sysroot"; done
# The header-only host xsimd package puts its .pc under the host's multiarch folder.
if [ -z "$debarch" ]; then
  mkdir -p "$sysroot/usr/share/pkgconfig"
  mv "$sysroot"/usr/lib/*/pkgconfig/xsimd.pc "$sysroot/usr/share/pkgconfig/"
fi
echo "${debs[*]}" > "$stamp"
