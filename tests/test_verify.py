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


def test_a_small_textured_change_is_not_missed_by_the_grid() -> None:
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
    f = _finding(Region(5, 5, 35, 35))
    redacted = image.copy()
    redacted[5:35, 5:35] = 0
    assert unchanged(image, redacted, [f]) == []
    assert unchanged(image, image.copy(), [f]) == [f]
