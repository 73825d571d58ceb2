"""scanner.types.Shape and the shape arithmetic of scanner.geometry: the pixels a shape covers,
clipping to the picture, hulls and grown rectangles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import rotated_square
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

from scanner.errors import InvalidShape, ScannerError
from scanner.geometry import clip_shape, covered, hull, pixel_box, shape_mask
from scanner.types import Region, Shape

# ------------------------------------------------------------------------------------------
# Shape


@pytest.mark.parametrize("points", [
    (),
    ((0.0, 0.0),),
    ((0.0, 0.0), (1.0, 1.0)),  # two points: no area to cover
    ((0.0, 0.0), (1.0, math.nan), (2.0, 0.0)),
    ((0.0, 0.0), (math.inf, 1.0), (2.0, 0.0)),
    ((0.0, 0.0), (1.0, -math.inf), (2.0, 0.0)),
])
def test_shape_refuses_what_is_no_shape(points: tuple[tuple[float, float], ...]) -> None:
    with pytest.raises(InvalidShape):
        Shape(points)


def test_invalid_shape_is_a_scanner_error() -> None:
    """The pipeline turns a detector's ScannerError into a failed photo, never a crash."""
    with pytest.raises(ScannerError):
        Shape.of([(0, 0), (1, 1)])


@pytest.mark.parametrize(("region", "bounds", "is_box"), [
    (Region(1, 2, 5, 8), Region(1, 2, 5, 8), True),
    (Region(0, 0, 0, 0), Region(0, 0, 0, 0), False),  # empty: its corners coincide
])
def test_shape_of_a_box(region: Region, bounds: Region, is_box: bool) -> None:
    shape = Shape.box(region)
    assert shape.bounds == bounds
    assert shape.is_box is is_box
    assert shape.area == pytest.approx(bounds.area)


@pytest.mark.parametrize(("shape", "area", "is_box"), [
    (Shape.of([(0, 0), (4, 0), (4, 3)]), 6.0, False),
    (Shape.of([(0, 0), (0, 3), (4, 3), (4, 0)]), 12.0, True),  # anticlockwise box
    (rotated_square(10, 10, 5, 45), 100.0, False),
    (Shape.of([(0, 0), (2, 0), (2, 2), (0, 2), (0, 0)]), 4.0, False),  # closing point repeated
])
def test_shape_area_and_box(shape: Shape, area: float, is_box: bool) -> None:
    assert shape.area == pytest.approx(area)
    assert shape.is_box is is_box


def test_shape_as_list_rounds_to_a_tenth() -> None:
    assert Shape.of([(0.04, 1.26), (3, 0), (3.333, 2)]).as_list() == [
        [0.0, 1.3], [3.0, 0.0], [3.3, 2.0]]


# ------------------------------------------------------------------------------------------
# covered / shape_mask


def _centres_inside(shape: Shape, width: int, height: int) -> np.ndarray:
    poly = Polygon(shape.points)
    out = np.zeros((height, width), dtype=bool)
    for y in range(height):
        for x in range(width):
            out[y, x] = poly.contains(Point(x + 0.5, y + 0.5))
    return out


def _touched(shape: Shape, width: int, height: int, share: float) -> np.ndarray:
    """Pixels at least ``share`` of whose square lies inside the shape."""
    poly = Polygon(shape.points)
    out = np.zeros((height, width), dtype=bool)
    for y in range(height):
        for x in range(width):
            square = Polygon([(x, y), (x + 1, y), (x + 1, y + 1), (x, y + 1)])
            out[y, x] = poly.intersection(square).area >= share
    return out


def _within(shape: Shape, width: int, height: int, distance: float) -> np.ndarray:
    """Pixels whose square comes within ``distance`` of the shape."""
    poly = Polygon(shape.points).buffer(distance)
    out = np.zeros((height, width), dtype=bool)
    for y in range(height):
        for x in range(width):
            square = Polygon([(x, y), (x + 1, y), (x + 1, y + 1), (x, y + 1)])
            out[y, x] = poly.intersects(square)
    return out


@pytest.mark.parametrize(("region", "expected"), [
    (Region(1.5, 2.5, 3.5, 4.5), (1, 2, 4, 5)),
    (Region(-5, -5, 5, 5), (0, 0, 5, 5)),
    (Region(5, 5, 500, 500), (5, 5, 10, 8)),
    (Region(10, 0, 20, 8), None),  # starts at the right edge
    (Region(3, 3, 3, 6), None),  # no width
])
def test_a_box_covers_its_whole_integer_window(region: Region, expected) -> None:
    c = covered(Shape.box(region), 10, 8)
    if expected is None:
        assert c is None
        return
    assert (c.x1, c.y1, c.x2, c.y2) == expected == pixel_box(region, 10, 8)
    assert c.mask.all()


@pytest.mark.parametrize("shape", [
    Shape.of([(-10, -10), (-1, -10), (-1, -1)]),  # wholly outside
    Shape.of([(3, 6), (6, 6), (9, 6)]),  # all on one level line: no area, no box
    Shape.of([(100, 0), (120, 0), (120, 5)]),  # beyond the right edge
])
def test_shapes_that_cover_nothing(shape: Shape) -> None:
    assert covered(shape, 40, 30) is None
    assert not shape_mask([shape], 40, 30).any()


def test_a_flat_slanted_shape_covers_its_box() -> None:
    """As the pipeline clips it (clip_shape): a box is hidden rather than nothing."""
    c = covered(Shape.of([(3, 3), (6, 6), (9, 9)]), 40, 30)
    assert c is not None and (c.x1, c.y1, c.x2, c.y2) == (3, 3, 9, 9) and c.mask.all()


@settings(max_examples=80, deadline=None)
@given(st.floats(4, 36), st.floats(4, 26), st.floats(2, 14), st.floats(0, 90))
def test_a_shape_covers_every_pixel_inside_and_nothing_far_outside(
        cx: float, cy: float, half: float, degrees: float) -> None:
    shape = rotated_square(cx, cy, half, degrees)
    mask = shape_mask([shape], 40, 30)
    # Hiding errs outward: every pixel whose centre is inside is covered, and every pixel
    # the outline crosses (a twentieth of it inside is enough to be seen) ...
    assert not (_centres_inside(shape, 40, 30) & ~mask).any()
    assert not (_touched(shape, 40, 30, 0.05) & ~mask).any()
    # ... and nothing further than two pixels from the outline.
    assert not (mask & ~_within(shape, 40, 30, 2.0)).any()


def test_a_diamond_leaves_its_box_corners_alone() -> None:
    mask = shape_mask([rotated_square(50, 50, 30, 45)], 100, 100)
    box = pixel_box(rotated_square(50, 50, 30, 45).bounds, 100, 100)
    assert box is not None
    x1, y1, x2, y2 = box
    assert mask[50, 50] and not mask[y1, x1] and not mask[y2 - 1, x2 - 1]
    # A diamond is half of its box.
    assert mask.sum() == pytest.approx(0.5 * (x2 - x1) * (y2 - y1), rel=0.1)


def test_a_shape_partly_outside_is_cut_at_the_frame() -> None:
    shape = Shape.of([(-50, 10), (30, 10), (30, 20), (-50, 20)])
    mask = shape_mask([shape], 40, 30)
    assert mask[10:20, 0:30].all()
    assert not mask[:, 31:].any()


def test_huge_coordinates_do_not_overflow() -> None:
    shape = Shape.of([(-1e12, -1e12), (1e12, -1e12), (0, 1e12)])
    mask = shape_mask([shape], 20, 10)
    assert mask.all()


# ------------------------------------------------------------------------------------------
# clip_shape


@pytest.mark.parametrize(("shape", "expected_area"), [
    (Shape.of([(2, 2), (8, 2), (8, 6)]), 12.0),  # inside: itself
    (Shape.of([(-10, 0), (10, 0), (10, 10), (-10, 10)]), 100.0),  # the part inside
    (Shape.of([(0, 0), (10, 10), (10, 0), (0, 10)]), 100.0),  # crosses itself: its hull
])
def test_clip_shape(shape: Shape, expected_area: float) -> None:
    clipped = clip_shape(shape, 20, 10)
    assert clipped is not None
    b = clipped.bounds
    assert b.x1 >= 0 and b.y1 >= 0 and b.x2 <= 20 and b.y2 <= 10
    assert clipped.area == pytest.approx(expected_area)


@pytest.mark.parametrize("shape", [
    Shape.of([(-10, -10), (-1, -10), (-1, -1)]),
    Shape.of([(25, 0), (30, 0), (30, 5)]),
    Shape.of([(0, 5), (20, 5), (10, 5)]),  # flat: nothing to hide
])
def test_clip_shape_outside_or_flat_is_none(shape: Shape) -> None:
    assert clip_shape(shape, 20, 10) is None


@pytest.mark.parametrize(("points", "expected"), [
    ([(3, 5.5), (6, 5.5), (9, 5.5)], (3, 5, 9, 6)),  # a flat segment: the pixel row it crosses
    ([(3, 5), (6, 5), (9, 5)], None),  # on the line between two rows: no pixel
])
def test_flat_shapes_cover_the_pixels_they_pass_through(points, expected) -> None:  # type: ignore[no-untyped-def]
    c = covered(Shape.of(points), 40, 30)
    assert (None if c is None else (c.x1, c.y1, c.x2, c.y2)) == expected


@pytest.mark.parametrize("points", [
    [(10, 10), (30, 30), (30, 10), (10, 30)],  # a bowtie: corners in the wrong order
    # a pentagram: its outline crosses itself five times, and its centre must be covered too
    [(20.0, 2.0), (30.6, 34.6), (2.9, 14.4), (37.1, 14.4), (9.4, 34.6)],
])
def test_a_self_crossing_shape_covers_its_hull(points) -> None:  # type: ignore[no-untyped-def]
    shape = Shape.of(points)
    mask = shape_mask([shape], 40, 40)
    hull_mask = shape_mask([hull(np.asarray(points))], 40, 40)
    np.testing.assert_array_equal(mask, hull_mask)
    assert mask[20, 20]


def test_clip_shape_of_a_slanted_segment_keeps_its_box() -> None:
    """All points on one slanted line: the box around them is hidden rather than nothing."""
    clipped = clip_shape(Shape.of([(1, 1), (5, 5), (9, 9)]), 20, 10)
    assert clipped is not None and clipped.bounds == Region(1, 1, 9, 9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-50, 80), st.floats(-50, 80)), min_size=3, max_size=8))
def test_clip_shape_stays_in_the_picture(points: list[tuple[float, float]]) -> None:
    shape = Shape.of(points)
    clipped = clip_shape(shape, 40, 30)
    if clipped is not None:
        b = clipped.bounds
        assert b.x1 >= -1e-6 and b.y1 >= -1e-6 and b.x2 <= 40 + 1e-6 and b.y2 <= 30 + 1e-6
        assert clipped.area > 0


# ------------------------------------------------------------------------------------------
# hull


def test_hull_of_points() -> None:
    shape = hull(np.array([[0, 0], [4, 0], [4, 4], [0, 4], [2, 2], [1, 3]]))
    assert shape.area == pytest.approx(16.0)
    assert len(shape.points) == 4


def test_clip_shape_of_a_line_that_rounding_gives_an_area() -> None:
    """Found by Hypothesis: three points on x=31 whose shoelace area is not exactly 0; its hull
    is a line, not a polygon. It covers no more than a line does."""
    line = Shape.of([(31.0, 1.6375698638877054), (31.0, 10.0), (31.0, 0.0)])
    assert clip_shape(line, 40, 40) is None
    slanted = Shape.of([(0.0, 0.0), (10.0, 10.0 + 1e-15), (20.0, 20.0)])
    clipped = clip_shape(slanted, 40, 40)
    assert clipped is not None and clipped.bounds == Region(0, 0, 20, 20)
