"""The HTML report and its plain-words guidance: safe, self-contained, accurate."""

from __future__ import annotations

import base64
import io
import math
import os
import re
import sys
import types
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from helpers import rotated_square
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from scanner.errors import WriteError
from scanner.report import guidance as guidance_mod
from scanner.report import html as html_mod
from scanner.report.guidance import MESSAGES, guidance_for, t, tn, verdict
from scanner.report.html import render_html, visible_text, write_html_report
from scanner.types import Action, Finding, FindingKind, Region, ScanResult, Shape, Status

HOSTILE_NAME = '<script>alert("x")</script>\n\u202e.jpg'
DATA_JPEG = "data:image/jpeg;base64,"
VOID_ELEMENTS = {"meta", "img", "br", "hr", "link", "input", "source", "wbr", "col", "area"}


# ------------------------------------------------------------------------------------------
# helpers


def _image(path: Path, size: tuple[int, int] = (400, 300), colour=(120, 120, 120), **kw) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, **kw)
    return path


def _finding(
    kind: FindingKind,
    box: tuple[float, float, float, float] = (10, 10, 60, 60),
    action: Action | None = Action.MOSAIC,
    score: float = 0.9,
    detail: str = "",
) -> Finding:
    return Finding(kind, Region(*box), score, "test", action, detail)


class _Page(HTMLParser):
    """Collects tags and attributes, and checks that non-void elements nest properly."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.imgs: list[dict[str, str]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = {k: v or "" for k, v in attrs}
        self.attrs.extend((tag, k, v) for k, v in values.items())
        if tag == "img":
            self.imgs.append(values)
        if tag not in VOID_ELEMENTS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(document: str) -> _Page:
    page = _Page()
    page.feed(document)
    page.close()
    assert not page.errors, page.errors
    assert not page.stack, page.stack
    return page


def _jpeg_markers(data: bytes) -> list[int]:
    """The marker bytes of a JPEG's header segments, up to start-of-scan."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    markers, pos = [], 2
    while pos + 4 <= len(data):
        assert data[pos] == 0xFF, f"bad marker at {pos}"
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        pos += 2 + length
    return markers


def _decode_preview(src: str) -> tuple[bytes, Image.Image]:
    assert src.startswith(DATA_JPEG)
    data = base64.b64decode(src[len(DATA_JPEG) :], validate=True)
    image = Image.open(io.BytesIO(data))
    image.load()
    return data, image


def _counts(document: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', document)}


@pytest.fixture
def out_root(tmp_path: Path) -> Path:
    root = tmp_path / "out"
    root.mkdir()
    return root


@pytest.fixture
def sample(tmp_path: Path, out_root: Path) -> dict[str, ScanResult]:
    """One result of each interesting shape, with real output files under ``out_root``."""
    _image(out_root / "clean.jpg", colour=(40, 160, 60))
    _image(out_root / "faces.jpg", size=(800, 600))
    _image(out_root / "docs.png", size=(300, 500), format="PNG")
    _image(out_root / "hostile.jpg")
    src = "/home/worker/photos"
    return {
        "clean": ScanResult(
            f"{src}/garden.jpg",
            Status.CLEAN,
            "clean.jpg",
            400,
            300,
            "JPEG",
            "JPEG",
            metadata_removed=("camera", "datetime"),
        ),
        "faces": ScanResult(
            f"{src}/party.jpg",
            Status.REDACTED,
            str(out_root / "faces.jpg"),
            800,
            600,
            findings=(
                _finding(FindingKind.FACE, (100, 100, 200, 220), detail="SENTINEL-FACE-ONE"),
                _finding(FindingKind.FACE, (400, 300, 600, 450), score=0.456),
            ),
            metadata_removed=("location", "camera"),
        ),
        "docs": ScanResult(
            f"{src}/desk/table.png",
            Status.REDACTED,
            "docs.png",
            300,
            500,
            findings=(
                _finding(FindingKind.DOCUMENT, (0, 0, 150, 200), Action.FILL),
                _finding(FindingKind.SCREEN, (150, 200, 300, 400), Action.FILL),
                _finding(
                    FindingKind.TEXT,
                    (20, 420, 200, 460),
                    Action.FILL,
                    detail="SENTINEL-TEXT-DETAIL",
                ),
                _finding(FindingKind.CODE, (220, 420, 280, 480), Action.FILL),
            ),
            notes=("SENTINEL-NOTE: colour profile converted to sRGB",),
        ),
        "error": ScanResult(
            f"{src}/broken.jpg", Status.ERROR, error="cannot decode: the file is truncated"
        ),
        "skipped": ScanResult(f"{src}/notes.txt", Status.SKIPPED, error="not an image"),
        "hostile": ScanResult(
            HOSTILE_NAME,  # as given (a relative name is shown as is)
            Status.CLEAN,
            "hostile.jpg",
            400,
            300,
            notes=('<img src=x onerror="alert(1)"> \u202ecod.exe',),
        ),
    }


@pytest.fixture(autouse=True)
def _small_previews(monkeypatch: pytest.MonkeyPatch) -> None:
    """The preview geometry below is worked out for 320 px previews (the report's are larger,
    see test_previews_are_large_enough_to_check)."""
    monkeypatch.setattr(html_mod, "PREVIEW_MAX", 320)


@pytest.fixture(autouse=True)
def _no_metadata_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see raw category keys unless they install labels themselves."""
    monkeypatch.setitem(sys.modules, "scanner.image.metadata", None)  # import -> ImportError


# ------------------------------------------------------------------------------------------
# message table


def test_t_unknown_key_raises() -> None:
    with pytest.raises(KeyError):
        t("no.such.message")
    with pytest.raises(KeyError):
        tn("no.such.noun", 2)


def test_t_falls_back_to_english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(MESSAGES, "cy", {"status.clean": "Glân"})
    assert t("status.clean", "cy") == "Glân"
    assert t("status.error", "cy") == MESSAGES["en"]["status.error"]
    assert t("status.error", "fr") == MESSAGES["en"]["status.error"]
    assert tn("noun.face", 2, "cy") == "2 faces"


def test_every_english_message_formats() -> None:
    fields = {
        "n": 3,
        "items": "X",
        "parts": "X",
        "reason": "X",
        "status": "X",
        "name": "X",
        "version": "X",
        "style": "X",
        "kind": "X",
        "detail": "X",
        # videos
        "times": "X",
        "seconds": "X",
        "frames": 3,
        "checked": 3,
        "what": "X",
        "first": "X",
        "last": "X",
    }
    for key, template in MESSAGES["en"].items():
        assert template.format(**fields), key


# ------------------------------------------------------------------------------------------
# verdicts and guidance

_FACE = _finding(FindingKind.FACE)
_PERSON_FLAGGED = _finding(FindingKind.PERSON, action=Action.FLAGGED)


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (
            ScanResult("a.jpg", Status.CLEAN, "a.jpg"),
            "Safe to share: no faces, documents or location data were found, "
            "and hidden metadata was removed.",
        ),
        (
            ScanResult("a.jpg", Status.CLEAN, "a.jpg", metadata_removed=("location",)),
            "Safe to share: no faces or documents were found, "
            "and location data and other hidden metadata were removed.",
        ),
        (
            ScanResult(
                "a.jpg",
                Status.REDACTED,
                "a.jpg",
                findings=(_FACE, _FACE),
                metadata_removed=("location",),
            ),
            "Redacted copy made: 2 faces were hidden and location data was removed. "
            "Check it before posting.",
        ),
        (
            ScanResult("a.jpg", Status.REDACTED, "a.jpg", findings=(_FACE,)),
            "Redacted copy made: 1 face was hidden. Check it before posting.",
        ),
        (
            ScanResult(
                "a.jpg",
                Status.REDACTED,
                "a.jpg",
                findings=(
                    _FACE,
                    _finding(FindingKind.DOCUMENT, action=Action.FILL),
                    _PERSON_FLAGGED,
                ),
            ),
            "Redacted copy made: 1 face and 1 document were hidden and 1 person was flagged "
            "by PostSafe for you to check. Check it before posting.",
        ),
        (
            ScanResult("a.jpg", Status.CLEAN, "a.jpg", findings=(_PERSON_FLAGGED,)),
            "Check before posting: nothing was hidden, but 1 person was flagged by PostSafe "
            "for you to check and hidden metadata was removed.",
        ),
        (
            ScanResult("a.jpg", Status.ERROR, error="cannot decode: truncated.\n"),
            "Not processed: cannot decode: truncated. No safe copy was made.",
        ),
        (
            ScanResult("a.jpg", Status.ERROR),
            "Not processed: an unexpected problem. No safe copy was made.",
        ),
        (ScanResult("a.txt", Status.SKIPPED), "Skipped: not an image."),
        (ScanResult("a.txt", Status.SKIPPED, error="not an image"), "Skipped: not an image."),
        (
            ScanResult("a.jpg", Status.CLEAN, "a.jpg", verified=False),
            "Check before posting: PostSafe could not confirm that the copy is free of "
            "hidden metadata.",
        ),
    ],
)
def test_verdict(result: ScanResult, expected: str) -> None:
    assert verdict(result) == expected


@pytest.mark.parametrize(
    ("kinds", "categories", "present", "absent"),
    [
        ((), (), [], ["Code 1.4", "Code 2.4", "untraceable"]),
        ((FindingKind.FACE,), (), ["Code 1.4"], ["Code 2.4", "untraceable"]),
        ((FindingKind.PERSON,), (), ["without a visible face"], ["Code 2.4"]),
        ((FindingKind.DOCUMENT,), (), ["Code 2.4"], ["Code 1.4", "QR codes"]),
        ((FindingKind.SCREEN,), (), ["Code 2.4"], ["Code 1.4"]),
        ((FindingKind.TEXT,), (), ["Code 2.4"], ["Code 1.4"]),
        ((FindingKind.CODE,), (), ["Code 2.4", "QR codes"], ["Code 1.4"]),
        ((), ("location",), ["untraceable"], ["Code 1.4", "Code 2.4"]),
        ((), ("camera", "datetime"), [], ["untraceable"]),
        (
            (FindingKind.FACE, FindingKind.TEXT, FindingKind.SCREEN),
            ("location",),
            ["Code 1.4", "Code 2.4", "untraceable"],
            [],
        ),
    ],
)
def test_guidance_for(kinds, categories, present, absent) -> None:
    result = ScanResult(
        "a.jpg",
        Status.REDACTED,
        "a.jpg",
        findings=tuple(_finding(k, detail="SENTINEL-DETAIL") for k in kinds),
        metadata_removed=categories,
    )
    paragraphs = guidance_for(result)
    text = "\n".join(paragraphs)
    for needle in present:
        assert needle in text
    for needle in absent:
        assert needle not in text
    assert len(paragraphs) == len(set(paragraphs))  # deduplicated
    assert "SENTINEL" not in text and "SENTINEL" not in verdict(result)


def test_guidance_order_is_stable_and_deduplicated() -> None:
    findings = tuple(
        _finding(k)
        for k in (
            FindingKind.TEXT,
            FindingKind.FACE,
            FindingKind.DOCUMENT,
            FindingKind.FACE,
            FindingKind.SCREEN,
        )
    )
    a = ScanResult(
        "a.jpg",
        Status.REDACTED,
        "a.jpg",
        findings=findings,
        metadata_removed=("location", "location"),
    )
    b = ScanResult(
        "a.jpg", Status.REDACTED, "a.jpg", findings=findings[::-1], metadata_removed=("location",)
    )
    assert guidance_for(a) == guidance_for(b)
    assert [p.count("Code 2.4") for p in guidance_for(a)].count(1) == 1


def test_error_and_skipped_guidance_warn_against_posting_the_original() -> None:
    assert "Do not post the original" in guidance_for(ScanResult("a", Status.ERROR))[0]
    assert "did not check" in guidance_for(ScanResult("a", Status.SKIPPED))[0]


# ------------------------------------------------------------------------------------------
# the page


def test_no_scripts_or_external_resources(sample, out_root) -> None:
    document = render_html(list(sample.values()), out_root=out_root)
    lowered = document.lower()
    for bad in (
        "<script",
        "<link",
        "<iframe",
        "<object",
        "<embed",
        "@import",
        "url(",
        "javascript:",
        "http://",
        "https://",
        'src="http',
        " on",
    ):
        if bad == " on":
            # no event-handler attributes on any element
            page = _parse(document)
            assert not [a for _, a, _ in page.attrs if a.startswith("on")]
            continue
        assert bad not in lowered, bad
    page = _parse(document)
    for tag, attr, value in page.attrs:
        if attr == "href":
            # In-page anchors, and relative links to the copies beside the report: nothing
            # with a scheme, a host or an absolute path.
            assert value.startswith("#") or not re.match(r"^([a-z][a-z0-9+.-]*:|/|\\)", value,
                                                          re.IGNORECASE), value
        elif attr in ("src", "srcset", "action", "poster", "data"):
            assert value.startswith(DATA_JPEG), (tag, attr, value[:40])
    assert set(page.tags) >= {"html", "head", "body", "main", "h1", "h2", "h3", "ul"}


def test_page_basics(sample, out_root) -> None:
    document = render_html(list(sample.values()), out_root=out_root, title="My <report>")
    assert document.startswith("<!DOCTYPE html>")
    assert '<html lang="en"' in document
    assert '<meta name="viewport"' in document
    assert '<meta charset="utf-8">' in document
    assert "Content-Security-Policy" in document and "default-src 'none'" in document
    assert "<title>My &lt;report&gt;</title>" in document
    assert "<h1>My &lt;report&gt;</h1>" in document
    # status is given in words, not only in colour
    for word in ("Clean</p>", "Redacted</p>", "Not processed</p>", "Skipped</p>"):
        assert word in document
    # display names are relative to the common folder, which is not shown
    assert "/home/worker" not in document
    assert "desk/table.png" in document


def test_hostile_name_is_escaped(sample, out_root) -> None:
    document = render_html([sample["hostile"]], out_root=out_root)
    assert "<script" not in document.lower()
    assert 'alert("x")' not in document
    assert "\u202e" not in document and "\n\u202e" not in document
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;[U+000A][U+202E].jpg" in document
    assert '<img src=x onerror="alert(1)">' not in document
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; [U+202E]cod.exe" in document
    page = _parse(document)
    assert [i["src"][: len(DATA_JPEG)] for i in page.imgs] == [DATA_JPEG]
    # the name is escaped inside the alt attribute too
    assert "[U+202E]" in page.imgs[0]["alt"] and "<script>" in page.imgs[0]["alt"]


@pytest.mark.parametrize(
    ("raw", "must_not_contain", "must_contain"),
    [
        ('"><img src=x onerror=alert(1)>', ['"><img', "<img src=x"], ["&quot;&gt;&lt;img"]),
        ('it\'s "quoted"', ["it's", '"quoted"'], ["it&#x27;s", "&quot;quoted&quot;"]),
        ("a\u202egpj.exe", ["\u202e"], ["a[U+202E]gpj.exe"]),
        ("a\u2066b\u2069c\u200fd", ["\u2066", "\u2069", "\u200f"], ["[U+2066]", "[U+200F]"]),
        ("tab\there\rcr\x00nul", ["\t", "\r", "\x00"], ["[U+0009]", "[U+000D]", "[U+0000]"]),
        ("line\u2028sep", ["\u2028"], ["[U+2028]"]),
        ("bad-bytes-\udcff.jpg", ["\udcff"], ["[U+DCFF]"]),
        (
            "Llanfair\u0175 caf\u00e9 \U0001f468\u200d\U0001f469",
            ["[U+"],
            ["Llanfair\u0175 caf\u00e9 \U0001f468\u200d\U0001f469"],
        ),
        ("&amp; </article>", ["</article>.", "&amp; </"], ["&amp;amp; &lt;/article&gt;"]),
    ],
)
def test_escaping_table(tmp_path, raw, must_not_contain, must_contain) -> None:
    result = ScanResult(raw, Status.ERROR, error=raw)
    document = render_html([result], out_root=tmp_path)
    document.encode("utf-8")  # never any lone surrogates in the output
    body = document.split("<body>", 1)[1]
    for needle in must_not_contain:
        assert needle not in body, needle
    for needle in must_contain:
        assert needle in body, needle
    _parse(document)


def test_visible_text_keeps_ordinary_text() -> None:
    assert visible_text("Ysgol Gymraeg — llun 1.jpg") == "Ysgol Gymraeg — llun 1.jpg"
    assert visible_text("\u202e") == "[U+202E]"


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], {"photos": 0, "clean": 0, "redacted": 0, "error": 0, "skipped": 0}),
        (["clean"], {"photos": 1, "clean": 1, "redacted": 0, "error": 0, "skipped": 0}),
        (
            ["clean", "faces", "docs", "error", "skipped", "hostile"],
            {"photos": 5, "clean": 2, "redacted": 2, "error": 1, "skipped": 1},
        ),
        (["error", "error"], {"photos": 2, "clean": 0, "redacted": 0, "error": 2, "skipped": 0}),
        (["skipped"], {"photos": 0, "clean": 0, "redacted": 0, "error": 0, "skipped": 1}),
    ],
)
def test_summary_counts_and_valid_page(sample, out_root, statuses, expected) -> None:
    results = [sample[name] for name in statuses]
    document = render_html(results, out_root=out_root)
    assert _counts(document) == expected
    page = _parse(document)
    assert {"html", "head", "title", "body", "main", "h1", "h2", "footer"} <= set(page.tags)
    assert page.tags.count("article") == len(results)
    assert "rebuilt from its pixels" in document
    if not results:
        assert "No files were checked." in document
        assert "<img" not in document


def test_code_guidance_in_page(sample, out_root) -> None:
    faces = render_html([sample["faces"]], out_root=out_root)
    assert "Code 1.4" in faces and "untraceable" in faces and "Code 2.4" not in faces
    docs = render_html([sample["docs"]], out_root=out_root)
    assert "Code 2.4" in docs and "QR codes" in docs and "Code 1.4" not in docs
    clean = render_html([sample["clean"]], out_root=out_root)
    assert "Code 1.4" not in clean and "Code 2.4" not in clean and "untraceable" not in clean


def test_details_and_notes_appear_only_in_their_cells(sample, out_root) -> None:
    document = render_html(list(sample.values()), out_root=out_root)
    for sentinel in ("SENTINEL-FACE-ONE", "SENTINEL-TEXT-DETAIL", "SENTINEL-NOTE"):
        assert document.count(sentinel) == 1, sentinel
    assert re.search(r"<li>.*Face \(SENTINEL-FACE-ONE\): <strong>", document)
    for result in sample.values():
        assert "SENTINEL" not in " ".join(guidance_for(result)) + verdict(result)


def test_findings_in_words_without_scores_or_coordinates(sample, out_root) -> None:
    document = render_html([sample["faces"], sample["docs"]], out_root=out_root)
    assert "0.46" not in document and "0.456" not in document  # scores stay in the JSON
    assert "100, 100, 200, 220" not in document and "<table" not in document
    for label in ("Face", "Document", "Screen", "Text", "QR or barcode"):
        assert f"</span>{label}: <strong>" in document or f"</span>{label} (" in document, label
    assert "hidden by PostSafe (mosaic)" in document
    assert "hidden by PostSafe (solid fill)" in document
    assert "Nothing was found." in render_html([sample["clean"]], out_root=out_root)


def test_error_reason_and_no_preview(sample, out_root) -> None:
    document = render_html([sample["error"], sample["skipped"]], out_root=out_root)
    assert "cannot decode: the file is truncated" in document
    assert "Why it was not processed" in document
    assert "<img" not in document
    assert document.count("No preview: no copy was made.") == 2
    assert "Skipped: not an image." in document


# ------------------------------------------------------------------------------------------
# metadata category labels


def test_metadata_categories_fall_back_to_raw_keys(sample, out_root) -> None:
    document = render_html([sample["faces"]], out_root=out_root)
    assert '<p class="meta">Location, Camera.</p>' in document


def test_metadata_categories_use_labels(sample, out_root, monkeypatch) -> None:
    module = types.ModuleType("scanner.image.metadata")
    module.CATEGORY_LABELS = {"location": "Location (GPS)"}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "scanner.image.metadata", module)
    document = render_html([sample["faces"]], out_root=out_root)
    assert '<p class="meta">Location (GPS), Camera.</p>' in document  # unknown key: as is


# ------------------------------------------------------------------------------------------
# previews


def test_every_preview_is_a_clean_small_jpeg(sample, out_root) -> None:
    document = render_html(list(sample.values()), out_root=out_root)
    page = _parse(document)
    assert len(page.imgs) == 4  # clean, faces, docs, hostile; none for error/skipped
    for img in page.imgs:
        data, image = _decode_preview(img["src"])
        markers = _jpeg_markers(data)
        assert 0xE1 not in markers, "APP1 (EXIF/XMP) in preview"
        assert 0xE2 not in markers, "APP2 (ICC) in preview"
        assert image.format == "JPEG"
        assert max(image.size) <= html_mod.PREVIEW_MAX
        assert not image.info.get("exif") and not image.info.get("icc_profile")
        assert len(image.getexif()) == 0
        assert (img["width"], img["height"]) == (str(image.width), str(image.height))
        assert img["alt"].startswith("Preview of the")


@pytest.mark.parametrize(
    ("mode", "fmt", "size"),
    [
        ("RGB", "JPEG", (1600, 1200)),
        ("RGB", "JPEG", (120, 4000)),
        ("RGBA", "PNG", (500, 300)),
        ("L", "PNG", (300, 300)),
        ("P", "PNG", (64, 48)),
        ("I;16", "PNG", (200, 100)),
        ("CMYK", "JPEG", (330, 200)),
    ],
)
def test_preview_formats(tmp_path, mode, fmt, size) -> None:
    path = tmp_path / f"out.{fmt.lower()}"
    Image.new(mode, size).save(path, format=fmt)
    result = ScanResult(
        "in",
        Status.REDACTED,
        path.name,
        width=size[0],
        height=size[1],
        findings=(_finding(FindingKind.FACE, (0, 0, size[0] / 2, size[1] / 2)),),
    )
    page = _parse(render_html([result], out_root=tmp_path))
    assert len(page.imgs) == 1
    _, image = _decode_preview(page.imgs[0]["src"])
    assert max(image.size) <= html_mod.PREVIEW_MAX
    assert image.size[0] * size[1] == pytest.approx(image.size[1] * size[0], rel=0.05)


def test_preview_comes_from_the_output_not_the_source(tmp_path, out_root) -> None:
    source = _image(tmp_path / "in" / "photo.jpg", colour=(255, 0, 0))
    _image(out_root / "photo.jpg", colour=(0, 0, 255))
    result = ScanResult(str(source), Status.CLEAN, "photo.jpg", 400, 300)
    page = _parse(render_html([result], out_root=out_root))
    _, image = _decode_preview(page.imgs[0]["src"])
    r, g, b = np.asarray(image.convert("RGB"), dtype=float).reshape(-1, 3).mean(axis=0)
    assert b > 200 and r < 50


def test_preview_outlines_findings_in_kind_colour(tmp_path) -> None:
    _image(tmp_path / "out.png", size=(800, 600), colour=(128, 128, 128), format="PNG")
    result = ScanResult(
        "in.jpg",
        Status.REDACTED,
        "out.png",
        800,
        600,
        findings=(_finding(FindingKind.FACE, (400, 300, 600, 450)),),
    )
    page = _parse(render_html([result], out_root=tmp_path))
    _, image = _decode_preview(page.imgs[0]["src"])
    assert image.size == (320, 240)
    pixels = np.asarray(image.convert("RGB"), dtype=int)
    # box scaled by 0.4: (160, 120)-(240, 180); its left edge (well below the label) is red
    edge = pixels[150:170, 160:162].reshape(-1, 3).mean(axis=0)
    assert edge[0] > 150 and edge[1] < 110, edge
    # far away from the box the grey is untouched
    far = pixels[20:40, 20:40].reshape(-1, 3).mean(axis=0)
    assert np.all(np.abs(far - 128) < 8), far


def _red(pixels: np.ndarray, rows: slice, cols: slice) -> bool:
    """Some pixel in the window is clearly the face colour (JPEG smears thin lines)."""
    window = pixels[rows, cols].reshape(-1, 3)
    return bool(((window[:, 0] > 150) & (window[:, 0] - window[:, 1] > 70)).any())


def test_preview_outlines_a_shape_not_its_box(tmp_path) -> None:
    _image(tmp_path / "out.png", size=(800, 600), colour=(128, 128, 128), format="PNG")
    diamond = rotated_square(400, 300, 200 / math.sqrt(2), 45)  # corners 200 px from centre
    finding = Finding(FindingKind.FACE, diamond.bounds, 0.9, "test", Action.FILL,
                      shape=diamond)
    result = ScanResult("in.jpg", Status.REDACTED, "out.png", 800, 600, findings=(finding,))
    _, image = _decode_preview(_parse(render_html([result], out_root=tmp_path)).imgs[0]["src"])
    pixels = np.asarray(image.convert("RGB"), dtype=int)
    # scaled by 0.4: corners (160, 40), (240, 120), (160, 200), (80, 120); each side's middle
    # is outlined in red ...
    for x, y in ((200, 80), (200, 160), (120, 160), (120, 80)):
        assert _red(pixels, slice(y - 4, y + 5), slice(x - 4, x + 5)), (x, y)
    # ... and the box around it (80, 40)-(240, 200) is not drawn: its corners (below the
    # label, which sits above the top-left one) and its sides between them stay grey.
    for rows, cols in ((slice(42, 52), slice(78, 84)), (slice(42, 52), slice(236, 242)),
                       (slice(190, 202), slice(78, 84)), (slice(190, 202), slice(236, 242)),
                       (slice(38, 46), slice(195, 205)), (slice(194, 202), slice(115, 125))):
        window = pixels[rows, cols].reshape(-1, 3)
        assert np.all(np.abs(window - 128) < 12), (rows, cols)
    # The label is at the top-left of the shape's box, inside the picture.
    label = pixels[28:38, 82:100].reshape(-1, 3)
    assert _red(pixels, slice(28, 38), slice(82, 100)) and (label > 200).all(axis=1).any()


def test_preview_shape_past_the_edge_is_drawn_along_it(tmp_path) -> None:
    _image(tmp_path / "out.png", size=(800, 600), colour=(128, 128, 128), format="PNG")
    # A resumed report could hold a shape that runs off the picture: its visible part is
    # outlined, the picture's right edge included.
    triangle = Shape.of(((600, 200), (1000, 300), (600, 400)))
    finding = Finding(FindingKind.FACE, Region(600, 200, 800, 400), 0.9, "test", Action.FILL,
                      shape=triangle)
    result = ScanResult("in.jpg", Status.REDACTED, "out.png", 800, 600, findings=(finding,))
    _, image = _decode_preview(_parse(render_html([result], out_root=tmp_path)).imgs[0]["src"])
    pixels = np.asarray(image.convert("RGB"), dtype=int)
    assert image.size == (320, 240)
    assert _red(pixels, slice(115, 125), slice(314, 320))  # where it leaves the picture
    assert _red(pixels, slice(95, 105), slice(236, 244))  # its left side at x = 600 * 0.4
    # Its box's top edge is not drawn: the triangle's top side slopes down from (240, 80).
    assert np.all(np.abs(pixels[76:86, 304:314] - 128) < 12)


@pytest.mark.parametrize("content", [None, b"", b"not an image at all", b"\xff\xd8\xff\xe0junk"])
def test_unreadable_output_says_so(tmp_path, content) -> None:
    if content is not None:
        (tmp_path / "out.jpg").write_bytes(content)
    result = ScanResult(
        "in.jpg", Status.REDACTED, "out.jpg", 10, 10, findings=(_finding(FindingKind.FACE),)
    )
    document = render_html([result], out_root=tmp_path)
    assert "<img" not in document
    assert "No preview: the copy could not be read." in document
    _parse(document)


def test_no_output_recorded(tmp_path) -> None:
    document = render_html([ScanResult("in.jpg", Status.CLEAN)], out_root=tmp_path)
    assert "No preview: no copy was recorded for this photo." in document


def test_relative_output_without_out_root(tmp_path, monkeypatch) -> None:
    _image(tmp_path / "o.jpg")
    monkeypatch.chdir(tmp_path)
    document = render_html([ScanResult("in.jpg", Status.CLEAN, "o.jpg")], out_root=None)
    assert document.count(DATA_JPEG) == 1


# ------------------------------------------------------------------------------------------
# writing


def test_write_html_report_is_atomic(sample, out_root, tmp_path, capsys) -> None:
    target = tmp_path / "reports" / "report.html"
    target.parent.mkdir()
    write_html_report(list(sample.values()), target, out_root=out_root)
    assert os.listdir(target.parent) == ["report.html"]
    document = target.read_text(encoding="utf-8")
    assert document == render_html(list(sample.values()), out_root=out_root)
    assert capsys.readouterr() == ("", "")  # logging only, never print


def test_write_failure_leaves_nothing_behind(sample, out_root, tmp_path, monkeypatch) -> None:
    target = tmp_path / "report.html"
    target.write_text("old report", encoding="utf-8")
    before = set(os.listdir(tmp_path))

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(html_mod.os, "replace", broken_replace)
    with pytest.raises(WriteError):
        write_html_report([sample["clean"]], target, out_root=out_root)
    assert set(os.listdir(tmp_path)) == before
    assert target.read_text(encoding="utf-8") == "old report"


def test_write_into_missing_folder_raises(tmp_path) -> None:
    with pytest.raises(WriteError):
        write_html_report([], tmp_path / "missing" / "report.html", out_root=None)
    assert not (tmp_path / "missing").exists()


def test_unknown_language_falls_back_to_english(sample, out_root, monkeypatch) -> None:
    assert '<html lang="en"' in render_html([sample["clean"]], out_root=out_root, lang="xx")
    monkeypatch.setitem(guidance_mod.MESSAGES, "cy", {"status.clean": "Glân"})
    document = render_html([sample["clean"]], out_root=out_root, lang="cy")
    assert '<html lang="cy"' in document and "Glân</p>" in document


# ------------------------------------------------------------------------------------------
# a report for people: who needs what, guidance once, large previews, badges apart


def test_previews_are_large_enough_to_check(tmp_path, monkeypatch) -> None:
    monkeypatch.undo()  # the real preview size, not the small one the geometry tests use
    _image(tmp_path / "out.png", size=(1600, 1200), colour=(128, 128, 128), format="PNG")
    result = ScanResult("in.jpg", Status.CLEAN, "out.png", 1600, 1200)
    _, image = _decode_preview(_parse(render_html([result], out_root=tmp_path)).imgs[0]["src"])
    assert max(image.size) >= 640


def test_summary_says_which_copies_are_ready_need_a_look_or_failed(sample, out_root) -> None:
    flagged = ScanResult(f"{out_root}/in/flag.jpg", Status.CLEAN, "flag.jpg", 10, 10,
                         findings=(_PERSON_FLAGGED,))
    results = [sample["clean"], sample["faces"], flagged, sample["error"], sample["skipped"]]
    document = render_html(results, out_root=out_root)
    summary = document.split('<section class="summary"', 1)[1].split("</section>", 1)[0]

    def group(key: str) -> str:
        return summary.split(f'class="group g-{key}"', 1)[1].split('class="group', 1)[0]

    assert "Ready to post, once you have looked at them (2)" in summary
    assert "Need a look before posting (1)" in summary and "flag.jpg" in group("look")
    assert "No safe copy: failed or skipped (2)" in summary
    assert "broken.jpg" in group("failed") and "notes.txt" in group("failed")
    assert "flag.jpg" not in group("ready") and "broken.jpg" not in group("ready")
    # every name links to its card
    for i in range(1, len(results) + 1):
        assert f'href="#r{i}"' in summary and f'id="r{i}"' in document


def test_guidance_is_said_once_and_each_card_points_to_it(sample, out_root) -> None:
    faces_again = ScanResult(f"{out_root}/again.jpg", Status.REDACTED, "again.jpg", 10, 10,
                             findings=(_FACE,))
    document = render_html([sample["faces"], faces_again], out_root=out_root)
    assert document.count("Code 1.4") == 1
    assert document.count('href="#g-faces"') == 2 and document.count('id="g-faces"') == 1
    assert document.index('id="g-faces"') > document.index('id="r2"')  # after the photos


def test_a_card_links_to_its_copy_and_hides_the_original_behind_a_click(tmp_path) -> None:
    out = tmp_path / "out"
    _image(out / "sub" / "a b.png", size=(40, 30), colour=(128, 128, 128), format="PNG")
    source = tmp_path / "in" / "a b.jpg"
    _image(source, size=(40, 30), colour=(9, 9, 9), format="JPEG")
    result = ScanResult(str(source), Status.CLEAN, str(out / "sub" / "a b.png"), 40, 30)
    document = render_html([result], out_root=out)
    assert 'href="sub/a%20b.png"' in document
    original = document.split('<details class="original">', 1)[1].split("</details>", 1)[0]
    assert 'href="../in/a%20b.jpg"' in original
    assert document.count("<img") == 1  # the original's pixels are never in the report


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(0, 200)), max_size=12))
def test_badges_never_overlap(corners: list[tuple[int, int]]) -> None:
    placed: list[tuple[int, int, int, int]] = []
    for x, y in corners:
        bx, by = html_mod.badge_spot(x, y, 16, 16, 320, 240, placed)
        assert 0 <= bx <= 320 - 16 and 0 <= by <= 240 - 16
        assert all(bx + 16 <= a or bx >= c or by + 16 <= b or by >= d for a, b, c, d in placed)
        placed.append((bx, by, bx + 16, by + 16))


@pytest.mark.parametrize(("numbers", "expected"), [
    ([1], "1"), ([2, 3, 4, 5, 6, 7], "2\u20137"), ([1, 3, 4, 8], "1, 3\u20134, 8"), ([], ""),
])
def test_findings_that_read_the_same_share_a_line(numbers: list[int], expected: str) -> None:
    assert html_mod._numbers(numbers) == expected


def test_six_lines_of_text_are_one_line_of_the_list(tmp_path) -> None:
    _image(tmp_path / "out.png", size=(100, 100), format="PNG")
    lines = tuple(_finding(FindingKind.TEXT, (10, 10 * i, 50, 10 * i + 8), Action.FILL,
                           detail="readable text") for i in range(1, 7))
    result = ScanResult("in.jpg", Status.REDACTED, "out.png", 100, 100, findings=(_FACE, *lines))
    document = render_html([result], out_root=tmp_path)
    assert document.count("Text (readable text)") == 1
    assert '<span class="nums">2\u20137</span>' in document


def test_a_welsh_report_has_no_english_left(tmp_path, monkeypatch) -> None:
    """Every message, finding detail and failure reason the report shows is in Welsh; the test
    names any English phrase still on the page."""
    monkeypatch.undo()  # the real metadata labels and preview size
    _image(tmp_path / "a.png", size=(200, 150), format="PNG")
    results = [
        ScanResult(str(tmp_path / "a.jpg"), Status.REDACTED, "a.png", 200, 150,
                   findings=(_FACE, _PERSON_FLAGGED,
                             _finding(FindingKind.DOCUMENT, action=Action.FILL,
                                      detail="a document with an NHS number and a date"),
                             _finding(FindingKind.TEXT, action=Action.KEPT)),
                   metadata_removed=("location", "device", "times")),
        ScanResult("b.jpg", Status.ERROR, error="the file is empty"),
        ScanResult("c.txt", Status.SKIPPED, error="not a photo or video file"),
        ScanResult("d.jpg", Status.CLEAN, "a.png", 200, 150),
    ]
    body = render_html(results, out_root=tmp_path, lang="cy").split("<body>", 1)[1]
    text = re.sub(r"<[^>]+>", " ", body)
    english = {v for k, v in MESSAGES["en"].items()
               if "{" not in v and len(v) > 6 and MESSAGES["cy"].get(k) != v}
    english |= {"a document with", "NHS number", "the file is empty", "not a photo or video file",
                "hidden by", "PostSafe report", "What this means", "Open the"}
    left = sorted(e for e in english if e in text)
    assert left == []
