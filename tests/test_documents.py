"""Documents, screens and text on generated scenes, with the real PP-OCRv4 models.

The scenes are drawn here: a care-plan page warped in perspective onto a wooden desk, a
monitor showing a record, a sign on a wall. Every identifier is fictional.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers import default_font, desk, page, warp_onto
from PIL import Image, ImageDraw

from scanner.config import Policy, ScanConfig
from scanner.detectors.documents import DocumentDetector
from scanner.geometry import shape_mask
from scanner.pipeline.process import Pipeline
from scanner.report.html import render_html
from scanner.report.json import report_dict
from scanner.types import Action, Finding, FindingKind, Status

pytestmark = pytest.mark.integration

VALID_NHS = "943 476 5919"
INVALID_NHS = "943 476 5918"  # same number, wrong check digit


def document_scene(nhs: str) -> tuple[np.ndarray, np.ndarray]:
    sheet = page(["Resident: Margaret Evans-Fake", "Date of birth: 12/03/1941",
                  f"NHS number: {nhs}", "Room 14, ground floor", "Likes: music, garden",
                  "Medication: see chart", "Falls risk: high", "Review: June"])
    return warp_onto(desk(), sheet, [(420, 120), (1010, 180), (960, 930), (330, 860)])


@pytest.fixture(scope="module")
def documents() -> DocumentDetector:
    return DocumentDetector(ScanConfig())


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline(ScanConfig())


def _hidden(mask: np.ndarray, findings: list[Finding]) -> np.ndarray:
    h, w = mask.shape
    return shape_mask([f.outline for f in findings], w, h)


def _covered(mask: np.ndarray, findings: list[Finding]) -> float:
    return float((_hidden(mask, findings) & mask).sum() / mask.sum())


def test_document_in_perspective_is_found_as_a_whole_sheet(documents) -> None:
    image, sheet_mask = document_scene(VALID_NHS)
    found = documents.detect(image)
    docs = [f for f in found if f.kind is FindingKind.DOCUMENT]
    assert docs, [(f.kind, f.region) for f in found]
    # The whole sheet, not only its lines: partly legible text between lines leaks.
    assert _covered(sheet_mask, docs) >= 0.95
    # ... and not the desk around it: the tilted sheet is filled to its own edges, not to the
    # box around it.
    assert _hidden(sheet_mask, docs).sum() <= 1.05 * sheet_mask.sum()


@pytest.mark.parametrize(("nhs", "expect_nhs"), [(VALID_NHS, True), (INVALID_NHS, False)])
def test_nhs_number_needs_a_valid_check_digit(documents, nhs: str, expect_nhs: bool) -> None:
    image, _ = document_scene(nhs)
    found = [f for f in documents.detect(image) if f.kind is FindingKind.DOCUMENT]
    pii = {p for f in found for p in f.pii}
    assert ("nhs_number" in pii) is expect_nhs
    assert "name" in pii
    detail = " ".join(f.detail for f in found)
    assert detail.startswith("a document with")
    # The explanation names kinds of data, never the data.
    for secret in ("Margaret", "Evans", "943", "5919", "1941"):
        assert secret not in detail


def screen_scene() -> tuple[np.ndarray, np.ndarray]:
    room = np.full((1000, 1400, 3), (200, 196, 188), np.uint8)
    ui = Image.new("RGB", (700, 420), (245, 247, 250))
    d = ImageDraw.Draw(ui)
    d.rectangle([0, 0, 700, 50], fill=(30, 80, 160))
    d.text((16, 10), "CareRecord - EVANS-FAKE, Margaret", fill=(255, 255, 255),
           font=default_font(24))
    for i, line in enumerate(["NHS: 943 476 5919", "DOB 12-Mar-1941", "Note: slept well",
                              "Note: ate lunch", "Tel 029 2018 0123"]):
        d.text((20, 80 + 60 * i), line, fill=(20, 20, 20), font=default_font(26))
    screen = np.asarray(ui)
    bezel = np.full((460, 740, 3), 18, np.uint8)
    bezel[20:440, 20:720] = screen
    corners = [(300, 150), (1080, 190), (1060, 640), (320, 660)]
    out, _ = warp_onto(room, bezel, corners)
    # The display itself (inside the bezel) is what must be hidden.
    display = np.zeros((460, 740, 3), np.uint8)
    display[20:440, 20:720] = 255
    _, mask = warp_onto(np.zeros_like(room), display, corners)
    return out, mask & (cv2.warpPerspective(display[..., 0], cv2.getPerspectiveTransform(
        np.float32([[0, 0], [740, 0], [740, 460], [0, 460]]), np.float32(corners)),
        (room.shape[1], room.shape[0])) > 127)


def test_screen_is_found_and_covered(documents) -> None:
    image, mask = screen_scene()
    found = documents.detect(image)
    hidden = [f for f in found if f.kind in (FindingKind.SCREEN, FindingKind.DOCUMENT)]
    assert hidden, [(f.kind, f.region) for f in found]
    assert _covered(mask, hidden) >= 0.95


def test_blank_scene_has_no_text(documents) -> None:
    assert documents.detect(desk()) == []


def test_redacted_document_is_filled_verified_and_report_stays_silent(
        pipeline: Pipeline, tmp_path: Path) -> None:
    image, sheet_mask = document_scene(VALID_NHS)
    src = tmp_path / "care plan.png"
    Image.fromarray(image).save(src)
    result = pipeline.process(src, tmp_path / "out" / "care plan.png")
    assert result.status is Status.REDACTED, result.error
    assert result.verified is True
    out = np.asarray(Image.open(result.output).convert("RGB")).astype(np.int16)
    # Solid fill over the sheet: one flat colour, so none of the page's ink survives.
    on_sheet = out[sheet_mask]
    flat = np.abs(on_sheet - np.median(on_sheet, axis=0)).max(axis=1) <= 6  # JPEG-free PNG
    assert flat.mean() > 0.9
    report = json.dumps(report_dict([result], out_root=tmp_path / "out", mode="redact",
                                    settings={}))
    page_html = render_html([result], out_root=tmp_path / "out")
    for secret in ("Margaret", "Evans-Fake", "943 476", "5919", "12/03/1941"):
        assert secret not in report
        assert secret not in page_html


def sign_scene() -> np.ndarray:
    wall = np.full((900, 1200, 3), (214, 208, 196), np.uint8)
    im = Image.fromarray(wall)
    d = ImageDraw.Draw(im)
    d.rectangle([420, 380, 780, 470], fill=(20, 110, 50))
    d.text((450, 398), "FIRE EXIT", fill=(255, 255, 255), font=default_font(52))
    return np.asarray(im)


@pytest.mark.parametrize(("policy", "expected"), [
    (Policy.STRICT, Action.FILL),
    (Policy.BALANCED, Action.KEPT),
])
def test_policy_decides_about_plain_signage(tmp_path: Path, policy: Policy,
                                            expected: Action) -> None:
    src = tmp_path / "sign.png"
    Image.fromarray(sign_scene()).save(src)
    result = Pipeline(ScanConfig(policy=policy)).process(src, None)
    texts = [f for f in result.findings if f.kind is FindingKind.TEXT]
    assert texts, result
    assert {f.action for f in texts} == {expected}


def test_balanced_policy_still_hides_documents(tmp_path: Path) -> None:
    image, _ = document_scene(VALID_NHS)
    src = tmp_path / "doc.png"
    Image.fromarray(image).save(src)
    result = Pipeline(ScanConfig(policy=Policy.BALANCED)).process(src, None)
    docs = [f for f in result.findings if f.kind is FindingKind.DOCUMENT]
    assert docs and all(f.action is Action.FILL for f in docs)


def test_screen_showing_only_a_picture_is_found() -> None:
    """No readable text on it, but still a screen: a lit panel in a dark bezel."""
    from scanner.detectors.displays import DisplayDetector

    room = np.full((900, 1200, 3), (196, 190, 180), np.uint8)
    rng = np.random.default_rng(3)
    picture = np.clip(rng.normal(170, 30, (400, 640, 3)), 0, 255).astype(np.uint8)
    bezel = np.full((440, 680, 3), 22, np.uint8)
    bezel[20:420, 20:660] = picture
    corners = [(260, 160), (940, 200), (930, 610), (270, 630)]
    image, _ = warp_onto(room, bezel, corners)
    found = DisplayDetector(ScanConfig()).detect(image)
    assert [f.kind for f in found] == [FindingKind.SCREEN]
    panel = np.zeros((440, 680, 3), np.uint8)
    panel[20:420, 20:660] = 255
    _, mask = warp_onto(np.zeros_like(room), panel, corners)
    mask &= cv2.warpPerspective(panel[..., 0], cv2.getPerspectiveTransform(
        np.float32([[0, 0], [680, 0], [680, 440], [0, 440]]), np.float32(corners)),
        (1200, 900)) > 127
    assert _covered(mask, found) >= 0.95


def test_plain_room_has_no_screen() -> None:
    from scanner.detectors.displays import DisplayDetector

    assert DisplayDetector(ScanConfig()).detect(desk()) == []


@pytest.mark.parametrize("name", ["grass", "gravel", "brick", "coffee", "chelsea", "rocket"])
def test_textured_photos_without_text_come_out_untouched(pipeline: Pipeline, tmp_path: Path,
                                                         name: str) -> None:
    """Grass, gravel, brick, a cup of coffee, a cat, a launch pad: textures that look a little
    like print to a text detector, and nothing to hide."""
    import skimage.data

    image = np.asarray(getattr(skimage.data, name)())
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    src = tmp_path / f"{name}.png"
    Image.fromarray(np.ascontiguousarray(image[..., :3])).save(src)
    result = pipeline.process(src, None)
    assert result.status is Status.CLEAN, [(f.kind, f.detail) for f in result.findings]


def crowd_with_a_sign(astronaut: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Nine people (the astronaut, public domain) around one placard; the placard's box."""
    scene = np.full((900, 1400, 3), (120, 135, 150), np.uint8)
    head = cv2.resize(astronaut[20:300, 120:380], (150, 162), interpolation=cv2.INTER_AREA)
    for i, (x, y) in enumerate([(40, 60), (230, 40), (420, 70), (950, 50), (1150, 60),
                                (60, 560), (260, 600), (980, 580), (1180, 600)]):
        scene[y : y + 162, x : x + 150] = head if i % 2 else head[:, ::-1]
    sign = Image.new("RGB", (420, 260), (250, 250, 245))
    d = ImageDraw.Draw(sign)
    for k, text in enumerate(["SAVE OUR", "LOCAL", "LIBRARY"]):
        d.text((30, 25 + 75 * k), text, fill=(200, 20, 20), font=default_font(60))
    x, y = 490, 320
    scene[y : y + 260, x : x + 420] = np.asarray(sign)
    return scene, (x, y, x + 420, y + 260)


def test_a_crowd_with_one_sign_keeps_the_crowd(pipeline: Pipeline, astronaut: np.ndarray,
                                                tmp_path: Path) -> None:
    scene, (x1, y1, x2, y2) = crowd_with_a_sign(astronaut)
    src = tmp_path / "crowd.png"
    Image.fromarray(scene).save(src)
    result = pipeline.process(src, None)
    hidden = shape_mask([f.outline for f in result.findings
                         if f.kind is not FindingKind.FACE and f.hidden], 1400, 900)
    sign = np.zeros_like(hidden)
    sign[y1:y2, x1:x2] = True
    assert (hidden & sign).sum() >= 0.5 * sign.sum()  # its words at least
    assert (hidden & ~sign).sum() <= 0.05 * sign.sum()  # not the crowd around it
    faces = [f for f in result.findings if f.kind is FindingKind.FACE and f.hidden]
    assert len(faces) >= 9
