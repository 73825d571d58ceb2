"""scanner.pipeline.review: a person's decisions rendered through the pipeline's own stages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import FakeDetector, noise, png_bytes, write
from PIL import Image

from scanner.config import FaceStyle, OutputFormat, ScanConfig
from scanner.errors import ScannerError
from scanner.pipeline import review
from scanner.pipeline.process import Pipeline
from scanner.report.json import finding_dict
from scanner.types import Action, FindingKind, Region, Status

FACE = Region(20, 20, 60, 60)
PICTURE = noise(160, 120, seed=7)


@pytest.fixture
def setup(tmp_path: Path):
    detector = FakeDetector([FACE])
    pipeline = Pipeline(ScanConfig(output_format=OutputFormat.PNG), detectors=[detector])
    source = write(tmp_path / "in.png", png_bytes(PICTURE))
    return pipeline, source, detector


def _read(path: str | None) -> np.ndarray:
    assert path is not None
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def test_no_decisions_gives_the_cli_copy(setup, tmp_path: Path) -> None:
    pipeline, source, _ = setup
    scanned = review.scan(pipeline, source, display="in.png")
    cli = pipeline.process(source, tmp_path / "cli.png")
    rendered = review.render(pipeline, source, scanned, review.Decisions(),
                             output=tmp_path / "web.png")
    assert rendered.result.status is Status.REDACTED and rendered.result.verified is True
    assert (tmp_path / "web.png").read_bytes() == (tmp_path / "cli.png").read_bytes()
    assert [f.action for f in rendered.result.findings] == [f.action for f in cli.findings]
    assert all(not f.decided_by for f in rendered.result.findings)


def test_kept_face_is_untouched_and_recorded(setup, tmp_path: Path) -> None:
    pipeline, source, detector = setup
    scanned = review.scan(pipeline, source, display="in.png")
    rendered = review.render(pipeline, source, scanned, review.Decisions(keep=frozenset({0})),
                             output=tmp_path / "out.png")
    result = rendered.result
    # Verification finds the kept face again: expected, not a new finding to redact.
    assert detector.rechecks > 0
    assert result.status is Status.CLEAN and result.verified is True
    assert [(f.action, f.decided_by) for f in result.findings] == [(Action.KEPT, "user")]
    assert np.array_equal(_read(result.output), PICTURE)
    assert finding_dict(result.findings[0])["decided_by"] == "user"


def test_added_box_is_filled(setup, tmp_path: Path) -> None:
    pipeline, source, _ = setup
    scanned = review.scan(pipeline, source, display="in.png")
    decisions = review.Decisions(boxes=(Region.spanning(140, 110, 100, 70),),
                                 face_style=FaceStyle.BLUR)
    result = review.render(pipeline, source, scanned, decisions,
                           output=tmp_path / "out.png").result
    kinds = [(f.kind, f.action, f.decided_by) for f in result.findings]
    assert kinds == [(FindingKind.FACE, Action.BLUR, "user"),
                     (FindingKind.MANUAL, Action.FILL, "user")]
    assert result.findings[1].region == Region(100, 70, 140, 110)  # corners put in order
    box = _read(result.output)[70:110, 100:140].reshape(-1, 3)
    assert (box == box[0]).all()


@pytest.mark.parametrize("box, expected", [
    (Region(-10, -10, 5, 5), (Region(0, 0, 5, 5),)),
    (Region(150, 100, 999, 999), (Region(150, 100, 160, 120),)),
    (Region(200, 200, 300, 300), ()),
    (Region(10, 10, 11, 50), ()),
    (Region(10, 10, 10, 10), ()),
])
def test_manual_boxes_are_clipped(box: Region, expected: tuple[Region, ...]) -> None:
    assert review.manual_boxes([box], 160, 120) == expected


def test_nan_box_raises() -> None:
    with pytest.raises(ScannerError):
        review.manual_boxes([Region(float("nan"), 0, 10, 10)], 160, 120)


def test_hide_a_kept_finding(tmp_path: Path) -> None:
    detector = FakeDetector([FACE], kind=FindingKind.PERSON)  # flagged, never hidden by default
    pipeline = Pipeline(ScanConfig(output_format=OutputFormat.PNG), detectors=[detector])
    source = write(tmp_path / "in.png", png_bytes(PICTURE))
    scanned = review.scan(pipeline, source, display="in.png")
    assert scanned.findings[0].action is Action.FLAGGED
    result = review.render(pipeline, source, scanned, review.Decisions(hide=frozenset({0})),
                           output=tmp_path / "out.png").result
    assert result.findings[0].action is Action.MOSAIC and result.findings[0].decided_by == "user"
    assert result.status is Status.REDACTED


def test_hidden_finding_gets_the_configured_face_style(tmp_path: Path) -> None:
    detector = FakeDetector([FACE], kind=FindingKind.PERSON)
    config = ScanConfig(output_format=OutputFormat.PNG, face_style=FaceStyle.BLUR)
    pipeline = Pipeline(config, detectors=[detector])
    source = write(tmp_path / "in.png", png_bytes(PICTURE))
    scanned = review.scan(pipeline, source, display="in.png")
    hide = frozenset({0})
    result = review.render(pipeline, source, scanned, review.Decisions(hide=hide),
                           output=tmp_path / "out.png").result
    assert result.findings[0].action is Action.BLUR
    chosen = review.Decisions(hide=hide, face_style=FaceStyle.FILL)
    assert review.apply(scanned.findings, chosen, 160, 120,
                        face_style=FaceStyle.BLUR)[0].action is Action.FILL


def test_failed_scan_renders_nothing(tmp_path: Path) -> None:
    pipeline = Pipeline(ScanConfig(), detectors=[FakeDetector()])
    source = write(tmp_path / "bad.jpg", b"\xff\xd8\xff garbage")
    scanned = review.scan(pipeline, source, display="bad.jpg")
    rendered = review.render(pipeline, source, scanned, review.Decisions(),
                             output=tmp_path / "o.jpg")
    assert rendered.pixels is None and rendered.result.status is Status.ERROR
    assert not (tmp_path / "o.jpg").exists()


def test_leaky_redaction_fails_closed(tmp_path: Path) -> None:
    detector = FakeDetector([FACE], leaky=True)
    pipeline = Pipeline(ScanConfig(output_format=OutputFormat.PNG), detectors=[detector])
    source = write(tmp_path / "in.png", png_bytes(PICTURE))
    scanned = review.scan(pipeline, source, display="in.png")
    assert scanned.status is Status.ERROR  # the CLI path already refuses it
    detector.leaky = False
    scanned = review.scan(pipeline, source, display="in.png")
    detector.leaky = True
    rendered = review.render(pipeline, source, scanned, review.Decisions(),
                             output=tmp_path / "o.png")
    assert rendered.result.status is Status.ERROR and "verification failed" in (
        rendered.result.error or "")
    assert not (tmp_path / "o.png").exists()


def test_scan_warns_about_the_photos_own_name_not_the_uploads(tmp_path: Path) -> None:
    """The review page keeps uploads under random names; the warning is about the name the
    person gave the photo (which the copy keeps)."""
    from scanner.pipeline.names import DATE_NOTE, PERSON_NOTE

    pipeline = Pipeline(ScanConfig(), detectors=[FakeDetector()])
    source = write(tmp_path / "3f9c2a.upload", png_bytes(PICTURE))
    scanned = review.scan(pipeline, source, display="margaret 2024-01-31.png")
    assert DATE_NOTE in scanned.notes and PERSON_NOTE in scanned.notes
