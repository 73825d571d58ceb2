"""Documents, screens and readable text: PP-OCRv4 lines grown to the surface they sit on.

Each finding covers a whole surface (a sheet, a receipt, a display) or, for text on no distinct
surface (a sign, a badge), the text block with a margin. Recognition runs only to explain the
finding in the report ("a document with what looks like a name and an NHS number"); the text
itself never leaves this module.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np

from scanner import pii
from scanner.config import ScanConfig
from scanner.detectors.recognize import Reading, TextRecognizer
from scanner.detectors.text import TextDetector
from scanner.surfaces import Block, Surface, find_surfaces
from scanner.types import Finding, FindingKind, Region

log = logging.getLogger(__name__)

_NOUN = {"document": "a document", "screen": "a screen", "text": "readable text"}


class DocumentDetector:
    name = "documents"

    def __init__(self, config: ScanConfig) -> None:
        self.lines = TextDetector(config)
        self.reader = TextRecognizer() if config.text_recognition else None

    def detect(self, image: np.ndarray) -> list[Finding]:
        lines, readings = self._read_lines(image, self.lines.detect(image))
        if not lines:
            return []
        regions = [f.region for f in lines]
        out: list[Finding] = []
        for surface in _stack_columns(_merge(find_surfaces(image, regions))):
            members = [i for i, f in enumerate(lines) if _inside(f.region, surface.block.region)]
            texts = [r.text for i in members if (r := readings[i]) is not None]
            counts = pii.classify(texts) if texts else {}
            out.append(Finding(
                kind=FindingKind(surface.kind),
                region=surface.region,
                score=float(max((lines[i].score for i in members), default=0.5)),
                detector=self.name,
                detail=describe(surface, counts),
                pii=tuple(sorted(counts)),
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
        kept = [(f, r) for f, r in zip(lines, readings, strict=True) if r is None or r.readable]
        return [f for f, _ in kept], [r for _, r in kept]


def describe(surface: Surface, counts: dict[str, int]) -> str:
    """"a document with what looks like a name and an NHS number" — kinds, never content."""
    noun = _NOUN[surface.kind]
    what = pii.describe(counts)
    lines = surface.block.lines
    if what:
        return f"{noun} with {what}"
    return f"{noun} ({lines} line{'s' if lines != 1 else ''} of text)"


def _merge(surfaces: list[Surface]) -> list[Surface]:
    """Blocks on one sheet each find that sheet: keep one surface per sheet, with all its lines.

    Surfaces that mostly overlap are folded into the larger one (its kind wins; its block
    grows to hold both blocks' lines, so recognition reads them all).
    """
    merged: list[Surface] = []
    for s in sorted(surfaces, key=lambda s: -s.region.area):
        for i, m in enumerate(merged):
            if s.region.share_inside(m.region) >= 0.7:
                block = Block(m.block.region.union(s.block.region),
                              m.block.lines + s.block.lines, m.block.line_height)
                merged[i] = replace(m, block=block)
                break
        else:
            merged.append(s)
    return merged


def _stack_columns(surfaces: list[Surface], gap_lines: float = 4.0) -> list[Surface]:
    """Join text blocks stacked in one column a few line heights apart into one region.

    Paper that cannot be told from its background (a white receipt on a white table) leaves
    its blocks as plain text; the faint lines between them (a signature line, a total's
    underline, print too pale to detect) would be left in the gaps.
    """
    out = list(surfaces)
    changed = True
    while changed:
        changed = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                a, b = out[i], out[j]
                if a.kind != "text" or b.kind != "text":
                    continue
                ra, rb = a.region, b.region
                overlap = min(ra.x2, rb.x2) - max(ra.x1, rb.x1)
                gap = max(ra.y1, rb.y1) - min(ra.y2, rb.y2)
                line = max(a.block.line_height, b.block.line_height)
                if overlap < 0.5 * min(ra.width, rb.width) or gap > gap_lines * line:
                    continue
                region = ra.union(rb)
                block = Block(a.block.region.union(b.block.region),
                              a.block.lines + b.block.lines, line)
                out[i] = Surface("text", region, region.corners, block)
                del out[j]
                changed = True
                break
            if changed:
                break
    return out


def _inside(r: Region, block: Region) -> bool:
    return r.share_inside(block) >= 0.5
