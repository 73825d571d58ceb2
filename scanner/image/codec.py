"""Decode a photo into an upright sRGB pixel array, and encode a fresh file from pixels.

Nothing from the source file reaches the output except the pixels: ``save`` builds a new
Pillow image from the array, so EXIF, XMP, IPTC, ICC, comments, thumbnails, second images and
trailers have no way through. Writes are atomic (temp file in the target folder + rename).
"""

from __future__ import annotations

import io
import logging
import re
import stat
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, UnidentifiedImageError

from scanner.config import ScanConfig
from scanner.errors import TooLarge, UnreadableImage, UnsupportedImage, WriteError
from scanner.image.files import HEAD_BYTES, VIDEO, sniff

log = logging.getLogger(__name__)

# Formats PostSafe decodes (Pillow's names). Anything else is refused, not guessed at.
SUPPORTED = ("JPEG", "MPO", "PNG", "WEBP", "HEIF", "TIFF", "BMP", "GIF")

_heif_ready = False


def _register_heif() -> None:
    global _heif_ready
    if not _heif_ready:
        import pillow_heif

        pillow_heif.register_heif_opener()
        _heif_ready = True


@dataclass(frozen=True, slots=True)
class LoadedImage:
    pixels: np.ndarray  # (H, W, 3) uint8 RGB, sRGB, upright
    format: str  # detected from content, Pillow's name
    frames: int
    notes: tuple[str, ...]
    data: bytes  # the file's bytes, for the metadata inventory
    pil: Image.Image | None = None  # the opened source (not its pixels), for metadata only


def _open_formats() -> list[str]:
    """Pillow plugins allowed to parse input (MPO is reached through the JPEG one)."""
    Image.init()
    return [f for f in SUPPORTED if f in Image.OPEN]


def load(path: Path, config: ScanConfig) -> LoadedImage:
    """Read, check limits, decode the first frame, bake in orientation, convert to sRGB."""
    try:
        info = path.stat()
    except OSError as exc:
        raise UnreadableImage(f"cannot read the file: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(info.st_mode):
        # A named pipe would block the read forever; a device could be endless.
        raise UnreadableImage("not a regular file (a folder, pipe, device or socket)")
    size = info.st_size
    if size == 0:
        raise UnreadableImage("the file is empty")
    if size > config.max_file_bytes:
        limit = config.max_file_bytes / 2**20
        raise TooLarge(f"the file is {size / 2**20:.0f} MB, over the {limit:.0f} MB limit")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableImage(f"cannot read the file: {exc.strerror or exc}") from exc
    return decode(data, config)


def decode(data: bytes, config: ScanConfig) -> LoadedImage:
    kind = sniff(data[:HEAD_BYTES])
    if kind == VIDEO:
        raise UnsupportedImage("a video, not a photo")
    if kind is None:
        raise UnreadableImage("not a recognised image (the content is not JPEG, PNG, WebP, "
                              "HEIC, TIFF, BMP or GIF)")
    if kind == "HEIF":
        _register_heif()
    notes: list[str] = []
    # Pillow's own bomb guard follows ours (it warns above the limit and refuses at twice it).
    Image.MAX_IMAGE_PIXELS = config.max_pixels
    caught: list[warnings.WarningMessage] = []
    try:
        # Pillow warns (to stderr, with its own file paths) about damaged EXIF; record those
        # warnings instead, so they become a note and never escape as noise or, under
        # ``-W error``, as an uncaught exception.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=_open_formats())
            fmt = (im.format or kind).upper()
            if fmt not in SUPPORTED:
                raise UnsupportedImage(f"{fmt} images are not supported")
            w, h = im.size
            if w <= 0 or h <= 0:
                raise UnreadableImage("the image has no pixels")
            if w * h > config.max_pixels:
                limit = config.max_pixels / 1e6
                raise TooLarge(f"{w}x{h} pixels is over the {limit:.0f} MP limit")
            frames = int(getattr(im, "n_frames", 1) or 1)
            if frames > 1:
                if fmt == "HEIF":
                    # pillow-heif opens on the primary image, which need not be the first.
                    notes.append(f"{frames - 1} other image(s) stored in the file were dropped")
                elif fmt == "MPO":
                    im.seek(0)
                    notes.append("a second image stored in the file (MPF) was dropped")
                else:
                    im.seek(0)
                    notes.append(
                        f"only the first of {frames} frames was kept; the others were dropped"
                    )
            im.load()
            # Read after load: some loaders (Pillow's TIFF) apply the tag themselves and drop it.
            orientation = _orientation(im, notes)
            pixels = _to_srgb_array(im, notes)
    except (UnsupportedImage, TooLarge, UnreadableImage):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's text quotes its own (doubled) limit; say ours, with the size claimed.
        claimed = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(claimed.group(1)) / 1e6:,.0f} MP" if claimed else "too many pixels"
        raise TooLarge(f"refused as a possible decompression bomb: the image claims {size}, "
                       f"over the {config.max_pixels / 1e6:.0f} MP limit") from exc
    except UnidentifiedImageError as exc:
        raise UnreadableImage(f"{kind} header found but the image cannot be decoded") from exc
    except (OSError, ValueError, SyntaxError, EOFError, struct.error, IndexError,
            KeyError, TypeError, ZeroDivisionError, RuntimeError) as exc:
        # Pillow reports truncation and corruption through a spread of built-in exceptions.
        raise UnreadableImage(f"the {kind} data is corrupt or truncated ({_short(exc)})") from exc
    except MemoryError as exc:
        raise TooLarge("not enough memory to decode this image") from exc
    for warning in caught:
        log.debug("decoder warning: %s", warning.message)
    damaged = [w for w in caught if "EXIF" in str(w.message) or "Tag data" in str(w.message)]
    if damaged and not any("EXIF" in n for n in notes):
        notes.append("the EXIF block is damaged; what could not be read was ignored")
    pixels = apply_orientation(pixels, orientation)
    return LoadedImage(np.ascontiguousarray(pixels), fmt, frames, tuple(notes), data, im)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


def _orientation(im: Image.Image, notes: list[str]) -> int:
    """The EXIF orientation (1-8). HEIF decoders already apply it and report 1."""
    try:
        value = im.getexif().get(0x0112, 1)
    except (OSError, ValueError, SyntaxError, struct.error, KeyError, TypeError,
            IndexError, UnicodeDecodeError) as exc:
        log.debug("unreadable EXIF, orientation taken as 1: %s", exc)
        notes.append("the EXIF block is damaged; the picture is shown as stored")
        return 1
    if not isinstance(value, int) or not 1 <= value <= 8:
        notes.append("the orientation tag holds an invalid value; the picture is shown as stored")
        return 1
    return value


def apply_orientation(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Rotate/flip pixels so they display upright, per the EXIF orientation value."""
    if orientation == 2:
        return pixels[:, ::-1]
    if orientation == 3:
        return pixels[::-1, ::-1]
    if orientation == 4:
        return pixels[::-1]
    if orientation == 5:
        return pixels.transpose(1, 0, 2)
    if orientation == 6:
        return np.rot90(pixels, k=-1)
    if orientation == 7:
        return pixels[::-1, ::-1].transpose(1, 0, 2)
    if orientation == 8:
        return np.rot90(pixels, k=1)
    return pixels


_SRGB = None


def _srgb_profile() -> ImageCms.ImageCmsProfile:
    global _SRGB
    if _SRGB is None:
        _SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return _SRGB


def _to_srgb_array(im: Image.Image, notes: list[str]) -> np.ndarray:
    """Any Pillow mode to (H, W, 3) uint8 sRGB; transparency is flattened onto white.

    Flattening matters for privacy too: pixels under full transparency are invisible but still
    stored, and a re-encode that kept them could carry hidden content.
    """
    mode = im.mode
    icc = im.info.get("icc_profile")
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(im, dtype=np.float64)
        peak = 65535.0 if mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
        if mode == "F" and arr.max(initial=0) <= 1.0:
            peak = 1.0
        grey = np.clip(arr / peak * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if mode in ("P", "PA"):
        im = im.convert("RGBA")
        mode = "RGBA"
    if mode in ("LA", "La", "RGBA", "RGBa"):
        rgba = np.asarray(im.convert("RGBA"), dtype=np.float32)
        alpha = rgba[:, :, 3:4] / 255.0
        rgb = rgba[:, :, :3] * alpha + 255.0 * (1.0 - alpha)
        if (alpha < 1).any():
            notes.append("transparent areas were flattened onto white")
        im = Image.fromarray(np.clip(rgb + 0.5, 0, 255).astype(np.uint8), "RGB")
    # The source's ICC profile still describes these colours after flattening.
    return _convert_icc(im, icc, notes)


def _convert_icc(im: Image.Image, icc: bytes | None, notes: list[str]) -> np.ndarray:
    if icc:
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            out_mode = "RGB"
            if im.mode not in ("RGB", "CMYK", "L"):
                im = im.convert("RGB")
            converted = ImageCms.profileToProfile(
                im, src, _srgb_profile(), outputMode=out_mode,
                renderingIntent=ImageCms.Intent.PERCEPTUAL,
            )
            if converted is not None:
                return np.asarray(converted, dtype=np.uint8)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
            log.debug("ICC conversion failed, using a plain conversion: %s", exc)
            notes.append("the embedded colour profile could not be used; colours may be off")
    if im.mode == "CMYK":
        # Without a profile, the plain formula is the best guess for press CMYK.
        notes.append("CMYK image converted to RGB without a colour profile")
    if im.mode == "RGB":  # convert() would copy the whole picture first (12 MP: 23 ms)
        return np.asarray(im, dtype=np.uint8)
    return np.asarray(im.convert("RGB"), dtype=np.uint8)


def encode(pixels: np.ndarray, fmt: str, config: ScanConfig) -> bytes:
    """A fresh file from the pixel array alone: no info dict, no profile, no EXIF."""
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
        raise WriteError("internal error: pixels must be (H, W, 3) uint8")
    fresh = Image.fromarray(np.ascontiguousarray(pixels), "RGB")
    buf = io.BytesIO()
    if fmt == "JPEG":
        fresh.save(buf, "JPEG", quality=config.jpeg_quality, optimize=True)
    elif fmt == "PNG":
        fresh.save(buf, "PNG", optimize=False, compress_level=6)
    elif fmt == "WEBP":
        fresh.save(buf, "WEBP", quality=config.jpeg_quality, method=4)
    elif fmt == "GIF":
        fresh.save(buf, "GIF")
    elif fmt == "BMP":
        fresh.save(buf, "BMP")
    else:
        raise WriteError(f"cannot encode {fmt}")
    return buf.getvalue()


def check_decodes(data: bytes, fmt: str, width: int, height: int) -> None:
    """Fail closed if what we are about to write does not decode to the expected picture."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            ok = im.format == fmt and im.size == (width, height)
            im.load()
    except (OSError, ValueError, SyntaxError) as exc:
        raise WriteError(f"the encoded {fmt} does not decode: {exc}") from exc
    if not ok:
        raise WriteError(f"the encoded {fmt} does not match the redacted picture")
