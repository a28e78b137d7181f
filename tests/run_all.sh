#!/usr/bin/env bash
# Sets up, builds and runs every test of Onyx: unit tests, the C API example against the
# installed library, bad-input CLI tests, the reference models in ../shared/models and the
# ONNX conformance suite against tests/conformance/expected.txt (twice: fast primitives, then
# scalar references only), models exported by PyTorch, the hostile-input corpus, the cross
# and Cortex-M targets and the sanitizer job (tests/run_sanitize.sh).
# The last line sums them all:
# "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
tools/setup.sh >/dev/null || { echo "setup or build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0; failed=0; skipped=0
log=$(mktemp -d)
add_counts() {  # reads "N passed, N failed[, N skipped]" from the last such line of a file
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
  if [ -z "$line" ]; then failed=$((failed + 1)); echo "  (no result line: counted as one failure)"; return; fi
  local p f s
  p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
  s=$(echo "$line" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || echo 0)
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${s:-0}))
}

echo "== unit tests (doctest)"
for t in build/tests/test_*; do
  [ -f "$t" ] && [ -x "$t" ] || continue
  "$t" > "$log/unit.txt" 2>&1
  rc=$?
  summary=$(grep -E '^\[doctest\] test cases:' "$log/unit.txt" | tail -1)
  p=$(echo "$summary" | sed -E 's/.*\| *([0-9]+) passed.*/\1/')
  f=$(echo "$summary" | sed -E 's/.*\| *([0-9]+) failed.*/\1/')
  if [ -z "$summary" ]; then p=0; f=1; fi
  if [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then f=1; fi
  [ "${f:-0}" -ne 0 ] && cat "$log/unit.txt"
  echo "$(basename "$t"): $p passed, $f failed"
  passed=$((passed + p)); failed=$((failed + f))
done

echo "== C API example against the installed library"
bash tests/c_api/run.sh > "$log/capi.txt" 2>&1
cat "$log/capi.txt"; add_counts "$log/capi.txt"

echo "== bad input through the CLI"
/usr/bin/python3 tests/cli/test_bad_input.py build/tools/onyx > "$log/bad.txt" 2>&1
grep -vE '^ok ' "$log/bad.txt"; add_counts "$log/bad.txt"

echo "== hostile inputs (tests/hostile: malformed models, tensor and .npy files, each with its expected error)"
build/tests/hostile/hostile_corpus tests/hostile > "$log/hostile.txt" 2>&1
grep -vE '^ok ' "$log/hostile.txt"; add_counts "$log/hostile.txt"

echo "== graph tools through the CLI (check, clean, merge, extract, dot)"
/usr/bin/python3 tests/graph_tools/test_cli.py build/tools/onyx ../shared/models > "$log/graph.txt" 2>&1
grep -vE '^ok ' "$log/graph.txt"; add_counts "$log/graph.txt"

echo "== reference models (../shared/models)"
if [ -d ../shared/models ]; then
  build/tools/onyx test --atol 1e-4 ../shared/models > "$log/models.txt" 2>&1
  cat "$log/models.txt"; add_counts "$log/models.txt"
else
  echo "../shared/models not found: skipped"
fi

echo "== reference models and conformance suite on 2 and 3 threads (work split between threads; 3 splits unevenly)"
for threads in 2 3; do
  if [ -d ../shared/models ]; then
    build/tools/onyx test --atol 1e-4 --threads "$threads" ../shared/models > "$log/models_t$threads.txt" 2>&1
    cat "$log/models_t$threads.txt"; add_counts "$log/models_t$threads.txt"
  fi
  build/tools/onyx test --quiet --threads "$threads" --expect tests/conformance/expected.txt \
    /usr/share/libonnx-testdata/data/{node,pytorch-converted,pytorch-operator,simple} > "$log/conf_t$threads.txt" 2>&1
  grep -vE '^(PASS|SKIP) ' "$log/conf_t$threads.txt" | tail -40; add_counts "$log/conf_t$threads.txt"
done

echo "== ONNX conformance suite (libonnx-testdata) against tests/conformance/expected.txt"
data=/usr/share/libonnx-testdata/data
build/tools/onyx test --quiet --expect tests/conformance/expected.txt \
  "$data/node" "$data/pytorch-converted" "$data/pytorch-operator" "$data/simple" > "$log/conf.txt" 2>&1
grep -vE '^(PASS|SKIP) ' "$log/conf.txt" | tail -40; add_counts "$log/conf.txt"

echo "== the same suite and models on the scalar reference kernels only (ONYX_REFERENCE_KERNELS=1)"
ONYX_REFERENCE_KERNELS=1 build/tools/onyx test --quiet --expect tests/conformance/expected.txt \
  "$data/node" "$data/pytorch-converted" "$data/pytorch-operator" "$data/simple" > "$log/conf_ref.txt" 2>&1
grep -vE '^(PASS|SKIP) ' "$log/conf_ref.txt" | tail -40; add_counts "$log/conf_ref.txt"
if [ -d ../shared/models ]; then
  ONYX_REFERENCE_KERNELS=1 build/tools/onyx test --atol 1e-4 ../shared/models > "$log/models_ref.txt" 2>&1
  cat "$log/models_ref.txt"; add_counts "$log/models_ref.txt"
fi

# Models exported by PyTorch (torchvision architectures and torch.nn layers, torch's outputs
# the reference) on 1 and 2 threads; installs python3-torch. ONYX_SKIP_TORCH_EXPORT=1 leaves it out.
if [ "${ONYX_SKIP_TORCH_EXPORT:-0}" != 1 ]; then
  echo "== models exported by PyTorch (tests/torch_export/run.sh)"
  tests/torch_export/run.sh > "$log/torch_export.txt" 2>&1
  grep -vE '\] PASS ' "$log/torch_export.txt" | tail -40; add_counts "$log/torch_export.txt"
fi

# The three jobs below (cross targets, Cortex-M, sanitizers) install their own toolchains and
# take most of the run's time (about 35 minutes of a 2-core machine in all); each can be left
# out with its ONYX_SKIP_* variable set to 1.
# Linux cross targets under qemu-user (targets/README.md): aarch64 with the conformance suite,
# armv7 and riscv64 with the unit tests and the models. ONYX_SKIP_CROSS=1 leaves them out.
if [ "${ONYX_SKIP_CROSS:-0}" != 1 ]; then
  for target in aarch64 armv7 riscv64; do
    echo "== cross target $target under qemu-user (targets/build.sh $target --tests)"
    targets/build.sh "$target" --tests > "$log/cross_$target.txt" 2>&1
    grep -vE '^ *[0-9]+/[0-9]+ .* OK ' "$log/cross_$target.txt" | tail -60; add_counts "$log/cross_$target.txt"
  done
fi

# Bare metal (targets/README.md): the demo firmware with compiled models on Cortex-M4 and -M7
# under qemu-system-arm. ONYX_SKIP_CORTEX_M=1 leaves it out.
if [ "${ONYX_SKIP_CORTEX_M:-0}" != 1 ]; then
  echo "== Cortex-M firmware under qemu-system-arm (targets/cortex-m/run.sh m4 m7)"
  targets/cortex-m/run.sh --sizes m4 m7 > "$log/cortex_m.txt" 2>&1
  grep -vE '^compiled ' "$log/cortex_m.txt" | tail -40; add_counts "$log/cortex_m.txt"
fi

# AddressSanitizer + UndefinedBehaviorSanitizer (clang, build-asan/): unit tests, the hostile
# corpus, ../shared/models and a repeatable smoke run of each fuzz target (docs/security.md).
# ONYX_SKIP_SANITIZE=1 leaves it out; ONYX_FUZZ_SECONDS=0 skips the smoke run.
if [ "${ONYX_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== sanitizers: ASan + UBSan build (tests/run_sanitize.sh)"
  bash tests/run_sanitize.sh > "$log/sanitize.txt" 2>&1
  grep -vE '^ok |^PASS ' "$log/sanitize.txt" | tail -60; add_counts "$log/sanitize.txt"
fi

rm -rf "$log"
echo
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
