"""The machine-readable report: a versioned schema, written atomically.

It records kinds, boxes, scores, actions and metadata *categories*; never recognised text,
metadata values or pixels.
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
from scanner.types import Finding, ScanResult

SCHEMA_VERSION = 1


def finding_dict(f: Finding) -> dict[str, Any]:
    out = _finding_fields(f)
    if f.decided_by:  # only reviewed findings carry it, so CLI reports stay as they were
        out["decided_by"] = f.decided_by
    return out


def _finding_fields(f: Finding) -> dict[str, Any]:
    return {
        "kind": f.kind.value,
        "box": f.region.as_list(),
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
    }


def report_dict(results: Sequence[ScanResult], *, out_root: Path | None,
                mode: str, settings: dict[str, Any]) -> dict[str, Any]:
    from scanner.batch import summarise

    return {
        "version": SCHEMA_VERSION,
        "tool": "postsafe",
        "tool_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": mode,
        "settings": settings,
        "summary": summarise(results),
        "results": [result_dict(r, out_root) for r in results],
    }


def write_json_report(results: Sequence[ScanResult], path: Path, *, out_root: Path | None,
                      mode: str, settings: dict[str, Any]) -> None:
    text = json.dumps(report_dict(results, out_root=out_root, mode=mode, settings=settings),
                      indent=2, ensure_ascii=False)
    write_atomic((text + "\n").encode("utf-8"), path)
