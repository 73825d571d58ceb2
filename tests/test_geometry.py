"""scanner.geometry (nms, containment, tiles) and scanner.types.Region."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scanner.errors import InvalidShape
from scanner.geometry import (
    Tile,
    balanced_tiles,
    containment,
    merged_windows,
    nms,
    pyramid,
    rescale,
    tiles,
)
from scanner.types import Region

# ------------------------------------------------------------------------------------------
# nms


def _boxes(*rows: tuple[float, float, float, float]) -> np.ndarray:
    return np.asarray(rows, dtype=np.float64).reshape(-1, 4)


def test_nms_empty() -> None:
    keep = nms(np.empty((0, 4)), np.empty(0), 0.5)
    assert keep.shape == (0,)
    assert keep.dtype == np.int64


def test_nms_single() -> None:
    assert nms(_boxes((0, 0, 10, 10)), np.array([0.3]), 0.5).tolist() == [0]


def test_nms_identical_boxes_keep_the_best() -> None:
    boxes = _boxes((0, 0, 10, 10), (0, 0, 10, 10), (0, 0, 10, 10))
    assert nms(boxes, np.array([0.2, 0.9, 0.5]), 0.5).tolist() == [1]


def test_nms_identical_scores_keep_the_first() -> None:
    boxes = _boxes((0, 0, 10, 10), (0, 0, 10, 10))
    assert nms(boxes, np.array([0.5, 0.5]), 0.5).tolist() == [0]


def test_nms_disjoint_boxes_all_kept_best_first() -> None:
    boxes = _boxes((0, 0, 10, 10), (20, 20, 30, 30), (40, 0, 50, 10), (0, 40, 5, 45))
    scores = np.array([0.1, 0.9, 0.5, 0.7])
    assert nms(boxes, scores, 0.5).tolist() == [1, 3, 2, 0]


def test_nms_touching_boxes_do_not_suppress() -> None:
    boxes = _boxes((0, 0, 10, 10), (10, 0, 20, 10))
    assert sorted(nms(boxes, np.array([0.5, 0.6]), 0.01).tolist()) == [0, 1]


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        # IoU of the pair is 50 / 150 = 1/3
        (0.3, [0]),
        (0.34, [0, 1]),
        (1.0, [0, 1]),
    ],
)
def test_nms_threshold(threshold: float, expected: list[int]) -> None:
    boxes = _boxes((0, 0, 10, 10), (5, 0, 15, 10))
    assert nms(boxes, np.array([0.9, 0.8]), threshold).tolist() == expected


def test_nms_degenerate_boxes_do_not_crash() -> None:
    boxes = _boxes((0, 0, 0, 0), (5, 5, 5, 5), (10, 10, 2, 2))
    keep = nms(boxes, np.array([0.1, 0.2, 0.3]), 0.5)
    assert sorted(keep.tolist()) == [0, 1, 2]


def test_nms_accepts_integer_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10]], dtype=np.int32)
    assert nms(boxes, np.array([0.4, 0.9]), 0.5).tolist() == [1]


box_strategy = st.tuples(
    st.integers(0, 200), st.integers(0, 200), st.integers(1, 80), st.integers(1, 80)
).map(lambda t: (t[0], t[1], t[0] + t[2], t[1] + t[3]))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(box_strategy, min_size=1, max_size=25),
    st.data(),
    st.floats(0.05, 0.95),
)
def test_nms_properties(boxes: list, data: st.DataObject, thr: float) -> None:
    arr = _boxes(*boxes)
    scores = np.asarray(
        data.draw(st.lists(st.floats(0, 1), min_size=len(boxes), max_size=len(boxes)))
    )
    keep = nms(arr, scores, thr)
    kept = keep.tolist()
    assert len(set(kept)) == len(kept)
    # The best box always survives and comes first; scores are non-increasing.
    assert scores[kept[0]] == scores.max()
    assert all(scores[a] >= scores[b] for a, b in zip(kept, kept[1:], strict=False))
    # No two kept boxes overlap at or above the threshold.
    regions = [Region(*map(float, arr[i])) for i in kept]
    for i, a in enumerate(regions):
        for b in regions[i + 1 :]:
            assert a.iou(b) < thr + 1e-9
    # Every dropped box overlaps some kept box at least as well scored.
    for j in set(range(len(boxes))) - set(kept):
        r = Region(*map(float, arr[j]))
        assert any(
            Region(*map(float, arr[k])).iou(r) >= thr - 1e-9 and scores[k] >= scores[j]
            for k in kept
        )


# ------------------------------------------------------------------------------------------
# containment


def test_containment_empty_shapes() -> None:
    assert containment(np.empty((0, 4)), _boxes((0, 0, 1, 1))).shape == (0, 1)
    assert containment(_boxes((0, 0, 1, 1)), np.empty((0, 4))).shape == (1, 0)


@pytest.mark.parametrize(
    ("inner", "outer", "expected"),
    [
        ((2, 2, 4, 4), (0, 0, 10, 10), 1.0),  # wholly inside
        ((0, 0, 10, 10), (0, 0, 10, 10), 1.0),  # identical
        ((0, 0, 10, 10), (5, 0, 15, 10), 0.5),  # half
        ((0, 0, 10, 10), (2, 2, 4, 4), 0.04),  # outer inside inner
        ((0, 0, 10, 10), (20, 20, 30, 30), 0.0),  # disjoint
        ((0, 0, 10, 10), (10, 0, 20, 10), 0.0),  # touching
        ((5, 5, 5, 5), (0, 0, 10, 10), 0.0),  # zero-area inner
    ],
)
def test_containment_table(inner, outer, expected) -> None:
    got = containment(_boxes(inner), _boxes(outer))
    assert got.shape == (1, 1)
    assert got[0, 0] == pytest.approx(expected)


def test_containment_matrix_orientation() -> None:
    inner = _boxes((0, 0, 2, 2), (100, 100, 110, 110))
    outer = _boxes((0, 0, 10, 10), (0, 0, 1, 2), (90, 90, 200, 200))
    got = containment(inner, outer)
    assert got.shape == (2, 3)
    np.testing.assert_allclose(got, [[1.0, 0.5, 0.0], [0.0, 0.0, 1.0]])


# ------------------------------------------------------------------------------------------
# tiles


@pytest.mark.parametrize(
    ("width", "height", "tile", "overlap", "expected"),
    [
        (0, 0, 10, 2, []),
        (0, 50, 10, 2, []),
        (50, 0, 10, 2, []),
        (-5, 10, 10, 2, []),
        (10, 10, 10, 2, [Tile(0, 0, 10, 10)]),  # exactly one tile
        (5, 7, 10, 2, [Tile(0, 0, 5, 7)]),  # smaller than a tile
        (1, 1, 10, 2, [Tile(0, 0, 1, 1)]),
        (18, 10, 10, 2, [Tile(0, 0, 10, 10), Tile(8, 0, 18, 10)]),  # two with exact overlap
        (
            10,
            18,
            10,
            2,
            [Tile(0, 0, 10, 10), Tile(0, 8, 10, 18)],
        ),
    ],
)
def test_tiles_table(width, height, tile, overlap, expected) -> None:
    assert list(tiles(width, height, tile, overlap)) == expected


@pytest.mark.parametrize(("tile", "overlap"), [(10, 10), (10, 11), (0, 0), (5, 100)])
def test_tiles_tile_not_larger_than_overlap_raises(tile: int, overlap: int) -> None:
    with pytest.raises(ValueError, match="overlap"):
        list(tiles(100, 100, tile, overlap))


def test_tiles_is_lazy_but_raises_on_first_use() -> None:
    gen = tiles(100, 100, 5, 5)
    with pytest.raises(ValueError):
        next(iter(gen))


tile_params = st.tuples(st.integers(1, 700), st.integers(1, 700), st.integers(2, 300)).flatmap(
    lambda t: st.tuples(st.just(t[0]), st.just(t[1]), st.just(t[2]), st.integers(0, t[2] - 1))
)


@settings(max_examples=200, deadline=None)
@given(tile_params)
def test_tiles_cover_every_pixel_and_stay_in_bounds(params) -> None:
    width, height, tile, overlap = params
    # Bound the work: tiny tiles on big images make thousands of windows.
    assume((width / max(1, tile - overlap)) * (height / max(1, tile - overlap)) < 5000)
    covered = np.zeros((height, width), dtype=bool)
    for t in tiles(width, height, tile, overlap):
        assert 0 <= t.x0 < t.x1 <= width
        assert 0 <= t.y0 < t.y1 <= height
        assert t.x1 - t.x0 <= tile and t.y1 - t.y0 <= tile
        covered[t.y0 : t.y1, t.x0 : t.x1] = True
    assert covered.all()


@settings(max_examples=200, deadline=None)
@given(tile_params, st.data())
def test_tiles_small_objects_lie_wholly_in_some_tile(params, data: st.DataObject) -> None:
    width, height, tile, overlap = params
    assume((width / max(1, tile - overlap)) * (height / max(1, tile - overlap)) < 5000)
    side = data.draw(st.integers(1, max(1, overlap)))
    assume(side <= width and side <= height)
    x = data.draw(st.integers(0, width - side))
    y = data.draw(st.integers(0, height - side))
    windows = list(tiles(width, height, tile, overlap))
    assert any(
        t.x0 <= x and x + side <= t.x1 and t.y0 <= y and y + side <= t.y1 for t in windows
    ), f"object at ({x},{y}) side {side} is cut by every tile"


def test_tiles_production_plan_covers_a_face_at_every_offset() -> None:
    """The face detector's own numbers: 1024 px tiles, 160 px overlap, a 2048x1536 image."""
    windows = list(tiles(2048, 1536, 1024, 160))
    for x in range(0, 2048 - 160 + 1, 7):
        assert any(t.x0 <= x and x + 160 <= t.x1 for t in windows)


# ------------------------------------------------------------------------------------------
# Region


def test_region_basic_properties() -> None:
    r = Region(10, 20, 40, 60)
    assert (r.width, r.height, r.area) == (30, 40, 1200)
    assert not r.empty
    assert r.to_int() == (10, 20, 40, 60)
    assert r.as_list() == [10, 20, 40, 60]


@pytest.mark.parametrize(
    ("region", "width", "height"),
    [
        (Region(5, 5, 5, 10), 0, 5),  # no width, the height it has
        (Region(5, 5, 10, 5), 5, 0),
        (Region(0, 0, 0, 0), 0, 0),
    ],
)
def test_region_empty(region: Region, width: float, height: float) -> None:
    assert region.empty
    assert region.area == 0
    assert (region.width, region.height) == (width, height)


@pytest.mark.parametrize(
    ("coords", "why"),
    [
        ((10, 10, 0, 0), "inverted"),
        ((10, 0, 9.999, 5), "inverted"),  # by a hair, on x only
        ((0, 10, 5, 9), "inverted"),  # on y only
        ((math.nan, 0, 5, 5), "non-finite"),
        ((0, 0, math.nan, math.nan), "non-finite"),
        ((-math.inf, 0, math.inf, 10), "non-finite"),
        ((0, 0, 5, math.inf), "non-finite"),
    ],
)
def test_region_refuses_inverted_and_non_finite_boxes(coords: tuple[float, ...], why: str) -> None:
    with pytest.raises(InvalidShape, match=why):
        Region(*coords)


@pytest.mark.parametrize(
    ("corners", "expected"),
    [
        ((10, 20, 0, 5), Region(0, 5, 10, 20)),  # dragged up and left
        ((0, 20, 10, 5), Region(0, 5, 10, 20)),
        ((3, 3, 3, 3), Region(3, 3, 3, 3)),
    ],
)
def test_region_spanning_orders_its_corners(corners: tuple[float, ...], expected: Region) -> None:
    assert Region.spanning(*corners) == expected


def test_region_spanning_still_refuses_non_finite() -> None:
    with pytest.raises(InvalidShape, match="non-finite"):
        Region.spanning(0, 0, math.nan, 1)


@pytest.mark.parametrize(
    ("region", "w", "h", "expected"),
    [
        (Region(-10, -10, 20, 20), 100, 100, Region(0, 0, 20, 20)),
        (Region(90, 90, 150, 150), 100, 100, Region(90, 90, 100, 100)),
        (Region(-50, -50, 500, 500), 100, 80, Region(0, 0, 100, 80)),
        (Region(200, 10, 300, 20), 100, 100, Region(100, 10, 100, 20)),  # wholly outside
        (Region(-30, -30, -10, -10), 100, 100, Region(0, 0, 0, 0)),
    ],
)
def test_region_clip(region: Region, w: int, h: int, expected: Region) -> None:
    assert region.clip(w, h) == expected


def test_region_clip_outside_is_empty() -> None:
    assert Region(200, 10, 300, 20).clip(100, 100).empty
    assert Region(-30, -30, -10, -10).clip(100, 100).empty


def test_region_expand() -> None:
    assert Region(10, 10, 20, 30).expand(0.5) == Region(5, 0, 25, 40)
    assert Region(10, 10, 20, 30).expand(0) == Region(10, 10, 20, 30)
    # An empty region has nothing to grow by.
    assert Region(10, 10, 10, 30).expand(1.0).width == 0


def test_region_scale_and_shift() -> None:
    assert Region(1, 2, 3, 4).scale(2) == Region(2, 4, 6, 8)
    assert Region(1, 2, 3, 4).scale(2, 3) == Region(2, 6, 6, 12)
    assert Region(1, 2, 3, 4).shift(10, -2) == Region(11, 0, 13, 2)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (Region(0, 0, 10, 10), Region(0, 0, 10, 10), 1.0),
        (Region(0, 0, 10, 10), Region(5, 0, 15, 10), 1 / 3),
        (Region(0, 0, 10, 10), Region(10, 0, 20, 10), 0.0),
        (Region(0, 0, 10, 10), Region(2, 2, 4, 4), 0.04),
        (Region(0, 0, 0, 0), Region(0, 0, 0, 0), 0.0),
    ],
)
def test_region_iou_table(a: Region, b: Region, expected: float) -> None:
    assert a.iou(b) == pytest.approx(expected)
    assert b.iou(a) == pytest.approx(expected)


def test_region_to_int_rounds_outward() -> None:
    assert Region(0.9, 1.1, 10.1, 10.9).to_int() == (0, 1, 11, 11)
    assert Region(-0.5, -1.5, 0.5, 1.5).to_int() == (-1, -2, 1, 2)


coord = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
regions = st.builds(Region.spanning, coord, coord, coord, coord)  # upright, empty ones too
proper_regions = st.tuples(coord, coord, st.floats(0.001, 1e4), st.floats(0.001, 1e4)).map(
    lambda t: Region(t[0], t[1], t[0] + t[2], t[1] + t[3])
)


@settings(max_examples=300, deadline=None)
@given(coord, coord, coord, coord)
def test_region_is_built_exactly_when_upright(x1: float, y1: float, x2: float, y2: float) -> None:
    if x2 < x1 or y2 < y1:
        with pytest.raises(InvalidShape, match="inverted"):
            Region(x1, y1, x2, y2)
    else:
        r = Region(x1, y1, x2, y2)
        assert r.width == x2 - x1 and r.height == y2 - y1


@settings(max_examples=300, deadline=None)
@given(regions)
def test_region_to_int_never_shrinks(r: Region) -> None:
    x1, y1, x2, y2 = r.to_int()
    assert all(isinstance(v, int) for v in (x1, y1, x2, y2))
    assert x1 <= r.x1 and y1 <= r.y1 and x2 >= r.x2 and y2 >= r.y2
    assert x1 >= r.x1 - 1 and y1 >= r.y1 - 1 and x2 <= r.x2 + 1 and y2 <= r.y2 + 1


@settings(max_examples=300, deadline=None)
@given(regions, st.integers(0, 5000), st.integers(0, 5000))
def test_region_clip_stays_in_bounds(r: Region, w: int, h: int) -> None:
    c = r.clip(w, h)
    for v in (c.x1, c.x2):
        assert 0 <= v <= w
    for v in (c.y1, c.y2):
        assert 0 <= v <= h
    assert c.area <= r.area + 1e-6 or r.empty
    # Clipping is idempotent and keeps whatever part of the box was inside.
    assert c.clip(w, h) == c
    inside = Region(0, 0, w, h)
    assert c.area == pytest.approx(r.intersection(inside), abs=1e-6) or r.empty


@settings(max_examples=300, deadline=None)
@given(proper_regions, st.floats(0, 3))
def test_region_expand_contains_original(r: Region, fraction: float) -> None:
    e = r.expand(fraction)
    assert e.x1 <= r.x1 and e.y1 <= r.y1 and e.x2 >= r.x2 and e.y2 >= r.y2
    assert e.width == pytest.approx(r.width * (1 + 2 * fraction), rel=1e-9, abs=1e-6)
    assert e.height == pytest.approx(r.height * (1 + 2 * fraction), rel=1e-9, abs=1e-6)


@settings(max_examples=300, deadline=None)
@given(regions, regions)
def test_region_iou_properties(a: Region, b: Region) -> None:
    iou = a.iou(b)
    assert 0.0 <= iou <= 1.0 + 1e-9
    assert iou == pytest.approx(b.iou(a))
    assert a.intersection(b) <= min(a.area, b.area) + 1e-6


@settings(max_examples=200, deadline=None)
@given(proper_regions)
def test_region_iou_with_itself_is_one(r: Region) -> None:
    assert r.iou(r) == pytest.approx(1.0)


def test_region_is_frozen() -> None:
    r = Region(0, 0, 1, 1)
    with pytest.raises(AttributeError):
        r.x1 = 5  # type: ignore[misc]


# balanced_tiles


@pytest.mark.parametrize(
    ("width", "height", "max_tile", "overlap", "expected"),
    [
        (0, 10, 10, 2, []),
        (10, -1, 10, 2, []),
        (5, 7, 10, 2, [Tile(0, 0, 5, 7)]),  # smaller than a tile: one window, no padding
        (10, 10, 10, 2, [Tile(0, 0, 10, 10)]),
        # 2 windows needed across 12 px: each 7 px (not 10), overlapping by 2.
        (12, 5, 10, 2, [Tile(0, 0, 7, 5), Tile(5, 0, 12, 5)]),
    ],
)
def test_balanced_tiles_table(width, height, max_tile, overlap, expected) -> None:
    assert list(balanced_tiles(width, height, max_tile, overlap)) == expected


def test_balanced_tiles_cost_less_than_fixed_tiles() -> None:
    fixed = list(tiles(2048, 1536, 1024, 160))
    balanced = list(balanced_tiles(2048, 1536, 1024, 160))
    assert len(balanced) == len(fixed) == 6

    def area(ts: list[Tile]) -> int:
        return sum((t.x1 - t.x0) * (t.y1 - t.y0) for t in ts)

    assert area(balanced) < 0.7 * area(fixed)


@pytest.mark.parametrize(("tile", "overlap"), [(10, 10), (0, 0), (5, 100)])
def test_balanced_tiles_tile_not_larger_than_overlap_raises(tile: int, overlap: int) -> None:
    with pytest.raises(ValueError, match="larger than overlap"):
        list(balanced_tiles(100, 100, tile, overlap))


@settings(max_examples=200, deadline=None)
@given(tile_params)
def test_balanced_tiles_cover_every_pixel_with_the_overlap(params) -> None:
    width, height, tile, overlap = params
    assume((width / max(1, tile - overlap)) * (height / max(1, tile - overlap)) < 5000)
    ts = list(balanced_tiles(width, height, tile, overlap))
    covered = np.zeros((height, width), dtype=np.int32)
    for t in ts:
        assert 0 <= t.x0 < t.x1 <= width and 0 <= t.y0 < t.y1 <= height
        assert t.x1 - t.x0 <= tile and t.y1 - t.y0 <= tile
        covered[t.y0 : t.y1, t.x0 : t.x1] += 1
    assert covered.min() >= 1
    # Never more windows than fixed-size tiles need.
    assert len(ts) <= len(list(tiles(width, height, tile, overlap)))
    # Neighbouring windows overlap by at least ``overlap`` (where there are neighbours).
    xs = sorted({t.x0 for t in ts})
    ends = sorted({t.x1 for t in ts})
    for a, b in zip(ends[:-1], xs[1:], strict=True):
        assert a - b >= min(overlap, width)


@pytest.mark.parametrize(("a", "b", "expected"), [
    (Region(0, 0, 10, 10), Region(0, 0, 10, 10), 1.0),
    (Region(0, 0, 10, 10), Region(5, 0, 20, 10), 0.5),
    (Region(0, 0, 10, 10), Region(-100, -100, 100, 100), 1.0),
    (Region(0, 0, 10, 10), Region(20, 20, 30, 30), 0.0),  # apart
    (Region(5, 5, 5, 5), Region(0, 0, 10, 10), 0.0),  # empty: nothing of it is inside
])
def test_region_share_inside_table(a: Region, b: Region, expected: float) -> None:
    assert a.share_inside(b) == pytest.approx(expected)


# ------------------------------------------------------------------------------------------
# pyramid


def _photo_like(h: int, w: int) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 // max(w, 1), y * 255 // max(h, 1), (x + y) % 256], axis=2)
    return base.astype(np.uint8)


TWELVE_MP = pytest.mark.integration  # 12-megapixel photos: seconds each


@pytest.mark.parametrize(("shape", "scales"), [
    # the face plan of a 12 MP photo
    pytest.param((3024, 4032), (0.159, 0.238, 0.357, 0.508), marks=TWELVE_MP),
    pytest.param((3024, 4032), (0.508, 0.159), marks=TWELVE_MP),  # any order
    ((400, 300), (0.5, 0.75, 1.125, 1.6875, 2.53, 3.0)),  # small photo: upscales too
    ((480, 640), (1.0, 0.5, 0.5)),  # itself, and a repeated level
    ((1, 1), (0.1, 3.0)),
    ((3, 2000), (0.001, 0.2)),  # levels collapse to one pixel
    ((100, 100), ()),
])
def test_pyramid_levels_have_rescale_sizes_and_near_pixels(shape: tuple[int, int],
                                                           scales: tuple[float, ...]) -> None:
    image = _photo_like(*shape)
    levels = pyramid(image, scales)
    assert len(levels) == len(scales)
    for scale, level in zip(scales, levels, strict=True):
        direct = rescale(image, scale)
        assert level.shape == direct.shape and level.dtype == np.uint8
        # Shrinking in steps averages the same pixels in another order: off by rounding only.
        assert np.abs(level.astype(int) - direct.astype(int)).mean() < 1.5


@settings(max_examples=60, deadline=None)
@given(h=st.integers(1, 300), w=st.integers(1, 300),
       scales=st.lists(st.floats(0.01, 3.0), max_size=5))
def test_pyramid_sizes_match_rescale(h: int, w: int, scales: list[float]) -> None:
    image = np.zeros((h, w, 3), np.uint8)
    assert [lv.shape for lv in pyramid(image, scales)] == [rescale(image, s).shape
                                                           for s in scales]



# ------------------------------------------------------------------------------------------
# merged_windows


@pytest.mark.parametrize(
    ("boxes", "expected"),
    [
        ([], []),
        ([[10, 10, 20, 20]], [Tile(10, 10, 20, 20)]),
        ([[10.4, 10.6, 19.2, 19.9]], [Tile(10, 10, 20, 20)]),  # grown to whole pixels
        ([[0, 0, 10, 10], [5, 5, 15, 15]], [Tile(0, 0, 15, 15)]),  # overlapping: their union
        ([[0, 0, 10, 10], [10, 0, 20, 10]], [Tile(0, 0, 10, 10), Tile(10, 0, 20, 10)]),  # touching
        ([[0, 0, 10, 10], [30, 30, 40, 40]], [Tile(0, 0, 10, 10), Tile(30, 30, 40, 40)]),
        # The union of the first two reaches the third, which overlaps neither of them.
        ([[0, 0, 10, 10], [8, 0, 18, 10], [12, 8, 40, 40]], [Tile(0, 0, 40, 40)]),
        ([[-50, -50, 10, 10]], [Tile(0, 0, 10, 10)]),  # clipped to the image
        ([[90, 90, 150, 150]], [Tile(90, 90, 100, 100)]),
        ([[120, 0, 150, 10], [0, -30, 10, -5], [5, 5, 5, 9]], []),  # outside, or empty
    ],
)
def test_merged_windows_table(boxes: list, expected: list[Tile]) -> None:
    assert merged_windows(np.array(boxes, dtype=np.float32), 100, 100) == expected


def test_merged_windows_ignore_a_score_column() -> None:
    boxes = np.array([[0, 0, 10, 10, 0.9, 3]], dtype=np.float32)
    assert merged_windows(boxes, 100, 100) == [Tile(0, 0, 10, 10)]


_window_boxes = st.lists(
    st.tuples(st.floats(-50, 250), st.floats(-50, 250), st.floats(0, 120), st.floats(0, 120)),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(_window_boxes, st.integers(1, 200), st.integers(1, 200))
def test_merged_windows_are_disjoint_in_bounds_and_cover_every_box(raw, width, height) -> None:
    boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in raw], dtype=np.float64)
    windows = merged_windows(boxes, width, height)
    for t in windows:
        assert 0 <= t.x0 < t.x1 <= width and 0 <= t.y0 < t.y1 <= height
    for a, b in [(a, b) for i, a in enumerate(windows) for b in windows[i + 1 :]]:
        assert a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0, (a, b)
    for x1, y1, x2, y2 in boxes:
        cx1, cy1, cx2, cy2 = max(x1, 0), max(y1, 0), min(x2, width), min(y2, height)
        if cx2 - cx1 < 1e-9 or cy2 - cy1 < 1e-9:
            continue
        assert any(t.x0 <= cx1 and cx2 <= t.x1 and t.y0 <= cy1 and cy2 <= t.y1
                   for t in windows), (x1, y1, x2, y2, windows)
