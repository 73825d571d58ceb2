"""Heavy blur for faces (on request). Downsampling first makes it lossy, not just smooth:
a plain Gaussian of a face can be partly undone; an average over a handful of pixels cannot."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from scanner.redactors.base import pixel_box
from scanner.types import Region


class BlurRedactor:
    name = "blur"

    def __init__(self, detail: int = 6) -> None:
        self.detail = detail

    def redact(self, image: np.ndarray, regions: Sequence[Region]) -> np.ndarray:
        out = image.copy()
        h, w = out.shape[:2]
        for region in regions:
            box = pixel_box(region, w, h)
            if box is None:
                continue
            x1, y1, x2, y2 = box
            bw, bh = x2 - x1, y2 - y1
            small = cv2.resize(
                out[y1:y2, x1:x2], (min(self.detail, bw), min(self.detail, bh)),
                interpolation=cv2.INTER_AREA,
            )
            smooth = cv2.resize(small, (bw, bh), interpolation=cv2.INTER_CUBIC)
            k = max(3, (min(bw, bh) // 4) | 1)
            out[y1:y2, x1:x2] = cv2.GaussianBlur(smooth, (k, k), 0)
        return out
