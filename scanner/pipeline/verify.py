"""After redaction, look again: anything still found inside a redacted region means the
redaction did not hold (fail closed). A face found elsewhere is hidden in turn, and so is text
running past the edge of a fill; other text found only now is flagged for a person to check
(the first pass read the original harder and saw none there); text mostly on face mosaics is
their blocks.

Detectors look again through ``recheck(image)`` (the Detector protocol), which may be cheaper than
``detect`` (e.g. text lines without reading them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from scanner.detectors.base import Detector
from scanner.geometry import covered, sample_step, shape_mask
from scanner.parallel import map_ordered
from scanner.types import Finding, FindingKind

LEAK_COVERAGE = 0.5  # share of a finding inside redacted pixels that makes it a re-find
TEXT_LEAK_COVERAGE = 0.9  # text this deep inside a text redaction was not hidden by it
MOSAIC_AS_TEXT = 0.25  # a "line" this much on face mosaics may be their blocks
UNSURE_TEXT = "something that may be text, seen only when checking the copy"
UNSURE_MOSAIC = "something that may be text, seen partly on a face mosaic when checking the copy"


@dataclass(frozen=True, slots=True)
class Check:
    leaks: tuple[Finding, ...]  # found again where we had redacted
    new: tuple[Finding, ...]  # found where nothing was redacted


def family(kind: FindingKind) -> str:
    """Faces and people are checked against face redactions, the rest against text ones: a
    mosaic's blocks can look like text to a text detector, and that is no leak of text."""
    return "person" if kind in (FindingKind.FACE, FindingKind.PERSON) else "text"


def hidden_mask(shape: tuple[int, ...], findings: Sequence[Finding],
                of_family: str | None = None) -> np.ndarray:
    h, w = shape[:2]
    return shape_mask([f.outline for f in findings if f.hidden
                       and (of_family is None or family(f.kind) == of_family)], w, h)


def unchanged(original: np.ndarray, redacted: np.ndarray,
              decided: Sequence[Finding]) -> list[Finding]:
    """Redactions whose pixels did not actually change (a shape that missed, a no-op style)."""
    h, w = original.shape[:2]
    out = []
    for f in decided:
        if not f.hidden:
            continue
        c = covered(f.outline, w, h)
        if c is None:
            continue
        # A sample of at most ~64k pixels on a regular grid judges a large fill as well as all
        # of its millions of pixels (a fill or mosaic changes the whole shape, not specks).
        step = sample_step(c.x2 - c.x1, c.y2 - c.y1)
        inside = c.mask[::step, ::step]
        a = original[c.y1 : c.y2 : step, c.x1 : c.x2 : step][inside]
        b = redacted[c.y1 : c.y2 : step, c.x1 : c.x2 : step][inside]
        # A flat area (a white wall, a magenta card) may legitimately not change under a mosaic
        # or its own average colour: flat per channel, since a flat colour's R, G and B differ.
        # And a nearly flat one (blank paper with a speck of print) changes little on average
        # while its detail is wiped out: it is unchanged only if its detail is still there.
        if a.size == 0:
            continue
        detail = float(a.reshape(-1, a.shape[-1]).std(axis=0).max())
        if detail <= 4.0 or float(np.abs(a.astype(np.int16) - b).mean()) >= 1.0:
            continue
        if float(b.reshape(-1, b.shape[-1]).std(axis=0).max()) >= 0.5 * detail:
            out.append(f)
    return out


def check(redacted: np.ndarray, decided: Sequence[Finding],
          detectors: Sequence[Detector], face_leak_score: float = 0.7,
          workers: int = 1) -> Check:
    """Look again with every detector (``workers`` of them at a time; results are judged in
    the detectors' order, and any detector's failure is raised)."""
    masks = {fam: hidden_mask(redacted.shape, decided, fam) for fam in ("person", "text")}
    h, w = redacted.shape[:2]
    leaks: list[Finding] = []
    new: list[Finding] = []

    def look(detector: Detector) -> list[Finding]:
        return detector.recheck(redacted)

    for found in map_ordered(look, detectors, workers):
        for f in found:
            c = covered(f.outline, w, h)
            if c is None:
                continue
            area = max(int(c.mask.sum()), 1)
            own = family(f.kind)
            other = "text" if own == "person" else "person"
            share = float(masks[own][c.y1 : c.y2, c.x1 : c.x2][c.mask].sum()) / area
            on_other = float(masks[other][c.y1 : c.y2, c.x1 : c.x2][c.mask].sum()) / area
            if own == "text" and share >= TEXT_LEAK_COVERAGE:
                leaks.append(f)  # text read where we hid text: the style did not hide it
            elif own == "text" and share > 0:
                new.append(f)  # a line running past a fill's edge: extend the fill over it
            elif own == "text":
                if on_other >= LEAK_COVERAGE:
                    continue  # mostly on face mosaics: their blocks, and already hidden
                if on_other < MOSAIC_AS_TEXT:
                    # Text the first pass (on the original, at full resolution, twice) did not
                    # find, away from everything it hid: texture more often than text. A
                    # person is asked to look.
                    f = replace(f, unsure=True, detail=UNSURE_TEXT)
                else:
                    # Partly on face mosaics, whose blocks read like letters (a row of
                    # mosaicked heads as "P99"): the same, said so.
                    f = replace(f, unsure=True, detail=UNSURE_MOSAIC)
                new.append(f)
            elif share >= LEAK_COVERAGE:
                # A coarse mosaic keeps a face-shaped blob by design, and a recall-tuned
                # detector still calls it a face at a low score. Only a clear face is a leak.
                if f.score >= face_leak_score:
                    leaks.append(f)
            elif on_other < LEAK_COVERAGE:
                new.append(f)  # a face found anew: hidden
            # else: a face seen on a text fill; the pixels there are already hidden.
    return Check(tuple(leaks), tuple(new))
