"""scanner.models.rewrites: the load-time rewrites of model files, on tiny models built here
and on the real ones."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from scanner.models import rewrites
from scanner.models.rewrites import rewrite, tidy_paddle


def conv_bn_model(*, weights_as_inputs: bool, size: int = 8) -> bytes:
    """x (1, 3, size, size) -> Conv -> BatchNormalization -> Relu -> y, the way older
    exporters write it when ``weights_as_inputs`` (every initializer also a graph input)."""
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(rng.normal(size=(4, 3, 3, 3)).astype(np.float32), "w"),
        numpy_helper.from_array(rng.normal(size=4).astype(np.float32), "scale"),
        numpy_helper.from_array(rng.normal(size=4).astype(np.float32), "bias"),
        numpy_helper.from_array(rng.normal(size=4).astype(np.float32), "mean"),
        numpy_helper.from_array(rng.uniform(0.5, 2, size=4).astype(np.float32), "var"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "scale", "bias", "mean", "var"], ["b"]),
        helper.make_node("Relu", ["b"], ["y"]),
    ]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, size, size])]
    if weights_as_inputs:
        inputs += [helper.make_tensor_value_info(t.name, TensorProto.FLOAT, list(t.dims))
                   for t in inits]
    graph = helper.make_graph(nodes, "g", inputs,
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                                             [1, 4, size, size])],
                              initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model.SerializeToString()


def run(model: bytes, x: np.ndarray) -> np.ndarray:
    sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    return np.asarray(sess.run(None, {"x": x})[0])


def input_names(model: bytes) -> list[str]:
    return [value.name for value in onnx.load_from_string(model).graph.input]


def test_constant_weights_drops_weights_from_the_inputs_and_keeps_the_outputs() -> None:
    listed = conv_bn_model(weights_as_inputs=True)
    assert input_names(listed) == ["x", "w", "scale", "bias", "mean", "var"]
    fixed = rewrite(listed, rewrites.constant_weights)
    assert input_names(fixed) == ["x"]
    onnx.checker.check_model(onnx.load_from_string(fixed))
    x = np.random.default_rng(1).normal(size=(1, 3, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(run(fixed, x), run(listed, x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("weights_as_inputs", [False, True])
def test_constant_weights_is_idempotent(weights_as_inputs: bool) -> None:
    once = rewrite(conv_bn_model(weights_as_inputs=weights_as_inputs), rewrites.constant_weights)
    assert input_names(rewrite(once, rewrites.constant_weights)) == input_names(once) == ["x"]


def test_constant_weights_leaves_ir_3_models_alone() -> None:
    # Before IR 4 every initializer must be listed as an input too; dropping them is invalid.
    model = onnx.load_from_string(conv_bn_model(weights_as_inputs=True))
    model.ir_version = 3
    old = model.SerializeToString()
    assert input_names(rewrite(old, rewrites.constant_weights)) == input_names(old)


def test_combined_rewrites_parse_and_serialise_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.detectors import faces

    parsed: list[int] = []
    load = onnx.load_from_string

    def counting(data: bytes) -> onnx.ModelProto:
        parsed.append(len(data))
        return load(data)

    monkeypatch.setattr(onnx, "load_from_string", counting)
    tidied = tidy_paddle(paddle_model())
    prepared = faces._prepare(conv_bn_model(weights_as_inputs=True))
    assert len(parsed) == 2
    monkeypatch.undo()
    assert ops(tidied) == ["Conv", "HardSigmoid", "Mul"]
    assert input_names(prepared) == ["x"]


def test_make_dynamic_then_constant_weights_takes_any_size() -> None:
    dims = {"x": ["B", None, "H", "W"], "y": ["B", None, "H", "W"]}
    model = rewrite(conv_bn_model(weights_as_inputs=True),
                    lambda m: rewrites.make_dynamic(m, dims), rewrites.constant_weights)
    for h, w in [(8, 8), (32, 20), (1, 1)]:
        x = np.zeros((1, 3, h, w), np.float32)
        assert run(model, x).shape == (1, 4, h, w)


def const(name: str, value: np.ndarray | float) -> onnx.NodeProto:
    """A Constant node, the way Paddle's exporter writes weights and scalars."""
    return helper.make_node("Constant", [], [name],
                            value=numpy_helper.from_array(np.asarray(value, np.float32), name))


def opset12_model(nodes: list[onnx.NodeProto], name: str,
                  inputs: dict[str, list[int]], outputs: dict[str, list[int] | None]) -> bytes:
    """A model file as Paddle's exporter writes them (opset 12, IR 7), float tensors only."""
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, shape) for n, shape in inputs.items()],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, shape)
         for n, shape in outputs.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])
    model.ir_version = 7
    return model.SerializeToString()


def paddle_model(*, bias: bool = True, shared_conv_output: bool = False) -> bytes:
    """x -> Conv -> Mul(s) -> Add(t) -> hard-swish spelt x * Clip(x + 3, 0, 6) / 6 -> y, every
    constant a Constant node. ``shared_conv_output``: the conv's output is also a graph output
    (so the scale must not be folded into it)."""
    rng = np.random.default_rng(0)
    nodes = [const("w", rng.normal(size=(4, 3, 3, 3))), const("s", 1.7), const("t", -0.4),
             const("three", 3.0), const("zero", 0.0), const("six", 6.0)]
    conv_inputs = ["x", "w"]
    if bias:
        nodes.append(const("b", rng.normal(size=4)))
        conv_inputs.append("b")
    nodes += [
        helper.make_node("Conv", conv_inputs, ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Mul", ["c", "s"], ["m"]),
        helper.make_node("Add", ["m", "t"], ["a"]),
        helper.make_node("Add", ["a", "three"], ["a3"]),
        helper.make_node("Clip", ["a3", "zero", "six"], ["cl"]),
        helper.make_node("Mul", ["a", "cl"], ["xm"]),
        helper.make_node("Div", ["xm", "six"], ["y"]),
    ]
    outputs: dict[str, list[int] | None] = {"y": [1, 4, 8, 8]}
    if shared_conv_output:
        outputs["c"] = [1, 4, 8, 8]
    return opset12_model(nodes, "paddle", {"x": [1, 3, 8, 8]}, outputs)


def ops(model: bytes) -> list[str]:
    return [n.op_type for n in onnx.load_from_string(model).graph.node if n.op_type != "Constant"]


def run_all(model: bytes, x: np.ndarray) -> list[np.ndarray]:
    sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    return [np.asarray(o) for o in sess.run(None, {"x": x})]


@pytest.mark.parametrize("bias", [True, False])
def test_fold_conv_scale_folds_the_scale_and_shift_into_the_conv(bias: bool) -> None:
    model = paddle_model(bias=bias)
    folded = rewrite(model, rewrites.fold_conv_scale)
    assert ops(folded) == ["Conv", "Add", "Clip", "Mul", "Div"]
    x = np.random.default_rng(1).normal(size=(1, 3, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(run_all(folded, x)[0], run_all(model, x)[0], atol=1e-5)


def test_fold_conv_scale_leaves_a_conv_whose_output_is_also_read_elsewhere() -> None:
    model = paddle_model(shared_conv_output=True)
    assert ops(rewrite(model, rewrites.fold_conv_scale)) == ops(model)


def test_fuse_hard_swish_is_the_same_function_in_two_ops() -> None:
    model = paddle_model()
    fused = rewrite(model, rewrites.fuse_hard_swish)
    assert ops(fused) == ["Conv", "Mul", "Add", "HardSigmoid", "Mul"]
    # Across the whole curve: below -3 (0), the ramp, above 3 (identity).
    x = np.linspace(-8, 8, 3 * 8 * 8, dtype=np.float32).reshape(1, 3, 8, 8)
    np.testing.assert_allclose(run_all(fused, x)[0], run_all(model, x)[0], atol=1e-5)


def test_tidy_paddle_does_both_and_nothing_to_a_model_without_the_patterns() -> None:
    assert ops(tidy_paddle(paddle_model())) == ["Conv", "HardSigmoid", "Mul"]
    plain = conv_bn_model(weights_as_inputs=False)
    assert ops(tidy_paddle(plain)) == ops(plain)


def affine_model(readers: list[dict[str, object]], *, affine_is_output: bool = False) -> bytes:
    """x (1, 4, 8, 8) -> Relu -> Mul(s) -> Add(t) -> one Conv per entry of ``readers`` (kernel
    ``k``, ``pads``, ``group``, ``bias``), each conv a graph output."""
    rng = np.random.default_rng(3)
    nodes = [const("s", 0.8), const("t", 0.35),
             helper.make_node("Relu", ["x"], ["r"]),
             helper.make_node("Mul", ["r", "s"], ["m"]),
             helper.make_node("Add", ["m", "t"], ["a"])]
    outputs: dict[str, list[int] | None] = {}
    for i, spec in enumerate(readers):
        k, group = int(spec.get("k", 1)), int(spec.get("group", 1))
        inputs = ["a", f"w{i}"]
        nodes.append(const(f"w{i}", rng.normal(size=(4, 4 // group, k, k))))
        if spec.get("bias", True):
            nodes.append(const(f"b{i}", rng.normal(size=4)))
            inputs.append(f"b{i}")
        nodes.append(helper.make_node("Conv", inputs, [f"y{i}"], group=group,
                                      pads=spec.get("pads", [0, 0, 0, 0])))
        outputs[f"y{i}"] = None
    if affine_is_output:
        outputs["a"] = None
    return opset12_model(nodes, "affine", {"x": [1, 4, 8, 8]}, outputs)


@pytest.mark.parametrize(("readers", "affine_is_output", "folded"), [
    ([{}], False, True),  # the plain case: a 1x1 conv with a bias
    ([{"bias": False}], False, True),  # the shift becomes the conv's new bias
    ([{"group": 2}], False, True),  # grouped: each output sums only its group's inputs
    ([{}, {"bias": False}], False, True),  # two 1x1 readers: both take the fold
    ([{"k": 3, "pads": [1, 1, 1, 1]}], False, False),  # padding would read b, not 0
    ([{}, {"k": 3, "pads": [1, 1, 1, 1]}], False, False),  # one padded reader blocks it all
    ([{}], True, False),  # the affine's output is a graph output itself
])
def test_fold_affine_into_pointwise(readers: list[dict[str, object]], affine_is_output: bool,
                                    folded: bool) -> None:
    model = affine_model(readers, affine_is_output=affine_is_output)
    out = rewrite(model, rewrites.fold_affine_into_pointwise)
    assert ("Mul" not in ops(out)) is folded
    assert ops(out).count("Conv") == len(readers)
    x = np.random.default_rng(4).normal(size=(1, 4, 8, 8)).astype(np.float32)
    for got, want in zip(run_all(out, x), run_all(model, x), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-5)


def affine_after(source: str) -> bytes:
    """x (1, 4, 8, 8) -> [``source``] -> Mul(0.8) -> Add(0.35) -> padded 3x3 conv -> y, where
    ``source`` is "conv" (a Conv and a Relu: the channels can be traced) or "input" (x itself:
    they cannot)."""
    rng = np.random.default_rng(5)
    nodes = [const("s", 0.8), const("t", 0.35), const("w", rng.normal(size=(4, 4, 3, 3))),
             const("w0", rng.normal(size=(4, 4, 1, 1)))]
    feature = "x"
    if source == "conv":
        nodes += [helper.make_node("Conv", ["x", "w0"], ["c0"]),
                  helper.make_node("Relu", ["c0"], ["r"])]
        feature = "r"
    nodes += [helper.make_node("Mul", [feature, "s"], ["m"]),
              helper.make_node("Add", ["m", "t"], ["a"]),
              helper.make_node("Conv", ["a", "w"], ["y"], pads=[1, 1, 1, 1])]
    return opset12_model(nodes, "affine_after", {"x": [1, 4, 8, 8]}, {"y": None})


@pytest.mark.parametrize(("source", "expected"), [
    ("conv", ["Conv", "Relu", "Conv", "Conv"]),  # scale and shift: one depthwise conv
    ("input", ["Mul", "Add", "Conv"]),  # channels unknown: left alone
])
def test_affine_as_depthwise(source: str, expected: list[str]) -> None:
    model = affine_after(source)
    out = rewrite(model, rewrites.affine_as_depthwise)
    assert ops(out) == expected
    x = np.random.default_rng(6).normal(size=(1, 4, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(run_all(out, x)[0], run_all(model, x)[0], atol=1e-5)


def gated_model(*, gate_shape: tuple[int, ...], swapped: bool = False, self_gate: bool = False,
                mul_is_output: bool = False) -> bytes:
    """y = x + x * g (``swapped``: g * x + x); g is a second input of ``gate_shape``, or x
    itself (``self_gate``: x + x * x, which is no gate)."""
    gate = "x" if self_gate else "g"
    mul = helper.make_node("Mul", [gate, "x"] if swapped else ["x", gate], ["m"])
    add = helper.make_node("Add", ["m", "x"] if swapped else ["x", "m"], ["y"])
    outputs: dict[str, list[int] | None] = {"y": None}
    if mul_is_output:
        outputs["m"] = None
    return opset12_model([mul, add], "gated", {"x": [1, 4, 8, 8], "g": list(gate_shape)},
                         outputs)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"gate_shape": (1, 4, 1, 1)}, ["Add", "Mul"]),  # a per-channel gate, as in PP-OCR
    ({"gate_shape": (1, 4, 8, 8)}, ["Add", "Mul"]),  # a full-size gate: same cost, same sum
    ({"gate_shape": (1, 4, 1, 1), "swapped": True}, ["Add", "Mul"]),
    ({"gate_shape": (1, 4, 1, 1), "self_gate": True}, ["Mul", "Add"]),  # x + x * x
    ({"gate_shape": (1, 4, 1, 1), "mul_is_output": True}, ["Mul", "Add"]),  # x * g is needed
])
def test_gate_residual(kwargs: dict[str, object], expected: list[str]) -> None:
    model = gated_model(**kwargs)
    out = rewrite(model, rewrites.gate_residual)
    assert ops(out) == expected
    rng = np.random.default_rng(7)
    feeds = {"x": rng.normal(size=(1, 4, 8, 8)).astype(np.float32),
             "g": rng.uniform(0, 1, size=kwargs["gate_shape"]).astype(np.float32)}
    results = []
    for m in (out, model):
        sess = ort.InferenceSession(m, providers=["CPUExecutionProvider"])
        names = [i.name for i in sess.get_inputs()]
        results.append(sess.run(None, {k: v for k, v in feeds.items() if k in names}))
    for got, want in zip(*results, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.integration
@pytest.mark.parametrize(("name", "shape"), [("ppocr_v4_det", (1, 3, 96, 128)),
                                             ("ppocr_v4_rec", (1, 3, 48, 160))])
def test_tidied_ppocr_models_give_the_same_outputs(name: str, shape: tuple[int, ...]) -> None:
    from scanner.models.manifest import load_verified_bytes

    original = load_verified_bytes(name)
    tidied = tidy_paddle(original)
    assert len(ops(tidied)) < len(ops(original))
    # The scale/shift pairs after activations that feed 1x1 convolutions go too.
    without = rewrite(original, rewrites.fold_conv_scale, rewrites.fuse_hard_swish)
    assert len(ops(tidied)) < len(ops(without))
    x = np.random.default_rng(2).uniform(-1, 1, size=shape).astype(np.float32)
    run = {}
    for label, model in (("original", original), ("tidied", tidied)):
        sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
        run[label] = np.asarray(sess.run(None, {sess.get_inputs()[0].name: x})[0])
    np.testing.assert_allclose(run["tidied"], run["original"], atol=1e-4)


@pytest.mark.integration
def test_centerface_session_has_one_input() -> None:
    from scanner.config import ScanConfig
    from scanner.detectors.faces import CenterFaceDetector

    detector = CenterFaceDetector(ScanConfig())
    assert [i.name for i in detector._session.get_inputs()] == ["input.1"]


@pytest.mark.integration
def test_sessions_share_one_memory_arena() -> None:
    """Every session draws on the process's one arena (registered once, however many
    sessions are built), so faces, text and recognition reuse the same memory."""
    from scanner.detectors.faces import _prepare
    from scanner.models import onnx as onnx_mod

    built = [onnx_mod.session("centerface", _prepare), onnx_mod.session("ppocr_v4_rec")]
    onnx_mod._shared_arena()  # registering again is a no-op, not an onnxruntime error
    for sess in built:
        options = sess.get_session_options()
        assert options.get_session_config_entry("session.use_env_allocators") == "1"
