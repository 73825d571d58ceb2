"""scanner.image.codec (load/decode/encode/output_format) and scanner.fsio.write_atomic."""

from __future__ import annotations

import io
import os
import resource
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from helpers import (
    GPS_DECIMALS,
    SECRET_ARTIST,
    cmyk_jpeg_bytes,
    dirty_jpeg,
    dirty_png,
    exif_bytes,
    gif_bytes,
    gradient,
    grey16_png_bytes,
    heic_bytes,
    jpeg_bytes,
    jpeg_segments,
    la_png_bytes,
    mpo_bytes,
    orientation_exif,
    palette_png_transparent_bytes,
    pattern_upright,
    png_bytes,
    png_chunk,
    png_chunks,
    riff_chunks,
    save,
    stored_for_orientation,
    tiff_bytes,
    webp_bytes,
    write,
)
from PIL import Image, ImageCms

from scanner import fsio
from scanner.config import ScanConfig
from scanner.errors import TooLarge, UnreadableImage, WriteError
from scanner.fsio import write_atomic
from scanner.image.codec import apply_orientation, check_decodes, decode, encode, load

CONFIG = ScanConfig()

# ------------------------------------------------------------------------------------------
# every supported format loads


def _assert_close(a: np.ndarray, b: np.ndarray, mean_tol: float) -> None:
    assert a.shape == b.shape, f"{a.shape} != {b.shape}"
    diff = np.abs(a.astype(np.int32) - b.astype(np.int32)).mean()
    assert diff <= mean_tol, f"mean abs difference {diff:.1f} > {mean_tol}"


FORMATS = {
    # name: (builder, Pillow format, mean tolerance vs the source pixels)
    "jpeg": (lambda p: jpeg_bytes(p), "JPEG", 3),
    "png": (lambda p: png_bytes(p), "PNG", 0),
    "webp": (lambda p: webp_bytes(p, quality=95), "WEBP", 4),
    "webp_lossless": (lambda p: webp_bytes(p, lossless=True), "WEBP", 0),
    "tiff": (lambda p: tiff_bytes(p), "TIFF", 0),
    "bmp": (lambda p: save(p, "BMP"), "BMP", 0),
    "gif": (lambda p: gif_bytes([p]), "GIF", 12),
    "heic": (lambda p: heic_bytes(p), "HEIF", 6),
    "mpo": (lambda p: mpo_bytes(p, 255 - p), "MPO", 3),
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_load_each_format(tmp_path: Path, name: str) -> None:
    build, fmt, tol = FORMATS[name]
    src = gradient(96, 64)
    path = write(tmp_path / f"img.{name}", build(src))
    loaded = load(path, CONFIG)
    assert loaded.format == fmt
    assert loaded.pixels.dtype == np.uint8
    assert loaded.pixels.shape == (64, 96, 3)
    assert loaded.pixels.flags.c_contiguous
    _assert_close(loaded.pixels, src, tol)
    assert loaded.data == path.read_bytes()


def test_png_named_jpg_loads_as_png(tmp_path: Path) -> None:
    path = write(tmp_path / "photo.jpg", png_bytes(gradient(32, 16)))
    loaded = load(path, CONFIG)
    assert loaded.format == "PNG"
    np.testing.assert_array_equal(loaded.pixels, gradient(32, 16))


def test_jpeg_named_png_loads_as_jpeg(tmp_path: Path) -> None:
    path = write(tmp_path / "photo.png", jpeg_bytes(gradient(32, 16)))
    assert load(path, CONFIG).format == "JPEG"


@pytest.mark.parametrize(
    "content",
    [
        b"this is a text file pretending to be a photo\n" * 20,
        b"\x00" * 512,
        b"<html><body>not an image</body></html>",
        b"GIF",  # too short to be anything
        b"\x00\x00\x01\x00\x01\x00\x10\x10",  # an ICO header: a real image format, not ours
        b"8BPS\x00\x01" + b"\x00" * 40,  # PSD
    ],
)
def test_not_an_image_named_jpg(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path / "photo.jpg", content)
    with pytest.raises(UnreadableImage) as info:
        load(path, CONFIG)
    assert "\n" not in str(info.value)
    assert not isinstance(info.value, TooLarge)


def test_zero_byte_file(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.jpg", b"")
    with pytest.raises(UnreadableImage, match="empty"):
        load(path, CONFIG)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableImage, match="cannot read"):
        load(tmp_path / "nope.jpg", CONFIG)


def test_named_pipe_is_refused_without_reading(tmp_path: Path) -> None:
    """A FIFO named like a photo: reading it would block forever (found by the hostile
    corpus, where it hung the whole run)."""
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    started = time.perf_counter()
    with pytest.raises(UnreadableImage, match="not a regular file"):
        load(fifo, CONFIG)
    assert time.perf_counter() - started < 5


def test_directory_is_unreadable(tmp_path: Path) -> None:
    folder = tmp_path / "folder.jpg"
    folder.mkdir()
    with pytest.raises(UnreadableImage):
        load(folder, CONFIG)


TRUNCATED = {
    "jpeg_half": lambda: jpeg_bytes(gradient(128, 96))[: len(jpeg_bytes(gradient(128, 96))) // 2],
    "jpeg_header_only": lambda: jpeg_bytes(gradient(128, 96))[:200],
    "jpeg_soi_only": lambda: b"\xff\xd8\xff",
    "png_half": lambda: png_bytes(gradient(128, 96))[: len(png_bytes(gradient(128, 96))) // 2],
    "png_signature_only": lambda: b"\x89PNG\r\n\x1a\n",
    "png_no_idat": lambda: png_bytes(gradient(8, 8))[:33],
    "png_garbage_idat": lambda: _garbage_png_idat(png_bytes(gradient(8, 8))),
    "webp_half": lambda: webp_bytes(gradient(128, 96))[:60],
    "gif_half": lambda: gif_bytes([gradient(128, 96)])[:100],
    "tiff_half": lambda: tiff_bytes(gradient(128, 96))[:100],
    "heic_half": lambda: heic_bytes(gradient(128, 96))[:300],
    "bmp_header_only": lambda: save(gradient(16, 16), "BMP")[:30],
}


def _garbage_png_idat(data: bytes) -> bytes:
    """Replace the IDAT payload with bytes that are not a zlib stream (valid CRC)."""
    start = data.index(b"IDAT") - 4
    (length,) = struct.unpack(">I", data[start : start + 4])
    end = start + 12 + length
    return data[:start] + png_chunk(b"IDAT", b"\x13\x37" * 40) + data[end:]


@pytest.mark.parametrize("name", sorted(TRUNCATED))
def test_truncated_or_corrupt_is_unreadable_with_one_line_message(
    tmp_path: Path, name: str
) -> None:
    path = write(tmp_path / f"{name}.img", TRUNCATED[name]())
    with pytest.raises(UnreadableImage) as info:
        load(path, CONFIG)
    message = str(info.value)
    assert message and "\n" not in message
    assert len(message) < 300


# ------------------------------------------------------------------------------------------
# size limits (decompression bombs)


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose IHDR claims ``width`` x ``height`` (8-bit RGB)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def gif_header_only(width: int, height: int) -> bytes:
    return (
        b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00"
        + b"\x2c\x00\x00\x00\x00" + struct.pack("<HH", width, height) + b"\x00\x02\x02\x44\x01\x00"
        + b"\x3b"
    )


@pytest.mark.parametrize(
    "data",
    [
        png_header_only(100_000, 100_000),
        png_header_only(2**31 - 1, 2**31 - 1),
        png_header_only(1, 2_000_000_000),
        gif_header_only(65535, 65535),
    ],
    ids=["png_100k_square", "png_max_int", "png_one_column", "gif_64k_square"],
)
def test_decompression_bomb_is_refused_fast(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path / "bomb.png", data)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(TooLarge) as info:
        load(path, CONFIG)
    assert time.perf_counter() - started < 1.0
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert grown_kib < 64 * 1024, f"peak memory grew by {grown_kib} KiB"
    assert "\n" not in str(info.value)
    # Our limit, not Pillow's doubled one (the message used to quote "240000000 pixels").
    assert "over the 120 MP limit" in str(info.value), str(info.value)
    assert "240000000" not in str(info.value)
    assert isinstance(info.value, UnreadableImage)  # callers that catch the base still work


def test_configured_pixel_limit(tmp_path: Path) -> None:
    path = write(tmp_path / "big.png", png_header_only(2000, 2000))
    with pytest.raises(TooLarge):
        load(path, ScanConfig(max_pixels=1_000_000))


def test_configured_file_size_limit(tmp_path: Path) -> None:
    path = write(tmp_path / "a.png", png_bytes(gradient(64, 64)))
    with pytest.raises(TooLarge, match="MB"):
        load(path, ScanConfig(max_file_bytes=100))


def test_image_at_the_pixel_limit_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path / "a.png", png_bytes(gradient(50, 20)))
    assert load(path, ScanConfig(max_pixels=1000)).pixels.shape == (20, 50, 3)


def test_100_megapixel_image_is_within_the_default_limit(tmp_path: Path) -> None:
    """A 100 MP photo (e.g. a medium-format camera) is under the documented 120 MP limit: it
    must not be refused as too large. (This header-only file then fails as truncated.)"""
    assert CONFIG.max_pixels > 10_000 * 10_000
    path = write(tmp_path / "gfx100.png", png_header_only(10_000, 10_000))
    with pytest.raises(UnreadableImage) as info:
        load(path, CONFIG)
    assert not isinstance(info.value, TooLarge), str(info.value)


def test_pillow_default_bomb_limit_does_not_override_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: Pillow's own limit (89.5 MP by default, its warning promoted to an error)
    used to refuse images that ScanConfig.max_pixels allows. Simulated with a low Pillow limit
    so no large image is needed."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)
    data = png_bytes(np.full((400, 600, 3), 90, np.uint8))  # 240 000 px
    loaded = decode(data, ScanConfig(max_pixels=1_000_000))
    assert loaded.pixels.shape == (400, 600, 3)
    with pytest.raises(TooLarge):
        decode(data, ScanConfig(max_pixels=200_000))


# ------------------------------------------------------------------------------------------
# orientation

ORIENT_BUILDERS = {
    "jpeg": lambda im, ex: save(im, "JPEG", quality=95, exif=ex),
    "png": lambda im, ex: save(im, "PNG", exif=ex),
    "webp": lambda im, ex: save(im, "WEBP", lossless=True, exif=ex),
    "tiff": lambda im, ex: save(im, "TIFF", exif=ex),
    "heic": lambda im, ex: save(im, "HEIF", quality=95, exif=ex),
}


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", sorted(ORIENT_BUILDERS))
def test_every_orientation_gives_the_upright_pattern(fmt: str, orientation: int) -> None:
    upright = pattern_upright()
    stored = stored_for_orientation(upright, orientation)
    data = ORIENT_BUILDERS[fmt](stored, orientation_exif(orientation))
    loaded = decode(data, CONFIG)
    _assert_close(loaded.pixels, upright, 6)
    assert not any("orientation" in n for n in loaded.notes)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_apply_orientation_matches_pillow_exif_transpose(orientation: int) -> None:
    """apply_orientation against Pillow's reference table, on a non-square array."""
    upright = pattern_upright()
    stored = np.asarray(stored_for_orientation(upright, orientation))
    got = apply_orientation(stored, orientation)
    np.testing.assert_array_equal(got, upright)


@pytest.mark.parametrize("value", [0, 9, 255, 65535])
@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_invalid_orientation_is_treated_as_1_with_a_note(fmt: str, value: int) -> None:
    upright = pattern_upright()
    data = ORIENT_BUILDERS[fmt](Image.fromarray(upright), orientation_exif(value))
    loaded = decode(data, CONFIG)
    _assert_close(loaded.pixels, upright, 3)
    assert any("orientation" in n and "invalid" in n for n in loaded.notes), loaded.notes


def test_damaged_exif_still_loads() -> None:
    base = jpeg_bytes(pattern_upright())
    junk = b"Exif\x00\x00MM\x00*\x7f\xff\xff\xff" + b"\xde\xad" * 20
    data = base[:2] + b"\xff\xe1" + struct.pack(">H", len(junk) + 2) + junk + base[2:]
    loaded = decode(data, CONFIG)
    _assert_close(loaded.pixels, pattern_upright(), 3)


def test_exif_with_offsets_past_the_end_warns_nothing_and_says_so() -> None:
    """Pillow warns ("Tag data larger than file") on EXIF whose offsets point past its end;
    the warning printed to stderr from site-packages and, under ``-W error``, escaped decode()
    as an uncaught UserWarning (found by the hostile corpus). Now it is a note."""
    import warnings

    ifd = (struct.pack("<H", 1) + struct.pack("<HHII", 0x010F, 2, 40, 0x7FFF_0000)
           + struct.pack("<I", 0))
    junk = b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + ifd
    base = jpeg_bytes(pattern_upright())
    data = base[:2] + b"\xff\xe1" + struct.pack(">H", len(junk) + 2) + junk + base[2:]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = decode(data, CONFIG)
    _assert_close(loaded.pixels, pattern_upright(), 3)
    assert any("EXIF" in n and "damaged" in n for n in loaded.notes), loaded.notes


def test_rich_exif_with_orientation_6_is_upright() -> None:
    upright = gradient(64, 48)
    data = dirty_jpeg(np.asarray(stored_for_orientation(upright, 6)), orientation=6)
    loaded = decode(data, CONFIG)
    _assert_close(loaded.pixels, upright, 4)


# ------------------------------------------------------------------------------------------
# colour modes


def test_cmyk_jpeg_becomes_rgb() -> None:
    loaded = decode(cmyk_jpeg_bytes(), CONFIG)
    px = loaded.pixels
    assert px.shape == (32, 32, 3) and px.dtype == np.uint8
    assert np.abs(px[16, 4].astype(int) - (255, 0, 0)).max() <= 10
    assert np.abs(px[16, 28].astype(int) - (0, 0, 255)).max() <= 10
    assert any("CMYK" in n for n in loaded.notes)


def test_16_bit_greyscale_png() -> None:
    values = np.tile(np.linspace(0, 65535, 16).astype(np.uint16), (8, 1))
    loaded = decode(grey16_png_bytes(values), CONFIG)
    px = loaded.pixels
    assert px.shape == (8, 16, 3) and px.dtype == np.uint8
    expected = np.round(values.astype(float) / 65535 * 255).astype(np.uint8)
    np.testing.assert_allclose(px[:, :, 0], expected, atol=1)
    assert (px[:, :, 0] == px[:, :, 1]).all() and (px[:, :, 1] == px[:, :, 2]).all()


def test_dark_16_bit_greyscale_stays_dark() -> None:
    """A 16-bit picture whose values happen to be <= 255 is nearly black, not mid-grey."""
    values = np.full((4, 4), 200, np.uint16)
    px = decode(grey16_png_bytes(values), CONFIG).pixels
    assert px.max() <= 2


def test_16_bit_greyscale_tiff() -> None:
    values = np.tile(np.linspace(0, 65535, 16).astype(np.uint16), (8, 1))
    data = save(Image.fromarray(values), "TIFF")
    px = decode(data, CONFIG).pixels
    assert px.shape == (8, 16, 3)
    np.testing.assert_allclose(px[:, :, 0], np.round(values / 65535 * 255), atol=1)


def test_palette_png_with_transparency_is_flattened_onto_white() -> None:
    loaded = decode(palette_png_transparent_bytes(), CONFIG)
    px = loaded.pixels
    assert px.shape == (8, 8, 3) and px.dtype == np.uint8
    assert (px[0] == 255).all(), "transparent row must be white, not the hidden green"
    assert (px[1:] == (255, 0, 0)).all()
    assert any("transparent" in n for n in loaded.notes)


def test_la_png() -> None:
    loaded = decode(la_png_bytes(), CONFIG)
    px = loaded.pixels
    assert px.shape == (8, 8, 3) and px.dtype == np.uint8
    assert (px[:, :4] == 100).all()
    assert (px[:, 4:] == 255).all()


def test_rgba_half_transparent_blends_onto_white() -> None:
    arr = np.zeros((4, 4, 4), np.uint8)
    arr[..., 0] = 200
    arr[..., 3] = 128
    px = decode(png_bytes(Image.fromarray(arr, "RGBA")), CONFIG).pixels
    expected = np.round(np.array([200, 0, 0]) * 128 / 255 + 255 * (1 - 128 / 255))
    assert np.abs(px[0, 0].astype(int) - expected).max() <= 1


def test_greyscale_and_bilevel_modes() -> None:
    grey = decode(png_bytes(Image.new("L", (5, 3), 77)), CONFIG).pixels
    assert grey.shape == (3, 5, 3) and (grey == 77).all()
    bilevel = decode(png_bytes(Image.new("1", (5, 3), 1)), CONFIG).pixels
    assert (bilevel == 255).all()


def test_gif_with_transparency() -> None:
    im = Image.new("P", (8, 8), 0)
    im.putpalette([10, 20, 30, 0, 255, 0] + [0, 0, 0] * 254)
    im.putpixel((0, 0), 1)
    px = decode(save(im, "GIF", transparency=1), CONFIG).pixels
    assert (px[0, 0] == 255).all()
    assert (px[4, 4] == (10, 20, 30)).all()


# ------------------------------------------------------------------------------------------
# colour profiles

D50 = np.array([0.9642, 1.0, 0.8249])
P3 = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))
SRGB = ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06))
D65 = (0.3127, 0.3290)
_BRADFORD = np.array(
    [[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]]
)


def _rgb_to_xyz(primaries, white) -> np.ndarray:
    def xyz(x: float, y: float) -> np.ndarray:
        return np.array([x / y, 1.0, (1 - x - y) / y])

    p = np.stack([xyz(*c) for c in primaries], axis=1)
    return p * np.linalg.solve(p, xyz(*white))


def matrix_icc_profile(primaries, white, gamma: float, name: str) -> bytes:
    """A minimal ICC v2 matrix/TRC display profile, built byte by byte."""

    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def xyz_tag(v) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(s15(c) for c in v)

    def curve(g: float) -> bytes:
        return b"curv\0\0\0\0" + struct.pack(">IH", 1, round(g * 256))

    text = name.encode() + b"\0"
    desc = (b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text
            + struct.pack(">IIHB", 0, 0, 0, 0) + b"\0" * 67)
    m = _rgb_to_xyz(primaries, white)
    src_w, dst_w = _BRADFORD @ m.sum(axis=1), _BRADFORD @ D50
    m50 = np.linalg.inv(_BRADFORD) @ np.diag(dst_w / src_w) @ _BRADFORD @ m
    tags = [
        (b"desc", desc), (b"cprt", b"text\0\0\0\0none\0"), (b"wtpt", xyz_tag(D50)),
        (b"rXYZ", xyz_tag(m50[:, 0])), (b"gXYZ", xyz_tag(m50[:, 1])),
        (b"bXYZ", xyz_tag(m50[:, 2])),
        (b"rTRC", curve(gamma)), (b"gTRC", curve(gamma)), (b"bTRC", curve(gamma)),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    header = (
        struct.pack(">I", offset + len(body)) + b"\0" * 4 + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ " + struct.pack(">6H", 2024, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 24
        + b"\0" * 4 + b"".join(s15(c) for c in D50) + b"\0" * 48
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def _p3_to_srgb(rgb: tuple[int, int, int], gamma: float) -> np.ndarray:
    """Independent reference: P3 (gamma) -> XYZ -> linear sRGB -> sRGB, by matrix algebra."""
    lin = (np.asarray(rgb) / 255.0) ** gamma
    s = np.clip(np.linalg.solve(_rgb_to_xyz(SRGB, D65), _rgb_to_xyz(P3, D65) @ lin), 0, 1)
    enc = np.where(s <= 0.0031308, 12.92 * s, 1.055 * s ** (1 / 2.4) - 0.055)
    return enc * 255


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF", "WEBP"])
def test_wide_gamut_profile_is_converted_to_srgb(fmt: str) -> None:
    gamma = round(2.2 * 256) / 256  # what a u8Fixed8 curve can hold
    icc = matrix_icc_profile(P3, D65, 2.2, "PostSafe test P3")
    colours = [(180, 120, 90), (90, 160, 200)]
    raw = np.zeros((16, 16, 3), np.uint8)
    raw[:8] = colours[0]
    raw[8:] = colours[1]
    params: dict[str, object] = {"icc_profile": icc}
    if fmt in ("JPEG", "WEBP"):
        params["quality"] = 100
    if fmt == "WEBP":
        params = {"icc_profile": icc, "lossless": True}
    loaded = decode(save(raw, fmt, **params), CONFIG)
    assert not any("profile" in n for n in loaded.notes), loaded.notes
    for row, colour in ((4, colours[0]), (12, colours[1])):
        got = loaded.pixels[row, 8].astype(float)
        expected = _p3_to_srgb(colour, gamma)
        assert np.abs(got - expected).max() <= 3, (got, expected)
        assert np.abs(got - np.asarray(colour)).max() >= 8, "no conversion happened"


def test_srgb_tagged_image_round_trips_unchanged() -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    src = gradient(64, 48)
    loaded = decode(png_bytes(src, icc_profile=icc), CONFIG)
    assert np.abs(loaded.pixels.astype(int) - src).max() <= 1
    assert loaded.notes == ()


def test_damaged_profile_falls_back_with_a_note() -> None:
    src = gradient(32, 16)
    loaded = decode(png_bytes(src, icc_profile=b"\x00\x00\x01\x00garbage" * 20), CONFIG)
    np.testing.assert_array_equal(loaded.pixels, src)
    assert any("colour profile" in n for n in loaded.notes)


# ------------------------------------------------------------------------------------------
# multi-image files


def test_multi_frame_gif_keeps_frame_0_with_a_note() -> None:
    first = np.zeros((16, 16, 3), np.uint8)
    first[:] = (255, 0, 0)
    second = np.zeros((16, 16, 3), np.uint8)
    second[:] = (0, 0, 255)
    loaded = decode(gif_bytes([first, second, first]), CONFIG)
    assert loaded.frames == 3
    assert (loaded.pixels == (255, 0, 0)).all()
    assert any("first of 3 frames" in n for n in loaded.notes)


def test_mpo_keeps_the_primary_image_with_a_note() -> None:
    primary = pattern_upright()
    loaded = decode(mpo_bytes(primary, 255 - primary), CONFIG)
    assert loaded.format == "MPO"
    assert loaded.frames == 2
    _assert_close(loaded.pixels, primary, 3)
    assert any("second image" in n for n in loaded.notes)


def test_heif_keeps_the_primary_image_not_the_first() -> None:
    """Viewers show a HEIF's primary image; it need not be stored first."""
    red = np.zeros((48, 64, 3), np.uint8)
    red[:] = (255, 0, 0)
    blue = np.zeros((48, 64, 3), np.uint8)
    blue[:] = (0, 0, 255)
    data = save(red, "HEIF", save_all=True, append_images=[Image.fromarray(blue)],
                primary_index=1, quality=90)
    with Image.open(io.BytesIO(data)) as im:  # what every viewer shows
        assert np.asarray(im.convert("RGB"))[0, 0, 2] > 200
    loaded = decode(data, CONFIG)
    assert loaded.pixels[0, 0, 2] > 200 and loaded.pixels[0, 0, 0] < 50, loaded.pixels[0, 0]


def test_multipage_tiff_keeps_page_0() -> None:
    first = gradient(32, 16)
    data = save(first, "TIFF", save_all=True, append_images=[Image.fromarray(255 - first)])
    loaded = decode(data, CONFIG)
    np.testing.assert_array_equal(loaded.pixels, first)
    assert loaded.frames == 2 and loaded.notes


# ------------------------------------------------------------------------------------------
# encode: nothing but pixels

FORBIDDEN_JPEG_MARKERS = {0xE1: "APP1 (EXIF/XMP)", 0xE2: "APP2 (ICC/MPF)",
                          0xED: "APP13 (IPTC)", 0xFE: "COM"}


@pytest.mark.parametrize("quality", [1, 50, 92, 100])
def test_encode_jpeg_has_no_metadata_segments(quality: int) -> None:
    src = gradient(97, 61)  # odd sizes
    data = encode(src, "JPEG", ScanConfig(jpeg_quality=quality))
    markers, end = jpeg_segments(data)
    bad = [FORBIDDEN_JPEG_MARKERS[m] for m in markers if m in FORBIDDEN_JPEG_MARKERS]
    assert not bad
    assert all(m not in range(0xE1, 0xF0) for m in markers), [hex(m) for m in markers]
    assert end == len(data), "bytes after EOI"
    assert data.endswith(b"\xff\xd9")
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG" and im.size == (97, 61) and im.mode == "RGB"
        assert not im.getexif()
        assert "icc_profile" not in im.info


def test_encode_png_has_only_pixel_chunks() -> None:
    src = gradient(33, 17)
    data = encode(src, "PNG", CONFIG)
    types, end = png_chunks(data)
    assert end == len(data)
    assert set(types) <= {b"IHDR", b"IDAT", b"IEND"}, types
    assert types[0] == b"IHDR" and types[-1] == b"IEND"
    for forbidden in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP", b"tIME"):
        assert forbidden not in types
    np.testing.assert_array_equal(decode(data, CONFIG).pixels, src)


@pytest.mark.parametrize("quality", [50, 92, 100])
def test_encode_webp_has_no_metadata_chunks(quality: int) -> None:
    data = encode(gradient(40, 30), "WEBP", ScanConfig(jpeg_quality=quality))
    chunks = riff_chunks(data)
    assert not {b"EXIF", b"XMP ", b"ICCP"} & set(chunks), chunks
    assert decode(data, CONFIG).pixels.shape == (30, 40, 3)


@pytest.mark.parametrize("fmt", ["GIF", "BMP"])
def test_encode_gif_and_bmp(fmt: str) -> None:
    src = gradient(20, 10)
    data = encode(src, fmt, CONFIG)
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == fmt and im.size == (20, 10)
        assert not im.info.get("comment") and not im.info.get("exif")


def test_encode_ignores_source_metadata_entirely() -> None:
    """Round trip a dirty file: the re-encoded bytes carry none of its secrets."""
    loaded = decode(dirty_jpeg(gradient(64, 48)), CONFIG)
    for fmt in ("JPEG", "PNG", "WEBP"):
        data = encode(loaded.pixels, fmt, CONFIG)
        for secret in (SECRET_ARTIST.encode(), b"GPS", b"Exif", b"xmp", b"Photoshop"):
            assert secret not in data, (fmt, secret)
        for decimal in GPS_DECIMALS:
            assert decimal.encode() not in data


@pytest.mark.parametrize(
    "pixels",
    [
        np.zeros((4, 4), np.uint8),
        np.zeros((4, 4, 4), np.uint8),
        np.zeros((4, 4, 3), np.uint16),
        np.zeros((4, 4, 3), np.float32),
    ],
)
def test_encode_rejects_wrong_arrays(pixels: np.ndarray) -> None:
    with pytest.raises(WriteError):
        encode(pixels, "PNG", CONFIG)


def test_encode_unknown_format() -> None:
    with pytest.raises(WriteError):
        encode(gradient(4, 4), "HEIF", CONFIG)


def test_check_decodes() -> None:
    data = encode(gradient(20, 10), "PNG", CONFIG)
    check_decodes(data, "PNG", 20, 10)
    with pytest.raises(WriteError):
        check_decodes(data, "PNG", 10, 20)
    with pytest.raises(WriteError):
        check_decodes(data, "JPEG", 20, 10)
    with pytest.raises(WriteError):
        check_decodes(data[: len(data) // 2], "PNG", 20, 10)
    with pytest.raises(WriteError):
        check_decodes(b"junk", "PNG", 20, 10)


def test_dirty_png_decodes_to_its_pixels() -> None:
    src = gradient(50, 40)
    np.testing.assert_array_equal(decode(dirty_png(src), CONFIG).pixels, src)


def test_heic_with_exif_decodes() -> None:
    loaded = decode(heic_bytes(gradient(64, 48), exif=exif_bytes(thumbnail=False)), CONFIG)
    assert loaded.format == "HEIF" and loaded.pixels.shape == (48, 64, 3)


# ------------------------------------------------------------------------------------------
# fsio.write_atomic


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".postsafe-"))


def test_write_atomic_writes(tmp_path: Path) -> None:
    dest = tmp_path / "out.bin"
    write_atomic(b"hello", dest)
    assert dest.read_bytes() == b"hello"
    assert (dest.stat().st_mode & 0o777) == 0o644
    assert _leftovers(dest.parent) == []


def test_write_atomic_into_a_missing_folder_creates_nothing(tmp_path: Path) -> None:
    """Creating folders is the caller's decision: a missing folder is a WriteError."""
    with pytest.raises(WriteError):
        write_atomic(b"hello", tmp_path / "a" / "b" / "out.bin")
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_replaces_existing(tmp_path: Path) -> None:
    dest = write(tmp_path / "out.bin", b"old")
    write_atomic(b"new", dest, mode=0o600)
    assert dest.read_bytes() == b"new"
    assert (dest.stat().st_mode & 0o777) == 0o600


def test_write_atomic_failed_rename_leaves_no_temp_and_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = write(tmp_path / "out.jpg", b"original content")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fsio.os, "replace", broken_replace)
    with pytest.raises(WriteError) as info:
        write_atomic(b"new content", dest)
    assert "\n" not in str(info.value)
    assert dest.read_bytes() == b"original content"
    assert _leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jpg"]


def test_write_atomic_failed_rename_without_destination(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fsio.os, "replace", lambda s, d: (_ for _ in ()).throw(OSError("x")))
    with pytest.raises(WriteError):
        write_atomic(b"data", tmp_path / "new.jpg")
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_failed_fsync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(fsio.os, "fsync", broken_fsync)
    with pytest.raises(WriteError):
        write_atomic(b"data", tmp_path / "new.jpg")
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_interrupt_propagates_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(fsio.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(b"data", tmp_path / "new.jpg")
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_unwritable_folder(tmp_path: Path) -> None:
    blocker = write(tmp_path / "file", b"x")
    with pytest.raises(WriteError):
        write_atomic(b"data", blocker / "sub" / "out.jpg")


def test_write_atomic_read_only_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod for real; root (as in CI) ignores folder permissions, so the denial the kernel
    would give anyone else is simulated there, and the test runs rather than skips."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    if os.geteuid() == 0:
        real = fsio.tempfile.mkstemp

        def denied(*args, **kwargs):  # type: ignore[no-untyped-def]
            if not os.stat(kwargs["dir"]).st_mode & 0o200:
                raise PermissionError(13, "Permission denied", str(kwargs["dir"]))
            return real(*args, **kwargs)

        monkeypatch.setattr(fsio.tempfile, "mkstemp", denied)
    try:
        with pytest.raises(WriteError, match="Permission denied"):
            write_atomic(b"data", folder / "out.jpg")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)
