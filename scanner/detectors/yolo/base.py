"""Models the user added (ultralytics YOLO detectors), run as extra detectors.

One implementation per file format, listed by suffix in builtins.py: ``.onnx`` files are decoded
by PostSafe on onnxruntime (onnx.py: no torch needed), ``.pt`` files run through ultralytics
(pt.py, with the optional ``postsafe[yolo]`` extra). The helpers below mirror ultralytics'
own pre- and post-processing (LetterBox, non_max_suppression, scale_boxes) so that an exported
model finds the same boxes in PostSafe as in ultralytics.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import cv2
import numpy as np

from scanner.config import ScanConfig
from scanner.detectors.base import Detector
from scanner.errors import ModelError
from scanner.geometry import nms
from scanner.models.manifest import ModelSpec
from scanner.types import Finding, FindingKind, Region

PAD_VALUE = 114  # ultralytics' letterbox grey
MAX_DET = 300  # ultralytics' predict defaults
MAX_NMS = 30000
MAX_WH = 7680  # per-class offset that keeps NMS class-aware

ModelDetectorFactory = Callable[[ModelSpec, ScanConfig], Detector]


def ultralytics_env(offline: bool = True) -> None:
    """Settings for ultralytics before it is imported: never pip-install at run time, quiet,
    and (except for ``models fetch``) never go online."""
    os.environ.setdefault("YOLO_VERBOSE", "False")
    if offline:
        # Assigned, not defaulted: a YOLO_OFFLINE=0 or YOLO_AUTOINSTALL=1 left in the
        # environment must not let a scan reach the network or pip-install packages.
        os.environ["YOLO_AUTOINSTALL"] = "False"
        os.environ["YOLO_OFFLINE"] = "1"
    else:
        os.environ.setdefault("YOLO_AUTOINSTALL", "False")


def parse_names(value: object) -> list[str]:
    """Class names as ultralytics stores them: a dict {index: name} (or its repr), or a list."""
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError) as exc:
            raise ModelError(f"cannot read the model's class names: {exc}") from exc
    if isinstance(value, Mapping):
        try:
            indices = sorted(int(k) for k in value)
        except (TypeError, ValueError) as exc:
            raise ModelError("the model's class names are not indexed by number") from exc
        if indices != list(range(len(indices))):
            raise ModelError("the model's class indices are not 0..n-1")
        return [str(value[i]) if i in value else str(value[str(i)]) for i in indices]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    raise ModelError("the model does not name its classes")


def class_kinds(spec: ModelSpec, names: Sequence[str]) -> dict[int, FindingKind]:
    """Class index -> finding kind, from the spec's mapping (a face model maps every class)."""
    if spec.classes and list(spec.classes) != list(names):
        raise ModelError(f"model {spec.name}: the file's classes differ from the manifest's")
    mapping = dict(spec.kinds)
    if not mapping and spec.task == "detect-faces":
        mapping = dict.fromkeys(names, FindingKind.FACE.value)
    unknown = sorted(set(mapping) - set(names))
    if unknown:
        raise ModelError(f"model {spec.name}: unknown class {unknown[0]!r} in its kinds "
                         f"(the model has: {', '.join(names[:12])}"
                         f"{', ...' if len(names) > 12 else ''})")
    return {i: FindingKind(mapping[n]) for i, n in enumerate(names) if n in mapping}


def letterbox(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` scaled to fit (height, width) and centred on grey, like ultralytics'
    LetterBox(auto=False, center=True): same rounding, same bilinear resize, same padding."""
    h0, w0 = image.shape[:2]
    r = min(size[0] / h0, size[1] / w0)
    new_unpad = (max(round(w0 * r), 1), max(round(h0 * r), 1))
    dw, dh = (size[1] - new_unpad[0]) / 2, (size[0] - new_unpad[1]) / 2
    img = image
    if (w0, h0) != new_unpad:
        img = cv2.resize(image, new_unpad, interpolation=cv2.INTER_LINEAR)
    top, bottom = round(dh - 0.1), round(dh + 0.1)
    left, right = round(dw - 0.1), round(dw + 0.1)
    return np.asarray(cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT,
                                         value=(PAD_VALUE,) * 3))


def scale_back(boxes: np.ndarray, size: tuple[int, int], shape: tuple[int, int]) -> np.ndarray:
    """xyxy boxes from the letterboxed (height, width) ``size`` to the image's ``shape``, clipped
    (ultralytics' scale_boxes)."""
    h0, w0 = shape
    gain = min(size[0] / h0, size[1] / w0)
    new_h, new_w = max(round(h0 * gain), 1), max(round(w0 * gain), 1)
    gain_y, gain_x = new_h / h0, new_w / w0
    pad_x = round((size[1] - new_w) / 2 - 0.1)
    pad_y = round((size[0] - new_h) / 2 - 0.1)
    out = boxes.astype(np.float32, copy=True)
    out[:, [0, 2]] = np.clip((out[:, [0, 2]] - pad_x) / gain_x, 0, w0)
    out[:, [1, 3]] = np.clip((out[:, [1, 3]] - pad_y) / gain_y, 0, h0)
    return out


def decode(pred: np.ndarray, conf: float, iou: float, classes: Sequence[int] | None = None,
           end2end: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One image's raw output -> (xyxy boxes, scores, class indices), best first.

    ``pred`` is (4 + nc, N): cx, cy, w, h and a score per class (ultralytics' export of a
    Detect head), or (N, 6) x1, y1, x2, y2, score, class for end-to-end models. Like
    ultralytics' non_max_suppression: best class per box, score > conf, class-aware NMS."""
    pred = np.asarray(pred, dtype=np.float32)
    if end2end:
        if pred.ndim != 2 or pred.shape[1] < 6:
            raise ModelError(f"unexpected end-to-end YOLO output shape {pred.shape}")
        keep = pred[:, 4] > conf
        if classes is not None:
            keep &= np.isin(pred[:, 5].astype(np.int64), list(classes))
        sel = pred[keep][:MAX_DET]
        return sel[:, :4].copy(), sel[:, 4].copy(), sel[:, 5].astype(np.int64)
    if pred.ndim != 2 or pred.shape[0] < 5:
        raise ModelError(f"unexpected YOLO output shape {pred.shape}")
    cls_scores = pred[4:]
    best = cls_scores.argmax(axis=0)
    score = cls_scores[best, np.arange(cls_scores.shape[1])]
    keep = score > conf
    if classes is not None:
        keep &= np.isin(best, list(classes))
    xywh, score, best = pred[:4, keep].T, score[keep], best[keep]
    if len(score) > MAX_NMS:
        top = np.argsort(-score, kind="stable")[:MAX_NMS]
        xywh, score, best = xywh[top], score[top], best[top]
    boxes = np.empty_like(xywh)
    half_w, half_h = xywh[:, 2] / 2, xywh[:, 3] / 2
    boxes[:, 0], boxes[:, 1] = xywh[:, 0] - half_w, xywh[:, 1] - half_h
    boxes[:, 2], boxes[:, 3] = xywh[:, 0] + half_w, xywh[:, 1] + half_h
    offset = best[:, None].astype(np.float32) * MAX_WH
    kept = nms(boxes + offset, score, iou)[:MAX_DET]
    return boxes[kept], score[kept], best[kept]


def findings(spec: ModelSpec, names: Sequence[str], kinds: Mapping[int, FindingKind],
             boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray) -> list[Finding]:
    out: list[Finding] = []
    for box, score, cls in zip(boxes, scores, classes, strict=True):
        kind = kinds.get(int(cls))
        if kind is None:
            continue
        x1, y1, x2, y2 = (float(v) for v in box)
        out.append(Finding(kind, Region(x1, y1, x2, y2), float(score), spec.name,
                           detail=f"a {names[int(cls)]} ({spec.name})"))
    return out


class YoloDetector:
    """What both backends share once they can ``predict``: findings for the mapped classes
    only, and no second look during verification."""

    name: str
    spec: ModelSpec
    names: list[str]
    kinds: dict[int, FindingKind]

    def predict(self, image: np.ndarray, classes: list[int] | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(xyxy boxes in image pixels, scores, class indices), as ultralytics predicts them."""
        raise NotImplementedError

    @property
    def finds(self) -> frozenset[FindingKind]:
        return frozenset(self.kinds.values())

    def detect(self, image: np.ndarray) -> list[Finding]:
        if not self.kinds:
            return []
        boxes, scores, cls = self.predict(image, sorted(self.kinds))
        return findings(self.spec, self.names, self.kinds, boxes, scores, cls)

    def recheck(self, image: np.ndarray) -> list[Finding]:
        # An object detector still sees a filled screen as a screen (and a person whose face
        # is a mosaic as a person): that is no leak. Whether a fill held is judged by its
        # pixels changing and by the face and text detectors looking again
        # (scanner.pipeline.verify).
        return []


def static_hw(shape: Sequence[Any], spec: ModelSpec) -> tuple[int, int]:
    """The (height, width) an NCHW input expects: from the file, else the manifest, else 640."""
    if len(shape) == 4 and all(isinstance(d, int) and d > 0 for d in shape[2:]):
        return int(shape[2]), int(shape[3])
    return spec.input_size or (640, 640)
