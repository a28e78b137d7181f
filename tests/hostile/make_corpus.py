#!/usr/bin/python3
"""Writes the hostile-input corpus: small malformed or malicious models (.onnx), tensor files
(.pb) and NumPy files (.npy), each with the error Onyx must give, into tests/hostile/corpus/ and
tests/hostile/manifest.txt. The files are committed, so the corpus is stable; run this again only
to change it (it rewrites every file).

Manifest lines: FILE KIND CODE FRAGMENT...
  KIND      model (load, create a session, bind random inputs, run), tensor (read_value_file
            for a tensor-typed input, as `onyx run` and `onyx test` read them), npy (read_npy_file)
  CODE      the onyx::Code name the first failing step must return; OK only for regressions of
            fuzzer findings whose correct outcome is a successful run (never a crash)
  FRAGMENT  text the error message must contain (the rest of the line; may be empty)

The expected codes follow the contract of proto/loader.h, onyx/limits.h and ops/kernel.h:
malformed file or graph -> InvalidModel; valid ONNX Onyx does not implement -> Unsupported;
a size over a limit or an overflowing size -> ResourceExhausted; a bad value computed from the
model's constants (shape, count, axis) -> InvalidArgument; a data-dependent index or integer
divisor out of range at run -> OutOfRange; a missing external file -> NotFound.

Usage: /usr/bin/python3 tests/hostile/make_corpus.py
"""
import os
import shutil
import struct

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")
entries = []


def emit(name, data, kind, code, fragment=""):
    if isinstance(data, onnx.ModelProto):
        data = data.SerializeToString()  # no checker: these are broken on purpose
    elif isinstance(data, (TensorProto, onnx.SequenceProto)):
        data = data.SerializeToString()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    entries.append((name, kind, code, fragment))


def vi(name, dtype=TensorProto.FLOAT, shape=(4,)):
    return helper.make_tensor_value_info(name, dtype, list(shape) if shape is not None else None)


def model(nodes, inputs, outputs, inits=(), opset=17, ir=8, opsets=None):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=opsets or [helper.make_opsetid("", opset)])
    m.ir_version = ir
    return m


def i64(name, values, dims=None):
    a = np.array(values, dtype=np.int64)
    if dims is not None:
        a = a.reshape(dims)
    return numpy_helper.from_array(a, name)


def f32(name, values, dims=None):
    a = np.array(values, dtype=np.float32)
    if dims is not None:
        a = a.reshape(dims)
    return numpy_helper.from_array(a, name)


def relu_model():
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")], [vi("x")], [vi("y")])


# A model with an initializer, attributes and value_info, for truncation.
def rich_model():
    nodes = [
        helper.make_node("Add", ["x", "w"], ["s"], name="add"),
        helper.make_node("Transpose", ["s"], ["t"], name="tr", perm=[1, 0]),
        helper.make_node("Softmax", ["t"], ["y"], name="sm", axis=1),
    ]
    m = model(nodes, [vi("x", shape=(2, 3))], [vi("y", shape=(3, 2))], [f32("w", range(6), (2, 3))])
    m.producer_name = "hostile-corpus"
    m.graph.value_info.append(vi("t", shape=(3, 2)))
    return m


def parses(data):
    try:
        onnx.ModelProto().ParseFromString(data)
        return True
    except Exception:  # noqa: BLE001 -- any decode error means "not a valid encoding"
        return False


# ---------------------------------------------------------------------------------------------
# Bytes that are not a model


def bytes_cases():
    emit("empty.onnx", b"", "model", "InvalidModel", "ir_version is missing")
    emit("garbage.onnx", bytes(range(7, 250, 3)) * 3, "model", "InvalidModel", "")
    emit("varint_overlong.onnx", b"\x08" + b"\xff" * 11, "model", "InvalidModel", "protobuf parse failed")
    emit("length_past_end.onnx", b"\x3a\xff\xff\xff\x0f\x0a", "model", "InvalidModel", "protobuf parse failed")
    emit("group_wire_type.onnx", b"\x0b\x08\x01", "model", "InvalidModel", "protobuf parse failed")
    # Field 7 (graph) sent as a varint: protobuf keeps it as an unknown field, so the model has
    # no graph.
    emit("graph_wrong_wire_type.onnx", b"\x08\x08\x38\x05", "model", "InvalidModel", "graph is missing")
    good = rich_model().SerializeToString()
    # Truncations at offsets spread over the file, kept where protobuf itself (here: Python's)
    # rejects the bytes, so the expected outcome does not depend on Onyx.
    picked = 0
    for cut in range(1, len(good)):
        if picked >= 24:
            break
        if cut % 7 != 3:
            continue
        data = good[:cut]
        if parses(data):
            continue
        emit(f"truncated_{cut:04d}.onnx", data, "model", "InvalidModel", "protobuf parse failed")
        picked += 1
    assert picked >= 20, picked
    flipped = bytearray(good)
    flipped[1] ^= 0x80  # ir_version varint gains a continuation bit
    if not parses(bytes(flipped)):
        emit("flipped_varint.onnx", bytes(flipped), "model", "InvalidModel", "protobuf parse failed")


# ---------------------------------------------------------------------------------------------
# Model header: IR version and opsets


def header_cases():
    m = relu_model()
    m.ir_version = 0
    emit("ir_version_0.onnx", m, "model", "InvalidModel", "ir_version is missing")
    m.ir_version = 2
    emit("ir_version_2.onnx", m, "model", "Unsupported", "IR version 2")
    m.ir_version = 10000
    emit("ir_version_10000.onnx", m, "model", "Unsupported", "IR version 10000")

    m = relu_model()
    del m.opset_import[:]
    emit("no_opset_import.onnx", m, "model", "InvalidModel", "opset_import is empty")
    m = relu_model()
    m.opset_import[0].version = 0
    emit("opset_0.onnx", m, "model", "InvalidModel", "has version 0")
    m.opset_import[0].version = -5
    emit("opset_negative.onnx", m, "model", "InvalidModel", "has version -5")
    m.opset_import[0].version = 10000
    emit("opset_10000.onnx", m, "model", "Unsupported", "opset 10000")
    m = relu_model()
    m.opset_import.append(helper.make_opsetid("ai.onnx", 13))
    emit("opset_duplicate_domain.onnx", m, "model", "InvalidModel", "more than once")
    m = relu_model()
    m.opset_import[0].domain = "com.example"
    emit("opset_no_default_domain.onnx", m, "model", "InvalidModel", "no opset for the default domain")


# ---------------------------------------------------------------------------------------------
# Graph structure


def graph_cases():
    n = helper.make_node
    emit("cycle.onnx", model([n("Relu", ["b"], ["a"], name="n1"), n("Relu", ["a"], ["b"], name="n2")],
                             [vi("x")], [vi("a")]), "model", "InvalidModel", "")
    emit("self_loop.onnx", model([n("Add", ["x", "a"], ["a"], name="self")], [vi("x")], [vi("a")]),
         "model", "InvalidModel", "")
    emit("duplicate_output_name.onnx",
         model([n("Relu", ["x"], ["y"], name="r1"), n("Neg", ["x"], ["y"], name="r2")], [vi("x")], [vi("y")]),
         "model", "InvalidModel", "")
    emit("output_overwrites_input.onnx", model([n("Relu", ["x"], ["x"], name="r")], [vi("x")], [vi("x")]),
         "model", "InvalidModel", "")
    emit("output_overwrites_initializer.onnx",
         model([n("Relu", ["x"], ["w"], name="r")], [vi("x")], [vi("w")], [f32("w", [1, 2, 3, 4])]),
         "model", "InvalidModel", "")
    emit("missing_producer.onnx", model([n("Relu", ["ghost"], ["y"], name="r")], [vi("x")], [vi("y")]),
         "model", "InvalidModel", "ghost")
    emit("graph_output_not_produced.onnx", model([n("Relu", ["x"], ["y"], name="r")], [vi("x")], [vi("zz")]),
         "model", "InvalidModel", "zz")
    emit("duplicate_graph_input.onnx", model([n("Relu", ["x"], ["y"], name="r")], [vi("x"), vi("x")], [vi("y")]),
         "model", "InvalidModel", "declared twice")
    emit("duplicate_initializer.onnx",
         model([n("Add", ["x", "w"], ["y"], name="a")], [vi("x")], [vi("y")],
               [f32("w", [1, 2, 3, 4]), f32("w", [5, 6, 7, 8])]), "model", "InvalidModel", "more than once")
    emit("unnamed_initializer.onnx",
         model([n("Relu", ["x"], ["y"], name="r")], [vi("x")], [vi("y")], [f32("", [1, 2, 3, 4])]),
         "model", "InvalidModel", "has no name")
    emit("unnamed_input.onnx", model([n("Relu", ["x"], ["y"], name="r")], [vi("")], [vi("y")]),
         "model", "InvalidModel", "has no name")
    emit("empty_op_type.onnx", model([n("", ["x"], ["y"], name="r")], [vi("x")], [vi("y")]),
         "model", "InvalidModel", "has no op_type")
    emit("unknown_op.onnx", model([n("FooBarBaz", ["x"], ["y"], name="r")], [vi("x")], [vi("y")]),
         "model", "Unsupported", "FooBarBaz")
    emit("unknown_domain.onnx",
         model([n("Relu", ["x"], ["y"], name="r", domain="com.evil")], [vi("x")], [vi("y")],
               opsets=[helper.make_opsetid("", 17), helper.make_opsetid("com.evil", 1)]),
         "model", "Unsupported", "com.evil")
    emit("domain_not_imported.onnx",
         model([n("Relu", ["x"], ["y"], name="r", domain="com.other")], [vi("x")], [vi("y")]),
         "model", "Unsupported", "com.other")
    emit("relu_three_inputs.onnx", model([n("Relu", ["x", "x", "x"], ["y"], name="r")], [vi("x")], [vi("y")]),
         "model", "InvalidModel", "")

    # Attributes
    m = model([n("Transpose", ["x"], ["y"], name="t", perm=[0])], [vi("x")], [vi("y")])
    m.graph.node[0].attribute.append(helper.make_attribute("perm", [0]))
    emit("attribute_duplicate.onnx", m, "model", "InvalidModel", "appears more than once")
    m = model([n("Softmax", ["x"], ["y"], name="s", axis=0)], [vi("x")], [vi("y")])
    m.graph.node[0].attribute[0].type = 0
    emit("attribute_type_undefined.onnx", m, "model", "InvalidModel", "type is missing")
    # Python's protobuf refuses an unknown enum value, so patch the encoded type field
    # (AttributeProto.type is field 20: tag bytes a0 01) of an INT attribute.
    m.graph.node[0].attribute[0].type = onnx.AttributeProto.INT
    data = m.SerializeToString()
    assert data.count(b"\xa0\x01\x02") == 1
    emit("attribute_type_42.onnx", data.replace(b"\xa0\x01\x02", b"\xa0\x01\x2a"), "model", "InvalidModel",
         "unknown attribute type 42")
    m = model([n("Softmax", ["x"], ["y"], name="s", axis=1.5)], [vi("x")], [vi("y")])
    emit("attribute_float_for_int.onnx", m, "model", "InvalidModel", "axis")
    m = model([n("Transpose", ["x"], ["y"], name="t", perm="10")], [vi("x")], [vi("y")])
    emit("attribute_string_for_ints.onnx", m, "model", "InvalidModel", "perm")
    m = model([n("Softmax", ["x"], ["y"], name="s", axis=7)], [vi("x")], [vi("y")])
    emit("attribute_axis_out_of_range.onnx", m, "model", "InvalidModel", "axis")
    m = model([n("If", ["c"], ["y"], name="if")], [vi("c", TensorProto.BOOL, [])], [vi("y")])
    a = m.graph.node[0].attribute.add()
    a.name = "then_branch"
    a.type = onnx.AttributeProto.GRAPH
    emit("attribute_graph_missing.onnx", m, "model", "InvalidModel", "value is missing")


# ---------------------------------------------------------------------------------------------
# Tensor encodings (initializers)


def init_model(t):
    """x + t, with t an initializer named 'w' of whatever shape the test gives it."""
    t.name = "w"
    return model([helper.make_node("Add", ["x", "w"], ["y"], name="add")], [vi("x")], [vi("y")], [t])


def tensor_cases():
    def raw(dims, nbytes, dtype=TensorProto.FLOAT):
        t = TensorProto()
        t.data_type = dtype
        t.dims.extend(dims)
        t.raw_data = b"\0" * nbytes
        return t

    emit("tensor_negative_dim.onnx", init_model(raw([-4], 0)), "model", "InvalidModel", "negative dimension")
    emit("tensor_dim_2p62.onnx", init_model(raw([1 << 62], 16)), "model", "InvalidModel", "larger than 2^40")
    emit("tensor_dims_overflow.onnx", init_model(raw([1 << 31, 1 << 31, 1 << 31], 16)), "model",
         "InvalidModel", "more than 2^40 elements")
    emit("tensor_dims_wrap_to_zero.onnx", init_model(raw([1 << 32, 1 << 32, 1 << 32, 0], 0)), "model",
         "InvalidModel", "")
    emit("raw_data_short.onnx", init_model(raw([4], 12)), "model", "InvalidModel", "raw_data has 12 bytes")
    emit("raw_data_long.onnx", init_model(raw([4], 20)), "model", "InvalidModel", "raw_data has 20 bytes")
    t = TensorProto(data_type=TensorProto.FLOAT, dims=[4], float_data=[1, 2, 3])
    emit("float_data_short.onnx", init_model(t), "model", "InvalidModel", "float_data has 3 values")
    t = TensorProto(data_type=TensorProto.INT8, dims=[2], int32_data=[1, 1000])
    emit("int8_out_of_range.onnx", init_model(t), "model", "InvalidModel", "out of range for int8")
    emit("dtype_999.onnx", init_model(raw([4], 16, 999)), "model", "InvalidModel", "unknown data type 999")
    emit("dtype_undefined.onnx", init_model(raw([4], 16, 0)), "model", "InvalidModel", "data_type is missing")
    emit("dtype_float8.onnx", init_model(raw([4], 4, 17)), "model", "Unsupported", "FLOAT8E4M3FN")
    emit("string_in_raw_data.onnx", init_model(raw([1], 8, TensorProto.STRING)), "model", "InvalidModel",
         "string tensor stored in raw_data")
    t = raw([4], 16)
    t.data_location = TensorProto.EXTERNAL  # then patched to 7 (TensorProto.data_location: field 14, tag 70)
    data = init_model(t).SerializeToString()
    assert data.count(b"\x70\x01") == 1
    emit("data_location_7.onnx", data.replace(b"\x70\x01", b"\x70\x07"), "model", "InvalidModel",
         "unknown data_location 7")
    t = raw([4], 16)
    t.segment.begin = 0
    t.segment.end = 2
    emit("tensor_segment.onnx", init_model(t), "model", "Unsupported", "segment")

    # Sparse initializers
    def sparse(dims, values, indices, idims):
        sp = onnx.SparseTensorProto()
        sp.dims.extend(dims)
        sp.values.CopyFrom(f32("w", values))
        sp.indices.CopyFrom(i64("", indices, idims))
        return sp

    def sparse_model(sp):
        m = model([helper.make_node("Add", ["x", "w"], ["y"], name="add")], [vi("x")], [vi("y")])
        m.graph.sparse_initializer.append(sp)
        return m

    emit("sparse_index_out_of_range.onnx", sparse_model(sparse([4], [1, 2], [1, 9], [2])), "model",
         "InvalidModel", "sparse index 9")
    emit("sparse_index_negative.onnx", sparse_model(sparse([4], [1, 2], [-1, 2], [2])), "model",
         "InvalidModel", "sparse index -1")
    emit("sparse_huge_dense.onnx", sparse_model(sparse([1 << 38, 4], [1], [0], [1])), "model",
         "ResourceExhausted", "densifies to")
    emit("sparse_indices_shape.onnx", sparse_model(sparse([4], [1, 2], [1, 2, 3], [3])), "model",
         "InvalidModel", "indices have shape")


# ---------------------------------------------------------------------------------------------
# External data: resolved only inside the model's folder


def external_cases():
    with open(os.path.join(OUT, "weights.bin"), "wb") as f:
        f.write(struct.pack("<4f", 1, 2, 3, 4))
    os.makedirs(os.path.join(OUT, "a_dir"), exist_ok=True)
    with open(os.path.join(OUT, "a_dir", "README"), "w") as f:
        f.write("a folder, named as external data by ext_directory.onnx\n")
    # A symlink inside the folder that points outside it (at this generator).
    link = os.path.join(OUT, "escape.bin")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink("../make_corpus.py", link)

    def ext(location=None, offset=None, length=None, dtype=TensorProto.FLOAT, extra=()):
        t = TensorProto(data_type=dtype, dims=[4])
        t.data_location = TensorProto.EXTERNAL
        for k, v in ([("location", location)] if location is not None else []) + \
                    ([("offset", offset)] if offset is not None else []) + \
                    ([("length", length)] if length is not None else []) + list(extra):
            e = t.external_data.add()
            e.key = k
            e.value = v
        return init_model(t)

    emit("ext_absolute.onnx", ext("/etc/passwd"), "model", "InvalidModel", "is an absolute path")
    emit("ext_dotdot.onnx", ext("../../../../../../etc/passwd"), "model", "InvalidModel", "'..' component")
    emit("ext_inner_dotdot.onnx", ext("a_dir/../../corpus/weights.bin"), "model", "InvalidModel", "'..' component")
    emit("ext_backslash.onnx", ext("..\\..\\weights.bin"), "model", "InvalidModel", "backslash")
    emit("ext_nul_byte.onnx", ext("weights.bin\0/../../x"), "model", "InvalidModel", "NUL byte")
    emit("ext_empty_location.onnx", ext(""), "model", "InvalidModel", "location is empty")
    emit("ext_no_location.onnx", ext(None, "0"), "model", "InvalidModel", "has no 'location'")
    emit("ext_symlink_escape.onnx", ext("escape.bin"), "model", "InvalidModel", "outside the model folder")
    emit("ext_directory.onnx", ext("a_dir"), "model", "InvalidModel", "not a regular file")
    emit("ext_missing_file.onnx", ext("no_such_weights.bin"), "model", "NotFound", "no such file")
    emit("ext_offset_past_end.onnx", ext("weights.bin", "64"), "model", "InvalidModel", "past the end")
    emit("ext_range_past_end.onnx", ext("weights.bin", "8"), "model", "InvalidModel", "past the end")
    emit("ext_length_mismatch.onnx", ext("weights.bin", "0", "8"), "model", "InvalidModel", "external_data length 8")
    emit("ext_offset_negative.onnx", ext("weights.bin", "-1"), "model", "InvalidModel", "not a non-negative integer")
    emit("ext_offset_huge.onnx", ext("weights.bin", "18446744073709551615"), "model", "InvalidModel",
         "not a non-negative integer")
    emit("ext_offset_wraps.onnx", ext("weights.bin", "9223372036854775807"), "model", "InvalidModel",
         "past the end")
    emit("ext_duplicate_key.onnx", ext("weights.bin", extra=[("location", "weights.bin")]), "model",
         "InvalidModel", "appears twice")
    emit("ext_string_tensor.onnx", ext("weights.bin", dtype=TensorProto.STRING), "model", "InvalidModel",
         "string tensors cannot be stored as external data")


# ---------------------------------------------------------------------------------------------
# Recursion and loop bombs


def body_graph(name, nodes, inputs, outputs):
    return helper.make_graph(nodes, name, inputs, outputs)


def nest_if(depth):
    """If inside If inside ... `depth` levels of subgraphs."""
    inner = body_graph(f"b{depth}", [helper.make_node("Constant", [], ["o"], name=f"k{depth}",
                                                      value=f32("", [1.0]))], [], [vi("o", shape=(1,))])
    leaf = inner  # else branches stay one level deep, or the file would double with every level
    for d in range(depth - 1, 0, -1):
        node = helper.make_node("If", ["c"], ["o"], name=f"if{d}", then_branch=inner, else_branch=leaf)
        inner = body_graph(f"b{d}", [node], [], [vi("o", shape=(1,))])
    top = helper.make_node("If", ["c"], ["y"], name="if0", then_branch=inner, else_branch=leaf)
    return model([top], [vi("c", TensorProto.BOOL, [])], [vi("y", shape=(1,))])


def loop_body(name, extra_nodes=(), scan_outputs=()):
    """(iter, cond, v) -> (cond, v, scans...): v passes through unchanged."""
    nodes = [helper.make_node("Identity", ["cond_in"], ["cond_out"], name=name + "_c"),
             helper.make_node("Identity", ["v_in"], ["v_out"], name=name + "_v")] + list(extra_nodes)
    return body_graph(name, nodes,
                      [vi("iter", TensorProto.INT64, []), vi("cond_in", TensorProto.BOOL, []),
                       vi("v_in", shape=(1,))],
                      [vi("cond_out", TensorProto.BOOL, []), vi("v_out", shape=(1,))] + list(scan_outputs))


def loop_model(body, trip, name="loop", n_scan=0):
    inits = [numpy_helper.from_array(np.array(True), "cond"), f32("v0", [0.0])]
    ins = ["", "cond", "v0"]
    if trip is not None:
        inits.append(numpy_helper.from_array(np.array(trip, dtype=np.int64), "M"))
        ins[0] = "M"
    outs = ["v"] + [f"s{k}" for k in range(n_scan)]
    node = helper.make_node("Loop", ins, outs, name=name, body=body)
    return model([helper.make_node("Add", ["x", "v"], ["y"], name="add"), node], [vi("x", shape=(1,))],
                 [vi("y", shape=(1,))] + [vi(f"s{k}", shape=None) for k in range(n_scan)], inits)


def bomb_cases():
    emit("if_nested_25.onnx", nest_if(25), "model", "InvalidModel", "nested more than 24 levels deep")
    emit("if_nested_200.onnx", nest_if(200), "model", "InvalidModel", "protobuf parse failed")

    # Loop bodies nested 25 deep.
    body = loop_body("l25")
    for d in range(24, 0, -1):
        inner = helper.make_node("Loop", ["one", "cond_in", "v_in"], ["v_mid"], name=f"loop{d}", body=body)
        one = helper.make_node("Constant", [], ["one"], name=f"one{d}", value=i64("", 1))
        body = body_graph(f"l{d}", [one, inner, helper.make_node("Identity", ["cond_in"], ["cond_out"], name=f"c{d}"),
                                    helper.make_node("Identity", ["v_mid"], ["v_out"], name=f"v{d}")],
                          [vi("iter", TensorProto.INT64, []), vi("cond_in", TensorProto.BOOL, []),
                           vi("v_in", shape=(1,))],
                          [vi("cond_out", TensorProto.BOOL, []), vi("v_out", shape=(1,))])
    emit("loop_nested_25.onnx", loop_model(body, 1), "model", "InvalidModel", "nested more than 24 levels deep")

    emit("loop_trip_2p62.onnx", loop_model(loop_body("b"), 1 << 62), "model", "ResourceExhausted",
         "Limits::max_loop_iterations")
    emit("loop_no_trip_cond_true.onnx", loop_model(loop_body("b"), None), "model", "ResourceExhausted",
         "Limits::max_loop_iterations")
    # Two nested loops of 2^40 iterations each: one budget for the whole run.
    inner = helper.make_node("Loop", ["big", "cond_in", "v_in"], ["v_mid"], name="inner", body=loop_body("ib"))
    big = helper.make_node("Constant", [], ["big"], name="bigk", value=i64("", 1 << 40))
    outer_body = body_graph("ob", [big, inner, helper.make_node("Identity", ["cond_in"], ["cond_out"], name="oc"),
                                   helper.make_node("Identity", ["v_mid"], ["v_out"], name="ov")],
                            [vi("iter", TensorProto.INT64, []), vi("cond_in", TensorProto.BOOL, []),
                             vi("v_in", shape=(1,))],
                            [vi("cond_out", TensorProto.BOOL, []), vi("v_out", shape=(1,))])
    emit("loop_nested_2p40_each.onnx", loop_model(outer_body, 1 << 40), "model", "ResourceExhausted",
         "Limits::max_loop_iterations")
    # A scan output of 16 floats per iteration, forever: the iteration budget ends it.
    scan = helper.make_node("Constant", [], ["sc"], name="sck", value=f32("", [0.5] * 16))
    emit("loop_scan_forever.onnx",
         loop_model(loop_body("sb", [scan], [vi("sc", shape=(16,))]), None, n_scan=1),
         "model", "ResourceExhausted", "Limits::max_loop_iterations")
    # A loop-carried value that doubles every iteration: the tensor limits end it.
    dbl = body_graph("db", [helper.make_node("Identity", ["cond_in"], ["cond_out"], name="dc"),
                            helper.make_node("Concat", ["v_in", "v_in"], ["v_out"], name="dcat", axis=0)],
                     [vi("iter", TensorProto.INT64, []), vi("cond_in", TensorProto.BOOL, []), vi("v_in", shape=None)],
                     [vi("cond_out", TensorProto.BOOL, []), vi("v_out", shape=None)])
    node = helper.make_node("Loop", ["M", "cond", "v0"], ["v"], name="doubling", body=dbl)
    emit("loop_carried_doubling.onnx",
         model([node], [vi("x", shape=(1,))], [vi("v", shape=None)],
               [numpy_helper.from_array(np.array(1 << 62, dtype=np.int64), "M"),
                numpy_helper.from_array(np.array(True), "cond"), f32("v0", [1.0])]),
         "model", "ResourceExhausted", "Limits::")
    # Structural errors of control flow.
    bad = body_graph("bad", [helper.make_node("Identity", ["cond_in"], ["cond_out"], name="c")],
                     [vi("cond_in", TensorProto.BOOL, [])], [vi("cond_out", TensorProto.BOOL, [])])
    emit("loop_body_wrong_arity.onnx", loop_model(bad, 3), "model", "InvalidModel", "attribute 'body' has 1 inputs")
    then_g = body_graph("t", [helper.make_node("Identity", ["p"], ["o"], name="i")], [vi("p", shape=(1,))],
                        [vi("o", shape=(1,))])
    node = helper.make_node("If", ["c"], ["y"], name="if", then_branch=then_g, else_branch=then_g)
    emit("if_branch_with_inputs.onnx", model([node], [vi("c", TensorProto.BOOL, [])], [vi("y", shape=(1,))]),
         "model", "InvalidModel", "must not declare inputs")
    node = helper.make_node("If", ["c"], ["y"], name="if", then_branch=then_g, else_branch=then_g)
    emit("if_cond_float.onnx", model([node], [vi("c", TensorProto.FLOAT, [])], [vi("y", shape=(1,))]),
         "model", "InvalidModel", "must be a bool tensor")


# ---------------------------------------------------------------------------------------------
# Shape and size arithmetic (constant inputs: the errors come at session creation)


def size_cases():
    n = helper.make_node
    emit("constantofshape_2p40.onnx",
         model([n("ConstantOfShape", ["s"], ["y"], name="cos")], [], [vi("y", shape=None)],
               [i64("s", [1 << 20, 1 << 20])]), "model", "ResourceExhausted", "")
    emit("constantofshape_wrap.onnx",
         model([n("ConstantOfShape", ["s"], ["y"], name="cos")], [], [vi("y", shape=None)],
               [i64("s", [1 << 32, 1 << 32, 0])]), "model", "ResourceExhausted", "")
    emit("constantofshape_negative.onnx",
         model([n("ConstantOfShape", ["s"], ["y"], name="cos")], [], [vi("y", shape=None)],
               [i64("s", [4, -2])]), "model", "InvalidArgument", "")
    emit("expand_huge.onnx",
         model([n("Expand", ["x", "s"], ["y"], name="ex")], [vi("x", shape=(1,))], [vi("y", shape=None)],
               [i64("s", [1 << 31, 1 << 31])]), "model", "ResourceExhausted", "")
    emit("tile_huge.onnx",
         model([n("Tile", ["x", "r"], ["y"], name="tile")], [vi("x", shape=(2,))], [vi("y", shape=None)],
               [i64("r", [1 << 62])]), "model", "ResourceExhausted", "")
    emit("tile_negative.onnx",
         model([n("Tile", ["x", "r"], ["y"], name="tile")], [vi("x", shape=(2,))], [vi("y", shape=None)],
               [i64("r", [-3])]), "model", "InvalidArgument", "")
    emit("reshape_wrap.onnx",
         model([n("Reshape", ["x", "s"], ["y"], name="rs")], [vi("x", shape=(0,))], [vi("y", shape=None)],
               [i64("s", [1 << 32, 1 << 32, 0])]), "model", "ResourceExhausted", "")
    emit("reshape_mismatch.onnx",
         model([n("Reshape", ["x", "s"], ["y"], name="rs")], [vi("x", shape=(4,))], [vi("y", shape=None)],
               [i64("s", [3])]), "model", "InvalidArgument", "")
    emit("reshape_two_minus_one.onnx",
         model([n("Reshape", ["x", "s"], ["y"], name="rs")], [vi("x", shape=(4,))], [vi("y", shape=None)],
               [i64("s", [-1, -1])]), "model", "InvalidArgument", "")
    emit("range_2p62.onnx",
         model([n("Range", ["a", "b", "d"], ["y"], name="rg")], [], [vi("y", TensorProto.INT64, None)],
               [i64("a", 0), i64("b", 1 << 62), i64("d", 1)]), "model", "ResourceExhausted", "")
    emit("range_delta_zero.onnx",
         model([n("Range", ["a", "b", "d"], ["y"], name="rg")], [], [vi("y", TensorProto.INT64, None)],
               [i64("a", 0), i64("b", 10), i64("d", 0)]), "model", "InvalidArgument", "delta")
    emit("range_float_inf.onnx",
         model([n("Range", ["a", "b", "d"], ["y"], name="rg")], [], [vi("y", shape=None)],
               [f32("a", 0.0), f32("b", np.inf), f32("d", 1.0)]), "model", "InvalidArgument", "")
    emit("resize_scale_1e30.onnx",
         model([n("Resize", ["x", "", "sc"], ["y"], name="rz")], [vi("x", shape=(1, 1, 2, 2))],
               [vi("y", shape=None)], [f32("sc", [1, 1, 1e30, 1e30])]), "model", "ResourceExhausted", "")
    emit("resize_scale_nan.onnx",
         model([n("Resize", ["x", "", "sc"], ["y"], name="rz")], [vi("x", shape=(1, 1, 2, 2))],
               [vi("y", shape=None)], [f32("sc", [1, 1, np.nan, 2])]), "model", "InvalidArgument", "")
    emit("resize_sizes_2p40.onnx",
         model([n("Resize", ["x", "", "", "sz"], ["y"], name="rz")], [vi("x", shape=(1, 1, 2, 2))],
               [vi("y", shape=None)], [i64("sz", [1, 1, 1 << 40, 1 << 40])]), "model", "ResourceExhausted", "")
    emit("pad_2p62.onnx",
         model([n("Pad", ["x", "p"], ["y"], name="pad")], [vi("x", shape=(2,))], [vi("y", shape=None)],
               [i64("p", [0, 1 << 62])]), "model", "ResourceExhausted", "")
    emit("pad_negative_past_zero.onnx",
         model([n("Pad", ["x", "p"], ["y"], name="pad")], [vi("x", shape=(2,))], [vi("y", shape=None)],
               [i64("p", [-5, 0])]), "model", "InvalidArgument", "")
    emit("slice_step_zero.onnx",
         model([n("Slice", ["x", "st", "en", "ax", "sp"], ["y"], name="sl")], [vi("x", shape=(4,))],
               [vi("y", shape=None)], [i64("st", [0]), i64("en", [4]), i64("ax", [0]), i64("sp", [0])]),
         "model", "InvalidArgument", "")
    emit("slice_axis_out_of_range.onnx",
         model([n("Slice", ["x", "st", "en", "ax"], ["y"], name="sl")], [vi("x", shape=(4,))],
               [vi("y", shape=None)], [i64("st", [0]), i64("en", [4]), i64("ax", [3])]),
         "model", "InvalidArgument", "")
    emit("onehot_depth_2p62.onnx",
         model([n("OneHot", ["i", "d", "v"], ["y"], name="oh")], [], [vi("y", shape=None)],
               [i64("i", [1, 2]), i64("d", 1 << 62), f32("v", [0, 1])]), "model", "ResourceExhausted", "")
    emit("onehot_depth_zero.onnx",
         model([n("OneHot", ["i", "d", "v"], ["y"], name="oh")], [], [vi("y", shape=None)],
               [i64("i", [1, 2]), i64("d", 0), f32("v", [0, 1])]), "model", "InvalidArgument", "depth")
    emit("topk_k_too_big.onnx",
         model([n("TopK", ["x", "k"], ["v", "i"], name="tk")], [vi("x", shape=(4,))],
               [vi("v", shape=None), vi("i", TensorProto.INT64, None)], [i64("k", [9])]),
         "model", "InvalidArgument", "")
    emit("topk_k_negative.onnx",
         model([n("TopK", ["x", "k"], ["v", "i"], name="tk")], [vi("x", shape=(4,))],
               [vi("v", shape=None), vi("i", TensorProto.INT64, None)], [i64("k", [-1])]),
         "model", "InvalidArgument", "")
    emit("nms_boxes_not_4.onnx",
         model([n("NonMaxSuppression", ["b", "s"], ["y"], name="nms")],
               [vi("b", shape=(1, 3, 3)), vi("s", shape=(1, 1, 3))], [vi("y", TensorProto.INT64, None)]),
         "model", "InvalidArgument", "")
    emit("nms_scores_mismatch.onnx",
         model([n("NonMaxSuppression", ["b", "s"], ["y"], name="nms")],
               [vi("b", shape=(1, 3, 4)), vi("s", shape=(1, 1, 5))], [vi("y", TensorProto.INT64, None)]),
         "model", "InvalidArgument", "")


# ---------------------------------------------------------------------------------------------
# Data-dependent indices: values computed at run from the (random) input, so the checks run in
# run(), not at planning. |x| + 1000 is out of range whatever the random values are.


def runtime_cases():
    n = helper.make_node
    ix = vi("xi", TensorProto.INT64, (1,))

    def big_index(extra_nodes, outputs, inits=(), inputs=(ix,)):
        nodes = [n("Abs", ["xi"], ["ax"], name="abs"), n("Add", ["ax", "k1000"], ["idx"], name="plus")]
        return model(nodes + extra_nodes, list(inputs), outputs, [i64("k1000", [1000])] + list(inits))

    emit("run_gather_oob.onnx",
         big_index([n("Gather", ["data", "idx"], ["y"], name="gather")], [vi("y", shape=None)],
                   [f32("data", [1, 2, 3, 4])]), "model", "OutOfRange", "index")
    emit("run_gather_elements_oob.onnx",
         big_index([n("GatherElements", ["data", "idx"], ["y"], name="ge")], [vi("y", shape=None)],
                   [f32("data", [1, 2, 3, 4])]), "model", "OutOfRange", "index")
    emit("run_gather_nd_oob.onnx",
         big_index([n("Unsqueeze", ["idx", "ax0"], ["idx2"], name="unsq"),
                    n("GatherND", ["data", "idx2"], ["y"], name="gnd")], [vi("y", shape=None)],
                   [f32("data", [1, 2, 3, 4]), i64("ax0", [0])]), "model", "OutOfRange", "index")
    emit("run_scatter_elements_oob.onnx",
         big_index([n("ScatterElements", ["data", "idx", "upd"], ["y"], name="se")], [vi("y", shape=None)],
                   [f32("data", [1, 2, 3, 4]), f32("upd", [9])]), "model", "OutOfRange", "index")
    emit("run_scatter_nd_oob.onnx",
         big_index([n("Unsqueeze", ["idx", "ax0"], ["idx2"], name="unsq"),
                    n("ScatterND", ["data", "idx2", "upd"], ["y"], name="snd")], [vi("y", shape=None)],
                   [f32("data", [1, 2, 3, 4]), i64("ax0", [0]), f32("upd", [9])]), "model", "OutOfRange", "index")
    emit("run_topk_k_too_big.onnx",
         big_index([n("TopK", ["data", "idx"], ["v", "i"], name="tk")],
                   [vi("v", shape=None), vi("i", TensorProto.INT64, None)], [f32("data", [1, 2, 3, 4])]),
         "model", "InvalidArgument", "")
    emit("run_slice_axes_oob.onnx",
         big_index([n("Slice", ["data", "z", "four", "idx"], ["y"], name="sl")], [vi("y", shape=None)],
                   [f32("data", [1, 2, 3, 4]), i64("z", [0]), i64("four", [4])]), "model", "InvalidArgument", "")
    emit("run_reshape_huge.onnx",
         big_index([n("Concat", ["idx", "idx", "idx", "idx", "idx", "idx", "idx"], ["shape"], name="cat", axis=0),
                    n("ConstantOfShape", ["shape"], ["y"], name="cos")], [vi("y", shape=None)]),
         "model", "ResourceExhausted", "")
    emit("run_onehot_depth_zero.onnx",
         model([n("Mul", ["xi", "zero"], ["d"], name="mul"), n("OneHot", ["ind", "d", "v"], ["y"], name="oh")],
               [ix], [vi("y", shape=None)], [i64("zero", [0]), i64("ind", [1, 2]), f32("v", [0, 1])]),
         "model", "InvalidArgument", "depth")
    emit("run_range_delta_zero.onnx",
         model([n("Mul", ["xi", "zero"], ["d0"], name="mul"), n("Squeeze", ["d0"], ["d"], name="sq"),
                n("Range", ["a", "b", "d"], ["y"], name="rg")],
               [ix], [vi("y", TensorProto.INT64, None)], [i64("zero", [0]), i64("a", 0), i64("b", 10)]),
         "model", "InvalidArgument", "delta")
    for op, code in (("Div", "OutOfRange"), ("Mod", "OutOfRange")):
        emit(f"run_{op.lower()}_int_by_zero.onnx",
             model([n("Mul", ["xi", "zero"], ["z"], name="mul"), n(op, ["xi", "z"], ["y"], name=op.lower())],
                   [ix], [vi("y", TensorProto.INT64, None)], [i64("zero", [0])]),
             "model", code, "division by zero")
    emit("run_div_int32_by_zero_const.onnx",
         model([n("Div", ["x32", "z"], ["y"], name="div")], [vi("x32", TensorProto.INT32, (2,))],
               [vi("y", TensorProto.INT32, None)],
               [numpy_helper.from_array(np.array([1, 0], dtype=np.int32), "z")]),
         "model", "OutOfRange", "division by zero")


# ---------------------------------------------------------------------------------------------
# Tensor files (.pb) and NumPy files (.npy)


def file_cases():
    good = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), "t").SerializeToString()
    emit("pb_truncated.pb", good[:len(good) - 5], "tensor", "InvalidModel", "")
    t = TensorProto(data_type=TensorProto.FLOAT, dims=[-2, 3])
    emit("pb_negative_dim.pb", t, "tensor", "InvalidModel", "")
    t = TensorProto(data_type=TensorProto.FLOAT, dims=[2, 3], raw_data=b"\0" * 20)
    emit("pb_raw_short.pb", t, "tensor", "InvalidModel", "")
    t = TensorProto(data_type=999, dims=[1], raw_data=b"\0" * 4)
    emit("pb_dtype_999.pb", t, "tensor", "InvalidModel", "")
    t = TensorProto(data_type=TensorProto.FLOAT, dims=[1 << 40, 1 << 40])
    emit("pb_dims_overflow.pb", t, "tensor", "InvalidModel", "")
    t = TensorProto(data_type=TensorProto.FLOAT, dims=[4], data_location=TensorProto.EXTERNAL)
    e = t.external_data.add()
    e.key, e.value = "location", "../../../../../../etc/passwd"
    emit("pb_external_traversal.pb", t, "tensor", "InvalidModel", "'..' component")
    seq = onnx.SequenceProto(elem_type=99, name="s")
    emit("pb_sequence_bad_elem_type.pb", seq, "tensor", "InvalidModel", "")

    def npy(header, data=b"", magic=b"\x93NUMPY", version=b"\x01\x00"):
        h = header.encode("latin1")
        pad = 64 - (len(magic) + 2 + 2 + len(h) + 1) % 64
        h = h + b" " * pad + b"\n"
        return magic + version + struct.pack("<H", len(h)) + h + data

    four = struct.pack("<4f", 1, 2, 3, 4)
    emit("npy_bad_magic.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", four, magic=b"\x93NUMPX"),
         "npy", "InvalidModel", "")
    emit("npy_truncated_header.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }")[:30],
         "npy", "InvalidModel", "")
    emit("npy_header_len_past_end.npy", b"\x93NUMPY\x01\x00\xff\xff{'descr'", "npy", "InvalidModel", "")
    emit("npy_negative_shape.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }", four),
         "npy", "InvalidModel", "")
    emit("npy_shape_overflow.npy",
         npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }", four),
         "npy", "InvalidModel", "")
    emit("npy_shape_huge_number.npy",
         npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999999,), }", four),
         "npy", "InvalidModel", "")
    emit("npy_data_short.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (8,), }", four),
         "npy", "InvalidModel", "")
    emit("npy_fortran_order.npy", npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", four),
         "npy", "Unsupported", "")
    emit("npy_big_endian.npy", npy("{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", four),
         "npy", "Unsupported", "")
    emit("npy_object.npy", npy("{'descr': '|O', 'fortran_order': False, 'shape': (4,), }", four),
         "npy", "Unsupported", "")
    emit("npy_not_a_dict.npy", npy("['descr', '<f4']", four), "npy", "InvalidModel", "")
    emit("npy_no_descr.npy", npy("{'fortran_order': False, 'shape': (4,), }", four), "npy", "InvalidModel", "")
    # A format version numpy has not defined (yet): not implemented rather than malformed.
    emit("npy_version_9.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", four,
                                  version=b"\x09\x00"), "npy", "Unsupported", "version 9.0")


# ---------------------------------------------------------------------------------------------
# Regressions of fuzzer findings (tests/fuzz): each crashed before its fix.


def fuzz_cases():
    n = helper.make_node
    # Pad built per-axis source maps sized by the output before the executor held the output to
    # the limits: pads of 2^39 allocated terabytes (fuzz_prepare, out of memory).
    emit("fuzz_pad_huge_axis.onnx",
         model([n("Pad", ["x", "p"], ["y"], name="pad")], [vi("x", shape=(2,))], [vi("y", shape=None)],
               [i64("p", [0, 1 << 39])]), "model", "ResourceExhausted", "Limits::max_tensor_elements")
    # The same maps for an empty output whose other axis is huge: nothing to compute, no maps.
    emit("fuzz_pad_empty_huge_axis.onnx",
         model([n("Pad", ["x", "p"], ["y"], name="pad")], [vi("x", shape=(0, 2))], [vi("y", shape=None)],
               [i64("p", [0, 0, 0, (1 << 40) - 2])]), "model", "OK", "")
    # Resize's taps, likewise; and cubic over ten resized axes reads 4^10 inputs per output.
    emit("fuzz_resize_empty_huge_axis.onnx",
         model([n("Resize", ["x", "", "", "sz"], ["y"], name="rz")], [vi("x", shape=(1, 1, 2, 2))],
               [vi("y", shape=None)], [i64("sz", [1, 1, 0, 1 << 40])]), "model", "OK", "")
    emit("fuzz_resize_cubic_10_axes.onnx",
         model([n("Resize", ["x", "", "", "sz"], ["y"], name="rz", mode="cubic")], [vi("x", shape=(2,) * 10)],
               [vi("y", shape=None)], [i64("sz", [1] * 10)]), "model", "Unsupported", "input elements per output")
    # A node that names none of its operator's outputs: prepare declared output 0 past the end of
    # the node's (empty) list (fuzz_prepare, heap corruption); likewise a required output named "".
    emit("fuzz_node_without_outputs.onnx",
         model([n("Neg", ["x"], [], name="neg"), n("Abs", ["x"], ["y"], name="abs")], [vi("x", shape=(2,))],
               [vi("y", shape=None)]), "model", "InvalidModel", "does not name it")
    emit("fuzz_required_output_unnamed.onnx",
         model([n("Neg", ["x"], [""], name="neg"), n("Abs", ["x"], ["y"], name="abs")], [vi("x", shape=(2,))],
               [vi("y", shape=None)]), "model", "InvalidModel", "does not name it")
    # MatMul's per-batch offset tables for an empty product with 2^40 batches.
    emit("fuzz_matmul_empty_huge_batch.onnx",
         model([n("MatMul", ["a", "b"], ["y"], name="mm")], [vi("a", shape=(1 << 20, 1 << 20, 0, 4))],
               [vi("y", shape=None)], [f32("b", [0] * 8, (4, 2))]), "model", "ResourceExhausted",
         "Limits::max_tensor_elements")


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    bytes_cases()
    header_cases()
    graph_cases()
    tensor_cases()
    external_cases()
    bomb_cases()
    size_cases()
    runtime_cases()
    file_cases()
    fuzz_cases()
    names = [e[0] for e in entries]
    assert len(names) == len(set(names)), "duplicate corpus file names"
    for name in os.listdir(OUT):
        if os.path.isfile(os.path.join(OUT, name)) and name.endswith((".onnx", ".pb", ".npy")):
            assert name in names, f"stale corpus file {name}"
    with open(os.path.join(HERE, "manifest.txt"), "w") as f:
        f.write("# Generated by make_corpus.py: FILE KIND CODE FRAGMENT (see its docstring).\n")
        for name, kind, code, frag in entries:
            f.write(f"{name} {kind} {code} {frag}".rstrip() + "\n")
    total = sum(os.path.getsize(os.path.join(OUT, e[0])) for e in entries)
    print(f"{len(entries)} files, {total} bytes")


if __name__ == "__main__":
    main()
