#!/usr/bin/python3
"""Runs models in the ONNX backend-test layout on a target without protobuf, through the
compiled format, and compares the outputs with the reference outputs.

    compiled_models.py --onyx build/tools/onyx --runner build-riscv64/targets/linux/onyx_run_compiled
                       [--wrap 'qemu-riscv64 -L /usr/riscv64-linux-gnu'] [--rtol R] [--atol A]
                       PATH...

For each test folder under PATH (model.onnx + test_data_set_*/input_K.pb, output_K.pb):
  1. on the build machine, `onyx compile model.onnx -o model.onyx` and each input_K.pb turned
     into a raw file (its elements, little-endian, row-major);
  2. on the target (through --wrap, e.g. qemu-user), onyx_run_compiled runs the blob on them and
     writes each output as a raw file;
  3. here, each raw output is compared with output_K.pb: floats match when
     |a-b| <= atol + rtol*|b| (NaN equals NaN), other dtypes exactly, as `onyx test` does.
Prints PASS (with the largest |diff|), FAIL or ERROR per test and ends with
"N passed, N failed". Exit status 0 only when nothing failed.
"""
import argparse
import os
import shlex
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper


def find_tests(path):
    if os.path.isfile(os.path.join(path, "model.onnx")):
        return [path]
    found = []
    for name in sorted(os.listdir(path)):
        sub = os.path.join(path, name)
        if os.path.isdir(sub):
            found += find_tests(sub)
    return found


def read_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t, numpy_helper.to_array(t)


def numbered(folder, prefix):
    files = []
    for n in os.listdir(folder):
        if n.startswith(prefix) and n.endswith(".pb") and n[len(prefix):-3].isdigit():
            files.append((int(n[len(prefix):-3]), os.path.join(folder, n)))
    return [f for _, f in sorted(files)]


def compare(got, want, rtol, atol):
    """(error message or None, largest |diff| over float elements)."""
    if got.size != want.size:
        return "%d elements, expected %d" % (got.size, want.size), 0.0
    got = got.reshape(want.shape)
    if want.dtype.kind == "f":
        g = got.astype(np.float64)
        w = want.astype(np.float64)
        both_nan = np.isnan(g) & np.isnan(w)
        diff = np.where(both_nan | (g == w), 0.0, np.abs(g - w))
        bad = ~(diff <= atol + rtol * np.abs(w))
        finite = diff[np.isfinite(diff)]
        largest = float(finite.max()) if finite.size else 0.0
        if bad.any():
            i = int(np.argmax(np.where(bad, diff, -1.0)))
            idx = np.unravel_index(i, want.shape)
            return ("worst element %s: got %r, expected %r" % (list(idx), g.flat[i], w.flat[i])), largest
        return None, largest
    if not np.array_equal(got, want):
        i = int(np.argmax(got.reshape(-1) != want.reshape(-1)))
        return "element %d: got %r, expected %r" % (i, got.flat[i], want.flat[i]), 0.0
    return None, 0.0


def run_test(folder, args, work):
    onyx_blob = os.path.join(work, "model.onyx")
    r = subprocess.run([args.onyx, "compile", os.path.join(folder, "model.onnx"), "-o", onyx_blob],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return "E", "onyx compile: " + (r.stderr or r.stdout).strip()
    model = onnx.load(os.path.join(folder, "model.onnx"), load_external_data=False)
    initializers = {i.name for i in model.graph.initializer}
    graph_inputs = [i for i in model.graph.input if i.name not in initializers]
    sets = sorted(n for n in os.listdir(folder) if n.startswith("test_data_set_"))
    if not sets:
        return "E", "no test_data_set_* folder"
    largest = 0.0
    for s in sets:
        set_dir = os.path.join(folder, s)
        out_dir = os.path.join(work, s)
        os.makedirs(out_dir, exist_ok=True)
        raw_inputs = []
        for k, pb in enumerate(numbered(set_dir, "input_")):
            tp, arr = read_pb(pb)
            if k >= len(graph_inputs) or tp.data_type != graph_inputs[k].type.tensor_type.elem_type:
                return "E", "%s: input %d does not match the model's inputs" % (s, k)
            raw = os.path.join(out_dir, "input_%d.bin" % k)
            np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tofile(raw)
            raw_inputs.append(raw)
        cmd = shlex.split(args.wrap) + [args.runner, onyx_blob, out_dir] + raw_inputs
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            return "E", "%s: timed out after %d s" % (s, args.timeout)
        if r.returncode != 0:
            return "E", "%s: %s" % (s, (r.stderr or r.stdout).strip() or "exit status %d" % r.returncode)
        for k, pb in enumerate(numbered(set_dir, "output_")):
            _, want = read_pb(pb)
            raw = os.path.join(out_dir, "output_%d.bin" % k)
            if not os.path.isfile(raw):
                return "E", "%s: output %d missing" % (s, k)
            got = np.fromfile(raw, dtype=want.dtype.newbyteorder("<"))
            err, diff = compare(got, want, args.rtol, args.atol)
            if err:
                return "F", "%s output %d: %s" % (s, k, err)
            largest = max(largest, diff)
    return "P", "max |diff| %.3g" % largest


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("paths", nargs="+")
    p.add_argument("--onyx", required=True, help="the build machine's onyx program (for compile)")
    p.add_argument("--runner", required=True, help="onyx_run_compiled built for the target")
    p.add_argument("--wrap", default="", help="emulator command line put before the runner")
    p.add_argument("--rtol", type=float, default=1e-3)
    p.add_argument("--atol", type=float, default=1e-7)
    p.add_argument("--timeout", type=int, default=1800)
    args = p.parse_args()
    passed = failed = 0
    for path in args.paths:
        for folder in find_tests(os.path.normpath(path)):
            name = "/".join(folder.split(os.sep)[-2:])
            with tempfile.TemporaryDirectory() as work:
                kind, detail = run_test(folder, args, work)
            if kind == "P":
                passed += 1
                print("PASS %s (%s)" % (name, detail))
            else:
                failed += 1
                print("%s %s: %s" % ("FAIL" if kind == "F" else "ERROR", name, detail))
            sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
