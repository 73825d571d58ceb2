"""scanner.video.motion: where a patch went between two looks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.types import Region
from scanner.video.motion import borrowed, small, velocity


def textured(h: int = 240, w: int = 320, seed: int = 0) -> np.ndarray:
    """Blocks of random grey levels, 4 px square (h and w multiples of 4)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (h // 4, w // 4, 3), dtype=np.uint8)
    return np.kron(base, np.ones((4, 4, 1), np.uint8))


@settings(max_examples=40, deadline=None)
@given(st.integers(-40, 40), st.integers(-30, 30), st.integers(1, 15))
def test_a_moved_patch_is_found_where_it_went(dx: int, dy: int, frames: int) -> None:
    before = np.full((240, 320, 3), 128, np.uint8)
    card = textured(60, 80, seed=3)
    before[90:150, 120:200] = card
    after = np.full_like(before, 128)
    after[90 + dy:150 + dy, 120 + dx:200 + dx] = card
    a, scale = small(before)
    b, _ = small(after)
    v = velocity(a, b, scale, Region(120, 90, 200, 150), frames)
    assert v is not None
    assert v[0] * frames == pytest.approx(dx, abs=1) and v[1] * frames == pytest.approx(dy, abs=1)


@pytest.mark.parametrize("case", ["flat", "gone", "no time", "tiny"])
def test_no_clear_match_means_no_motion(case: str) -> None:
    before = textured()
    after = before.copy()
    box = Region(100, 80, 180, 140)
    frames = 5
    if case == "flat":
        before[:] = after[:] = 200
    elif case == "gone":
        after[:] = np.random.default_rng(9).integers(0, 256, after.shape, dtype=np.uint8)
    elif case == "no time":
        frames = 0
    else:
        box = Region(10, 10, 11, 11)
        before[:] = after[:] = 200
    a, scale = small(before)
    b, _ = small(after)
    assert velocity(a, b, scale, box, frames) is None


def test_a_large_frame_is_matched_small() -> None:
    grey, scale = small(np.zeros((1080, 1920, 3), np.uint8))
    assert grey.shape == (540, 960) and scale == 0.5


@pytest.mark.parametrize("box, expected", [
    (Region(0, 0, 10, 10), (3.0, 0.0)),  # overlaps the moved one
    (Region(30, 0, 40, 10), (3.0, 0.0)),  # 1 size away from it
    (Region(200, 200, 210, 210), None),  # far: nothing borrowed
])
def test_a_line_borrows_the_motion_of_its_page(box: Region,
                                              expected: tuple[float, float] | None) -> None:
    boxes = {"page": Region(5, 0, 25, 20), "line": box}
    got = borrowed(boxes, {"page": (3.0, 0.0)})
    assert got.get("line") == expected
    assert "page" not in got
