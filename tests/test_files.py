"""scanner.image.files: the one answer to "what is this file" (format, taken or skipped, the
copy's format and extension) that the batch, watch, the web page and the decoder share."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import jpeg_bytes, noise, png_bytes, write

from scanner.config import OutputFormat, ScanConfig
from scanner.image.files import IMAGE_SUFFIXES, FileKind, identify, output_format, sniff
from scanner.image.metadata import _sniff as metadata_sniff


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0", "JPEG"),
        (b"\x89PNG\r\n\x1a\n", "PNG"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WEBP"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
        (b"GIF87a", "GIF"),
        (b"GIF89a", "GIF"),
        (b"II*\x00", "TIFF"),
        (b"MM\x00*", "TIFF"),
        (b"BM", "BMP"),
        (b"\x00\x00\x00\x18ftypheic", "HEIF"),
        (b"\x00\x00\x00\x18ftypmif1", "HEIF"),
        (b"\x00\x00\x00\x18ftypmp42", "VIDEO"),  # a video: scanner.video reads it
        # Brands the decoder and the metadata inventory used to disagree on: a HEIF whose
        # major brand is generic names what it is among its compatible brands.
        (b"\x00\x00\x00\x1cftypmiaf\x00\x00\x00\x00mif1heic", "HEIF"),
        (b"\x00\x00\x00\x18ftypmif2\x00\x00\x00\x00", "HEIF"),
        (b"\x00\x00\x00\x1cftypisom\x00\x00\x00\x00isommp41", "VIDEO"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  heic", "VIDEO"),  # past the box's end
        (b"\x00\x00\x00\x14ftyp3gp4\x00\x00\x00\x00", "VIDEO"),
        (b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A isom", None),  # a voice memo
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01", "VIDEO"),  # WebM / Matroska
        (b"\x00\x00\x00\x08wide\x00\x00\x10\x00mdat", "VIDEO"),  # QuickTime before ftyp
        (b"\x00\x00\x00\x04wide", None),  # an atom too short to be one
        (b"", None),
        (b"\xff\xd8", None),
        (b"hello", None),
    ],
)
def test_sniff(head: bytes, expected: str | None) -> None:
    assert sniff(head) == expected


@pytest.mark.parametrize(
    ("source", "setting", "expected"),
    [
        ("JPEG", OutputFormat.KEEP, "JPEG"),
        ("PNG", OutputFormat.KEEP, "PNG"),
        ("WEBP", OutputFormat.KEEP, "WEBP"),
        ("GIF", OutputFormat.KEEP, "GIF"),
        ("BMP", OutputFormat.KEEP, "BMP"),
        ("HEIF", OutputFormat.KEEP, "JPEG"),
        ("MPO", OutputFormat.KEEP, "JPEG"),
        ("TIFF", OutputFormat.KEEP, "JPEG"),
        ("SOMETHING", OutputFormat.KEEP, "JPEG"),
        ("PNG", OutputFormat.JPEG, "JPEG"),
        ("HEIF", OutputFormat.JPEG, "JPEG"),
        ("JPEG", OutputFormat.PNG, "PNG"),
        ("HEIF", OutputFormat.PNG, "PNG"),
        ("GIF", OutputFormat.PNG, "PNG"),
        ("WEBP", OutputFormat.JPEG, "JPEG"),
    ],
)
def test_output_format_table(source: str, setting: OutputFormat, expected: str) -> None:
    assert output_format(source, ScanConfig(output_format=setting)) == expected


def test_image_suffixes_are_lowercase_with_dot() -> None:
    assert all(s.startswith(".") and s == s.lower() for s in IMAGE_SUFFIXES)
    assert {".jpg", ".jpeg", ".png", ".heic", ".webp", ".tif", ".gif", ".bmp"} <= IMAGE_SUFFIXES



@pytest.mark.parametrize("head", [
    b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"\x00\x00\x00\x1cftypmiaf\x00\x00\x00\x00mif1heic",
    b"\x00\x00\x00\x18ftypmp42", b"BM", b"",
])
def test_the_metadata_inventory_sees_the_same_format(head: bytes) -> None:
    fmt = sniff(head)
    assert metadata_sniff(head) == (fmt.lower() if fmt else None)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("a.jpg", "jpeg", FileKind("JPEG", "JPEG")),
        ("a.PNG", "png", FileKind("PNG", "PNG")),  # case of the name does not matter
        ("photo", "png", FileKind("PNG", "PNG")),  # no extension: the bytes decide
        ("a.txt", "jpeg", FileKind("JPEG", "JPEG")),  # wrong extension: the bytes decide
        ("a.JPG", "junk", FileKind(None, "JPEG")),  # named like a photo: taken, to fail clearly
        ("a.HEIC", "", FileKind(None, "JPEG")),  # empty, named like a photo
        ("notes.txt", "junk", None),
        ("notes", "", None),
        ("clip.MOV", "junk", FileKind(None, "MP4")),  # named like a video: taken, to fail clearly
        ("clip.webm", "", FileKind(None, "MP4")),
        ("clip.txt", "mp4", FileKind("VIDEO", "MP4")),  # the bytes decide
    ],
)
def test_identify_table(tmp_path: Path, name: str, data: str, expected: FileKind | None) -> None:
    content = {"jpeg": jpeg_bytes(noise(8, 8)), "png": png_bytes(noise(8, 8)), "junk": b"hello",
               "": b"", "mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"}[data]
    assert identify(write(tmp_path / name, content), ScanConfig()) == expected


def test_identify_uses_the_upload_name_for_a_stand_in(tmp_path: Path) -> None:
    stand_in = write(tmp_path / "upload-1234", b"hello")
    assert identify(stand_in, ScanConfig()) is None
    assert identify(stand_in, ScanConfig(), name="C:\\Users\\me\\a.jpeg") == FileKind(None,
                                                                                    "JPEG")


@pytest.mark.parametrize(("setting", "extension"), [
    (OutputFormat.KEEP, ".png"), (OutputFormat.JPEG, ".jpg"), (OutputFormat.PNG, ".png"),
])
def test_the_copy_is_named_for_its_format(tmp_path: Path, setting: OutputFormat,
                                          extension: str) -> None:
    kind = identify(write(tmp_path / "a.png", png_bytes(noise(8, 8))),
                    ScanConfig(output_format=setting))
    assert kind is not None and kind.extension == extension
    assert kind.output_name("a") == f"a{extension}"


def test_a_folder_or_a_pipe_is_never_opened(tmp_path: Path) -> None:
    (tmp_path / "d.jpg").mkdir()
    assert identify(tmp_path / "d.jpg", ScanConfig()) == FileKind(None, "JPEG")
    fifo = tmp_path / "p.jpg"
    os.mkfifo(fifo)
    assert identify(fifo, ScanConfig()) == FileKind(None, "JPEG")  # returns: no read blocked
