"""The reports are written next to the safe copies and may be shared with them: they must not
carry what the copies no longer do. Real models, real command: a photo with GPS in its EXIF
(and a thumbnail), a face, and a care-plan page with a distinctive word on it.

Checked in both postsafe-report.json and postsafe-report.html: no GPS value in any form, no
recognised text, and the only pictures are previews of the redacted copies.
"""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import cv2
import numpy as np
import piexif
import pytest
from helpers import GPS_DECIMALS, desk, exif_bytes, jpeg_bytes, page, warp_onto, write
from PIL import Image
from typer.testing import CliRunner

from scanner.batch.plan import REPORT_HTML, REPORT_JSON
from scanner.cli.main import app

pytestmark = pytest.mark.integration

WORD = "Quixotrelle"  # appears nowhere else; OCR reads it off the page
# 51 deg 28' 40.12" N, 0 deg 0' 5.31" W (and the forms a report might print them in)
LAT = ((51, 1), (28, 1), (4012, 100))
LON = ((0, 1), (0, 1), (531, 100))
GPS_FORMS = (
    *GPS_DECIMALS, "51.4778", "51.477", "51,28", "51°", "51 deg", "28'", "40.12", "4012",
    "5.31", "531/100", "0.00147", "-0.0014", "[51, 28", "51/1", "28/1", "GPSLatitude",
    "GPSLongitude", "Latitude", "Longitude",
)


def _gps_exif() -> bytes:
    data = piexif.load(exif_bytes())
    data["GPS"].update({
        piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: LAT,
        piexif.GPSIFD.GPSLongitudeRef: b"W", piexif.GPSIFD.GPSLongitude: LON,
    })
    return piexif.dump(data)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, _astronaut_cached: np.ndarray):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("privacy")
    photos = root / "photos"
    face = cv2.resize(np.asarray(_astronaut_cached), (256, 256), interpolation=cv2.INTER_AREA)
    write(photos / "outing.jpg", jpeg_bytes(face, exif=_gps_exif()))
    sheet = page([f"Resident: {WORD} Evans", "Room 14, ground floor", f"Keyworker: {WORD}",
                  "Likes: music, garden"])
    scene, _ = warp_onto(desk(), sheet, [(420, 120), (1010, 180), (960, 930), (330, 860)])
    write(photos / "desk.jpg", jpeg_bytes(scene, exif=_gps_exif()))
    out = root / "out"
    result = CliRunner().invoke(app, ["redact", str(photos), "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads((out / REPORT_JSON).read_text(encoding="utf-8"))
    return photos, out, report, (out / REPORT_JSON).read_text(encoding="utf-8"), (
        out / REPORT_HTML).read_text(encoding="utf-8")


def test_the_photos_really_had_gps_a_face_and_the_word(run) -> None:  # type: ignore[no-untyped-def]
    _, _, report, _, _ = run
    by_name = {Path(r["source"]).name: r for r in report["results"]}
    assert "location" in by_name["outing.jpg"]["metadata_removed"]
    assert {f["kind"] for f in by_name["outing.jpg"]["findings"]} >= {"face"}
    assert by_name["desk.jpg"]["status"] == "redacted"
    assert {f["kind"] for f in by_name["desk.jpg"]["findings"]} & {"document", "text"}


@pytest.mark.parametrize("which", ["json", "html"])
def test_no_gps_value_in_any_form(run, which: str) -> None:  # type: ignore[no-untyped-def]
    text = run[3] if which == "json" else run[4]
    for form in GPS_FORMS:
        assert form.casefold() not in text.casefold(), form


@pytest.mark.parametrize("which", ["json", "html"])
def test_no_recognised_text(run, which: str) -> None:  # type: ignore[no-untyped-def]
    text = run[3] if which == "json" else run[4]
    squashed = re.sub(r"[^a-z]", "", text.casefold())
    assert WORD.casefold() not in squashed
    assert "keyworker" not in squashed and "groundfloor" not in squashed


def test_json_holds_no_pictures(run) -> None:  # type: ignore[no-untyped-def]
    text = run[3]
    assert "data:" not in text and "base64" not in text
    assert not re.search(r"[A-Za-z0-9+/]{200,}", text)


def _previews(html: str) -> list[np.ndarray]:
    # Every data: URI, wherever it sits (src, CSS url(), anything), except the bare "data:"
    # scheme in the page's Content-Security-Policy.
    uris = [u for u in re.findall(r"data:[^\"')\s;]*[;,]?[^\"')\s]*", html) if u != "data:;"]
    images = []
    for uri in uris:
        head, _, payload = uri.partition(",")
        assert head == "data:image/jpeg;base64", head
        with Image.open(io.BytesIO(base64.b64decode(payload))) as im:
            assert im.format == "JPEG" and not im.getexif() and "icc_profile" not in im.info
            images.append(np.asarray(im.convert("RGB"), dtype=np.int16))
    return images


def test_html_pictures_are_previews_of_the_redacted_copies_only(run) -> None:  # type: ignore[no-untyped-def]
    photos, out, report, _, html = run
    previews = _previews(html)
    results = [r for r in report["results"] if r["output"]]
    assert len(previews) == len(results) == 2
    for r in results:
        with Image.open(out / r["output"]) as im:
            copy = im.convert("RGB")
        with Image.open(photos / Path(r["source"]).name) as im:
            source = im.convert("RGB")
        # Which preview is this copy's? The one of the same shape, nearest to it.
        size = None
        best = None
        for p in previews:
            small = np.asarray(copy.resize((p.shape[1], p.shape[0])), dtype=np.int16)
            d = float(np.abs(p - small).mean())
            if best is None or d < best[0]:
                best, size = (d, p), (p.shape[1], p.shape[0])
        assert best is not None and size is not None
        preview = best[1]
        small_copy = np.asarray(copy.resize(size), dtype=np.int16)
        small_source = np.asarray(source.resize(size), dtype=np.int16)
        scale = size[0] / copy.width
        for f in r["findings"]:
            if f["action"] not in ("mosaic", "fill", "blur"):
                continue
            x1, y1, x2, y2 = (int(v * scale) for v in f["box"])
            pad_x, pad_y = max(2, (x2 - x1) // 6), max(2, (y2 - y1) // 6)  # skip the outline
            inner = (slice(y1 + pad_y, y2 - pad_y), slice(x1 + pad_x, x2 - pad_x))
            if preview[inner].size == 0:
                continue
            to_copy = np.abs(preview[inner] - small_copy[inner]).mean()
            to_source = np.abs(preview[inner] - small_source[inner]).mean()
            assert to_copy < to_source, (r["source"], f["kind"], to_copy, to_source)


def test_both_reports_are_readable_by_their_owner_only(run) -> None:  # type: ignore[no-untyped-def]
    """The reports name the originals and say what was found where; the JSON one used to be
    written world-readable (0644) while the HTML one was 0600."""
    out = run[1]
    for name in (REPORT_JSON, REPORT_HTML):
        assert (out / name).stat().st_mode & 0o777 == 0o600, name
