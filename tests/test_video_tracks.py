"""scanner.video.tracks: linking per-frame face boxes into tracks, interpolation, margins."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.types import Region
from scanner.video.tracks import Track, covering, lerp, link, track_boxes


def box(x: float, y: float = 0.0, size: float = 10.0) -> Region:
    return Region(x, y, x + size, y + size)


def test_one_moving_face_is_one_track() -> None:
    dets = {0: [box(0)], 5: [box(4)], 10: [box(8)]}
    tracks = link(dets, max_gap=10)
    assert len(tracks) == 1
    assert (tracks[0].first, tracks[0].last) == (0, 10)


def test_two_faces_far_apart_are_two_tracks_and_pairs_are_kept() -> None:
    dets = {0: [box(0), box(100)], 5: [box(102), box(2)]}
    tracks = link(dets, max_gap=10)
    assert len(tracks) == 2
    xs = sorted([b.x1 for _, b in t.detections] for t in tracks)
    assert xs == [[0, 2], [100, 102]]


def test_a_track_closes_after_the_gap() -> None:
    tracks = link({0: [box(0)], 30: [box(0)]}, max_gap=10)
    assert len(tracks) == 2


def test_interpolation_is_linear_between_detections() -> None:
    t = Track(((0, box(0)), (4, box(8))))
    boxes = track_boxes(t, margin=0, n_frames=10)
    assert sorted(boxes) == [0, 1, 2, 3, 4]
    assert boxes[2] == box(4)
    assert lerp(box(0), box(8), 0.25) == box(2)


def test_margins_hold_the_end_boxes_and_are_clipped() -> None:
    still = Track(((2, box(0)), (5, box(0))))
    boxes = track_boxes(still, margin=4, n_frames=8)
    assert sorted(boxes) == list(range(8))
    assert boxes[0] == box(0) and boxes[7] == box(0)


def test_margins_stretch_back_and_on_along_the_motion() -> None:
    # 2 px a frame to the right: two frames before the first detection the face was 4 px to
    # the left, and two frames after the last, 4 px to the right. Both ends are covered.
    t = Track(((2, box(0)), (5, box(6))))
    boxes = track_boxes(t, margin=4, n_frames=8)
    assert sorted(boxes) == list(range(8))
    assert boxes[0].x1 == box(0).x1 - 4 and boxes[0].x2 == box(0).x2
    assert boxes[7].x1 == box(6).x1 and boxes[7].x2 == box(6).x2 + 4


def test_empty_boxes_are_ignored() -> None:
    assert link({0: [Region(5, 5, 5, 9)]}, max_gap=5) == []


# -- properties -------------------------------------------------------------------------------

coords = st.floats(0, 300, allow_nan=False)
sizes = st.floats(1, 80, allow_nan=False)
regions = st.builds(lambda x, y, w, h: Region(x, y, x + w, y + h), coords, coords, sizes, sizes)
detections = st.dictionaries(st.integers(0, 59), st.lists(regions, max_size=3), max_size=15)


@settings(max_examples=200, deadline=None)
@given(detections, st.integers(1, 20), st.integers(0, 8), st.integers(1, 80))
def test_a_face_is_never_visible_between_two_frames_where_it_is_hidden(
        dets: dict[int, list[Region]], max_gap: int, margin: int, n_frames: int) -> None:
    tracks = link(dets, max_gap=max_gap)
    for t in tracks:
        frames = sorted(track_boxes(t, margin=margin, n_frames=n_frames))
        # contiguous: every frame between its first and last hidden frame is hidden
        if frames:
            assert frames == list(range(frames[0], frames[-1] + 1))
        # covers first..last detection (within the video), plus the margins, clipped
        lo, hi = max(0, t.first - margin), min(n_frames - 1, t.last + margin)
        if lo <= hi:
            assert frames == list(range(lo, hi + 1))
        else:
            assert frames == []
        assert all(0 <= f < n_frames for f in frames)


@settings(max_examples=200, deadline=None)
@given(detections, st.integers(1, 20), st.integers(0, 8))
def test_every_detected_box_is_hidden_in_its_own_frame(
        dets: dict[int, list[Region]], max_gap: int, margin: int) -> None:
    n_frames = 60
    cover = covering(link(dets, max_gap=max_gap), margin=margin, n_frames=n_frames)
    for frame, boxes in dets.items():
        for b in boxes:
            if not b.empty:
                assert b in cover.get(frame, [])


@settings(max_examples=100, deadline=None)
@given(detections, st.integers(1, 20))
def test_linking_keeps_every_box_exactly_once(dets: dict[int, list[Region]],
                                              max_gap: int) -> None:
    tracks = link(dets, max_gap=max_gap)
    linked = sorted((f, b.x1, b.y1, b.x2, b.y2) for t in tracks for f, b in t.detections)
    given_ = sorted((f, b.x1, b.y1, b.x2, b.y2) for f, bs in dets.items() for b in bs
                    if not b.empty)
    assert linked == given_
    for t in tracks:
        frames = [f for f, _ in t.detections]
        assert frames == sorted(set(frames))  # one box per frame per track, in order


@settings(max_examples=200, deadline=None)
@given(detections, st.integers(1, 20), st.integers(0, 8))
def test_a_margin_box_always_holds_the_end_box(dets: dict[int, list[Region]], max_gap: int,
                                               margin: int) -> None:
    for t in link(dets, max_gap=max_gap):
        boxes = track_boxes(t, margin=margin, n_frames=60)
        first, last = t.detections[0][1], t.detections[-1][1]
        for f, box in boxes.items():
            end = first if f < t.first else last if f > t.last else None
            if end is not None:
                assert (box.x1 <= end.x1 and box.y1 <= end.y1 and box.x2 >= end.x2
                        and box.y2 >= end.y2), (f, box, end)


@settings(max_examples=200, deadline=None)
@given(regions, st.floats(-200, 200), st.floats(-200, 200), st.floats(0, 1))
def test_the_hull_of_two_looks_covers_every_place_in_between(
        box: Region, dx: float, dy: float, f: float) -> None:
    from scanner.geometry import covered
    from scanner.types import Shape
    from scanner.video.process import _between

    a = Shape.box(box)
    b = Shape.box(Region(box.x1 + dx, box.y1 + dy, box.x2 + dx, box.y2 + dy))
    mid = Region(box.x1 + dx * f, box.y1 + dy * f, box.x2 + dx * f, box.y2 + dy * f)
    size = 800
    shift = 250.0  # keep everything inside the picture

    def moved(s: Shape) -> Shape:
        return Shape.of((x + shift, y + shift) for x, y in s.points)
    hull = covered(moved(_between(a, b)), size, size)
    inner = covered(moved(Shape.box(mid)), size, size)
    assert hull is not None and inner is not None
    canvas_h = np.zeros((size, size), bool)
    canvas_h[hull.window][hull.mask] = True
    canvas_m = np.zeros((size, size), bool)
    canvas_m[inner.window][inner.mask] = True
    # every pixel the in-between box covers is covered by the hull, to within a pixel (a box
    # is drawn exactly, a general polygon through float32 corners)
    import cv2

    grown = cv2.dilate(canvas_h.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    assert not (canvas_m & ~grown).any()
