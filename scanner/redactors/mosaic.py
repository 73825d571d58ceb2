"""Coarse mosaic for faces: at most ``blocks`` blocks across, each one flat colour.

Six blocks across a padded face leave roughly 4x4 blocks on the face itself: too little for
recognition by people or by face-matching models, while the picture still reads as a person.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from scanner.geometry import covered
from scanner.types import Shape


class MosaicRedactor:
    name = "mosaic"

    def __init__(self, blocks: int = 6) -> None:
        if blocks < 1:
            raise ValueError("blocks must be >= 1")
        self.blocks = blocks

    def redact(self, image: np.ndarray, shapes: Sequence[Shape]) -> np.ndarray:
        out = image.copy()
        h, w = out.shape[:2]
        for shape in shapes:
            c = covered(shape, w, h)
            if c is None:
                continue
            bw, bh = c.x2 - c.x1, c.y2 - c.y1
            # Square blocks sized from the larger side, so neither side gets more than
            # ``blocks`` blocks (a block is never smaller than one pixel).
            block = max(1, math.ceil(max(bw, bh) / self.blocks))
            nx, ny = max(1, math.ceil(bw / block)), max(1, math.ceil(bh / block))
            small = cv2.resize(out[c.window], (nx, ny), interpolation=cv2.INTER_AREA)
            c.paint(out, cv2.resize(small, (bw, bh), interpolation=cv2.INTER_NEAREST))
        return out
