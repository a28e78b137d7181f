#!/usr/bin/env bash
# Builds the Cortex-M demo firmware and checks it under qemu-system-arm:
#   1. makes the demo models with the host build's tools: the MNIST CNN of ../shared/models at
#      batch 1 and the motion detector on a 60x80 frame, each with two input cases;
#   2. compiles them with `onyx compile --c-array` (the .onyx blob as a C array for flash) and
#      collects the operators they need (`--list-ops`) for the op-subset build;
#   3. runs them on the host (`onyx run` of the .onnx) for the reference outputs;
#   4. per CPU, cross-builds the core with -Dops=<that list> and links the firmware, runs it on
#      the board's emulator with semihosting and compares every output (floats within 1e-4,
#      integers and bools exactly).
# Ends with "N passed, N failed" (one test per model input case and CPU).
#
#   targets/cortex-m/run.sh [--host BUILD] [--sizes] [CPU ...]
#     CPU: m4 (Cortex-M4F, mps2-an386), m7 (Cortex-M7, mps2-an500), m55 (Cortex-M55,
#     mps3-an547); default m4 m7. Builds go to build-<CPU>. BUILD is the host build with protobuf
#     (default build/). --sizes also links the all-operators firmware and prints the
#     arm-none-eabi-size table of both.
set -u
cd "$(dirname "$0")/../.."
root=$(pwd)

host=build
sizes=0
cpus=()
while [ $# -gt 0 ]; do
  case "$1" in
    --host) host=$2; shift 2 ;;
    --sizes) sizes=1; shift ;;
    m4|m7|m55) cpus+=("$1"); shift ;;
    *) echo "usage: $0 [--host BUILD] [--sizes] [m4|m7|m55 ...]"; echo "0 passed, 1 failed"; exit 2 ;;
  esac
done
[ ${#cpus[@]} -gt 0 ] || cpus=(m4 m7)

fail_all() { echo "cortex-m: $1"; echo "0 passed, 1 failed"; exit 1; }

targets/cortex-m/setup.sh || fail_all "setup failed"
if [ ! -f "$host/build.ninja" ]; then
  [ "$host" = build ] || fail_all "no host build in $host"
  tools/setup.sh >/dev/null || fail_all "host build (tools/setup.sh) failed"
fi
ninja -C "$host" tools/onyx targets/cortex-m/cortex_m_demo_data >/dev/null || fail_all "host build failed"
onyx="$root/$host/tools/onyx"
demo="$root/$host/targets/cortex-m/cortex_m_demo_data"

# 1-3: models, compiled blobs, operator list, reference outputs.
data="$root/$host/cortex-m-data"
rm -rf "$data"
mkdir -p "$data"
"$demo" models "$data" "$root/../shared/models" || fail_all "making the demo models failed"
ops=""
for m in mnist motion; do
  # ONYX_MAX_ISA=scalar: the blob's arena plan is the one a build without SIMD kernels computes
  # (scratch sizes differ per ISA), which is what the firmware (-Dsimd=false) plans on the device.
  list=$(ONYX_MAX_ISA=scalar "$onyx" compile "$data/$m.onnx" --c-array "$data/${m}_model.c" --symbol "${m}_model" --list-ops) ||
    fail_all "onyx compile $m failed"
  ops="$ops,$list"
done
ops=$(echo "$ops" | tr ',' '\n' | grep -v '^$' | sort -u | paste -sd, -)
echo "operators (-Dops): $ops"
for f in "$data"/*.npy; do
  base=$(basename "$f" .npy)          # model.case.input
  model=${base%%.*}; rest=${base#*.}; case=${rest%%.*}; input=${rest#*.}
  echo "--input $input=$f" >> "$data/$model.$case.args"
done
for a in "$data"/*.args; do
  base=$(basename "$a" .args); model=${base%%.*}; case=${base#*.}
  mkdir -p "$data/ref/$model/$case"
  # shellcheck disable=SC2046
  "$onyx" run "$data/$model.onnx" $(cat "$a") --output-dir "$data/ref/$model/$case" >/dev/null ||
    fail_all "host reference run of $model/$case failed"
done
"$demo" firmware "$data" || fail_all "writing firmware_data.c failed"

# 4: per CPU.
passed=0; failed=0
size_rows=()
for cpu in "${cpus[@]}"; do
  case $cpu in
    m4) board=mps2-an386; name=cortex-m4 ;;
    m7) board=mps2-an500; name=cortex-m7 ;;
    m55) board=mps3-an547; name=cortex-m55 ;;
  esac
  dir="build-$cpu"
  echo "== $name on $board ($dir)"
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" --cross-file "targets/cortex-m/$name.ini" --cross-file targets/cortex-m/cortex-m-common.ini \
      --buildtype=minsize -Dproto=disabled -Dtests=false -Dsimd=false -Dthreads=false \
      -Dfirmware_data="$data" -Dops="$ops" \
      > "$data/setup-$cpu.log" 2>&1 || { cat "$data/setup-$cpu.log"; failed=$((failed + 1)); continue; }
  else
    meson configure "$dir" -Dthreads=false -Dfirmware_data="$data" -Dops="$ops" > /dev/null ||
      { failed=$((failed + 1)); continue; }
  fi
  elfs=(targets/cortex-m/firmware.elf)
  [ $sizes = 1 ] && elfs+=(targets/cortex-m/firmware_all.elf)
  if ! ninja -C "$dir" "${elfs[@]}" > "$data/build-$cpu.log" 2>&1; then
    grep -E "error|Error" "$data/build-$cpu.log" | head -20
    echo "FAIL $name: the firmware did not build"
    failed=$((failed + 1))
    continue
  fi
  log="$data/run-$cpu.txt"
  timeout 600 qemu-system-arm -M "$board" -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "$dir/targets/cortex-m/firmware.elf" > "$log" 2>&1
  rc=$?
  grep -E "^(onyx firmware|stats|error)" "$log"
  [ $rc -eq 0 ] || echo "  qemu exit status $rc"
  /usr/bin/python3 targets/cortex-m/compare.py "$name" "$log" "$data/ref" > "$data/compare-$cpu.txt"
  cat "$data/compare-$cpu.txt"
  line=$(tail -1 "$data/compare-$cpu.txt")
  p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/'); f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-1}))
  [ $rc -eq 0 ] || [ "${f:-1}" -ne 0 ] || failed=$((failed + 1))
  for e in "${elfs[@]}"; do
    # The models and their inputs are the arrays named <model>_*: text minus those is code.
    models=$(arm-none-eabi-nm -S --radix=d --defined-only "$dir/$e" | awk '$4 ~ /^(mnist|motion)_/ {s += $2} END {print s + 0}')
    size_rows+=("$name $(basename "$e" .elf) $(arm-none-eabi-size "$dir/$e" | tail -1 | awk '{print $1, $2, $3}') $models")
  done
done

echo
echo "firmware sizes (arm-none-eabi-size; text holds the code and, in flash, the models and inputs):"
printf "  %-11s %-13s %9s %7s %9s %13s %9s\n" cpu firmware text data bss models+inputs code
for r in "${size_rows[@]}"; do
  # shellcheck disable=SC2086
  set -- $r
  printf "  %-11s %-13s %9s %7s %9s %13s %9s\n" "$1" "$2" "$3" "$4" "$5" "$6" $(($3 - $6))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
