"""scanner.types: the statuses and actions say what they mean, and results carry typed
provenance (the Region and Shape checks are in test_geometry.py and test_shapes.py)."""

from __future__ import annotations

import dataclasses

import pytest

from scanner.types import Action, Finding, FindingKind, Region, ScanResult, Status


@pytest.mark.parametrize(("status", "done"), [
    (Status.CLEAN, True), (Status.REDACTED, True), (Status.ERROR, False), (Status.SKIPPED, False),
])
def test_status_done(status: Status, done: bool) -> None:
    assert status.done is done


@pytest.mark.parametrize(("action", "hides"), [
    (Action.MOSAIC, True), (Action.BLUR, True), (Action.FILL, True),
    (Action.KEPT, False), (Action.FLAGGED, False),
])
def test_action_hides(action: Action, hides: bool) -> None:
    assert action.hides is hides
    f = Finding(FindingKind.FACE, Region(0, 0, 1, 1), 0.9, "t", action)
    assert f.hidden is hides


def test_an_undecided_finding_hides_nothing() -> None:
    assert not Finding(FindingKind.TEXT, Region(0, 0, 1, 1), 0.9, "t").hidden


def test_every_action_is_either_hiding_or_visible_on_purpose() -> None:
    assert {a for a in Action if not a.hides} == {Action.KEPT, Action.FLAGGED}


def test_provenance_is_typed_fields() -> None:
    fields = {f.name: f.type for f in dataclasses.fields(ScanResult)}
    assert "extra" not in fields
    for name in ("source_sha256", "output_sha256", "resumed", "undecodable"):
        assert name in fields
    r = ScanResult("a.jpg", Status.CLEAN)
    assert (r.source_sha256, r.output_sha256, r.resumed, r.undecodable) == (None, None, False,
                                                                            False)
