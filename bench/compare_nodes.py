#!/usr/bin/python3
"""Per-node times of Onyx and ONNX Runtime on one model, at each thread count, in one run.

    bench/compare_nodes.py MODEL_DIR [--rounds N] [--runs N] [--threads 1,2] [--onyx build/tools/onyx]

Alternates `onyx bench --json --profile` and `bench/ort_bench.mjs --profile` (each a fresh
process) for several rounds at every thread count, then prints, for each runtime, every node in
the order it ran with the median over rounds of its mean ms per run at each thread count, and
how much faster the last thread count ran it than the first. It shows which layers scale on
more threads and which do not, side by side with ONNX Runtime measured in the same minutes (on
a shared machine the speed changes from one minute to the next).

The two lists do not line up node for node: each runtime fuses its own way (ONNX Runtime puts
a residual Add into the Conv before it and names nodes after their outputs; Onyx shows Conv +
activation as FusedConv, named as the Conv). Node times are measured around each node, so
their sum is a little more than the latency.
"""
import argparse
import os
import statistics
import tempfile

from compare import HERE, ROOT, ensure_ort, round_cpu, run_json, test_inputs


def table(title, rounds, threads):
    """rounds[t]: the runs' JSON lines at t threads (each with "nodes")."""
    print(f"== {title}")
    heads = " ".join(f"{str(t) + 'T ms':>9}" for t in threads)
    print(f"{'node':<48} {'op':<16} {heads} {'speedup':>8}")
    names, ops, ms = [], {}, {}
    for t in threads:
        for r in rounds[t]:
            for n in r["nodes"]:
                if n["name"] not in ops:
                    names.append(n["name"])
                    ops[n["name"]] = n["op"]
                ms.setdefault((t, n["name"]), []).append(n["ms"])
    sums = {t: 0.0 for t in threads}
    for name in names:
        if any((t, name) not in ms for t in threads):
            continue
        med = {t: statistics.median(ms[(t, name)]) for t in threads}
        for t in threads:
            sums[t] += med[t]
        speedup = med[threads[0]] / med[threads[-1]] if med[threads[-1]] > 0 else float("nan")
        cols = " ".join(f"{med[t]:9.3f}" for t in threads)
        print(f"{name[:48]:<48} {ops[name][:16]:<16} {cols} {speedup:8.2f}")
    for label, value in (("sum of nodes", lambda t: sums[t]),
                         ("latency (median)", lambda t: statistics.median(r["median_ms"] for r in rounds[t]))):
        cols = " ".join(f"{value(t):9.3f}" for t in threads)
        print(f"{label:<65} {cols} {value(threads[0]) / value(threads[-1]):8.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--onyx", default=os.path.join(ROOT, "build", "tools", "onyx"))
    args = ap.parse_args()

    ensure_ort()
    model = os.path.join(args.model, "model.onnx") if os.path.isdir(args.model) else args.model
    threads = [int(t) for t in args.threads.split(",")]
    common = ["--json", "--profile", "--runs", str(args.runs), "--warmup", str(args.warmup)]
    onyx = {t: [] for t in threads}
    ort = {t: [] for t in threads}
    tmp = tempfile.TemporaryDirectory(prefix="onyx-compare-")
    onyx_inputs, ort_inputs = test_inputs(model, tmp.name)  # the folder's test inputs, if any
    for rnd in range(args.rounds):  # alternate, so both see the same machine (one thread: the same CPU)
        for t in threads:
            cpu = round_cpu(t, rnd)
            onyx[t].append(run_json([args.onyx, "bench", model, "--threads", str(t)] + common + onyx_inputs, cpu))
            ort[t].append(run_json(["node", os.path.join(HERE, "ort_bench.mjs"), model, "--threads", str(t)] + common +
                                   ort_inputs, cpu))
    print(f"model: {model}; medians of {args.rounds} alternating rounds, each the mean of {args.runs} runs")
    table("Onyx", onyx, threads)
    table("ONNX Runtime 1.30", ort, threads)


if __name__ == "__main__":
    main()
