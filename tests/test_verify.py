"""scanner.pipeline.verify: the pixel checks that run after redaction."""

from __future__ import annotations

import numpy as np
import pytest

from scanner.pipeline.verify import sample_step, unchanged
from scanner.types import Action, Finding, FindingKind, Region


@pytest.mark.parametrize(
    ("width", "height", "step"),
    [
        (0, 0, 1),
        (-5, 10, 1),  # an inverted box has no pixels
        (1, 1, 1),
        (256, 256, 1),  # 65,536 pixels: all of them
        (257, 256, 2),
        (4032, 3024, 14),  # a whole 12 MP frame: ~62k samples
    ],
)
def test_sample_step_table(width: int, height: int, step: int) -> None:
    assert sample_step(width, height) == step
    if width > 0 and height > 0:
        assert (-(-width // step)) * (-(-height // step)) <= 65_536 * 1.1


def _finding(region: Region) -> Finding:
    return Finding(FindingKind.DOCUMENT, region, 0.9, "test", action=Action.FILL)


def test_a_large_region_left_unchanged_is_caught_from_a_sample() -> None:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (2000, 3000, 3), dtype=np.uint8)
    f = _finding(Region(0, 0, 3000, 2000))
    assert unchanged(image, image.copy(), [f]) == [f]
    filled = image.copy()
    filled[:] = 128
    assert unchanged(image, filled, [f]) == []


@pytest.mark.parametrize("colour", [(171, 95, 154), (250, 250, 246), (20, 120, 40)])
def test_a_flat_coloured_area_its_own_fill_leaves_alone_is_no_failure(
        colour: tuple[int, int, int]) -> None:
    # A flat magenta card: its R, G and B differ (pooled, they look "textured"), but filling
    # it with its own average colour rightly changes nothing.
    image = np.zeros((60, 60, 3), np.uint8)
    image[:] = colour
    f = _finding(Region(10, 10, 50, 50))
    assert unchanged(image, image.copy(), [f]) == []
    textured = image.copy()
    textured[10:50:4] = 0  # lines of print on it: left unchanged, that is a failure
    assert unchanged(textured, textured.copy(), [f]) == [f]


def test_blank_paper_with_a_speck_of_print_filled_is_no_failure() -> None:
    # The end of a text line's track: the line has left, blank paper and one dark speck stay
    # under its shape. The fill barely moves the average, but the speck is gone: it did act.
    image = np.full((60, 60, 3), 248, np.uint8)
    image[20:23, 20:26] = 30
    f = _finding(Region(10, 10, 50, 50))
    filled = image.copy()
    filled[10:50, 10:50] = image[10:50, 10:50].reshape(-1, 3).mean(axis=0).round()
    assert unchanged(image, filled, [f]) == []
    assert unchanged(image, image.copy(), [f]) == [f]


def test_a_small_textured_change_is_not_missed_by_the_grid() -> None:
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
    f = _finding(Region(5, 5, 35, 35))
    redacted = image.copy()
    redacted[5:35, 5:35] = 0
    assert unchanged(image, redacted, [f]) == []
    assert unchanged(image, image.copy(), [f]) == [f]
