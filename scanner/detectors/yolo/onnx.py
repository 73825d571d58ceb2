"""A YOLO detector exported to ONNX by ultralytics, decoded by PostSafe on onnxruntime.

The core needs no torch: the letterbox, decoding and NMS live in yolo.py and mirror ultralytics'
own, so boxes match what ``YOLO(model).predict`` gives (tests/test_yolo.py checks this).
"""

from __future__ import annotations

import logging

import numpy as np

from scanner.config import ScanConfig
from scanner.detectors.yolo import base as yolo
from scanner.errors import ModelError
from scanner.models.manifest import ModelSpec
from scanner.models.onnx import session

log = logging.getLogger(__name__)


def describe(sess: object, spec: ModelSpec) -> tuple[list[str], tuple[int, int], bool]:
    """(class names, input (height, width), end-to-end?) of an ultralytics ONNX export."""
    meta = sess.get_modelmeta().custom_metadata_map  # type: ignore[attr-defined]
    if "names" in meta:
        names = yolo.parse_names(meta["names"])
    elif spec.classes:
        names = list(spec.classes)
    else:
        raise ModelError(f"model {spec.name}: the file does not name its classes (export it "
                         "with ultralytics, or list classes in the manifest)")
    inputs = sess.get_inputs()  # type: ignore[attr-defined]
    if len(inputs) != 1 or len(inputs[0].shape) != 4:
        raise ModelError(f"model {spec.name}: expected one NCHW image input")
    end2end = str(meta.get("end2end", "False")) == "True"
    out_shape = sess.get_outputs()[0].shape  # type: ignore[attr-defined]
    rows = out_shape[1] if len(out_shape) == 3 else None
    if len(out_shape) == 3 and out_shape[2] == 6 and rows != 4 + len(names):
        end2end = True  # exported with nms=True: (1, max_det, 6) boxes, like end-to-end models
    if not end2end and isinstance(rows, int) and rows != 4 + len(names):
        raise ModelError(f"model {spec.name}: output has {rows} rows, expected 4 + "
                         f"{len(names)} classes (is it an ultralytics detection model?)")
    return names, yolo.static_hw(inputs[0].shape, spec), end2end


class YoloOnnxDetector(yolo.YoloDetector):
    def __init__(self, spec: ModelSpec, config: ScanConfig) -> None:
        self.name = spec.name
        self.spec = spec
        self._session = session(spec.name)
        self.names, self.size, self.end2end = describe(self._session, spec)
        self.kinds = yolo.class_kinds(spec, self.names)
        self._input = self._session.get_inputs()[0].name
        log.debug("model %s: %s, %d classes, %d mapped", spec.name, self.size, len(self.names),
                  len(self.kinds))

    def raw(self, image: np.ndarray) -> np.ndarray:
        """The model's output for an RGB uint8 image (one image: batch axis removed)."""
        x = yolo.letterbox(image, self.size)
        blob = np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32) / 255.0
        return np.asarray(self._session.run(None, {self._input: blob})[0])[0]

    def predict(self, image: np.ndarray, classes: list[int] | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        boxes, scores, cls = yolo.decode(self.raw(image), self.spec.confidence, self.spec.iou,
                                         classes, self.end2end)
        return yolo.scale_back(boxes, self.size, image.shape[:2]), scores, cls
