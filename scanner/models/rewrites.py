"""Rewrites of model files applied when they are loaded (after their sha256 check), so the
files stay byte for byte what their wheels ship: a static input made dynamic, exporters'
spellings that keep onnxruntime from fusing what it normally fuses, and arithmetic respelt in
ops that onnxruntime runs without leaving its fast convolution layout. Each keeps the outputs
the same up to float rounding (tests/test_rewrites.py: small models and the real ones).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


def rewrite(model_bytes: bytes, *steps: Callable[[Any], None]) -> bytes:
    """Parse the file once, apply each step (each edits the ModelProto in place), serialise once
    (a parse and a serialisation per step would copy a large model several times)."""
    import onnx

    model = onnx.load_from_string(model_bytes)
    for step in steps:
        step(model)
    return bytes(model.SerializeToString())


def make_dynamic(model: Any, dims: dict[str, list[str | None]]) -> None:
    """Rewrite the named inputs/outputs' static dims as symbolic ones (None keeps a dim)."""
    for value in list(model.graph.input) + list(model.graph.output):
        names = dims.get(value.name)
        if not names:
            continue
        for dim, symbol in zip(value.type.tensor_type.shape.dim, names, strict=False):
            if symbol:
                dim.ClearField("dim_value")
                dim.dim_param = symbol


def constant_weights(model: Any) -> None:
    """Stop listing the weights as graph inputs.

    Older exporters (CenterFace's among them) list every initializer as an input too, which
    tells onnxruntime that a caller may override it: it then cannot fold batch norms into
    convolutions or fuse activations. Measured on CenterFace at 1024 x 768, one core:
    0.147 s -> 0.066 s a pass, outputs equal within 5e-5.
    """
    if model.ir_version < 4:
        # Before IR 4 every initializer must also be a graph input; onnxruntime's own
        # remove_initializer_from_input skips such files too.
        return
    weights = {init.name for init in model.graph.initializer}
    inputs = [value for value in model.graph.input if value.name not in weights]
    if len(inputs) != len(model.graph.input):
        del model.graph.input[:]
        model.graph.input.extend(inputs)


class _Graph:
    """What the rewrites below need to know about a graph: its constant tensors (initializers
    or Constant nodes: Paddle's exporter writes weights as nodes; editing a TensorProto in
    place edits the model), the scalar ones as floats, and who reads each value."""

    def __init__(self, graph: Any) -> None:
        from onnx import numpy_helper

        self.graph = graph
        self.tensors = {init.name: init for init in graph.initializer}
        for node in graph.node:
            if node.op_type == "Constant" and len(node.attribute) == 1 \
                    and node.attribute[0].name == "value":
                self.tensors[node.output[0]] = node.attribute[0].t
        self.scalars = {name: float(numpy_helper.to_array(t).reshape(-1)[0])
                        for name, t in self.tensors.items() if int(np.prod(t.dims)) == 1}
        self.users: dict[str, list[Any]] = {}
        for node in graph.node:
            for name in node.input:
                self.users.setdefault(name, []).append(node)
        self.outputs = {value.name for value in graph.output}
        self.producer = {out: node for node in graph.node for out in node.output}

    def only_user(self, name: str, op_type: str) -> Any:
        found = self.users.get(name, [])
        if name in self.outputs or len(found) != 1 or found[0].op_type != op_type:
            return None
        return found[0]

    def scalar_operand(self, node: Any, name: str) -> float | None:
        """The other operand of binary ``node`` when it is a constant scalar."""
        others = [i for i in node.input if i != name]
        if len(node.input) != 2 or len(others) != 1 or others[0] not in self.scalars:
            return None
        return self.scalars[others[0]]

    def own_params(self, conv: Any) -> bool:
        """Whether ``conv`` has constant weights (and bias) that no other node reads, so they
        can be rewritten for it alone."""
        params = list(conv.input[1:])
        return bool(params) and all(p in self.tensors and len(self.users.get(p, [])) == 1
                                    for p in params)

    def conv_params(self, conv: Any) -> tuple[np.ndarray, np.ndarray]:
        """A convolution's weight and bias (zeros when it has none), float32."""
        from onnx import numpy_helper

        w = numpy_helper.to_array(self.tensors[conv.input[1]]).astype(np.float32)
        b = (numpy_helper.to_array(self.tensors[conv.input[2]]).astype(np.float32)
             if len(conv.input) > 2 else np.zeros(w.shape[0], np.float32))
        return w, b

    def set_conv_params(self, conv: Any, weight: np.ndarray, bias: np.ndarray) -> None:
        """Replace a convolution's weight and bias in place (a bias is added if it had none)."""
        from onnx import numpy_helper

        tensor = self.tensors[conv.input[1]]
        tensor.CopyFrom(numpy_helper.from_array(weight.astype(np.float32), tensor.name))
        if len(conv.input) > 2:
            tensor = self.tensors[conv.input[2]]
            tensor.CopyFrom(numpy_helper.from_array(bias.astype(np.float32), tensor.name))
        else:
            name = f"{conv.output[0]}_folded_bias"
            self.graph.initializer.append(numpy_helper.from_array(bias.astype(np.float32), name))
            conv.input.append(name)

    def replace_nodes(self, gone: set[int], new: dict[int, list[Any]] | None = None) -> None:
        """Drop the nodes whose id() is in ``gone``; put ``new[id]`` in place of a node."""
        new = new or {}
        nodes: list[Any] = []
        for node in self.graph.node:
            if id(node) in new:
                nodes.extend(new[id(node)])
            elif id(node) not in gone:
                nodes.append(node)
        del self.graph.node[:]
        self.graph.node.extend(nodes)


def fold_conv_scale(model: Any) -> None:
    """Fold ``Conv -> Mul(scalar) [-> Add(scalar)]`` into the convolution's weights and bias.

    PP-OCRv4's backbone ends many convolutions with a learnable scale and shift (two scalars).
    onnxruntime turns Constant nodes into initializers and fuses a rank-0 scalar Mul into a
    Conv, but not a shape-[1] one (all 28 in ppocr_v4_det are shape [1]) nor the Add after
    it (checked with onnxruntime 1.32), so each costs two passes over the feature map. Folded:
    ``s * (W * x + B) + t == (s * W) * x + (s * B + t)``, the same up to float rounding.
    """
    g = _Graph(model.graph)
    folded: set[int] = set()
    convs = 0
    for conv in model.graph.node:
        if conv.op_type != "Conv" or not g.own_params(conv):
            continue
        mul = g.only_user(conv.output[0], "Mul")
        scale = None if mul is None else g.scalar_operand(mul, conv.output[0])
        if mul is None or scale is None:
            continue
        last, shift = mul, 0.0
        add = g.only_user(mul.output[0], "Add")
        if add is not None and (t := g.scalar_operand(add, mul.output[0])) is not None:
            last, shift = add, t
        w, b = g.conv_params(conv)
        g.set_conv_params(conv, w * np.float32(scale), b * np.float32(scale) + np.float32(shift))
        conv.output[0] = last.output[0]
        folded |= {id(mul), id(last)}
        convs += 1
    g.replace_nodes(folded)
    log.debug("folded a scale/shift into %d convolutions", convs)


def fuse_hard_swish(model: Any) -> None:
    """Rewrite hard-swish written out as ``x * Clip(x + 3, 0, 6) / 6`` (four passes over the
    feature map, the exporter's spelling for opset 12) as ``x * HardSigmoid(x)`` with alpha
    1/6 and beta 0.5: the same function, in two passes."""
    from onnx import helper

    g = _Graph(model.graph)
    gone: set[int] = set()
    new: dict[int, list[Any]] = {}
    for clip in model.graph.node:
        if clip.op_type != "Clip" or len(clip.input) != 3 \
                or g.scalars.get(clip.input[1]) != 0.0 or g.scalars.get(clip.input[2]) != 6.0:
            continue
        add = g.producer.get(clip.input[0])
        if add is None or add.op_type != "Add" or g.only_user(add.output[0], "Clip") is None:
            continue
        xs = [i for i in add.input if g.scalars.get(i) != 3.0]
        if len(add.input) != 2 or len(xs) != 1:
            continue
        x = xs[0]
        mul = g.only_user(clip.output[0], "Mul")
        if mul is None or sorted(mul.input) != sorted([x, clip.output[0]]):
            continue
        div = g.only_user(mul.output[0], "Div")
        if div is None or div.input[0] != mul.output[0] or g.scalars.get(div.input[1]) != 6.0:
            continue
        gate = f"{clip.output[0]}_hard_sigmoid"
        new[id(add)] = [
            helper.make_node("HardSigmoid", [x], [gate], alpha=1 / 6, beta=0.5),
            helper.make_node("Mul", [x, gate], [div.output[0]]),
        ]
        gone |= {id(clip), id(mul), id(div)}
    g.replace_nodes(gone, new)
    log.debug("fused %d hard-swish activations", len(new))


def fold_affine_into_pointwise(model: Any) -> None:
    """Fold ``Mul(scalar) -> Add(scalar)`` into the 1x1 convolutions that read its output.

    PP-OCRv4's backbone ends each activation with a learnable scale and shift too; those after
    a nonlinearity cannot go into the convolution before them, but a 1x1 convolution after
    them sees every input pixel alike: ``W * (a * x + b) + B == (a * W) * x + (B + b * sum(W))``
    (summed over each output's inputs), the same up to float rounding. Convolutions with
    padding are left alone: their zero padding would become ``b`` (measured on ppocr_v4_det:
    folding those too saves another 10% but moves border pixels of the text map by up to 1.0).
    """
    g = _Graph(model.graph)
    folded: set[int] = set()
    for mul in model.graph.node:
        pair = _affine(g, mul)
        if pair is None or pair[1].output[0] in g.outputs:
            continue
        x, add, scale, shift = pair
        readers = g.users.get(add.output[0], [])
        if not readers or not all(_pointwise(g, conv, add.output[0]) for conv in readers):
            continue
        for conv in readers:
            w, b = g.conv_params(conv)
            g.set_conv_params(conv, w * np.float32(scale),
                              b + np.float32(shift) * w.sum(axis=(1, 2, 3)))
            conv.input[0] = x
        folded |= {id(mul), id(add)}
    g.replace_nodes(folded)
    log.debug("folded %d scale/shift pairs into the 1x1 convolutions after them",
              len(folded) // 2)


def _pointwise(g: _Graph, conv: Any, name: str) -> bool:
    """Whether ``conv`` is a 1x1, unpadded convolution reading ``name`` as its input, with
    weights (and bias) that nothing else reads."""
    from onnx import helper

    if conv.op_type != "Conv" or conv.input[0] != name or not g.own_params(conv):
        return False
    attrs = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
    dims = list(g.tensors[conv.input[1]].dims)
    return (len(dims) == 4 and dims[2:] == [1, 1] and not any(attrs.get("pads", []))
            and attrs.get("auto_pad", b"NOTSET") in (b"NOTSET", b"VALID"))


def affine_as_depthwise(model: Any) -> None:
    """Rewrite each remaining ``Mul(scalar) -> Add(scalar)`` on a feature map as one 1x1
    depthwise convolution (weight the scale, bias the shift, for every channel).

    The same arithmetic, but onnxruntime keeps convolutions in its blocked (NCHWc) layout,
    while a scalar Mul and Add each take a pass over the map and force a layout change out and
    back in around them (measured, one core: ppocr_v4_det 8% faster at 1280 x 992,
    ppocr_v4_rec 9% at 480 x 48). Maps whose channel count cannot be traced back to a
    convolution are left alone.
    """
    from onnx import helper, numpy_helper

    g = _Graph(model.graph)
    gone: set[int] = set()
    new: dict[int, list[Any]] = {}
    for mul in model.graph.node:
        pair = _affine(g, mul)
        if pair is None:
            continue
        x, add, scale, shift = pair
        channels = _channels(g, x)
        if channels is None:
            continue
        weight, bias = f"{add.output[0]}_dw_weight", f"{add.output[0]}_dw_bias"
        model.graph.initializer.extend([
            numpy_helper.from_array(np.full((channels, 1, 1, 1), scale, np.float32), weight),
            numpy_helper.from_array(np.full(channels, shift, np.float32), bias),
        ])
        new[id(mul)] = [helper.make_node("Conv", [x, weight, bias], [add.output[0]],
                                         group=channels, kernel_shape=[1, 1])]
        gone.add(id(add))
    g.replace_nodes(gone, new)
    log.debug("%d scale/shift pairs run as depthwise convolutions", len(new))


def _affine(g: _Graph, mul: Any) -> tuple[str, Any, float, float] | None:
    """``(x, add, a, b)`` when ``mul`` starts ``a * x + b`` with constant scalars a and b."""
    if mul.op_type != "Mul" or len(mul.input) != 2:
        return None
    x = next((i for i in mul.input if i not in g.scalars), None)
    scale = None if x is None else g.scalar_operand(mul, x)
    add = g.only_user(mul.output[0], "Add")
    shift = None if add is None else g.scalar_operand(add, mul.output[0])
    if x is None or scale is None or shift is None:
        return None
    return x, add, scale, shift


# Ops whose output has the channels of their first input.
_SAME_CHANNELS = {"Mul", "Add", "Sub", "Div", "HardSigmoid", "Sigmoid", "Relu", "Clip",
                  "BatchNormalization"}


def _channels(g: _Graph, name: str, depth: int = 8) -> int | None:
    """The channel count of feature map ``name``, traced back to the convolution making it."""
    node = g.producer.get(name)
    if node is None or depth == 0:
        return None
    if node.op_type == "Conv" and len(node.input) > 1 and node.input[1] in g.tensors:
        dims = list(g.tensors[node.input[1]].dims)
        return int(dims[0]) if len(dims) == 4 else None
    if node.op_type in _SAME_CHANNELS:
        maps = [i for i in node.input if i not in g.tensors]
        return _channels(g, maps[0], depth - 1) if maps else None
    return None


def gate_residual(model: Any) -> None:
    """Rewrite ``x + x * s`` as ``x * (s + 1)``.

    PP-OCRv4's text detector ends each of its neck's attention blocks this way, with ``s`` one
    number per channel: the sum then takes one pass over a small tensor instead of a pass over
    the feature map (onnxruntime's profiler, one core: ppocr_v4_det 4% faster at 1280 x 992).
    """
    from onnx import helper, numpy_helper

    g = _Graph(model.graph)
    gone: set[int] = set()
    new: dict[int, list[Any]] = {}
    for add in model.graph.node:
        if add.op_type != "Add" or len(add.input) != 2:
            continue
        for x, other in (add.input, add.input[::-1]):
            mul = g.producer.get(other)
            if mul is None or mul.op_type != "Mul" or x not in mul.input \
                    or g.only_user(mul.output[0], "Add") is not add or len(mul.input) != 2:
                continue
            gate = mul.input[1] if mul.input[0] == x else mul.input[0]
            if gate == x:
                continue
            one, opened = f"{add.output[0]}_one", f"{add.output[0]}_gate"
            model.graph.initializer.append(numpy_helper.from_array(np.array(1.0, np.float32), one))
            new[id(add)] = [helper.make_node("Add", [gate, one], [opened]),
                            helper.make_node("Mul", [x, opened], [add.output[0]])]
            gone.add(id(mul))
            break
    g.replace_nodes(gone, new)
    log.debug("%d residual gates rewritten", len(new))


def tidy_paddle(model_bytes: bytes) -> bytes:
    """PP-OCR's exported files, made cheaper to run with the same outputs (see above)."""
    return rewrite(model_bytes, fold_conv_scale, fuse_hard_swish, fold_affine_into_pointwise,
                   affine_as_depthwise, gate_residual)
