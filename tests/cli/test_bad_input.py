#!/usr/bin/python3
"""Bad input through the `onyx` CLI: every case must fail with a clear message and exit
status 1 or 2 (never 0, never a crash or a hang). Models are built here with onnx.helper.
Usage: test_bad_input.py path/to/onyx    Prints one line per case, then 'N passed, N failed'."""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper

ONYX = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/tools/onyx")
passed = failed = 0


def save(model, path):
    with open(path, "wb") as f:
        f.write(model.SerializeToString())  # no checker: these models are broken on purpose


def graph_model(nodes, inputs, outputs, initializers=(), opset=13):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def case(name, args, *fragments, stdin=None):
    global passed, failed
    try:
        r = subprocess.run([ONYX] + args, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        print(f"FAIL {name}: timed out")
        failed += 1
        return
    msg = r.stderr + r.stdout
    problems = []
    if r.returncode not in (1, 2):
        problems.append(f"exit status {r.returncode} (want 1 or 2)")
    for frag in fragments:
        if frag not in msg:
            problems.append(f"message lacks {frag!r}")
    if problems:
        print(f"FAIL {name}: {'; '.join(problems)}\n  output: {msg.strip()[:400]}")
        failed += 1
    else:
        print(f"ok {name}: {msg.strip().splitlines()[-1][:200] if msg.strip() else ''}")
        passed += 1


def expect(name, problems):
    """A case that must succeed: `problems` lists what went wrong (empty: passed)."""
    global passed, failed
    if problems:
        print(f"FAIL {name}: {'; '.join(problems)}")
        failed += 1
    else:
        print(f"ok {name}")
        passed += 1


def main():
    d = tempfile.mkdtemp(prefix="onyx_bad_")
    p = lambda n: os.path.join(d, n)

    good = graph_model([helper.make_node("Relu", ["x"], ["y"], name="relu0")],
                       [vi("x", TensorProto.FLOAT, [2, 3])], [vi("y", TensorProto.FLOAT, [2, 3])])
    save(good, p("good.onnx"))
    data = good.SerializeToString()
    for cut in (3, len(data) // 2, len(data) - 2):
        with open(p(f"trunc{cut}.onnx"), "wb") as f:
            f.write(data[:cut])
        case(f"truncated at {cut} bytes", ["run", p(f"trunc{cut}.onnx"), "--random"], f"trunc{cut}.onnx")
    with open(p("text.onnx"), "w") as f:
        f.write("this is not an onnx model, just text\n" * 10)
    case("non-protobuf file", ["run", p("text.onnx"), "--random"], "text.onnx")
    case("missing file", ["run", p("absent.onnx"), "--random"], "absent.onnx")

    m = graph_model([helper.make_node("FancyOp", ["x"], ["y"], name="fancy1")],
                    [vi("x", TensorProto.FLOAT, [2])], [vi("y", TensorProto.FLOAT, [2])])
    save(m, p("unknown_op.onnx"))
    case("unknown operator", ["run", p("unknown_op.onnx"), "--random"], "FancyOp", "ai.onnx", "13", "fancy1", "unknown_op.onnx")
    m.opset_import.append(helper.make_opsetid("com.vendor", 1))
    m.graph.node[0].domain = "com.vendor"
    save(m, p("unknown_domain.onnx"))
    case("unknown domain", ["run", p("unknown_domain.onnx"), "--random"], "FancyOp", "com.vendor")

    m = graph_model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv_int")],
                    [vi("x", TensorProto.INT32, [1, 1, 3, 3]), vi("w", TensorProto.INT32, [1, 1, 1, 1])],
                    [vi("y", TensorProto.INT32, None)])
    save(m, p("bad_dtype.onnx"))
    case("unsupported dtype for an op", ["run", p("bad_dtype.onnx"), "--random"], "conv_int", "int32")

    m = graph_model([helper.make_node("Relu", ["b"], ["a"], name="n_a"), helper.make_node("Relu", ["a"], ["b"], name="n_b")],
                    [vi("x", TensorProto.FLOAT, [2])], [vi("b", TensorProto.FLOAT, [2])])
    save(m, p("cycle.onnx"))
    case("cycle", ["run", p("cycle.onnx"), "--random"], "cycle", "cycle.onnx")

    m = graph_model([helper.make_node("Add", ["x", "ghost"], ["y"], name="adder")],
                    [vi("x", TensorProto.FLOAT, [2])], [vi("y", TensorProto.FLOAT, [2])])
    save(m, p("dangling.onnx"))
    case("input nothing produces", ["run", p("dangling.onnx"), "--random"], "ghost", "adder")

    np.save(p("x23.npy"), np.ones((2, 3), np.float32))
    np.save(p("x32.npy"), np.ones((3, 2), np.float32))
    np.save(p("x6.npy"), np.ones((6,), np.float32))
    np.save(p("x23i.npy"), np.ones((2, 3), np.int64))
    case("wrong input name", ["run", p("good.onnx"), "--input", f"nope={p('x23.npy')}"], "nope", "'x'")
    case("wrong input rank", ["run", p("good.onnx"), "--input", f"x={p('x6.npy')}"], "'x'", "rank")
    case("wrong input shape", ["run", p("good.onnx"), "--input", f"x={p('x32.npy')}"], "'x'", "[3, 2]")
    case("wrong input dtype", ["run", p("good.onnx"), "--input", f"x={p('x23i.npy')}"], "'x'", "int64")
    case("missing input", ["run", p("good.onnx")], "'x'")
    with open(p("bad.npy"), "wb") as f:
        f.write(b"\x93NUMPY\x01\x00\xff\xff{'descr': '<f4'")
    case("corrupt npy input", ["run", p("good.onnx"), "--input", f"x={p('bad.npy')}"], "bad.npy")

    w = helper.make_tensor("w", TensorProto.FLOAT, [2, 3], vals=b"\0" * 24, raw=True)
    w.raw_data = b"\0" * 12  # half of what [2, 3] float32 needs
    m = graph_model([helper.make_node("Add", ["x", "w"], ["y"], name="add_w")],
                    [vi("x", TensorProto.FLOAT, [2, 3])], [vi("y", TensorProto.FLOAT, [2, 3])], [w])
    save(m, p("short_raw.onnx"))
    case("raw_data shorter than the shape", ["run", p("short_raw.onnx"), "--random"], "'w'", "raw_data")

    for dim, label in ((-5, "dim -5"), (2**62, "dim 2^62")):
        w = helper.make_tensor("w", TensorProto.FLOAT, [1], vals=[1.0])
        w.dims[0] = dim
        m = graph_model([helper.make_node("Add", ["x", "w"], ["y"], name="add_w")],
                        [vi("x", TensorProto.FLOAT, [1])], [vi("y", TensorProto.FLOAT, [1])], [w])
        save(m, p(f"dim{label[-2:]}.onnx"))
        case(f"initializer with {label}", ["run", p(f"dim{label[-2:]}.onnx"), "--random"], "'w'")
    m = graph_model([helper.make_node("Relu", ["x"], ["y"], name="r")],
                    [vi("x", TensorProto.FLOAT, [2**62, 4])], [vi("y", TensorProto.FLOAT, None)])
    save(m, p("huge_input.onnx"))
    case("input declared 2^62 x 4", ["run", p("huge_input.onnx"), "--random"], "'x'")

    os.makedirs(p("ext"), exist_ok=True)
    with open(p("secret.bin"), "wb") as f:
        f.write(b"\0" * 24)
    for loc, label in (("../secret.bin", "dotdot"), (p("secret.bin"), "absolute")):
        w = helper.make_tensor("w", TensorProto.FLOAT, [2, 3], vals=[0.0] * 6)
        w.ClearField("float_data")
        w.data_location = TensorProto.EXTERNAL
        e = w.external_data.add()
        e.key, e.value = "location", loc
        m = graph_model([helper.make_node("Add", ["x", "w"], ["y"], name="add_w")],
                        [vi("x", TensorProto.FLOAT, [2, 3])], [vi("y", TensorProto.FLOAT, [2, 3])], [w])
        save(m, p(f"ext/{label}.onnx"))
        case(f"external data outside the model folder ({label})", ["run", p(f"ext/{label}.onnx"), "--random"], "'w'")
    os.symlink(p("secret.bin"), p("ext/link.bin"))
    m.graph.initializer[0].external_data[0].value = "link.bin"
    save(m, p("ext/symlink.onnx"))
    case("external data through a symlink leaving the folder", ["run", p("ext/symlink.onnx"), "--random"], "'w'",
         "link.bin")

    # Output names are not paths: run --output-dir (made with its parents) writes each inside the
    # folder, never over another (a hostile "../escaped", PyTorch's "/a/b" and a "_a_b" that maps
    # to the same file).
    names = ["../escaped", "/a/b", "_a_b"]
    m = graph_model([helper.make_node(op, ["x"], [n], name=f"n{i}") for i, (op, n) in enumerate(zip(("Relu", "Neg", "Abs"), names))],
                    [vi("x", TensorProto.FLOAT, [5])], [vi(n, TensorProto.FLOAT, [5]) for n in names])
    save(m, p("names.onnx"))
    r = subprocess.run([ONYX, "run", p("names.onnx"), "--random", "--output-dir", p("names/out")], capture_output=True,
                       text=True, timeout=60)
    written = sorted(os.listdir(p("names/out"))) if os.path.isdir(p("names/out")) else []
    problems = [] if r.returncode == 0 else [f"exit status {r.returncode}: {(r.stderr + r.stdout).strip()[:200]}"]
    if os.path.exists(p("names/escaped.npy")):
        problems.append("wrote escaped.npy outside --output-dir")
    if written != ["_._escaped.npy", "_a_b.npy", "_a_b_2.npy"]:
        problems.append(f"wrote {written}")
    else:
        relu, neg, absolute = (np.load(p(f"names/out/{f}")) for f in ("_._escaped.npy", "_a_b.npy", "_a_b_2.npy"))
        if not (np.array_equal(relu, np.maximum(-neg, 0)) and np.array_equal(absolute, np.abs(neg))):
            problems.append("files hold the wrong outputs")
    expect("run --output-dir with output names that are paths", problems)

    case("test on a folder without tests", ["test", d], "no test folders")
    os.makedirs(p("no_model"))
    case("run on a folder without a model", ["run", p("no_model"), "--random"], "no_model", "without model.onnx")
    os.makedirs(p("no_tests"))
    shutil.copy(p("good.onnx"), p("no_tests/model.onnx"))
    case("compile --tests of a folder without test data", ["compile", p("no_tests"), "--tests", p("no_tests_out")],
         "no_tests", "test_data_set_")
    case("unknown subcommand", ["frobnicate"], "unknown command")
    case("bad option value", ["bench", p("good.onnx"), "--runs", "many"], "--runs")
    case("test with no threads", ["test", d, "--threads", "0"], "--threads", "1..256")

    shutil.rmtree(d, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
