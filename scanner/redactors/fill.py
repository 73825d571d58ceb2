"""Solid fill: the only style that is irreversible for text, and the default for it.

By default each shape is filled with its own average colour: one value per shape carries
nothing readable, a page becomes a blank sheet rather than a black hole, and the rest of the
picture keeps its look. A fixed colour (e.g. black) can be asked for instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scanner.geometry import covered, sample_step
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
            patch = out[c.y1 : c.y2, c.x1 : c.x2]
            if self.colour is None:
                # The average of a regular sample of the covered pixels: the same colour to a
                # level or so, without a float copy of a page-sized region.
                step = sample_step(c.x2 - c.x1, c.y2 - c.y1)
                sample = patch[::step, ::step][c.mask[::step, ::step]]
                if not len(sample):  # a thin slanted shape the grid misses
                    sample = patch[c.mask]
                fill = sample.mean(axis=0).round().astype(np.uint8)
            else:
                fill = self.colour
            patch[c.mask] = fill
        return out
