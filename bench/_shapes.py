"""Masks of what a report hides and of ground-truth objects, shared by the benchmarks.

A finding hides the pixels of its ``polygon`` when the report has one (schema 2), else of its
``box``. Ground truth is grown the way the eval README judges collateral: by 15% of the
object's own size on every side, at least 4 px.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from PIL import Image, ImageDraw

REDACT_ACTIONS = {"fill", "mosaic", "blur"}
SURFACE_KINDS = {"text", "document", "screen", "code"}  # kinds judged for collateral
GROW = 0.15
GROW_MIN_PX = 4.0

Point = tuple[float, float]


def outline(finding: dict) -> list[Point] | None:
    """The finding's shape as polygon points: its ``polygon`` if any, else its box's corners."""
    poly = finding.get("polygon")
    if isinstance(poly, list) and len(poly) >= 3:
        return [(float(p[0]), float(p[1])) for p in poly]
    box = finding.get("box")
    if isinstance(box, list | tuple) and len(box) >= 4:
        x1, y1, x2, y2 = (float(v) for v in box[:4])
        return [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]
    return None


def hiding(findings: Iterable[dict], kinds: set[str] | None = None) -> list[list[Point]]:
    """Outlines of the findings that hide pixels (fill/mosaic/blur), optionally of some kinds."""
    out = []
    for f in findings:
        if f.get("action") not in REDACT_ACTIONS:
            continue
        if kinds is not None and f.get("kind") not in kinds:
            continue
        points = outline(f)
        if points is not None:
            out.append(points)
    return out


def mask(shapes: Iterable[Sequence[Point]], width: int, height: int) -> np.ndarray:
    """Pixels whose centre lies inside any of the polygons (bool, height x width).

    A box [x1, y1, x2, y2] (x2 exclusive) covers the pixels x1..x2-1 exactly, as PostSafe's
    fill does."""
    im = Image.new("1", (width, height), 0)
    draw = ImageDraw.Draw(im)
    for points in shapes:
        # Pixel (i, j) has its centre at (i + 0.5, j + 0.5): PIL fills centres at integers.
        draw.polygon([(x - 0.5, y - 0.5) for x, y in points], fill=1)
    return np.asarray(im, dtype=bool)


def grown_box(box: Sequence[float]) -> list[Point]:
    x1, y1, x2, y2 = (float(v) for v in box[:4])
    dx = max(GROW * (x2 - x1), GROW_MIN_PX)
    dy = max(GROW * (y2 - y1), GROW_MIN_PX)
    return [(x1 - dx, y1 - dy), (x2 + dx, y1 - dy), (x2 + dx, y2 + dy), (x1 - dx, y2 + dy)]


def grown_quad(quad: Sequence[Sequence[float]]) -> list[Point]:
    """A word's quadrilateral (top-left, top-right, bottom-right, bottom-left) grown along its
    own axes: by 15% of its length at each end and 15% of its height above and below."""
    p = np.asarray(quad, dtype=np.float64).reshape(4, 2)
    along = ((p[1] - p[0]) + (p[2] - p[3])) / 2
    across = ((p[3] - p[0]) + (p[2] - p[1])) / 2
    la, lc = float(np.linalg.norm(along)), float(np.linalg.norm(across))
    if la <= 0 or lc <= 0:
        xs, ys = p[:, 0], p[:, 1]
        return grown_box((xs.min(), ys.min(), xs.max(), ys.max()))
    u = along / la * max(GROW * la, GROW_MIN_PX)
    v = across / lc * max(GROW * lc, GROW_MIN_PX)
    signs = ((-1, -1), (1, -1), (1, 1), (-1, 1))
    return [(float(q[0] + su * u[0] + sv * v[0]), float(q[1] + su * u[1] + sv * v[1]))
            for q, (su, sv) in zip(p, signs, strict=True)]


def share_covered(shape: Sequence[Point], hidden: np.ndarray) -> float:
    """The share of the shape's pixels that ``hidden`` covers (0 for an empty shape)."""
    h, w = hidden.shape
    xs = [x for x, _ in shape]
    ys = [y for _, y in shape]
    x1, y1 = max(0, math.floor(min(xs))), max(0, math.floor(min(ys)))
    x2, y2 = min(w, math.ceil(max(xs))), min(h, math.ceil(max(ys)))
    if x2 <= x1 or y2 <= y1:
        return 0.0
    local = mask([[(x - x1, y - y1) for x, y in shape]], x2 - x1, y2 - y1)
    n = int(local.sum())
    return float(hidden[y1:y2, x1:x2][local].sum()) / n if n else 0.0


def box_covered(target: Sequence[float], shapes: Iterable[Sequence[Point]]) -> float:
    """The share of a box's pixels [x1, y1, x2, y2] that the shapes cover (rasterised)."""
    x1, y1, x2, y2 = (round(v) for v in target[:4])
    if x2 <= x1 or y2 <= y1:
        return 0.0
    local = [[(x - x1, y - y1) for x, y in s] for s in shapes]
    return float(mask(local, x2 - x1, y2 - y1).mean())
