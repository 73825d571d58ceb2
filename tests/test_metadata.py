"""Tests for scanner.image.metadata: which metadata categories a source file carried.

Every image is generated here (Pillow + piexif + hand-built segments); nothing third-party is
copied. The optional eval-set test only reads files in place.
"""

from __future__ import annotations

import json
import logging
import struct
import time
from collections.abc import Callable
from pathlib import Path

import piexif
import pillow_heif
import pytest
from helpers import (
    app13_payload,
    ifd0_exif,
    insert_jpeg_segment,
    iptc_record,
    photoshop_irb,
    png_chunk,
    save,
    thumbnail_jpeg,
    xmp_app1_payload,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, PngImagePlugin

from scanner.image.metadata import CATEGORY_LABELS, inspect_metadata

pillow_heif.register_heif_opener()

EVAL_DIR = Path("/work/shared/eval/metadata")
ALL_KEYS = frozenset(CATEGORY_LABELS)
SECRET_NAME = "Zebulon Quartermaine"  # must never appear in logs

# --------------------------------------------------------------------------- builders


def _image(colour: str = "red") -> Image.Image:
    return Image.new("RGB", (64, 48), colour)


def _jpeg(**params: object) -> bytes:
    return save(_image(), "JPEG", **params)


def _first_segment(jpeg: bytes, marker: int, payload: bytes) -> bytes:
    """The segment straight after SOI, before JFIF."""
    return insert_jpeg_segment(jpeg, marker, payload, after_soi=True)


def _jpeg_xmp(packet: bytes) -> bytes:
    return _first_segment(_jpeg(), 0xE1, xmp_app1_payload(packet))


def _exif_rich() -> bytes:
    return piexif.dump(
        {
            "0th": {
                piexif.ImageIFD.Make: b"Canon",
                piexif.ImageIFD.Model: b"EOS 5D",
                piexif.ImageIFD.Artist: SECRET_NAME.encode(),
            },
            "Exif": {
                piexif.ExifIFD.DateTimeOriginal: b"2020:01:02 03:04:05",
                piexif.ExifIFD.MakerNote: b"\x01\x02vendor-private",
                piexif.ExifIFD.UserComment: b"ASCII\x00\x00\x00at the beach",
            },
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((51, 1), (30, 1), (0, 1)),
                piexif.GPSIFD.GPSLongitudeRef: b"W",
                piexif.GPSIFD.GPSLongitude: ((0, 1), (7, 1), (0, 1)),
            },
            "1st": {piexif.ImageIFD.XResolution: (72, 1)},
            "thumbnail": thumbnail_jpeg((16, 12), "green", quality=75),
        }
    )


XMP_REGIONS = b"""<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
 <rdf:Description rdf:about="" xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
  xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#">
  <mwg-rs:Regions rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag><rdf:li
   rdf:parseType="Resource"><mwg-rs:Type>Face</mwg-rs:Type><mwg-rs:Area stArea:x="0.5"
   stArea:y="0.5" stArea:w="0.1" stArea:h="0.1"/></rdf:li></rdf:Bag></mwg-rs:RegionList>
  </mwg-rs:Regions></rdf:Description></rdf:RDF></x:xmpmeta>"""

XMP_HISTORY_GPS = b"""<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""
 xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 exif:GPSLatitude="51,30.0N" xmp:CreateDate="2020-01-02T03:04:05" dc:format="image/jpeg">
 <xmpMM:History><rdf:Seq><rdf:li stEvt:action="saved"/></rdf:Seq></xmpMM:History>
 </rdf:Description></rdf:RDF></x:xmpmeta>"""

XMP_EMPTY_PROPS = b"""<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
 tiff:Make="" dc:format="image/jpeg"><dc:creator/><dc:description></dc:description>
 </rdf:Description></rdf:RDF></x:xmpmeta>"""

XMP_ULTRA_HDR = b"""<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""
 xmlns:hdrgm="http://ns.adobe.com/hdr-gain-map/1.0/" hdrgm:Version="1.0"/>
 </rdf:RDF></x:xmpmeta>"""


def _png_insert_before_iend(png: bytes, chunk: bytes) -> bytes:
    iend = png.rindex(b"IEND") - 4
    return png[:iend] + chunk + png[iend:]


def _srgb_icc() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return bytes(profile.tobytes())


def _mpo(extra: bytes = b"") -> bytes:
    img = save(_image(), "MPO", save_all=True, append_images=[_image("blue")])
    return img + extra


def _tiff_blob(order: str, entries: list[tuple[int, int, int, int]], first: int = 8) -> bytes:
    """A tiny TIFF structure: one IFD at ``first`` with raw (tag, type, count, value) entries."""
    fmt = "<" if order == "II" else ">"
    head = order.encode() + struct.pack(fmt + "HI", 42, first)
    body = struct.pack(fmt + "H", len(entries))
    for tag, typ, count, value in entries:
        body += struct.pack(fmt + "HHII", tag, typ, count, value)
    body += struct.pack(fmt + "I", 0)
    return head + b"\x00" * (first - 8) + body


# Hostile EXIF payloads (TIFF structure only; wrapped into containers below).
CORRUPT_EXIF: dict[str, bytes] = {
    "ifd0_offset_past_end": b"MM\x00*\x7f\xff\xff\xff",
    "ifd_points_to_itself": _tiff_blob("II", [(0x8769, 4, 1, 8), (0x8825, 4, 1, 8)])
    + struct.pack("<I", 8),
    "huge_count": _tiff_blob("II", [(0x010F, 2, 0xFFFFFFFF, 0x10), (0x9286, 7, 0x7FFFFFFF, 4)]),
    "entry_count_lies": b"II*\x00\x08\x00\x00\x00\xff\xff" + b"\x00" * 30,
    "gps_pointer_garbage": _tiff_blob("MM", [(0x8825, 4, 1, 0xFFFFFF00)]),
    "next_ifd_loop": _tiff_blob("II", [(0x0112, 3, 1, 6)])[:-4] + struct.pack("<I", 8),
    "bad_byte_order": b"XX*\x00\x08\x00\x00\x00",
    "header_only": b"II*\x00",
    "unknown_types": _tiff_blob("II", [(0x010F, 99, 5, 0), (0x0110, 0, 0, 0)]),
}


def _exif_app1(tiff: bytes) -> bytes:
    return b"Exif\x00\x00" + tiff


BUILDERS: dict[str, Callable[[], bytes]] = {
    # JPEG
    "jpeg_plain": _jpeg,
    "jpeg_rich_exif": lambda: _jpeg(exif=_exif_rich()),
    "jpeg_orientation_6": lambda: _jpeg(exif=ifd0_exif({piexif.ImageIFD.Orientation: 6})),
    "jpeg_orientation_1": lambda: _jpeg(exif=ifd0_exif({piexif.ImageIFD.Orientation: 1})),
    "jpeg_software_only": lambda: _jpeg(exif=ifd0_exif({piexif.ImageIFD.Software: b"GIMP"})),
    "jpeg_blank_artist": lambda: _jpeg(exif=ifd0_exif({piexif.ImageIFD.Artist: b"    "})),
    "jpeg_xmp_regions": lambda: _jpeg_xmp(XMP_REGIONS),
    "jpeg_xmp_history_gps": lambda: _jpeg_xmp(XMP_HISTORY_GPS),
    "jpeg_xmp_empty_props": lambda: _jpeg_xmp(XMP_EMPTY_PROPS),
    "jpeg_com": lambda: _jpeg(comment=b"shot from my balcony"),
    "jpeg_icc": lambda: _jpeg(icc_profile=_srgb_icc()),
    "jpeg_iptc": lambda: _first_segment(
        _jpeg(),
        0xED,
        app13_payload(photoshop_irb(0x0404, iptc_record(2, 80, b"Jane Doe")
                                    + iptc_record(2, 90, b"Paris"))),
    ),
    "jpeg_photoshop_irb": lambda: _first_segment(
        _jpeg(), 0xED, app13_payload(photoshop_irb(0x03ED, b"\x00\x48\x00\x00\x00\x01\x00\x01" * 2))
    ),
    "jpeg_motion_photo_trailer": lambda: (
        _jpeg() + b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
    ),
    "jpeg_junk_trailer": lambda: _jpeg() + b"hidden",
    "jpeg_padding_only": lambda: _jpeg() + b"\x00" * 8 + b"\xff" * 4,
    "jpeg_appended_gain_map": lambda: (
        _first_segment(_jpeg(), 0xE1, xmp_app1_payload(XMP_ULTRA_HDR))
        + save(_image("gray"), "JPEG")
    ),
    "jpeg_truncated": lambda: _jpeg(exif=_exif_rich())[:-200],
    "mpo": _mpo,
    "mpo_with_trailer": lambda: _mpo(b"appended-after-last-frame"),
    # PNG
    "png_plain": lambda: save(_image(), "PNG"),
    "png_text_exif_trailer": lambda: _png_text_exif() + b"leftover IDAT bytes",
    "png_xmp_itxt": lambda: _png_with_info(lambda i: i.add_itxt("XML:com.adobe.xmp", XMP_REGIONS)),
    "png_ztxt": lambda: _png_with_info(lambda i: i.add_text("Comment", "hello", zip=True)),
    "png_time": lambda: _png_insert_before_iend(
        save(_image(), "PNG"), png_chunk(b"tIME", b"\x07\xe4\x01\x02\x03\x04\x05")
    ),
    "png_icc": lambda: save(_image(), "PNG", icc_profile=_srgb_icc()),
    # WebP
    "webp_plain": lambda: save(_image(), "WEBP"),
    "webp_exif": lambda: save(_image(), "WEBP", exif=ifd0_exif({piexif.ImageIFD.Make: b"Sony"})),
    "webp_xmp": lambda: save(_image(), "WEBP", xmp=XMP_HISTORY_GPS),
    "webp_icc": lambda: save(_image(), "WEBP", icc_profile=_srgb_icc()),
    "webp_trailer": lambda: save(_image(), "WEBP") + b"appended data",
    # TIFF
    "tiff_plain": lambda: save(_image(), "TIFF"),
    "tiff_artist": lambda: save(_image(), "TIFF", tiffinfo={315: SECRET_NAME}),
    "tiff_icc": lambda: save(_image(), "TIFF", icc_profile=_srgb_icc()),
    "tiff_multipage": lambda: save(_image(), "TIFF", save_all=True, append_images=[_image()]),
    # GIF
    "gif_plain": lambda: save(_image(), "GIF"),
    "gif_comment": lambda: save(_image(), "GIF", comment=b"a comment"),
    "gif_trailer": lambda: save(_image(), "GIF") + b"after the trailer",
    "gif_xmp": lambda: _gif_with_xmp(XMP_REGIONS),
    # HEIF
    "heic_plain": lambda: save(_image(), "HEIF"),
    "heic_exif": lambda: save(
        _image(),
        "HEIF",
        exif=piexif.dump(
            {
                "0th": {piexif.ImageIFD.Make: b"Apple"},
                "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N"},
            }
        ),
    ),
    "heic_xmp": lambda: save(_image(), "HEIF", xmp=XMP_HISTORY_GPS),
    "heic_icc": lambda: save(_image(), "HEIF", icc_profile=_srgb_icc()),
    "heic_orientation_6": lambda: save(
        _image(), "HEIF", exif=ifd0_exif({piexif.ImageIFD.Orientation: 6})
    ),
    # BMP
    "bmp_plain": lambda: save(_image(), "BMP"),
    # Not images
    "empty": lambda: b"",
    "garbage": lambda: b"this is not an image at all" * 10,
    "zeros": lambda: b"\x00" * 1024,
    "jpeg_soi_only": lambda: b"\xff\xd8\xff",
    "png_signature_only": lambda: b"\x89PNG\r\n\x1a\n",
    "riff_header_only": lambda: b"RIFF\xff\xff\xff\xffWEBP",
    "ftyp_junk": lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100,
}


def _gif_with_xmp(packet: bytes) -> bytes:
    """GIF XMP application extension: raw packet plus the 258-byte "magic trailer" that lets
    sub-block readers skip the text."""
    gif = save(_image(), "GIF")
    magic = b"\x01" + bytes(range(255, -1, -1)) + b"\x00"
    extension = b"\x21\xff\x0bXMP DataXMP" + packet + magic
    return gif[:-1] + extension + gif[-1:]


def _png_with_info(add: Callable[[PngImagePlugin.PngInfo], None]) -> bytes:
    info = PngImagePlugin.PngInfo()
    add(info)
    return save(_image(), "PNG", pnginfo=info)


def _png_text_exif() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "holiday")
    exif = ifd0_exif({piexif.ImageIFD.XResolution: (72, 1)})
    return save(_image(), "PNG", pnginfo=info, exif=exif)


EXPECTED: list[tuple[str, set[str]]] = [
    ("jpeg_plain", set()),
    (
        "jpeg_rich_exif",
        {"exif", "location", "device", "times", "people", "thumbnails", "makernotes", "comments"},
    ),
    ("jpeg_orientation_6", {"exif", "orientation"}),
    ("jpeg_orientation_1", {"exif"}),
    ("jpeg_software_only", {"exif", "editing_history"}),
    ("jpeg_blank_artist", {"exif"}),
    ("jpeg_xmp_regions", {"xmp", "people"}),
    ("jpeg_xmp_history_gps", {"xmp", "location", "times", "editing_history"}),
    ("jpeg_xmp_empty_props", {"xmp"}),
    ("jpeg_com", {"comments"}),
    ("jpeg_icc", {"icc_profile"}),
    ("jpeg_iptc", {"iptc", "people", "location"}),
    ("jpeg_photoshop_irb", {"editing_history"}),
    ("jpeg_motion_photo_trailer", {"trailer"}),
    ("jpeg_junk_trailer", {"trailer"}),
    ("jpeg_padding_only", set()),
    ("jpeg_appended_gain_map", {"xmp", "thumbnails"}),
    # Truncated before EOI: the EXIF is still reported, and no trailer verdict is possible.
    (
        "jpeg_truncated",
        {"exif", "location", "device", "times", "people", "thumbnails", "makernotes", "comments"},
    ),
    ("mpo", {"thumbnails"}),
    ("mpo_with_trailer", {"thumbnails", "trailer"}),
    ("png_plain", set()),
    ("png_text_exif_trailer", {"comments", "exif", "trailer"}),
    ("png_xmp_itxt", {"xmp", "people"}),
    ("png_ztxt", {"comments"}),
    ("png_time", {"times"}),
    ("png_icc", {"icc_profile"}),
    ("webp_plain", set()),
    ("webp_exif", {"exif", "device"}),
    ("webp_xmp", {"xmp", "location", "times", "editing_history"}),
    ("webp_icc", {"icc_profile"}),
    ("webp_trailer", {"trailer"}),
    ("tiff_plain", set()),
    ("tiff_artist", {"exif", "people"}),
    ("tiff_icc", {"icc_profile"}),
    ("tiff_multipage", {"thumbnails"}),
    ("gif_plain", set()),
    ("gif_comment", {"comments"}),
    ("gif_trailer", {"trailer"}),
    ("gif_xmp", {"xmp", "people"}),
    ("heic_plain", set()),
    ("heic_exif", {"exif", "device", "location"}),
    ("heic_xmp", {"xmp", "location", "times", "editing_history"}),
    ("heic_icc", {"icc_profile"}),
    ("heic_orientation_6", {"exif", "orientation"}),
    ("bmp_plain", set()),
    ("empty", set()),
    ("garbage", set()),
    ("zeros", set()),
    ("jpeg_soi_only", set()),
    ("png_signature_only", set()),
    ("riff_header_only", set()),
    ("ftyp_junk", set()),
]


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- tests


def test_labels_cover_exactly_the_vocabulary() -> None:
    assert set(CATEGORY_LABELS) == {
        "location",
        "device",
        "times",
        "people",
        "thumbnails",
        "comments",
        "editing_history",
        "makernotes",
        "xmp",
        "iptc",
        "exif",
        "icc_profile",
        "trailer",
        "orientation",
        "motion_photo",
        "video_tracks",
        "audio",
    }
    assert all(isinstance(v, str) and v.strip() for v in CATEGORY_LABELS.values())
    assert CATEGORY_LABELS["location"] == "location (GPS)"


def test_expected_table_covers_every_builder() -> None:
    assert {name for name, _ in EXPECTED} == set(BUILDERS)


@pytest.mark.parametrize(("name", "expected"), EXPECTED, ids=[name for name, _ in EXPECTED])
def test_categories_from_bytes(tmp_path: Path, name: str, expected: set[str]) -> None:
    path = _write(tmp_path, f"{name}.bin", BUILDERS[name]())
    result = inspect_metadata(path.read_bytes())
    assert isinstance(result, tuple)
    assert list(result) == sorted(set(result)), "sorted and unique"
    assert set(result) == expected


NOT_OPENABLE = {  # Pillow refuses these; the bytes-only test covers them
    "empty",
    "garbage",
    "zeros",
    "jpeg_soi_only",
    "png_signature_only",
    "riff_header_only",
    "ftyp_junk",
    "jpeg_truncated",
}
IMAGE_EXPECTED = [row for row in EXPECTED if row[0] not in NOT_OPENABLE]


@pytest.mark.parametrize(
    ("name", "expected"), IMAGE_EXPECTED, ids=[name for name, _ in IMAGE_EXPECTED]
)
def test_categories_with_pillow_image(tmp_path: Path, name: str, expected: set[str]) -> None:
    """Passing the opened image must not lose or invent categories for our own files."""
    path = _write(tmp_path, f"{name}.bin", BUILDERS[name]())
    with Image.open(path) as image:
        assert set(inspect_metadata(path.read_bytes(), image)) == expected


def test_mpo_is_detected_by_pillow_and_not_trailer(tmp_path: Path) -> None:
    path = _write(tmp_path, "two.mpo", _mpo())
    with Image.open(path) as image:
        assert image.format == "MPO"
        assert getattr(image, "n_frames", 1) == 2
        result = inspect_metadata(path.read_bytes(), image)
    assert "thumbnails" in result
    assert "trailer" not in result


@pytest.mark.parametrize("case", sorted(CORRUPT_EXIF))
@pytest.mark.parametrize("container", ["jpeg", "png", "webp", "raw_tiff"])
def test_corrupt_exif_never_raises(tmp_path: Path, case: str, container: str) -> None:
    tiff = CORRUPT_EXIF[case]
    if container == "jpeg":
        data = _first_segment(_jpeg(), 0xE1, _exif_app1(tiff))
    elif container == "png":
        data = _png_insert_before_iend(save(_image(), "PNG"), png_chunk(b"eXIf", tiff))
    elif container == "webp":
        data = save(_image(), "WEBP", exif=_exif_app1(tiff))
    else:
        data = tiff
    path = _write(tmp_path, f"{case}.{container}", data)
    started = time.monotonic()
    result = inspect_metadata(path.read_bytes())
    assert time.monotonic() - started < 2.0
    assert set(result) <= ALL_KEYS
    if container != "raw_tiff":
        assert "exif" in result


def test_corrupt_exif_keeps_what_it_could_read() -> None:
    # The GPS pointer is garbage, but the GPS IFD was declared: still a location leak.
    data = _first_segment(_jpeg(), 0xE1, _exif_app1(CORRUPT_EXIF["gps_pointer_garbage"]))
    assert "location" in inspect_metadata(data)
    # Orientation survives an IFD chain that loops back onto itself.
    data = _first_segment(_jpeg(), 0xE1, _exif_app1(CORRUPT_EXIF["next_ifd_loop"]))
    assert "orientation" in inspect_metadata(data)


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8" + b"\xff\xfe\x00\x02" * 200_000,  # a flood of empty segments
        b"\xff\xd8\xff\xda\x00\x02" + b"\xff" * 2_000_000 + b"\x00",  # fill bytes without end
        b"\xff\xd8\xff\xda\x00\x02" + b"\xff\x00" * 1_000_000,  # stuffing without EOI
        b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x00tEXt\x00\x00\x00\x00" * 300_000,
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00!\xfe" + b"\x01a" * 1_000_000,
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"<x:xmpmeta " * 100_000,
    ],
    ids=["jpeg_segments", "jpeg_fill", "jpeg_stuffing", "png_chunks", "gif_blocks", "heif_xmp"],
)
def test_hostile_structures_are_bounded(data: bytes) -> None:
    started = time.monotonic()
    result = inspect_metadata(data)
    assert time.monotonic() - started < 5.0
    assert set(result) <= ALL_KEYS


def test_non_bytes_input_does_not_raise() -> None:
    assert inspect_metadata(bytearray(_jpeg(comment=b"x"))) == ("comments",)  # type: ignore[arg-type]
    assert inspect_metadata(memoryview(_jpeg())) == ()  # type: ignore[arg-type]
    assert inspect_metadata(None) == ()  # type: ignore[arg-type]


def test_values_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="scanner.image.metadata")
    rich = _jpeg(exif=_exif_rich())
    # Truncate inside the EXIF block so parsers hit their failure paths and log.
    for data in (rich, rich[:300], rich[:120], save(_image(), "TIFF", tiffinfo={315: "x"})[:50]):
        inspect_metadata(data)
    assert SECRET_NAME not in caplog.text
    assert "Canon" not in caplog.text


RICH_JPEG = _jpeg(exif=_exif_rich(), comment=b"c", icc_profile=_srgb_icc())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(RICH_JPEG) - 1), st.integers(0, 255)), max_size=12))
def test_mutated_jpeg_never_raises(mutations: list[tuple[int, int]]) -> None:
    data = bytearray(RICH_JPEG)
    for pos, value in mutations:
        data[pos] = value
    result = inspect_metadata(bytes(data))
    assert set(result) <= ALL_KEYS


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [
            b"",
            b"\xff\xd8\xff",
            b"\x89PNG\r\n\x1a\n",
            b"RIFF\x10\x00\x00\x00WEBP",
            b"II*\x00",
            b"MM\x00*",
            b"GIF89a",
            b"\x00\x00\x00\x18ftypheic",
            b"BM",
        ]
    ),
    st.binary(max_size=2048),
)
def test_random_bytes_never_raise(prefix: bytes, tail: bytes) -> None:
    assert set(inspect_metadata(prefix + tail)) <= ALL_KEYS


@pytest.mark.skipif(not EVAL_DIR.exists(), reason="eval metadata set not present")
def test_eval_metadata_files() -> None:
    """Every third-party sample parses without raising; GPS is found wherever exiftool saw it."""
    summary_path = EVAL_DIR / "tags_summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    checked = 0
    for path in sorted(EVAL_DIR.iterdir()):
        if path.suffix.lower() in {".json", ".tsv"} or not path.is_file():
            continue
        data = path.read_bytes()
        result = inspect_metadata(data)
        try:
            with Image.open(path) as image:
                with_image = inspect_metadata(data, image)
        except (OSError, ValueError, SyntaxError):
            with_image = result
        for cats in (result, with_image):
            assert set(cats) <= ALL_KEYS, path.name
        facts = summary.get(path.name, {})
        if facts.get("gps_ifd") or facts.get("gps_coords"):
            assert "location" in result, path.name
        if facts.get("trailer"):
            assert "trailer" in result, path.name
        if facts.get("exif") and facts.get("filetype") != "TIFF":
            assert "exif" in result, path.name
        checked += 1
    assert checked > 0


@pytest.mark.parametrize("marker, expected", [
    (b'<x:xmpmeta><rdf:Description GCamera:MotionPhoto="1"/></x:xmpmeta>', True),
    (b'<x:xmpmeta><rdf:Description GCamera:MicroVideo="1"/></x:xmpmeta>', True),
    (b"MotionPhoto_Data\x00\x00\x00\x18ftypmp42", True),  # Samsung's trailer
    (b"", False),
])
def test_a_motion_photos_video_is_reported_as_left_out(marker: bytes, expected: bool) -> None:
    from helpers import gradient, jpeg_bytes

    data = jpeg_bytes(gradient(32, 24)) + marker
    assert ("motion_photo" in inspect_metadata(data)) is expected
