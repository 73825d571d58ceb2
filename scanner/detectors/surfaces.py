"""From text lines to what must be hidden: paragraphs, and the surfaces they are printed on.

Filling only the detected lines can leave faint text between them (a signature line, print too
pale to detect), so lines are first joined into **paragraphs**: lines that look like one block,
aligned, of similar height, closely and regularly spaced, on the same background. A paragraph's
shape is each line's rotated rectangle with a margin, plus the gaps between neighbouring lines.

A page, notice, whiteboard or screen is then hidden **up to its own boundary**: the area around
the paragraphs that is enclosed by edges in the image (the sheet's border, a bezel, a frame),
with the text itself bridged. That area must look like a thing, not like the world around it:
it must be enclosed, set off from its surroundings, and not much larger than its text unless
it is closed on every side. A colour is never flooded into a wall, a floor, a table, the sky,
skin or clothing. When no such boundary is found, the paragraphs themselves are hidden.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from shapely.geometry import Point, Polygon
from shapely.ops import unary_union

from scanner.geometry import hull
from scanner.types import Shape

log = logging.getLogger(__name__)

_WORK_SIDE = 1024  # surfaces are found on a copy this size: shape, not detail, matters
LINE_MARGIN = 0.2  # of a line's height, on every side of its rectangle
MARGIN_MAX_PX = 8.0
SURFACE_MIN_LINES = 3  # fewer lines are hidden as text: a sign, a badge, a label

# Joining lines into a paragraph (heights are those of the detected rectangles).
_SAME_ANGLE = np.deg2rad(12.0)
_HEIGHT_RATIO = 1.6
_ROW_GAP = 1.2  # words of one row: at most this many heights apart along the row
_ROW_OFFSET = 0.5  # ... and at most this many heights apart across it
_LINE_GAP = 1.0  # consecutive rows: at most this many heights of space between them
_OVERLAP = 0.3  # ... overlapping along the row by this share of the shorter one
_SAME_BACKGROUND = 22.0  # CIELAB distance between the two lines' surroundings

# Accepting a surface.
_MIN_GAIN = 1.3  # the surface must be at least this much larger than its paragraphs
# The share of a surface its paragraphs cover: a page, a notice or a screen is mostly text; a
# bus, a shop front or a wall with a few words on it is not a surface to hide whole. A sheet seen
# whole (closed on every side) may be mostly blank: a letter with a few lines at the top.
_DENSITY_OPEN = 0.3
_DENSITY_CLOSED = 0.1
_SOLIDITY = 0.75  # filled outline / convex hull: a sheet, not a spill with arms
_CONTRAST = 10.0  # CIELAB distance between a surface's rim and what lies just outside it
_CONTRAST_SHARE = 0.6  # ... on at least this share of its rim (the frame of the photo counts)


@dataclass(frozen=True, slots=True)
class Line:
    """A text line as a rotated rectangle: ``quad`` top-left, top-right, bottom-right,
    bottom-left with its long side along the text (image pixels)."""

    quad: np.ndarray  # (4, 2) float64
    centre: np.ndarray  # (2,)
    along: np.ndarray  # unit vector along the text
    across: np.ndarray  # unit vector across it, pointing down the page
    length: float
    height: float

    @classmethod
    def of(cls, points: Sequence[tuple[float, float]]) -> Line:
        (cx, cy), (w, h), angle = cv2.minAreaRect(np.asarray(points, dtype=np.float32))
        theta = np.deg2rad(angle)
        a = np.array([np.cos(theta), np.sin(theta)])
        b = np.array([-np.sin(theta), np.cos(theta)])
        length, height = float(w), float(h)
        if max(length, height) < 1.5 * min(length, height):
            # One or two letters: no telling which way they run; most text runs across.
            if abs(b[0]) > abs(a[0]):
                a, b, length, height = b, a, height, length
        elif height > length:  # the long side runs along the text
            a, b, length, height = b, a, height, length
        if a[0] < 0 or (a[0] == 0 and a[1] < 0):  # reading left to right
            a = -a
        b = np.array([-a[1], a[0]])  # down the page, for text read left to right
        c = np.array([cx, cy])
        return cls(_rectangle(c, a, b, length / 2, height / 2), c, a, b, max(length, 1e-6),
                   max(height, 1e-6))

    @property
    def margin(self) -> float:
        """What is hidden around the line: a fifth of its height, at most MARGIN_MAX_PX (the
        detector's rectangle of a large letter is as close as a small one's, in proportion)."""
        return min(LINE_MARGIN * self.height, MARGIN_MAX_PX)

    def grown(self, margin: float) -> np.ndarray:
        """The rectangle with ``margin`` px more on every side (less, when negative)."""
        return _rectangle(self.centre, self.along, self.across, self.length / 2 + margin,
                          self.height / 2 + margin)


def _rectangle(c: np.ndarray, a: np.ndarray, b: np.ndarray, half_length: float,
               half_height: float) -> np.ndarray:
    """Corners, top-left first, of the rectangle centred on ``c`` along ``a`` and ``b``."""
    hl, hh = half_length * a, half_height * b
    return np.array([c - hl - hh, c + hl - hh, c + hl + hh, c - hl + hh])


@dataclass(frozen=True, slots=True)
class Paragraph:
    members: tuple[int, ...]  # indices of its lines
    shape: Shape  # its lines with a margin, and the gaps between them
    links: tuple[tuple[int, int], ...] = ()  # the pairs of lines that joined it


@dataclass(frozen=True, slots=True)
class Surface:
    kind: str  # "document" | "screen" | "text"
    shape: Shape
    members: tuple[int, ...]  # indices of the lines it holds

    @property
    def lines(self) -> int:
        return len(self.members)


def find(image: np.ndarray, quads: Sequence[Sequence[tuple[float, float]]]) -> list[Surface]:
    """What to hide for these text lines (rotated rectangles, image pixels): one surface per
    sheet or screen found around them, and each other paragraph as text."""
    if not quads:
        return []
    h, w = image.shape[:2]
    scale = min(1.0, _WORK_SIDE / max(h, w))
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA) if scale < 1 else image
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
    lines = [Line.of(q) for q in quads]
    groups = paragraphs(lines, _backgrounds(lab, lines, scale))
    found = _surfaces(small, lab, lines, groups, scale)
    out: list[Surface] = []
    on_surfaces: set[int] = set()
    for kind, shape, members in found:
        held = set(members)
        whole = [p for p in groups if set(p.members) <= held]
        rest = held - {i for p in whole for i in p.members}
        parts = [p.shape.points for p in whole]
        parts += [tuple(map(tuple, lines[i].grown(lines[i].margin)))
                  for i in rest]
        out.append(Surface(kind, _holding(shape, parts), members))
        on_surfaces |= held
    for p in groups:
        if not set(p.members) <= on_surfaces:
            out.append(Surface("text", p.shape, p.members))
    return out


def _holding(shape: Shape, parts: Sequence[Sequence[tuple[float, float]]]) -> Shape:
    """``shape`` grown to hold each of ``parts`` (its paragraphs, with the gaps between their
    lines, and its other lines with their margins): text that runs past the edge found for
    its sheet is still hidden whole."""
    surface = Polygon(shape.points)
    polys = [Polygon(p) for p in parts]
    if all(surface.buffer(1e-6).contains(p) for p in polys):
        return shape
    merged = unary_union([surface, *polys])
    if merged.geom_type != "Polygon":
        merged = merged.convex_hull
    return Shape.of(list(Polygon(merged.exterior).exterior.coords)[:-1])


def paragraphs(lines: Sequence[Line], backgrounds: np.ndarray | None = None) -> list[Paragraph]:
    """Lines joined where they look like one block of text (see :func:`joined`)."""
    n = len(lines)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    edges: list[tuple[int, int]] = []
    for i in range(n):
        for j in range(i + 1, n):
            if backgrounds is not None and float(
                    np.linalg.norm(backgrounds[i] - backgrounds[j])) > _SAME_BACKGROUND:
                continue
            if joined(lines[i], lines[j]):
                edges.append((i, j))
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    by_root: dict[int, list[tuple[int, int]]] = {}
    for i, j in edges:
        by_root.setdefault(root(i), []).append((i, j))
    return [_paragraph(lines, members, by_root.get(r, [])) for r, members in groups.items()]


def joined(a: Line, b: Line) -> bool:
    """Whether two lines belong to one paragraph by their geometry: similar heights, the same
    direction, and either one row (words a short gap apart) or consecutive rows (a small gap
    between them, overlapping along the row)."""
    if a.length / a.height < b.length / b.height:
        a, b = b, a  # judged along the longer line: its direction is the surer one
    hi, lo = max(a.height, b.height), min(a.height, b.height)
    if hi > _HEIGHT_RATIO * lo:
        return False
    square = min(a.length / a.height, b.length / b.height) < 2.0  # one or two letters
    turn = abs(float(np.arctan2(a.along[1], a.along[0]) - np.arctan2(b.along[1], b.along[0])))
    turn = min(turn, 2 * np.pi - turn)
    if turn > _SAME_ANGLE and not square:
        return False
    d = b.centre - a.centre
    du, dv = abs(float(d @ a.along)), abs(float(d @ a.across))
    size = (a.height + b.height) / 2
    if dv <= _ROW_OFFSET * hi:  # one row
        return du - (a.length + b.length) / 2 <= _ROW_GAP * size
    gap = dv - (a.height + b.height) / 2
    overlap = (a.length + b.length) / 2 - du
    return gap <= _LINE_GAP * size and overlap >= _OVERLAP * min(a.length, b.length)


def _paragraph(lines: Sequence[Line], members: list[int],
               edges: list[tuple[int, int]]) -> Paragraph:
    grown = {i: lines[i].grown(lines[i].margin) for i in members}
    parts = [Polygon(grown[i]) for i in members]
    # Each join also hides what lies between its two lines: their hull.
    parts += [Polygon(hull(np.vstack([grown[i], grown[j]])).points) for i, j in edges]
    merged = unary_union(parts)
    if merged.geom_type != "Polygon":  # cannot happen for joined lines; cover it all anyway
        merged = merged.convex_hull
    # Holes (a table's empty cell) are covered too; simplifying after a 1 px growth keeps
    # every point of the union inside.
    outline = Polygon(merged.exterior).buffer(1.0, join_style="mitre").simplify(0.9)
    return Paragraph(tuple(members), Shape.of(list(outline.exterior.coords)[:-1]), tuple(edges))


def _backgrounds(lab: np.ndarray, lines: Sequence[Line], scale: float) -> np.ndarray:
    """The median colour (CIELAB) around each line: a band half a line high outside it."""
    h, w = lab.shape[:2]
    out = np.zeros((len(lines), 3), dtype=np.float32)
    for k, line in enumerate(lines):
        inner = (line.quad * scale).astype(np.float32)
        outer = (line.grown(0.5 * line.height) * scale).astype(np.float32)
        x1, y1 = np.floor(outer.min(axis=0)).astype(int)
        x2, y2 = np.ceil(outer.max(axis=0)).astype(int) + 1
        x1, y1, x2, y2 = max(0, x1), max(0, y1), min(w, x2), min(h, y2)
        if x2 <= x1 or y2 <= y1:
            continue
        band = np.zeros((y2 - y1, x2 - x1), np.uint8)
        cv2.fillPoly(band, [np.round(outer - (x1, y1)).astype(np.int32)], 1)
        cv2.fillPoly(band, [np.round(inner - (x1, y1)).astype(np.int32)], 0)
        pixels = lab[y1:y2, x1:x2][band > 0]
        if len(pixels) == 0:
            pixels = lab[y1:y2, x1:x2].reshape(-1, 3)
        out[k] = np.median(pixels, axis=0)
    return out


def _surfaces(small: np.ndarray, lab: np.ndarray, lines: Sequence[Line],
              groups: Sequence[Paragraph], scale: float
              ) -> list[tuple[str, Shape, tuple[int, ...]]]:
    """(kind, shape, line indices) of each sheet or screen found around the paragraphs."""
    sh, sw = small.shape[:2]
    grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (5, 5), 0)
    edges: np.ndarray = np.asarray(cv2.Canny(grey, 20, 60), dtype=np.uint8)
    # Colour edges too: a white page on a cream wall differs more in hue than in brightness.
    for channel in (1, 2):
        chroma = cv2.GaussianBlur(lab[..., channel], (5, 5), 0)
        stretched = np.clip(chroma * 2 - 128, 0, 255).astype(np.uint8)
        edges = np.maximum(edges, np.asarray(cv2.Canny(stretched, 20, 60), dtype=np.uint8))
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    # The letters are part of the surface they are printed on, not boundaries of it. Only the
    # core of each line is bridged (its rectangle less a quarter of its height all round: the
    # detector's rectangles reach past the ink), so a line near a sheet's or a screen's edge
    # cannot join it to the bezel or the desk beyond.
    cores = np.zeros((sh, sw), np.uint8)
    core = [line.grown(-0.25 * line.height) * scale for line in lines]
    for c in core:
        cv2.fillPoly(cores, [np.round(c).astype(np.int32)], 1)
    # ... and so is what lies between two joined lines (a table's ruled rows): their cores' hull.
    for p in groups:
        for i, j in p.links:
            pair = cv2.convexHull(np.round(np.vstack([core[i], core[j]])).astype(np.int32))
            cv2.fillConvexPoly(cores, pair, 1)
    open_area = ((edges == 0) | (cores > 0)).astype(np.uint8)
    _, labels = cv2.connectedComponents(open_area, connectivity=4)
    # Paragraphs by the area they mostly lie in.
    by_component: dict[int, list[int]] = {}
    for k, p in enumerate(groups):
        pts = np.round(np.asarray(p.shape.points) * scale).astype(np.int32)
        x1, y1 = np.maximum(pts.min(axis=0), 0)
        x2, y2 = np.minimum(pts.max(axis=0) + 1, (sw, sh))
        if x2 <= x1 or y2 <= y1:
            continue
        mask = np.zeros((y2 - y1, x2 - x1), np.uint8)
        cv2.fillPoly(mask, [pts - (x1, y1)], 1)
        ids, hits = np.unique(labels[y1:y2, x1:x2][mask > 0], return_counts=True)
        keep = ids != 0
        ids, hits = ids[keep], hits[keep]
        if len(ids):
            by_component.setdefault(int(ids[np.argmax(hits)]), []).append(k)
    out: list[tuple[str, Shape, tuple[int, ...]]] = []
    for comp_id, members in by_component.items():
        nlines = sum(len(groups[k].members) for k in members)
        if nlines < SURFACE_MIN_LINES:
            continue
        comp = (labels == comp_id).astype(np.uint8)
        text_area = float(sum(groups[k].shape.area for k in members)) * scale * scale
        found = _accept(comp, lab, text_area)
        if found is None:
            continue
        outline, closed = found
        kind = "document"
        ring = _outer_ring(comp) if closed else None
        if ring is not None and _dark_frame(lab, comp, ring):
            kind = "screen"
            # The whole display inside the bezel: panels of another colour (a title bar, a
            # side menu) are cut off from the text's panel by their edges.
            outline = _display(lab, comp, ring, outline)
        shape = Shape.of(outline / scale)
        held = tuple(sorted(i for k in members for i in groups[k].members))
        out.append((kind, shape, held))
    return _absorb(out, lines)


def _accept(comp: np.ndarray, lab: np.ndarray, text_area: float
            ) -> tuple[np.ndarray, bool] | None:
    """The outline (work pixels) of an area that is a sheet or screen around its text, and
    whether it is closed (off the photo's edges); None when it is not one."""
    sh, sw = comp.shape
    area = float(comp.sum())
    if area < _MIN_GAIN * text_area:
        log.debug("surface: no larger than its text")
        return None  # the paragraphs say it all
    contours, _ = cv2.findContours(comp, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    outline = max(contours, key=cv2.contourArea)
    convex = cv2.convexHull(outline)
    hull_area = float(cv2.contourArea(convex))
    if hull_area <= 0 or cv2.contourArea(outline) < _SOLIDITY * hull_area:
        log.debug("surface: not solid")
        return None  # a spill with arms along the gaps between things, not a sheet
    border = 2
    touches = bool(comp[:border].any() or comp[-border:].any() or comp[:, :border].any()
                   or comp[:, -border:].any())
    if text_area < (_DENSITY_OPEN if touches else _DENSITY_CLOSED) * hull_area:
        log.debug("surface: text covers %.2f of it (open: %s)", text_area / hull_area, touches)
        return None  # little text on a large area: a wall, a vehicle, a shop front
    if not _set_off(comp, lab):
        log.debug("surface: not set off from its surroundings")
        return None
    # Grow by the edge band that separated it from its surroundings (dilated edges: 2 px).
    grown = cv2.dilate(comp, np.ones((5, 5), np.uint8))
    contours, _ = cv2.findContours(grown, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    pts = cv2.convexHull(max(contours, key=cv2.contourArea)).reshape(-1, 2).astype(np.float64)
    return _pixel_outline(pts, 0.5), not touches


def _pixel_outline(pts: np.ndarray, grow: float) -> np.ndarray:
    """Pixel indices of a contour to an outline around those pixels (pixel (x, y) spans
    x..x+1), pushed out by ``grow`` px more from the centre."""
    return np.asarray(pts + 0.5 + grow * np.sign(pts - pts.mean(axis=0)))


def _set_off(comp: np.ndarray, lab: np.ndarray, width: int = 3) -> bool:
    """Whether the area's rim differs from what lies just outside it on most of its length
    (the photo's own edge counts as a boundary)."""
    sh, sw = comp.shape
    k = np.ones((2 * width + 1, 2 * width + 1), np.uint8)
    inside = comp.astype(bool) & ~cv2.erode(comp, k).astype(bool)
    outside = cv2.dilate(comp, k).astype(bool) & ~cv2.dilate(comp, np.ones((5, 5), np.uint8)
                                                               ).astype(bool)
    contours, _ = cv2.findContours(comp, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    rim = max(contours, key=cv2.contourArea).reshape(-1, 2)
    if len(rim) < 8:
        return False
    step = max(1, len(rim) // 200)
    good = total = 0
    for x, y in rim[::step]:
        total += 1
        if x <= 1 or y <= 1 or x >= sw - 2 or y >= sh - 2:
            good += 1
            continue
        r = 2 * width + 2
        x1, y1, x2, y2 = max(0, x - r), max(0, y - r), min(sw, x + r + 1), min(sh, y + r + 1)
        a = lab[y1:y2, x1:x2][inside[y1:y2, x1:x2]]
        b = lab[y1:y2, x1:x2][outside[y1:y2, x1:x2]]
        if len(a) and len(b) and float(np.linalg.norm(np.median(a, axis=0)
                                                      - np.median(b, axis=0))) >= _CONTRAST:
            good += 1
    return good >= _CONTRAST_SHARE * total


def _dark_frame(lab: np.ndarray, comp: np.ndarray, ring: np.ndarray) -> bool:
    """A band just outside the surface, on three of its four sides at least, much darker than
    it: a bezel or a device's body (a poster's coloured header on one side is not one)."""
    ys, xs = np.nonzero(ring)
    if not len(ys):
        return False
    cys, cxs = np.nonzero(comp)
    lightness = float(np.median(lab[..., 0][cys, cxs]))
    dark = min(90.0, 0.45 * lightness)
    values = lab[..., 0][ys, xs]
    dx, dy = xs - cxs.mean(), ys - cys.mean()
    # Sides by direction from the centre, scaled by the surface's own extent.
    dx /= max(float(np.ptp(cxs)), 1.0)
    dy /= max(float(np.ptp(cys)), 1.0)
    across = np.abs(dx) >= np.abs(dy)
    sides = [values[across & (dx < 0)], values[across & (dx >= 0)],
             values[~across & (dy < 0)], values[~across & (dy >= 0)]]
    return sum(len(v) > 0 and float(v.mean()) < dark for v in sides) >= 3


def _outer_ring(comp: np.ndarray) -> np.ndarray:
    """A 4 px band around the area's outline (a QR code on a poster is a dark hole in it, not
    a frame), beyond the band of edge pixels that bounds it (2-3 px)."""
    contours, _ = cv2.findContours(comp, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    whole = np.zeros_like(comp)
    cv2.drawContours(whole, contours, -1, 1, thickness=cv2.FILLED)
    return np.asarray(cv2.dilate(whole, np.ones((15, 15), np.uint8))
                      - cv2.dilate(whole, np.ones((7, 7), np.uint8)))


def _display(lab: np.ndarray, comp: np.ndarray, ring: np.ndarray, outline: np.ndarray
             ) -> np.ndarray:
    """The outline of the hole in the dark bezel around ``comp`` (work pixels), when there is
    one no more than twice its size; else ``outline`` itself."""
    cut = max(40.0, 1.5 * float(lab[..., 0][ring > 0].mean()))
    dark = np.asarray(cv2.morphologyEx((lab[..., 0] < cut).astype(np.uint8), cv2.MORPH_CLOSE,
                                       np.ones((3, 3), np.uint8)), dtype=np.uint8)
    contours, hierarchy = cv2.findContours(dark, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return outline
    area = float(comp.sum())
    ys, xs = np.nonzero(comp)
    inside = (float(xs.mean()), float(ys.mean()))
    for contour, (_, _, _, parent) in zip(contours, hierarchy[0], strict=True):
        if parent < 0:  # an outer boundary; holes have a parent
            continue
        hole = cv2.convexHull(contour)
        if (area <= 1.1 * cv2.contourArea(hole) <= 2.2 * area
                and cv2.pointPolygonTest(hole, inside, False) > 0):
            return _pixel_outline(hole.reshape(-1, 2).astype(np.float64), 1.5)
    return outline


def _absorb(found: list[tuple[str, Shape, tuple[int, ...]]], lines: Sequence[Line]
            ) -> list[tuple[str, Shape, tuple[int, ...]]]:
    """A surface inside another (a table cell on a page) is part of it: the larger one takes
    its lines. Lines whose centre lies on a surface belong to it."""
    ordered = sorted(found, key=lambda s: -s[1].area)
    polys = [Polygon(s[1].points) for s in ordered]
    out: list[tuple[str, Shape, tuple[int, ...]]] = []
    kept: list[int] = []
    for k, (kind, shape, members) in enumerate(ordered):
        outer = next((m for m in kept if polys[m].buffer(2.0).contains(polys[k])), None)
        if outer is not None:
            okind, oshape, omembers = out[kept.index(outer)]
            out[kept.index(outer)] = (okind, oshape, tuple(sorted({*omembers, *members})))
            continue
        kept.append(k)
        out.append((kind, shape, members))
    result = []
    for kind, shape, members in out:
        poly = Polygon(shape.points)
        inside = {i for i, line in enumerate(lines) if poly.contains(Point(*line.centre))}
        result.append((kind, shape, tuple(sorted(inside | set(members)))))
    return result
