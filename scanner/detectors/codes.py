"""Codes: QR codes and 1D/2D barcodes, found with OpenCV's detectors.

A QR code on a noticeboard or a wristband barcode can carry a name, a record number or a link
to one, so every code found is reported and its content is never kept: decoding is attempted
only to grade the finding (read: score 1.0; found but unreadable: 0.8), and the decoded text
is dropped on the spot.

Passes, merged with NMS (a code's box is the union of every pass's box for it):

* coarse: the whole image, downscaled to at most ``COARSE_SIDE`` px on the long side, through
  ``cv2.QRCodeDetector``, ``cv2.QRCodeDetectorAruco`` and ``cv2.barcode.BarcodeDetector`` (the
  barcode detector also on ``TILE`` px tiles of it, as it shrinks its input to 512 px);
* fine (images larger than ``COARSE_SIDE``): overlapping full-resolution tiles of ``TILE`` px
  through the ArUco-based QR detector and the barcode detector. A QR code needs about 2 px per
  module; a 60 px code in a 12 MP photo shrinks below that in the coarse pass. The classic
  ``QRCodeDetector`` is left out of the tiles: on the same 12 MP photos it found no code the
  ArUco detector missed, at 2-3 times the cost (set ``tile_classic=True`` to add it).

Limits: a QR code needs about 2 px a module (a 60 px code holds a short text, not a long
link); a barcode about 100-200 px across, as the barcode detector shrinks what it looks at.

Detector calls run on a small thread pool (OpenCV releases the GIL). A ``cv2.error`` from one
call means "nothing found by that call"; if every call fails, :class:`ScannerError` is raised so
the pipeline fails closed rather than reporting a photo as free of codes.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import cv2
import numpy as np

from scanner.config import ScanConfig
from scanner.errors import ScannerError
from scanner.geometry import nms, tiles
from scanner.parallel import map_ordered
from scanner.types import Finding, FindingKind, Region

log = logging.getLogger(__name__)

COARSE_SIDE = 2000  # long side of the coarse pass, px
TILE = 1024  # fine-pass tile side, px (full resolution)
MIN_TILE_OVERLAP = 256  # px; codes smaller than the overlap lie whole in some tile
COARSE_MIN_CODE = 128  # px at the coarse scale that the coarse pass reliably finds
QR_PADDING = 0.08  # fraction of the box added on every side (quiet zone, finder corners)
BARCODE_PADDING = 0.12  # of the longer side: barcode boxes can stop short of the bars' ends
DECODED_SCORE = 1.0
UNDECODED_SCORE = 0.8
MIN_SIDE = 6  # px; smaller quadrilaterals are noise
MAX_QR_ASPECT = 4.0  # a QR code's bounding box, even in steep perspective
MAX_DECODES_PER_CALL = 8
NMS_IOU = 0.3
FOLD_CONTAINMENT = 0.5  # a box this much inside a kept box is folded into it

QR = "qr"
BARCODE = "barcode"
_DETAIL = {QR: "QR code", BARCODE: "barcode"}


@dataclass(frozen=True, slots=True)
class _Hit:
    box: tuple[float, float, float, float]  # xyxy in full-image pixels, unpadded
    kind: str  # QR or BARCODE
    decoded: bool


@dataclass(slots=True)
class _Outcome:
    """What one job's detector calls found, and how many of them failed."""

    hits: list[_Hit] = field(default_factory=list)
    calls: int = 0
    failures: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: _Outcome) -> None:
        self.hits.extend(other.hits)
        self.calls += other.calls
        self.failures += other.failures
        self.errors.extend(other.errors)


class CodeDetector:
    """QR codes and barcodes, multi-scale and tiled; reports where, never what they say."""

    name = "codes"
    finds = frozenset({FindingKind.CODE})

    def __init__(self, config: ScanConfig, *, workers: int | None = None,
                 tile_classic: bool = False) -> None:
        self.config = config
        self.workers = max(1, min(workers or 2, os.cpu_count() or 1))
        self.tile_classic = tile_classic
        self.has_aruco = hasattr(cv2, "QRCodeDetectorAruco")
        self.has_barcode = hasattr(cv2, "barcode") and hasattr(cv2.barcode, "BarcodeDetector")

    # --------------------------------------------------------------------------------------

    def recheck(self, image: np.ndarray) -> list[Finding]:
        """Verification looks again for faces and text. Fills only remove pixels, so this
        deterministic detector could only find again what the first pass found: skip the
        full-resolution tiles a second time."""
        return []

    def detect(self, image: np.ndarray) -> list[Finding]:
        h, w = image.shape[:2]
        if min(h, w) < MIN_SIDE:  # no code fits
            return []
        gray = _to_gray(image)
        jobs = self._plan(gray)
        outcome = _Outcome()
        for result in map_ordered(_run_job, jobs, self.workers):
            outcome.add(result)
        if outcome.calls and outcome.failures == outcome.calls:
            reason = outcome.errors[-1] if outcome.errors else "unknown error"
            raise ScannerError(f"code detection failed: every OpenCV call raised ({reason})")
        if outcome.failures:
            log.debug("codes: %d of %d detector calls failed", outcome.failures, outcome.calls)
        return self._findings(outcome.hits, w, h)

    def _plan(self, gray: np.ndarray) -> list[Callable[[], _Outcome]]:
        """The independent jobs (each a few detector calls) for one image."""
        h, w = gray.shape
        scale = min(1.0, COARSE_SIDE / max(h, w))
        if scale < 1.0:
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            coarse = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        else:
            coarse = gray
        sx, sy = w / coarse.shape[1], h / coarse.shape[0]
        view = _View(coarse, 0, 0, sx, sy)
        jobs: list[Callable[[], _Outcome]] = [partial(_run_classic, [view])]
        if self.has_aruco:
            jobs.append(partial(_run_aruco, [view]))
        if self.has_barcode:
            # The barcode detector shrinks its input to 512 px before looking, so a barcode
            # must span ~200 px of a 2000 px image to be seen; tiles of the coarse image
            # bring that down to ~100 px for little extra time.
            coarse_views = [view]
            ch, cw = coarse.shape
            if max(ch, cw) > TILE:
                coarse_views += [
                    _View(coarse[t.y0 : t.y1, t.x0 : t.x1], t.x0 * sx, t.y0 * sy, sx, sy)
                    for t in tiles(cw, ch, TILE, MIN_TILE_OVERLAP)
                ]
            jobs.append(partial(_run_barcode, coarse_views))
        if scale < 1.0:
            overlap = max(MIN_TILE_OVERLAP, math.ceil(COARSE_MIN_CODE / scale))
            tile = max(TILE, 2 * overlap)
            views = [
                _View(gray[t.y0 : t.y1, t.x0 : t.x1], t.x0, t.y0, 1.0, 1.0)
                for t in tiles(w, h, tile, overlap)
            ]
            # Split the tiles between the workers so both stay busy.
            for part in range(self.workers):
                chunk = views[part :: self.workers]
                if not chunk:
                    continue
                if self.has_aruco:
                    jobs.append(partial(_run_aruco, chunk))
                if self.has_barcode:
                    jobs.append(partial(_run_barcode, chunk))
                if self.tile_classic or not self.has_aruco:
                    jobs.append(partial(_run_classic, chunk))
        return jobs

    def _findings(self, hits: Sequence[_Hit], width: int, height: int) -> list[Finding]:
        if not hits:
            return []
        boxes = np.asarray([_pad(h.box, h.kind) for h in hits], dtype=np.float64)
        # Read codes first, then QR over barcode (a QR code can also trip the barcode finder).
        scores = np.asarray(
            [(DECODED_SCORE if h.decoded else UNDECODED_SCORE) + (0.01 if h.kind == QR else 0.0)
             for h in hits]
        )
        out: list[Finding] = []
        for members in _group(boxes, scores):
            union = Region(
                float(boxes[members, 0].min()),
                float(boxes[members, 1].min()),
                float(boxes[members, 2].max()),
                float(boxes[members, 3].max()),
            ).clip(width, height)
            if union.empty:
                continue
            kind = QR if any(hits[i].kind == QR for i in members) else BARCODE
            decoded = any(hits[i].decoded for i in members)
            out.append(
                Finding(
                    FindingKind.CODE,
                    union,
                    DECODED_SCORE if decoded else UNDECODED_SCORE,
                    self.name,
                    detail=_DETAIL[kind],
                )
            )
        return out


# ------------------------------------------------------------------------------------------
# Detector calls


def _run_job(job: Callable[[], _Outcome]) -> _Outcome:
    return job()


@dataclass(frozen=True, slots=True)
class _View:
    """An image (or tile) and how its pixels map to the full image: full = x * sx + x0."""

    pixels: np.ndarray
    x0: float
    y0: float
    sx: float
    sy: float

    def to_full(self, quad: np.ndarray) -> tuple[float, float, float, float]:
        xs = quad[:, 0] * self.sx + self.x0
        ys = quad[:, 1] * self.sy + self.y0  # (x0, y0) is the tile's origin in full pixels
        return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())


def _call(outcome: _Outcome, what: str, fn: Callable[[np.ndarray], Any],
          pixels: np.ndarray) -> Any:
    """One OpenCV call; a cv2.error counts as a failed call that found nothing (None)."""
    outcome.calls += 1
    try:
        return fn(pixels)
    except cv2.error as exc:
        outcome.failures += 1
        message = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        outcome.errors.append(f"{what}: {message}")
        log.debug("codes: %s raised cv2.error: %s", what, message)
        return None


def _quads(points: object) -> list[np.ndarray]:
    """Valid (4, 2) quadrilaterals from a detector's points output."""
    if points is None:
        return []
    arr = np.asarray(points, dtype=np.float64)
    if arr.size == 0 or arr.size % 8:
        return []
    out = []
    for quad in arr.reshape(-1, 4, 2):
        if not np.isfinite(quad).all():
            continue
        span = quad.max(axis=0) - quad.min(axis=0)
        if span.min() < MIN_SIDE:
            continue
        out.append(quad)
    return out


def _qr_shaped(quad: np.ndarray) -> bool:
    span = quad.max(axis=0) - quad.min(axis=0)
    return bool(span.max() <= MAX_QR_ASPECT * span.min())


def _decode_qr(detector: Any, view: _View, quad: np.ndarray) -> bool:
    """True if the code at ``quad`` (view pixels) reads. The content is discarded at once."""
    h, w = view.pixels.shape
    x1, y1 = np.floor(quad.min(axis=0)).astype(int)
    x2, y2 = np.ceil(quad.max(axis=0)).astype(int)
    m = max(4, round(0.15 * max(x2 - x1, y2 - y1)))
    cx1, cy1 = max(0, x1 - m), max(0, y1 - m)
    cx2, cy2 = min(w, x2 + m), min(h, y2 + m)
    crop = view.pixels[cy1:cy2, cx1:cx2]
    local = (quad - (cx1, cy1)).astype(np.float32).reshape(1, 4, 2)
    try:
        text, _ = detector.decode(crop, local)
    except cv2.error as exc:  # a failed read is not a failed detection
        log.debug("codes: QR decode raised cv2.error: %s", str(exc).strip().splitlines()[-1:])
        return False
    readable = bool(text)
    del text
    return readable


def _run_classic(views: Sequence[_View]) -> _Outcome:
    outcome = _Outcome()
    detector = cv2.QRCodeDetector()
    for view in views:
        result = _call(outcome, "QRCodeDetector.detectMulti", detector.detectMulti, view.pixels)
        if not result or not result[0]:
            continue
        _add_qr(outcome, detector, view, _quads(result[1]))
    return outcome


def _run_aruco(views: Sequence[_View]) -> _Outcome:
    outcome = _Outcome()
    detector = cv2.QRCodeDetectorAruco()
    for view in views:
        result = _call(outcome, "QRCodeDetectorAruco.detectMulti", detector.detectMulti,
                       view.pixels)
        if not result or not result[0]:
            continue
        _add_qr(outcome, detector, view, _quads(result[1]))
    return outcome


def _add_qr(outcome: _Outcome, detector: Any, view: _View, quads: list[np.ndarray]) -> None:
    for n, quad in enumerate(q for q in quads if _qr_shaped(q)):
        decoded = n < MAX_DECODES_PER_CALL and _decode_qr(detector, view, quad)
        outcome.hits.append(_Hit(view.to_full(quad), QR, decoded))


def _run_barcode(views: Sequence[_View]) -> _Outcome:
    outcome = _Outcome()
    detector = cv2.barcode.BarcodeDetector()
    for view in views:
        result = _call(outcome, "BarcodeDetector.detectAndDecodeMulti",
                       detector.detectAndDecodeMulti, view.pixels)
        if not result or not result[0]:
            continue
        read, points = _barcode_result(result)
        for i, quad in enumerate(_quads(points)):
            decoded = i < len(read) and read[i]
            outcome.hits.append(_Hit(view.to_full(quad), BARCODE, decoded))
    return outcome


def _barcode_result(result: Sequence[Any]) -> tuple[list[bool], Any]:
    """(which codes were read, points) from ``detectAndDecodeMulti``'s answer.

    OpenCV 5 returns (retval, decoded_info, points, straight_code), 4.x (retval, decoded_info,
    decoded_type, points): the points are the first array after the texts. The texts are only
    tested for emptiness, never kept.
    """
    texts = result[1] if len(result) > 1 and result[1] is not None else ()
    read = [bool(t) for t in texts]
    points = next((r for r in result[2:] if isinstance(r, np.ndarray)), None)
    return read, points


# ------------------------------------------------------------------------------------------
# Boxes


def _to_gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        gray = image
    elif image.shape[2] == 4:
        gray = cv2.cvtColor(image, cv2.COLOR_RGBA2GRAY)
    elif image.shape[2] == 1:
        gray = image[:, :, 0]
    else:
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    if gray.dtype != np.uint8:
        gray = np.clip(gray, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(gray)


def _pad(box: tuple[float, float, float, float], kind: str) -> tuple[float, ...]:
    """Grow a raw detector box so the whole code is inside it.

    QR boxes run corner to corner of the finder patterns: a few per cent of their side adds
    a margin. Barcode boxes follow the scan lines and can stop 20% short of the bars' ends
    (and a barcode reads from any one line across it), so they grow by a share of their
    longer side in both directions.
    """
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    if kind == BARCODE:
        dx = dy = max(w, h) * BARCODE_PADDING
    else:
        dx, dy = w * QR_PADDING, h * QR_PADDING
    return (x1 - dx, y1 - dy, x2 + dx, y2 + dy)


def _overlaps(a: np.ndarray, b: np.ndarray) -> bool:
    """Same code: IoU >= NMS_IOU, or one box mostly (FOLD_CONTAINMENT) inside the other."""
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return False
    inter = iw * ih
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    return bool(inter >= NMS_IOU * (area_a + area_b - inter)
                or inter >= FOLD_CONTAINMENT * min(area_a, area_b))


def _group(boxes: np.ndarray, scores: np.ndarray) -> list[list[int]]:
    """Indices of the boxes of each code, best box first.

    NMS picks one box per code; a kept box mostly inside a better one (a barcode read inside
    a QR code, a partial read) joins it, and every suppressed box joins the first group it
    overlaps, so the union of a group covers every pass's box for that code.
    """
    groups: list[list[int]] = []
    for k in nms(boxes, scores, NMS_IOU):
        for g in groups:
            if _overlaps(boxes[k], boxes[g[0]]):
                g.append(int(k))
                break
        else:
            groups.append([int(k)])
    grouped = {i for g in groups for i in g}
    for i in range(len(boxes)):
        if i in grouped:
            continue
        for g in groups:
            if any(_overlaps(boxes[i], boxes[j]) for j in g):
                g.append(i)
                break
        else:  # not expected after NMS, but never drop a box
            groups.append([i])
    return groups
