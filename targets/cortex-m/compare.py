#!/usr/bin/python3
"""Compares the outputs the Cortex-M firmware printed over semihosting with the host's
reference outputs (`onyx run --output-dir REF/<model>/<case>`, one .npy per output).

usage: compare.py LABEL FIRMWARE_LOG REF_DIR

One line per case (PASS/FAIL with the largest difference), then "N passed, N failed".
Floats match when |got - want| <= 1e-4; integers and bools must be equal. A run that did not
reach its "done" line (crash, fault, timeout) fails every case it did not finish.
"""
import os
import sys

import numpy as np

ATOL = 1e-4


def parse(log_path):
    cases = {}  # "model/case" -> {output name: (dtype, shape, values)}
    errors = []
    done = False
    current = None
    with open(log_path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("case "):
                current = line[5:].strip()
                cases[current] = {}
            elif line.startswith("output ") and current is not None:
                head, _, values = line.partition(":")
                parts = head.split()
                name, dtype, shape = parts[1], parts[2], parts[3]
                dims = [int(d) for d in shape.strip("[]").split(",") if d]
                cases[current][name] = (dtype, dims, values.split())
            elif line.startswith("error "):
                errors.append(line)
            elif line.startswith("onyx firmware: done"):
                done = True
    return cases, errors, done


def compare(dtype, dims, texts, want):
    """Returns (ok, max difference, message)."""
    if list(want.shape) != dims:
        return False, None, "shape %s, expected %s" % (dims, list(want.shape))
    if len(texts) != want.size:
        return False, None, "%d values printed for %d elements" % (len(texts), want.size)
    flat = want.reshape(-1)
    if want.dtype.kind == "f":
        got = np.array([float(t) for t in texts], dtype=np.float64)
        diff = np.abs(got - flat.astype(np.float64))
        worst = float(diff.max()) if diff.size else 0.0
        return bool(worst <= ATOL), worst, ""
    got = np.array([int(t) for t in texts], dtype=np.int64)
    ok = bool(np.array_equal(got, flat.astype(np.int64)))
    return ok, 0 if ok else None, "" if ok else "integer values differ"


def main():
    label, log_path, ref_dir = sys.argv[1:4]
    cases, errors, done = parse(log_path)
    for e in errors:
        print("  " + e)
    passed = failed = 0
    for model in sorted(os.listdir(ref_dir)):
        for case in sorted(os.listdir(os.path.join(ref_dir, model))):
            key = model + "/" + case
            outputs = cases.get(key)
            ref_case = os.path.join(ref_dir, model, case)
            problems, worst = [], 0.0
            if outputs is None:
                problems.append("no output (the firmware did not run this case)")
            else:
                for f in sorted(os.listdir(ref_case)):
                    name = f[:-4]
                    want = np.load(os.path.join(ref_case, f))
                    if name not in outputs:
                        problems.append("output '%s' missing" % name)
                        continue
                    ok, diff, msg = compare(*outputs[name], want)
                    if diff is not None:
                        worst = max(worst, diff)
                    if not ok:
                        problems.append("output '%s': %s" % (name, msg or "max |diff| %.3g" % diff))
            if problems:
                failed += 1
                print("FAIL %s %s: %s" % (label, key, "; ".join(problems)))
            else:
                passed += 1
                print("PASS %s %s (max |diff| %.3g)" % (label, key, worst))
    if not done:
        print("FAIL %s: the firmware did not finish (crash, fault or timeout)" % label)
        failed += 1
    elif errors:
        failed += 1
    print("%d passed, %d failed" % (passed, failed))


if __name__ == "__main__":
    main()
