"""Documents and screens as surfaces: from detected text lines to the sheet or display they sit on.

Filling only the detected lines leaves partly legible text between them, so text lines are
grouped into blocks and each block is grown to the physical surface around it: the connected
area of the block's background colour (paper, or a screen's backlit background), bridged across
the text itself. A surface that is light and matte reads as a document; one framed by a dark
bezel reads as a screen; a block that sits on no distinct surface (a sign, a badge) stays text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from scanner.types import Region

log = logging.getLogger(__name__)

_WORK_SIDE = 1024  # surfaces are found on a copy this size: shape, not detail, matters


@dataclass(frozen=True, slots=True)
class Block:
    region: Region  # union of its lines, image pixels
    lines: int
    line_height: float  # median, image pixels


@dataclass(frozen=True, slots=True)
class Surface:
    kind: str  # "document" | "screen" | "text"
    region: Region  # axis-aligned box around the surface, image pixels
    quad: tuple[tuple[float, float], ...]  # four corners, image pixels
    block: Block


def group_lines(lines: list[Region], gap: float = 1.2) -> list[Block]:
    """Union-find over lines whose boxes, grown by ``gap`` line heights, touch."""
    n = len(lines)
    if n == 0:
        return []
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    heights = np.array([max(r.height, 1.0) for r in lines])
    boxes = np.array([[r.x1, r.y1, r.x2, r.y2] for r in lines])
    for i in range(n):
        gi = heights[i] * gap
        # Vectorised overlap test of line i (grown) against every later line.
        j = np.arange(i + 1, n)
        if j.size == 0:
            continue
        gj = heights[j] * gap
        touch = (
            (boxes[j, 0] - gj <= boxes[i, 2] + gi)
            & (boxes[j, 2] + gj >= boxes[i, 0] - gi)
            & (boxes[j, 1] - gj <= boxes[i, 3] + gi)
            & (boxes[j, 3] + gj >= boxes[i, 1] - gi)
        )
        for k in j[touch]:
            ri, rk = find(i), find(int(k))
            if ri != rk:
                parent[rk] = ri
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    blocks = []
    for members in groups.values():
        b = boxes[members]
        blocks.append(Block(Region(float(b[:, 0].min()), float(b[:, 1].min()),
                                   float(b[:, 2].max()), float(b[:, 3].max())),
                            len(members), float(np.median(heights[members]))))
    return blocks


def find_surfaces(image: np.ndarray, lines: list[Region]) -> list[Surface]:
    h, w = image.shape[:2]
    blocks = group_lines(lines)
    if not blocks:
        return []
    scale = min(1.0, _WORK_SIDE / max(h, w))
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA) if scale < 1 else image
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
    text_mask = np.zeros(small.shape[:2], np.uint8)
    for r in lines:
        x1, y1, x2, y2 = r.scale(scale).clip(small.shape[1], small.shape[0]).to_int()
        text_mask[y1:y2, x1:x2] = 1
    surfaces = []
    for block in blocks:
        surfaces.append(_surface_for(block, small, lab, text_mask, scale, w, h))
    return surfaces


def _surface_for(block: Block, small: np.ndarray, lab: np.ndarray, text_mask: np.ndarray,
                 scale: float, width: int, height: int) -> Surface:
    sh, sw = small.shape[:2]
    bx1, by1, bx2, by2 = block.region.scale(scale).clip(sw, sh).to_int()
    fallback = _as_text(block, width, height)
    if bx2 - bx1 < 2 or by2 - by1 < 2:
        return fallback
    inside = lab[by1:by2, bx1:bx2]
    background = inside[text_mask[by1:by2, bx1:bx2] == 0]
    if background.size < 30:
        background = inside.reshape(-1, 3)
    colour = np.median(background, axis=0)
    spread = np.median(np.abs(background - colour), axis=0)
    tol = float(np.clip(3.0 * np.linalg.norm(spread) + 10.0, 14.0, 32.0))
    similar = (np.linalg.norm(lab - colour, axis=2) < tol).astype(np.uint8)
    # Text counts as surface (it is printed on it); closing bridges gaps around the letters.
    similar |= text_mask
    k = max(3, int(block.line_height * scale * 1.5) | 1)
    similar = cv2.morphologyEx(similar, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(similar, connectivity=4)
    # The component that covers most of the block.
    ids, hits = np.unique(labels[by1:by2, bx1:bx2], return_counts=True)
    order = [i for i in ids[np.argsort(-hits)] if i != 0 or similar[labels == 0].any()]
    if not order:
        return fallback
    comp = (labels == order[0]).astype(np.uint8)
    comp_area = int(comp.sum())
    block_area = max((bx2 - bx1) * (by2 - by1), 1)
    touches = _border_sides(comp)
    # A component spilling over the whole frame (a white wall behind a sign) is no sheet.
    if comp_area > 0.9 * sh * sw and block_area < 0.3 * sh * sw:
        return fallback
    contours, _ = cv2.findContours(comp, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    quad = _quad(hull)
    hull_area = float(cv2.contourArea(hull))
    if hull_area < block_area:
        return fallback
    # Few lines on a huge "surface", or a block lost in a surface that runs off the frame:
    # the colour spread into a wall or a sky around a sign, not a sheet of paper. A panel
    # inside a dark bezel is the exception: a screen showing a few words and many pictures.
    framed = touches == 0 and _dark_frame(lab, comp, float(colour[0]))
    if not framed and ((block.lines <= 3 and hull_area > 20 * block_area) or (
        touches >= 2 and block_area < 0.08 * hull_area
    )):
        return fallback
    kind = _classify(small, lab, comp, quad, colour, block, touches, hull_area, block_area)
    qx, qy = quad[:, 0] / scale, quad[:, 1] / scale
    # The box around the whole hull, so no corner of the sheet escapes an axis-aligned fill.
    hx, hy, hw, hh = cv2.boundingRect(hull)
    region = Region(hx / scale, hy / scale, (hx + hw) / scale, (hy + hh) / scale)
    region = region.union(block.region)
    if kind == "text":
        return fallback
    return Surface(kind, region.clip(width, height),
                   tuple((float(x), float(y)) for x, y in zip(qx, qy, strict=True)), block)


def _as_text(block: Block, width: int, height: int) -> Surface:
    # Grow by half a line so descenders and accents near the box edge go too.
    pad = block.line_height * 0.5
    r = Region(block.region.x1 - pad, block.region.y1 - pad, block.region.x2 + pad,
               block.region.y2 + pad).clip(width, height)
    return Surface("text", r, r.corners, block)


def _border_sides(mask: np.ndarray) -> int:
    return int(mask[0].any()) + int(mask[-1].any()) + int(mask[:, 0].any()) + int(
        mask[:, -1].any())


def _dark_frame(lab: np.ndarray, comp: np.ndarray, lightness: float) -> bool:
    """A band just outside the surface that is much darker than it: a bezel or a device body."""
    ring = cv2.dilate(comp, np.ones((9, 9), np.uint8)) - comp
    if not ring.any():
        return False
    ring_l = float(lab[..., 0][ring > 0].mean())
    return ring_l < 0.45 * lightness and ring_l < 90


def _quad(hull: np.ndarray) -> np.ndarray:
    peri = cv2.arcLength(hull, True)
    for eps in (0.02, 0.04, 0.06, 0.1):
        approx = cv2.approxPolyDP(hull, eps * peri, True)
        if len(approx) == 4:
            return approx.reshape(4, 2).astype(np.float32)
    return cv2.boxPoints(cv2.minAreaRect(hull)).astype(np.float32)


def _classify(small: np.ndarray, lab: np.ndarray, comp: np.ndarray, quad: np.ndarray,
              colour: np.ndarray, block: Block, touches: int, hull_area: float,
              block_area: int) -> str:
    """document | screen | text, from the surface's look."""
    lightness, a, b = float(colour[0]), float(colour[1]) - 128, float(colour[2]) - 128
    chroma = (a * a + b * b) ** 0.5
    surface_px = hull_area
    # A sign or badge: a few short lines on a surface barely larger than the text.
    if block.lines <= 2 and surface_px < 2.5 * block_area:
        return "text"
    # Screens: a dark frame (bezel or body) right outside the surface on most sides.
    if _dark_frame(lab, comp, lightness):
        return "screen"
    if lightness > 120 and chroma < 40:
        return "document"
    if block.lines >= 3:
        return "document"
    return "text"
