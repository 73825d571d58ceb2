"""Solid fill: the only style that is irreversible for text, and the default for it.

By default each shape is filled with its own average colour: one value per shape carries
nothing readable, a page becomes a blank sheet rather than a black hole, and the rest of the
picture keeps its look. A fixed colour (e.g. black) can be asked for instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from scanner.geometry import covered
from scanner.types import Shape


class FillRedactor:
    name = "fill"

    def __init__(self, colour: tuple[int, int, int] | None = None) -> None:
        self.colour = None if colour is None else np.asarray(colour, dtype=np.uint8)

    def redact(self, image: np.ndarray, shapes: Sequence[Shape]) -> np.ndarray:
        out = image.copy()
        h, w = out.shape[:2]
        for shape in shapes:
            c = covered(shape, w, h)
            if c is None:
                continue
            if self.colour is None:
                mean = cv2.mean(out[c.window], mask=c.mask.view(np.uint8))[:3]
                fill = np.round(np.asarray(mean)).astype(np.uint8)
            else:
                fill = self.colour
            c.paint(out, fill)
        return out
