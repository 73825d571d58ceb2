"""scanner.pipeline.process.Pipeline on fake detectors (no model): decide, redact, fail closed."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from helpers import (
    GPS_DECIMALS,
    SECRET_ARTIST,
    SECRET_COMMENT,
    SECRET_DATE,
    SECRET_IPTC,
    SECRET_MAKE,
    SECRET_MODEL,
    SECRET_SERIAL,
    SECRET_XMP,
    FakeDetector,
    NoneDetector,
    PipelineFactory,
    RaisingDetector,
    ShapedDetector,
    SleepyDetector,
    dirty_jpeg,
    dirty_png,
    gradient,
    heic_bytes,
    jpeg_bytes,
    noise,
    orientation_exif,
    png_bytes,
    rotated_square,
    save,
    sha256_of,
    stored_for_orientation,
    write,
)
from PIL import Image

from scanner.config import FaceStyle, OutputFormat, Policy, ScanConfig
from scanner.errors import ModelError
from scanner.geometry import shape_mask
from scanner.pipeline.process import Pipeline
from scanner.report.json import report_dict
from scanner.types import Action, Finding, FindingKind, Region, Shape, Status


def _pixels(path: Path | str) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def _distinct_runs(row: np.ndarray) -> int:
    return 1 + int(np.any(row[1:] != row[:-1], axis=-1).sum())


@pytest.fixture
def noisy_png(tmp_path: Path) -> Path:
    return write(tmp_path / "in" / "noisy.png", png_bytes(noise(400, 300)))


# ------------------------------------------------------------------------------------------
# redaction


def test_face_is_mosaicked_with_padding(fake_pipeline: PipelineFactory, noisy_png: Path,
                                        tmp_path: Path) -> None:
    face = Region(100, 100, 200, 200)
    pipe = fake_pipeline([face])
    out = tmp_path / "out" / "noisy.png"
    result = pipe.process(noisy_png, out)
    assert result.status is Status.REDACTED
    assert result.output == str(out.resolve())
    assert result.error is None
    (finding,) = result.findings
    assert finding.action is Action.MOSAIC
    assert finding.kind is FindingKind.FACE
    pad = ScanConfig().face_padding
    assert finding.region == Region(100 - 100 * pad, 100 - 100 * pad, 200 + 100 * pad,
                                    200 + 100 * pad)
    src, got = _pixels(noisy_png), _pixels(out)
    x1, y1, x2, y2 = finding.region.to_int()
    patch = got[y1:y2, x1:x2]
    assert max(_distinct_runs(r) for r in patch) <= ScanConfig().mosaic_blocks
    # The padding is mosaicked too: the band just outside the detector's box changed.
    assert not np.array_equal(got[y1:100, x1:x2], src[y1:100, x1:x2])
    outside = np.ones(src.shape[:2], bool)
    outside[y1:y2, x1:x2] = False
    np.testing.assert_array_equal(got[outside], src[outside])


def test_padding_is_clipped_at_the_border(fake_pipeline: PipelineFactory, noisy_png: Path,
                                          tmp_path: Path) -> None:
    result = fake_pipeline([Region(-20, 250, 60, 330)]).process(noisy_png, tmp_path / "o.png")
    (finding,) = result.findings
    r = finding.region
    assert (r.x1, r.y2) == (0, 300)
    assert 0 <= r.x2 <= 400 and 0 <= r.y1 <= 300


@pytest.mark.parametrize("padding", [0.0, 0.5])
def test_face_padding_setting(fake_pipeline: PipelineFactory, noisy_png: Path,
                              padding: float) -> None:
    result = fake_pipeline([Region(100, 100, 140, 180)],
                           ScanConfig(face_padding=padding)).process(noisy_png)
    assert result.findings[0].region == Region(100, 100, 140, 180).expand(padding)


@pytest.mark.parametrize("style", list(FaceStyle))
def test_face_style(fake_pipeline: PipelineFactory, noisy_png: Path, tmp_path: Path,
                    style: FaceStyle) -> None:
    out = tmp_path / "o.png"
    result = fake_pipeline([Region(50, 50, 150, 150)],
                           ScanConfig(face_style=style)).process(noisy_png, out)
    assert result.status is Status.REDACTED
    assert result.findings[0].action.value == style.value  # type: ignore[union-attr]
    x1, y1, x2, y2 = result.findings[0].region.to_int()
    patch = _pixels(out)[y1:y2, x1:x2]
    if style is FaceStyle.FILL:
        assert (patch == patch[0, 0]).all()  # one flat colour
    assert np.abs(patch.astype(int) - _pixels(noisy_png)[y1:y2, x1:x2]).mean() > 30


def test_no_findings_is_clean_and_pixels_are_kept(fake_pipeline: PipelineFactory,
                                                  noisy_png: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.png"
    result = fake_pipeline([]).process(noisy_png, out)
    assert result.status is Status.CLEAN
    assert result.findings == ()
    np.testing.assert_array_equal(_pixels(out), _pixels(noisy_png))


def test_person_is_flagged_not_redacted(fake_pipeline: PipelineFactory, noisy_png: Path,
                                        tmp_path: Path) -> None:
    det = FakeDetector([Region(10, 10, 100, 200)], kind=FindingKind.PERSON)
    out = tmp_path / "o.png"
    result = fake_pipeline(detector=det).process(noisy_png, out)
    assert result.status is Status.CLEAN
    assert result.findings[0].action is Action.FLAGGED
    np.testing.assert_array_equal(_pixels(out), _pixels(noisy_png))


@pytest.mark.parametrize("kind", [FindingKind.TEXT, FindingKind.DOCUMENT, FindingKind.SCREEN,
                                  FindingKind.CODE])
def test_other_kinds_are_filled(fake_pipeline: PipelineFactory, noisy_png: Path,
                                tmp_path: Path, kind: FindingKind) -> None:
    det = FakeDetector([Region(10, 10, 50, 30)], kind=kind)
    out = tmp_path / "o.png"
    result = fake_pipeline(detector=det).process(noisy_png, out)
    assert result.status is Status.REDACTED
    assert result.findings[0].action is Action.FILL
    assert result.findings[0].region == Region(10, 10, 50, 30)  # no padding for these
    filled = _pixels(out)[10:30, 10:50]
    assert (filled == filled[0, 0]).all()  # one flat colour: no content survives


def test_findings_wholly_outside_are_dropped(fake_pipeline: PipelineFactory, noisy_png: Path,
                                             tmp_path: Path) -> None:
    result = fake_pipeline([Region(500, 500, 600, 600), Region(10, 10, 10, 10)]).process(
        noisy_png, tmp_path / "o.png"
    )
    assert result.status is Status.CLEAN
    assert result.findings == ()


@pytest.mark.parametrize(("degrees", "kind"), [(30, FindingKind.TEXT), (10, FindingKind.DOCUMENT),
                                             (45, FindingKind.SCREEN)])
def test_shaped_findings_are_filled_to_their_outline(fake_pipeline: PipelineFactory,
                                                     noisy_png: Path, tmp_path: Path,
                                                     degrees: float, kind: FindingKind) -> None:
    shape = rotated_square(200, 150, 60, degrees)
    out = tmp_path / "o.png"
    result = fake_pipeline(detector=ShapedDetector([shape], kind=kind)).process(noisy_png, out)
    assert result.status is Status.REDACTED and result.verified is True
    (finding,) = result.findings
    assert finding.shape == shape and finding.region == shape.bounds
    inside = shape_mask([shape], 400, 300)
    src, got = _pixels(noisy_png), _pixels(out)
    assert len(np.unique(got[inside].reshape(-1, 3), axis=0)) == 1
    np.testing.assert_array_equal(got[~inside], src[~inside])  # the box's corners stay


def test_a_shape_across_the_border_is_clipped_to_the_picture(fake_pipeline: PipelineFactory,
                                                             noisy_png: Path) -> None:
    shape = Shape.of([(-100, 100), (100, 80), (120, 160), (-80, 200)])
    result = fake_pipeline(detector=ShapedDetector([shape], kind=FindingKind.TEXT)).process(
        noisy_png)
    (finding,) = result.findings
    assert finding.shape is not None
    b = finding.shape.bounds
    assert b.x1 == 0 and b.x2 == pytest.approx(120) and finding.region == b
    assert finding.shape.area < shape.area


def test_a_shape_wholly_outside_is_dropped(fake_pipeline: PipelineFactory,
                                           noisy_png: Path) -> None:
    shape = Shape.of([(500, 10), (600, 10), (550, 90)])
    result = fake_pipeline(detector=ShapedDetector([shape], kind=FindingKind.TEXT)).process(
        noisy_png)
    assert result.status is Status.CLEAN and result.findings == ()


def test_an_unsure_face_is_flagged_for_review_not_hidden(fake_pipeline: PipelineFactory,
                                                         noisy_png: Path,
                                                         tmp_path: Path) -> None:
    class Unsure(FakeDetector):
        def _findings(self, regions):  # type: ignore[no-untyped-def]
            return [Finding(FindingKind.FACE, r, 0.3, self.name, unsure=True) for r in regions]

    out = tmp_path / "o.png"
    result = fake_pipeline(detector=Unsure([Region(50, 50, 150, 150)])).process(noisy_png, out)
    (finding,) = result.findings
    assert finding.action is Action.FLAGGED
    assert result.status is Status.CLEAN and result.verified is True
    np.testing.assert_array_equal(_pixels(out), _pixels(noisy_png))


def test_several_detectors_are_all_used(noisy_png: Path, tmp_path: Path) -> None:
    a = FakeDetector([Region(10, 10, 50, 50)], name="a")
    b = FakeDetector([Region(200, 100, 260, 160)], name="b")
    result = Pipeline(ScanConfig(), [a, b]).process(noisy_png, tmp_path / "o.png")
    assert {f.detector for f in result.findings} == {"a", "b"}
    assert a.seen and b.seen


def test_detector_gets_the_decoded_pixels(fake_pipeline: PipelineFactory, noisy_png: Path) -> None:
    det = FakeDetector()
    fake_pipeline(detector=det).process(noisy_png)
    assert det.last_image is not None
    np.testing.assert_array_equal(det.last_image, _pixels(noisy_png))


# ------------------------------------------------------------------------------------------
# fail closed


@pytest.mark.parametrize(
    ("detector", "words"),
    [
        (RaisingDetector(), "fake detector exploded"),
        (NoneDetector(), "returned nothing"),
    ],
    ids=["raises", "returns_none"],
)
def test_broken_detector_fails_closed(fake_pipeline: PipelineFactory, noisy_png: Path,
                                      tmp_path: Path, detector: FakeDetector, words: str) -> None:
    out = tmp_path / "out" / "noisy.png"
    result = fake_pipeline(detector=detector).process(noisy_png, out)
    assert result.status is Status.ERROR
    assert words in (result.error or "")
    assert result.output is None
    assert not out.exists()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    # What was learned before the failure is still reported.
    assert (result.width, result.height, result.format) == (400, 300, "PNG")


def test_model_error_in_detector_fails_closed(fake_pipeline: PipelineFactory, noisy_png: Path,
                                              tmp_path: Path) -> None:
    class Broken(FakeDetector):
        def detect(self, image: np.ndarray) -> list[Finding]:
            raise ModelError("model centerface: inference failed")

    out = tmp_path / "o.png"
    result = fake_pipeline(detector=Broken()).process(noisy_png, out)
    assert result.status is Status.ERROR
    assert "inference failed" in (result.error or "")
    assert not out.exists()


def test_detector_crash_does_not_replace_an_existing_output(
    fake_pipeline: PipelineFactory, noisy_png: Path, tmp_path: Path
) -> None:
    out = write(tmp_path / "o.png", b"previous run")
    result = fake_pipeline(detector=RaisingDetector()).process(noisy_png, out)
    assert result.status is Status.ERROR
    assert out.read_bytes() == b"previous run"


def test_encoder_failure_fails_closed(fake_pipeline: PipelineFactory, noisy_png: Path,
                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_encode(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("encoder blew up")

    monkeypatch.setattr("scanner.pipeline.process.encode", broken_encode)
    out = tmp_path / "o.png"
    result = fake_pipeline([Region(10, 10, 50, 50)]).process(noisy_png, out)
    assert result.status is Status.ERROR
    assert "internal error" in (result.error or "")
    assert not out.exists()


def test_output_path_is_a_folder(fake_pipeline: PipelineFactory, noisy_png: Path,
                                 tmp_path: Path) -> None:
    out = tmp_path / "o.png"
    out.mkdir()
    result = fake_pipeline([]).process(noisy_png, out)
    assert result.status is Status.ERROR
    assert out.is_dir()


@pytest.mark.parametrize(
    "content", [b"", b"not an image", jpeg_bytes(gradient(64, 48))[:300]],
    ids=["empty", "text", "truncated"],
)
def test_unreadable_input_is_an_error_without_output(fake_pipeline: PipelineFactory,
                                                     tmp_path: Path, content: bytes) -> None:
    src = write(tmp_path / "bad.jpg", content)
    det = FakeDetector()
    out = tmp_path / "out.jpg"
    result = fake_pipeline(detector=det).process(src, out, display="bad.jpg")
    assert result.status is Status.ERROR
    assert result.source == "bad.jpg"
    assert result.error and "\n" not in result.error
    assert not out.exists()
    assert det.seen == [], "a detector must not run on an unreadable file"


class _RawBoxes(FakeDetector):
    """Turns raw model numbers into boxes at its edge, as a real detector does."""

    def __init__(self, coords: tuple[float, ...]) -> None:
        super().__init__()
        self.coords = coords

    def detect(self, image: np.ndarray) -> list[Finding]:
        return [Finding(FindingKind.FACE, Region(*self.coords), 0.9, self.name)]


@pytest.mark.parametrize(
    "coords",
    [
        (math.nan, 100, 200, 200),
        (100, 100, math.nan, math.nan),
        (-math.inf, -math.inf, math.inf, math.inf),
        (10, 10, math.inf, 50),
        (200, 100, 100, 200),
    ],
    ids=["nan_x1", "nan_x2_y2", "all_inf", "inf_x2", "inverted"],
)
def test_face_with_invalid_box_fails_closed(fake_pipeline: PipelineFactory, noisy_png: Path,
                                            tmp_path: Path, coords: tuple[float, ...]) -> None:
    """Regression: a NaN box used to be dropped as 'empty', leaving the face unredacted and
    the photo reported clean. A box that cannot be placed must fail the photo."""
    out = tmp_path / "o.png"
    result = fake_pipeline(detector=_RawBoxes(coords)).process(noisy_png, out)
    assert result.status is Status.ERROR
    assert "invalid" in (result.error or "")
    assert not out.exists()


# ------------------------------------------------------------------------------------------
# verification: look again at the redacted pixels


def test_redaction_is_verified(fake_pipeline: PipelineFactory, noisy_png: Path,
                               tmp_path: Path) -> None:
    det = FakeDetector([Region(100, 100, 200, 200)])
    result = fake_pipeline(detector=det).process(noisy_png, tmp_path / "o.png")
    assert result.status is Status.REDACTED
    assert result.verified is True
    assert det.rechecks >= 1


def test_redaction_that_did_not_hold_fails_closed(fake_pipeline: PipelineFactory,
                                                  noisy_png: Path, tmp_path: Path) -> None:
    det = FakeDetector([Region(100, 100, 200, 200)], leaky=True)
    out = tmp_path / "o.png"
    result = fake_pipeline(detector=det).process(noisy_png, out)
    assert result.status is Status.ERROR
    assert "verification" in (result.error or "")
    assert not out.exists()


@pytest.mark.parametrize(("kind", "config", "action"), [
    # Balanced policy keeps a sign with no personal data; people are flagged, not hidden.
    (FindingKind.TEXT, ScanConfig(policy=Policy.BALANCED), Action.KEPT),
    (FindingKind.PERSON, ScanConfig(), Action.FLAGGED),
])
def test_a_kept_finding_seen_again_is_not_new(
        fake_pipeline: PipelineFactory, noisy_png: Path, tmp_path: Path,
        kind: FindingKind, config: ScanConfig, action: Action) -> None:
    """Verification finds again what was deliberately left visible: expected, not new (it
    used to be added again every round and the copy reported as unverified)."""
    det = FakeDetector([Region(100, 100, 200, 200)], kind=kind)
    result = fake_pipeline(config=config, detector=det).process(noisy_png, tmp_path / "o.png")
    assert result.verified is True
    assert [f.action for f in result.findings] == [action]


class _Refinds:
    """A detector that finds nothing at first and one preset finding on its first second look
    (after that, it is hidden or left visible: either way not seen anew)."""

    name = "refinds"

    def __init__(self, found: Finding) -> None:
        self.found = found
        self.rechecks = 0

    def detect(self, image: np.ndarray) -> list[Finding]:
        return []

    def recheck(self, image: np.ndarray) -> list[Finding]:
        self.rechecks += 1
        return [self.found] if self.rechecks == 1 else []


@pytest.mark.parametrize(("kept", "found", "redacted"), [
    # Text read again on a document a reviewer kept: expected, left visible.
    (FindingKind.DOCUMENT, FindingKind.TEXT, False),
    (FindingKind.SCREEN, FindingKind.TEXT, False),
    (FindingKind.FACE, FindingKind.FACE, False),
    # A face on a kept document, sign or person was never kept: it is hidden.
    (FindingKind.DOCUMENT, FindingKind.FACE, True),
    (FindingKind.TEXT, FindingKind.FACE, True),
    (FindingKind.PERSON, FindingKind.FACE, True),
])
def test_only_what_a_kept_finding_can_hold_is_expected_again(
        kept: FindingKind, found: FindingKind, redacted: bool) -> None:
    box = Region(100, 100, 200, 200)
    det = _Refinds(Finding(found, Region(120, 120, 180, 180), 0.9, "refinds"))
    pipeline = Pipeline(ScanConfig(), detectors=[det])
    pixels = np.full((300, 300, 3), 128, np.uint8)
    decided = [Finding(kept, box, 0.9, "review", action=Action.KEPT)]
    _, out, verified = pipeline.verify(pixels, decided, 300, 300)
    added = out[1:]
    assert [f.kind for f in added] == ([found] if redacted else [])
    assert all(f.action is not Action.KEPT for f in added)


@pytest.mark.parametrize(("hidden", "found", "action"), [
    # Found on the copy, away from everything hidden: a face is hidden, text only flagged
    # (the first pass looked harder at the original and saw none there).
    (None, Finding(FindingKind.FACE, Region(20, 20, 60, 60), 0.9, "r"), Action.MOSAIC),
    (None, Finding(FindingKind.TEXT, Region(20, 20, 160, 50), 0.9, "r"), Action.FLAGGED),
    # Text running past the edge of a fill: the fill is extended over it.
    (Finding(FindingKind.TEXT, Region(100, 100, 200, 130), 0.9, "d", action=Action.FILL),
     Finding(FindingKind.TEXT, Region(110, 100, 230, 130), 0.9, "r"), Action.FILL),
    # ... however little of it is under the fill.
    (Finding(FindingKind.TEXT, Region(100, 100, 200, 130), 0.9, "d", action=Action.FILL),
     Finding(FindingKind.TEXT, Region(180, 100, 290, 130), 0.9, "r"), Action.FILL),
    # Text read mostly on face mosaics (their blocks read like letters): already hidden.
    (Finding(FindingKind.FACE, Region(100, 100, 200, 200), 0.9, "f", action=Action.MOSAIC),
     Finding(FindingKind.TEXT, Region(80, 120, 260, 180), 0.9, "r"), None),
    # Partly on them: flagged, never dropped.
    (Finding(FindingKind.FACE, Region(100, 100, 200, 200), 0.9, "f", action=Action.MOSAIC),
     Finding(FindingKind.TEXT, Region(150, 120, 290, 180), 0.9, "r"), Action.FLAGGED),
])
def test_what_the_second_look_finds_anew(hidden: Finding | None, found: Finding,
                                         action: Action | None) -> None:
    pipeline = Pipeline(ScanConfig(), detectors=[_Refinds(found)])
    pixels = noise(300, 300)
    decided = [hidden] if hidden else []
    _, out, verified = pipeline.verify(pixels, decided, 300, 300)
    added = out[len(decided):]
    assert [f.action for f in added] == ([action] if action else [])
    assert verified is True


@pytest.mark.parametrize(("where", "added"), [
    (Region(140, 140, 160, 160), False),  # on the kept page itself: expected
    (Region(52, 52, 72, 68), True),  # in its box's corner, off the tilted page: not expected
])
def test_what_a_kept_shape_holds_is_its_shape_not_its_box(where: Region, added: bool) -> None:
    page = rotated_square(150, 150, 70, 45)
    kept = Finding(FindingKind.DOCUMENT, page.bounds, 0.9, "review", action=Action.KEPT,
                   shape=page)
    det = _Refinds(Finding(FindingKind.TEXT, where, 0.9, "refinds"))
    _, out, _ = Pipeline(ScanConfig(), detectors=[det]).verify(noise(300, 300), [kept], 300, 300)
    assert len(out) - 1 == int(added)


def test_verification_can_be_turned_off(fake_pipeline: PipelineFactory, noisy_png: Path,
                                        tmp_path: Path) -> None:
    det = FakeDetector([Region(100, 100, 200, 200)], leaky=True)
    result = fake_pipeline(config=ScanConfig(verify=False), detector=det).process(
        noisy_png, tmp_path / "o.png"
    )
    assert result.status is Status.REDACTED
    assert result.verified is None
    assert det.rechecks == 0


# ------------------------------------------------------------------------------------------
# orientation


def test_orientation_6_gives_upright_size_and_output_coordinates(
    fake_pipeline: PipelineFactory, tmp_path: Path
) -> None:
    upright = gradient(120, 80)  # landscape as displayed; smooth, so JPEG keeps it
    stored = stored_for_orientation(upright, 6)  # portrait as stored
    assert stored.size == (80, 120)
    src = write(tmp_path / "rot.jpg", save(stored, "JPEG", quality=95,
                                           exif=orientation_exif(6)))
    face = Region(70, 10, 110, 50)  # in upright coordinates: the top-right corner
    det = FakeDetector([face])
    out = tmp_path / "out.png"
    result = fake_pipeline([face], ScanConfig(output_format=OutputFormat.PNG,
                                              face_padding=0.0), det).process(src, out)
    assert det.seen == [(80, 120, 3)], "the detector must see the upright picture"
    assert (result.width, result.height) == (120, 80)
    assert result.findings[0].region == face
    got = _pixels(out)
    assert got.shape == (80, 120, 3)
    assert max(_distinct_runs(r) for r in got[10:50, 70:110]) <= 6
    # Outside the face the copy is the upright original (JPEG rounding aside).
    outside = np.ones((80, 120), bool)
    outside[10:50, 70:110] = False
    assert np.abs(got[outside].astype(int) - upright[outside]).mean() < 4


def test_heic_is_written_as_jpeg(fake_pipeline: PipelineFactory, tmp_path: Path) -> None:
    src = write(tmp_path / "a.heic", heic_bytes(gradient(64, 48)))
    out = tmp_path / "a.jpg"
    result = fake_pipeline([]).process(src, out)
    assert result.status is Status.CLEAN
    assert (result.format, result.output_format) == ("HEIF", "JPEG")
    with Image.open(out) as im:
        assert im.format == "JPEG" and im.size == (64, 48)


# ------------------------------------------------------------------------------------------
# output format and quality


@pytest.mark.parametrize(
    ("setting", "expected"),
    [(OutputFormat.KEEP, "PNG"), (OutputFormat.JPEG, "JPEG"), (OutputFormat.PNG, "PNG")],
)
def test_output_format_setting(fake_pipeline: PipelineFactory, noisy_png: Path,
                               tmp_path: Path, setting: OutputFormat, expected: str) -> None:
    out = tmp_path / f"o.{expected.lower()}"
    result = fake_pipeline([], ScanConfig(output_format=setting)).process(noisy_png, out)
    assert result.output_format == expected
    with Image.open(out) as im:
        assert im.format == expected


@pytest.mark.parametrize("quality", [20, 75, 95])
def test_jpeg_quality_is_used(fake_pipeline: PipelineFactory, tmp_path: Path,
                              quality: int) -> None:
    src = write(tmp_path / "a.png", png_bytes(noise(64, 64)))
    out = tmp_path / "a.jpg"
    fake_pipeline([], ScanConfig(output_format=OutputFormat.JPEG,
                                 jpeg_quality=quality)).process(src, out)
    reference = Image.open(io.BytesIO(save(noise(64, 64), "JPEG", quality=quality)))
    with Image.open(out) as im:
        assert im.quantization == reference.quantization


def test_jpeg_quality_changes_size(fake_pipeline: PipelineFactory, tmp_path: Path) -> None:
    src = write(tmp_path / "a.png", png_bytes(noise(128, 128)))
    sizes = []
    for q in (30, 95):
        out = tmp_path / f"q{q}.jpg"
        fake_pipeline([], ScanConfig(output_format=OutputFormat.JPEG,
                                     jpeg_quality=q)).process(src, out)
        sizes.append(out.stat().st_size)
    assert sizes[0] < sizes[1]


@pytest.mark.parametrize(
    ("setting", "name"),
    [(OutputFormat.KEEP, "copy.jpg"), (OutputFormat.JPEG, "copy.png"),
     (OutputFormat.PNG, "copy.jpeg"), (OutputFormat.KEEP, "copy")],
)
def test_output_name_that_lies_about_the_format_is_refused(
    fake_pipeline: PipelineFactory, noisy_png: Path, tmp_path: Path, setting: OutputFormat,
    name: str,
) -> None:
    """The output's suffix must fit what is written (PNG bytes never land in a .jpg)."""
    out = tmp_path / name
    result = fake_pipeline([], ScanConfig(output_format=setting)).process(noisy_png, out)
    assert result.status is Status.ERROR
    assert result.output is None
    assert not out.exists()


def test_output_folder_is_created(fake_pipeline: PipelineFactory, noisy_png: Path,
                                  tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "noisy.png"
    assert fake_pipeline([]).process(noisy_png, out).status is Status.CLEAN
    assert out.is_file()


# ------------------------------------------------------------------------------------------
# originals and metadata


def test_original_file_is_never_modified(fake_pipeline: PipelineFactory, tmp_path: Path) -> None:
    src = write(tmp_path / "in" / "dirty.jpg", dirty_jpeg(noise(160, 120)))
    before = sha256_of(src)
    mtime = src.stat().st_mtime_ns
    result = fake_pipeline([Region(20, 20, 80, 80)]).process(src, tmp_path / "out" / "d.jpg")
    assert result.status is Status.REDACTED
    assert sha256_of(src) == before
    assert src.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in src.parent.iterdir()) == ["dirty.jpg"]


def test_scan_only_writes_nothing(fake_pipeline: PipelineFactory, tmp_path: Path) -> None:
    src = write(tmp_path / "dirty.jpg", dirty_jpeg(noise(160, 120)))
    result = fake_pipeline([Region(20, 20, 80, 80)]).process(src)
    assert result.status is Status.REDACTED
    assert result.output is None
    assert [p.name for p in tmp_path.iterdir()] == ["dirty.jpg"]


SECRETS = (SECRET_ARTIST, SECRET_MAKE, SECRET_MODEL, SECRET_SERIAL, SECRET_DATE, SECRET_COMMENT,
           SECRET_XMP, SECRET_IPTC, "2019:07:14", *GPS_DECIMALS)


@pytest.mark.parametrize("builder", [dirty_jpeg, dirty_png], ids=["jpeg", "png"])
def test_metadata_categories_reported_but_never_values(
    fake_pipeline: PipelineFactory, tmp_path: Path, builder
) -> None:
    suffix = ".jpg" if builder is dirty_jpeg else ".png"
    src = write(tmp_path / f"dirty{suffix}", builder(gradient(160, 120)))
    out = tmp_path / "out" / f"clean{suffix}"
    result = fake_pipeline([Region(20, 20, 60, 60)]).process(src, out)
    assert result.status is Status.REDACTED
    cats = set(result.metadata_removed)
    assert {"location", "device", "people", "times", "comments"} <= cats
    if builder is dirty_jpeg:
        assert {"xmp", "iptc", "thumbnails", "makernotes", "trailer"} <= cats
    report = report_dict([result], out_root=tmp_path / "out", mode="redact", settings={})
    text = json.dumps(report, ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in text, secret
    assert "GPS" not in text.replace("location (GPS)", "")
    # And the written copy carries none of them either.
    data = out.read_bytes()
    for secret in SECRETS:
        assert secret.encode() not in data, secret


def test_report_dict_shape(fake_pipeline: PipelineFactory, noisy_png: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "noisy.png"
    result = fake_pipeline([Region(100, 100, 200, 200)]).process(noisy_png, out,
                                                                 display="in/noisy.png")
    report = report_dict([result], out_root=tmp_path / "out", mode="redact", settings={"x": 1})
    assert report["version"] == 2
    assert report["summary"]["redacted"] == 1
    (entry,) = report["results"]
    assert entry["source"] == "in/noisy.png"
    assert entry["output"] == "noisy.png"  # relative to the output root
    assert entry["status"] == "redacted"
    assert entry["findings"][0]["box"] == [70, 70, 230, 230]
    assert entry["findings"][0]["action"] == "mosaic"
    json.dumps(report)  # serialisable


def test_detectors_are_built_lazily_once(monkeypatch: pytest.MonkeyPatch, noisy_png: Path) -> None:
    calls: list[ScanConfig] = []

    def build(config: ScanConfig) -> list[FakeDetector]:
        calls.append(config)
        return [FakeDetector()]

    monkeypatch.setattr("scanner.pipeline.process.build_detectors", build)
    pipe = Pipeline(ScanConfig())
    assert calls == []
    pipe.process(noisy_png)
    pipe.process(noisy_png)
    assert len(calls) == 1


def test_output_name_too_long_is_a_write_error_not_an_internal_one(
        fake_pipeline: PipelineFactory, noisy_png: Path, tmp_path: Path) -> None:
    """Two 250-character names that collide get a "-2" suffix past the file system's 255-byte
    limit; the photo failed as "internal error (OSError ...)" (found with hostile names)."""
    (tmp_path / "out").mkdir()  # the folder exists (as after the first photo of a batch)
    out = tmp_path / "out" / ("A" * 300 + ".png")
    result = fake_pipeline().process(noisy_png, out)
    assert result.status is Status.ERROR
    assert result.error is not None and result.error.endswith("File name too long")
    assert not result.error.startswith("internal error")
    assert not list((tmp_path / "out").iterdir())
# ------------------------------------------------------------------------------------------
# detectors run concurrently (ScanConfig.parallel_detectors)


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_findings_keep_the_detectors_order_whatever_finishes_first(
        noisy_png: Path, workers: int) -> None:
    dets = [
        SleepyDetector(0.1, regions=[Region(10, 10, 50, 50)], name="slow"),
        SleepyDetector(0.0, regions=[Region(200, 100, 260, 160), Region(60, 60, 90, 90)],
                       name="fast"),
        SleepyDetector(0.05, regions=[Region(300, 200, 340, 240)], name="middle"),
    ]
    config = ScanConfig(parallel_detectors=workers)
    result = Pipeline(config, dets).process(noisy_png)
    assert [f.detector for f in result.findings] == ["slow", "fast", "fast", "middle"]
    found = Pipeline(config, dets).find(_pixels(noisy_png))
    assert [(f.detector, f.region) for f in found] == [
        (d.name, r) for d in dets for r in d.regions
    ]


@pytest.mark.parametrize("broken", [RaisingDetector(), NoneDetector()],
                         ids=["raises", "returns_none"])
def test_a_failing_detector_among_concurrent_ones_fails_closed(
        noisy_png: Path, tmp_path: Path, broken: FakeDetector) -> None:
    ok = SleepyDetector(0.05, regions=[Region(10, 10, 50, 50)], name="ok")
    out = tmp_path / "o.png"
    result = Pipeline(ScanConfig(parallel_detectors=2), [ok, broken]).process(noisy_png, out)
    assert result.status is Status.ERROR
    assert result.output is None and not out.exists()
    assert ok.seen  # the other detector ran; its findings did not rescue the photo
