"""Solid fill: the only style that is irreversible for text, and the default for it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scanner.redactors.base import pixel_box
from scanner.types import Region


class FillRedactor:
    name = "fill"

    def __init__(self, colour: tuple[int, int, int] = (0, 0, 0)) -> None:
        self.colour = np.asarray(colour, dtype=np.uint8)

    def redact(self, image: np.ndarray, regions: Sequence[Region]) -> np.ndarray:
        out = image.copy()
        h, w = out.shape[:2]
        for region in regions:
            box = pixel_box(region, w, h)
            if box is not None:
                x1, y1, x2, y2 = box
                out[y1:y2, x1:x2] = self.colour
        return out
