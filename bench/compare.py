#!/usr/bin/python3
"""Side-by-side latency of Onyx and ONNX Runtime on the same machine, in one run.

    bench/compare.py [--rounds N] [--runs N] [--threads 1,2] [--interval MS] [--onyx build/tools/onyx]
                     [--write bench/RESULTS.md] [MODEL_DIR ...]

Installs onnxruntime-node 1.30.0 from the npm registry into bench/ort/ (git-ignored) when it
is missing. For every model folder (default: each folder of ../shared/models) and every
thread count it alternates `onyx bench --json` and bench/ort_bench.mjs for several rounds,
each a separate process (warm-up runs, then timed runs), and reports the median over rounds of
each round's median. Both runtimes get a model folder's test_data_set_0 inputs when it has them
(the shapes the model is meant for: a symbolic dimension would be 1), else random inputs of the
declared shapes. One-thread rounds run both runtimes on the same CPU, the next CPU each
round: on a shared machine one vCPU can run some kernels a third slower than another (here
Winograd layers 6.3 against 4.8 ms, ONNX Runtime's 8.5 against 7.7), and where the scheduler
put each process would otherwise be part of the ratio. The report lists each model's one-thread
medians by CPU, and from them the most one thread on each of those CPUs could speed it up (their
speeds added: on unequal CPUs, less than one per CPU). Also reported: load + prepare time,
peak resident memory of the process, and Onyx's achieved GFLOP/s for models with
Conv/Gemm/MatMul (MACs from ONNX shape inference). With --interval MS both runtimes idle MS
milliseconds before each timed run, as a camera does between frames (threads asleep, caches
cooled) instead of running back to back.

With more than one thread count, each model also gets its speedup over one thread (the target
for ResNet-18 is 1.7x on two), for both runtimes. Whether two threads can be faster at all
depends on the host: on a shared machine two vCPUs may be two halves of one core. Before and
after the rounds a host check times Onyx on one thread alone, then two such processes at once,
one pinned to each of the first two CPUs the process may use, and reports how much slower side
by side is (1.0: independent CPUs; near 2: they share a core, and two-thread figures say little
about Onyx), and bench/core_latency (when built) how far apart the two CPUs are.
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ORT_DIR = os.path.join(HERE, "ort")
ORT_PKG = "onnxruntime-node@1.30.0"


def ensure_ort():
    if os.path.isdir(os.path.join(ORT_DIR, "node_modules", "onnxruntime-node")):
        return
    os.makedirs(ORT_DIR, exist_ok=True)
    subprocess.run(["npm", "install", "--prefix", ORT_DIR, "--ignore-scripts", "--no-audit", "--no-fund", ORT_PKG],
                   check=True, stdout=subprocess.DEVNULL)


def macs(model_path):
    """Multiply-accumulates of Conv, ConvTranspose, Gemm and MatMul, from ONNX shape inference."""
    try:
        import onnx
        from onnx import shape_inference
    except ImportError:
        return None
    m = shape_inference.infer_shapes(onnx.load(model_path))
    g = m.graph
    shapes = {}
    for vi in list(g.input) + list(g.value_info) + list(g.output):
        if vi.type.tensor_type.HasField("shape"):  # else even the rank is unknown
            shapes[vi.name] = [d.dim_value if d.HasField("dim_value") else 1 for d in vi.type.tensor_type.shape.dim]
    for t in g.initializer:
        shapes[t.name] = list(t.dims)
    total = 0
    for n in g.node:
        try:
            if n.op_type == "Conv":
                w, y = shapes[n.input[1]], shapes[n.output[0]]
                total += math.prod(y) * math.prod(w[1:])
            elif n.op_type == "ConvTranspose":  # every input element times W's [M/group, kernel...]
                x, w = shapes[n.input[0]], shapes[n.input[1]]
                total += math.prod(x) * math.prod(w[1:])
            elif n.op_type in ("Gemm", "MatMul"):
                a, y = shapes[n.input[0]], shapes[n.output[0]]
                trans_a = any(at.name == "transA" and at.i for at in n.attribute)
                k = a[-2] if trans_a and n.op_type == "Gemm" else a[-1]
                total += math.prod(y) * k
        except (KeyError, IndexError):  # a shape inference could not give (or a 0-D operand)
            continue
    return total


def test_inputs(model_path, tmp_dir):
    """For a model folder with test_data_set_0: the arguments that feed its inputs to each
    runtime, (onyx args, ORT args), so that both run the shapes the model is meant for (a
    symbolic dimension would otherwise be 1: a 1x1 image through ResNet-18) and valid values
    (token ids within the vocabulary). ([], []) when there is no test data."""
    data = os.path.join(os.path.dirname(model_path), "test_data_set_0")
    if not os.path.isdir(data):
        return [], []
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        return [], []
    graph = onnx.load(model_path, load_external_data=False).graph
    inits = {t.name for t in graph.initializer}
    names = [i.name for i in graph.input if i.name not in inits]
    onyx_args, ort_args = [], []
    for k, name in enumerate(names):
        pb = os.path.join(data, f"input_{k}.pb")
        if not os.path.isfile(pb):
            return [], []
        tensor = onnx.TensorProto()
        with open(pb, "rb") as f:
            tensor.ParseFromString(f.read())
        array = numpy_helper.to_array(tensor)
        ort_type = {"float32": "float32", "float64": "float64", "int64": "int64", "int32": "int32",
                    "uint8": "uint8", "int8": "int8", "bool": "bool"}.get(str(array.dtype))
        if ort_type is None:
            return [], []
        raw = os.path.join(tmp_dir, f"{abs(hash(model_path))}_{k}.bin")
        array.astype(array.dtype.newbyteorder("<")).tofile(raw)
        onyx_args += ["--input", f"{name}={pb}"]
        ort_args += ["--input", f"{name}={raw}:{ort_type}:{'x'.join(str(d) for d in array.shape)}"]
    return onyx_args, ort_args


def allowed_cpus():
    """The CPUs this process may run on, in order."""
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


def round_cpu(threads, rnd):
    """The CPU a one-thread round runs on (both runtimes), or None: more threads run unpinned."""
    cpus = allowed_cpus()
    return cpus[rnd % len(cpus)] if threads == 1 and len(cpus) > 1 else None


def start(cmd, cpu=None):
    """Starts cmd (pinned to cpu unless None), its output captured."""
    pin = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=pin)


def finish_json(cmd, p):
    """The last line of a started command's output as JSON (raises if it failed)."""
    out, err = p.communicate()
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {err.strip()[:400]}")
    return json.loads(out.strip().splitlines()[-1])


def run_json(cmd, cpu=None):
    return finish_json(cmd, start(cmd, cpu))


def host_check(onyx, model, runs, pair):
    """Side-by-side slowdown of two one-thread processes, one on each CPU of the pair."""
    cmd = [onyx, "bench", model, "--json", "--runs", str(runs)]
    alone = [run_json(cmd, cpu)["median_ms"] for cpu in pair]
    procs = [start(cmd, cpu) for cpu in pair]
    together = [finish_json(cmd, p)["median_ms"] for p in procs]
    return statistics.mean(together) / statistics.mean(alone)


def core_round_trip(pair):
    """A cache line's round trip between the pair of CPUs in ns (bench/core_latency), or None."""
    tool = os.path.join(ROOT, "build", "bench", "core_latency")
    if not os.path.exists(tool):
        return None
    p = subprocess.run([tool] + [str(c) for c in pair], capture_output=True, text=True)
    m = re.search(r"round trip ([0-9.]+) ns", p.stdout)
    return float(m.group(1)) if p.returncode == 0 and m else None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--interval", type=int, default=0, help="ms idle before each timed run (both runtimes)")
    ap.add_argument("--onyx", default=os.path.join(ROOT, "build", "tools", "onyx"))
    ap.add_argument("--write", default=None, help="write the table as markdown to this file")
    args = ap.parse_args()

    ensure_ort()
    dirs = args.models
    if not dirs:
        base = os.path.join(ROOT, "..", "shared", "models")
        dirs = sorted(os.path.join(base, d) for d in os.listdir(base) if os.path.isfile(os.path.join(base, d, "model.onnx")))
    threads = [int(t) for t in args.threads.split(",")]
    load_before = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else []
    # (name, model file, multiply-adds) of each model; shape inference once per model.
    models = []
    for d in dirs:
        model = os.path.join(d, "model.onnx") if os.path.isdir(d) else d
        name = os.path.basename(os.path.dirname(model)) if os.path.isdir(d) else os.path.basename(model)
        models.append((name, model, macs(model)))
    # The host check runs the model with the most multiply-adds (the one threads matter for) on
    # the first two CPUs the process may use.
    pair = allowed_cpus()[:2]
    check = max(models, key=lambda m: m[2] or 0) if len(threads) > 1 and models and len(pair) == 2 else None
    host = [host_check(args.onyx, check[1], args.runs, pair)] if check else []
    trips = [core_round_trip(pair)] if check else []
    rows = []
    tmp = tempfile.TemporaryDirectory(prefix="onyx-compare-")
    for name, model, flops in models:
        onyx_inputs, ort_inputs = test_inputs(model, tmp.name)
        for t in threads:
            ox, ort, cpus = [], [], []
            for rnd in range(args.rounds):  # alternate, so both see the same machine
                cpu = round_cpu(t, rnd)
                common = ["--runs", str(args.runs), "--warmup", str(args.warmup), "--threads", str(t),
                          "--interval", str(args.interval)]
                ox.append(run_json([args.onyx, "bench", model, "--json"] + common + onyx_inputs, cpu))
                ort.append(run_json(["node", os.path.join(HERE, "ort_bench.mjs"), model] + common + ort_inputs, cpu))
                cpus.append(cpu)
            med = lambda rs, k: statistics.median(r[k] for r in rs)
            row = {
                "model": name, "threads": t,
                "onyx_ms": med(ox, "median_ms"), "ort_ms": med(ort, "median_ms"),
                "onyx_load_ms": med(ox, "load_prepare_ms"), "ort_load_ms": med(ort, "load_prepare_ms"),
                "onyx_rss_mb": med(ox, "peak_rss_bytes") / 2**20, "ort_rss_mb": med(ort, "peak_rss_bytes") / 2**20,
            }
            # One-thread rounds by CPU: a host may give one vCPU less of a core than the other.
            row["by_cpu"] = {c: (statistics.median(o["median_ms"] for o, k in zip(ox, cpus) if k == c),
                                 statistics.median(o["median_ms"] for o, k in zip(ort, cpus) if k == c))
                             for c in sorted(set(cpus)) if c is not None}
            row["ratio"] = row["onyx_ms"] / row["ort_ms"]
            row["gflops"] = 2 * flops / (row["onyx_ms"] * 1e-3) / 1e9 if flops else None
            rows.append(row)
            print(json.dumps({k: v for k, v in row.items() if k != "by_cpu"}), flush=True)

    load_after = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else []
    if check:
        host.append(host_check(args.onyx, check[1], args.runs, pair))
        trips.append(core_round_trip(pair))
    lines = []
    lines.append(f"Machine: {cpu_model()}, {os.cpu_count()} logical CPUs. Date: {datetime.date.today().isoformat()}.")
    if load_before:
        lines.append(f"Load average (1/5/15 min) before: {' '.join(load_before)}, after: {' '.join(load_after)} "
                     "(other work on the machine slows both runtimes; only the ratios are comparable).")
    lines.append(f"Figures are medians of {args.rounds} alternating rounds (Onyx, then ONNX Runtime 1.30 via "
                 f"onnxruntime-node, each a fresh process: {args.warmup} warm-up runs, median of {args.runs} timed runs). "
                 "One-thread rounds pin both runtimes to the same CPU, the next CPU each round. "
                 "Inputs: each model folder's test_data_set_0 when it has one, else random values of the declared "
                 "shapes." +
                 (f" Each timed run follows {args.interval} ms idle (as between a camera's frames)."
                  if args.interval > 0 else ""))
    lines.append("ONNX Runtime: CPU execution provider, default graph optimisations, intra-op threads as listed. "
                 "Peak RSS is the whole process (for ONNX Runtime that includes Node.js itself).")
    if host:
        lines.append(f"Host check ({check[0]}, Onyx on one thread): two such "
                     f"processes side by side on CPUs {' and '.join(map(str, pair))} took {host[0]:.2f}x as long as one alone before the "
                     f"rounds, {host[1]:.2f}x after (1.00: independent CPUs; near 2: they share a core, and "
                     "multi-thread figures understate both runtimes).")
    if trips and None not in trips:
        lines.append(f"A cache line's round trip between those CPUs (`build/bench/core_latency`): {trips[0]:.0f} ns before, "
                     f"{trips[1]:.0f} ns after (cores sharing an L3 take 40-150 ns here; 400-500 ns when the host "
                     "places the two vCPUs on different core complexes, and then every tensor one thread writes and "
                     "the other reads costs more: Onyx's two-thread speedup drops, ONNX Runtime's much less).")
    lines.append("")
    lines.append("| model | threads | Onyx ms | ORT ms | Onyx/ORT | Onyx GFLOP/s | load+prepare Onyx / ORT ms | peak RSS Onyx / ORT MB |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for r in rows:
        gf = f"{r['gflops']:.1f}" if r["gflops"] else "-"
        lines.append(f"| {r['model']} | {r['threads']} | {r['onyx_ms']:.4f} | {r['ort_ms']:.4f} | {r['ratio']:.3f} | {gf} | "
                     f"{r['onyx_load_ms']:.1f} / {r['ort_load_ms']:.1f} | {r['onyx_rss_mb']:.1f} / {r['ort_rss_mb']:.1f} |")
    for t in threads:
        # A sub-microsecond model can print as 0 ms; floor the ratio so the mean stays defined.
        ratios = [max(r["ratio"], 1e-4) for r in rows if r["threads"] == t]
        # Models that take ORT under 0.1 ms measure mostly call overhead (and ratios near 0 pull
        # the mean down whatever the real models do): a second mean leaves them out.
        real = [max(r["ratio"], 1e-4) for r in rows if r["threads"] == t and r["ort_ms"] >= 0.1]
        if ratios:
            lines.append("")
            lines.append(f"Geometric mean of Onyx/ORT at {t} thread(s): {statistics.geometric_mean(ratios):.2f} "
                         f"(without models under 0.1 ms: {statistics.geometric_mean(real) if real else float('nan'):.2f}); "
                         f"largest: {max(ratios):.2f}.")
    by_cpu = [r for r in rows if r["threads"] == 1 and len(r["by_cpu"]) > 1 and r["ort_ms"] >= 0.1]
    if by_cpu:
        # Unequal CPUs bound what two threads can do: at best each runs its share at its own speed.
        parts = []
        for r in by_cpu:
            each = ", ".join(f"CPU {c} {o:.2f} / {n:.2f}" for c, (o, n) in r["by_cpu"].items())
            best = r["onyx_ms"] * sum(1 / o for o, _ in r["by_cpu"].values())
            parts.append(f"{r['model']} {each} (so at most {best:.2f}x faster with one thread on each of these CPUs)")
        lines.append("")
        lines.append("One thread by CPU (median ms of that CPU's rounds, Onyx / ORT): " + "; ".join(parts) + ".")
    if len(threads) > 1:
        # Speedup over one thread, per model, for both runtimes (models under 0.1 ms left out).
        one = {r["model"]: r for r in rows if r["threads"] == 1}
        for t in threads[1:]:
            parts = [f"{r['model']} Onyx {one[r['model']]['onyx_ms'] / r['onyx_ms']:.2f}x, "
                     f"ORT {one[r['model']]['ort_ms'] / r['ort_ms']:.2f}x"
                     for r in rows if r["threads"] == t and r["model"] in one and r["ort_ms"] >= 0.1]
            if parts:
                lines.append("")
                lines.append(f"Speedup of {t} threads over 1 (1-thread median / {t}-thread median): " + "; ".join(parts) + ".")
    text = "\n".join(lines)
    print(text)
    if args.write:
        with open(args.write, "w") as f:
            # The options as run (model folders given by their names only).
            opts = f"--rounds {args.rounds} --runs {args.runs} --threads {args.threads}"
            opts += f" --interval {args.interval}" if args.interval > 0 else ""
            opts += f" --write {os.path.relpath(args.write, ROOT) if os.path.isabs(args.write) else args.write}"
            opts += "".join(f" {os.path.basename(os.path.normpath(d))}" for d in args.models)
            f.write(f"# Onyx vs ONNX Runtime\n\nWritten by `bench/compare.py {opts}`.\n\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
