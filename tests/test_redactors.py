"""scanner.redactors: mosaic, blur and fill only touch their regions, and the registry."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import noise, rotated_square
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.config import ScanConfig
from scanner.errors import ScannerError
from scanner.geometry import pixel_box, shape_mask
from scanner.redactors.blur import BlurRedactor
from scanner.redactors.builtins import REDACTORS
from scanner.redactors.fill import FillRedactor
from scanner.redactors.mosaic import MosaicRedactor
from scanner.types import Region, Shape

STYLES = ("mosaic", "blur", "fill")


def _redactor(style: str, config: ScanConfig | None = None):
    return REDACTORS.get(style)(config or ScanConfig())


def _boxes(regions: list[Region]) -> list[Shape]:
    return [Shape.box(r) for r in regions]


def _outside_mask(shape: tuple[int, ...], regions: list[Region]) -> np.ndarray:
    """True where no region's (outward-rounded, clipped) box reaches."""
    h, w = shape[:2]
    mask = np.ones((h, w), dtype=bool)
    for r in regions:
        box = pixel_box(r, w, h)
        if box is not None:
            x1, y1, x2, y2 = box
            mask[y1:y2, x1:x2] = False
    return mask


def _runs(row: np.ndarray) -> int:
    """Number of runs of equal pixels along a (N, 3) row."""
    if len(row) == 0:
        return 0
    changes = np.any(row[1:] != row[:-1], axis=-1)
    return 1 + int(changes.sum())


# ------------------------------------------------------------------------------------------
# every style


@pytest.mark.parametrize("style", STYLES)
def test_original_never_modified(style: str) -> None:
    img = noise(120, 90)
    before = img.copy()
    out = _redactor(style).redact(img, _boxes([Region(10, 10, 60, 70), Region(-5, 50, 30, 200)]))
    np.testing.assert_array_equal(img, before)
    assert out is not img
    assert out.shape == img.shape and out.dtype == np.uint8


@pytest.mark.parametrize("style", STYLES)
def test_read_only_input_is_fine(style: str) -> None:
    img = noise(64, 48)
    img.setflags(write=False)
    out = _redactor(style).redact(img, _boxes([Region(8, 8, 40, 40)]))
    assert out.flags.writeable
    assert not np.array_equal(out[8:40, 8:40], img[8:40, 8:40])


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    "regions",
    [
        [Region(10, 10, 60, 70)],
        [Region(10.4, 10.6, 59.2, 69.9)],  # fractional edges round outward
        [Region(0, 0, 30, 30), Region(80, 50, 120, 90)],  # two, one touching the corner
        [Region(20, 20, 50, 50), Region(40, 40, 70, 70)],  # overlapping
        [Region(-20, -20, 25, 25)],  # partly out of bounds
        [Region(100, 60, 400, 400)],  # partly out on the far side
    ],
)
def test_pixels_outside_regions_unchanged(style: str, regions: list[Region]) -> None:
    img = noise(120, 90)
    out = _redactor(style).redact(img, _boxes(regions))
    outside = _outside_mask(img.shape, regions)
    np.testing.assert_array_equal(out[outside], img[outside])
    assert not np.array_equal(out[~outside], img[~outside]), "nothing was redacted"


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    "regions",
    [
        [],
        [Region(10, 10, 10, 50)],  # zero width
        [Region(10, 10, 50, 10)],  # zero height
        [Region(200, 200, 300, 300)],  # wholly outside, far side
        [Region(-50, -50, -1, -1)],  # wholly outside, negative
        [Region(120, 0, 200, 90)],  # starts exactly at the right edge
    ],
)
def test_empty_and_outside_regions_change_nothing(style: str, regions: list[Region]) -> None:
    img = noise(120, 90)
    out = _redactor(style).redact(img, _boxes(regions))
    np.testing.assert_array_equal(out, img)


@pytest.mark.parametrize("style", STYLES)
def test_whole_image_region(style: str) -> None:
    img = noise(50, 40)
    out = _redactor(style).redact(img, _boxes([Region(-1e6, -1e6, 1e6, 1e6)]))
    assert out.shape == img.shape
    assert not np.array_equal(out, img)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(("w", "h"), [(1, 1), (1, 40), (40, 1), (2, 3)])
def test_tiny_regions(style: str, w: int, h: int) -> None:
    img = noise(60, 60)
    region = Region(10, 10, 10 + w, 10 + h)
    out = _redactor(style).redact(img, _boxes([region]))
    outside = _outside_mask(img.shape, [region])
    np.testing.assert_array_equal(out[outside], img[outside])


@pytest.mark.parametrize("style", STYLES)
def test_tiny_image(style: str) -> None:
    img = noise(1, 1)
    out = _redactor(style).redact(img, _boxes([Region(0, 0, 1, 1)]))
    assert out.shape == (1, 1, 3)


# ------------------------------------------------------------------------------------------
# fill


def test_fill_region_is_one_flat_average_colour() -> None:
    img = noise(100, 80)
    out = FillRedactor().redact(img, _boxes([Region(10.5, 20.2, 40.7, 50.1)]))
    patch = out[20:51, 10:41].reshape(-1, 3)
    # One value for the whole region: nothing of the content survives but its mean.
    assert (patch == patch[0]).all()
    expected = img[20:51, 10:41].reshape(-1, 3).mean(axis=0).round()
    assert np.abs(patch[0].astype(float) - expected).max() <= 1


def test_fill_of_a_large_region_is_its_average_colour_from_a_sample() -> None:
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (1500, 2000, 3), dtype=np.uint8)
    img[:, 1000:] //= 2  # not uniform: the sample must see both halves
    out = FillRedactor().redact(img, _boxes([Region(0, 0, 2000, 1500)]))
    exact = img.reshape(-1, 3).mean(axis=0)
    assert np.abs(out[0, 0].astype(float) - exact).max() <= 1.0
    assert (out == out[0, 0]).all()


def test_fill_custom_colour_and_registry_default() -> None:
    img = noise(50, 50)
    out = FillRedactor((12, 200, 7)).redact(img, _boxes([Region(5, 5, 20, 25)]))
    assert (out[5:25, 5:20] == np.array([12, 200, 7], np.uint8)).all()
    default = _redactor("fill").redact(img, _boxes([Region(5, 5, 20, 25)]))
    patch = default[5:25, 5:20].reshape(-1, 3)
    assert (patch == patch[0]).all()


# ------------------------------------------------------------------------------------------
# mosaic


def _block_grid(patch: np.ndarray) -> tuple[list[int], list[int]]:
    """Column and row boundaries where any pixel changes, over the whole patch."""
    col_change = np.any(patch[:, 1:] != patch[:, :-1], axis=(0, 2))
    row_change = np.any(patch[1:] != patch[:-1], axis=(1, 2))
    cols = [0, *(np.nonzero(col_change)[0] + 1).tolist(), patch.shape[1]]
    rows = [0, *(np.nonzero(row_change)[0] + 1).tolist(), patch.shape[0]]
    return cols, rows


def _assert_mosaic(patch: np.ndarray, blocks: int) -> None:
    cols, rows = _block_grid(patch)
    assert len(cols) - 1 <= blocks, f"{len(cols) - 1} blocks across"
    assert len(rows) - 1 <= blocks, f"{len(rows) - 1} blocks down"
    for y in range(patch.shape[0]):
        assert _runs(patch[y]) <= blocks
    # Each block is flat: one colour inside every grid cell.
    for r0, r1 in zip(rows, rows[1:], strict=False):
        for c0, c1 in zip(cols, cols[1:], strict=False):
            cell = patch[r0:r1, c0:c1].reshape(-1, 3)
            assert (cell == cell[0]).all()


@pytest.mark.parametrize(
    "region",
    [
        Region(10, 10, 110, 110),  # square
        Region(10, 10, 150, 50),  # wide
        Region(10, 10, 40, 150),  # tall
        Region(3.3, 7.7, 99.1, 64.9),  # fractional
        Region(5, 5, 11, 11),  # fewer pixels than blocks x 2
        Region(0, 0, 5, 5),  # fewer pixels than blocks
    ],
)
def test_mosaic_at_most_six_blocks_and_flat(region: Region) -> None:
    img = noise(200, 160)
    out = _redactor("mosaic").redact(img, _boxes([region]))
    x1, y1, x2, y2 = pixel_box(region, 200, 160)  # type: ignore[misc]
    _assert_mosaic(out[y1:y2, x1:x2], 6)


def test_mosaic_of_noise_has_several_blocks() -> None:
    """A mosaic is not a flat fill: a 100 px face keeps a coarse 6x6 picture."""
    img = noise(200, 200)
    out = _redactor("mosaic").redact(img, _boxes([Region(0, 0, 120, 120)]))
    patch = out[0:120, 0:120]
    cols, rows = _block_grid(patch)
    assert len(cols) - 1 == 6 and len(rows) - 1 == 6
    # Block colours are averages of their pixels (INTER_AREA), so close to the block mean.
    block = img[0:20, 0:20].reshape(-1, 3).mean(axis=0)
    assert np.abs(patch[0, 0].astype(float) - block).max() <= 2


@pytest.mark.parametrize("blocks", [1, 2, 3, 10])
def test_mosaic_blocks_setting(blocks: int) -> None:
    img = noise(100, 100)
    mosaic = REDACTORS.get("mosaic")(ScanConfig(mosaic_blocks=blocks))
    out = mosaic.redact(img, _boxes([Region(0, 0, 90, 60)]))
    _assert_mosaic(out[0:60, 0:90], blocks)


def test_mosaic_rejects_zero_blocks() -> None:
    with pytest.raises(ValueError):
        MosaicRedactor(0)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(-40, 140), st.integers(-40, 140), st.integers(0, 160), st.integers(0, 160),
    st.integers(1, 12),
)
def test_mosaic_hypothesis(x: int, y: int, w: int, h: int, blocks: int) -> None:
    img = noise(120, 100, seed=abs(x * 31 + y))
    region = Region(x, y, x + w, y + h)
    out = MosaicRedactor(blocks).redact(img, _boxes([region]))
    outside = _outside_mask(img.shape, [region])
    np.testing.assert_array_equal(out[outside], img[outside])
    box = pixel_box(region, 120, 100)
    if box is not None:
        x1, y1, x2, y2 = box
        _assert_mosaic(out[y1:y2, x1:x2], blocks)


# ------------------------------------------------------------------------------------------
# blur


def test_blur_destroys_detail() -> None:
    img = noise(200, 200)
    out = BlurRedactor().redact(img, _boxes([Region(20, 20, 180, 180)]))
    patch = out[20:180, 20:180].astype(float)
    # Noise has huge neighbour differences; a heavy blur leaves only smooth gradients.
    orig_grad = np.abs(np.diff(img[20:180, 20:180].astype(float), axis=1)).mean()
    new_grad = np.abs(np.diff(patch, axis=1)).mean()
    assert new_grad < orig_grad / 10


# ------------------------------------------------------------------------------------------
# pixel_box and the registry


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        (Region(1.5, 2.5, 3.5, 4.5), (1, 2, 4, 5)),
        (Region(-5, -5, 5, 5), (0, 0, 5, 5)),
        (Region(5, 5, 500, 500), (5, 5, 10, 8)),
        (Region(10, 0, 20, 8), None),
        (Region(3, 3, 3, 6), None),
    ],
)
def test_pixel_box(region: Region, expected) -> None:
    assert pixel_box(region, 10, 8) == expected


@pytest.mark.parametrize("name", ["", "pixelate", "MOSAIC", "kept", "flagged"])
def test_registry_unknown_name_raises_scanner_error(name: str) -> None:
    known = "blur, fill, mosaic"
    with pytest.raises(ScannerError, match=f"no redaction style named {name!r} .*{known}"):
        REDACTORS.get(name)


def test_registry_builtins_and_duplicates() -> None:
    for style in STYLES:
        red = REDACTORS.get(style)(ScanConfig())
        assert red.name == style
    with pytest.raises(ScannerError, match="already registered"):
        REDACTORS.register("mosaic", lambda config: MosaicRedactor())


# ------------------------------------------------------------------------------------------
# shapes: a tilted line or page is hidden to its outline, not to its box


@pytest.mark.parametrize("style", STYLES)
@settings(max_examples=25, deadline=None)
@given(st.floats(20, 100), st.floats(20, 80), st.floats(6, 30), st.floats(5, 85))
def test_shapes_are_hidden_to_their_outline(style: str, cx: float, cy: float, half: float,
                                            degrees: float) -> None:
    img = noise(120, 100, seed=int(cx * 7 + cy))
    shape = rotated_square(cx, cy, half, degrees)
    out = _redactor(style).redact(img, [shape])
    inside = shape_mask([shape], 120, 100)
    # Outside the covered pixels nothing changes: the box's corners stay as they were.
    np.testing.assert_array_equal(out[~inside], img[~inside])
    # Inside, the picture is replaced (noise has no flat areas a mosaic could leave alone).
    changed = np.any(out != img, axis=-1)
    assert changed[inside].mean() > 0.9


def test_fill_of_a_shape_is_one_colour_its_own_average() -> None:
    img = noise(120, 100, seed=5)
    shape = rotated_square(60, 50, 25, 30)
    out = FillRedactor().redact(img, [shape])
    inside = shape_mask([shape], 120, 100)
    assert len(np.unique(out[inside].reshape(-1, 3), axis=0)) == 1
    # The average of what it covers, not of its box.
    assert np.abs(out[inside][0].astype(float) - img[inside].mean(axis=0)).max() <= 3


def test_a_thin_slanted_shape_is_still_filled() -> None:
    """A one-pixel sliver across a large window: the sample grid may miss it, the fill not."""
    img = noise(2000, 1500, seed=2)
    shape = Shape.of([(0, 0), (2000, 1499), (1999, 1500)])
    out = FillRedactor().redact(img, [shape])
    inside = shape_mask([shape], 2000, 1500)
    assert inside.any()
    assert np.any(out != img, axis=-1)[inside].all()
