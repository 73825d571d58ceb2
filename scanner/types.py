"""Small frozen value types shared by every stage of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


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


class Status(StrEnum):
    CLEAN = "clean"
    REDACTED = "redacted"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Region:
    """An axis-aligned box in pixel coordinates, xyxy, x2/y2 exclusive."""

    x1: float
    y1: float
    x2: float
    y2: float

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

    def union(self, other: Region) -> Region:
        """The box around both."""
        return Region(min(self.x1, other.x1), min(self.y1, other.y1),
                      max(self.x2, other.x2), max(self.y2, other.y2))

    @property
    def corners(self) -> tuple[tuple[float, float], ...]:
        """Top-left, top-right, bottom-right, bottom-left: the region as a quadrilateral."""
        return ((self.x1, self.y1), (self.x2, self.y1), (self.x2, self.y2), (self.x1, self.y2))

    def iou(self, other: Region) -> float:
        inter = self.intersection(other)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    def to_int(self) -> tuple[int, int, int, int]:
        """Integer pixel box that fully contains this region (never shrinks it)."""
        import math

        return (
            math.floor(self.x1),
            math.floor(self.y1),
            math.ceil(self.x2),
            math.ceil(self.y2),
        )

    def as_list(self) -> list[int]:
        return list(self.to_int())


@dataclass(frozen=True, slots=True)
class Finding:
    kind: FindingKind
    region: Region
    score: float
    detector: str
    action: Action | None = None  # decided by the pipeline, never by a detector
    detail: str = ""  # plain-words explanation; never the sensitive content itself
    pii: tuple[str, ...] = ()  # categories of personal data seen in it (scanner.pii keys)
    quad: tuple[tuple[float, float], ...] = ()  # corners of a rotated line/surface, if known
    decided_by: str = ""  # "user" when a reviewer chose the action (review page); else automatic

    def with_action(self, action: Action) -> Finding:
        return replace(self, action=action)


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
    extra: dict[str, object] = field(default_factory=dict)
