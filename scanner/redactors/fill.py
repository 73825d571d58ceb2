"""Solid fill: the only style that is irreversible for text, and the default for it.

By default each region is filled with its own average colour: one value per region carries
nothing readable, a page becomes a blank sheet rather than a black hole, and the rest of the
picture keeps its look. A fixed colour (e.g. black) can be asked for instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scanner.geometry import sample_step
from scanner.redactors.base import pixel_box
from scanner.types import Region


class FillRedactor:
    name = "fill"

    def __init__(self, colour: tuple[int, int, int] | None = None) -> None:
        self.colour = None if colour is None else np.asarray(colour, dtype=np.uint8)

    def redact(self, image: np.ndarray, regions: Sequence[Region]) -> np.ndarray:
        out = image.copy()
        h, w = out.shape[:2]
        for region in regions:
            box = pixel_box(region, w, h)
            if box is not None:
                x1, y1, x2, y2 = box
                patch = out[y1:y2, x1:x2]
                if self.colour is None:
                    # The average of a regular sample: the same colour to a level or so, without
                    # a float copy of a page-sized region.
                    step = sample_step(x2 - x1, y2 - y1)
                    sample = patch[::step, ::step]
                    fill = sample.mean(axis=(0, 1)).round().astype(np.uint8)
                else:
                    fill = self.colour
                out[y1:y2, x1:x2] = fill
        return out
