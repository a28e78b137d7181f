#!/usr/bin/env bash
# Builds the libFuzzer targets (clang; ASan + UBSan; see tests/sanitize_setup.sh) and runs each
# for SECONDS, one after another, in one process at a time (nice 10: the machine may be shared):
#   fuzz_load          load a model from bytes
#   fuzz_prepare       load, create a session, plan it
#   fuzz_run           load, plan, run twice with small random inputs
#   fuzz_tensor_files  the .pb (TensorProto/SequenceProto/OptionalProto) and .npy readers
# Seeds: the models of ../shared/models (up to 4 MB), the ONNX conformance suite
# (libonnx-testdata) and tests/hostile/corpus; the test-data .pb files and a few .npy for the
# reader. The growing corpus stays in BUILD/fuzz/corpus/TARGET (later runs continue from it);
# crashes, leaks and timeouts go to BUILD/fuzz/artifacts/TARGET. Each finding must become a
# file of tests/hostile (make_corpus.py) with its expected error, and be fixed.
#
# Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]   (default 60 s, all four targets)
# Environment: ONYX_FUZZ_BUILD  build folder (default build-fuzz)
#              ONYX_FUZZ_SEED   libFuzzer's -seed (default: a random one per run)
#              ONYX_FUZZ_RUNS   stop each target after this many executions (-runs), if sooner
#                               than SECONDS: with a seed, a repeatable run (the CI smoke run)
# Prints per target the executions and findings, then "N passed, N failed" (a target passes
# when it finds nothing).
set -u
cd "$(dirname "$0")/../.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_load fuzz_prepare fuzz_run fuzz_tensor_files)
build=${ONYX_FUZZ_BUILD:-build-fuzz}

tests/sanitize_setup.sh "$build" || { echo "fuzz: setup failed"; echo "0 passed, 1 failed"; exit 1; }
ninja -C "$build" $(printf 'tests/fuzz/%s ' "${targets[@]}") >"$build/fuzz_build.log" 2>&1 ||
  { tail -30 "$build/fuzz_build.log"; echo "fuzz: build failed"; echo "0 passed, 1 failed"; exit 1; }

# Seed folders (rebuilt every time: cheap, and they follow the corpus).
seeds="$build/fuzz/seeds"
rm -rf "$seeds"
mkdir -p "$seeds/models" "$seeds/files"
data=/usr/share/libonnx-testdata/data
n=0
for f in ../shared/models/*/model.onnx "$data"/*/*/model.onnx tests/hostile/corpus/*.onnx; do
  [ -f "$f" ] || continue
  [ "$(stat -c %s "$f")" -le 4194304 ] || continue
  n=$((n + 1)); cp "$f" "$seeds/models/$n.onnx"
done
n=0
for f in "$data"/node/*/test_data_set_0/*.pb ../shared/models/*/test_data_set_*/*.pb \
         tests/hostile/corpus/*.pb tests/hostile/corpus/*.npy; do
  [ -f "$f" ] || continue
  [ "$(stat -c %s "$f")" -le 1048576 ] || continue
  n=$((n + 1)); cp "$f" "$seeds/files/$n.${f##*.}"
done
if [ -x /usr/bin/python3 ]; then
  /usr/bin/python3 - "$seeds/files" <<'PY' || true
import sys
import numpy as np
d = sys.argv[1]
for i, a in enumerate([np.arange(6, dtype=np.float32).reshape(2, 3), np.array(3, dtype=np.int64),
                       np.zeros((0, 4), dtype=np.uint8), np.array([True, False]), np.ones((2, 2), dtype=np.float16),
                       np.arange(4, dtype=np.complex64)]):
    np.save(f"{d}/seed{i}.npy", a)
PY
fi

passed=0; failed=0; total_execs=0
for t in "${targets[@]}"; do
  corpus="$build/fuzz/corpus/$t"
  artifacts="$build/fuzz/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  case $t in
    fuzz_tensor_files) seed_dir="$seeds/files"; max_len=1048576 ;;
    fuzz_run) seed_dir="$seeds/models"; max_len=262144 ;;
    *) seed_dir="$seeds/models"; max_len=4194304 ;;
  esac
  extra=()
  [ -n "${ONYX_FUZZ_SEED:-}" ] && extra+=("-seed=$ONYX_FUZZ_SEED")
  [ -n "${ONYX_FUZZ_RUNS:-}" ] && extra+=("-runs=$ONYX_FUZZ_RUNS")
  before=$(ls "$artifacts" | wc -l)
  log="$build/fuzz/$t.log"
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    nice -n 10 "$build/tests/fuzz/$t" "$corpus" "$seed_dir" -max_total_time="$seconds" -timeout=30 \
      -rss_limit_mb=2560 -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$artifacts/" "${extra[@]}" \
      >"$log" 2>&1
  rc=$?
  execs=$(grep -E '^stat::number_of_executed_units' "$log" | tail -1 | grep -oE '[0-9]+$' || echo 0)
  execs=${execs:-0}
  total_execs=$((total_execs + execs))
  found=$(( $(ls "$artifacts" | wc -l) - before ))
  if [ "$found" -eq 0 ] && [ $rc -eq 0 ]; then
    passed=$((passed + 1))
    echo "$t: $execs executions (at most ${seconds} s), nothing found (corpus: $(ls "$corpus" | wc -l) files)"
  else
    failed=$((failed + 1))
    echo "$t: $execs executions, exit status $rc, $found new findings in $artifacts:"
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -20
  fi
done
echo "fuzzing: $total_execs executions in total"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
