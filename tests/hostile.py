"""A hostile-input corpus, built from scratch by the tests (nothing downloaded, nothing binary
committed). Each case is a file PostSafe may meet in a care worker's camera roll or a folder
someone sent them: broken, lying, huge, multi-image, or named to trip a shell.

``CASES`` maps a case name to a ``Case``: the file's name, a builder for its bytes and what
PostSafe must do with it: ``ok`` (a correct redacted copy), ``error`` (status error with a
one-line reason) or ``either`` (whichever, but never a crash, hang or leak). ``dropped`` marks
files holding more than one picture: the output keeps the primary one and the report must say
the others were dropped.

``build_folder`` writes the whole corpus into a folder and adds what only a file system can
hold: symlink loops, dangling symlinks and awkward names.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from helpers import (
    MP4_TRAILER,
    cmyk_jpeg_bytes,
    exif_bytes,
    gif_bytes,
    gradient,
    grey16_png_bytes,
    heic_bytes,
    jpeg_bytes,
    la_png_bytes,
    mpo_bytes,
    noise,
    orientation_exif,
    palette_png_transparent_bytes,
    png_bytes,
    png_chunk,
    save,
    tiff_bytes,
    webp_bytes,
)
from PIL import Image


@dataclass(frozen=True)
class Case:
    filename: str
    build: Callable[[], bytes]
    expect: str  # "ok" | "error" | "either"
    dropped: bool = False  # holds frames/images beyond the one that is output


def other_frame(seed: int) -> np.ndarray:
    """A frame or second image clearly unlike ``picture()`` (its negative), so a test can tell
    which one an output came from even after lossy re-encoding."""
    return 255 - picture(seed=seed)


def picture(width: int = 96, height: int = 64, seed: int = 1) -> np.ndarray:
    """Light noise (so a mosaic visibly changes it) over a gradient (so lossy codecs keep it
    recognisable: each seed stays distinguishable after a JPEG or WebP round trip)."""
    base = gradient(width, height).astype(np.int32)
    return np.clip(base * 4 // 5 + noise(width, height, seed) // 5, 0, 255).astype(np.uint8)


# ------------------------------------------------------------------------------------------
# EXIF surgery: TIFF structures piexif will not write


def _app1(payload: bytes) -> bytes:
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def jpeg_with_raw_exif(tiff: bytes) -> bytes:
    """A JPEG whose APP1 EXIF segment holds ``tiff`` verbatim (after ``Exif\\0\\0``)."""
    plain = jpeg_bytes(picture())
    return plain[:2] + _app1(b"Exif\x00\x00" + tiff) + plain[2:]


def _ifd(entries: list[tuple[int, int, int, bytes]], next_ifd: int) -> bytes:
    out = struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        out += struct.pack("<HHI", tag, typ, count) + value.ljust(4, b"\x00")
    return out + struct.pack("<I", next_ifd)


def exif_bad_offset() -> bytes:
    # Make (ASCII, 40 bytes) at an offset far past the end; ExifIFD pointer past the end too.
    ifd = _ifd([(0x010F, 2, 40, struct.pack("<I", 0x7FFF_0000)),
                (0x8769, 4, 1, struct.pack("<I", 0xFFFF_FFF0))], 0)
    return jpeg_with_raw_exif(b"II*\x00" + struct.pack("<I", 8) + ifd)


def exif_ifd_loop() -> bytes:
    # IFD0 -> next IFD is IFD0 itself; ExifIFD points back to IFD0 as well.
    ifd = _ifd([(0x0112, 3, 1, struct.pack("<H", 6)),
                (0x8769, 4, 1, struct.pack("<I", 8))], 8)
    return jpeg_with_raw_exif(b"II*\x00" + struct.pack("<I", 8) + ifd)


def exif_huge_count() -> bytes:
    # 65535 entries announced in a 20-byte IFD; one entry with a count of 2**32-1 LONGs.
    body = struct.pack("<H", 0xFFFF) + struct.pack("<HHII", 0x010F, 4, 0xFFFF_FFFF, 26)
    return jpeg_with_raw_exif(b"II*\x00" + struct.pack("<I", 8) + body + b"\x00" * 8)


def exif_first_ifd_outside() -> bytes:
    return jpeg_with_raw_exif(b"MM\x00*" + struct.pack(">I", 0xFFFF_FF00))


def exif_truncated_block() -> bytes:
    full = exif_bytes()
    return jpeg_with_raw_exif(full[6 : len(full) // 3])


def jpeg_orientation(value: int) -> bytes:
    return jpeg_bytes(picture(), exif=orientation_exif(value))


def jpeg_orientation_wrong_type() -> bytes:
    # Orientation stored as ASCII text "6".
    ifd = _ifd([(0x0112, 2, 2, b"6\x00")], 0)
    return jpeg_with_raw_exif(b"II*\x00" + struct.pack("<I", 8) + ifd)


# ------------------------------------------------------------------------------------------
# colour models and bit depths


def ycck_jpeg() -> bytes:
    """A CMYK JPEG whose Adobe APP14 says transform 2 (YCCK)."""
    data = bytearray(cmyk_jpeg_bytes())
    at = data.find(b"Adobe")
    if at < 0:  # Pillow did not write one: add it (version 100, flags 0, 0, transform 2)
        payload = b"Adobe" + struct.pack(">HHHB", 100, 0, 0, 2)
        seg = b"\xff\xee" + struct.pack(">H", len(payload) + 2) + payload
        return bytes(data[:2]) + seg + bytes(data[2:])
    data[at + 11] = 2
    return bytes(data)


def rgb16_png() -> bytes:
    """A 16-bit-per-channel RGB PNG, written by hand (Pillow cannot save one)."""
    w, h = 24, 16
    rows = b""
    for y in range(h):
        row = b"\x00"
        for x in range(w):
            row += struct.pack(">HHH", x * 2700, y * 4000, 40000)
        rows += row
    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b""))


def rgba_png() -> bytes:
    arr = np.dstack([picture(), np.full((64, 96), 128, np.uint8)])
    return save(Image.fromarray(arr, "RGBA"), "PNG")


# ------------------------------------------------------------------------------------------
# several pictures in one file


def animated_webp() -> bytes:
    frames = [Image.fromarray(picture() if s == 1 else other_frame(s)) for s in (1, 2, 3)]
    buf = io.BytesIO()
    frames[0].save(buf, "WEBP", save_all=True, append_images=frames[1:], duration=100,
                   lossless=True)
    return buf.getvalue()


def multipage_tiff() -> bytes:
    frames = [Image.fromarray(picture() if s == 1 else other_frame(s)) for s in (1, 2, 3)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    return buf.getvalue()


def heic_two_images() -> bytes:
    import pillow_heif

    heif = pillow_heif.from_pillow(Image.fromarray(picture(seed=1)))
    heif.add_from_pillow(Image.fromarray(other_frame(2)))
    buf = io.BytesIO()
    heif.save(buf, quality=85)
    return buf.getvalue()


def apng() -> bytes:
    frames = [Image.fromarray(picture() if s == 1 else other_frame(s)) for s in (1, 2, 3)]
    buf = io.BytesIO()
    frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:], duration=100)
    return buf.getvalue()


def gif_many_frames(n: int = 30000) -> bytes:
    """A 16x16 GIF with ``n`` one-pixel frames (690 KB): counting frames must not hang."""
    head = (b"GIF89a" + struct.pack("<HH", 16, 16) + b"\x80\x00\x00"
            + b"\x00\x00\x00\xff\xff\xff")
    frame = (b"\x21\xf9\x04\x00\x01\x00\x00\x00" + b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00"
             + b"\x02\x02\x44\x01\x00")
    return head + frame * n + b";"


# ------------------------------------------------------------------------------------------
# decompression bombs: tiny files that claim enormous pictures


def png_text_bomb() -> bytes:
    """A zTXt chunk that inflates to 200 MB (about 200 KB on disk)."""
    data = png_bytes(picture())
    body = b"Comment\x00\x00" + zlib.compress(b"\x00" * 200_000_000, 9)
    return data[:33] + png_chunk(b"zTXt", body) + data[33:]


def heic_bomb() -> bytes:
    """A HEIC whose ispe box claims 60000 x 60000."""
    data = bytearray(heic_bytes(picture()))
    at = data.find(b"ispe")
    struct.pack_into(">II", data, at + 8, 60000, 60000)
    return bytes(data)


def jpeg_many_segments(n: int = 20) -> bytes:
    """``n`` full-size (64 KB) APP2 ICC segments before the picture."""
    seg = (b"\xff\xe2" + struct.pack(">H", 65535) + b"ICC_PROFILE\x00\x01\x01"
           + b"\x00" * (65535 - 2 - 14))
    data = jpeg_bytes(picture())
    return data[:2] + seg * n + data[2:]


def png_bomb(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b""))


def png_bomb_real() -> bytes:
    """A real zlib bomb: 20000x20000 of zeros compresses to ~1 MB... kept smaller here:
    12000x12000 greyscale (144 MP, over the limit) in about 140 KB."""
    w = h = 12000
    comp = zlib.compressobj(9)
    row = b"\x00" * (w + 1)
    body = b"".join(comp.compress(row) for _ in range(h)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", body)
            + png_chunk(b"IEND", b""))


def jpeg_bomb(width: int = 65000, height: int = 65000) -> bytes:
    """A small JPEG whose SOF0 is patched to claim ``width`` x ``height``."""
    data = bytearray(jpeg_bytes(picture(16, 16)))
    at = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, at + 5, height, width)
    return bytes(data)


def gif_bomb(width: int = 65535, height: int = 65535) -> bytes:
    return (
        b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00"
        + b"\x2c\x00\x00\x00\x00" + struct.pack("<HH", width, height)
        + b"\x00\x02\x02\x44\x01\x00" + b"\x3b"
    )


def webp_bomb() -> bytes:
    """A lossless WebP whose VP8L header claims 16384 x 16384 (268 MP)."""
    data = bytearray(webp_bytes(picture(16, 16), lossless=True))
    at = data.find(b"VP8L")
    bits = (16383) | (16383 << 14)
    struct.pack_into("<I", data, at + 9, bits | (int.from_bytes(data[at + 9 : at + 13],
                                                                "little") & ~0x0FFFFFFF))
    return bytes(data)


def tiff_bomb() -> bytes:
    data = bytearray(tiff_bytes(picture(16, 16), artist=None))
    # Patch ImageWidth (256) and ImageLength (257) in IFD0 to 60000.
    (ifd,) = struct.unpack_from("<I", data, 4)
    (n,) = struct.unpack_from("<H", data, ifd)
    for i in range(n):
        at = ifd + 2 + 12 * i
        tag, typ = struct.unpack_from("<HH", data, at)
        if tag in (256, 257):
            if typ == 3:
                struct.pack_into("<H", data, at + 8, 60000)
            else:
                struct.pack_into("<I", data, at + 8, 60000)
    return bytes(data)


# ------------------------------------------------------------------------------------------
# the corpus


def _half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _no_eoi(data: bytes) -> bytes:
    return data[:-2]


CASES: dict[str, Case] = {
    # empty, truncated, not an image
    "zero_byte": Case("empty.jpg", lambda: b"", "error"),
    "jpeg_truncated_half": Case("half.jpg", lambda: _half(jpeg_bytes(picture())), "error"),
    "jpeg_truncated_header": Case("head.jpg", lambda: jpeg_bytes(picture())[:180], "error"),
    "jpeg_no_eoi": Case("noeoi.jpg", lambda: _no_eoi(jpeg_bytes(picture())), "either"),
    "jpeg_soi_only": Case("soi.jpg", lambda: b"\xff\xd8\xff", "error"),
    "progressive_jpeg_truncated": Case(
        "prog.jpg", lambda: _half(save(picture(), "JPEG", progressive=True)), "error"),
    "png_truncated_half": Case("half.png", lambda: _half(png_bytes(picture())), "error"),
    "png_signature_only": Case("sig.png", lambda: b"\x89PNG\r\n\x1a\n", "error"),
    "png_bad_crc": Case("crc.png", lambda: png_bytes(picture())[:-5] + b"\x00\x00\x00\x00\x01",
                        "either"),
    "png_zero_size": Case("zero.png", lambda: png_bomb(0, 0), "error"),
    "heic_truncated": Case("half.heic", lambda: _half(heic_bytes(picture())), "error"),
    "heic_header_only": Case("head.heic", lambda: heic_bytes(picture())[:64], "error"),
    "webp_truncated": Case("half.webp", lambda: _half(webp_bytes(picture())), "error"),
    "gif_truncated": Case("half.gif", lambda: gif_bytes([picture()])[:120], "error"),
    "tiff_truncated": Case("half.tif", lambda: _half(tiff_bytes(picture())), "error"),
    "bmp_truncated": Case("half.bmp", lambda: _half(save(picture(), "BMP")), "error"),
    "text_named_jpg": Case("notes.jpg", lambda: b"Dear Sam,\nhere are the photos.\n", "error"),
    "html_named_png": Case("page.png", lambda: b"<html><body>hello</body></html>", "error"),
    "random_bytes_named_heic": Case("noise.heic", lambda: noise(64, 64, 9).tobytes(), "error"),
    # lying extensions
    "png_named_jpg": Case("really-png.jpg", lambda: png_bytes(picture()), "ok"),
    "jpeg_named_png": Case("really-jpeg.png", lambda: jpeg_bytes(picture()), "ok"),
    "heic_named_jpg": Case("really-heic.jpg", lambda: heic_bytes(picture()), "ok"),
    "webp_named_gif": Case("really-webp.gif", lambda: webp_bytes(picture()), "ok"),
    # corrupt EXIF
    "exif_bad_offsets": Case("exif-offsets.jpg", exif_bad_offset, "ok"),
    "exif_ifd_loop": Case("exif-loop.jpg", exif_ifd_loop, "ok"),
    "exif_huge_count": Case("exif-count.jpg", exif_huge_count, "ok"),
    "exif_ifd0_outside": Case("exif-outside.jpg", exif_first_ifd_outside, "ok"),
    "exif_truncated": Case("exif-cut.jpg", exif_truncated_block, "ok"),
    "orientation_0": Case("orient-0.jpg", lambda: jpeg_orientation(0), "ok"),
    "orientation_9": Case("orient-9.jpg", lambda: jpeg_orientation(9), "ok"),
    "orientation_65535": Case("orient-65535.jpg", lambda: jpeg_orientation(65535), "ok"),
    "orientation_ascii": Case("orient-text.jpg", jpeg_orientation_wrong_type, "ok"),
    "png_exif_loop": Case("exif-loop.png", lambda: png_bytes(
        picture(), exif=b"II*\x00" + struct.pack("<I", 8)
        + _ifd([(0x0112, 3, 1, struct.pack("<H", 3))], 8)), "ok"),
    "webp_exif_garbage": Case("exif.webp", lambda: webp_bytes(
        picture(), exif=b"Exif\x00\x00MM\x00*\xff\xff\xff\xff"), "ok"),
    "heic_orientation_9": Case("orient-9.heic", lambda: heic_bytes(
        picture(), exif=orientation_exif(9)), "ok"),
    # colour models and depths
    "cmyk_jpeg": Case("cmyk.jpg", cmyk_jpeg_bytes, "ok"),
    "ycck_jpeg": Case("ycck.jpg", ycck_jpeg, "ok"),
    "grey16_png": Case("grey16.png", grey16_png_bytes, "ok"),
    "rgb16_png": Case("rgb16.png", rgb16_png, "ok"),
    "palette_transparent_png": Case("palette.png", palette_png_transparent_bytes, "ok"),
    "grey_alpha_png": Case("grey-alpha.png", la_png_bytes, "ok"),
    "rgba_png": Case("rgba.png", rgba_png, "ok"),
    "bilevel_tiff": Case("bilevel.tif", lambda: save(Image.new("1", (40, 30), 1), "TIFF"), "ok"),
    # several pictures in one file
    "animated_gif": Case("anim.gif", lambda: gif_bytes([picture(), other_frame(2), other_frame(3)]),
                         "ok", dropped=True),
    "animated_webp": Case("anim.webp", animated_webp, "ok", dropped=True),
    "multipage_tiff": Case("pages.tif", multipage_tiff, "ok", dropped=True),
    "mpo_second_image": Case("stereo.jpg", lambda: mpo_bytes(picture(), other_frame(2)),
                             "ok", dropped=True),
    "heic_two_images": Case("burst.heic", heic_two_images, "ok", dropped=True),
    "apng": Case("anim.png", apng, "ok", dropped=True),
    "gif_30000_frames": Case("many.gif", gif_many_frames, "ok", dropped=False),
    # bytes hidden after the picture
    "jpeg_motion_photo": Case("MVIMG_motion.jpg", lambda: jpeg_bytes(
        picture(), trailer=MP4_TRAILER), "ok"),
    "png_after_iend": Case("acropalypse.png", lambda: png_bytes(
        picture(), after_iend=png_bytes(picture(seed=5))[8:] + b"cropped-away pixels"), "ok"),
    # decompression bombs
    "bomb_png_header": Case("bomb.png", lambda: png_bomb(100_000, 100_000), "error"),
    "bomb_png_max": Case("bomb-max.png", lambda: png_bomb(2**31 - 1, 2**31 - 1), "error"),
    "bomb_png_zlib": Case("bomb-zlib.png", png_bomb_real, "error"),
    "bomb_jpeg_header": Case("bomb.jpg", jpeg_bomb, "error"),
    "bomb_gif_header": Case("bomb.gif", gif_bomb, "error"),
    "bomb_webp_header": Case("bomb.webp", webp_bomb, "error"),
    "bomb_tiff_header": Case("bomb.tif", tiff_bomb, "error"),
    "bomb_heic_header": Case("bomb.heic", heic_bomb, "error"),
    "bomb_png_text_chunk": Case("bomb-text.png", png_text_bomb, "either"),
    "jpeg_many_segments": Case("segments.jpg", jpeg_many_segments, "ok"),
    # extreme shapes
    "one_pixel_png": Case("dot.png", lambda: png_bytes(picture(1, 1)), "ok"),
    "one_pixel_jpeg": Case("dot.jpg", lambda: jpeg_bytes(picture(1, 1)), "ok"),
    "strip_30000x10": Case("strip.png", lambda: png_bytes(picture(30000, 10)), "ok"),
    "column_10x30000": Case("column.jpg", lambda: jpeg_bytes(picture(10, 30000)), "ok"),
}

# Awkward names: built in a folder and (some) passed on the command line.
AWKWARD_NAMES = (
    "with spaces .jpg",
    "new\nline.jpg",
    "ünïcödé 写真 📷.jpg",
    "-rf.jpg",
    "--help.jpg",
    "semi;colon&'quote\".png",
    "rich [bold]markup[link=x].jpg",
    "escape \x1b[2J\x1b[31m.jpg",
)


def build_folder(root: Path, names: list[str] | None = None) -> dict[str, Path]:
    """Write the corpus (or the named cases) under ``root``; returns case name -> path.

    Adds awkward names (``name:<file name>``), folder-symlink loops (to the root and to
    itself), a dangling link, a file-symlink loop and a named pipe.
    """
    root.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name in names if names is not None else list(CASES):
        case = CASES[name]
        path = root / f"{name}--{case.filename}"
        path.write_bytes(case.build())
        paths[name] = path
    for awkward in AWKWARD_NAMES:
        path = root / "names" / awkward
        path.parent.mkdir(exist_ok=True)
        data = png_bytes(picture()) if awkward.endswith(".png") else jpeg_bytes(picture())
        path.write_bytes(data)
        paths[f"name:{awkward}"] = path
    links = root / "links"
    links.mkdir(exist_ok=True)
    os.symlink(root, links / "loop-to-root")
    os.symlink(links, links / "loop-to-self")
    os.symlink(links / "missing.jpg", links / "dangling.jpg")
    os.symlink(links / "a.jpg", links / "b.jpg")  # a -> b -> a: a file-symlink loop
    os.symlink(links / "b.jpg", links / "a.jpg")
    os.mkfifo(links / "pipe.jpg")  # reading it would wait for a writer forever
    return paths


def count() -> int:
    """Number of hostile cases (files, awkward names, four kinds of symlink and a pipe)."""
    return len(CASES) + len(AWKWARD_NAMES) + 5
