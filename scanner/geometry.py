"""Box arithmetic shared by detectors: NMS, merging, tiles and scale mapping."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np


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
