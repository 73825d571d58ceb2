"""Box and shape arithmetic shared by detectors, redactors and verification: NMS, merging,
tiles, scale mapping, and the pixels a shape covers."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from shapely.geometry import Polygon, box

from scanner.types import Region, Shape


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Indices of boxes kept by greedy non-maximum suppression (highest score first).

    ``boxes`` is (N, 4) xyxy. Returns an int array of kept indices, best first.
    """
    if len(boxes) == 0:
        return np.empty(0, dtype=np.int64)
    boxes = boxes.astype(np.float64, copy=False)
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        w = np.clip(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), 0, None)
        h = np.clip(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), 0, None)
        inter = w * h
        union = areas[i] + areas[rest] - inter
        iou = np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
        order = rest[iou < iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def containment(inner: np.ndarray, outer: np.ndarray) -> np.ndarray:
    """Fraction of each ``inner`` box covered by each ``outer`` box: (len(inner), len(outer))."""
    if len(inner) == 0 or len(outer) == 0:
        return np.zeros((len(inner), len(outer)))
    ix1 = np.maximum(inner[:, None, 0], outer[None, :, 0])
    iy1 = np.maximum(inner[:, None, 1], outer[None, :, 1])
    ix2 = np.minimum(inner[:, None, 2], outer[None, :, 2])
    iy2 = np.minimum(inner[:, None, 3], outer[None, :, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    area = np.clip(inner[:, 2] - inner[:, 0], 0, None) * np.clip(inner[:, 3] - inner[:, 1], 0, None)
    return np.where(area[:, None] > 0, inter / np.where(area[:, None] > 0, area[:, None], 1), 0.0)


def rescale(image: np.ndarray, scale: float) -> np.ndarray:
    """``image`` resized by ``scale`` (area averaging down, bilinear up); itself at 1.0."""
    h, w = image.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    if size == (w, h):
        return image
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(image, size, interpolation=interp))


def pyramid(image: np.ndarray, scales: Sequence[float]) -> list[np.ndarray]:
    """``[rescale(image, s) for s in scales]``, with each downscale taken from the previous,
    larger one instead of from the full image: shrinking a 12 MP photo four times cost 106 ms,
    shrinking it once and then each level from the last 54 ms. Sizes are those ``rescale``
    gives."""
    h, w = image.shape[:2]
    out: list[np.ndarray] = [image] * len(scales)
    source = image  # the smallest level made so far: levels are made largest first
    for i in sorted(range(len(scales)), key=lambda i: -scales[i]):
        if scales[i] >= 1:
            out[i] = rescale(image, scales[i])
            continue
        size = (max(1, round(w * scales[i])), max(1, round(h * scales[i])))
        if (source.shape[1], source.shape[0]) != size:
            source = np.asarray(cv2.resize(source, size, interpolation=cv2.INTER_AREA))
        out[i] = source
    return out


@dataclass(frozen=True, slots=True)
class Tile:
    """A window of the image, in image pixels: x0, y0 inclusive, x1, y1 exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int


def tiles(width: int, height: int, tile: int, overlap: int) -> Iterator[Tile]:
    """Cover a width x height image with windows of at most ``tile`` px that overlap by
    at least ``overlap`` px, so an object smaller than ``overlap`` lies whole in some tile."""
    if width <= 0 or height <= 0:
        return
    if tile <= overlap:
        raise ValueError("tile must be larger than overlap")
    for y0 in _starts(height, tile, overlap):
        for x0 in _starts(width, tile, overlap):
            yield Tile(x0, y0, min(x0 + tile, width), min(y0 + tile, height))


def balanced_tiles(width: int, height: int, max_tile: int, overlap: int) -> Iterator[Tile]:
    """Like :func:`tiles`, with as few windows as ``max_tile`` allows, each only as large as
    needed along each axis (a 2048 x 1536 image in 1024 px tiles: 3 x 2 windows of 790 x 848,
    4.0 MP, instead of 3 x 2 windows of 1024 x 1024, 6.3 MP). Overlaps stay >= ``overlap``."""
    if width <= 0 or height <= 0:
        return
    if max_tile <= overlap:
        raise ValueError("tile must be larger than overlap")
    tw, th = _balanced(width, max_tile, overlap), _balanced(height, max_tile, overlap)
    for y0 in _starts(height, th, overlap):
        for x0 in _starts(width, tw, overlap):
            yield Tile(x0, y0, min(x0 + tw, width), min(y0 + th, height))


def _balanced(length: int, max_tile: int, overlap: int) -> int:
    if length <= max_tile:
        return length
    n = -(-(length - overlap) // (max_tile - overlap))
    return min(max_tile, -(-(length + (n - 1) * overlap) // n))


def _starts(length: int, tile: int, overlap: int) -> list[int]:
    if length <= tile:
        return [0]
    n = int(np.ceil((length - overlap) / (tile - overlap)))
    # Spread the windows evenly so the overlaps are equal and >= overlap.
    step = (length - tile) / (n - 1) if n > 1 else 0
    return [round(i * step) for i in range(n)]


def merged_windows(boxes: np.ndarray, width: int, height: int) -> list[Tile]:
    """Boxes (N, 4+) xyxy clipped to the image, overlapping ones replaced by their union until
    no two windows overlap: each area is searched once, however many boxes asked for it."""
    windows: list[list[int]] = []
    for b in np.asarray(boxes, dtype=np.float64)[:, :4] if len(boxes) else ():
        x0, y0 = max(0, math.floor(b[0])), max(0, math.floor(b[1]))
        x1, y1 = min(width, math.ceil(b[2])), min(height, math.ceil(b[3]))
        if x1 > x0 and y1 > y0:
            windows.append([x0, y0, x1, y1])
    merged = True
    while merged:  # a union can reach windows that its parts did not
        merged = False
        out: list[list[int]] = []
        for w in windows:
            for o in out:
                if w[0] < o[2] and o[0] < w[2] and w[1] < o[3] and o[1] < w[3]:
                    o[:] = [min(o[0], w[0]), min(o[1], w[1]), max(o[2], w[2]), max(o[3], w[3])]
                    merged = True
                    break
            else:
                out.append(w)
        windows = out
    return [Tile(*w) for w in windows]


def sample_step(width: int, height: int, max_samples: int = 65_536) -> int:
    """Grid step that leaves at most about ``max_samples`` pixels of a width x height box."""
    area = max(width, 0) * max(height, 0)
    return max(1, math.ceil(math.sqrt(area / max_samples)))


def pixel_box(region: Region, width: int, height: int) -> tuple[int, int, int, int] | None:
    """The integer window a region covers, grown outward and clipped; None when empty."""
    x1, y1, x2, y2 = region.to_int()
    x1, y1 = max(0, x1), max(0, y1)
    x2, y2 = min(width, x2), min(height, y2)
    if x2 <= x1 or y2 <= y1:
        return None
    return x1, y1, x2, y2


@dataclass(frozen=True, slots=True)
class Covered:
    """The pixels a shape covers: a window of the image and a mask over that window."""

    x1: int
    y1: int
    x2: int
    y2: int
    mask: np.ndarray  # bool (y2 - y1, x2 - x1)

    @property
    def window(self) -> tuple[slice, slice]:
        return slice(self.y1, self.y2), slice(self.x1, self.x2)

    def paint(self, image: np.ndarray, values: np.ndarray) -> None:
        """Write ``values`` (the window's size, or broadcastable to it) into ``image`` where the
        mask is set. In place, through OpenCV: a numpy boolean assignment over a page-sized
        window cost 0.44 s, this 4 ms."""
        patch = image[self.window]
        src = np.ascontiguousarray(np.broadcast_to(values, patch.shape), dtype=patch.dtype)
        cv2.copyTo(src, self.mask.view(np.uint8), patch)


def covered(shape: Shape, width: int, height: int) -> Covered | None:
    """Every pixel that any part of ``shape`` touches (never fewer: hiding errs outward);
    None when it lies outside the picture. A box covers exactly its integer window."""
    box = pixel_box(shape.bounds, width, height)
    if box is None:
        return None
    x1, y1, x2, y2 = box
    if shape.is_box:
        return Covered(x1, y1, x2, y2, np.ones((y2 - y1, x2 - x1), dtype=bool))
    # As the pipeline takes it (clip_shape): a flat or self-crossing shape, or one that runs
    # off the picture, is made whole and inside first (which also keeps fillPoly's fixed-point
    # coordinates small).
    b = shape.bounds
    if (shape.area <= 0 or b.x1 < 0 or b.y1 < 0 or b.x2 > width or b.y2 > height
            or not Polygon(shape.points).is_valid):
        inside = clip_shape(shape, width, height)
        if inside is None:
            return None
        if inside.is_box:
            return covered(inside, width, height)
        shape = inside
    # Pixel (i, j) has its centre at (i + 0.5, j + 0.5); fillPoly takes centres at integers,
    # in 1/16 px (shift=4). It fills the pixels whose centres lie inside; a 2 px line along
    # the outline adds those it only crosses (as growing the fill by a pixel would, for a
    # fraction of the cost on a page-sized shape).
    pts = [np.round((np.asarray(shape.points, dtype=np.float64) - (x1 + 0.5, y1 + 0.5))
                    * 16).astype(np.int32)]
    filled = np.zeros((y2 - y1, x2 - x1), dtype=np.uint8)
    cv2.fillPoly(filled, pts, 1, lineType=cv2.LINE_8, shift=4)
    cv2.polylines(filled, pts, True, 1, thickness=2, lineType=cv2.LINE_8, shift=4)
    return Covered(x1, y1, x2, y2, filled.view(bool))  # 0/1 bytes are bools: no copy


def shape_mask(shapes: Sequence[Shape], width: int, height: int) -> np.ndarray:
    """A whole-picture bool mask of the pixels the shapes cover."""
    out = np.zeros((height, width), dtype=bool)
    for shape in shapes:
        c = covered(shape, width, height)
        if c is not None:
            out[c.y1 : c.y2, c.x1 : c.x2] |= c.mask
    return out


def clip_shape(shape: Shape, width: int, height: int) -> Shape | None:
    """The part of ``shape`` inside the picture; None when nothing is. A shape that crosses
    itself (corners in the wrong order) is taken as its convex hull, which covers it."""
    b = shape.bounds
    poly = Polygon(shape.points)
    crossed = shape.area > 0 and not poly.is_valid
    if crossed:  # crosses itself: what it covers is its hull
        poly = poly.convex_hull
    if shape.area <= 0 or poly.geom_type != "Polygon" or poly.area <= 0:
        # All on one line (within rounding): hide the whole pixels it passes through rather
        # than nothing.
        x1, y1, x2, y2 = b.to_int()
        inside = Region(x1, y1, x2, y2).clip(width, height)
        return None if inside.empty else Shape.box(inside)
    if crossed:
        shape = Shape.of(list(poly.exterior.coords)[:-1])
    if b.x1 >= 0 and b.y1 >= 0 and b.x2 <= width and b.y2 <= height:
        return shape
    part = poly.intersection(box(0, 0, width, height))
    if part.is_empty or part.area <= 0:
        return None
    if part.geom_type != "Polygon":  # pieces of a concave outline: one shape over them all
        part = part.convex_hull
    return Shape.of(list(part.exterior.coords)[:-1])


def hull(points: np.ndarray) -> Shape:
    """The convex hull of (N, 2) points as a shape (N >= 3, not all on one line)."""
    pts = cv2.convexHull(np.asarray(points, dtype=np.float32).reshape(-1, 1, 2))
    return Shape.of(pts.reshape(-1, 2))
