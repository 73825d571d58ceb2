"""People without faces: a person box with no face inside it (someone seen from behind, or too
far away for the face detector) is kept as a ``person`` finding for review; a person whose face
was found is dropped, because hiding the face and the faces guidance already cover them and a
second, overlapping "person" entry would only add noise to the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from scanner.types import Finding, FindingKind

FACE_INSIDE = 0.5  # share of a face box that must lie in the person's box to count as theirs
DETAIL = "a person with no visible face"


def faceless(findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` without the people whose face was found; the rest of them say so."""
    faces = [f.region for f in findings if f.kind is FindingKind.FACE]
    out: list[Finding] = []
    for f in findings:
        if f.kind is FindingKind.PERSON:
            if any(face.share_inside(f.region) >= FACE_INSIDE for face in faces):
                continue
            f = replace(f, detail=f"{DETAIL} ({f.detector})")
        out.append(f)
    return out
