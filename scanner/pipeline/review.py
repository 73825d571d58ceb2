"""A person's review of one photo: scan it once, then render it again with their decisions.

The review page (scanner.web) lets someone keep a finding (a consenting colleague's face), add
an area PostSafe missed, and choose how faces are hidden. This module turns those decisions into
inputs of the pipeline's one finishing path: the scan is ``Pipeline.process``; a render applies
the decisions to the scanned findings and hands them to ``Pipeline.finish``, the same redact,
check, verify and write that every other way of using PostSafe goes through. Every decision is
recorded in the findings (``decided_by="user"``), so the report says what the person chose.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from scanner.config import FaceStyle
from scanner.errors import ScannerError
from scanner.image.codec import load
from scanner.pipeline.process import Finished, Pipeline
from scanner.types import Action, Finding, FindingKind, Region, ScanResult, Status

USER = "user"
MIN_BOX = 2  # px: a drawn box smaller than this on either side is a slip, not a decision


@dataclass(frozen=True, slots=True)
class Decisions:
    keep: frozenset[int] = frozenset()  # indices into the scanned findings to leave visible
    boxes: tuple[Region, ...] = ()  # areas the person added: filled solid
    face_style: FaceStyle | None = None  # None: the run's configured style
    hide: frozenset[int] = frozenset()  # indices of findings left visible (policy, flagged) to hide


def scan(pipeline: Pipeline, source: Path, *, display: str) -> ScanResult:
    """The automatic scan (exactly what ``postsafe scan`` would decide), writing nothing."""
    return pipeline.process(source, None, display=display)


def manual_boxes(boxes: Iterable[Region], width: int, height: int) -> tuple[Region, ...]:
    """The drawn boxes that are usable: clipped to the picture, at least MIN_BOX (a Region is
    finite and upright by construction)."""
    out: list[Region] = []
    for box in boxes:
        region = box.clip(width, height)
        if region.width >= MIN_BOX and region.height >= MIN_BOX:
            out.append(region)
    return tuple(out)


def apply(findings: Iterable[Finding], decisions: Decisions, width: int, height: int, *,
          face_style: FaceStyle = FaceStyle.MOSAIC) -> list[Finding]:
    """The scanned findings with the person's decisions applied, then their added boxes.
    ``face_style`` is the run's configured style: a face or person the person chose to hide
    gets it unless they picked another."""
    out: list[Finding] = []
    for index, f in enumerate(findings):
        if index in decisions.keep and f.action is not Action.KEPT:
            out.append(replace(f, action=Action.KEPT, decided_by=USER))
        elif index in decisions.hide and not f.hidden:
            action = _hiding_action(f, decisions.face_style or face_style)
            out.append(replace(f, action=action, decided_by=USER))
        elif (decisions.face_style is not None and f.kind is FindingKind.FACE
              and f.hidden and index not in decisions.keep):
            style = Action(decisions.face_style.value)
            out.append(f if f.action is style else replace(f, action=style, decided_by=USER))
        else:
            out.append(f)
    for box in manual_boxes(decisions.boxes, width, height):
        out.append(Finding(FindingKind.MANUAL, box, 1.0, USER, Action.FILL,
                           decided_by=USER))
    return out


def _hiding_action(f: Finding, face_style: FaceStyle) -> Action:
    if f.kind in (FindingKind.FACE, FindingKind.PERSON):
        return Action(face_style.value)
    return Action.FILL


def render(pipeline: Pipeline, source: Path, scanned: ScanResult, decisions: Decisions, *,
           output: Path | None = None, check: bool = True) -> Finished:
    """Redact ``source`` as ``scanned`` found it, with ``decisions`` applied, through the
    pipeline's one finishing path (``Pipeline.finish``: redact, check, verify, write).

    ``check=False`` is for on-screen previews only: it skips the checks and never writes.
    Fails closed: any problem gives status ``error`` with a reason, and no pixels and no file.
    """
    started = time.perf_counter()
    if not scanned.status.done:
        failed = replace(scanned, status=Status.ERROR, output=None)
        return Finished(failed if scanned.status is Status.ERROR else scanned, None)
    try:
        pixels = load(source, pipeline.config).pixels
        h, w = pixels.shape[:2]
        if (w, h) != (scanned.width, scanned.height):
            raise ScannerError("the photo changed since it was scanned")
        decided = apply(scanned.findings, decisions, w, h,
                        face_style=pipeline.config.face_style)
    except ScannerError as exc:
        return Finished(replace(scanned, status=Status.ERROR, output=None, error=str(exc)), None)
    return pipeline.finish(pixels, decided, scanned, output=output, check=check,
                           started=started)
