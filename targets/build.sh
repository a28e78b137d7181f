#!/usr/bin/env bash
# Builds Onyx for one Linux cross target and, with --tests, runs its tests under qemu-user:
#
#   targets/build.sh aarch64|armv7|riscv64 [--tests] [--no-conformance]
#
#   aarch64  aarch64-linux-gnu    NEON (neon64 kernels)   targets/aarch64-linux-gnu.ini
#   armv7    arm-linux-gnueabihf  NEON + VFPv4, hard-float targets/arm-linux-gnueabihf.ini
#   riscv64  riscv64-linux-gnu    portable kernels, no protobuf (-Dproto=disabled)
#
# Installs what is missing (targets/linux/setup.sh), configures build-<target> with the cross
# file and builds it. --tests then runs, each step ending in an "N passed, N failed" line:
#   - the unit tests, by `meson test` (the cross file's exe_wrapper runs them under qemu);
#   - ../shared/models under qemu, the largest difference of each model from the x86 reference
#     outputs on its PASS line: `onyx test --atol 1e-4 --max-diff` on aarch64 and armv7; on
#     riscv64, which has no protobuf to read .onnx, the models run compiled (.onyx) through
#     targets/linux/compiled_models.py (needs the native build/tools/onyx to compile them);
#   - aarch64 only (unless --no-conformance): the ONNX conformance suite against
#     tests/conformance/expected.txt, as tests/run_all.sh runs it natively.
# The last line sums the steps: "N passed, N failed".
set -u
cd "$(dirname "$0")/.."

target=${1:-}
shift || true
run_tests=0
conformance=1
for a in "$@"; do
  case "$a" in
    --tests) run_tests=1 ;;
    --no-conformance) conformance=0 ;;
    *) echo "targets/build.sh: unknown option '$a'" >&2; exit 2 ;;
  esac
done
case "$target" in
  aarch64) triple=aarch64-linux-gnu;   qemu=qemu-aarch64; options=() ;;
  armv7)   triple=arm-linux-gnueabihf; qemu=qemu-arm;     options=() ;;
  riscv64) triple=riscv64-linux-gnu;   qemu=qemu-riscv64; options=(-Dproto=disabled) ;;
  *) echo "usage: targets/build.sh aarch64|armv7|riscv64 [--tests] [--no-conformance]" >&2; exit 2 ;;
esac
[ "$target" = aarch64 ] || conformance=0
build=build-$target
sysroot=$PWD/targets/linux/sysroot/$triple
start=$(date +%s)
elapsed() { echo "$(( $(date +%s) - start )) s"; }

targets/linux/setup.sh "$target" || { echo "$target: setup failed"; echo "0 passed, 1 failed"; exit 1; }
# Meson reads machine files only at the first setup: a changed cross file needs a fresh setup.
cross_files=$(cat "$sysroot.ini" "targets/$triple.ini")
if [ ! -f "$build/build.ninja" ] || [ "$(cat "$build/cross-files.txt" 2>/dev/null)" != "$cross_files" ]; then
  wipe=()
  [ -f "$build/build.ninja" ] && wipe=(--wipe)
  meson setup "${wipe[@]}" "$build" --cross-file "$sysroot.ini" --cross-file "targets/$triple.ini" \
    --buildtype=release "${options[@]}" >/dev/null ||
    { echo "$target: meson setup failed (see $build/meson-logs/meson-log.txt)"; echo "0 passed, 1 failed"; exit 1; }
  echo "$cross_files" > "$build/cross-files.txt"
fi
if ! ninja -C "$build" > "$build/ninja.log" 2>&1; then
  grep -E 'error|FAILED' "$build/ninja.log" | head -40
  echo "$target: build failed ($(elapsed))"; echo "0 passed, 1 failed"; exit 1
fi
echo "$target: built $build ($(elapsed))"
[ "$run_tests" = 1 ] || exit 0

# The same emulator command as the cross file's exe_wrapper, for the steps meson does not run.
wrap=("$qemu" -L "/usr/$triple" -E "LD_LIBRARY_PATH=$sysroot/usr/lib/$triple")
passed=0; failed=0; skipped=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
add_counts() {  # the last "N passed, N failed[, N skipped]" line of a file
  local line p f s
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
  if [ -z "$line" ]; then failed=$((failed + 1)); echo "  (no result line: counted as one failure)"; return; fi
  p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
  s=$(echo "$line" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || true)
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${s:-0}))
}

echo "== $target: unit tests under $qemu (meson test)"
meson test -C "$build" --suite unit --num-processes 2 --timeout-multiplier 4 > "$log/unit.txt" 2>&1
rc=$?
grep -E '^ *[0-9]+/[0-9]+ ' "$log/unit.txt"  # one line per executable: OK or FAIL, and its time
# The doctest case counts of all executables; one that crashed or timed out has no summary
# line and counts as one failure.
read -r p f < <(awk '/^\[doctest\] test cases:/ { gsub(/\|/, " "); p += $5; f += $7 }
                     END { print p + 0, f + 0 }' "$build/meson-logs/testlog.txt")
if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
[ "$f" -ne 0 ] && grep -E 'ERROR|FAILED|TIMEOUT|signal' "$build/meson-logs/testlog.txt" | head -40
echo "unit: $p passed, $f failed"
passed=$((passed + p)); failed=$((failed + f))
echo "   ($(elapsed))"

echo "== $target: reference models (../shared/models) under $qemu, largest |diff| per model"
if [ ! -d ../shared/models ]; then
  echo "../shared/models not found: skipped"
elif [ "$target" != riscv64 ]; then
  "${wrap[@]}" "$build/tools/onyx" test --atol 1e-4 --max-diff --timeout 1800 ../shared/models > "$log/models.txt" 2>&1
  cat "$log/models.txt"; add_counts "$log/models.txt"
else
  # No protobuf on the target: the build machine's onyx compiles each model to .onyx and
  # converts the inputs to raw files; the target runs onyx_run_compiled.
  host_onyx=${ONYX_HOST_ONYX:-build/tools/onyx}  # the build machine's onyx (tools/setup.sh builds it)
  [ -x "$host_onyx" ] || tools/setup.sh >/dev/null
  /usr/bin/python3 targets/linux/compiled_models.py --onyx "$host_onyx" \
    --runner "$build/targets/linux/onyx_run_compiled" --wrap "${wrap[*]}" --atol 1e-4 ../shared/models \
    > "$log/models.txt" 2>&1
  cat "$log/models.txt"; add_counts "$log/models.txt"
fi
echo "   ($(elapsed))"

if [ "$conformance" = 1 ]; then
  echo "== $target: ONNX conformance suite under $qemu against tests/conformance/expected.txt"
  data=/usr/share/libonnx-testdata/data
  "${wrap[@]}" "$build/tools/onyx" test --quiet --timeout 900 --expect tests/conformance/expected.txt \
    "$data/node" "$data/pytorch-converted" "$data/pytorch-operator" "$data/simple" > "$log/conf.txt" 2>&1
  grep -vE '^(PASS|SKIP) ' "$log/conf.txt" | tail -40; add_counts "$log/conf.txt"
  echo "   ($(elapsed))"
fi

echo
echo "$target: done in $(elapsed)"
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
