"""The demo's copies read as photos: what is private is hidden, and the room, the desk and the
suit around it are not (the real models on the committed sample images).

Places are taken from scripts/make_sample_images.py, which draws the scenes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scanner.config import ScanConfig
from scanner.geometry import shape_mask
from scanner.pipeline.process import Pipeline
from scanner.types import FindingKind, ScanResult, Status

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[1] / "sample_images"
Box = tuple[int, int, int, int]


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline(ScanConfig())


def _hidden(result: ScanResult) -> np.ndarray:
    assert result.status is Status.REDACTED, result.error
    assert result.width and result.height
    return shape_mask([f.outline for f in result.findings if f.hidden],
                      result.width, result.height)


def _share(hidden: np.ndarray, box: Box) -> float:
    x1, y1, x2, y2 = box
    return float(hidden[y1:y2, x1:x2].mean())


@pytest.fixture(scope="module")
def activity_room(pipeline: Pipeline) -> tuple[ScanResult, np.ndarray]:
    result = pipeline.process(SAMPLES / "activity_room.heic")
    return result, _hidden(result)


@pytest.mark.parametrize(("name", "box"), [
    ("window", (95, 155, 655, 835)),
    ("bunting", (0, 0, 2016, 165)),
    ("clock", (1010, 760, 1200, 950)),
    ("rocket print", (1560, 560, 1880, 780)),
    ("wall below the whiteboard", (700, 660, 1000, 740)),
    ("craft pieces on the table", (600, 1180, 1300, 1450)),
])
def test_activity_room_keeps_the_room(activity_room: tuple[ScanResult, np.ndarray], name: str,
                                      box: Box) -> None:
    _, hidden = activity_room
    assert _share(hidden, box) <= 0.02, name


def test_activity_room_hides_the_whiteboard_and_the_framed_face(
        activity_room: tuple[ScanResult, np.ndarray]) -> None:
    result, hidden = activity_room
    assert _share(hidden, (775, 205, 1465, 615)) >= 0.98  # the board, inside its frame
    faces = [f for f in result.findings if f.kind is FindingKind.FACE and f.hidden]
    assert any(f.region.x1 <= 1690 and f.region.x2 >= 1730 and f.region.y1 <= 250
               and f.region.y2 >= 300 for f in faces)
    # The room is still a room: far less than a tenth of it is hidden.
    assert hidden.mean() <= 0.12


def test_outing_hides_the_badge_and_not_the_suit(pipeline: Pipeline) -> None:
    hidden = _hidden(pipeline.process(SAMPLES / "outing_gps.jpg"))
    assert _share(hidden, (885, 1138, 990, 1168)) >= 0.9  # the name on the badge
    assert _share(hidden, (60, 760, 860, 1200)) <= 0.05  # the suit
    assert _share(hidden, (1080, 0, 1500, 900)) <= 0.02  # the shuttle model


def test_care_plan_is_hidden_to_its_edges_and_the_cup_stays(pipeline: Pipeline) -> None:
    import cv2

    hidden = _hidden(pipeline.process(SAMPLES / "care_plan_desk.jpg"))
    page = np.zeros(hidden.shape, np.uint8)
    cv2.fillPoly(page, [np.int32([(560, 120), (1390, 168), (1480, 1440), (400, 1395)])], 1)
    page_mask = page.astype(bool)
    assert (hidden & page_mask).sum() >= 0.98 * page_mask.sum()
    assert (hidden & ~page_mask).sum() <= 0.05 * page_mask.sum()  # the desk around it
    assert _share(hidden, (1500, 60, 1920, 440)) <= 0.02  # the coffee cup


def test_the_screen_is_hidden_as_a_screen_and_its_stand_is_not(pipeline: Pipeline) -> None:
    result = pipeline.process(SAMPLES / "screen_record.jpg")
    hidden = _hidden(result)
    assert any(f.kind is FindingKind.SCREEN and f.hidden for f in result.findings)
    assert _share(hidden, (360, 200, 1600, 880)) >= 0.98  # the display, inside its bezel
    assert _share(hidden, (975, 990, 1065, 1060)) <= 0.02  # the stand's neck under it
    assert _share(hidden, (800, 1050, 1240, 1100)) <= 0.02  # its foot
    assert _share(hidden, (1640, 1150, 1920, 1400)) <= 0.02  # the coffee cup


def test_a_poster_with_a_qr_code_is_no_screen(pipeline: Pipeline) -> None:
    """The code's dark modules are a hole in the poster, not a bezel around it."""
    result = pipeline.process(SAMPLES / "noticeboard_qr.png")
    assert not [f for f in result.findings if f.kind is FindingKind.SCREEN]
    assert [f for f in result.findings if f.kind is FindingKind.DOCUMENT]
