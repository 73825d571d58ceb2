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


def _clip_places() -> tuple[object, object, int]:
    """The generator's clip_face_box, clip_page_box and frame count (the script, loaded)."""
    import importlib.util
    import sys

    script = SAMPLES.parent / "scripts" / "make_sample_images.py"
    spec = importlib.util.spec_from_file_location("make_sample_images_places", script)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod.clip_face_box, mod.clip_page_box, mod.CLIP_FRAMES


def test_the_demo_clip_hides_her_face_and_the_page_in_every_frame(pipeline: Pipeline,
                                                                   tmp_path: Path) -> None:
    import av

    from scanner.video.process import process_video

    face_box, page_box, n = _clip_places()
    out = tmp_path / "garden_walk.mp4"
    result = process_video(pipeline, SAMPLES / "garden_walk.mov", out)
    assert result.status is Status.REDACTED and result.verified is True, result.error
    assert result.clip is not None and result.clip.audio == "dropped"
    assert {"location", "device", "times"} <= set(result.metadata_removed)
    with av.open(str(SAMPLES / "garden_walk.mov")) as c:
        before = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    with av.open(str(out)) as c:
        after = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(after) == n
    for i in range(n):
        x1, y1, x2, y2 = face_box(i)  # type: ignore[operator]
        size = x2 - x1
        # her face: the middle of the picture's upper half (the helmet ring and suit below)
        fx1, fy1, fx2, fy2 = x1 + size // 4, y1 + size // 10, x2 - size // 4, y1 + size // 2
        change = np.abs(before[i][fy1:fy2, fx1:fx2].astype(int)
                        - after[i][fy1:fy2, fx1:fx2].astype(int)).mean()
        assert change > 12, f"frame {i}: her face changed only {change:.1f}"
        px1, py1, px2, py2 = page_box(i)  # type: ignore[operator]
        page = after[i][py1 + 20:py2 - 20, px1 + 20:min(px2, 960) - 20].astype(int)
        if page.size:
            # the fill leaves no dark print on the page: a flat area
            assert page.std() < 12, f"frame {i}: the page shows (std {page.std():.1f})"
        # the grass at the bottom left stays grass
        grass = np.abs(before[i][440:530, 10:300].astype(int)
                       - after[i][440:530, 10:300].astype(int)).mean()
        assert grass < 4, f"frame {i}: the grass changed ({grass:.1f})"
