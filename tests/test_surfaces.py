"""scanner.detectors.surfaces on drawn scenes, with the text lines given (no model): paragraphs
join only lines that look like one block, and a sheet or screen is hidden to its own edges,
never flooded into the wall, the desk or the things around it."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from helpers import default_font, desk, sheet_transform, warp_onto
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from shapely.geometry import Polygon
from shapely.ops import unary_union

from scanner.detectors.documents import UNSURE, DocumentDetector
from scanner.detectors.recognize import Reading
from scanner.detectors.surfaces import LINE_MARGIN, Line, _holding, find, joined, paragraphs
from scanner.geometry import shape_mask
from scanner.types import Finding, FindingKind, Shape

Quad = list[tuple[float, float]]


def _line(x: float, y: float, length: float, height: float, degrees: float = 0.0) -> Line:
    a = np.deg2rad(degrees)
    u, v = np.array([np.cos(a), np.sin(a)]), np.array([-np.sin(a), np.cos(a)])
    c = np.array([x, y])
    return Line.of([tuple(c + su * length / 2 * u + sv * height / 2 * v)
                    for su, sv in ((-1, -1), (1, -1), (1, 1), (-1, 1))])


def _sheet_with_lines(size: tuple[int, int], lines: list[str], font: int, top: int = 30,
                      colour: tuple[int, int, int] = (250, 250, 247),
                      ink: tuple[int, int, int] = (25, 25, 25)) -> tuple[np.ndarray, list[Quad]]:
    """A sheet with text, and each line's rectangle as PP-OCR gives it (a little larger than
    the ink)."""
    im = Image.new("RGB", size, colour)
    d = ImageDraw.Draw(im)
    quads: list[Quad] = []
    y = top
    for text in lines:
        x1, y1, x2, y2 = d.textbbox((30, y), text, font=default_font(font))
        d.text((30, y), text, fill=ink, font=default_font(font))
        pad = 0.3 * (y2 - y1)
        quads.append([(x1 - pad, y1 - pad), (x2 + pad, y1 - pad), (x2 + pad, y2 + pad),
                      (x1 - pad, y2 + pad)])
        y += int(font * 1.6)
    return np.asarray(im), quads


def _place(background: np.ndarray, sheet: np.ndarray, corners: list[tuple[int, int]],
           quads: list[Quad]) -> tuple[np.ndarray, np.ndarray, list[Quad]]:
    """``sheet`` warped onto ``background`` at ``corners``: the picture, the sheet's mask and
    the line rectangles in picture pixels."""
    out, mask = warp_onto(background, sheet, corners)
    m = sheet_transform(sheet, corners)
    moved = [[tuple(p) for p in cv2.perspectiveTransform(np.float32([q]), m)[0].tolist()]
             for q in quads]
    return out, mask, moved  # type: ignore[return-value]


def _wall(colour: tuple[int, int, int], width: int = 1200, height: int = 900,
          seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.asarray(colour, np.float32) + rng.normal(0, 2.0, (height, width, 1))
    return np.clip(base, 0, 255).astype(np.uint8)


PAGE = ["Resident: Margaret Evans-Fake", "Date of birth: 12/03/1941", "NHS 943 476 5919",
        "Room 14, ground floor", "Likes: music, garden", "Falls risk: high"]


def _hidden(surfaces, width: int, height: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    return shape_mask([s.shape for s in surfaces], width, height)


# ------------------------------------------------------------------------------------------
# surfaces


def test_nothing_to_hide_without_lines() -> None:
    assert find(_wall((200, 200, 200), 300, 200), []) == []


@pytest.mark.parametrize(("wall", "corners"), [
    # Similar colours: a white page on a cream wall, upright and tilted.
    ((226, 219, 202), [(400, 150), (820, 150), (820, 750), (400, 750)]),
    ((226, 219, 202), [(420, 120), (850, 190), (790, 780), (340, 700)]),
    # A grey page on a grey wall of nearly the same lightness.
    ((205, 205, 205), [(300, 100), (700, 130), (680, 700), (280, 680)]),
])
def test_a_page_is_hidden_to_its_own_edges(wall: tuple[int, int, int],
                                          corners: list[tuple[int, int]]) -> None:
    sheet, quads = _sheet_with_lines((500, 700), PAGE, 26)
    image, page, lines = _place(_wall(wall), sheet, corners, quads)
    found = find(image, lines)
    docs = [s for s in found if s.kind == "document"]
    assert len(docs) == 1, [(s.kind, s.lines) for s in found]
    hidden = _hidden(docs, image.shape[1], image.shape[0])
    # The whole sheet (blank parts too: faint writing there would leak) ...
    assert (hidden & page).sum() >= 0.97 * page.sum()
    # ... and not the wall: within a few per cent of the page's own area.
    assert hidden.sum() <= 1.05 * page.sum()
    assert docs[0].lines == len(PAGE)


def test_a_tilted_page_on_a_desk_is_filled_to_its_outline_not_its_box() -> None:
    sheet, quads = _sheet_with_lines((620, 820), PAGE + ["Medication: see chart", "Review: June"],
                                     26)
    image, page, lines = _place(desk(), sheet, [(420, 120), (1010, 180), (960, 930),
                                                 (330, 860)], quads)
    (doc,) = [s for s in find(image, lines) if s.kind == "document"]
    hidden = _hidden([doc], image.shape[1], image.shape[0])
    assert (hidden & page).sum() >= 0.97 * page.sum()
    assert hidden.sum() <= 1.05 * page.sum()
    box_area = doc.shape.bounds.area
    assert hidden.sum() < 0.9 * box_area  # its box would hide a sixth more: desk


def test_text_painted_on_a_wall_is_hidden_as_text_not_as_the_wall() -> None:
    """No sheet: the wall itself must never be taken for one, however many lines there are."""
    wall = _wall((214, 208, 196), 1200, 900)
    sheet, quads = _sheet_with_lines((900, 500), PAGE, 30, colour=(214, 208, 196))
    image = wall.copy()
    image[200:700, 150:1050] = sheet
    lines = [[(x + 150, y + 200) for x, y in q] for q in quads]
    found = find(image, lines)
    assert {s.kind for s in found} == {"text"}
    hidden = _hidden(found, 1200, 900)
    text = shape_mask([Shape.of(q) for q in lines], 1200, 900)
    assert (hidden & text).sum() == text.sum()
    # The lines, the margins and the gaps between them: well under twice the lines' area.
    assert hidden.sum() <= 2.0 * text.sum()


def test_a_badge_and_a_models_lettering_stay_apart() -> None:
    """A name badge on a suit and the large lettering of a model behind it: two things, two
    findings, and nothing hidden between them."""
    image = _wall((150, 160, 170), 1000, 700)
    badge, bq = _sheet_with_lines((260, 70), ["EILEEN COLLINS"], 26, top=18,
                                  colour=(40, 50, 110), ink=(235, 235, 235))
    model, mq = _sheet_with_lines((300, 120), ["USA", "NASA"], 34, top=8,
                                  colour=(245, 245, 245), ink=(20, 20, 20))
    image[500:570, 150:410] = badge
    image[330:450, 560:860] = model
    lines = ([[(x + 150, y + 500) for x, y in q] for q in bq]
             + [[(x + 560, y + 330) for x, y in q] for q in mq])
    found = find(image, lines)
    hidden = _hidden(found, 1000, 700)
    assert not hidden[480:600, 430:540].any()  # between the badge and the model
    assert len(found) >= 2
    assert all(s.shape.bounds.area < 0.1 * 1000 * 700 for s in found)


def test_a_screen_is_its_whole_display_inside_the_bezel() -> None:
    room = _wall((200, 196, 188), 1400, 1000)
    ui = Image.new("RGB", (700, 420), (245, 247, 250))
    d = ImageDraw.Draw(ui)
    d.rectangle([0, 0, 700, 50], fill=(30, 80, 160))
    quads: list[Quad] = []
    for i, text in enumerate(["NHS: 943 476 5919", "DOB 12-Mar-1941", "Note: slept well",
                              "Note: ate lunch", "Tel 029 2018 0123"]):
        x1, y1, x2, y2 = d.textbbox((20, 80 + 60 * i), text, font=default_font(26))
        d.text((20, 80 + 60 * i), text, fill=(20, 20, 20), font=default_font(26))
        quads.append([(x1 - 6, y1 - 6), (x2 + 6, y1 - 6), (x2 + 6, y2 + 6), (x1 - 6, y2 + 6)])
    bezel = np.full((460, 740, 3), 18, np.uint8)
    bezel[20:440, 20:720] = np.asarray(ui)
    corners = [(300, 150), (1080, 190), (1060, 640), (320, 660)]
    shifted = [[(x + 20, y + 20) for x, y in q] for q in quads]
    image, _, lines = _place(room, bezel, corners, shifted)
    display = np.zeros((460, 740, 3), np.uint8)
    display[20:440, 20:720] = 255
    _, mask, _ = _place(np.zeros_like(room), display, corners, [])
    mask &= cv2.warpPerspective(display[..., 0], cv2.getPerspectiveTransform(
        np.float32([[0, 0], [740, 0], [740, 460], [0, 460]]), np.float32(corners)),
        (1400, 1000)) > 127
    screens = [s for s in find(image, lines) if s.kind == "screen"]
    assert len(screens) == 1
    hidden = _hidden(screens, 1400, 1000)
    assert (hidden & mask).sum() >= 0.95 * mask.sum()  # the title bar too
    assert hidden.sum() <= 1.15 * mask.sum()  # not the wall around the monitor


# ------------------------------------------------------------------------------------------
# paragraphs


@pytest.mark.parametrize(("name", "a", "b", "expected"), [
    ("words of one row", _line(100, 100, 120, 20), _line(230, 100, 100, 20), True),
    ("one row, far apart", _line(100, 100, 120, 20), _line(400, 100, 100, 20), False),
    ("next row", _line(100, 100, 160, 20), _line(110, 124, 140, 20), True),
    ("next row, a blank line between", _line(100, 100, 160, 20), _line(100, 150, 160, 20),
     False),
    ("next row, not under it", _line(100, 100, 160, 20), _line(400, 124, 160, 20), False),
    ("a heading over small print", _line(100, 100, 160, 40), _line(100, 135, 160, 14),
     False),
    ("across each other", _line(100, 100, 160, 20), _line(100, 110, 160, 20, 40), False),
    ("tilted together", _line(100, 100, 160, 20, 15), _line(94, 123, 160, 20, 15), True),
    ("a letter beside a word", _line(100, 100, 160, 20), _line(195, 100, 14, 20), True),
])
def test_joined(name: str, a: Line, b: Line, expected: bool) -> None:
    assert joined(a, b) is expected, name
    assert joined(b, a) is expected, name


@pytest.mark.parametrize(("height", "margin"), [(10, 2.0), (20, 4.0), (40, 8.0), (150, 8.0)])
def test_a_lines_margin_is_a_fifth_of_its_height_up_to_8_px(height: float,
                                                          margin: float) -> None:
    assert _line(100, 100, 300, height).margin == pytest.approx(margin)


def test_lines_on_different_backgrounds_never_join() -> None:
    lines = [_line(100, 100, 160, 20), _line(100, 124, 160, 20)]
    same = np.array([[200, 128, 128], [205, 128, 128]], np.float32)
    other = np.array([[200, 128, 128], [60, 150, 100]], np.float32)
    assert len(paragraphs(lines, same)) == 1
    assert len(paragraphs(lines, other)) == 2


def test_a_paragraph_covers_the_gap_between_its_rows() -> None:
    lines = [_line(200, 100, 300, 20), _line(180, 128, 260, 20), _line(150, 156, 200, 20)]
    (p,) = paragraphs(lines)
    poly = Polygon(p.shape.points)
    # The space between two rows, under both of them, is covered ...
    assert poly.contains(Polygon([(120, 112), (260, 112), (260, 116), (120, 116)]))
    # ... the space beside the short last row only partly: no more than their hull.
    grown = [Polygon(line.grown(LINE_MARGIN * line.height + 1)) for line in lines]
    assert poly.area <= unary_union(grown).convex_hull.area + 1


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(40, 400), st.floats(10, 40)), min_size=1, max_size=6),
       st.floats(-20, 20), st.floats(12, 30))
def test_a_paragraph_holds_each_of_its_lines(rows: list[tuple[float, float]], degrees: float,
                                             height: float) -> None:
    a = np.deg2rad(degrees)
    down = np.array([-np.sin(a), np.cos(a)])
    lines = [_line(*(np.array([300.0, 200.0]) + i * 1.3 * height * down + np.array([dx, 0])),
                   length, height, degrees)
             for i, (length, dx) in enumerate(rows)]
    for p in paragraphs(lines):
        poly = Polygon(p.shape.points).buffer(1e-6)
        for i in p.members:
            assert poly.contains(Polygon(lines[i].quad))


# ------------------------------------------------------------------------------------------
# the documents detector's decisions on given lines and readings (fakes for both models)


class _Lines:
    def __init__(self, quads: list[Quad]) -> None:
        self.quads = quads

    def detect(self, image: np.ndarray) -> list[Finding]:
        return [Finding(FindingKind.TEXT, Shape.of(q).bounds, 0.9, "fake", shape=Shape.of(q))
                for q in self.quads]


class _Reader:
    def __init__(self, readings: list[Reading]) -> None:
        self.readings = readings

    def read(self, image: np.ndarray, lines: list[Finding]) -> list[Reading | None]:
        return list(self.readings[: len(lines)])


def _documents(quads: list[Quad], readings: list[Reading]) -> DocumentDetector:
    det = DocumentDetector.__new__(DocumentDetector)
    det.lines = _Lines(quads)  # type: ignore[assignment]
    det.reader = _Reader(readings)  # type: ignore[assignment]
    return det


ROW_1 = [(100.0, 100.0), (400.0, 100.0), (400.0, 130.0), (100.0, 130.0)]
ROW_2 = [(100.0, 136.0), (380.0, 136.0), (380.0, 166.0), (100.0, 166.0)]
FAR = [(700.0, 500.0), (820.0, 500.0), (820.0, 540.0), (700.0, 540.0)]  # a short line


LONG = [(100.0, 300.0), (900.0, 300.0), (900.0, 340.0), (100.0, 340.0)]
SQUARE = [(100.0, 300.0), (160.0, 300.0), (160.0, 360.0), (100.0, 360.0)]


@pytest.mark.parametrize(("name", "quad", "reading", "kept"), [
    ("a long line misread as a word of two letters", LONG, Reading("of", 0.74), True),
    ("a long line read as nothing", LONG, Reading("", 0.0), False),
    ("a long line read as a faint letter", LONG, Reading("l", 0.2), False),
    ("a blob read as two letters", SQUARE, Reading("of", 0.74), False),
    ("a blob read clearly", SQUARE, Reading("M", 0.99), True),
])
def test_which_lines_are_text(name: str, quad: Quad, reading: Reading, kept: bool) -> None:
    found = _documents([quad], [reading]).detect(_wall((200, 200, 200), 1000, 700))
    assert bool(found) is kept, name


@pytest.mark.parametrize(("name", "quads", "readings", "flagged"), [
    ("a faint line alone", [FAR], [Reading("ARO", 0.44)], [True]),
    ("a clear line alone", [FAR], [Reading("Lunch", 0.93)], [False]),
    ("a faint long line alone (a blurred badge)", [FAR], [Reading("URHVCHU", 0.46)], [False]),
    ("stripes read as one digit over and over", [FAR], [Reading("67777", 0.63)], [True]),
    ("a long line alone, misread faintly", [LONG], [Reading("l", 0.45)], [False]),
    ("a long strip of foliage read faintly", [LONG], [Reading("AN业", 0.43)], [True]),
    ("a word with a doubled letter", [FAR], [Reading("Llanelli", 0.9)], [False]),
    ("texture", [FAR], [Reading("", 0.0)], []),
    ("a faint line with a phone number", [FAR], [Reading("029 2018 0123", 0.45)], [False]),
    ("a faint line in a paragraph", [ROW_1, ROW_2], [Reading("Margaret", 0.95),
                                                     Reading("sorned", 0.45)], [False]),
    ("two faint lines together", [ROW_1, ROW_2], [Reading("abcd", 0.45),
                                                  Reading("efgh", 0.46)], [False]),
])
def test_a_faint_line_alone_is_flagged_not_hidden(name: str, quads: list[Quad],
                                                  readings: list[Reading],
                                                  flagged: list[bool]) -> None:
    found = _documents(quads, readings).detect(_wall((200, 200, 200), 1000, 700))
    assert [f.unsure for f in found] == flagged, name
    for f in found:
        assert (f.detail == UNSURE) is f.unsure


def test_a_surface_holds_text_that_runs_past_its_edge() -> None:
    """A paragraph half over the edge found for its sheet is hidden whole, gaps included."""
    sheet = Shape.of([(0, 0), (100, 0), (100, 100), (0, 100)])
    paragraph = [(60.0, 40.0), (160.0, 40.0), (160.0, 70.0), (60.0, 70.0)]
    held = Polygon(_holding(sheet, [paragraph]).points)
    assert held.buffer(1e-6).contains(Polygon(paragraph))
    assert held.buffer(1e-6).contains(Polygon(sheet.points))
    assert _holding(sheet, [[(10.0, 10.0), (20.0, 10.0), (20.0, 20.0)]]) == sheet  # inside
