#!/usr/bin/python3
"""The graph-tool commands of the `onyx` CLI: check, clean, merge, extract, dot. Models are
built here with onnx.helper; results are validated independently with onnx.checker, onnx's
own model reading and numpy. Usage: test_cli.py path/to/onyx [models_dir]
Prints one line per case, then 'N passed, N failed'."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ONYX = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/tools/onyx")
MODELS = sys.argv[2] if len(sys.argv) > 2 else "../shared/models"
passed = failed = 0


def onyx(*args):
    return subprocess.run([ONYX] + [str(a) for a in args], capture_output=True, text=True, timeout=300)


def case(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def expect(name, r, status, *fragments):
    out = r.stdout + r.stderr
    problems = []
    if r.returncode != status:
        problems.append(f"exit status {r.returncode} (want {status})")
    for f in fragments:
        if f not in out:
            problems.append(f"output lacks {f!r}")
    case(name, not problems, "; ".join(problems) + "\n  output: " + out.strip()[:600])


def model(nodes, inputs, outputs, initializers=(), opset=13):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def save(m, path):
    with open(path, "wb") as f:
        f.write(m.SerializeToString())  # no checker: some are broken on purpose
    return path


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def run_onyx(model_path, inputs, out_dir):
    """Runs a model with `onyx run`, returns {output name: array}."""
    os.makedirs(out_dir, exist_ok=True)
    args = ["run", model_path, "--output-dir", out_dir]
    for name, arr in inputs.items():
        p = os.path.join(out_dir, f"in_{name}.npy")
        np.save(p, arr)
        args += ["--input", f"{name}={p}"]
    r = onyx(*args)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    out = {}
    for f in os.listdir(out_dir):
        if f.endswith(".npy") and not f.startswith("in_"):
            out[f[:-4]] = np.load(os.path.join(out_dir, f))
    return out


def valid_onnx(path):
    try:
        onnx.checker.check_model(onnx.load(path), full_check=True)
        return True, ""
    except Exception as e:  # noqa: BLE001 - any checker failure is the finding
        return False, str(e)


def conformance(work):
    """Every conformance model the runtime passes: `check` finds no error in it, and its cleaned
    copy (test data linked, unused inputs kept since the data feeds them) still passes."""
    data = "/usr/share/libonnx-testdata/data"
    expected = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conformance", "expected.txt")
    if not os.path.isdir(data) or not os.path.exists(expected):
        print("skip: the ONNX conformance data is not installed")
        return
    names = [line.split()[0] for line in open(expected) if line.strip() and not line.startswith("#")]
    with_errors, clean_failures, changed = [], [], 0
    for name in names:
        src = os.path.join(data, name)
        r = onyx("check", os.path.join(src, "model.onnx"), "--errors-only")
        if r.returncode != 0:
            with_errors.append(f"{name}: {r.stdout.strip().splitlines()[0] if r.stdout.strip() else r.stderr.strip()}")
        dst = os.path.join(work, name)
        os.makedirs(dst)
        for entry in os.listdir(src):
            if entry.startswith("test_data_set"):
                os.symlink(os.path.join(src, entry), os.path.join(dst, entry))
        r = onyx("clean", os.path.join(src, "model.onnx"), "-o", os.path.join(dst, "model.onnx"), "--keep-unused-inputs")
        if r.returncode != 0:
            clean_failures.append(f"{name}: {r.stderr.strip()}")
        elif "nothing to clean" not in r.stdout:
            changed += 1
        if os.path.exists(os.path.join(dst, "model.onnx")) and \
                os.path.getsize(os.path.join(dst, "model.onnx")) > os.path.getsize(os.path.join(src, "model.onnx")):
            clean_failures.append(f"{name}: the cleaned file is bigger")
    case(f"check finds no error in any of the {len(names)} passing conformance models", not with_errors,
         "\n  ".join(with_errors[:20]))
    case(f"clean of every conformance model ({changed} changed), none bigger", not clean_failures,
         "\n  ".join(clean_failures[:20]))
    suites = [os.path.join(work, s) for s in sorted(os.listdir(work))]
    r = onyx("test", "--quiet", "--expect", expected, *suites)
    last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr
    case(f"the cleaned conformance models still pass ({last})", r.returncode == 0,
         "\n".join(line for line in r.stdout.splitlines() if not line.startswith(("PASS", "SKIP")))[-2000:])


def main():
    d = tempfile.mkdtemp(prefix="onyx_graph_cli_")
    p = lambda n: os.path.join(d, n)  # noqa: E731

    # ---- help and usage ----
    for cmd in ["check", "clean", "merge", "extract", "dot"]:
        expect(f"{cmd} --help", onyx(cmd, "--help"), 0, f"usage: onyx {cmd}")
        expect(f"{cmd} without arguments is a usage error", onyx(cmd), 2, f"usage: onyx {cmd}")
    expect("top-level help lists the graph tools", onyx("--help"), 0, "check MODEL", "clean IN -o OUT", "merge A B",
           "extract IN", "dot IN")
    expect("check with an unknown option", onyx("check", "x.onnx", "--bogus"), 2, "unknown option '--bogus'")

    # ---- check ----
    good = save(model([helper.make_node("Add", ["a", "b"], ["c"], name="add")],
                      [vi("a", TensorProto.FLOAT, [2]), vi("b", TensorProto.FLOAT, [2])],
                      [vi("c", TensorProto.FLOAT, [2])]), p("good.onnx"))

    # ---- bench --profile: one row per operator type, the slowest nodes by name ----
    chain = save(model([helper.make_node("Relu", ["x"], ["r"], name="first_relu"),
                        helper.make_node("Neg", ["r"], ["n"], name="the_neg"),
                        helper.make_node("Relu", ["n"], ["y"], name="second_relu")],
                       [vi("x", TensorProto.FLOAT, [64, 1024])], [vi("y", TensorProto.FLOAT, [64, 1024])]),
                 p("chain.onnx"))
    r = onyx("bench", chain, "--runs", "3", "--profile")
    expect("bench --profile lists operators and nodes", r, 0, "profile: mean ms per run by operator",
           "slowest nodes:", "first_relu", "second_relu", "the_neg")
    rows = [l.split() for l in r.stdout.splitlines() if l.startswith("  ") and " nodes " in l]
    counts = {row[0]: int(row[1]) for row in rows}
    case("bench --profile counts nodes per operator", counts == {"Relu": 2, "Neg": 1}, str(counts))
    # With --json, every node in the order it ran, inside the one JSON line (bench/compare_nodes.py).
    r = onyx("bench", chain, "--runs", "3", "--json", "--profile")
    try:
        lines = r.stdout.splitlines()
        nodes = json.loads(lines[0])["nodes"] if len(lines) == 1 else None
    except (ValueError, KeyError):
        nodes = None
    case("bench --json --profile lists every node in run order in the JSON line",
         r.returncode == 0 and nodes is not None and
         [(n["name"], n["op"]) for n in nodes] == [("first_relu", "Relu"), ("the_neg", "Neg"), ("second_relu", "Relu")] and
         all(isinstance(n["ms"], float) and n["ms"] >= 0 for n in nodes), r.stdout + r.stderr)
    r = onyx("bench", chain, "--runs", "3")
    case("bench without --profile prints no profile", r.returncode == 0 and "profile:" not in r.stdout, r.stdout)
    # --interval: idle before each timed run (frames), reported in the JSON line; the runs
    # themselves stay far shorter than the idle time.
    started = time.monotonic()
    r = onyx("bench", chain, "--runs", "4", "--warmup", "0", "--interval", "100", "--json")
    elapsed = time.monotonic() - started
    try:
        line = json.loads(r.stdout)
    except ValueError:
        line = {}
    case("bench --interval idles before each timed run and reports interval_ms",
         r.returncode == 0 and line.get("interval_ms") == 100 and elapsed >= 0.4 and line.get("median_ms", 100) < 50,
         f"{elapsed:.3f} s: {r.stdout}{r.stderr}")
    expect("bench --interval must be 0 to 60000", onyx("bench", chain, "--interval", "-5"), 2,
           "--interval must be 0 to 60000 ms, got -5")
    # A test folder stands for its model.onnx (the backend-test layout), for every command.
    os.makedirs(p("folder"))
    shutil.copy(chain, p("folder/model.onnx"))
    expect("inspect of a folder reads its model.onnx", onyx("inspect", p("folder")), 0,
           "model: " + p("folder/model.onnx"), "nodes: 3")
    r = onyx("bench", p("folder"), "--runs", "2", "--json")
    case("bench of a folder runs its model.onnx", r.returncode == 0 and '"median_ms"' in r.stdout, r.stdout + r.stderr)
    expect("check of a valid model", onyx("check", good), 0, "0 errors, 0 warnings")
    broken = save(model([
        helper.make_node("Relu", ["x"], ["r"], name="dup"),
        helper.make_node("Neg", ["r"], ["n"], name="dup"),
        helper.make_node("Add", ["n", "ghost"], ["s"], name="dangling"),
        helper.make_node("Add", ["x", "k"], ["t"], name="mismatch"),
        helper.make_node("FancyOp", ["t"], ["u"], name="alien"),
    ], [vi("x", TensorProto.FLOAT, [2]), vi("k", TensorProto.INT64, [2])],
        [vi("s", TensorProto.FLOAT, [2]), vi("u", TensorProto.FLOAT, [2])]), p("broken.onnx"))
    r = onyx("check", broken)
    expect("check reports every seeded problem with node names", r, 1,
           "error: node 'dup' (Neg): node name 'dup' is also used by node #0 (Relu)",
           "error: node 'dangling' (Add): input 'ghost' is not defined",
           "error: node 'mismatch' (Add):",
           "error: node 'alien' (FancyOp): unsupported operator 'FancyOp'",
           "4 errors")
    case("check prints one problem per line", all(line.startswith(("error: ", "warning: ", p("")))
                                                  for line in r.stdout.strip().splitlines()), r.stdout)
    sym = save(model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", TensorProto.FLOAT, ["batch", 3])],
                     [vi("y", TensorProto.FLOAT, ["batch", 3])]), p("sym.onnx"))
    expect("check of a symbolic model passes without edge rules", onyx("check", sym), 0, "0 errors")
    expect("check --static-inputs flags the symbolic dim", onyx("check", sym, "--static-inputs"), 1,
           "dim 0 of graph input 'x' is symbolic ('batch')")
    w = numpy_helper.from_array(np.ones((64, 64), np.float32), "w")
    heavy = save(model([helper.make_node("MatMul", ["x", "w"], ["y"])], [vi("x", TensorProto.FLOAT, [1, 64])],
                       [vi("y", TensorProto.FLOAT, [1, 64])], [w]), p("heavy.onnx"))
    expect("check --max-weights", onyx("check", heavy, "--max-weights", "8k"), 1,
           "the weights take 16384 bytes, over the budget of 8192")
    expect("check --max-weights within budget", onyx("check", heavy, "--max-weights", "16k"), 0, "0 errors")
    expect("check --max-file", onyx("check", heavy, "--max-file", "1k"), 1, "over the budget of 1024")
    expect("check --max-arena", onyx("check", heavy, "--max-arena", "100"), 1, "the planned arena takes")
    expect("check with a bad byte count", onyx("check", heavy, "--max-weights", "lots"), 2, "positive byte count")
    expect("check of a missing file", onyx("check", p("none.onnx")), 1, "none.onnx")
    expect("check --errors-only hides warnings",
           onyx("check", save(model([helper.make_node("Relu", ["x"], ["y"]), helper.make_node("Neg", ["x"], ["z"])],
                                    [vi("x", TensorProto.FLOAT, [2])], [vi("y", TensorProto.FLOAT, [2])]),
                              p("warn.onnx")), "--errors-only"), 0, "0 errors, 1 warning")

    # ---- clean ----
    c1 = helper.make_node("Constant", [], ["c1"], value=numpy_helper.from_array(np.array([1, 2, 3], np.float32)))
    c2 = helper.make_node("Constant", [], ["c2"], value=numpy_helper.from_array(np.array([1, 2, 3], np.float32)))
    cluttered = model([
        c1, c2,
        helper.make_node("Identity", ["x"], ["xi"]),
        helper.make_node("Add", ["xi", "c1"], ["a"]),
        helper.make_node("Dropout", ["a"], ["ad"]),
        helper.make_node("Mul", ["ad", "c2"], ["b"]),
        helper.make_node("Sigmoid", ["b"], ["dead"]),
        helper.make_node("Identity", ["b"], ["y"]),
    ], [vi("x", TensorProto.FLOAT, [2, 3])], [vi("y", TensorProto.FLOAT, [2, 3])],
        [numpy_helper.from_array(np.zeros(5, np.float32), "unused_init")])
    save(cluttered, p("cluttered.onnx"))
    r = onyx("clean", p("cluttered.onnx"), "-o", p("cleaned.onnx"), "--verify")
    expect("clean simplifies and verifies", r, 0, "nodes 8 -> 2", "verified")
    ok, why = valid_onnx(p("cleaned.onnx"))
    case("the cleaned model passes onnx.checker", ok, why)
    cm = onnx.load(p("cleaned.onnx"))
    case("the cleaned model keeps the output name and loses the clutter",
         [o.name for o in cm.graph.output] == ["y"] and sorted(n.op_type for n in cm.graph.node) == ["Add", "Mul"]
         and len(cm.graph.initializer) == 1, str(cm.graph))
    x = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5
    got = run_onyx(p("cleaned.onnx"), {"x": x}, p("run_clean"))
    want = (x + np.array([1, 2, 3], np.float32)) * np.array([1, 2, 3], np.float32)
    case("the cleaned model computes (x + c) * c", np.array_equal(got["y"], want), f"{got} vs {want}")
    expect("clean without -o is a usage error", onyx("clean", p("cluttered.onnx")), 2, "usage: onyx clean")
    expect("clean to an unwritable path", onyx("clean", p("cluttered.onnx"), "-o", p("no/such/dir/x.onnx")), 1, "error")

    # ---- merge ----
    a = save(model([helper.make_node("Relu", ["x"], ["y"], name="act")], [vi("x", TensorProto.FLOAT, [4])],
                   [vi("y", TensorProto.FLOAT, [4])]), p("a.onnx"))
    b = save(model([helper.make_node("Mul", ["in", "y"], ["out"], name="act")],
                   [vi("in", TensorProto.FLOAT, [4])], [vi("out", TensorProto.FLOAT, [4])],
                   [numpy_helper.from_array(np.array([1, -2, 3, -4], np.float32), "y")], opset=11), p("b.onnx"))
    r = onyx("merge", a, b, "--map", "y=in", "-o", p("ab.onnx"))
    expect("merge connects A's output to B's input", r, 0, "2 nodes, 1 inputs, 1 outputs", "output out float32 [4]")
    ok, why = valid_onnx(p("ab.onnx"))
    case("the merged model passes onnx.checker", ok, why)
    mm = onnx.load(p("ab.onnx"))
    case("merge prefixes B's clashing names and takes the larger opset",
         [n.name for n in mm.graph.node] == ["act", "g2_act"] and [i.name for i in mm.graph.initializer] == ["g2_y"]
         and mm.opset_import[0].version == 13, str(mm.graph.node) + str(mm.opset_import))
    x = np.array([-1, 2, -3, 4], np.float32)
    got = run_onyx(p("ab.onnx"), {"x": x}, p("run_ab"))
    case("the merged model computes relu(x) * w", np.array_equal(got["out"], np.maximum(x, 0) * np.array([1, -2, 3, -4], np.float32)),
         str(got))
    expect("merge with a malformed --map", onyx("merge", a, b, "--map", "y", "-o", p("m.onnx")), 2, "--map expects")
    expect("merge with an unknown tensor", onyx("merge", a, b, "--map", "nope=in", "-o", p("m.onnx")), 1, "no tensor 'nope'")
    bint = save(model([helper.make_node("Neg", ["in"], ["out"])], [vi("in", TensorProto.INT64, [4])],
                      [vi("out", TensorProto.INT64, [4])]), p("bint.onnx"))
    expect("merge refuses a type clash", onyx("merge", a, bint, "--map", "y=in", "-o", p("m.onnx")), 1,
           "cannot connect 'y' (float32 [4]) to input 'in' (int64 [4])")

    # ---- extract ----
    chain = save(model([
        helper.make_node("Mul", ["x", "two"], ["m"], name="mul"),
        helper.make_node("Add", ["m", "one"], ["s"], name="add"),
        helper.make_node("Relu", ["s"], ["y"], name="relu"),
    ], [vi("x", TensorProto.FLOAT, ["n"])], [vi("y", TensorProto.FLOAT, ["n"])],
        [numpy_helper.from_array(np.array(2, np.float32), "two"), numpy_helper.from_array(np.array(1, np.float32), "one")]),
        p("chain.onnx"))
    r = onyx("extract", chain, "--inputs", "x", "--outputs", "s", "-o", p("head.onnx"))
    expect("extract up to an intermediate tensor", r, 0, "extracted 2 of 3 nodes", "output s float32")
    ok, why = valid_onnx(p("head.onnx"))
    case("the extracted model passes onnx.checker", ok, why)
    x = np.array([-3, 0.5, 4], np.float32)
    got = run_onyx(p("head.onnx"), {"x": x}, p("run_head"))
    case("the extracted model computes 2x + 1", np.array_equal(got["s"], 2 * x + 1), str(got))
    r = onyx("extract", chain, "--inputs", "m", "--outputs", "y", "-o", p("tail.onnx"))
    expect("extract from an intermediate tensor", r, 0, "input  m float32")
    expect("extract of an unknown tensor", onyx("extract", chain, "--outputs", "zzz", "-o", p("e.onnx")), 1, "no tensor 'zzz'")
    expect("extract without --outputs", onyx("extract", chain, "-o", p("e.onnx")), 2, "usage: onyx extract")

    # ---- dot ----
    r = onyx("dot", chain)
    expect("dot prints DOT", r, 0, "digraph onyx", "Mul\\nmul", "two: float32 []")
    expect("dot -o file.dot", onyx("dot", chain, "-o", p("chain.dot")), 0)
    case("the .dot file holds the graph", os.path.exists(p("chain.dot")) and "digraph" in open(p("chain.dot")).read())
    if shutil.which("dot"):
        r = onyx("dot", chain, "-o", p("chain.svg"), "--lr")
        expect("dot -o file.svg renders with graphviz", r, 0, "wrote")
        case("the SVG is an SVG", os.path.exists(p("chain.svg")) and "<svg" in open(p("chain.svg")).read())
        r = onyx("dot", chain, "-o", p("chain.png"))
        case("dot -o file.png renders a PNG", r.returncode == 0 and open(p("chain.png"), "rb").read(8) == b"\x89PNG\r\n\x1a\n",
             r.stderr)
    else:
        print("skip: graphviz 'dot' not installed")
    expect("dot of a missing model", onyx("dot", p("none.onnx")), 1, "none.onnx")

    # ---- the reference models ----
    if os.path.isdir(MODELS):
        for name in sorted(os.listdir(MODELS)):
            src = os.path.join(MODELS, name, "model.onnx")
            if not os.path.exists(src):
                continue
            out = p(f"clean_{name}.onnx")
            r = onyx("clean", src, "-o", out, "--verify")
            expect(f"clean --verify {name}", r, 0, "verified")
            if r.returncode == 0:
                case(f"clean of {name} does not grow the file", os.path.getsize(out) <= os.path.getsize(src),
                     f"{os.path.getsize(src)} -> {os.path.getsize(out)}")
                print("   ", r.stdout.strip().replace("\n", "; "))
            expect(f"check {name}", onyx("check", src, "--static-inputs"), 0, "0 errors")
        # compile --tests given the test folder itself: the compiled copy passes its own data.
        folder = os.path.join(MODELS, "mnist_cnn")
        if os.path.isdir(folder):
            expect("compile --tests of a test folder", onyx("compile", folder, "--tests", p("mnist_compiled")), 0, "compiled")
            expect("the compiled test folder passes", onyx("test", p("mnist_compiled")), 0, "1 passed, 0 failed")
    else:
        print(f"skip: {MODELS} not found")

    conformance(p("conformance"))
    shutil.rmtree(d, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
