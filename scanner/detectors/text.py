"""Readable text: PP-OCRv4 detection (DBNet) from the rapidocr_onnxruntime wheel.

The network outputs a per-pixel text probability; lines are the connected regions above a
threshold, grown back to full height the way DB ("unclip") does. Small print is the hard part:
the photo is searched at a resolution where body text is at least ~10 px tall, in tiles, so a
12 MP photo of a page keeps its print readable to the model.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from scanner.config import ScanConfig
from scanner.geometry import Tile, balanced_tiles, rescale, tiles
from scanner.models.onnx import session
from scanner.models.rewrites import tidy_paddle
from scanner.types import Finding, FindingKind, Region, Shape

log = logging.getLogger(__name__)

MODEL = "ppocr_v4_det"
_TILE = 1024  # window side for small searches
_SMALL = 1200  # searches up to this long side (COCO-sized photos) keep 1024 px tiles
_WINDOW = 1280  # largest window side above that: 2400 x 1800 runs as 4 windows of 1264 x 964
_OVERLAP = 128
_CONTRAST_SIDE = 800  # long side of the local-contrast search
_UPSCALE = 2.0


def plan_text_scale(width: int, height: int, *, long_side: int = 2400,
                    min_short: int = 736, max_upscale: float = 1.0) -> float:
    """One scale for the whole photo: large photos down to ``long_side`` (body text on a page
    photographed at 12 MP stays >= 10 px tall), small ones up so the short side is at least
    ``min_short`` (PP-OCR's own lower limit).

    2400 is the lowest long side that finds every word tesseract can read in small print on a
    12 MP photo (bench/text_resolution.py, 12 px font: 36 of 36 words at 2400, 31 of 36 at
    2048, 25 of 36 at 1800); 2048 would save a third of the detection time."""
    longest, shortest = max(width, height), min(width, height)
    if longest <= 0:
        return 1.0
    scale = min(max_upscale, long_side / longest)
    if shortest * scale < min_short:
        scale = min(min_short / shortest, 3.0)
    return scale


class TextDetector:
    name = "ppocr-det"

    def __init__(self, config: ScanConfig) -> None:
        self.threshold = config.text_pixel_threshold
        self.box_threshold = config.text_box_threshold
        self.unclip = config.text_unclip
        self._session = session(MODEL, tidy_paddle)
        self._input = self._session.get_inputs()[0].name

    def detect(self, image: np.ndarray) -> list[Finding]:
        h, w = image.shape[:2]
        scale = plan_text_scale(w, h, max_upscale=_UPSCALE)
        searched = rescale(image, scale)
        prob = self.probability(searched)
        # A second look with local contrast stretched: pale print on a pale sign, grey on grey,
        # a shop's name in shadow read as nothing at all (scene-text words hidden 0.80 -> 0.85
        # on the dev split). Such text is large, so a small search is enough (on 12 MP photos
        # a 736 px short side, a sixth of the first search's pixels).
        low = min(scale, plan_text_scale(w, h, long_side=_CONTRAST_SIDE))
        extra = self.probability(local_contrast(rescale(searched, low / scale)))
        if extra.shape != prob.shape:
            extra = cv2.resize(extra, (prob.shape[1], prob.shape[0]),
                               interpolation=cv2.INTER_LINEAR)
        np.maximum(prob, extra, out=prob)
        return self._lines(prob, scale, w, h)

    def recheck(self, image: np.ndarray) -> list[Finding]:
        """For verification, at a lower resolution: filled areas hold no text at any scale,
        and small print was searched for at full cost in the first pass."""
        h, w = image.shape[:2]
        return self._detect(image, plan_text_scale(w, h, long_side=1280, min_short=480))

    def _detect(self, image: np.ndarray, scale: float) -> list[Finding]:
        h, w = image.shape[:2]
        return self._lines(self.probability(rescale(image, scale)), scale, w, h)

    def _lines(self, prob: np.ndarray, scale: float, w: int, h: int) -> list[Finding]:
        lines = lines_from_probability(prob, self.threshold, self.box_threshold, self.unclip)
        out: list[Finding] = []
        for pts, score in lines:
            pts = pts / scale
            x1, y1 = pts.min(axis=0)
            x2, y2 = pts.max(axis=0)
            region = Region(float(x1), float(y1), float(x2), float(y2)).clip(w, h)
            if not region.empty:
                out.append(Finding(FindingKind.TEXT, region, score, self.name,
                                   shape=Shape.of(pts)))
        return out

    def probability(self, scaled: np.ndarray) -> np.ndarray:
        """The text probability map of an image already resized for the search (float32,
        0..1, the image's size)."""
        sh, sw = scaled.shape[:2]
        prob = np.zeros((sh, sw), dtype=np.float32)
        for t in _windows(sw, sh):
            crop = scaled[t.y0 : t.y1, t.x0 : t.x1]
            tile_prob = self._run(crop)
            # Overlaps take the max: a line cut by one tile's edge is whole in the other.
            view = prob[t.y0 : t.y1, t.x0 : t.x1]
            np.maximum(view, tile_prob, out=view)
        return prob

    def _run(self, crop: np.ndarray) -> np.ndarray:
        ch, cw = crop.shape[:2]
        ph, pw = max(32, -(-ch // 32) * 32), max(32, -(-cw // 32) * 32)
        blob = np.zeros((1, 3, ph, pw), dtype=np.float32)
        # PP-OCR expects BGR scaled to [-1, 1]; padding is 0 (mid-grey), which reads as no text.
        # In float32 throughout: float64 temporaries of a 1 MP window cost more than the copy.
        view = blob[0, :, :ch, :cw]
        np.multiply(crop[:, :, ::-1].transpose(2, 0, 1), np.float32(1 / 127.5), out=view,
                    casting="unsafe")
        view -= np.float32(1.0)
        (out,) = self._session.run(None, {self._input: blob})
        return np.asarray(out[0, 0, :ch, :cw], dtype=np.float32)


def local_contrast(image: np.ndarray) -> np.ndarray:
    """``image`` with its lightness equalised in 8 x 8 tiles (CLAHE): faint text on a pale
    ground becomes as dark against it as print is on paper."""
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)
    clahe = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8))  # per call: it has state
    lab[..., 0] = clahe.apply(np.ascontiguousarray(lab[..., 0]))
    return np.asarray(cv2.cvtColor(lab, cv2.COLOR_LAB2RGB))


def _windows(width: int, height: int) -> list[Tile]:
    """Where DBNet looks. Windows stay near 1000 px or more: DBNet reads layout from a wide
    context (621 px windows on a 736 x 1114 photo made toothbrush bristles a text block).

    Large searches use as few windows as cover them, as the network's cost follows the pixels
    it is given: a 2400 x 1800 search in 1024 px tiles spends 6.3 MP, in four balanced windows
    5.1 MP (text detection 0.91 -> 0.75 s a photo, one core). Small ones keep their 1024 px
    tiles although one window would cost less (a 1103 x 736 search: 1.5 MP in two tiles, 0.8
    as one window): as one window, two COCO photos' spurious lines turned readable (screens
    eval collateral 5.2% -> 7.4%).
    """
    if max(width, height) <= _SMALL:
        return list(tiles(width, height, _TILE, _OVERLAP))
    return list(balanced_tiles(width, height, _WINDOW, _OVERLAP))


def lines_from_probability(prob: np.ndarray, threshold: float, box_threshold: float,
                           unclip: float) -> list[tuple[np.ndarray, float]]:
    """A rotated rectangle (4 corners, float32) and a score for each text line, grown by DB's
    unclip distance, in the probability map's pixels."""
    raw = (prob > threshold).astype(np.uint8)
    if not raw.any():
        return []
    # Close one-pixel gaps so a line is one region, not a row of letters.
    mask = np.asarray(cv2.dilate(raw, np.ones((2, 2), np.uint8)), dtype=np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    h, w = prob.shape
    out: list[tuple[np.ndarray, float]] = []
    for contour in contours:
        if len(contour) < 3:
            continue
        rect = cv2.minAreaRect(contour)
        (rw, rh) = rect[1]
        if min(rw, rh) < 2:
            continue
        x, y, bw, bh = cv2.boundingRect(contour)
        region = prob[y : y + bh, x : x + bw]
        inside = mask[y : y + bh, x : x + bw].astype(bool)
        score = float(region[inside].mean()) if inside.any() else 0.0
        if score < box_threshold:
            continue
        # DB shrinks each text line by D = A * (1 - r^2) / L when training; unclip grows it back
        # by D' = A * ratio / L (A area, L perimeter of the region's min-area rectangle).
        distance = rw * rh * unclip / max(2 * (rw + rh), 1e-6)
        grown = ((rect[0]), (rw + 2 * distance, rh + 2 * distance), rect[2])
        out.append((cv2.boxPoints(grown).astype(np.float32), score))
    return out
