"""PP-OCRv4 recognition, used only to classify what a text region holds (via scanner.pii).

The recognised strings stay inside the detector: findings carry category keys and a plain
description, never the text itself.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import cv2
import numpy as np

from scanner.detectors.onnx import session
from scanner.errors import ModelError
from scanner.types import Region

log = logging.getLogger(__name__)

MODEL = "ppocr_v4_rec"
_HEIGHT = 48
_MAX_WIDTH = 640
_BATCH = 8


class TextRecognizer:
    def __init__(self) -> None:
        self._session = session(MODEL)
        self._input = self._session.get_inputs()[0].name
        meta = self._session.get_modelmeta().custom_metadata_map
        if "character" not in meta:
            raise ModelError("the recognition model carries no character table")
        # CTC classes: 0 is the blank, then the model's table, then a space.
        self._chars = ["", *meta["character"].splitlines(), " "]

    def read(self, image: np.ndarray, regions: Sequence[Region], limit: int = 96) -> list[str]:
        """The text of each region (largest first, at most ``limit`` regions)."""
        h, w = image.shape[:2]
        chosen = sorted(regions, key=lambda r: -r.area)[:limit]
        crops: list[np.ndarray] = []
        for r in chosen:
            x1, y1, x2, y2 = r.clip(w, h).to_int()
            if x2 - x1 < 4 or y2 - y1 < 4:
                continue
            crop = image[y1:y2, x1:x2]
            if crop.shape[0] > 1.5 * crop.shape[1]:
                crop = np.rot90(crop)  # a vertical line of Latin text, read sideways
            crops.append(crop)
        order = sorted(range(len(crops)), key=lambda i: crops[i].shape[1] / crops[i].shape[0])
        texts = [""] * len(crops)
        for start in range(0, len(order), _BATCH):
            batch = [crops[i] for i in order[start : start + _BATCH]]
            for i, text in zip(order[start : start + _BATCH], self._run(batch), strict=True):
                texts[i] = text
        return texts

    def _run(self, crops: list[np.ndarray]) -> list[str]:
        widths = [min(_MAX_WIDTH, max(8, math.ceil(_HEIGHT * c.shape[1] / c.shape[0])))
                  for c in crops]
        blob = np.zeros((len(crops), 3, _HEIGHT, max(widths)), dtype=np.float32)
        for i, (crop, cw) in enumerate(zip(crops, widths, strict=True)):
            resized = cv2.resize(crop, (cw, _HEIGHT), interpolation=cv2.INTER_LINEAR)
            blob[i, :, :, :cw] = resized[:, :, ::-1].transpose(2, 0, 1) / 127.5 - 1.0
        (probs,) = self._session.run(None, {self._input: blob})
        return [self._decode(p) for p in probs]

    def _decode(self, probs: np.ndarray) -> str:
        best = probs.argmax(axis=1)
        keep = np.ones(len(best), dtype=bool)
        keep[1:] = best[1:] != best[:-1]
        keep &= best != 0
        return "".join(self._chars[i] for i in best[keep] if i < len(self._chars))
