"""Heavy blur for faces (on request). Downsampling first makes it lossy, not just smooth:
a plain Gaussian of a face can be partly undone; an average over a handful of pixels cannot."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from scanner.geometry import covered
from scanner.types import Shape


class BlurRedactor:
    name = "blur"

    def __init__(self, detail: int = 6) -> None:
        self.detail = detail

    def redact(self, image: np.ndarray, shapes: Sequence[Shape]) -> np.ndarray:
        out = image.copy()
        h, w = out.shape[:2]
        for shape in shapes:
            c = covered(shape, w, h)
            if c is None:
                continue
            bw, bh = c.x2 - c.x1, c.y2 - c.y1
            small = cv2.resize(out[c.window], (min(self.detail, bw), min(self.detail, bh)),
                               interpolation=cv2.INTER_AREA)
            smooth = cv2.resize(small, (bw, bh), interpolation=cv2.INTER_CUBIC)
            k = max(3, (min(bw, bh) // 4) | 1)
            c.paint(out, cv2.GaussianBlur(smooth, (k, k), 0))
        return out
