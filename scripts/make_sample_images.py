#!/usr/bin/env python3
"""Build the PostSafe demo photos in ``sample_images/`` deterministically.

Every picture is assembled from public-domain / CC0 images shipped inside scikit-image
(``skimage.data``) plus content drawn here with Pillow and OpenCV. All names, dates,
NHS numbers, addresses and phone numbers are fictional:

* NHS numbers come from the 999 range that NHS England reserves for testing and carry a
  valid modulus-11 check digit (computed and asserted below), so a real NHS-number
  detector fires on them;
* phone numbers are from Ofcom's ranges reserved for drama (029 2018 0xxx, 07700 900xxx);
* surnames carry a ``-Fake`` suffix.

Usage::

    python scripts/make_sample_images.py [--out sample_images] [--system-fonts]

Re-running produces byte-identical files on the same machine (fixed RNG seeds, no
timestamps); at minimum the decoded pixels are identical.
"""

from __future__ import annotations

import argparse
import functools
import io
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import piexif
import pillow_heif
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo
from skimage import data as skdata

LOG = logging.getLogger("make_sample_images")

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "sample_images"

# --------------------------------------------------------------------------------------
# Fictional identity used across the documents
# --------------------------------------------------------------------------------------


def nhs_check_digit(first_nine: str) -> int | None:
    """Modulus-11 check digit for the first nine digits of an NHS number.

    Weights 10..2 are applied to digits 1..9; check = 11 - (sum mod 11); a result of 11
    becomes 0 and a result of 10 means the nine digits can never form a valid number
    (``None`` is returned).
    """
    digits = [int(c) for c in first_nine if c.isdigit()]
    if len(digits) != 9:
        raise ValueError(f"need exactly 9 digits, got {first_nine!r}")
    total = sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(number: str) -> bool:
    """True if ``number`` (spaces allowed) is 10 digits with a correct check digit."""
    digits = "".join(c for c in number if c.isdigit())
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


def make_nhs_number(first_nine: str) -> str:
    """Append the check digit and format as ``NNN NNN NNNN``."""
    check = nhs_check_digit(first_nine)
    if check is None:
        raise ValueError(f"{first_nine} has no valid NHS check digit")
    d = first_nine + str(check)
    return f"{d[:3]} {d[3:6]} {d[6:]}"


RESIDENT = "Margaret Evans-Fake"
RESIDENT_DOB = "12/03/1941"
RESIDENT_NHS = make_nhs_number("999234567")  # 999 = NHS test range -> "999 234 5675"
RESIDENT_ADDRESS = "1 Fake Street, Cardiff CF10 1AA"
RESIDENT_POSTCODE = "CF10 1AA"
NOK_PHONE = "029 2018 0123"  # Ofcom drama range (Cardiff)
MOBILE_PHONE = "07700 900123"  # Ofcom drama range (mobile)
QR_PAYLOAD = "https://example.org/fake-resident-record/12345"
assert is_valid_nhs_number(RESIDENT_NHS), RESIDENT_NHS
assert is_valid_nhs_number("943 476 5919")  # the NHS Data Dictionary example number

# Cardiff locations (decimal degrees)
GPS_BUTE_PARK = (51.486_20, -3.185_70, 12.0)
GPS_ACTIVITY_ROOM = (51.495_70, -3.212_50, 21.0)

# --------------------------------------------------------------------------------------
# Fonts and text
# --------------------------------------------------------------------------------------

_DEJAVU_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype"))


@dataclass(frozen=True)
class Fonts:
    """Font provider: Pillow's built-in scalable font, optionally DejaVu if installed.

    The built-in font (``ImageFont.load_default(size=...)``, Pillow >= 10.1) is the
    default because it makes the output independent of the machine's installed fonts.
    It has no bold face; bold is imitated with a thin stroke in the text colour.
    """

    system: bool = False

    def _dejavu(self, bold: bool, mono: bool) -> Path | None:
        name = "DejaVuSansMono" if mono else "DejaVuSans"
        name += "-Bold.ttf" if bold else ".ttf"
        for d in _DEJAVU_DIRS:
            if (d / name).is_file():
                return d / name
        return None

    @functools.lru_cache(maxsize=128)  # noqa: B019 - tiny frozen dataclass, fine to cache
    def get(
        self, size: int, bold: bool = False, mono: bool = False
    ) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, int]:
        """Return ``(font, stroke_width)`` for the requested style."""
        if self.system:
            path = self._dejavu(bold, mono)
            if path is not None:
                return ImageFont.truetype(str(path), size), 0
        font = ImageFont.load_default(size=size)
        stroke = max(1, round(size / 26)) if bold else 0
        return font, stroke


def text(
    draw: ImageDraw.ImageDraw,
    fonts: Fonts,
    xy: tuple[float, float],
    s: str,
    size: int,
    fill: tuple[int, ...] = (20, 20, 20),
    *,
    bold: bool = False,
    mono: bool = False,
    anchor: str = "la",
) -> float:
    """Draw ``s`` and return its advance width."""
    font, stroke = fonts.get(size, bold, mono)
    draw.text(xy, s, font=font, fill=fill, anchor=anchor, stroke_width=stroke, stroke_fill=fill)
    return draw.textlength(s, font=font) + 2 * stroke


def fit_text(draw: ImageDraw.ImageDraw, fonts: Fonts, s: str, size: int, max_w: float) -> str:
    """Truncate ``s`` with an ellipsis so that it fits in ``max_w`` pixels."""
    font, _ = fonts.get(size)
    if draw.textlength(s, font=font) <= max_w:
        return s
    while s and draw.textlength(s + "…", font=font) > max_w:
        s = s[:-1]
    return s.rstrip() + "…"


# --------------------------------------------------------------------------------------
# Texture / compositing helpers (float32 RGB canvases in 0..255)
# --------------------------------------------------------------------------------------


def smooth_noise(
    rng: np.random.Generator, h: int, w: int, cell: int, cell_x: int | None = None
) -> np.ndarray:
    """Zero-mean, unit-ish std smooth noise with features about ``cell`` pixels wide.

    ``cell_x`` (default ``cell``) makes the noise anisotropic, e.g. stretched along x.
    """
    cx = cell_x or cell
    small = rng.standard_normal((h // cell + 3, w // cx + 3)).astype(np.float32)
    big = cv2.resize(
        small, ((w // cx + 3) * cx, (h // cell + 3) * cell), interpolation=cv2.INTER_CUBIC
    )
    return big[cell : cell + h, cx : cx + w]


def f32(values: object) -> np.ndarray:
    """``values`` (scalar, sequence or array) as a float32 array."""
    return np.asarray(values, dtype=np.float32)


def fill(h: int, w: int, colour: Sequence[float]) -> np.ndarray:
    return np.broadcast_to(f32(colour), (h, w, 3)).copy()


def wood_texture(
    rng: np.random.Generator,
    h: int,
    w: int,
    *,
    plank: int = 240,
    dark: Sequence[float] = (92, 56, 30),
    light: Sequence[float] = (170, 116, 68),
    period: float = 22.0,
) -> np.ndarray:
    """Horizontal wooden planks with wavy grain, fine streaks and seams."""
    y = np.arange(h, dtype=np.float32)[:, None]
    # grain waves vary slowly along the plank (x) and faster across it (y)
    warp = smooth_noise(rng, h, w, 140, 900) * 26 + smooth_noise(rng, h, w, 30, 260) * 4
    n_planks = h // plank + 2
    idx = np.minimum((np.arange(h) // plank), n_planks - 1)
    phase = rng.uniform(0, 200, n_planks).astype(np.float32)[idx][:, None]
    shade = rng.uniform(0.86, 1.08, n_planks).astype(np.float32)[idx][:, None]
    grain = 0.5 + 0.5 * np.sin((y + warp + phase) * (2 * np.pi / period))
    fine = 0.5 + 0.5 * np.sin((y + 0.6 * warp + phase) * (2 * np.pi / (period * 0.37)))
    grain = 0.75 * grain**3 + 0.25 * fine**2
    streak = cv2.resize(
        rng.standard_normal((h, max(2, w // 90))).astype(np.float32),
        (w, h),
        interpolation=cv2.INTER_LINEAR,
    )
    streak = cv2.GaussianBlur(streak, (0, 0), 0.8)
    blotch = smooth_noise(rng, h, w, 60, 300)
    t = np.clip(0.62 - 0.32 * grain + 0.06 * streak + 0.07 * blotch, 0, 1)
    dark_a, light_a = f32(dark), f32(light)
    out = dark_a + (light_a - dark_a) * t[..., None]
    out *= shade[..., None]
    seam: np.ndarray = np.ones((h, w), np.float32)
    for k in range(1, n_planks):
        yy = k * plank
        if yy < h:
            seam[max(0, yy - 1) : yy + 2, :] = 0.45
    seam = cv2.GaussianBlur(seam, (0, 0), 1.0)
    return out * seam[..., None]


def lighting(
    h: int,
    w: int,
    *,
    centre: tuple[float, float] = (0.4, 0.35),
    falloff: float = 0.35,
    floor: float = 0.72,
) -> np.ndarray:
    """Soft light pool: 1.0 at ``centre`` (fractions of w, h) fading to ``floor``."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.hypot((xx / w - centre[0]) * (w / max(h, w)), (yy / h - centre[1]) * (h / max(h, w)))
    g = np.exp(-((d / falloff) ** 2) * 0.5)
    return floor + (1 - floor) * g


def composite(canvas: np.ndarray, rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    a = alpha[..., None]
    return canvas * (1 - a) + rgb * a


def shadow(
    canvas: np.ndarray,
    alpha: np.ndarray,
    *,
    offset: tuple[int, int] = (10, 14),
    blur: float = 12.0,
    strength: float = 0.45,
) -> np.ndarray:
    """Darken ``canvas`` under a blurred, offset copy of ``alpha``."""
    m = f32([[1, 0, offset[0]], [0, 1, offset[1]]])
    a = cv2.warpAffine(alpha, m, (alpha.shape[1], alpha.shape[0]))
    a = cv2.GaussianBlur(a, (0, 0), blur)
    return canvas * (1 - strength * a)[..., None]


def warp_to_quad(
    src: np.ndarray,
    quad: Sequence[tuple[float, float]],
    size: tuple[int, int],
    src_alpha: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Perspective-warp ``src`` (float RGB) so its corners land on ``quad`` (TL, TR, BR, BL).

    Returns ``(rgb, alpha)`` on a canvas of ``size`` = (width, height).
    """
    h, w = src.shape[:2]
    corners = f32([[0, 0], [w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(corners, f32(quad))
    # Mild pre-blur proportional to the downscale avoids aliasing of small text.
    scale = math.dist(quad[0], quad[1]) / w
    if scale < 0.95:
        src = cv2.GaussianBlur(src, (0, 0), 0.45 * (1 / scale - 1) + 0.2)
    rgb = cv2.warpPerspective(src, m, size, flags=cv2.INTER_LINEAR)
    if src_alpha is None:
        src_alpha = np.ones((h, w), np.float32)
    alpha = cv2.warpPerspective(src_alpha, m, size, flags=cv2.INTER_LINEAR)
    return rgb, alpha


def paste_rgba(canvas: np.ndarray, im: Image.Image, xy: tuple[int, int]) -> np.ndarray:
    """Alpha-composite a Pillow RGBA image (with a soft drop shadow) onto the canvas.

    Only the region around the pasted image is touched, which keeps this fast.
    """
    h, w = canvas.shape[:2]
    arr = np.asarray(im.convert("RGBA"), dtype=np.float32)
    pad = 40  # room for the shadow's offset and blur
    rx0, ry0 = max(0, xy[0] - pad), max(0, xy[1] - pad)
    rx1 = min(w, xy[0] + arr.shape[1] + pad)
    ry1 = min(h, xy[1] + arr.shape[0] + pad)
    rh, rw = ry1 - ry0, rx1 - rx0
    layer = np.zeros((rh, rw, 3), np.float32)
    alpha = np.zeros((rh, rw), np.float32)
    x, y = xy[0] - rx0, xy[1] - ry0
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(rw, x + arr.shape[1]), min(rh, y + arr.shape[0])
    layer[y0:y1, x0:x1] = arr[y0 - y : y1 - y, x0 - x : x1 - x, :3]
    alpha[y0:y1, x0:x1] = arr[y0 - y : y1 - y, x0 - x : x1 - x, 3] / 255.0
    region = shadow(canvas[ry0:ry1, rx0:rx1], alpha, offset=(6, 9), blur=7, strength=0.4)
    out = canvas.copy()
    out[ry0:ry1, rx0:rx1] = composite(region, layer, alpha)
    return out


def camera_finish(
    canvas: np.ndarray,
    rng: np.random.Generator,
    *,
    noise: float = 2.2,
    blur: float = 0.5,
    light: np.ndarray | None = None,
) -> np.ndarray:
    """Lens softness, uneven lighting and sensor noise; returns uint8 RGB."""
    out = canvas
    if light is not None:
        out = out * light[..., None]
    if blur > 0:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    if noise > 0:
        luma = rng.standard_normal(out.shape[:2]).astype(np.float32) * noise
        chroma = rng.standard_normal(out.shape).astype(np.float32) * (noise * 0.35)
        out = out + luma[..., None] + chroma
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def to_float(im: Image.Image | np.ndarray) -> np.ndarray:
    return np.asarray(im, dtype=np.float32)[..., :3].copy()


def resize(arr: np.ndarray, w: int, h: int) -> np.ndarray:
    interp = cv2.INTER_AREA if w < arr.shape[1] else cv2.INTER_LANCZOS4
    return cv2.resize(arr, (w, h), interpolation=interp)


def unsharp(arr: np.ndarray, sigma: float = 1.6, amount: float = 0.5) -> np.ndarray:
    a = arr.astype(np.float32)
    return np.clip(a + amount * (a - cv2.GaussianBlur(a, (0, 0), sigma)), 0, 255)


def rounded_mask(w: int, h: int, radius: int) -> np.ndarray:
    m = Image.new("L", (w, h), 0)
    ImageDraw.Draw(m).rounded_rectangle((0, 0, w - 1, h - 1), radius=radius, fill=255)
    return np.asarray(m, dtype=np.float32) / 255.0


def ellipse_cutout(
    arr: np.ndarray,
    box: tuple[int, int, int, int],
    ellipses: Sequence[tuple[int, int, int, int]],
    feather: float,
) -> Image.Image:
    """Crop ``box`` from ``arr`` (uint8 RGB); alpha = union of ``ellipses`` (in ``arr``
    coordinates), feathered by ``feather`` pixels."""
    x0, y0, x1, y1 = box
    crop = arr[y0:y1, x0:x1]
    m = Image.new("L", (x1 - x0, y1 - y0), 0)
    md = ImageDraw.Draw(m)
    for ex0, ey0, ex1, ey1 in ellipses:
        md.ellipse((ex0 - x0, ey0 - y0, ex1 - x0, ey1 - y0), fill=255)
    m_arr = cv2.GaussianBlur(np.asarray(m, np.float32), (0, 0), feather / 2)
    rgba = np.dstack([crop, np.clip(m_arr, 0, 255).astype(np.uint8)])
    return Image.fromarray(rgba, "RGBA")


# --------------------------------------------------------------------------------------
# Metadata helpers
# --------------------------------------------------------------------------------------


def _dms(value: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    value = abs(value)
    deg = int(value)
    minutes_f = (value - deg) * 60
    minutes = int(minutes_f)
    seconds = round((minutes_f - minutes) * 60 * 10_000)
    return ((deg, 1), (minutes, 1), (seconds, 10_000))


def jpeg_thumbnail(arr: np.ndarray, box: tuple[int, int] = (160, 120)) -> bytes:
    im = Image.fromarray(arr)
    im.thumbnail(box, Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=75)
    return buf.getvalue()


def build_exif(
    *,
    make: str,
    model: str,
    when: str,
    size: tuple[int, int],
    serial: str | None = None,
    artist: str | None = None,
    software: str | None = None,
    lens: str | None = None,
    gps: tuple[float, float, float] | None = None,
    orientation: int = 1,
    thumbnail: bytes | None = None,
    description: str | None = None,
    focal_mm: float = 35.0,
    f_number: float = 2.8,
) -> bytes:
    """Assemble an EXIF block with piexif (``when`` is 'YYYY:MM:DD HH:MM:SS')."""
    zeroth: dict[int, object] = {
        piexif.ImageIFD.Make: make,
        piexif.ImageIFD.Model: model,
        piexif.ImageIFD.Orientation: orientation,
        piexif.ImageIFD.XResolution: (72, 1),
        piexif.ImageIFD.YResolution: (72, 1),
        piexif.ImageIFD.ResolutionUnit: 2,
        piexif.ImageIFD.DateTime: when,
    }
    if software:
        zeroth[piexif.ImageIFD.Software] = software
    if artist:
        zeroth[piexif.ImageIFD.Artist] = artist
        zeroth[piexif.ImageIFD.Copyright] = f"(c) {artist}"
    if description:
        zeroth[piexif.ImageIFD.ImageDescription] = description
    exif: dict[int, object] = {
        piexif.ExifIFD.DateTimeOriginal: when,
        piexif.ExifIFD.DateTimeDigitized: when,
        piexif.ExifIFD.ExposureTime: (1, 120),
        piexif.ExifIFD.FNumber: (round(f_number * 10), 10),
        piexif.ExifIFD.ISOSpeedRatings: 200,
        piexif.ExifIFD.FocalLength: (round(focal_mm * 10), 10),
        piexif.ExifIFD.PixelXDimension: size[0],
        piexif.ExifIFD.PixelYDimension: size[1],
        piexif.ExifIFD.ColorSpace: 1,
    }
    if serial:
        exif[piexif.ExifIFD.BodySerialNumber] = serial
    if lens:
        exif[piexif.ExifIFD.LensMake] = make
        exif[piexif.ExifIFD.LensModel] = lens
    gps_ifd: dict[int, object] = {}
    if gps is not None:
        lat, lon, alt = gps
        date, clock = when.split(" ")
        hh, mm, ss = (int(v) for v in clock.split(":"))
        gps_ifd = {
            piexif.GPSIFD.GPSVersionID: (2, 3, 0, 0),
            piexif.GPSIFD.GPSLatitudeRef: "N" if lat >= 0 else "S",
            piexif.GPSIFD.GPSLatitude: _dms(lat),
            piexif.GPSIFD.GPSLongitudeRef: "E" if lon >= 0 else "W",
            piexif.GPSIFD.GPSLongitude: _dms(lon),
            piexif.GPSIFD.GPSAltitudeRef: 0,
            piexif.GPSIFD.GPSAltitude: (round(alt * 100), 100),
            # the fake clock runs on BST (UTC+1)
            piexif.GPSIFD.GPSTimeStamp: (((hh - 1) % 24, 1), (mm, 1), (ss, 1)),
            piexif.GPSIFD.GPSDateStamp: date,
            piexif.GPSIFD.GPSImgDirectionRef: "T",
            piexif.GPSIFD.GPSImgDirection: (21350, 100),
            piexif.GPSIFD.GPSHPositioningError: (5, 1),
        }
    d: dict[str, object] = {"0th": zeroth, "Exif": exif, "GPS": gps_ifd}
    if thumbnail is not None:
        d["1st"] = {
            piexif.ImageIFD.Compression: 6,
            piexif.ImageIFD.XResolution: (72, 1),
            piexif.ImageIFD.YResolution: (72, 1),
            piexif.ImageIFD.ResolutionUnit: 2,
        }
        d["thumbnail"] = thumbnail
    return piexif.dump(d)


def xmp_packet(
    *,
    creator: str,
    description: str,
    city: str,
    when_iso: str,
    lat: float,
    lon: float,
    tool: str,
) -> bytes:
    def coord(v: float, pos: str, neg: str) -> str:
        a = abs(v)
        return f"{int(a)},{(a - int(a)) * 60:.4f}{pos if v >= 0 else neg}"

    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        '    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"\n'
        '    xmlns:exif="http://ns.adobe.com/exif/1.0/"\n'
        f'    xmp:CreateDate="{when_iso}"\n'
        f'    xmp:CreatorTool="{tool}"\n'
        f'    photoshop:City="{city}"\n'
        '    photoshop:Country="United Kingdom"\n'
        f'    exif:GPSLatitude="{coord(lat, "N", "S")}"\n'
        f'    exif:GPSLongitude="{coord(lon, "E", "W")}">\n'
        f"   <dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>\n"
        "   <dc:description><rdf:Alt>"
        f'<rdf:li xml:lang="x-default">{description}</rdf:li>'
        "</rdf:Alt></dc:description>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode()


def save_jpeg(path: Path, arr: np.ndarray, exif: bytes, xmp: bytes | None = None) -> None:
    kwargs: dict[str, object] = {"quality": 90, "exif": exif, "dpi": (72, 72)}
    if xmp is not None:
        kwargs["xmp"] = xmp
    Image.fromarray(arr).save(path, "JPEG", **kwargs)


# --------------------------------------------------------------------------------------
# Public-domain source material
# --------------------------------------------------------------------------------------


def astronaut() -> np.ndarray:
    """NASA portrait of Eileen Collins (public domain), 512x512 RGB."""
    return skdata.astronaut()


def coffee_cup() -> Image.Image:
    """Cup and saucer cut out of the CC0 ``coffee`` photo with a feathered ellipse."""
    saucer, cup_rim, spoon = (76, 70, 482, 392), (170, 14, 412, 212), (393, 62, 427, 150)
    return ellipse_cutout(skdata.coffee(), (60, 0, 500, 400), (saucer, cup_rim, spoon), feather=3)


def framed_photo(
    arr: np.ndarray, w: int, h: int, border: int, colour: tuple[int, int, int] = (248, 248, 244)
) -> Image.Image:
    """A printed photo with a white border, as an RGBA Pillow image."""
    im = Image.new("RGBA", (w + 2 * border, h + 2 * border), (*colour, 255))
    im.paste(Image.fromarray(resize(arr, w, h).astype(np.uint8)), (border, border))
    return im


# --------------------------------------------------------------------------------------
# Scene 1: outing_gps.jpg
# --------------------------------------------------------------------------------------


def make_outing(out: Path, fonts: Fonts) -> Path:
    del fonts
    rng = np.random.default_rng(101)
    src = astronaut()[0:384, :, :]  # 4:3 crop, head and shoulders
    big = unsharp(resize(src.astype(np.float32), 1600, 1200), sigma=2.0, amount=0.6)
    big = big * f32([1.03, 1.0, 0.96])  # warm afternoon grade
    light = lighting(1200, 1600, centre=(0.45, 0.3), falloff=0.6, floor=0.86)
    arr = camera_finish(big, rng, noise=2.0, blur=0.0, light=light)
    when = "2024:06:05 11:42:17"
    exif = build_exif(
        make="FakeCam",
        model="FC-100",
        when=when,
        size=(arr.shape[1], arr.shape[0]),
        serial="FC100-0012345",
        artist="Jane Carer-Fake",
        software="FakeCam firmware 1.02",
        lens="FakeCam 24-70mm f/2.8",
        gps=GPS_BUTE_PARK,
        thumbnail=jpeg_thumbnail(arr),
        description=f"{RESIDENT} on the Bute Park outing",
    )
    xmp = xmp_packet(
        creator="Jane Carer-Fake",
        description=f"{RESIDENT} on the Bute Park outing",
        city="Cardiff",
        when_iso="2024-06-05T11:42:17+01:00",
        lat=GPS_BUTE_PARK[0],
        lon=GPS_BUTE_PARK[1],
        tool="FakeCam FC-100 firmware 1.02",
    )
    path = out / "outing_gps.jpg"
    save_jpeg(path, arr, exif, xmp)
    return path


# --------------------------------------------------------------------------------------
# Scene 2: care_plan_desk.jpg
# --------------------------------------------------------------------------------------


def draw_care_plan(fonts: Fonts) -> Image.Image:
    """A flat A4 care-plan page (1000 x 1414 px)."""
    w, h = 1000, 1414
    page = Image.new("RGB", (w, h), (250, 249, 245))
    d = ImageDraw.Draw(page)
    ink, grey, blue = (25, 25, 30), (95, 95, 100), (24, 60, 120)
    m = 70
    # header
    d.rectangle((m, 52, m + 34, 86), fill=blue)
    text(d, fonts, (m + 46, 54), "Example Care Home (fictional)", 24, blue, bold=True)
    text(d, fonts, (w - m, 58), "CONFIDENTIAL", 20, (170, 30, 30), bold=True, anchor="ra")
    text(d, fonts, (m, 108), "CARE PLAN", 58, ink, bold=True)
    text(d, fonts, (m, 178), "Personal care, medication & wellbeing", 26, grey)
    d.line((m, 222, w - m, 222), fill=ink, width=3)

    # resident photo, paper-clipped top right
    face = astronaut()[10:230, 130:320]
    px, py, pw, ph = 780, 246, 150, 174
    d.rectangle((px - 6, py - 6, px + pw + 6, py + ph + 6), fill=(236, 236, 232), outline=grey)
    page.paste(Image.fromarray(resize(face, pw, ph).astype(np.uint8)), (px, py))
    d.rounded_rectangle(
        (px + 20, py - 26, px + 44, py + 40), radius=12, outline=(140, 140, 150), width=4
    )
    text(d, fonts, (px + pw / 2, py + ph + 14), "Photo ID", 18, grey, anchor="ma")

    fields = [
        ("Resident:", RESIDENT),
        ("Date of birth:", RESIDENT_DOB),
        ("NHS number:", RESIDENT_NHS),
        ("Room:", "14 (ground floor)"),
        ("Address:", RESIDENT_ADDRESS),
        ("Next of kin:", "David Evans-Fake (son)"),
        ("Telephone:", NOK_PHONE),
        ("GP:", "Dr A. Sample-Fake, Example Surgery"),
    ]
    y = 250
    for label, value in fields:
        text(d, fonts, (m, y), label, 26, grey)
        text(d, fonts, (m + 200, y), value, 27, ink, bold=True)
        y += 46

    # medication table
    y += 22
    text(d, fonts, (m, y), "MEDICATION", 30, blue, bold=True)
    y += 48
    cols = [m, m + 300, m + 420, m + 600, m + 720, w - m]
    headers = ["Medicine", "Dose", "Time", "Route", "Notes"]
    rows = [
        ("Paracetamol 500 mg", "2 tabs", "08:00 / 20:00", "Oral", "PRN pain"),
        ("Amlodipine 5 mg", "1 tab", "08:00", "Oral", "BP"),
        ("Lactulose 3.35 g/5 ml", "15 ml", "20:00", "Oral", ""),
        ("Adcal-D3", "1 tab", "12:00", "Oral", "Chew"),
        ("Aqueous cream", "Apply", "AM / PM", "Topical", "Legs"),
    ]
    row_h = 46
    d.rectangle((cols[0], y, cols[-1], y + row_h), fill=(222, 230, 242))
    for i, hdr in enumerate(headers):
        text(d, fonts, (cols[i] + 10, y + 11), hdr, 22, ink, bold=True)
    for r, row in enumerate(rows, start=1):
        for i, cell in enumerate(row):
            text(d, fonts, (cols[i] + 10, y + r * row_h + 12), cell, 22, ink)
    y_end = y + (len(rows) + 1) * row_h
    for r in range(len(rows) + 2):
        d.line((cols[0], y + r * row_h, cols[-1], y + r * row_h), fill=grey, width=2)
    for x in cols:
        d.line((x, y, x, y_end), fill=grey, width=2)

    # needs & support
    y = y_end + 34
    text(d, fonts, (m, y), "NEEDS & SUPPORT", 30, blue, bold=True)
    y += 50
    bullets = [
        "Assistance of one with washing and dressing; uses a walking frame.",
        "Allergy: PENICILLIN (rash). Soft diet, thickened fluids (level 1).",
        "Likes tea with milk, no sugar; enjoys music and the garden.",
        "Falls risk HIGH - sensor mat at night, check every 2 hours.",
    ]
    for b in bullets:
        d.ellipse((m + 4, y + 9, m + 14, y + 19), fill=ink)
        text(d, fonts, (m + 28, y), b, 23, ink)
        y += 40

    # sign-off
    y += 30
    text(d, fonts, (m, y), "Reviewed by: J. Carer-Fake", 24, ink)
    text(d, fonts, (m + 420, y), "Date: 04/06/2024", 24, ink)
    y += 56
    text(d, fonts, (m, y), "Signature:", 24, ink)
    xs = np.linspace(m + 150, m + 430, 80)
    ys = y + 14 + 12 * np.sin((xs - xs[0]) / 14) * np.cos((xs - xs[0]) / 47)
    d.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=(30, 40, 140), width=3)
    d.line((m + 140, y + 34, m + 460, y + 34), fill=grey, width=1)

    text(
        d,
        fonts,
        (w / 2, h - 70),
        "SAMPLE DOCUMENT - ALL DETAILS ARE FICTIONAL",
        18,
        grey,
        anchor="ma",
    )
    text(d, fonts, (w - m, h - 70), "Page 1 of 3", 18, grey, anchor="ra")
    return page


def draw_pen(w: int = 420, h: int = 26) -> Image.Image:
    pen = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(pen)
    d.rounded_rectangle((40, 2, w - 1, h - 3), radius=10, fill=(28, 52, 140, 255))
    d.rectangle((w - 130, 2, w - 118, h - 3), fill=(200, 200, 210, 255))
    d.polygon([(40, 2), (40, h - 3), (2, h // 2)], fill=(215, 200, 170, 255))
    d.polygon([(12, h // 2 - 4), (12, h // 2 + 4), (2, h // 2)], fill=(20, 20, 20, 255))
    d.line((60, 7, w - 150, 7), fill=(90, 120, 210, 255), width=3)  # highlight
    return pen


def make_care_plan_desk(out: Path, fonts: Fonts) -> Path:
    rng = np.random.default_rng(202)
    H, W = 1500, 2000
    canvas = wood_texture(rng, H, W, plank=300)

    # coffee cup (CC0) on the desk, top right
    cup = coffee_cup()
    cup = cup.resize((460, 414), Image.Resampling.LANCZOS)
    canvas = paste_rgba(canvas, cup, (1480, 40))

    # pen lying at an angle, bottom left
    pen = draw_pen().rotate(28, resample=Image.Resampling.BICUBIC, expand=True)
    canvas = paste_rgba(canvas, pen, (60, 1020))

    # the care plan in perspective
    page = to_float(draw_care_plan(fonts))
    quad = [(560, 120), (1390, 168), (1480, 1440), (400, 1395)]
    rgb, alpha = warp_to_quad(page, quad, (W, H))
    canvas = shadow(canvas, alpha, offset=(14, 18), blur=16, strength=0.5)
    canvas = composite(canvas, rgb, alpha)

    light = lighting(H, W, centre=(0.45, 0.3), falloff=0.55, floor=0.7)
    arr = camera_finish(canvas, rng, noise=2.2, blur=0.55, light=light)
    exif = build_exif(
        make="FakeCam",
        model="FC-100",
        when="2024:06:05 09:58:03",
        size=(W, H),
        serial="FC100-0012345",
        software="FakeCam firmware 1.02",
        thumbnail=jpeg_thumbnail(arr),
    )
    path = out / "care_plan_desk.jpg"
    save_jpeg(path, arr, exif)
    return path


# --------------------------------------------------------------------------------------
# Scene 3: screen_record.jpg
# --------------------------------------------------------------------------------------


def draw_care_record_screen(fonts: Fonts) -> Image.Image:
    """A fake electronic care record UI, 1360 x 765 px (16:9)."""
    w, h = 1360, 765
    im = Image.new("RGB", (w, h), (252, 252, 253))
    d = ImageDraw.Draw(im)
    navy, ink, grey = (26, 46, 84), (25, 28, 35), (100, 106, 118)
    # title bar
    d.rectangle((0, 0, w, 48), fill=navy)
    x = 18 + text(d, fonts, (18, 12), "CareRecord DEMO", 24, (255, 255, 255), bold=True)
    text(d, fonts, (x + 14, 15), "Electronic care record - Example Care Home", 20, (190, 205, 230))
    text(
        d,
        fonts,
        (w - 18, 15),
        "J. Carer-Fake  |  05/06/2024 14:32",
        20,
        (255, 255, 255),
        anchor="ra",
    )
    # patient banner
    d.rectangle((0, 48, w, 178), fill=(223, 235, 249))
    d.line((0, 178, w, 178), fill=(150, 170, 200), width=2)
    text(d, fonts, (24, 60), "EVANS-FAKE, Margaret (Mrs)", 34, ink, bold=True)
    banner = [
        ("Born", "12-Mar-1941 (83y)"),
        ("Gender", "Female"),
        ("NHS No.", RESIDENT_NHS),
        ("Room", "14"),
    ]
    x = 24.0
    for label, value in banner:
        x += text(d, fonts, (x, 110), label + " ", 22, grey)
        x += text(d, fonts, (x, 110), value, 22, ink, bold=True) + 34
    text(d, fonts, (24, 143), f"{RESIDENT_ADDRESS}     Tel {NOK_PHONE}", 22, ink)
    d.rounded_rectangle((w - 330, 62, w - 20, 100), radius=8, fill=(200, 40, 40))
    text(
        d, fonts, (w - 175, 70), "ALLERGY: PENICILLIN", 22, (255, 255, 255), bold=True, anchor="ma"
    )
    d.rounded_rectangle((w - 330, 110, w - 20, 148), radius=8, fill=(235, 150, 20))
    text(d, fonts, (w - 175, 118), "FALLS RISK: HIGH", 22, (255, 255, 255), bold=True, anchor="ma")
    # left navigation
    d.rectangle((0, 180, 230, h), fill=(238, 240, 244))
    nav = [
        "Summary",
        "Care notes",
        "Medication (MAR)",
        "Risk assessments",
        "Body map",
        "Contacts",
        "Documents",
    ]
    for i, item in enumerate(nav):
        y = 200 + i * 50
        if item == "Care notes":
            d.rectangle((0, y - 10, 230, y + 36), fill=(205, 222, 245))
            d.rectangle((0, y - 10, 6, y + 36), fill=navy)
        text(d, fonts, (22, y), item, 22, ink, bold=item == "Care notes")
    # main panel
    x0 = 254
    text(d, fonts, (x0, 198), "Care notes", 30, ink, bold=True)
    d.rounded_rectangle((w - 190, 196, w - 24, 236), radius=8, fill=(30, 100, 200))
    text(d, fonts, (w - 107, 205), "+ Add note", 22, (255, 255, 255), bold=True, anchor="ma")
    cols = [x0, x0 + 200, x0 + 400]
    y = 256
    d.rectangle((x0, y, w - 24, y + 40), fill=(232, 236, 242))
    for cx, hdr in zip(cols, ["Date / time", "Staff", "Note"], strict=True):
        text(d, fonts, (cx + 10, y + 9), hdr, 21, ink, bold=True)
    notes = [
        (
            "05/06/2024 09:15",
            "J. Carer-Fake",
            "Assisted with personal care. Good appetite at breakfast.",
        ),
        (
            "05/06/2024 07:40",
            "S. Night-Fake",
            "Settled night; assisted to bathroom x2. No concerns.",
        ),
        (
            "04/06/2024 19:30",
            "P. Example-Fake",
            "Visit from son David. Mood bright. Evening meds taken.",
        ),
        (
            "04/06/2024 14:05",
            "J. Carer-Fake",
            "Chair exercises in activity room. Mobilised with frame.",
        ),
        (
            "04/06/2024 11:20",
            "Dr A. Sample-Fake",
            "GP review: BP 138/82. Continue amlodipine 5 mg.",
        ),
        (
            "03/06/2024 16:45",
            "P. Example-Fake",
            "Small skin tear L forearm, dressed. Body map updated.",
        ),
        ("03/06/2024 08:30", "J. Carer-Fake", "Weight 61.4 kg (stable). Fluids encouraged."),
    ]
    y += 40
    for i, (when, staff, note) in enumerate(notes):
        if i % 2:
            d.rectangle((x0, y, w - 24, y + 62), fill=(246, 247, 250))
        text(d, fonts, (cols[0] + 10, y + 19), when, 20, grey)
        text(d, fonts, (cols[1] + 10, y + 19), fit_text(d, fonts, staff, 20, 185), 20, ink)
        text(
            d,
            fonts,
            (cols[2] + 10, y + 19),
            fit_text(d, fonts, note, 20, w - cols[2] - 50),
            20,
            ink,
        )
        d.line((x0, y + 62, w - 24, y + 62), fill=(220, 223, 230), width=1)
        y += 62
    return im


def draw_monitor(screen: Image.Image, fonts: Fonts) -> tuple[np.ndarray, np.ndarray]:
    bezel_side, bezel_bottom = 30, 54
    sw, sh = screen.size
    w, h = sw + 2 * bezel_side, sh + bezel_side + bezel_bottom
    mon = Image.new("RGB", (w, h), (24, 24, 27))
    d = ImageDraw.Draw(mon)
    d.rectangle((0, h - bezel_bottom + 6, w, h), fill=(32, 32, 36))
    mon.paste(screen, (bezel_side, bezel_side))
    text(d, fonts, (w / 2, h - bezel_bottom / 2 - 2), "FAKEVIEW", 20, (120, 120, 128), anchor="mm")
    d.ellipse((w - 60, h - 32, w - 50, h - 22), fill=(60, 200, 90))
    arr = to_float(mon)
    # gentle glare across the glass
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    glare = np.clip(1 - np.abs((xx / w) * 0.9 + (yy / h) * 0.6 - 0.55) / 0.25, 0, 1) * 14
    arr = np.clip(arr + glare[..., None], 0, 255)
    return arr, rounded_mask(w, h, 10)


def draw_keyboard(fonts: Fonts) -> Image.Image:
    w, h = 1100, 400
    kb = Image.new("RGB", (w, h), (52, 53, 58))
    d = ImageDraw.Draw(kb)
    rows = ["1234567890-=", "QWERTYUIOP[]", "ASDFGHJKL;'#", "ZXCVBNM,./"]
    key, gap, x0, y0 = 66, 10, 40, 26
    for r, keys in enumerate(rows):
        for i, ch in enumerate(keys):
            x = x0 + r * 22 + i * (key + gap)
            y = y0 + r * (key + gap)
            d.rounded_rectangle((x, y, x + key, y + key), radius=8, fill=(214, 214, 218))
            text(d, fonts, (x + 12, y + 10), ch, 20, (60, 60, 66))
    y = y0 + 4 * (key + gap)
    d.rounded_rectangle((x0 + 250, y, x0 + 770, y + key), radius=8, fill=(214, 214, 218))
    return kb


def make_screen_record(out: Path, fonts: Fonts) -> Path:
    rng = np.random.default_rng(303)
    H, W = 1500, 2000
    desk_y = 1040
    wall = (
        fill(desk_y, W, (196, 201, 192)) * (1 + 0.02 * smooth_noise(rng, desk_y, W, 220))[..., None]
    )
    desk = wood_texture(
        rng, 2 * (H - desk_y), W, plank=420, dark=(120, 86, 52), light=(190, 150, 104), period=30
    )
    desk = cv2.resize(desk, (W, H - desk_y), interpolation=cv2.INTER_AREA)  # foreshortened
    canvas = np.concatenate([wall, desk], axis=0)
    canvas[desk_y - 6 : desk_y + 2] *= 0.6  # desk back edge shadow

    # monitor stand (drawn before the monitor so the screen overlaps it)
    stand = Image.new("RGBA", (520, 240), (0, 0, 0, 0))
    sd = ImageDraw.Draw(stand)
    sd.rectangle((200, 0, 320, 190), fill=(45, 45, 50, 255))
    sd.ellipse((20, 160, 500, 230), fill=(40, 40, 44, 255))
    canvas = paste_rgba(canvas, stand, (760, 880))

    screen = draw_care_record_screen(fonts)
    mon, mon_alpha = draw_monitor(screen, fonts)
    quad = [(300, 150), (1650, 110), (1668, 960), (318, 930)]
    rgb, alpha = warp_to_quad(mon, quad, (W, H), mon_alpha)
    canvas = shadow(canvas, alpha, offset=(22, 12), blur=30, strength=0.35)

    # room is dimmer than the self-lit screen
    room_light = lighting(H, W, centre=(0.5, 0.35), falloff=0.6, floor=0.62) * 0.92
    canvas = canvas * room_light[..., None]
    canvas = composite(canvas, rgb * 1.0, alpha)

    kb_im = draw_keyboard(fonts)
    kquad = [(570, 1130), (1410, 1130), (1510, 1440), (470, 1440)]
    krgb, kalpha = warp_to_quad(
        to_float(kb_im), kquad, (W, H), rounded_mask(kb_im.width, kb_im.height, 18)
    )
    canvas = shadow(canvas, kalpha, offset=(6, 12), blur=10, strength=0.45)
    canvas = composite(canvas, krgb * room_light[..., None], kalpha)

    cup = coffee_cup()
    cup = cup.resize((320, 288), Image.Resampling.LANCZOS)
    canvas = paste_rgba(canvas, cup, (1620, 1130))

    arr = camera_finish(canvas, rng, noise=2.4, blur=0.6)
    exif = build_exif(
        make="FakeCam",
        model="FC-100",
        when="2024:06:05 14:33:41",
        size=(W, H),
        serial="FC100-0012345",
        software="FakeCam firmware 1.02",
        thumbnail=jpeg_thumbnail(arr),
    )
    path = out / "screen_record.jpg"
    save_jpeg(path, arr, exif)
    return path


# --------------------------------------------------------------------------------------
# Scene 4: noticeboard_qr.png
# --------------------------------------------------------------------------------------


def qr_image(payload: str, module_px: int) -> Image.Image:
    q = cv2.QRCodeEncoder.create().encode(payload)  # includes the 4-module quiet zone
    big = cv2.resize(q, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)
    return Image.fromarray(big).convert("RGB")


def poster(
    w: int,
    h: int,
    bg: tuple[int, int, int],
    painter: Callable[[Image.Image, ImageDraw.ImageDraw], None],
) -> Image.Image:
    im = Image.new("RGBA", (w, h), (*bg, 255))
    painter(im, ImageDraw.Draw(im))
    return im


def draw_pin(canvas: np.ndarray, x: int, y: int, colour: Sequence[int]) -> np.ndarray:
    pin = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    d = ImageDraw.Draw(pin)
    d.ellipse((4, 4, 34, 34), fill=(*colour, 255))
    d.ellipse((11, 9, 20, 17), fill=(255, 255, 255, 170))
    return paste_rgba(canvas, pin, (x - 19, y - 19))


def make_noticeboard(out: Path, fonts: Fonts) -> Path:
    rng = np.random.default_rng(404)
    H, W = 1200, 1600
    wall = fill(H, W, (204, 214, 196))
    canvas = wall * (1 + 0.015 * smooth_noise(rng, H, W, 200))[..., None]
    # board frame + cork
    fx0, fy0, fx1, fy1 = 90, 70, 1510, 1130
    frame = wood_texture(
        rng, fy1 - fy0, fx1 - fx0, plank=2000, dark=(110, 72, 40), light=(160, 110, 64)
    )
    board_alpha = np.zeros((H, W), np.float32)
    board_alpha[fy0:fy1, fx0:fx1] = 1
    canvas = shadow(canvas, board_alpha, offset=(12, 16), blur=14, strength=0.35)
    canvas[fy0:fy1, fx0:fx1] = frame
    b = 36
    ch, cw = fy1 - fy0 - 2 * b, fx1 - fx0 - 2 * b
    cork_t = smooth_noise(rng, ch, cw, 5) * 0.6 + smooth_noise(rng, ch, cw, 14) * 0.4
    cork = f32([190, 142, 92]) * (1 + 0.05 * cork_t)[..., None]
    dots = cv2.GaussianBlur((rng.random((ch, cw)) < 0.004).astype(np.float32), (0, 0), 1.2)
    cork *= (1 - 2.5 * dots)[..., None]
    inner = canvas[fy0 + b : fy1 - b, fx0 + b : fx1 - b]
    inner[:] = np.clip(cork, 0, 255)
    canvas[fy0 + b : fy0 + b + 6, fx0 + b : fx1 - b] *= 0.75  # inner frame shadow

    # poster A: family portal with QR code
    def paint_qr(im: Image.Image, d: ImageDraw.ImageDraw) -> None:
        w = im.width
        d.rectangle((0, 0, w, 96), fill=(22, 92, 150))
        text(d, fonts, (w / 2, 24), "FAMILY PORTAL", 44, (255, 255, 255), bold=True, anchor="ma")
        text(d, fonts, (w / 2, 120), "Scan to view Margaret's", 26, (30, 30, 30), anchor="ma")
        text(d, fonts, (w / 2, 154), "care record and photos", 26, (30, 30, 30), anchor="ma")
        qr = qr_image(QR_PAYLOAD, 11)
        im.paste(qr, ((w - qr.width) // 2, 198))
        y = 198 + qr.height + 14
        text(
            d, fonts, (w / 2, y), f"{RESIDENT} - Room 14", 24, (30, 30, 30), bold=True, anchor="ma"
        )
        text(d, fonts, (w / 2, y + 36), "Resident ID 12345", 22, (80, 80, 80), anchor="ma")
        text(d, fonts, (w / 2, y + 68), f"Queries: {NOK_PHONE}", 22, (80, 80, 80), anchor="ma")

    pa = poster(480, 720, (250, 250, 246), paint_qr)
    pa = pa.rotate(-1.5, resample=Image.Resampling.BICUBIC, expand=True)
    canvas = paste_rgba(canvas, pa, (190, 150))
    canvas = draw_pin(canvas, 190 + pa.width // 2, 172, (200, 30, 40))

    # poster B: pet therapy with the cat (CC0)
    def paint_pet(im: Image.Image, d: ImageDraw.ImageDraw) -> None:
        w = im.width
        text(d, fonts, (w / 2, 26), "PET THERAPY", 46, (150, 40, 90), bold=True, anchor="ma")
        text(d, fonts, (w / 2, 84), "Thursday 2pm - Main lounge", 24, (40, 40, 40), anchor="ma")
        cat = resize(skdata.chelsea().astype(np.float32), 400, 266).astype(np.uint8)
        im.paste(Image.fromarray(cat), ((w - 400) // 2, 128))
        text(d, fonts, (w / 2, 414), "Chelsea the cat visits!", 26, (40, 40, 40), anchor="ma")
        text(
            d, fonts, (w / 2, 452), "Ask staff if you are allergic.", 20, (90, 90, 90), anchor="ma"
        )

    pb = poster(460, 500, (255, 240, 248), paint_pet)
    pb = pb.rotate(2.5, resample=Image.Resampling.BICUBIC, expand=True)
    canvas = paste_rgba(canvas, pb, (760, 130))
    canvas = draw_pin(canvas, 760 + pb.width // 2, 146, (30, 110, 200))

    # poster C: key worker photo (astronaut, face ~55 px)
    def paint_staff(im: Image.Image, d: ImageDraw.ImageDraw) -> None:
        w = im.width
        text(d, fonts, (w / 2, 18), "KEY WORKER", 28, (20, 90, 60), bold=True, anchor="ma")
        text(d, fonts, (w / 2, 52), "of the month", 22, (20, 90, 60), anchor="ma")
        ph = framed_photo(astronaut()[0:420, 60:460], 230, 242, 0)
        im.paste(ph, ((w - ph.width) // 2, 88))
        text(d, fonts, (w / 2, 346), "Sam Example-Fake", 24, (30, 30, 30), bold=True, anchor="ma")
        text(d, fonts, (w / 2, 378), "Senior carer, Ty Fake wing", 18, (80, 80, 80), anchor="ma")

    pc = poster(290, 410, (246, 252, 246), paint_staff)
    pc = pc.rotate(-4, resample=Image.Resampling.BICUBIC, expand=True)
    canvas = paste_rgba(canvas, pc, (1150, 650))
    canvas = draw_pin(canvas, 1150 + pc.width // 2 - 90, 672, (40, 160, 70))

    # sticky note
    def paint_sticky(im: Image.Image, d: ImageDraw.ImageDraw) -> None:
        del im
        ink = (30, 40, 120)
        for i, line in enumerate(["Call GP re:", "M. Evans-Fake", "meds review", MOBILE_PHONE]):
            text(d, fonts, (18, 22 + i * 44), line, 27, ink)

    ps = poster(250, 230, (252, 236, 120), paint_sticky)
    ps = ps.rotate(6, resample=Image.Resampling.BICUBIC, expand=True)
    canvas = paste_rgba(canvas, ps, (770, 720))
    canvas = draw_pin(canvas, 770 + ps.width // 2, 738, (230, 180, 20))

    # lined "rota" sheet, partly covered
    def paint_rota(im: Image.Image, d: ImageDraw.ImageDraw) -> None:
        text(d, fonts, (20, 16), "Laundry rota", 26, (30, 30, 30), bold=True)
        for i, day in enumerate(["Mon - Ward A", "Tue - Ward B", "Wed - Ward A", "Thu - Ward C"]):
            y = 64 + i * 38
            d.line((16, y + 30, im.width - 16, y + 30), fill=(170, 190, 220), width=1)
            text(d, fonts, (20, y + 4), day, 22, (40, 40, 40))

    pr = poster(300, 230, (252, 252, 252), paint_rota)
    pr = pr.rotate(-3, resample=Image.Resampling.BICUBIC, expand=True)
    canvas = paste_rgba(canvas, pr, (300, 880))
    canvas = draw_pin(canvas, 300 + pr.width - 40, 900, (200, 30, 40))

    light = lighting(H, W, centre=(0.5, 0.2), falloff=0.7, floor=0.78)
    arr = camera_finish(canvas, rng, noise=0.0, blur=0.6, light=light)

    info = PngInfo()
    info.add_text("Comment", f"Noticeboard outside Room 14 - {RESIDENT}, ID 12345")
    info.add_text("Author", "Jane Carer-Fake")
    info.add_text("Description", "Residents' noticeboard, Example Care Home, Cardiff")
    exif = build_exif(
        make="FakePhone",
        model="FP-12 Pro",
        when="2024:06:05 15:02:11",
        size=(W, H),
        software="FakeOS 17.4",
        focal_mm=4.2,
        f_number=1.6,
    )
    path = out / "noticeboard_qr.png"
    Image.fromarray(arr).save(
        path, "PNG", pnginfo=info, exif=exif, optimize=False, compress_level=9
    )
    return path


# --------------------------------------------------------------------------------------
# Scene 5: rotated_orientation6.jpg
# --------------------------------------------------------------------------------------


def upright_portrait() -> np.ndarray:
    """The upright (as-displayed) portrait for the Orientation=6 sample, 1200 x 1600."""
    rng = np.random.default_rng(505)
    src = astronaut()[:, 40:424, :].astype(np.float32)  # 3:4 portrait crop
    big = unsharp(resize(src, 1200, 1600), sigma=2.0, amount=0.6)
    big = big * f32([0.97, 1.0, 1.04])  # cooler indoor grade
    light = lighting(1600, 1200, centre=(0.45, 0.25), falloff=0.7, floor=0.85)
    return camera_finish(big, rng, noise=2.0, blur=0.0, light=light)


def make_rotated(out: Path, fonts: Fonts) -> Path:
    del fonts
    upright = Image.fromarray(upright_portrait())
    # Orientation 6 = "rotate 90 CW to display", so the sensor data is the upright
    # picture rotated 90 degrees counter-clockwise.
    stored = np.asarray(upright.transpose(Image.Transpose.ROTATE_90))
    exif = build_exif(
        make="FakeCam",
        model="FC-100",
        when="2024:06:05 10:12:55",
        size=(stored.shape[1], stored.shape[0]),
        serial="FC100-0012345",
        software="FakeCam firmware 1.02",
        orientation=6,
        thumbnail=jpeg_thumbnail(stored),
    )
    path = out / "rotated_orientation6.jpg"
    save_jpeg(path, stored, exif)
    return path


# --------------------------------------------------------------------------------------
# Scene 6: activity_room.heic
# --------------------------------------------------------------------------------------


def make_activity_room(out: Path, fonts: Fonts) -> Path:
    rng = np.random.default_rng(606)
    H, W = 1512, 2016
    floor_y = 1060
    wall = (
        fill(floor_y, W, (232, 220, 190))
        * (1 + 0.02 * smooth_noise(rng, floor_y, W, 240))[..., None]
    )
    floor = wood_texture(
        rng, 2 * (H - floor_y), W, plank=200, dark=(128, 98, 66), light=(176, 140, 100), period=40
    )
    floor = cv2.resize(floor, (W, H - floor_y), interpolation=cv2.INTER_AREA)
    canvas = np.concatenate([wall, floor], axis=0)
    canvas[floor_y - 40 : floor_y] = f32([245, 243, 236])  # skirting board
    canvas[floor_y - 2 : floor_y + 4] *= 0.7

    # window with a garden view (grass texture is CC0)
    wx0, wy0, wx1, wy1 = 110, 170, 640, 820
    view_h, view_w = wy1 - wy0, wx1 - wx0
    yy = np.linspace(0, 1, view_h, dtype=np.float32)[:, None, None]
    sky = f32([150, 190, 235]) * (1 - yy) + f32([215, 230, 245]) * yy
    view = np.broadcast_to(sky, (view_h, view_w, 3)).copy()
    horizon = int(view_h * 0.64)
    lawn_h = view_h - horizon
    grass = skdata.grass().astype(np.float32)[:256]
    grass = cv2.resize(grass, (view_w, lawn_h), interpolation=cv2.INTER_AREA)
    grass = cv2.GaussianBlur(grass, (0, 0), 1.5)
    g = 0.35 * grass + 0.65 * float(grass.mean())  # distant lawn: low contrast
    depth = np.linspace(0.8, 1.05, lawn_h, dtype=np.float32)[:, None]
    view[horizon:] = np.stack([g * 0.42, g * 0.72 + 22, g * 0.28], axis=-1) * depth[..., None]
    # hedge and trees along the horizon
    tops = smooth_noise(rng, 1, view_w, 70)[0] * 14 + smooth_noise(rng, 1, view_w, 9)[0] * 3
    leaf = smooth_noise(rng, view_h, view_w, 6) * 12
    for x in range(view_w):
        top = int(horizon - 55 + tops[x])
        view[top:horizon, x] = f32([52, 88, 44]) + leaf[top:horizon, x, None]
    canvas[wy0:wy1, wx0:wx1] = view * 1.1
    frame = Image.new("RGBA", (view_w + 40, view_h + 40), (0, 0, 0, 0))
    fd = ImageDraw.Draw(frame)
    fd.rectangle((0, 0, view_w + 39, view_h + 39), outline=(250, 250, 248, 255), width=22)
    fd.rectangle(
        ((view_w + 40) // 2 - 9, 0, (view_w + 40) // 2 + 9, view_h + 40), fill=(250, 250, 248, 255)
    )
    fd.rectangle(
        (0, (view_h + 40) // 2 - 9, view_w + 40, (view_h + 40) // 2 + 9), fill=(250, 250, 248, 255)
    )
    canvas = paste_rgba(canvas, frame, (wx0 - 20, wy0 - 20))

    # whiteboard with the day's programme
    def paint_board(im: Image.Image, d: ImageDraw.ImageDraw) -> None:
        w, h = im.size
        d.rectangle((0, 0, w - 1, h - 1), outline=(170, 172, 178, 255), width=14)
        blue, red, green = (30, 60, 170), (200, 30, 40), (20, 120, 60)
        text(d, fonts, (40, 34), "Wednesday 5 June", 44, red, bold=True)
        lines = [
            ("10:30  Chair exercises", blue),
            ("12:00  Lunch - fish & chips", blue),
            ("14:00  Bingo (main lounge)", blue),
            ("16:00  Music with Tom", blue),
            (f"Happy 83rd birthday {RESIDENT}!", green),
            ("Key worker today: Sam Example-Fake", blue),
        ]
        for i, (line, colour) in enumerate(lines):
            text(d, fonts, (40, 110 + i * 52), line, 32, colour)
        d.rectangle((w // 2 - 60, h - 14, w // 2 + 60, h), fill=(140, 140, 146, 255))

    wb = poster(720, 440, (250, 251, 252), paint_board)
    canvas = paste_rgba(canvas, wb, (760, 190))

    # wall clock showing the capture time (14:21)
    clock = Image.new("RGBA", (190, 190), (0, 0, 0, 0))
    cd = ImageDraw.Draw(clock)
    cd.ellipse((0, 0, 189, 189), fill=(40, 40, 44, 255))
    cd.ellipse((10, 10, 179, 179), fill=(250, 250, 246, 255))
    for k in range(12):
        a = k * math.pi / 6
        r0 = 70 if k % 3 else 62
        cd.line(
            (
                95 + r0 * math.sin(a),
                95 - r0 * math.cos(a),
                95 + 80 * math.sin(a),
                95 - 80 * math.cos(a),
            ),
            fill=(30, 30, 30, 255),
            width=4 if k % 3 else 7,
        )
    hands = (((2 + 21 / 60) / 12, 45, 8), (21 / 60, 68, 5))  # (turns, length, width)
    for turns, length, width in hands:
        a = turns * 2 * math.pi
        cd.line(
            (95, 95, 95 + length * math.sin(a), 95 - length * math.cos(a)),
            fill=(20, 20, 20, 255),
            width=width,
        )
    cd.ellipse((88, 88, 102, 102), fill=(200, 30, 30, 255))
    canvas = paste_rgba(canvas, clock, (1010, 760))

    # framed photo of the astronaut: small face (~40 px) in the background
    photo = framed_photo(astronaut(), 184, 184, 16)
    fr = Image.new("RGBA", (photo.width + 24, photo.height + 24), (70, 45, 28, 255))
    fr.paste(photo, (12, 12))
    canvas = paste_rgba(canvas, fr, (1600, 200))

    # framed print of the rocket launch (public domain, SpaceX)
    rocket = framed_photo(skdata.rocket(), 300, 200, 20)
    fr2 = Image.new("RGBA", (rocket.width + 20, rocket.height + 20), (30, 30, 34, 255))
    fr2.paste(rocket, (10, 10))
    canvas = paste_rgba(canvas, fr2, (1560, 560))

    # bunting along the top of the wall
    bunting = Image.new("RGBA", (W, 200), (0, 0, 0, 0))
    bd = ImageDraw.Draw(bunting)
    colours = [(220, 50, 60), (250, 190, 40), (50, 140, 220), (60, 170, 90), (170, 80, 190)]
    xs = np.arange(0, W + 1, 16)
    sag = 30 + 70 * np.sin(np.pi * (xs % 1000) / 1000)
    bd.line(list(zip(xs.tolist(), sag.tolist(), strict=True)), fill=(90, 90, 90, 255), width=3)
    for i, x in enumerate(range(20, W - 40, 90)):
        y = 30 + 70 * math.sin(math.pi * (x % 1000) / 1000)
        bd.polygon([(x, y), (x + 60, y + 2), (x + 30, y + 70)], fill=(*colours[i % 5], 255))
    canvas = paste_rgba(canvas, bunting, (0, 0))

    # table in the foreground with a coffee cup and craft pieces
    table_top = wood_texture(
        rng, 700, 1400, plank=180, dark=(120, 80, 46), light=(186, 136, 88), period=26
    )
    tquad = [(420, 1120), (1600, 1120), (1860, 1512), (160, 1512)]
    trgb, talpha = warp_to_quad(table_top, tquad, (W, H))
    canvas = shadow(canvas, talpha, offset=(0, -6), blur=10, strength=0.3)
    canvas = composite(canvas, trgb, talpha)
    canvas[1112:1122, 420:1600] = f32([96, 62, 34])  # far edge of the table top
    table = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    td = ImageDraw.Draw(table)
    for _ in range(26):
        cx, cy = rng.uniform(600, 1300), rng.uniform(1220, 1450)
        s, ang = rng.uniform(26, 44), rng.uniform(0, math.pi)
        pts = [
            (
                cx + s * math.cos(ang + k * math.pi / 2),
                cy + 0.6 * s * math.sin(ang + k * math.pi / 2),
            )
            for k in range(4)
        ]
        col = colours[int(rng.integers(0, 5))]
        td.polygon(pts, fill=(*col, 255), outline=(40, 40, 40, 255))
    canvas = paste_rgba(canvas, table, (0, 0))
    cup = coffee_cup()
    cup = cup.resize((290, 220), Image.Resampling.LANCZOS)
    canvas = paste_rgba(canvas, cup, (1350, 1190))

    light = lighting(H, W, centre=(0.3, 0.35), falloff=0.7, floor=0.72)
    # phones denoise heavily, which also keeps the HEIC small
    arr = camera_finish(canvas, rng, noise=0.0, blur=0.7, light=light)

    when = "2024:06:05 14:21:09"
    exif = build_exif(
        make="FakePhone",
        model="FP-12 Pro",
        when=when,
        size=(W, H),
        serial="FP12-98765432",
        artist="Jane Carer-Fake",
        software="FakeOS 17.4",
        lens="FakePhone back dual wide camera 4.2mm f/1.6",
        focal_mm=4.2,
        f_number=1.6,
        gps=GPS_ACTIVITY_ROOM,
    )
    xmp = xmp_packet(
        creator="Jane Carer-Fake",
        description="Activity room, Example Care Home",
        city="Cardiff",
        when_iso="2024-06-05T14:21:09+01:00",
        lat=GPS_ACTIVITY_ROOM[0],
        lon=GPS_ACTIVITY_ROOM[1],
        tool="FakeOS 17.4 Camera",
    )
    pillow_heif.register_heif_opener()
    path = out / "activity_room.heic"
    # x265 "ultrafast" keeps the encode well under a second (the default takes ~6 s)
    Image.fromarray(arr).save(
        path, format="HEIF", exif=exif, xmp=xmp, quality=85, enc_params={"preset": "ultrafast"}
    )
    return path


# --------------------------------------------------------------------------------------
# SOURCES.md
# --------------------------------------------------------------------------------------

SAMPLE_FILES: tuple[tuple[str, str, str], ...] = (
    (
        "outing_gps.jpg",
        "Head-and-shoulders portrait (the NASA astronaut photo, upscaled to 1600x1200) "
        "standing in for a resident photographed on an outing.",
        "EXIF: GPS lat/lon/altitude/time/direction (Bute Park, Cardiff), Make `FakeCam`, "
        "Model `FC-100`, BodySerialNumber, LensModel, DateTimeOriginal, Artist, Copyright, "
        "ImageDescription naming the resident, 160x120 EXIF thumbnail (IFD1); XMP packet "
        "(creator, description, city, GPS).",
    ),
    (
        "care_plan_desk.jpg",
        'A4 "CARE PLAN" page in perspective on a wooden desk: resident name, DOB, NHS '
        "number, address with postcode, next-of-kin phone, GP, medication table, needs, "
        "signature, and a paper-clipped photo ID (astronaut face, ~70 px wide); coffee cup and "
        "pen on the desk.",
        "EXIF: Make, Model, BodySerialNumber, Software, DateTimeOriginal, thumbnail.",
    ),
    (
        "screen_record.jpg",
        "Monitor on a desk, slightly in perspective, showing a fake electronic care record "
        "(patient banner with name, DOB, NHS number, address, phone, allergy/falls alerts, "
        "care notes with staff names); keyboard and coffee cup.",
        "EXIF: Make, Model, BodySerialNumber, Software, DateTimeOriginal, thumbnail.",
    ),
    (
        "noticeboard_qr.png",
        f'Cork noticeboard: "Family portal" poster with a QR code (`{QR_PAYLOAD}`) and the '
        'resident\'s name and ID, pet-therapy poster (cat photo), "key worker of the month" '
        "photo (astronaut face, ~60 px wide), sticky note with a name and mobile number, rota.",
        "PNG tEXt `Comment`, `Author`, `Description`; eXIf chunk (Make, Model, Software, "
        "DateTimeOriginal).",
    ),
    (
        "rotated_orientation6.jpg",
        "Portrait of the astronaut whose pixels are stored rotated 90 degrees "
        "counter-clockwise (1600x1200); it displays upright (1200x1600) only when the EXIF "
        "Orientation tag is honoured.",
        "EXIF: Orientation = 6, Make, Model, BodySerialNumber, Software, DateTimeOriginal, "
        "thumbnail (in stored orientation).",
    ),
    (
        "activity_room.heic",
        "Care-home activity room (HEVC/HEIC like an iPhone photo): whiteboard with the day's "
        "programme and a resident's name, garden window, bunting, wall clock, framed rocket "
        "print, table with craft pieces and coffee, and a small framed photo of the astronaut "
        "whose face is only ~35-40 px wide (small-face detection).",
        "EXIF: GPS (Cardiff) incl. altitude and image direction, Make `FakePhone`, Model "
        "`FP-12 Pro`, BodySerialNumber, LensMake/LensModel, Software, DateTimeOriginal, "
        "Artist; XMP packet.",
    ),
    (
        "garden_walk.mov",
        "A 3-second phone clip (MOV, H.264, 960x540 at 15 fps, with a sound track): the "
        "astronaut's head and shoulders walking across a garden and coming closer, while the "
        "care plan page is carried in from the right.",
        "QuickTime tags: location (Bute Park, ISO 6709), Make `FakePhone`, Model `FP-12 Pro`, "
        "creation date, a title naming the resident; a sound track.",
    ),
)

PD_SOURCES: tuple[tuple[str, str, str], ...] = (
    (
        "astronaut()",
        "all except screen_record",
        "Eileen Collins, NASA Great Images database <https://flic.kr/p/r9qvLn>: "
        '"No known copyright restrictions, released into the public domain."',
    ),
    (
        "coffee()",
        "care_plan_desk, screen_record, activity_room",
        'Coffee cup, courtesy of Pikolo Espresso Bar: "No copyright restrictions. CC0 by '
        'the photographer (Rachel Michetti)."',
    ),
    (
        "chelsea()",
        "noticeboard_qr (pet-therapy poster)",
        'Chelsea the cat: "No copyright restrictions. CC0 by the photographer (Stefan van '
        'der Walt)."',
    ),
    (
        "rocket()",
        "activity_room (framed print)",
        "DSCOVR launch on Falcon 9, SpaceX Photos "
        "<https://www.flickr.com/photos/spacexphotos/16511594820/>, released by SpaceX into "
        "the public domain.",
    ),
    (
        "grass()",
        "activity_room (lawn outside the window)",
        "Grass 01 by linolafett (DeviantArt), licensed CC0.",
    ),
)


def sources_markdown() -> str:
    """Render ``SOURCES.md`` (deterministic: no dates, no paths)."""
    lines = [
        "# Sample images (generated)",
        "",
        "These demo photos are generated by `scripts/make_sample_images.py`; rebuild them with",
        "`python scripts/make_sample_images.py --out sample_images`. The output is",
        "deterministic (fixed seeds, no timestamps).",
        "",
        "**Every name, date, address, phone number and NHS number in them is fictional.**",
        "",
        "| File | What it shows | Metadata it carries |",
        "|---|---|---|",
    ]
    lines += [f"| `{name}` | {what} | {meta} |" for name, what, meta in SAMPLE_FILES]
    lines += [
        "",
        "## Fictional identifiers",
        "",
        f"- Resident: {RESIDENT}, DOB {RESIDENT_DOB}, address {RESIDENT_ADDRESS}.",
        f"- NHS number `{RESIDENT_NHS}`: from the 999 range that NHS England reserves for",
        "  testing, with a valid modulus-11 check digit so NHS-number detectors fire on it.",
        f"- Phone numbers `{NOK_PHONE}` and `{MOBILE_PHONE}` are in Ofcom's ranges reserved",
        "  for drama (029 2018 0000-0999 and 07700 900000-900999).",
        f"- The postcode `{RESIDENT_POSTCODE}` and the GPS points in Cardiff are illustrative.",
        "",
        "## Public-domain / CC0 source images",
        "",
        "All come from scikit-image (`skimage.data`); licences as stated in its docstrings.",
        "",
        "| `skimage.data` function | Used in | Source and licence |",
        "|---|---|---|",
    ]
    lines += [f"| `{fn}` | {used} | {lic} |" for fn, used, lic in PD_SOURCES]
    lines += [
        "",
        "Everything else (desk/floor/table wood, cork, walls, documents, screen UI, keyboard,",
        "QR code, posters, clock, bunting) is drawn procedurally with NumPy, Pillow and OpenCV.",
        "Text uses Pillow's built-in scalable font (`ImageFont.load_default(size=...)`,",
        "Aileron Regular by Dot Colon, CC0), or DejaVu Sans with `--system-fonts`.",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Scene 7: garden_walk.mov (a phone clip)
# --------------------------------------------------------------------------------------

CLIP_SIZE = (960, 540)
CLIP_FPS = 15
CLIP_FRAMES = 45  # 3 s


def clip_face_box(i: int) -> tuple[int, int, int, int]:
    """Where the astronaut's head-and-shoulders picture is in frame ``i``: walking left to
    right and coming closer (150 to 210 px)."""
    size = 150 + 60 * i // (CLIP_FRAMES - 1)
    x = 40 + (CLIP_SIZE[0] - 480) * i // (CLIP_FRAMES - 1)
    return x, 60, x + size, 60 + size


def clip_page_box(i: int) -> tuple[int, int, int, int]:
    """Where the care plan is in frame ``i``: carried in from the right edge."""
    w, h = 250, 354
    x = CLIP_SIZE[0] - 40 - 6 * i
    return x, 150, x + w, 150 + h


def clip_frames(fonts: Fonts) -> list[np.ndarray]:
    rng = np.random.default_rng(707)
    w, h = CLIP_SIZE
    grass = smooth_noise(rng, h, w, 40) * 30
    base = np.stack([70 + grass * 0.6, 120 + grass, 60 + grass * 0.4], axis=2)
    sky = np.linspace(1.0, 0.0, h)[:, None, None] ** 3
    base = base * (1 - sky) + f32([170, 200, 230]) * sky
    head = astronaut()[10:330, 100:420].astype(np.float32)  # her head and shoulders
    plan = to_float(draw_care_plan(fonts))
    frames = []
    for i in range(CLIP_FRAMES):
        canvas = base.copy()
        x1, y1, x2, y2 = clip_face_box(i)
        canvas[y1:y2, x1:x2] = resize(head, x2 - x1, y2 - y1)
        px1, py1, px2, py2 = clip_page_box(i)
        page = resize(plan, px2 - px1, py2 - py1)
        visible = min(px2, w) - px1
        if visible > 0:
            canvas[py1:py2, px1:px1 + visible] = page[:, :visible]
        frames.append(np.clip(np.rint(canvas), 0, 255).astype(np.uint8))
    return frames


def make_garden_walk(out: Path, fonts: Fonts) -> Path:
    """An iPhone-like MOV: H.264 at 15 fps with a sound track, and the phone's tags in the
    container (place, make, model, date). Encoded with one thread and bit-exact muxing, so a
    rebuild is byte-identical."""
    import av

    path = out / "garden_walk.mov"
    lat, lon, alt = GPS_BUTE_PARK
    tags = {
        "location": f"{lat:+08.4f}{lon:+09.4f}+{alt:.3f}/",
        "com.apple.quicktime.location.ISO6709": f"{lat:+08.4f}{lon:+09.4f}+{alt:.3f}/",
        "make": "FakePhone", "model": "FP-12 Pro", "com.apple.quicktime.make": "FakePhone",
        "com.apple.quicktime.model": "FP-12 Pro",
        "creation_time": "2024-06-05T11:45:02.000000Z",
        "title": f"{RESIDENT} in the garden",
    }
    with av.open(str(path), "w", format="mov",
                 options={"movflags": "use_metadata_tags", "fflags": "+bitexact"}) as c:
        for k, v in tags.items():
            c.metadata[k] = v
        video = c.add_stream("libx264", rate=CLIP_FPS,
                             options={"crf": "23", "preset": "medium", "threads": "1"})
        video.width, video.height, video.pix_fmt = *CLIP_SIZE, "yuv420p"
        video.codec_context.flags |= av.codec.context.Flags.bitexact
        sound = c.add_stream("aac", rate=16000)
        sound.codec_context.flags |= av.codec.context.Flags.bitexact
        for i, pixels in enumerate(clip_frames(fonts)):
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = i
            for packet in video.encode(frame):
                c.mux(packet)
        for packet in video.encode():
            c.mux(packet)
        rate, size = 16000, 1024
        t = np.arange(rate * CLIP_FRAMES // CLIP_FPS) / rate
        hum = (0.1 * np.sin(2 * np.pi * 220 * t) * np.sin(np.pi * t)).astype(np.float32)
        for start in range(0, len(hum) - size + 1, size):
            chunk = av.AudioFrame.from_ndarray(hum[None, start:start + size], format="fltp",
                                               layout="mono")
            chunk.sample_rate, chunk.pts = rate, start
            for packet in sound.encode(chunk):
                c.mux(packet)
        for packet in sound.encode():
            c.mux(packet)
    return path


# --------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------

BUILDERS: tuple[Callable[[Path, Fonts], Path], ...] = (
    make_outing,
    make_care_plan_desk,
    make_screen_record,
    make_noticeboard,
    make_rotated,
    make_activity_room,
    make_garden_walk,
)

EXPECTED_FILES = (
    "outing_gps.jpg",
    "care_plan_desk.jpg",
    "screen_record.jpg",
    "noticeboard_qr.png",
    "rotated_orientation6.jpg",
    "activity_room.heic",
    "garden_walk.mov",
    "SOURCES.md",
)


def build_all(out: Path, *, system_fonts: bool = False) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    fonts = Fonts(system=system_fonts)
    paths = []
    for builder in BUILDERS:
        path = builder(out, fonts)
        LOG.debug("wrote %s", path)
        paths.append(path)
    sources = out / "SOURCES.md"
    sources.write_text(sources_markdown(), encoding="utf-8")
    paths.append(sources)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default: {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--system-fonts",
        action="store_true",
        help="use DejaVu fonts from /usr/share/fonts if present (output then "
        "depends on the installed fonts)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    paths = build_all(args.out, system_fonts=args.system_fonts)
    total = sum(p.stat().st_size for p in paths)
    summary = ", ".join(f"{p.name} ({p.stat().st_size / 1024:.0f} KiB)" for p in paths)
    LOG.info(
        "wrote %d files to %s, %.2f MiB total: %s", len(paths), args.out, total / 2**20, summary
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
