"""Screens found from the picture alone (scanner/detectors/displays.py): bezels that catch light,
and the look-alikes that must stay unflagged."""

from __future__ import annotations

import numpy as np
import pytest

from scanner.config import ScanConfig
from scanner.detectors.displays import DisplayDetector
from scanner.types import FindingKind

PANEL = (150, 210, 330, 490)  # y1, x1, y2, x2 of the lit panel in a 480x640 scene


def _scene(wall: int, sides: dict[str, int], panel: int = 175) -> np.ndarray:
    """A lit panel on a wall, with a 14 px frame whose four sides have their own brightness."""
    image = np.full((480, 640, 3), wall, np.uint8)
    y1, x1, y2, x2 = PANEL
    b = 14
    image[y1 - b:y1, x1 - b:x2 + b] = sides["top"]
    image[y2:y2 + b, x1 - b:x2 + b] = sides["bottom"]
    image[y1:y2, x1 - b:x1] = sides["left"]
    image[y1:y2, x2:x2 + b] = sides["right"]
    rng = np.random.default_rng(0)
    image[y1:y2, x1:x2] = np.clip(rng.normal(panel, 12, (y2 - y1, x2 - x1, 3)), 0, 255)
    return image


def _covers_panel(found: list) -> bool:
    y1, x1, y2, x2 = PANEL
    return any(f.region.x1 <= x1 + 2 and f.region.y1 <= y1 + 2 and f.region.x2 >= x2 - 2
               and f.region.y2 >= y2 - 2 for f in found)


@pytest.mark.parametrize(("name", "sides", "is_screen"), [
    ("dark bezel all round", dict(top=25, bottom=25, left=25, right=25), True),
    # A lamp above a glossy monitor lights the top of its bezel (COCO 643's CRT).
    ("bezel lit on top", dict(top=125, bottom=55, left=75, right=65), True),
    # A picture on a wall with a shadow under it: only one dark side.
    ("shadow under a picture", dict(top=200, bottom=40, left=200, right=200), False),
    ("no frame at all", dict(top=200, bottom=200, left=200, right=200), False),
])
def test_bezel_sides(name: str, sides: dict[str, int], is_screen: bool) -> None:
    found = DisplayDetector(ScanConfig()).detect(_scene(200, sides))
    assert all(f.kind is FindingKind.SCREEN for f in found)
    assert _covers_panel(found) is is_screen, name


def test_screen_region_takes_in_the_bezel() -> None:
    """The device's outline is covered too, not only the lit glass."""
    found = DisplayDetector(ScanConfig()).detect(
        _scene(200, dict(top=25, bottom=25, left=25, right=25)))
    (screen,) = found
    y1, x1, y2, x2 = PANEL
    assert screen.region.x1 <= x1 - 8 and screen.region.x2 >= x2 + 8
    assert screen.region.y1 <= y1 - 8 and screen.region.y2 >= y2 + 8


def test_sky_over_a_dark_field_is_not_a_screen() -> None:
    """A bright area cut by the photo's edges has no whole bezel, however dark below it."""
    image = np.full((480, 640, 3), 185, np.uint8)
    image[300:] = 45  # dark grass
    image[:300, :6] = 60  # a dark strip at the left edge, like a tree
    assert DisplayDetector(ScanConfig()).detect(image) == []


@pytest.mark.parametrize("shape", [(1, 1, 3), (8, 8, 3), (4, 900, 3)])
def test_tiny_and_thin_images_have_no_screen(shape: tuple[int, int, int]) -> None:
    assert DisplayDetector(ScanConfig()).detect(np.full(shape, 120, np.uint8)) == []


def test_a_panel_filling_the_frame_keeps_a_thin_margin() -> None:
    """A lit sheet filling most of a dark table is flagged, but the fill must not swallow the
    whole photo (its edges still show which way up it is)."""
    image = np.full((480, 640, 3), 20, np.uint8)
    image[40:440, 50:590] = 215
    (found,) = DisplayDetector(ScanConfig()).detect(image)
    assert found.region.x1 >= 20 and found.region.x2 <= 620
    assert found.region.y1 >= 15 and found.region.y2 <= 465
