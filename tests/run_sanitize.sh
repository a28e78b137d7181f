#!/usr/bin/env bash
# The sanitizer job: builds Onyx with AddressSanitizer + UndefinedBehaviorSanitizer (clang, any
# report aborts; see tests/sanitize_setup.sh) into build-asan/ and runs under them: every unit
# test, the hostile corpus (tests/hostile), the models of ../shared/models and of
# build/torch_export (when tests/torch_export/run.sh has made them), and a short smoke run
# of each libFuzzer target (200,000 executions with seed 1, at most ONYX_FUZZ_SECONDS each,
# default 120; 0 skips them).
# The last line is "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
build=build-asan
fuzz_seconds=${ONYX_FUZZ_SECONDS:-120}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

log=$(mktemp -d)
tests/sanitize_setup.sh "$build" > "$log/setup.txt" 2>&1 ||
  { cat "$log/setup.txt"; echo "sanitize: setup failed"; echo "0 passed, 1 failed"; exit 1; }
if ! ninja -C "$build" > "$log/build.txt" 2>&1; then
  grep -E "error|FAILED" "$log/build.txt" | head -30
  echo "sanitize: build failed"; echo "0 passed, 1 failed"; exit 1
fi

passed=0; failed=0
add_counts() {  # the last "N passed, N failed" line of a file
  local line p f
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
  if [ -z "$line" ]; then failed=$((failed + 1)); echo "  (no result line: counted as one failure)"; return; fi
  p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
  passed=$((passed + p)); failed=$((failed + f))
}

echo "== unit tests under ASan + UBSan"
for t in "$build"/tests/test_*; do
  [ -f "$t" ] && [ -x "$t" ] || continue
  "$t" > "$log/unit.txt" 2>&1
  rc=$?
  summary=$(grep -E '^\[doctest\] test cases:' "$log/unit.txt" | tail -1)
  p=$(echo "$summary" | sed -E 's/.*\| *([0-9]+) passed.*/\1/')
  f=$(echo "$summary" | sed -E 's/.*\| *([0-9]+) failed.*/\1/')
  if [ -z "$summary" ]; then p=0; f=1; fi
  if [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then f=1; fi
  [ "${f:-0}" -ne 0 ] && tail -60 "$log/unit.txt"
  echo "$(basename "$t"): $p passed, $f failed"
  passed=$((passed + p)); failed=$((failed + f))
done

echo "== hostile corpus under ASan + UBSan"
"$build"/tests/hostile/hostile_corpus tests/hostile > "$log/hostile.txt" 2>&1
grep -vE '^ok ' "$log/hostile.txt"; add_counts "$log/hostile.txt"

echo "== reference models (../shared/models) under ASan + UBSan"
if [ -d ../shared/models ]; then
  "$build"/tools/onyx test --atol 1e-4 --timeout 600 ../shared/models > "$log/models.txt" 2>&1
  cat "$log/models.txt"; add_counts "$log/models.txt"
else
  echo "../shared/models not found: skipped"
fi

# The PyTorch exports tests/torch_export/run.sh left in build/torch_export (run_all.sh runs it
# first), on two threads, at its tolerance: 29 real graphs of other shapes and operators.
if [ -d build/torch_export ]; then
  echo "== models exported by PyTorch (build/torch_export) under ASan + UBSan, 2 threads"
  "$build"/tools/onyx test --atol 1e-3 --threads 2 --timeout 600 build/torch_export > "$log/torch_export.txt" 2>&1
  grep -vE '^PASS ' "$log/torch_export.txt"; add_counts "$log/torch_export.txt"
fi

if [ "$fuzz_seconds" -gt 0 ]; then
  # Seed 1 and a fixed number of executions: the same inputs on every machine (a finding here
  # is reproducible, not luck), well under the time limit.
  echo "== fuzz smoke: each target for ${ONYX_FUZZ_RUNS:-200000} executions (seed 1) or $fuzz_seconds s"
  ONYX_FUZZ_BUILD=$build ONYX_FUZZ_SEED=${ONYX_FUZZ_SEED:-1} ONYX_FUZZ_RUNS=${ONYX_FUZZ_RUNS:-200000} \
    tests/fuzz/run.sh "$fuzz_seconds" > "$log/fuzz.txt" 2>&1
  cat "$log/fuzz.txt"; add_counts "$log/fuzz.txt"
fi

rm -rf "$log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
