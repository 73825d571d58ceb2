"""The text detector's search plan: which scale, and which windows DBNet is given."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.detectors.text import _OVERLAP, _windows, plan_text_scale


@pytest.mark.parametrize(("size", "expected"), [
    ((4000, 3000), 2400 / 4000),  # a 12 MP photo: long side down to 2400
    ((2400, 1800), 1.0),
    ((640, 427), 736 / 427),  # COCO-sized: short side up to PP-OCR's 736
    ((100, 10), 3.0),  # a thin strip: upscaling is capped
    ((0, 0), 1.0),  # empty
])
def test_plan_text_scale(size: tuple[int, int], expected: float) -> None:
    assert plan_text_scale(*size) == pytest.approx(expected)


@pytest.mark.parametrize(("size", "count", "largest"), [
    ((2400, 1800), 4, (1264, 964)),  # a 12 MP photo's search: 4 windows, not 6 tiles
    ((1280, 960), 1, (1280, 960)),  # verification's search of the same photo: one window
    ((1103, 736), 2, (1024, 736)),  # COCO-sized searches keep their 1024 px tiles
    ((736, 736), 1, (736, 736)),
    ((1, 1), 1, (1, 1)),
    ((0, 500), 0, None),  # nothing to search
])
def test_windows(size: tuple[int, int], count: int, largest: tuple[int, int] | None) -> None:
    windows = _windows(*size)
    assert len(windows) == count
    if largest is not None:
        assert max((t.x1 - t.x0, t.y1 - t.y0) for t in windows) == largest


@given(st.integers(1, 5000), st.integers(1, 5000))
def test_windows_cover_every_pixel_with_overlap(width: int, height: int) -> None:
    seen = np.zeros((height, width), dtype=np.uint8)
    for t in _windows(width, height):
        assert 0 <= t.x0 < t.x1 <= width and 0 <= t.y0 < t.y1 <= height
        seen[t.y0 : t.y1, t.x0 : t.x1] += 1
    assert seen.min() >= 1
    # Neighbouring windows share at least the overlap, so a line shorter than it is whole in one.
    xs = sorted({t.x0 for t in _windows(width, height)})
    ends = sorted({t.x1 for t in _windows(width, height)})
    for start, end in zip(xs[1:], ends[:-1], strict=True):
        assert end - start >= min(_OVERLAP, width)
