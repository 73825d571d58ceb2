"""Documents, screens and readable text: PP-OCRv4 lines, joined into paragraphs, and the sheet
or display they sit on found by its own edges (scanner.detectors.surfaces).

Each finding's shape is a whole surface (a sheet, a receipt, a display) or, for text on no
distinct surface (a sign, a badge), its paragraph: the lines with a margin and the gaps between
them. Recognition runs to drop texture that looks like text and to explain the finding in the
report ("a document with what looks like a name and an NHS number"); the text itself never
leaves this module.
"""

from __future__ import annotations

import logging

import numpy as np

from scanner.config import ScanConfig
from scanner.detectors import pii, surfaces
from scanner.detectors.recognize import MIN_CONFIDENCE, Reading, TextRecognizer
from scanner.detectors.text import TextDetector
from scanner.types import Finding, FindingKind

log = logging.getLogger(__name__)

_NOUN = {"document": "a document", "screen": "a screen", "text": "readable text"}
SURE_READING = 0.5  # a short line read less surely than this, alone, is flagged, not hidden
SURE_LENGTH = 4  # ... when it has at most this many letters and digits
LONG_LINE = 4.0  # a line this many times longer than high is text, even read as a letter
REPEATED = 0.6  # a reading this much one character, alone, is flagged, not hidden
UNSURE = "something that may be text; PostSafe is not sure"


class DocumentDetector:
    name = "documents"
    finds = frozenset({FindingKind.TEXT, FindingKind.DOCUMENT, FindingKind.SCREEN})

    def __init__(self, config: ScanConfig) -> None:
        self.lines = TextDetector(config)
        self.reader = TextRecognizer() if config.text_recognition else None

    def detect(self, image: np.ndarray) -> list[Finding]:
        lines, readings = self._read_lines(image, self.lines.detect(image))
        if not lines:
            return []
        h, w = image.shape[:2]
        out: list[Finding] = []
        for surface in surfaces.find(image, [f.outline.points for f in lines]):
            texts = [r.text for i in surface.members if (r := readings[i]) is not None]
            counts = pii.classify(texts) if texts else {}
            # A line on its own that reads like texture: a few characters read only faintly
            # (foliage as "ARO", a herd as "MMAY"), or one character over and over (railings,
            # blinds, stripes as "67777"). A person is asked rather than the photo blanked. A
            # longer, varied reading (a blurred name badge) is hidden however faint.
            weak = surface.lines == 1 and all(
                (r := readings[i]) is not None and _texture_like(r)
                and not _misread(lines[i], r) for i in surface.members)
            out.append(Finding(
                kind=FindingKind(surface.kind),
                region=surface.shape.bounds.clip(w, h),
                score=float(max((lines[i].score for i in surface.members), default=0.5)),
                detector=self.name,
                detail=UNSURE if weak and not counts else describe(surface, counts),
                pii=tuple(sorted(counts)),
                shape=surface.shape,
                unsure=weak and not counts,
            ))
        return out

    def recheck(self, image: np.ndarray) -> list[Finding]:
        """Verification asks whether any readable text is still there: lines at a lower
        resolution, read only to drop texture, never classified."""
        lines, _ = self._read_lines(image, self.lines.recheck(image))
        return lines

    def _read_lines(self, image: np.ndarray, lines: list[Finding]
                    ) -> tuple[list[Finding], list[Reading | None]]:
        """Lines worth hiding, with what they say. Lines the recogniser reads as nothing
        (texture) are dropped; lines it did not get to (a very dense page) are kept."""
        if self.reader is None or not lines:
            return lines, [None] * len(lines)
        readings = self.reader.read(image, lines)
        kept = [(f, r) for f, r in zip(lines, readings, strict=True)
                if r is None or r.readable or _misread(f, r)]
        return [f for f, _ in kept], [r for _, r in kept]


def _texture_like(reading: Reading) -> bool:
    letters = [ch for ch in reading.text if ch.isalnum()]
    if reading.confidence < SURE_READING and len(letters) <= SURE_LENGTH:
        return True
    most = max((letters.count(ch) for ch in set(letters)), default=0)
    return len(letters) >= 4 and most >= REPEATED * len(letters)


def _misread(line: Finding, reading: Reading) -> bool:
    """A long line read as a letter or two: a line the recogniser failed on (curved on a bent
    page, blurred), not texture, which is found in blobs rather than long strips."""
    letters = sum(ch.isalnum() for ch in reading.text)
    if not 0 < letters <= 2 or reading.confidence < MIN_CONFIDENCE:
        return False
    shape = surfaces.Line.of(line.outline.points)
    return shape.length >= LONG_LINE * shape.height


def describe(surface: surfaces.Surface, counts: dict[str, int]) -> str:
    """"a document with what looks like a name and an NHS number" — kinds, never content."""
    noun = _NOUN[surface.kind]
    what = pii.describe(counts)
    lines = surface.lines
    if what:
        return f"{noun} with {what}"
    return f"{noun} ({lines} line{'s' if lines != 1 else ''} of text)"
