"""PP-OCRv4 recognition, used only to classify what a text region holds (via scanner.detectors.pii).

The recognised strings stay inside the detector: findings carry category keys and a plain
description, never the text itself.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from scanner.errors import ModelError
from scanner.models.onnx import session
from scanner.models.rewrites import tidy_paddle
from scanner.types import Finding

log = logging.getLogger(__name__)

MODEL = "ppocr_v4_rec"
_HEIGHT = 48
_MAX_WIDTH = 640
MIN_CONFIDENCE = 0.4
# One or two characters are what texture reads as most (a clock face as one Chinese character,
# zebra stripes as "un"); real ones (a key, a room number) read clearly.
MIN_CONFIDENCE_SHORT = 0.8
# Round things (a cup's rim, a clock face, a plate, a wheel) read as one or two round letters,
# often confidently ("Q" at 0.91 on a coffee cup); one or two of these alone say nothing private.
# Digits other than zero are kept: a door's number is part of an address.
_ROUND = frozenset("0OoQqDCcGe")


def _crop(image: np.ndarray, line: Finding) -> np.ndarray | None:
    """The line straightened: its rotated rectangle warped flat, so a tilted line is read
    alone rather than with slices of its neighbours."""
    h, w = image.shape[:2]
    if line.shape is not None and len(line.shape.points) == 4:
        pts = np.asarray(line.shape.points, dtype=np.float32)
        rect = cv2.minAreaRect(pts)
        box = _order(cv2.boxPoints(rect))
        width = int(round(max(np.linalg.norm(box[0] - box[1]), np.linalg.norm(box[2] - box[3]))))
        height = int(round(max(np.linalg.norm(box[0] - box[3]), np.linalg.norm(box[1] - box[2]))))
        if width >= 4 and height >= 4:
            dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
            m = cv2.getPerspectiveTransform(box, dst)
            crop = cv2.warpPerspective(image, m, (width, height), flags=cv2.INTER_LINEAR,
                                       borderMode=cv2.BORDER_REPLICATE)
        else:
            return None
    else:
        x1, y1, x2, y2 = line.region.clip(w, h).to_int()
        if x2 - x1 < 4 or y2 - y1 < 4:
            return None
        crop = image[y1:y2, x1:x2]
    if crop.shape[0] > 1.5 * crop.shape[1]:
        crop = np.rot90(crop)  # a vertical line of Latin text, read sideways
    return np.ascontiguousarray(crop)


def _order(pts: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left (long side horizontal)."""
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # from the left, clockwise in image coordinates
    start = int(np.argmin(pts.sum(axis=1)))
    pts = np.roll(pts, -start, axis=0)
    if np.linalg.norm(pts[0] - pts[1]) < np.linalg.norm(pts[0] - pts[3]):
        pts = np.roll(pts, -1, axis=0)  # the long side runs along the line
    return pts.astype(np.float32)


class TextRecognizer:
    def __init__(self) -> None:
        self._session = session(MODEL, tidy_paddle)
        self._input = self._session.get_inputs()[0].name
        meta = self._session.get_modelmeta().custom_metadata_map
        if "character" not in meta:
            raise ModelError("the recognition model carries no character table")
        # CTC classes: 0 is the blank, then the model's table, then a space.
        self._chars = ["", *meta["character"].splitlines(), " "]

    def read(self, image: np.ndarray, lines: Sequence[Finding],
             limit: int = 160) -> list[Reading | None]:
        """What each line says and how sure the model is; None for lines not read (beyond
        ``limit``, largest lines first). A line too small to crop reads as nothing: under
        4 px it is a speck, not text anyone can read."""
        order_by_size = sorted(range(len(lines)), key=lambda i: -lines[i].region.area)[:limit]
        crops: dict[int, np.ndarray] = {}
        readings: list[Reading | None] = [None] * len(lines)
        for i in order_by_size:
            crop = _crop(image, lines[i])
            if crop is not None:
                crops[i] = crop
            else:
                readings[i] = Reading("", 0.0)
        # One line a call, at its own width: batches must be padded to their widest line, and
        # on the CPU that padding costs more than the calls it saves (7 page photos, one core:
        # 0.54 s a photo one by one, 0.74 s in batches of 8, 0.67 s in batches of equal width).
        # Unpadded lines are also read as the model reads them alone.
        for i, crop in crops.items():
            reading = self._run(crop)
            if not reading.readable and lines[i].region.height > 1.5 * lines[i].region.width:
                # A vertical line straightened may be upside down: names on a pillar or a
                # spine read bottom to top as often as top to bottom.
                turned = self._run(np.ascontiguousarray(crop[::-1, ::-1]))
                if turned.readable:
                    reading = turned
            readings[i] = reading
        return readings

    def _run(self, crop: np.ndarray) -> Reading:
        width = min(_MAX_WIDTH, max(8, math.ceil(_HEIGHT * crop.shape[1] / crop.shape[0])))
        resized = cv2.resize(crop, (width, _HEIGHT), interpolation=cv2.INTER_LINEAR)
        blob = (resized[:, :, ::-1].transpose(2, 0, 1)[None] / 127.5 - 1.0).astype(np.float32)
        (probs,) = self._session.run(None, {self._input: blob})
        return self._decode(probs[0])

    def _decode(self, probs: np.ndarray) -> Reading:
        best = probs.argmax(axis=1)
        keep = np.ones(len(best), dtype=bool)
        keep[1:] = best[1:] != best[:-1]
        keep &= best != 0
        text = "".join(self._chars[i] for i in best[keep] if i < len(self._chars))
        confidence = float(probs.max(axis=1)[keep].mean()) if keep.any() else 0.0
        return Reading(text, confidence)


@dataclass(frozen=True, slots=True)
class Reading:
    text: str
    confidence: float  # mean probability of the decoded characters

    @property
    def readable(self) -> bool:
        """Texture (gravel, foliage, a flag's stars, a clock face) fires the line detector too;
        it reads as nothing, or as a stray letter or two at low confidence, or as a round
        letter. Real text reads above ~0.6, and a single letter or digit far above it."""
        letters = [ch for ch in self.text if ch.isalnum()]
        if not letters:
            return False
        if len(letters) <= 2:
            return self.confidence >= MIN_CONFIDENCE_SHORT and not set(letters) <= _ROUND
        return self.confidence >= MIN_CONFIDENCE
