"""Builders and fakes the tests share: images with planted metadata, container walkers, fake
detectors, picklable detector factories and small checks.

Every image here is BUILT (Pillow, piexif, pillow_heif, hand-made segments and chunks); nothing is
downloaded and nothing from the evaluation sets is copied. Test modules import from here
(``from helpers import ...``: pytest puts tests/ on sys.path); conftest.py holds only fixtures and
hooks. Worker processes and Ray tasks unpickle the factories from this module, so it must stay
importable without pytest's fixtures.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import shutil
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType

import cv2
import numpy as np
import piexif
import pillow_heif
import pytest
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

from scanner.batch.plan import REPORT_JSON
from scanner.config import ScanConfig
from scanner.pipeline.process import Pipeline
from scanner.types import Finding, FindingKind, Region, Shape

pillow_heif.register_heif_opener()

# ------------------------------------------------------------------------------------------
# what this machine has

HAS_EXIFTOOL = shutil.which("exiftool") is not None
needs_exiftool = pytest.mark.skipif(not HAS_EXIFTOOL, reason="exiftool is not installed")

YOLO_EXTRA = "the yolo extra: pip install 'postsafe[yolo]'"
RAY_EXTRA = "the ray extra: pip install 'postsafe[ray]'"
DEV_EXTRA = "the dev extra: pip install 'postsafe[dev]'"


def need(module: str, provider: str) -> ModuleType:
    """``module``, imported; or the test (or every test of a module-scoped fixture, or of the
    module when called at import) is skipped, saying what to install. Call it where the module
    is needed, not at the top of a module the fast lane collects: torch alone takes seconds."""
    return pytest.importorskip(module, reason=f"{module} is not installed ({provider})")


# Counts the hostile-input and fuzz tests record (case count, fuzz executions); conftest prints
# them at the end of the run so the figures are visible in plain `make test` output.
COUNTS: dict[str, int] = {}

# ------------------------------------------------------------------------------------------
# secrets planted in metadata (the tests search outputs and reports for them)

SECRET_ARTIST = "Zebulon Quartermaine"
SECRET_SERIAL = "SN-77341-QX"
SECRET_MAKE = "Hasselblunt"
SECRET_MODEL = "Model-Z9000"
SECRET_DATE = "2019:07:14 16:42:03"
SECRET_COMMENT = "the balcony at Rue Secrete 12"
SECRET_XMP = "Ophelia-Wintergarden"
SECRET_IPTC = "Baskerville-Street"
# 48 deg 51' 29.64" N, 2 deg 17' 40.2" E: the decimal forms must never appear in a report.
GPS_LAT = ((48, 1), (51, 1), (2964, 100))
GPS_LON = ((2, 1), (17, 1), (402, 10))
GPS_DECIMALS = ("48.858", "2.294", "2964", "402/10")

# ------------------------------------------------------------------------------------------
# pixels


def pattern_upright() -> np.ndarray:
    """64x48 (W x H) white picture with an asymmetric marker that no flip or rotation maps
    onto itself: a black L (tall bar on the left, foot along the bottom) and a red square in
    the top-right corner. Edges lie on 16 px boundaries so JPEG keeps them crisp."""
    img = np.full((48, 64, 3), 255, np.uint8)
    img[0:48, 0:16] = 0  # the L's upright
    img[32:48, 0:48] = 0  # the L's foot
    img[0:16, 48:64] = (255, 0, 0)  # the red corner
    return img


# The transpose that turns the upright picture into what a camera stores for each EXIF
# orientation (the inverse of what a viewer applies). Taken from the EXIF spec, independent
# of the code under test.
_T = Image.Transpose
STORE_FOR_ORIENTATION: dict[int, Image.Transpose | None] = {
    1: None,
    2: _T.FLIP_LEFT_RIGHT,
    3: _T.ROTATE_180,
    4: _T.FLIP_TOP_BOTTOM,
    5: _T.TRANSPOSE,
    6: _T.ROTATE_90,  # viewer rotates 90 clockwise, so the camera stored it counter-clockwise
    7: _T.TRANSVERSE,
    8: _T.ROTATE_270,
}


def stored_for_orientation(upright: np.ndarray, orientation: int) -> Image.Image:
    im = Image.fromarray(upright, "RGB")
    op = STORE_FOR_ORIENTATION[orientation]
    return im if op is None else im.transpose(op)


def gradient(width: int = 160, height: int = 120) -> np.ndarray:
    """A smooth, deterministic colour picture (no faces, no text)."""
    y, x = np.mgrid[0:height, 0:width]
    return np.stack(
        [x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), (x + y) % 256], axis=2
    ).astype(np.uint8)


def noise(width: int, height: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


# Approximate face box in the 512x512 astronaut (x1, y1, x2, y2).
ASTRONAUT_FACE = (170, 60, 320, 250)

# ------------------------------------------------------------------------------------------
# metadata payloads


def save(img: Image.Image | np.ndarray, fmt: str, **params: object) -> bytes:
    if isinstance(img, np.ndarray):
        img = Image.fromarray(img)
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def thumbnail_jpeg(size: tuple[int, int] = (32, 24), colour: object = (0, 160, 0),
                   quality: int = 80) -> bytes:
    """A small flat JPEG, as cameras embed for a preview."""
    return save(Image.new("RGB", size, colour), "JPEG", quality=quality)  # type: ignore[arg-type]


def exif_bytes(
    *,
    gps: bool = True,
    device: bool = True,
    times: bool = True,
    artist: bool = True,
    makernote: bool = True,
    comment: bool = True,
    thumbnail: bool = True,
    orientation: int | None = None,
) -> bytes:
    """A piexif EXIF block (starts with ``Exif\\0\\0``) with the requested kinds of data."""
    zeroth: dict[int, object] = {}
    exif: dict[int, object] = {}
    gps_ifd: dict[int, object] = {}
    first: dict[int, object] = {}
    if device:
        zeroth[piexif.ImageIFD.Make] = SECRET_MAKE.encode()
        zeroth[piexif.ImageIFD.Model] = SECRET_MODEL.encode()
        exif[piexif.ExifIFD.BodySerialNumber] = SECRET_SERIAL.encode()
    if artist:
        zeroth[piexif.ImageIFD.Artist] = SECRET_ARTIST.encode()
    if orientation is not None:
        zeroth[piexif.ImageIFD.Orientation] = orientation
    if times:
        exif[piexif.ExifIFD.DateTimeOriginal] = SECRET_DATE.encode()
        zeroth[piexif.ImageIFD.DateTime] = SECRET_DATE.encode()
    if makernote:
        exif[piexif.ExifIFD.MakerNote] = b"HSBLNT\x00\x01" + b"camera-private " * 4
    if comment:
        exif[piexif.ExifIFD.UserComment] = b"ASCII\x00\x00\x00" + SECRET_COMMENT.encode()
    if gps:
        gps_ifd = {
            piexif.GPSIFD.GPSVersionID: (2, 3, 0, 0),
            piexif.GPSIFD.GPSLatitudeRef: b"N",
            piexif.GPSIFD.GPSLatitude: GPS_LAT,
            piexif.GPSIFD.GPSLongitudeRef: b"E",
            piexif.GPSIFD.GPSLongitude: GPS_LON,
            piexif.GPSIFD.GPSDateStamp: b"2019:07:14",
        }
    data: dict[str, object] = {"0th": zeroth, "Exif": exif, "GPS": gps_ifd}
    if thumbnail:
        first = {piexif.ImageIFD.XResolution: (72, 1), piexif.ImageIFD.YResolution: (72, 1)}
        data["1st"] = first
        data["thumbnail"] = thumbnail_jpeg()
    return piexif.dump(data)


def canon_exif_bytes() -> bytes:
    """EXIF with a Canon-style maker note (an IFD that exiftool parses into MakerNotes:Canon),
    plus GPS. Only inline values, so the IFD needs no offsets."""
    entries = [
        (0x0006, 2, 4, b"EOS\x00"),  # CanonImageType
        (0x0010, 4, 1, struct.pack(">I", 0x80000281)),  # CanonModelID
    ]
    note = struct.pack(">H", len(entries))
    for tag, typ, count, value in entries:
        note += struct.pack(">HHI", tag, typ, count) + value
    note += struct.pack(">I", 0)
    return piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: b"Canon", piexif.ImageIFD.Model: b"Canon EOS 5D"},
            "Exif": {piexif.ExifIFD.MakerNote: note,
                     piexif.ExifIFD.DateTimeOriginal: SECRET_DATE.encode()},
            "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: GPS_LAT},
        }
    )


def ifd0_exif(ifd0: dict[int, object]) -> bytes:
    """An EXIF block with only these IFD0 tags."""
    return piexif.dump({"0th": ifd0})


def orientation_exif(value: int) -> bytes:
    return ifd0_exif({piexif.ImageIFD.Orientation: value})


XMP_PACKET = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF'
    b' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
    b' xmlns:exif="http://ns.adobe.com/exif/1.0/"'
    b' exif:GPSLatitude="48,51.494N" exif:GPSLongitude="2,17.67E">'
    b"<dc:creator><rdf:Seq><rdf:li>" + SECRET_XMP.encode() + b"</rdf:li></rdf:Seq></dc:creator>"
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
    b'<?xpacket end="w"?>'
)


def xmp_app1_payload(packet: bytes = XMP_PACKET) -> bytes:
    return b"http://ns.adobe.com/xap/1.0/\x00" + packet


def iptc_record(record: int, dataset: int, value: bytes) -> bytes:
    """One IPTC-IIM dataset (2:80 By-line, 2:90 City, ...)."""
    return bytes([0x1C, record, dataset]) + struct.pack(">H", len(value)) + value


def photoshop_irb(resource_id: int, body: bytes) -> bytes:
    """One Photoshop image resource block (0x0404: IPTC), padded to even length."""
    pad = b"\x00" if len(body) % 2 else b""
    head = b"8BIM" + struct.pack(">H", resource_id) + b"\x00\x00" + struct.pack(">I", len(body))
    return head + body + pad


def app13_payload(*resources: bytes) -> bytes:
    return b"Photoshop 3.0\x00" + b"".join(resources)


def iptc_app13_payload() -> bytes:
    """Photoshop 3.0 APP13 with an IPTC IRB (By-line and City)."""
    body = iptc_record(2, 80, SECRET_ARTIST.encode()) + iptc_record(2, 90, SECRET_IPTC.encode())
    return app13_payload(photoshop_irb(0x0404, body))


def insert_jpeg_segment(jpeg: bytes, marker: int, payload: bytes, *,
                        after_soi: bool = False) -> bytes:
    """Insert a marker segment straight after SOI (and, unless ``after_soi``, after APP0/APP1
    if present)."""
    assert jpeg[:2] == b"\xff\xd8"
    pos = 2
    while not after_soi and jpeg[pos] == 0xFF and jpeg[pos + 1] in (0xE0, 0xE1):
        pos += 2 + struct.unpack(">H", jpeg[pos + 2 : pos + 4])[0]
    segment = bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:pos] + segment + jpeg[pos:]


MP4_TRAILER = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"motion-photo-video" * 8


def jpeg_bytes(
    pixels: np.ndarray | Image.Image,
    *,
    exif: bytes | None = None,
    xmp: bool = False,
    com: bytes | None = None,
    iptc: bool = False,
    trailer: bytes = b"",
    quality: int = 95,
) -> bytes:
    params: dict[str, object] = {"quality": quality}
    if exif is not None:
        params["exif"] = exif
    data = save(pixels, "JPEG", **params)
    if xmp:
        data = insert_jpeg_segment(data, 0xE1, xmp_app1_payload())
    if iptc:
        data = insert_jpeg_segment(data, 0xED, iptc_app13_payload())
    if com is not None:
        data = insert_jpeg_segment(data, 0xFE, com)
    return data + trailer


def dirty_jpeg(pixels: np.ndarray, orientation: int | None = None) -> bytes:
    """Everything at once: EXIF (GPS, device, serial, times, artist, maker note, comment,
    thumbnail), XMP, IPTC in APP13, a COM segment and an MP4-like trailer after EOI."""
    return jpeg_bytes(
        pixels,
        exif=exif_bytes(orientation=orientation),
        xmp=True,
        iptc=True,
        com=SECRET_COMMENT.encode(),
        trailer=MP4_TRAILER,
    )


def png_chunk(ctype: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(ctype + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", crc)


def png_bytes(
    pixels: np.ndarray | Image.Image,
    *,
    text: dict[str, str] | None = None,
    exif: bytes | None = None,
    after_iend: bytes = b"",
    **params: object,
) -> bytes:
    if text:
        info = PngImagePlugin.PngInfo()
        for key, value in text.items():
            info.add_text(key, value)
        params["pnginfo"] = info
    if exif is not None:
        params["exif"] = exif
    return save(pixels, "PNG", **params) + after_iend


def dirty_png(pixels: np.ndarray) -> bytes:
    return png_bytes(
        pixels,
        text={"Author": SECRET_ARTIST, "Comment": SECRET_COMMENT},
        exif=exif_bytes(thumbnail=False),
        after_iend=b"hidden bytes after IEND " + SECRET_COMMENT.encode(),
    )


def webp_bytes(pixels: np.ndarray, *, exif: bytes | None = None, xmp: bytes | None = None,
               **params: object) -> bytes:
    if exif is not None:
        params["exif"] = exif
    if xmp is not None:
        params["xmp"] = xmp
    return save(pixels, "WEBP", **params)


def tiff_bytes(pixels: np.ndarray | Image.Image, *, artist: str | None = SECRET_ARTIST,
               **params: object) -> bytes:
    if artist is not None:
        params["tiffinfo"] = {315: artist}
    return save(pixels, "TIFF", **params)


def heic_bytes(pixels: np.ndarray | Image.Image, *, exif: bytes | None = None,
               **params: object) -> bytes:
    if exif is not None:
        params["exif"] = exif
    params.setdefault("quality", 90)
    return save(pixels, "HEIF", **params)


def gif_bytes(frames: Sequence[np.ndarray]) -> bytes:
    ims = [Image.fromarray(f) for f in frames]
    if len(ims) == 1:
        return save(ims[0], "GIF")
    return save(ims[0], "GIF", save_all=True, append_images=ims[1:], duration=100, loop=0)


def bmp_bytes(pixels: np.ndarray) -> bytes:
    return save(pixels, "BMP")


def mpo_bytes(primary: np.ndarray, second: np.ndarray, *, exif: bytes | None = None) -> bytes:
    params: dict[str, object] = {"save_all": True, "append_images": [Image.fromarray(second)]}
    if exif is not None:
        params["exif"] = exif
    return save(primary, "MPO", **params)


def cmyk_jpeg_bytes() -> bytes:
    """32x32 CMYK JPEG: left half pure red (C0 M255 Y255 K0), right half pure blue."""
    im = Image.new("CMYK", (32, 32), (0, 255, 255, 0))
    im.paste((255, 255, 0, 0), (16, 0, 32, 32))
    return save(im, "JPEG", quality=95)


def grey16_png_bytes(values: np.ndarray | None = None) -> bytes:
    """A 16-bit greyscale PNG (Pillow mode I;16)."""
    if values is None:
        values = np.tile(np.linspace(0, 65535, 16, dtype=np.uint16), (8, 1))
    return save(Image.fromarray(values.astype(np.uint16)), "PNG")


def palette_png_transparent_bytes() -> bytes:
    """8x8 palette PNG: index 0 red (opaque), index 1 green (fully transparent) on row 0."""
    im = Image.new("P", (8, 8), 0)
    im.putpalette([255, 0, 0, 0, 255, 0] + [0, 0, 0] * 254)
    for x in range(8):
        im.putpixel((x, 0), 1)
    return save(im, "PNG", transparency=1)


def la_png_bytes() -> bytes:
    """8x8 LA PNG: grey 100; left half opaque, right half fully transparent."""
    arr = np.zeros((8, 8, 2), np.uint8)
    arr[:, :, 0] = 100
    arr[:, :4, 1] = 255
    return save(Image.fromarray(arr, "LA"), "PNG")


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------------------------------
# container walkers (used to check what an encoder wrote)


def jpeg_segments(data: bytes) -> tuple[list[int], int]:
    """The marker bytes of every segment, in order, and the offset just after EOI.

    Walks marker segments, skips entropy-coded data after each SOS (stuffed 0xFF00 and RSTn
    are data), and stops at EOI. Raises AssertionError on a malformed stream.
    """
    assert data[:2] == b"\xff\xd8", "no SOI"
    markers = [0xD8]
    pos = 2
    while pos < len(data):
        assert data[pos] == 0xFF, f"expected a marker at {pos}"
        while data[pos + 1] == 0xFF:  # fill bytes
            pos += 1
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xD9:
            return markers, pos + 2
        if marker in (0x01, *range(0xD0, 0xD8)):
            pos += 2
            continue
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        pos += 2 + length
        if marker == 0xDA:  # entropy-coded data up to the next real marker
            while True:
                nxt = data.index(b"\xff", pos)
                follower = data[nxt + 1]
                if follower == 0x00 or 0xD0 <= follower <= 0xD7:
                    pos = nxt + 2
                    continue
                pos = nxt
                break
    raise AssertionError("no EOI")


def png_chunks(data: bytes) -> tuple[list[bytes], int]:
    """Chunk types in order and the offset just after IEND's CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "no PNG signature"
    pos, types = 8, []
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        types.append(ctype)
        pos += 12 + length
        if ctype == b"IEND":
            return types, pos
    raise AssertionError("no IEND")


def riff_chunks(data: bytes) -> list[bytes]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP", "not a WebP"
    (size,) = struct.unpack("<I", data[4:8])
    assert size + 8 == len(data), "RIFF size does not match the file"
    pos, fourccs = 12, []
    while pos + 8 <= len(data):
        fourccs.append(data[pos : pos + 4])
        (length,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        pos += 8 + length + (length & 1)
    return fourccs


def assert_one_clean_picture(data: bytes, fmt: str) -> None:
    """Exactly one frame, nothing after the format's end marker, no second image."""
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == fmt, im.format  # an MPO would open as "MPO"
        assert getattr(im, "n_frames", 1) == 1
        assert not getattr(im, "is_animated", False)
    if fmt == "JPEG":
        markers, end = jpeg_segments(data)
        assert end == len(data), f"{len(data) - end} bytes after EOI"
        assert 0xE2 not in markers and 0xE1 not in markers, "APP1/APP2 (EXIF, MPF) present"
        assert markers.count(0xD8) == 1
    elif fmt == "PNG":
        types, end = png_chunks(data)
        assert end == len(data), f"{len(data) - end} bytes after IEND"
        assert set(types) <= {b"IHDR", b"PLTE", b"IDAT", b"IEND"}, types
    elif fmt == "WEBP":
        assert set(riff_chunks(data)) <= {b"VP8 ", b"VP8L", b"VP8X"}
    elif fmt == "GIF":
        assert data.endswith(b";")
        assert data.count(b"NETSCAPE2.0") == 0
    elif fmt == "BMP":
        assert int.from_bytes(data[2:6], "little") == len(data)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------------------
# drawn scenes: a care-plan page warped in perspective onto a wooden desk (every identifier
# on them is fictional)


def default_font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def page(lines: list[str], size: tuple[int, int] = (620, 820)) -> np.ndarray:
    """A "CARE PLAN" sheet with ``lines`` of text."""
    im = Image.new("RGB", size, (250, 250, 246))
    d = ImageDraw.Draw(im)
    d.text((40, 30), "CARE PLAN", fill=(10, 10, 10), font=default_font(40))
    y = 110
    for line in lines:
        d.text((40, y), line, fill=(20, 20, 20), font=default_font(26))
        y += 44
    return np.asarray(im)


def desk(width: int = 1400, height: int = 1000, seed: int = 0) -> np.ndarray:
    """Wood grain: a textured background without text."""
    rng = np.random.default_rng(seed)
    base = np.zeros((height, width, 3), np.float32)
    grain = np.sin(np.linspace(0, 60, width))[None, :] * 12 + rng.normal(0, 5, (height, width))
    base[..., 0] = 140 + grain
    base[..., 1] = 95 + grain * 0.8
    base[..., 2] = 55 + grain * 0.5
    return np.clip(base, 0, 255).astype(np.uint8)


def sheet_transform(sheet: np.ndarray, corners: Sequence[tuple[float, float]]) -> np.ndarray:
    """The perspective matrix that takes ``sheet``'s corners to ``corners``."""
    h, w = sheet.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])  # type: ignore[arg-type]
    return cv2.getPerspectiveTransform(src, np.float32(corners))  # type: ignore[arg-type]


def warp_onto(background: np.ndarray, sheet: np.ndarray,
              corners: Sequence[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Paste ``sheet`` into ``background`` at the quad ``corners``; returns image and mask."""
    h, w = sheet.shape[:2]
    m = sheet_transform(sheet, corners)
    size = (background.shape[1], background.shape[0])
    warped = cv2.warpPerspective(sheet, m, size)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, size) > 127
    out = background.copy()
    out[mask] = warped[mask]
    return out, mask


# ------------------------------------------------------------------------------------------
# the CLI in this process, and what it wrote


def invoke(*args: str | Path):  # type: ignore[no-untyped-def]
    """``postsafe ARGS`` through typer's CliRunner (exceptions propagate)."""
    from typer.testing import CliRunner

    from scanner.cli.main import app

    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def clear_model_caches() -> None:
    """Forget manifests and sessions, as a fresh process would (after the models folder
    changed)."""
    from scanner.models import manifest, onnx

    manifest.clear_caches()
    onnx.session.cache_clear()


def read_report(out: Path, name: str = REPORT_JSON) -> dict:
    """The JSON report a run wrote into ``out``."""
    return json.loads((out / name).read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------
# fake detectors and a pipeline built on them


class FakeDetector:
    """Reports preset regions as findings, and records the shape of every image it was shown.

    Like a real detector it stops finding a region once its pixels were redacted: the
    pipeline's verification pass calls ``recheck(redacted)`` (the Detector protocol), which
    reports only the regions whose pixels are still mostly as ``detect`` last saw them.
    ``leaky=True`` reports them regardless: a redaction that did not hold.
    """

    def __init__(
        self,
        regions: Iterable[Region] = (),
        *,
        kind: FindingKind = FindingKind.FACE,
        score: float = 0.9,
        name: str = "fake",
        leaky: bool = False,
    ) -> None:
        self.regions = list(regions)
        self.kind = kind
        self.score = score
        self.name = name
        self.leaky = leaky
        self.seen: list[tuple[int, ...]] = []
        self.last_image: np.ndarray | None = None
        self.rechecks = 0

    def _findings(self, regions: Iterable[Region]) -> list[Finding]:
        return [Finding(self.kind, r, self.score, self.name) for r in regions]

    def detect(self, image: np.ndarray) -> list[Finding]:
        self.seen.append(tuple(image.shape))
        self.last_image = image.copy()
        return self._findings(self.regions)

    def recheck(self, image: np.ndarray) -> list[Finding]:
        self.rechecks += 1
        if self.leaky:
            return self._findings(self.regions)
        original = self.last_image
        if original is None or original.shape != image.shape:
            return self._findings(self.regions)
        return self._findings(r for r in self.regions if _intact(original, image, r))


def _intact(before: np.ndarray, after: np.ndarray, region: Region) -> bool:
    """True when at least half of the region's pixels are unchanged (or it has none)."""
    h, w = before.shape[:2]
    if not all(np.isfinite([region.x1, region.y1, region.x2, region.y2])):
        return True
    x1, y1, x2, y2 = region.clip(w, h).to_int()
    a, b = before[y1:y2, x1:x2], after[y1:y2, x1:x2]
    if a.size == 0:
        return False
    return bool(np.all(a == b, axis=-1).mean() >= 0.5)


def rotated_square(cx: float, cy: float, half: float, degrees: float) -> Shape:
    """A square centred on (cx, cy), ``half`` from centre to each side, turned by ``degrees``
    (45: a diamond, whose box's corners lie well outside it)."""
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    return Shape.of((cx + dx * c - dy * s, cy + dx * s + dy * c)
                    for dx, dy in ((-half, -half), (half, -half), (half, half), (-half, half)))


class ShapedDetector(FakeDetector):
    """A FakeDetector whose findings carry shapes (a tilted line, a page): each region is its
    shape's bounding box."""

    def __init__(self, shapes: Iterable[Shape], **kwargs: object) -> None:
        self.shapes = {s.bounds: s for s in shapes}
        super().__init__(self.shapes, **kwargs)  # type: ignore[arg-type]

    def _findings(self, regions: Iterable[Region]) -> list[Finding]:
        return [Finding(self.kind, r, self.score, self.name, shape=self.shapes[r])
                for r in regions]


class RaisingDetector(FakeDetector):
    def detect(self, image: np.ndarray) -> list[Finding]:
        super().detect(image)
        raise RuntimeError("fake detector exploded")


class NoneDetector(FakeDetector):
    def detect(self, image: np.ndarray) -> list[Finding]:  # type: ignore[override]
        super().detect(image)
        return None  # type: ignore[return-value]


class CentreFace(FakeDetector):
    """Reports a face over the middle of any picture with fine detail there (a mosaic of flat
    areas changes nothing, and the pipeline rightly refuses a redaction that changed nothing)."""

    def detect(self, image: np.ndarray) -> list:  # type: ignore[override]
        h, w = image.shape[:2]
        box = (int(w * 0.3), int(h * 0.3), max(int(w * 0.7), int(w * 0.3) + 1),
               max(int(h * 0.7), int(h * 0.3) + 1))
        patch = image[box[1] : box[3], box[0] : box[2]]
        steps = np.abs(np.diff(patch.astype(np.int16), axis=1)).max(axis=-1)
        self.regions = [Region(*box)] if steps.size and (steps > 4).mean() > 0.5 else []
        return super().detect(image)


# ``fake_pipeline(regions=(), config=None, detector=None)`` (the conftest fixture) builds these.
PipelineFactory = Callable[..., Pipeline]


# ------------------------------------------------------------------------------------------
# picklable detector factories, for worker processes (spawn) and Ray tasks


class SleepyDetector(FakeDetector):
    """A FakeDetector that sleeps before answering on images ``width`` pixels wide (all
    images when ``width`` is None): a photo that hangs."""

    def __init__(self, seconds: float, width: int | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.seconds = seconds
        self.width = width

    def detect(self, image: np.ndarray) -> list[Finding]:
        if self.width is None or image.shape[1] == self.width:
            import time

            time.sleep(self.seconds)
        return super().detect(image)


class DyingDetector(FakeDetector):
    """Kills its own process on images ``width`` pixels wide: a crash in native code."""

    def __init__(self, width: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.width = width

    def detect(self, image: np.ndarray) -> list[Finding]:
        if image.shape[1] == self.width:
            import os
            import signal

            os.kill(os.getpid(), signal.SIGKILL)
        return super().detect(image)


@dataclasses.dataclass(frozen=True)
class FakeFactory:
    """``factory(config) -> [detector]`` that worker processes can unpickle (this module is
    importable there): a FakeDetector with ``regions``, sleeping ``sleep_s`` on images
    ``sleep_width`` wide, or dying on images ``die_width`` wide; ``fail`` raises at start."""

    regions: tuple[Region, ...] = ()
    sleep_s: float = 0.0
    sleep_width: int | None = None
    die_width: int | None = None
    fail: str = ""

    def __call__(self, config: ScanConfig) -> list[FakeDetector]:
        if self.fail:
            from scanner.errors import ModelError

            raise ModelError(self.fail)
        if self.die_width is not None:
            return [DyingDetector(self.die_width, regions=self.regions)]
        if self.sleep_s:
            return [SleepyDetector(self.sleep_s, self.sleep_width, regions=self.regions)]
        return [FakeDetector(self.regions)]


# ------------------------------------------------------------------------------------------
# start-up cost


def modules_after_help(commands: Iterable[Sequence[str]], modules: Iterable[str]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has imported after running each CLI argument
    list in ``commands`` (``--help`` must stay light: heavy imports happen only when needed)."""
    code = ("import sys; from typer.testing import CliRunner; from scanner.cli.main import app; "
            f"[CliRunner().invoke(app, list(c)) for c in {[list(c) for c in commands]!r}]; "
            f"print(','.join(m for m in {list(modules)!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return [m for m in proc.stdout.strip().split(",") if m]
