"""The machine-readable report: a versioned schema, written atomically.

It records kinds, shapes, scores, actions and metadata *categories*; never recognised text,
metadata values or pixels.

Schema version 2: each finding has ``polygon``, the outline of what it covers (``[[x, y], ...]``
in the copy's pixels: a text line's rotated rectangle, a page's or screen's quadrilateral, a
face's padded box as four corners), and ``box``, the integer box around that outline (as in
version 1, where the box was all that was hidden). Version 1 reports are still read (a finding
without a polygon covers its box).

A video's result has ``clip`` (``duration_s``, ``frames``, ``fps``, ``audio``: none, dropped or
kept, ``checked_frames``: frames of the copy looked at again, ``live_photo``), null for a photo;
its findings are tracks, each with ``span`` (``[first_s, last_s]``: the seconds it is hidden, or
seen when it is not) and its largest box and outline. ``format`` is ``VIDEO``, ``output_format``
``MP4``.

Also per result ``source_sha256`` and ``output_sha256`` (content hashes that ``--resume`` checks)
and ``resumed`` (carried over from an earlier run); at the top, ``run`` (engine and worker
count: how the run was done, not what it found).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.fsio import write_atomic
from scanner.types import Action, Clip, Finding, FindingKind, Region, ScanResult, Shape, Status

SCHEMA_VERSION = 2


def finding_dict(f: Finding) -> dict[str, Any]:
    out = _finding_fields(f)
    if f.decided_by:  # only reviewed findings carry it, so CLI reports stay as they were
        out["decided_by"] = f.decided_by
    if f.span is not None:  # a video's track
        out["span"] = [round(f.span[0], 3), round(f.span[1], 3)]
    return out


def _finding_fields(f: Finding) -> dict[str, Any]:
    return {
        "kind": f.kind.value,
        "box": f.region.as_list(),
        # A box covers its whole integer window (scanner.geometry.covered): say so exactly.
        "polygon": (f.shape or Shape.box(Region(*f.region.to_int()))).as_list(),
        "score": round(f.score, 4),
        "action": f.action.value if f.action else None,
        "detector": f.detector,
        "detail": f.detail or None,
    }


def result_dict(r: ScanResult, out_root: Path | None = None) -> dict[str, Any]:
    output = r.output
    if output is not None and out_root is not None:
        with contextlib.suppress(ValueError):
            output = Path(output).resolve().relative_to(out_root.resolve()).as_posix()
    return {
        "source": r.source,
        "output": output,
        "status": r.status.value,
        "format": r.format,
        "output_format": r.output_format,
        "width": r.width,
        "height": r.height,
        "findings": [finding_dict(f) for f in r.findings],
        "metadata_removed": list(r.metadata_removed),
        "notes": list(r.notes),
        "verified": r.verified,
        "error": r.error,
        "elapsed_s": r.elapsed_s,
        "source_sha256": r.source_sha256,
        "output_sha256": r.output_sha256,
        "resumed": r.resumed,
        "clip": None if r.clip is None else {
            "duration_s": r.clip.duration_s, "frames": r.clip.frames, "fps": r.clip.fps,
            "audio": r.clip.audio, "checked_frames": r.clip.checked_frames,
            "live_photo": r.clip.live_photo},
    }


def result_from_dict(d: dict[str, Any], out_root: Path | None = None) -> ScanResult:
    """The inverse of result_dict (for results carried over from an earlier report).
    Raises KeyError/ValueError/TypeError on a record that does not follow the schema."""
    findings = tuple(
        Finding(kind=FindingKind(f["kind"]), region=Region(*(float(v) for v in f["box"])),
                score=float(f["score"]), detector=str(f["detector"]),
                action=Action(f["action"]) if f.get("action") else None,
                detail=f.get("detail") or "", shape=_shape(f.get("polygon")),
                decided_by=str(f.get("decided_by") or ""), span=_span(f.get("span")))
        for f in d.get("findings") or ()
    )
    clip = d.get("clip")
    output = d.get("output")
    if output is not None and out_root is not None:
        output = str((out_root / output).resolve())
    return ScanResult(
        source=str(d["source"]), status=Status(d["status"]), output=output,
        width=d.get("width"), height=d.get("height"), format=d.get("format"),
        output_format=d.get("output_format"), findings=findings,
        metadata_removed=tuple(d.get("metadata_removed") or ()),
        notes=tuple(d.get("notes") or ()), error=d.get("error"), verified=d.get("verified"),
        elapsed_s=d.get("elapsed_s"), source_sha256=d.get("source_sha256") or None,
        output_sha256=d.get("output_sha256") or None, resumed=bool(d.get("resumed")),
        clip=None if not clip else Clip(
            duration_s=float(clip["duration_s"]), frames=int(clip["frames"]),
            fps=float(clip["fps"]), audio=str(clip["audio"]),
            checked_frames=int(clip.get("checked_frames") or 0),
            live_photo=bool(clip.get("live_photo"))),
    )


def _span(span: Any) -> tuple[float, float] | None:
    if span is None:
        return None
    first, last = (float(v) for v in span)
    return first, last


def _shape(polygon: Any) -> Shape | None:
    """A finding's polygon as read back; None for a box (and for version 1, which had none)."""
    if polygon is None:
        return None
    shape = Shape.of(polygon)
    return None if shape.is_box else shape


def report_dict(results: Sequence[ScanResult], *, out_root: Path | None,
                mode: str, settings: dict[str, Any],
                run: dict[str, Any] | None = None) -> dict[str, Any]:
    from scanner.report.summary import summarise

    report = {
        "version": SCHEMA_VERSION,
        "tool": "postsafe",
        "tool_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": mode,
        "settings": settings,
        "summary": summarise(results),
        "results": [result_dict(r, out_root) for r in results],
    }
    if run is not None:
        report["run"] = run
    return report


def write_json_report(results: Sequence[ScanResult], path: Path, *, out_root: Path | None,
                      mode: str, settings: dict[str, Any],
                      run: dict[str, Any] | None = None) -> None:
    text = json.dumps(report_dict(results, out_root=out_root, mode=mode, settings=settings,
                                  run=run), indent=2, ensure_ascii=False)
    # Owner-only, like the HTML report: it names the originals and says what was found where.
    write_atomic((text + "\n").encode("utf-8"), path, mode=0o600)
