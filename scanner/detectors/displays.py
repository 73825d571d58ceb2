"""Screens that show no readable text: a lit, rectangular panel inside a dark bezel.

Text leads to most screens (see documents.py); this finds the rest from the picture alone: a
convex four-sided region, much brighter than a thin band around it that is dark (the bezel or
the device's body). Photo frames can look alike; a frame is redacted needlessly now and then,
which is a nuisance, while a missed screen showing a resident's record is a breach.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from scanner.config import ScanConfig
from scanner.geometry import nms, rescale
from scanner.types import Finding, FindingKind, Region, Shape

log = logging.getLogger(__name__)

_WORK_SIDE = 640


class DisplayDetector:
    name = "displays"
    finds = frozenset({FindingKind.SCREEN})

    def __init__(self, config: ScanConfig) -> None:
        self.min_area = 0.004  # of the image
        self.max_area = 0.7

    def detect(self, image: np.ndarray) -> list[Finding]:
        h, w = image.shape[:2]
        scale = min(1.0, _WORK_SIDE / max(h, w))
        small = rescale(image, scale)
        grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
        sh, sw = grey.shape
        candidates: list[tuple[np.ndarray, float]] = []
        blurred = cv2.GaussianBlur(grey, (5, 5), 0)
        # Panels show up as bright blobs at one of a few brightness cuts, or as closed edges.
        masks = [(blurred > t).astype(np.uint8) for t in (110, 150, 190)]
        edges = np.asarray(cv2.dilate(cv2.Canny(blurred, 40, 120), np.ones((3, 3), np.uint8)),
                           dtype=np.uint8)
        masks.append(edges)
        contours_all: list[np.ndarray] = []
        for mask in masks:
            contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
            contours_all.extend(contours)
        # A bezel is a dark ring: its hole is the panel, whatever the panel shows (dark
        # thumbnails on a web page break the bright blob, not the ring around it).
        for cut in (50, 75):
            dark = (blurred < cut).astype(np.uint8)
            contours, hierarchy = cv2.findContours(dark, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
            if hierarchy is not None:
                contours_all.extend(c for c, hinfo in zip(contours, hierarchy[0], strict=True)
                                    if hinfo[3] != -1)
        for c in contours_all:
            area = cv2.contourArea(c)
            if not self.min_area * sh * sw <= area <= self.max_area * sh * sw:
                continue
            quad = _as_quad(c)
            if quad is None:
                continue
            score = _panel_score(blurred, quad)
            if score > 0:
                candidates.append((quad, score))
        if not candidates:
            return []
        boxes = np.array([[*q.min(axis=0), *q.max(axis=0)] for q, _ in candidates], np.float32)
        scores = np.array([s for _, s in candidates], np.float32)
        out: list[Finding] = []
        for i in nms(boxes, scores, 0.5):
            x1, y1, x2, y2 = boxes[i] / scale
            # The margin takes in the panel's edge pixels lost to blur and rounding and, for a
            # panel that is small in the frame, the bezel: the device's outline says a screen
            # was there. A panel filling most of the frame keeps a thin margin, so the rest of
            # the photo stays.
            panel = Region(float(x1), float(y1), float(x2), float(y2))
            margin = 0.08 if panel.area < 0.25 * w * h else 0.03
            quad = candidates[i][0] / scale
            centre = quad.mean(axis=0)
            # The panel's own quadrilateral, grown about its centre by the margin on each side.
            shape = Shape.of(centre + (quad - centre) * (1 + 2 * margin))
            region = shape.bounds.clip(w, h)
            out.append(Finding(FindingKind.SCREEN, region, float(scores[i]), self.name,
                               detail="a screen", shape=shape))
        return out


    def recheck(self, image: np.ndarray) -> list[Finding]:
        """Verification looks again for faces and text. A filled region is a flat, lit
        rectangle by construction, so looking for panels there would only find our fills."""
        return []


def _as_quad(contour: np.ndarray) -> np.ndarray | None:
    hull = cv2.convexHull(contour)
    hull_area = cv2.contourArea(hull)
    if hull_area <= 0 or cv2.contourArea(contour) < 0.85 * hull_area:
        return None
    peri = cv2.arcLength(hull, True)
    approx = cv2.approxPolyDP(hull, 0.04 * peri, True)
    if len(approx) != 4:
        return None
    quad = approx.reshape(4, 2).astype(np.float32)
    (_, _), (rw, rh), _ = cv2.minAreaRect(quad)
    if min(rw, rh) < 8:
        return None
    aspect = max(rw, rh) / min(rw, rh)
    # 4:3 and 16:9 panels, phones up to about 20:9; long strips are shelves and shadows.
    if aspect > 2.4 or rw * rh < 1 or hull_area < 0.85 * rw * rh:
        return None
    return quad


def _panel_score(grey: np.ndarray, quad: np.ndarray) -> float:
    """> 0 when the quad is lit and ringed by something dark; larger is clearer."""
    h, w = grey.shape
    inside = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 1)
    (_, _), (rw, rh), _ = cv2.minAreaRect(quad)
    band = max(3, int(0.06 * min(rw, rh)))
    ring = cv2.dilate(inside, np.ones((2 * band + 1, 2 * band + 1), np.uint8)) - inside
    if not ring.any() or not inside.any():
        return 0.0
    panel = float(grey[inside > 0].mean())
    frame = float(grey[ring > 0].mean())
    if panel < 100 or panel - frame < 50:
        return 0.0
    # The frame must be dark all round, not only on one side (a shadow under a picture).
    sides = sorted(_side_means(grey, ring, quad))
    if frame <= 70 and sides[3] <= 95:
        return min(1.0, (panel - frame) / 150.0)
    # A glossy bezel catches the room's light on one side (a lamp above a monitor): three
    # dark sides still make a bezel, while a shadow under a picture darkens only one.
    # Only when the whole ring lies in the picture: sky over a dark field, cut by the edges of
    # the photo, would pass otherwise.
    x1, y1 = quad.min(axis=0)
    x2, y2 = quad.max(axis=0)
    whole_ring = x1 >= band and y1 >= band and x2 < w - band and y2 < h - band
    if whole_ring and frame <= 95 and sides[2] <= 90:
        return min(0.5, (panel - frame) / 300.0)
    return 0.0


def _side_means(grey: np.ndarray, ring: np.ndarray, quad: np.ndarray) -> list[float]:
    cx, cy = quad.mean(axis=0)
    ys, xs = np.nonzero(ring)
    values = grey[ys, xs].astype(np.float32)
    dx, dy = xs - cx, ys - cy
    horizontal = np.abs(dx) >= np.abs(dy)
    parts = [values[horizontal & (dx < 0)], values[horizontal & (dx >= 0)],
             values[~horizontal & (dy < 0)], values[~horizontal & (dy >= 0)]]
    return [float(p.mean()) if p.size else 255.0 for p in parts]
