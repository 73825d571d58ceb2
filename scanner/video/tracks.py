"""Faces followed across a video's frames. Pure functions on ``Region``s, no pixels.

Faces are detected every ``stride`` frames. ``link`` joins the boxes of successive detection
frames into tracks (greedy, by overlap); ``covering`` then gives each frame the boxes to hide:
inside a track, boxes are interpolated linearly between its detections, so a face is never left
visible in a frame between two frames where it is hidden; and each track is extended by a margin
of frames before its first detection and after its last (clipped to the video), which covers the
frames a face was on screen but between two detections.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from scanner.types import Region


@dataclass(frozen=True, slots=True)
class Track:
    """One face's detections: (frame index, box), in frame order, at least one."""

    detections: tuple[tuple[int, Region], ...]

    @property
    def first(self) -> int:
        return self.detections[0][0]

    @property
    def last(self) -> int:
        return self.detections[-1][0]

    @property
    def largest(self) -> Region:
        return max((box for _, box in self.detections), key=lambda b: b.area)


def _distance(a: Region, b: Region) -> float:
    """Between the boxes' centres, in units of the larger box's larger side."""
    dx = (a.x1 + a.x2 - b.x1 - b.x2) / 2
    dy = (a.y1 + a.y2 - b.y1 - b.y2) / 2
    side = max(a.width, a.height, b.width, b.height)
    return (dx * dx + dy * dy) ** 0.5 / side if side > 0 else float("inf")


Predict = Callable[[int, Region, int], Region]


def link(detections: Mapping[int, Sequence[Region]], *, max_gap: int,
         min_iou: float = 0.1, reach: float = 1.5, predict: Predict | None = None
         ) -> list[Track]:
    """Tracks from per-frame boxes. Frames are visited in order; each box joins the open track
    whose last box it overlaps most (IoU at least ``min_iou``), or, for a face that moved
    further than its size between two detections, whose last box's centre is nearest (within
    ``reach`` box sizes); greedily, best pairs first. Other boxes start new tracks. A track with
    no detection for more than ``max_gap`` frames is closed. ``predict(frame, box, later)``:
    where a box seen in ``frame`` is expected in frame ``later`` (its motion); the last box is
    compared as predicted."""
    open_: list[list[tuple[int, Region]]] = []
    closed: list[list[tuple[int, Region]]] = []
    for frame in sorted(detections):
        still: list[list[tuple[int, Region]]] = []
        for track in open_:
            (closed if frame - track[-1][0] > max_gap else still).append(track)
        open_ = still
        boxes = [b for b in detections[frame] if not b.empty]
        expected = [predict(track[-1][0], track[-1][1], frame) if predict else track[-1][1]
                    for track in open_]
        pairs = sorted(
            ((expected[t].iou(box), -_distance(expected[t], box), t, b)
             for t in range(len(open_)) for b, box in enumerate(boxes)),
            key=lambda p: (-p[0], -p[1], p[2], p[3]))
        used_t: set[int] = set()
        used_b: set[int] = set()
        for score, closeness, t, b in pairs:
            if (score < min_iou and -closeness > reach) or t in used_t or b in used_b:
                continue
            used_t.add(t)
            used_b.add(b)
            open_[t].append((frame, boxes[b]))
        open_.extend([(frame, box)] for b, box in enumerate(boxes) if b not in used_b)
    return sorted((Track(tuple(t)) for t in closed + open_), key=lambda t: (t.first, t.last))


def lerp(a: Region, b: Region, f: float) -> Region:
    """The box a fraction ``f`` (0..1) of the way from ``a`` to ``b``."""
    return Region(a.x1 + (b.x1 - a.x1) * f, a.y1 + (b.y1 - a.y1) * f,
                  a.x2 + (b.x2 - a.x2) * f, a.y2 + (b.y2 - a.y2) * f)


def _velocity(a: tuple[int, Region], b: tuple[int, Region]) -> tuple[float, float]:
    """How far the box's centre moves a frame, from detection ``a`` to detection ``b``."""
    (fa, ra), (fb, rb) = a, b
    if fb == fa:
        return 0.0, 0.0
    return ((rb.x1 + rb.x2 - ra.x1 - ra.x2) / 2 / (fb - fa),
            (rb.y1 + rb.y2 - ra.y1 - ra.y2) / 2 / (fb - fa))


def _held(box: Region, vx: float, vy: float, frames: int) -> Region:
    """``box`` held in place, and also where it would be ``frames`` frames on at its velocity:
    a face that enters the shot moving is covered along the way it came, as well as where
    it was first seen."""
    dx, dy = vx * frames, vy * frames
    return Region(box.x1 + min(0.0, dx), box.y1 + min(0.0, dy),
                  box.x2 + max(0.0, dx), box.y2 + max(0.0, dy))


def track_boxes(track: Track, *, margin: int, n_frames: int) -> dict[int, Region]:
    """The box to hide in every frame the track covers: its detections, linear interpolation
    between them, and for ``margin`` frames before/after, its first/last box held and
    stretched back/on along its motion, all within ``[0, n_frames)``."""
    boxes: dict[int, Region] = {}
    dets = track.detections
    for (fa, ba), (fb, bb) in zip(dets, dets[1:], strict=False):
        for f in range(fa, fb):
            boxes[f] = lerp(ba, bb, (f - fa) / (fb - fa)) if fb > fa else ba
    boxes[track.last] = dets[-1][1]
    v_in = _velocity(dets[0], dets[1]) if len(dets) > 1 else (0.0, 0.0)
    v_out = _velocity(dets[-2], dets[-1]) if len(dets) > 1 else (0.0, 0.0)
    for f in range(max(0, track.first - margin), track.first):
        boxes[f] = _held(dets[0][1], *v_in, f - track.first)
    for f in range(track.last + 1, min(n_frames, track.last + margin + 1)):
        boxes[f] = _held(dets[-1][1], *v_out, f - track.last)
    return {f: b for f, b in boxes.items() if 0 <= f < n_frames}


def covering(tracks: Sequence[Track], *, margin: int, n_frames: int) -> dict[int, list[Region]]:
    """Each frame's boxes to hide, from every track (frames with none are absent)."""
    out: dict[int, list[Region]] = {}
    for track in tracks:
        for f, box in track_boxes(track, margin=margin, n_frames=n_frames).items():
            out.setdefault(f, []).append(box)
    return out
