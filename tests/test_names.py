"""scanner.pipeline.names: file names that give away a date or a person, and the report's
warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import PipelineFactory, jpeg_bytes, noise, write

from scanner.pipeline.names import DATE_NOTE, PERSON_NOTE, has_date, has_person, name_warnings
from scanner.report.html import render_html
from scanner.report.json import report_dict
from scanner.types import Status


@pytest.mark.parametrize(("name", "date"), [
    ("IMG_20240131_101502.jpg", True),
    ("WhatsApp Image 2024-01-31 at 10.15.32.jpeg", True),
    ("IMG-20240131-WA0003.jpg", True),
    ("PXL_20231225_093012345.jpg", True),
    ("Screenshot_2024-01-31-10-15-32.png", True),
    ("20240131.jpg", True),
    ("2024_01_31.heic", True),
    ("31.01.2024 outing.jpg", True),
    ("31-01-2024.jpg", True),
    ("FB_IMG_1706700000000.jpg", True),
    ("signal-1706700000.jpg", True),
    ("photo 31 January 2024.jpg", True),
    ("Jan 2024 trip.png", True),
    ("IMG_1234.jpg", False),
    ("DSC01234.JPG", False),
    ("file 12345678.jpg", False),  # 8 digits that are no date (month 56)
    ("20241331.jpg", False),  # month 13
    ("2024.jpg", False),
    ("outing.jpg", False),
    ("", False),
    (".jpg", False),
    ("-rf.jpg", False),
    ("new\nline.jpg", False),
    ("2" * 300 + ".jpg", False),
])
def test_has_date(name: str, date: bool) -> None:
    assert has_date(name) is date


@pytest.mark.parametrize(("name", "person"), [
    ("margaret-birthday.jpg", True),
    ("Margaret Evans.jpg", True),
    ("john_smith_2.png", True),
    ("Rose Evans.jpg", True),
    ("Mrs Jones at lunch.jpg", True),
    ("MARGARET.JPG", True),
    ("rose garden.jpg", False),  # a flower, not a person
    ("may day.jpg", False),
    ("garden party.jpg", False),
    ("IMG_20240131_101502.jpg", False),
    ("WhatsApp Image 2024-01-31 at 10.15.32.jpeg", False),
    ("", False),
    ("写真.jpg", False),
    ("-rf.jpg", False),
])
def test_has_person(name: str, person: bool) -> None:
    assert has_person(name) is person


def test_name_warnings() -> None:
    assert name_warnings("outing.jpg") == ()
    assert name_warnings("margaret 2024-01-31.jpg") == (DATE_NOTE, PERSON_NOTE)
    assert all("--rename" in n for n in (DATE_NOTE, PERSON_NOTE))
    # The warning never repeats the name or the date it found.
    assert all("2024" not in n and "argaret" not in n for n in name_warnings(
        "margaret 2024-01-31.jpg"))


@pytest.mark.parametrize(("name", "notes"), [
    ("WhatsApp Image 2024-01-31 at 10.15.32.jpeg", (DATE_NOTE,)),
    ("margaret-birthday.jpg", (PERSON_NOTE,)),
    ("outing.jpg", ()),
])
def test_report_warns_about_the_output_name(fake_pipeline: PipelineFactory, tmp_path: Path,
                                            name: str, notes: tuple[str, ...]) -> None:
    src = write(tmp_path / "in" / name, jpeg_bytes(noise(64, 48)))
    out = tmp_path / "out" / (Path(name).stem + ".jpg")
    result = fake_pipeline().process(src, out)
    assert result.status is Status.CLEAN
    assert tuple(n for n in result.notes if "file name" in n) == notes
    report = json.dumps(report_dict([result], out_root=tmp_path / "out", mode="redact",
                                    settings={}))
    html = render_html([result], out_root=tmp_path / "out")
    for note in notes:
        assert note in json.loads(report)["results"][0]["notes"]
        assert "--rename" in html


def test_a_neutral_output_name_is_not_warned_about(fake_pipeline: PipelineFactory,
                                                   tmp_path: Path) -> None:
    """With --rename (neutral output names) only the output's name matters."""
    src = write(tmp_path / "in" / "IMG_20240131_101502.jpg", jpeg_bytes(noise(64, 48)))
    result = fake_pipeline().process(src, tmp_path / "out" / "photo-0001.jpg")
    assert not [n for n in result.notes if "file name" in n]
    scanned = fake_pipeline().process(src, None)  # scan only: the source's name is judged
    assert DATE_NOTE in scanned.notes


def test_failed_photos_get_no_name_warning(fake_pipeline: PipelineFactory,
                                           tmp_path: Path) -> None:
    src = write(tmp_path / "IMG_20240131_101502.jpg", b"not a picture")
    result = fake_pipeline().process(src, tmp_path / "out" / "x.jpg")
    assert result.status is Status.ERROR and result.notes == ()
