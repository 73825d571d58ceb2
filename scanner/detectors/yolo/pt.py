"""A YOLO ``.pt`` checkpoint run through ultralytics (needs the ``postsafe[yolo]`` extra).

torch and ultralytics are imported only when such a model is actually used.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from scanner.config import ScanConfig
from scanner.detectors.yolo import base as yolo
from scanner.errors import ModelError
from scanner.models.manifest import ModelSpec, read_verified

log = logging.getLogger(__name__)

EXTRA_HINT = "install the optional extra: pip install 'postsafe[yolo]'"


def load_checkpoint(data: bytes, label: str) -> Any:
    """An ultralytics YOLO model from verified bytes (loaded from a private copy, so the file
    that runs is the one that was checked)."""
    yolo.ultralytics_env()
    try:
        from ultralytics import YOLO
    except ImportError as exc:
        raise ModelError(f"model {label} is a .pt file: {EXTRA_HINT}") from exc
    with tempfile.TemporaryDirectory(prefix="postsafe-model-") as tmp:
        path = Path(tmp) / "model.pt"
        path.write_bytes(data)
        try:
            return YOLO(str(path), task="detect")
        except Exception as exc:  # torch/ultralytics raise many kinds of errors for bad files
            raise ModelError(f"model {label}: ultralytics could not load it: {exc}") from exc


class YoloPtDetector(yolo.YoloDetector):
    def __init__(self, spec: ModelSpec, config: ScanConfig) -> None:
        self.name = spec.name
        self.spec = spec
        # Uncached read: the detector is built once and keeps the loaded model, not the bytes.
        self._model = load_checkpoint(read_verified(spec), spec.name)
        self.names = yolo.parse_names(self._model.names)
        self.kinds = yolo.class_kinds(spec, self.names)
        size = spec.input_size or (640, 640)
        self.imgsz = list(size)

    def predict(self, image: np.ndarray, classes: list[int] | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # ultralytics takes BGR arrays; PostSafe's pixels are RGB. rect=False letterboxes to the
        # full input size, as an exported .onnx of the same model is run, so both find the same.
        result = self._model.predict(np.ascontiguousarray(image[..., ::-1]), imgsz=self.imgsz,
                                     conf=self.spec.confidence, iou=self.spec.iou,
                                     classes=classes, rect=False, verbose=False)[0]
        b = result.boxes
        return (b.xyxy.cpu().numpy(), b.conf.cpu().numpy(),
                b.cls.cpu().numpy().astype(np.int64))
