"""Small frozen value types shared by every stage of the pipeline."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from scanner.errors import InvalidShape


class FindingKind(StrEnum):
    FACE = "face"
    PERSON = "person"
    DOCUMENT = "document"
    SCREEN = "screen"
    TEXT = "text"
    CODE = "code"
    MANUAL = "manual"  # an area a reviewer marked by hand (review page)


class Action(StrEnum):
    MOSAIC = "mosaic"
    BLUR = "blur"
    FILL = "fill"
    KEPT = "kept"  # found but deliberately left (policy or reviewer decision)
    FLAGGED = "flagged"  # reported for a human to look at, pixels untouched

    @property
    def hides(self) -> bool:
        """Whether this action changes the pixels (mosaic, blur, fill)."""
        return self in (Action.MOSAIC, Action.BLUR, Action.FILL)


class Status(StrEnum):
    CLEAN = "clean"
    REDACTED = "redacted"
    ERROR = "error"
    SKIPPED = "skipped"

    @property
    def done(self) -> bool:
        """Scanned to the end (with a copy when one was asked for): clean or redacted."""
        return self in (Status.CLEAN, Status.REDACTED)


@dataclass(frozen=True, slots=True)
class Region:
    """An axis-aligned box in pixel coordinates, xyxy, x2/y2 exclusive.

    Refuses non-finite or inverted coordinates when built (``InvalidShape``): a box that exists
    can be placed, so a face can never be dropped for a box nobody can draw. A zero width or
    height is allowed (an empty box covers nothing).
    """

    x1: float
    y1: float
    x2: float
    y2: float

    def __post_init__(self) -> None:
        if not all(math.isfinite(c) for c in (self.x1, self.y1, self.x2, self.y2)):
            raise InvalidShape(f"a box has a non-finite coordinate: {self._coords()}")
        if self.x2 < self.x1 or self.y2 < self.y1:
            raise InvalidShape(f"a box is inverted: {self._coords()}")

    def _coords(self) -> str:
        return f"({self.x1}, {self.y1}, {self.x2}, {self.y2})"

    @classmethod
    def spanning(cls, xa: float, ya: float, xb: float, yb: float) -> Region:
        """The box between two corners given in any order (a box dragged leftwards)."""
        if not all(math.isfinite(c) for c in (xa, ya, xb, yb)):  # min/max would hide a NaN
            raise InvalidShape(f"a box has a non-finite coordinate: ({xa}, {ya}, {xb}, {yb})")
        return cls(min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb))

    @property
    def width(self) -> float:
        return max(0.0, self.x2 - self.x1)

    @property
    def height(self) -> float:
        return max(0.0, self.y2 - self.y1)

    @property
    def area(self) -> float:
        return self.width * self.height

    @property
    def empty(self) -> bool:
        return self.width <= 0 or self.height <= 0

    def clip(self, width: int, height: int) -> Region:
        return Region(
            min(max(self.x1, 0.0), float(width)),
            min(max(self.y1, 0.0), float(height)),
            min(max(self.x2, 0.0), float(width)),
            min(max(self.y2, 0.0), float(height)),
        )

    def expand(self, fraction: float) -> Region:
        """Grow by ``fraction`` of the width/height on every side."""
        dx, dy = self.width * fraction, self.height * fraction
        return Region(self.x1 - dx, self.y1 - dy, self.x2 + dx, self.y2 + dy)

    def scale(self, sx: float, sy: float | None = None) -> Region:
        sy = sx if sy is None else sy
        return Region(self.x1 * sx, self.y1 * sy, self.x2 * sx, self.y2 * sy)

    def shift(self, dx: float, dy: float) -> Region:
        return Region(self.x1 + dx, self.y1 + dy, self.x2 + dx, self.y2 + dy)

    def intersection(self, other: Region) -> float:
        w = min(self.x2, other.x2) - max(self.x1, other.x1)
        h = min(self.y2, other.y2) - max(self.y1, other.y1)
        return w * h if w > 0 and h > 0 else 0.0

    def share_inside(self, other: Region) -> float:
        """The fraction of this region's area that lies inside ``other`` (0 when empty)."""
        return self.intersection(other) / self.area if self.area > 0 else 0.0

    def iou(self, other: Region) -> float:
        inter = self.intersection(other)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    def to_int(self) -> tuple[int, int, int, int]:
        """Integer pixel box that fully contains this region (never shrinks it)."""
        return (
            math.floor(self.x1),
            math.floor(self.y1),
            math.ceil(self.x2),
            math.ceil(self.y2),
        )

    def as_list(self) -> list[int]:
        return list(self.to_int())


Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Shape:
    """A closed polygon in pixel coordinates (x right, y down): the area a finding covers.

    A text line is its rotated rectangle, a page or screen its quadrilateral, a paragraph the
    hull of its lines. Refuses fewer than three points and non-finite coordinates when built,
    so a shape that exists can be drawn and filled.
    """

    points: tuple[Point, ...]

    def __post_init__(self) -> None:
        if len(self.points) < 3:
            raise InvalidShape(f"a shape needs at least 3 points, not {len(self.points)}")
        for p in self.points:
            if len(p) != 2 or not (math.isfinite(p[0]) and math.isfinite(p[1])):
                raise InvalidShape(f"a shape has an invalid point {p!r}")

    @classmethod
    def of(cls, points: Iterable[Iterable[float]]) -> Shape:
        """From any sequence of (x, y) pairs (numpy rows included)."""
        return cls(tuple((float(x), float(y)) for x, y in points))

    @classmethod
    def box(cls, region: Region) -> Shape:
        """The region's corners; an inverted region, like an empty one, covers nothing."""
        x1, y1 = region.x1, region.y1
        x2, y2 = max(x1, region.x2), max(y1, region.y2)
        return cls(((x1, y1), (x2, y1), (x2, y2), (x1, y2)))

    @property
    def bounds(self) -> Region:
        xs = [x for x, _ in self.points]
        ys = [y for _, y in self.points]
        return Region(min(xs), min(ys), max(xs), max(ys))

    @property
    def area(self) -> float:
        """Enclosed area (shoelace; a self-crossing outline counts its loops against each
        other)."""
        pts = self.points
        twice = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1],
                                                                      strict=True))
        return abs(twice) / 2

    @property
    def is_box(self) -> bool:
        """An axis-aligned rectangle: its bounds cover exactly what it covers."""
        if len(self.points) != 4:
            return False
        b = self.bounds
        return all(x in (b.x1, b.x2) and y in (b.y1, b.y2) for x, y in self.points) and (
            len(set(self.points)) == 4)

    def as_list(self) -> list[list[float]]:
        return [[round(x, 1), round(y, 1)] for x, y in self.points]


@dataclass(frozen=True, slots=True)
class Finding:
    kind: FindingKind
    region: Region
    score: float
    detector: str
    action: Action | None = None  # decided by the pipeline, never by a detector
    detail: str = ""  # plain-words explanation; never the sensitive content itself
    pii: tuple[str, ...] = ()  # categories of personal data seen in it (scanner.detectors.pii keys)
    # What is hidden: the thing's own outline (a rotated line, a tilted page). None: ``region``
    # itself (faces, codes, drawn boxes). ``region`` is always the box around it.
    shape: Shape | None = None
    # The detector is not sure this is one (a face-like pattern on food or fur): the pipeline
    # flags it for a person to look at instead of hiding it.
    unsure: bool = False
    decided_by: str = ""  # "user" when a reviewer chose the action (review page); else automatic
    # In a video: the first and last second it is hidden (or seen, when not hidden), as one
    # track across frames; ``region``/``shape`` are then its largest box and outline.
    span: tuple[float, float] | None = None

    @property
    def hidden(self) -> bool:
        """Its pixels are redacted (not kept, flagged or undecided)."""
        return self.action is not None and self.action.hides

    def with_action(self, action: Action) -> Finding:
        return replace(self, action=action)

    @property
    def outline(self) -> Shape:
        """The area this finding covers, as a polygon."""
        return self.shape if self.shape is not None else Shape.box(self.region)


@dataclass(frozen=True, slots=True)
class ScanResult:
    source: str
    status: Status
    output: str | None = None
    width: int | None = None  # upright (after orientation)
    height: int | None = None
    format: str | None = None  # detected from content
    output_format: str | None = None
    findings: tuple[Finding, ...] = ()
    metadata_removed: tuple[str, ...] = ()  # categories only, never values
    notes: tuple[str, ...] = ()
    error: str | None = None
    verified: bool | None = None
    elapsed_s: float | None = None
    # Provenance, set by the batch: the content hashes the journal and --resume compare, and
    # whether this result was carried over from an earlier run instead of made now.
    source_sha256: str | None = None
    output_sha256: str | None = None
    resumed: bool = False
    # The file did not decode (never reported): a watcher waits, since it may still be arriving.
    undecodable: bool = False
    clip: Clip | None = None  # a video's facts (scanner.video); None for a photo


@dataclass(frozen=True, slots=True)
class Clip:
    """What a video result adds to a photo's: its findings are tracks (``Finding.span``)."""

    duration_s: float
    frames: int
    fps: float
    audio: str  # "none" (it had none), "dropped" (the default) or "kept" (--keep-audio)
    checked_frames: int = 0  # frames of the copy looked at again (verification)
    live_photo: bool = False  # the moving part of a Live Photo (a photo of the same name)

    def __post_init__(self) -> None:
        if self.audio not in ("none", "dropped", "kept"):
            raise ValueError(f"audio must be none, dropped or kept, not {self.audio!r}")
        if not (self.duration_s >= 0 and self.frames >= 0 and self.fps >= 0):
            raise ValueError("a clip's duration, frames and rate cannot be negative")
