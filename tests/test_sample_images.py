"""Tests for scripts/make_sample_images.py: the demo photos build, decode, carry the
metadata the demo relies on, and rebuild deterministically."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import cv2
import numpy as np
import piexif
import pillow_heif
import pytest
from PIL import ExifTags, Image, ImageOps, PngImagePlugin
from skimage import data as skdata

pillow_heif.register_heif_opener()

# Draws every demo photo (twice, for the rebuild check): seconds, so not in the fast lane.
pytestmark = pytest.mark.integration

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "make_sample_images.py"
IMAGES = (
    "outing_gps.jpg",
    "care_plan_desk.jpg",
    "screen_record.jpg",
    "noticeboard_qr.png",
    "rotated_orientation6.jpg",
    "activity_room.heic",
)
CLIPS = ("garden_walk.mov",)


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_sample_images", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look the module up while it executes
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def out(gen: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("samples")
    assert gen.main(["--out", str(d)]) == 0
    return d


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def test_expected_files_exist(gen: ModuleType, out: Path) -> None:
    names = {p.name for p in out.iterdir()}
    assert names == set(IMAGES) | set(CLIPS) | {"SOURCES.md"}
    assert set(gen.EXPECTED_FILES) == names
    assert sum((out / n).stat().st_size for n in names) < 4_000_000
    sources = (out / "SOURCES.md").read_text(encoding="utf-8")
    for name in (*IMAGES, *CLIPS):
        assert f"`{name}`" in sources
    assert "public domain" in sources and "CC0" in sources


@pytest.mark.parametrize("name", IMAGES)
def test_each_image_decodes(out: Path, name: str) -> None:
    with Image.open(out / name) as im:
        im.load()
        assert max(im.size) in range(1200, 2401)
        assert im.mode == "RGB"
        fmt = im.format
    assert fmt == {"jpg": "JPEG", "png": "PNG", "heic": "HEIF"}[name.rsplit(".", 1)[1]]


def test_outing_jpeg_has_gps_thumbnail_and_xmp(out: Path) -> None:
    with Image.open(out / "outing_gps.jpg") as im:
        exif = im.getexif()
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        xmp = im.info.get("xmp", b"")
    assert exif[ExifTags.Base.Make] == "FakeCam"
    assert exif[ExifTags.Base.Model] == "FC-100"
    assert gps[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert gps[ExifTags.GPS.GPSLongitudeRef] == "W"
    lat = gps[ExifTags.GPS.GPSLatitude]
    assert 51.4 < float(lat[0]) + float(lat[1]) / 60 + float(lat[2]) / 3600 < 51.6  # Cardiff
    assert exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber]
    raw = piexif.load(str(out / "outing_gps.jpg"))
    assert raw["thumbnail"][:2] == b"\xff\xd8"
    assert raw["1st"]
    assert b"photoshop:City" in xmp


def test_heic_has_gps_exif(out: Path) -> None:
    with Image.open(out / "activity_room.heic") as im:
        exif = im.getexif()
    assert exif[ExifTags.Base.Make] == "FakePhone"
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"


def test_rotated_needs_orientation_6(out: Path) -> None:
    with Image.open(out / "rotated_orientation6.jpg") as im:
        assert im.getexif()[ExifTags.Base.Orientation] == 6
        assert im.width > im.height  # stored sideways
        upright = ImageOps.exif_transpose(im)
    assert upright.width < upright.height
    # After applying the orientation the picture must match the (upright) source portrait
    # far better than any other rotation does.
    ref = cv2.resize(skdata.astronaut()[:, 40:424], (60, 80), interpolation=cv2.INTER_AREA)
    ref = ref.astype(np.float32).ravel()

    def corr(im: Image.Image) -> float:
        a = np.asarray(im.convert("RGB").resize((60, 80), Image.Resampling.BOX), np.float32)
        return float(np.corrcoef(a.ravel(), ref)[0, 1])

    good = corr(upright)
    assert good > 0.9
    assert corr(upright.transpose(Image.Transpose.ROTATE_180)) < good - 0.3


def test_png_comment_and_qr(gen: ModuleType, out: Path) -> None:
    with Image.open(out / "noticeboard_qr.png") as im:
        assert isinstance(im, PngImagePlugin.PngImageFile)
        assert "Comment" in im.text
        arr = np.asarray(im.convert("RGB"))
    decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(arr)
    assert decoded == gen.QR_PAYLOAD


def test_nhs_check_digit(gen: ModuleType) -> None:
    assert gen.nhs_check_digit("999234567") == 5
    assert gen.nhs_check_digit("943476591") == 9
    assert gen.nhs_check_digit("999123456") is None  # remainder gives 10: never valid
    assert gen.is_valid_nhs_number(gen.RESIDENT_NHS)
    assert gen.RESIDENT_NHS.startswith("999")  # NHS test range
    assert gen.is_valid_nhs_number("943 476 5919")
    assert not gen.is_valid_nhs_number("943 476 5918")
    assert not gen.is_valid_nhs_number("943 476 591")


def test_rebuild_is_identical(gen: ModuleType, out: Path, tmp_path: Path) -> None:
    assert gen.main(["--out", str(tmp_path)]) == 0
    for name in IMAGES:
        assert np.array_equal(pixels(out / name), pixels(tmp_path / name)), name
    for name in (*IMAGES, *CLIPS, "SOURCES.md"):
        if name.endswith(".heic"):
            continue  # HEVC encoder output is not promised byte-stable; pixels are checked
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_the_clip_carries_a_phones_tags_and_sound(gen: ModuleType, out: Path) -> None:
    import av

    with av.open(str(out / "garden_walk.mov")) as c:
        tags = dict(c.metadata)
        assert sorted(s.type for s in c.streams) == ["audio", "video"]
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert tags["make"] == "FakePhone" and tags["location"].startswith("+51.4862")
    assert "2024-06-05" in tags["creation_time"]
    assert len(frames) == gen.CLIP_FRAMES and frames[0].shape == (540, 960, 3)
    # the astronaut and the page are where the generator says, in the first and last frames
    for i in (0, gen.CLIP_FRAMES - 1):
        x1, y1, x2, y2 = gen.clip_face_box(i)
        assert frames[i][y1:y2, x1:x2].std() > 30  # a picture, not grass
