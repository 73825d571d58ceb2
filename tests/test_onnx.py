"""scanner.detectors.onnx: the load-time rewrites of model files, on a tiny model built here."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from scanner.detectors.onnx import constant_weights, make_dynamic


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
    fixed = constant_weights(listed)
    assert input_names(fixed) == ["x"]
    onnx.checker.check_model(onnx.load_from_string(fixed))
    x = np.random.default_rng(1).normal(size=(1, 3, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(run(fixed, x), run(listed, x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("weights_as_inputs", [False, True])
def test_constant_weights_is_idempotent(weights_as_inputs: bool) -> None:
    once = constant_weights(conv_bn_model(weights_as_inputs=weights_as_inputs))
    assert input_names(constant_weights(once)) == input_names(once) == ["x"]


def test_make_dynamic_then_constant_weights_takes_any_size() -> None:
    model = constant_weights(make_dynamic(conv_bn_model(weights_as_inputs=True),
                                          {"x": ["B", None, "H", "W"],
                                           "y": ["B", None, "H", "W"]}))
    for h, w in [(8, 8), (32, 20), (1, 1)]:
        x = np.zeros((1, 3, h, w), np.float32)
        assert run(model, x).shape == (1, 4, h, w)


@pytest.mark.integration
def test_centerface_session_has_one_input() -> None:
    from scanner.config import ScanConfig
    from scanner.detectors.faces import CenterFaceDetector

    detector = CenterFaceDetector(ScanConfig())
    assert [i.name for i in detector._session.get_inputs()] == ["input.1"]
