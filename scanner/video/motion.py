"""Where a thing found at one look has moved to by the next: a page carried past, a screen in
a panning shot. Found by matching its patch of the earlier frame in the later one (OpenCV
template matching on small grey copies), so it works even where the next look does not find
the thing again (turned, half hidden behind someone). Pure functions on pixels.

The result is a velocity in full-size pixels a frame, or None when the match is not clear (a
flat or repetitive patch, or nothing alike nearby): then the thing is assumed to stay put.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import cv2
import numpy as np

from scanner.types import Region

SMALL_SIDE = 960  # long side of the grey copies matched (1080p: half size)
MIN_PATCH = 12  # px (small copy): a patch is grown to at least this, for texture to match
MIN_SCORE = 0.6  # normalised correlation a match needs
MIN_DETAIL = 6.0  # grey-level std a patch needs (blank paper matches everywhere)
REACH = 0.25  # how far a thing may move between looks, as a share of the long side


def small(pixels: np.ndarray) -> tuple[np.ndarray, float]:
    """A grey copy of ``pixels`` with its long side at most SMALL_SIDE, and its scale."""
    h, w = pixels.shape[:2]
    scale = min(1.0, SMALL_SIDE / max(h, w))
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    if scale < 1.0:
        grey = cv2.resize(grey, (max(1, round(w * scale)), max(1, round(h * scale))),
                          interpolation=cv2.INTER_AREA)
    return grey, scale


def velocity(before: np.ndarray, after: np.ndarray, scale: float, box: Region,
             frames: int) -> tuple[float, float] | None:
    """How far (full-size pixels a frame) the patch ``box`` of ``before`` moved by ``after``,
    ``frames`` frames later (both grey copies from ``small`` at ``scale``)."""
    if frames <= 0:
        return None
    h, w = before.shape[:2]
    cx, cy = (box.x1 + box.x2) / 2 * scale, (box.y1 + box.y2) / 2 * scale
    half_w = max(MIN_PATCH, (box.x2 - box.x1) * scale) / 2
    half_h = max(MIN_PATCH, (box.y2 - box.y1) * scale) / 2
    x1, x2 = int(max(0, cx - half_w)), int(min(w, cx + half_w))
    y1, y2 = int(max(0, cy - half_h)), int(min(h, cy + half_h))
    if x2 - x1 < 4 or y2 - y1 < 4:
        return None
    patch = before[y1:y2, x1:x2]
    if float(patch.std()) < MIN_DETAIL:
        return None
    reach = max(8, round(REACH * max(h, w)))
    sx1, sy1 = max(0, x1 - reach), max(0, y1 - reach)
    sx2, sy2 = min(w, x2 + reach), min(h, y2 + reach)
    window = after[sy1:sy2, sx1:sx2]
    if window.shape[0] < patch.shape[0] or window.shape[1] < patch.shape[1]:
        return None
    scores = cv2.matchTemplate(window, patch, cv2.TM_CCOEFF_NORMED)
    _, best, _, (bx, by) = cv2.minMaxLoc(scores)
    if not np.isfinite(best) or best < MIN_SCORE:
        return None
    dx, dy = (sx1 + bx - x1) / scale, (sy1 + by - y1) / scale
    return dx / frames, dy / frames


K = TypeVar("K")
NEAR = 1.5  # a neighbour this many sizes away (or overlapping) lends its motion


def borrowed(boxes: Mapping[K, Region], moved: Mapping[K, tuple[float, float]]
             ) -> dict[K, tuple[float, float]]:
    """Motion for the boxes that found none of their own, from the nearest box that did (the
    other lines of a page carried past; a line leaving the frame cannot be matched, since its
    patch is no longer there), when it overlaps it or is within NEAR sizes of it."""
    out: dict[K, tuple[float, float]] = {}
    for key, box in boxes.items():
        if key in moved:
            continue
        best: tuple[float, tuple[float, float]] | None = None
        for other, v in moved.items():
            o = boxes[other]
            side = max(box.width, box.height, o.width, o.height, 1.0)
            dx = max(0.0, o.x1 - box.x2, box.x1 - o.x2)  # gap between the boxes
            dy = max(0.0, o.y1 - box.y2, box.y1 - o.y2)
            gap = (dx * dx + dy * dy) ** 0.5 / side
            if gap <= NEAR and (best is None or gap < best[0]):
                best = (gap, v)
        if best is not None:
            out[key] = best[1]
    return out
