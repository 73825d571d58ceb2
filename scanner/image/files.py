"""What is this file: the one place that sniffs a file's bytes, decides whether PostSafe takes
it, and names the format (and extension) of its copy. The batch, watch, the web page and the
decoder all ask here, so they never disagree about a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scanner.config import OutputFormat, ScanConfig

HEAD_BYTES = 256  # enough for an ftyp box's compatible brands
# The copy's extension per output format; formats social sites do not take become JPEG.
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif", "BMP": ".bmp",
              "MP4": ".mp4"}
VIDEO = "VIDEO"  # what ``sniff`` calls a video container (scanner.video reads it; copies are MP4)
_TO_JPEG = {"HEIF", "MPO", "TIFF"}
# Named like a photo: taken even when the bytes announce no format, so that a damaged photo
# gets a clear error in the report instead of a silent skip.
IMAGE_SUFFIXES = frozenset({
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".heic", ".heif", ".hif", ".tif",
    ".tiff", ".bmp", ".dib", ".gif", ".mpo", ".avif",
})
# Named like a video: taken as one (a damaged clip gets a clear error, not a skip).
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".3gp", ".3g2", ".webm", ".mkv", ".qt"})
# Sound-only ISO-BMFF brands (iTunes music, audiobooks, voice memos): not videos, skipped.
_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})
# QuickTime files from before ftyp start straight with one of these atoms.
_QT_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
# ISO-BMFF brands of HEIF/AVIF still images (major or compatible: Apple, Samsung, AVIF).
_HEIF_BRANDS = frozenset({
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1",
    b"mif2", b"miaf", b"avif", b"avis", b"MiHE", b"MiPr", b"MiHB", b"jpeg", b"avci",
})


def sniff(head: bytes) -> str | None:
    """The image format a file's first bytes announce (Pillow's name), or None. The bytes
    decide, never the name."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head[:2] == b"BM":
        return "BMP"
    if head[4:8] == b"ftyp":
        size = int.from_bytes(head[:4], "big")
        brands = {head[8:12]}
        brands.update(head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4))
        # A still image's brands (HEIF, AVIF) win; any other ISO-BMFF/QuickTime file is a
        # video (mp4, mov, m4v, 3gp; a Live Photo's moving part).
        if brands & _HEIF_BRANDS:
            return "HEIF"
        return None if head[8:12] in _AUDIO_BRANDS else VIDEO
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: WebM and Matroska
        return VIDEO
    if head[4:8] in _QT_ATOMS and int.from_bytes(head[:4], "big") >= 8:
        return VIDEO
    return None


def output_format(source_format: str, config: ScanConfig) -> str:
    """The format a copy of a ``source_format`` file is encoded as (a video's: MP4, always)."""
    if source_format == VIDEO:
        return "MP4"
    if config.output_format is OutputFormat.JPEG:
        return "JPEG"
    if config.output_format is OutputFormat.PNG:
        return "PNG"
    if source_format in _TO_JPEG:
        return "JPEG"
    return source_format if source_format in EXTENSIONS else "JPEG"


def read_head(path: Path) -> bytes:
    """A file's first bytes; empty for anything but a readable regular file (opening a named
    pipe would wait for a writer forever)."""
    try:
        if not path.is_file():
            return b""
        with path.open("rb") as fh:
            return fh.read(HEAD_BYTES)
    except OSError:
        return b""


@dataclass(frozen=True, slots=True)
class FileKind:
    format: str | None  # what the bytes announce; None: only its name says photo
    output_format: str  # what its copy is encoded as

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.output_format]

    @property
    def is_video(self) -> bool:
        return self.output_format == "MP4"

    def output_name(self, stem: str) -> str:
        return f"{stem}{self.extension}"


def identify(path: Path, config: ScanConfig, *, name: str | None = None) -> FileKind | None:
    """Whether PostSafe takes this file, as what, and what its copy will be; None: not an
    image (it is skipped and reported so). ``name`` is the file's own name when ``path`` is a
    stand-in (an upload kept under a random name)."""
    fmt = sniff(read_head(path))
    suffix = Path((name or path.name).replace("\\", "/")).suffix.lower()
    if fmt is None and suffix in VIDEO_SUFFIXES:
        return FileKind(None, "MP4")
    if fmt is None and suffix not in IMAGE_SUFFIXES:
        return None
    return FileKind(fmt, output_format(fmt or "JPEG", config))
