#!/usr/bin/env python3
"""Metadata benchmark: does ``postsafe redact`` leave nothing identifying and keep photos upright?

Runs ``postsafe redact DIR... --out TMP`` on the eval folders (read in place, never copied),
reads ``TMP/postsafe-report.json`` and judges every output file independently:

* exiftool (``-j -a -u -G0:1 -n``) must find no GPS, XMP, IPTC, MakerNotes, thumbnails or
  previews, MPF, device/owner/time tags, comments or Photoshop blocks, and report no trailer;
* the file's own structure must end where the image ends (JPEG: nothing after the EOI that ends
  the entropy-coded data; PNG: nothing after IEND, no text/time chunks; WebP: RIFF size);
* the output must decode and show the same picture the right way up: the original as it should
  display (EXIF orientation applied; pillow-heif applies HEIF transforms itself) must match the
  output best in its identity orientation among the 8, with the same aspect ratio.

An ICC profile is reported as a warning only. A photo PostSafe reports as an error fails, unless
the original itself cannot be decoded ("refused").

    .venv/bin/python bench/metadata_eval.py                 # PostSafe on the dev split
    .venv/bin/python bench/metadata_eval.py --baseline      # + `exiftool -all=` copies
    .venv/bin/python bench/metadata_eval.py --no-postsafe --baseline --originals
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from _common import (
    BenchError,
    add_logging,
    add_out_dir,
    add_postsafe,
    add_timeout_results,
    cli,
    setup_logging,
)
from PIL import Image, ImageOps

log = logging.getLogger("metadata_eval")

REPO = Path(__file__).resolve().parent.parent
DEFAULT_EVAL = REPO.parent / "shared" / "eval" / "metadata"
DEFAULT_POSTSAFE = REPO / ".venv" / "bin" / "postsafe"
RESULTS_DIR = REPO / "bench" / "results"
REPORT_NAME = "postsafe-report.json"
NOT_PHOTOS = {".tsv", ".json", ".md", ".txt", ".html"}
REFERENCE = "full set (80 files): `exiftool -all=` 63 of 80, mat2 61 of 80"

try:  # HEIC/HEIF decoding for the upright check
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - pillow_heif is a project dependency
    pillow_heif = None
    log.warning("pillow_heif is not installed: HEIC/HEIF cannot be decoded")

Image.MAX_IMAGE_PIXELS = None  # eval photos are trusted; large phone photos are expected

# --------------------------------------------------------------------------- exiftool rules


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


IGNORED_GROUPS = {"SourceFile", "ExifTool", "System", "Composite"}
STRUCTURAL_FILE_TAGS = {"Comment"}  # the only File-group tag that is metadata (JPEG COM)
DEVICE_TAGS = words(
    """
    Make Model UniqueCameraModel LocalizedCameraModel CameraModelName LensMake LensModel
    OwnerName CameraOwnerName Artist Copyright Author XPAuthor Creator HostComputer
    ImageUniqueID CameraID BodySerialNumber
    """
)
TIME_TAGS = {"TimeCreated", "DigitalCreationTime", "CreationTime", "TimeZoneOffset"}
COMMENT_TAGS = words(
    """
    Comment UserComment ImageDescription XPComment XPTitle XPSubject XPKeywords DocumentName
    Description Caption-Abstract Title
    """
)
THUMB_RE = re.compile(r"^(Thumbnail|Preview|JpgFromRaw|OtherImage)")
TRAILER_RE = re.compile(r"trailer|after end of|after (JPEG )?EOI|after PNG IEND", re.I)
PNG_STRUCTURAL = words(
    """
    ImageWidth ImageHeight BitDepth ColorType Compression Filter Interlace Gamma
    SRGBRendering PixelsPerUnitX PixelsPerUnitY PixelUnits Palette Transparency
    BackgroundColor SignificantBits WhitePointX WhitePointY RedX RedY GreenX GreenY BlueX
    BlueY ICCProfileName PaletteHistogram
    """
)
# Groups that describe the container or pixels, not the photo's history.
STRUCTURAL_GROUPS = words(
    """
    File JFIF PNG RIFF QuickTime ICC_Profile JPEG GIF APP14 Adobe
    """
)
# TIFF IFD0 tags that describe the pixels (a TIFF cannot drop them); not reported.
TIFF_STRUCTURAL = words(
    """
    SubfileType ImageWidth ImageHeight BitsPerSample Compression PhotometricInterpretation
    StripOffsets SamplesPerPixel RowsPerStrip StripByteCounts PlanarConfiguration Predictor
    ExtraSamples SampleFormat TileWidth TileLength TileOffsets TileByteCounts FillOrder
    XResolution YResolution ResolutionUnit YCbCrSubSampling YCbCrPositioning Orientation
    """
)


@dataclass
class Verdict:
    file: str
    fmt_in: str = "?"
    fmt_out: str = "-"
    output: str | None = None
    result: str = "fail"  # pass | fail | refused
    reasons: list[str] = field(default_factory=list)  # category keys, in order of discovery
    details: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def fail(self, category: str, detail: str) -> None:
        if category not in self.reasons:
            self.reasons.append(category)
        if detail not in self.details:
            self.details.append(detail)


def split_key(key: str) -> tuple[str, str, str]:
    """'EXIF:IFD0:Make' -> ('EXIF', 'IFD0', 'Make'); 'IPTC:Keywords' -> ('IPTC', 'IPTC', ...)."""
    parts = key.split(":")
    if len(parts) >= 3:
        return parts[0], parts[1], ":".join(parts[2:])
    if len(parts) == 2:
        return parts[0], parts[0], parts[1]
    return key, key, key


def exiftool_dump(paths: Sequence[Path]) -> dict[str, dict]:
    """One exiftool run over many files; returns resolved path -> tag dict."""
    out: dict[str, dict] = {}
    if not paths:
        return out
    argv = [
        "exiftool",
        "-j",
        "-a",
        "-u",
        "-G0:1",
        "-n",
        "-charset",
        "filename=utf8",
        *[str(p) for p in paths],
    ]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        raise BenchError(f"exiftool failed ({proc.returncode}): {proc.stderr[-2000:]}")
    for entry in json.loads(proc.stdout):
        out[str(Path(entry["SourceFile"]).resolve())] = entry
    return out


def is_structural(g0: str, g1: str, tag: str) -> bool:
    """Container/pixel description, not the photo's history (not reported at all)."""
    if g0 == "PNG":
        return tag in PNG_STRUCTURAL
    if g1 == "IFD0":
        return tag in TIFF_STRUCTURAL and tag != "Orientation"
    return g0 in STRUCTURAL_GROUPS


def judge_exiftool(v: Verdict, tags: dict) -> None:
    other: dict[str, list[str]] = {}
    icc: list[str] = []
    for key, value in tags.items():
        g0, g1, tag = split_key(key)
        if g0 == "ExifTool":
            if tag == "Error":
                v.fail("exiftool-error", f"exiftool: {value}")
            elif tag.startswith("Warning"):
                if TRAILER_RE.search(str(value)):
                    v.fail("trailer", f"exiftool warning: {value}")
                else:
                    v.warnings.append(f"exiftool warning: {value}")
            continue
        if g0 in IGNORED_GROUPS:
            continue
        if g0 == "File" and tag not in STRUCTURAL_FILE_TAGS:
            continue
        label = f"{g1}:{tag}"
        if g0 == "ICC_Profile":
            if tag in ("ProfileDescription", "DeviceManufacturer", "DeviceModel"):
                icc.append(f"{tag}={value}")
            continue
        if "Trailer" in tag or g0 == "Trailer" or g1 == "Trailer":
            v.fail("trailer", label)
        elif g1 == "GPS" or tag.startswith("GPS"):
            v.fail("gps", label)
        elif g0 == "XMP" or g1.startswith("XMP"):
            v.fail("xmp", label)
        elif g0 == "IPTC":
            v.fail("iptc", label)
        elif g0 == "MakerNotes" or "MakerNote" in tag:
            v.fail("makernotes", label)
        elif g0 == "Photoshop":
            v.fail("photoshop", label)
        elif g0 == "MPF" or tag.startswith("MPImage") or tag in ("MPFVersion", "NumberOfImages"):
            v.fail("mpf", label)
        elif THUMB_RE.match(tag) or g1 == "IFD1":
            v.fail("thumbnail", label)
        elif tag in DEVICE_TAGS or "SerialNumber" in tag:
            v.fail("device", f"{label}={str(value)[:40]}")
        elif "Date" in tag or tag in TIME_TAGS or tag.startswith(("SubSecTime", "OffsetTime")):
            v.fail("time", f"{label}={str(value)[:40]}")
        elif tag in COMMENT_TAGS:
            v.fail("comment", f"{label}={str(value)[:40]!r}")
        elif is_structural(g0, g1, tag):
            continue
        else:
            other.setdefault(f"{g0}:{g1}" if g0 != g1 else g0, []).append(tag)
    if icc:
        v.warnings.append("ICC profile (" + ", ".join(icc) + ")")
    for group, names in other.items():
        shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
        v.warnings.append(f"other tags in {group}: {shown}")


# --------------------------------------------------------------------------- file structure


def sniff(data: bytes) -> str:
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        return "AVIF" if brand in (b"avif", b"avis") else "HEIF"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:2] == b"BM":
        return "BMP"
    return "unknown"


def check_jpeg(data: bytes, v: Verdict) -> None:
    """Walk the segments to the EOI that ends the entropy-coded data; nothing may follow."""
    n = len(data)
    if data[-2:] != b"\xff\xd9":
        v.fail("trailer", "JPEG does not end with FFD9")
    i, eoi_end = 2, None
    while i < n:
        if data[i] != 0xFF:
            v.fail("structure", f"JPEG: unexpected byte at {i} between segments")
            return
        while i < n and data[i] == 0xFF:
            i += 1
        if i >= n:
            break
        marker = data[i]
        i += 1
        if marker == 0xD9:
            eoi_end = i
            break
        if 0xD0 <= marker <= 0xD7 or marker in (0x01, 0xD8):
            continue
        if i + 2 > n:
            break
        length = struct.unpack(">H", data[i : i + 2])[0]
        payload = data[i + 2 : i + length]
        i += length
        if marker == 0xFE:
            v.fail("comment", "JPEG COM segment")
        elif marker == 0xE1 and payload.startswith(b"http://ns.adobe.com/xap/1.0/"):
            v.fail("xmp", "JPEG APP1 XMP segment")
        elif marker == 0xE1 and payload.startswith(b"http://ns.adobe.com/xmp/extension/"):
            v.fail("xmp", "JPEG APP1 extended XMP segment")
        elif marker == 0xED:
            v.fail("photoshop", "JPEG APP13 (Photoshop/IPTC) segment")
        elif marker == 0xE2 and payload.startswith(b"MPF\x00"):
            v.fail("mpf", "JPEG APP2 MPF segment")
        elif marker == 0xE2 and payload.startswith(b"ICC_PROFILE"):
            pass  # judged (as a warning) through exiftool
        elif 0xE3 <= marker <= 0xEF and marker != 0xEE:
            v.warnings.append(f"JPEG APP{marker - 0xE0} segment {payload[:12]!r}")
        if marker == 0xDA:  # entropy-coded data: skip to the next real marker
            while True:
                j = data.find(b"\xff", i)
                if j < 0 or j + 1 >= n:
                    i = n
                    break
                nxt = data[j + 1]
                if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
                    i = j + 1 if nxt == 0xFF else j + 2
                    continue
                i = j
                break
    if eoi_end is None:
        v.fail("structure", "JPEG: no EOI after the image data")
    elif eoi_end < n:
        v.fail("trailer", f"JPEG: {n - eoi_end} bytes after the end of image")


def check_png(data: bytes, v: Verdict) -> None:
    n, i, end = len(data), 8, None
    while i + 8 <= n:
        length, ctype = struct.unpack(">I4s", data[i : i + 8])
        name = ctype.decode("latin-1")
        if name in ("tEXt", "zTXt", "iTXt"):
            keyword = data[i + 8 : i + 8 + min(length, 79)].split(b"\x00")[0].decode("latin-1")
            v.fail("comment", f"PNG {name} chunk '{keyword}'")
        elif name == "tIME":
            v.fail("time", "PNG tIME chunk")
        elif name == "eXIf":
            v.warnings.append("PNG eXIf chunk")
        i += 12 + length
        if name == "IEND":
            end = i
            break
    if end is None:
        v.fail("structure", "PNG: no IEND chunk")
    elif end < n:
        v.fail("trailer", f"PNG: {n - end} bytes after IEND")


def check_webp(data: bytes, v: Verdict) -> None:
    size = struct.unpack("<I", data[4:8])[0]
    if size + 8 != len(data):
        v.fail("trailer", f"WebP: RIFF size {size} + 8 != file size {len(data)}")


# --------------------------------------------------------------------------- pictures


@dataclass
class Picture:
    image: Image.Image  # possibly decoded at reduced size (JPEG draft), upright
    size: tuple[int, int]  # full upright size


def display_image(path: Path) -> Picture:
    """Decode as a viewer shows it: EXIF orientation applied (HEIF transforms by pillow-heif)."""
    with Image.open(path) as im:
        full = im.size
        if im.format == "JPEG":
            im.draft("RGB", (512, 512))
        im.load()
        if im.format in ("HEIF", "AVIF"):
            # pillow-heif already applied irot/imir and reset the EXIF orientation to 1.
            return Picture(im.copy(), full)
        orientation = im.getexif().get(0x0112, 1)
        if orientation in (5, 6, 7, 8):
            full = (full[1], full[0])
        return Picture(ImageOps.exif_transpose(im), full)


def small_grey(im: Image.Image, size: tuple[int, int] | None = None, long: int = 64) -> np.ndarray:
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        a = np.asarray(im.convert("F") if im.mode != "F" else im, dtype=np.float32)
        a = (a - a.min()) / max(float(np.ptp(a)), 1e-6) * 255.0
        im = Image.fromarray(a.astype(np.uint8))
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, rgba)
    grey = im.convert("L")
    if size is None:
        w, h = grey.size
        s = long / max(w, h)
        size = (max(1, round(w * s)), max(1, round(h * s)))
    return np.asarray(
        grey.resize(
            size, Image.Resampling.BOX if max(grey.size) > 4 * long else Image.Resampling.BILINEAR
        ),
        dtype=np.float32,
    )


ORIENTATIONS = {
    "identity": lambda a: a,
    "mirror": np.fliplr,
    "rotate 180": lambda a: np.rot90(a, 2),
    "flip": np.flipud,
    "transpose": lambda a: a.T,
    "rotate 90 cw": lambda a: np.rot90(a, -1),
    "transverse": lambda a: np.rot90(a, 2).T,
    "rotate 90 ccw": lambda a: np.rot90(a, 1),
}


def distance(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    den = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return 1.0 - float((a * b).sum()) / den if den > 1e-6 else float(np.abs(a - b).mean() / 255.0)


def masked_distance(a: np.ndarray, b: np.ndarray, keep: np.ndarray) -> float:
    return distance(a[keep], b[keep]) if keep.sum() >= 16 else distance(a, b)


def check_upright(original: Picture, output: Picture, v: Verdict,
                  hidden: tuple[tuple[int, int, int, int], ...] = ()) -> None:
    ow, oh = original.size
    w, h = output.size
    if abs(h - oh * w / ow) > max(1.5, 0.01 * h):
        v.fail("orientation", f"aspect ratio: output {w}x{h}, original displays {ow}x{oh}")
    ref = small_grey(original.image)
    out_small = small_grey(output.image, long=128)
    # Redacted boxes (in output pixels) are left out of the comparison, moved along with the
    # output under each candidate orientation.
    mask = np.zeros(out_small.shape, dtype=np.float32)
    sy, sx = out_small.shape[0] / max(h, 1), out_small.shape[1] / max(w, 1)
    for x1, y1, x2, y2 in hidden:
        mask[int(y1 * sy):int(np.ceil(y2 * sy)), int(x1 * sx):int(np.ceil(x2 * sx))] = 1.0
    if hidden and mask.mean() > 0.75:
        # Too little unredacted picture to compare on its own: compare the whole picture
        # (fills are one flat colour per region, so the layout still shows).
        mask[:] = 0.0
    scores = {}
    for name, fn in ORIENTATIONS.items():
        cand = np.ascontiguousarray(fn(out_small))
        cand_img = Image.fromarray(cand.astype(np.float32), mode="F")
        resized = np.asarray(
            cand_img.resize((ref.shape[1], ref.shape[0]), Image.Resampling.BILINEAR)
        )
        cmask = Image.fromarray(np.ascontiguousarray(fn(mask)), mode="F")
        keep = np.asarray(cmask.resize((ref.shape[1], ref.shape[0]),
                                       Image.Resampling.NEAREST)) < 0.5
        scores[name] = masked_distance(ref, resized, keep)
    best = min(scores, key=lambda k: scores[k])
    if best != "identity" and scores[best] < scores["identity"] - 1e-6:
        v.fail(
            "orientation",
            f"not upright: best match is {best} ({scores[best]:.3f} vs "
            f"identity {scores['identity']:.3f})",
        )
    elif scores["identity"] > 0.5:
        v.warnings.append(f"picture differs from the original (distance {scores['identity']:.2f})")


# --------------------------------------------------------------------------- judging


def decodable(path: Path) -> tuple[Picture | None, str | None]:
    try:
        return display_image(path), None
    except Exception as exc:  # noqa: BLE001 - any decoder failure means 'undecodable'
        return None, f"{type(exc).__name__}: {exc}"


@dataclass
class Job:
    """One source photo and what a tool made of it."""

    source: Path
    output: Path | None
    status: str | None
    error: str | None = None
    size: tuple[int, int] | None = None  # upright size the tool reported, if any
    # Boxes the tool says it redacted (output pixels): excluded from the upright comparison,
    # since a filled document or a face mosaic no longer shows the original's content there.
    hidden: tuple[tuple[int, int, int, int], ...] = ()


def judge(job: Job, tags: dict | None, originals: dict[str, tuple]) -> Verdict:
    source, output, status, error = job.source, job.output, job.status, job.error
    v = Verdict(file=source.name)
    src_data = source.read_bytes()
    v.fmt_in = sniff(src_data)
    if str(source) not in originals:
        originals[str(source)] = decodable(source)
    orig_img, orig_err = originals[str(source)]
    if output is None or not output.is_file():
        if orig_img is None:
            v.result = "refused"
            v.details.append(f"original undecodable ({orig_err}); status {status}: {error}")
        else:
            v.fail("error", f"no output (status {status}: {error})")
        return v
    v.output = str(output)
    if status == "error":
        v.fail("error", f"reported as error: {error}")
    data = output.read_bytes()
    v.fmt_out = sniff(data)
    ext = output.suffix.lower()
    expected = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",), "WEBP": (".webp",)}
    if v.fmt_out in expected and ext not in expected[v.fmt_out]:
        v.warnings.append(f"extension {ext} but content is {v.fmt_out}")
    if tags is None:
        v.fail("exiftool-error", "exiftool returned nothing for the output")
    else:
        judge_exiftool(v, tags)
    if v.fmt_out == "JPEG":
        check_jpeg(data, v)
    elif v.fmt_out == "PNG":
        check_png(data, v)
    elif v.fmt_out == "WEBP":
        check_webp(data, v)
    out_img, out_err = decodable(output)
    if out_img is None:
        v.fail("undecodable", f"output does not decode: {out_err}")
    elif orig_img is None:
        v.warnings.append(f"original undecodable ({orig_err}); upright check skipped")
    else:
        check_upright(orig_img, out_img, v, job.hidden)
    if out_img is not None and job.size and tuple(job.size) != out_img.size:
        v.warnings.append(
            f"report says {job.size[0]}x{job.size[1]}, output is "
            f"{out_img.size[0]}x{out_img.size[1]}"
        )
    v.result = "fail" if v.reasons else "pass"
    return v


def judge_all(pairs: list[Job], originals: dict[str, tuple]) -> list[Verdict]:
    outputs = [j.output for j in pairs if j.output is not None and j.output.is_file()]
    dump = exiftool_dump(outputs)
    verdicts = []
    for job in pairs:
        out = job.output
        tags = dump.get(str(out.resolve())) if out is not None and out.is_file() else None
        verdicts.append(judge(job, tags, originals))
    return verdicts


# --------------------------------------------------------------------------- producers


def list_sources(dirs: Sequence[Path]) -> list[Path]:
    files = []
    for d in dirs:
        for p in sorted(d.rglob("*")):
            if p.is_file() and p.suffix.lower() not in NOT_PHOTOS and not p.name.startswith("."):
                files.append(p)
    return files


def run_postsafe(
    cmd: str, dirs: Sequence[Path], out_dir: Path, fmt: str | None, timeout: float
) -> tuple[dict, float, int]:
    argv = [*shlex.split(cmd), "redact", *[str(d) for d in dirs], "--out", str(out_dir)]
    if fmt:
        argv += ["--format", fmt]
    log.info("running: %s", shlex.join(argv))
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            argv, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"postsafe did not finish in {timeout:.0f} s") from exc
    except FileNotFoundError as exc:
        raise BenchError(f"cannot run PostSafe ({exc}); set --postsafe") from exc
    elapsed = time.perf_counter() - t0
    log.debug("postsafe stderr:\n%s", proc.stderr[-4000:])
    if proc.returncode == 1:
        log.info("postsafe exited 1 (some photos failed)")
    elif proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise BenchError(f"postsafe exited {proc.returncode}")
    report_path = out_dir / REPORT_NAME
    if not report_path.is_file():
        raise BenchError(f"postsafe wrote no report at {report_path}")
    if not (out_dir / "postsafe-report.html").is_file():
        log.warning("postsafe wrote no postsafe-report.html")
    return json.loads(report_path.read_text()), elapsed, proc.returncode


def resolve_output(output: str | None, out_dir: Path) -> Path | None:
    if not output:
        return None
    p = Path(output)
    candidates = [p] if p.is_absolute() else [out_dir / p, REPO / p, Path.cwd() / p]
    for c in candidates:
        if c.is_file():
            return c.resolve()
    log.warning("report output %s does not exist", output)
    return candidates[0]


def postsafe_pairs(report: dict, sources: list[Path], out_dir: Path) -> list[Job]:
    if report.get("version") not in (1, 2):
        log.warning("report version is %r, expected 1 or 2", report.get("version"))
    by_name: dict[str, dict] = {}
    for r in report.get("results", []):
        name = Path(str(r.get("source", ""))).name
        if name in by_name:
            log.warning("two results share the basename %s", name)
        by_name[name] = r
    pairs = []
    for src in sources:
        r = by_name.get(src.name)
        if r is None:
            pairs.append(Job(src, None, "missing", "not in the report"))
            continue
        w, h = r.get("width"), r.get("height")
        size = (w, h) if isinstance(w, int) and isinstance(h, int) else None
        output = resolve_output(r.get("output"), out_dir)
        hidden = tuple(
            tuple(int(v) for v in f["box"])
            for f in r.get("findings") or []
            if f.get("action") in ("fill", "mosaic", "blur") and len(f.get("box") or []) == 4
        )
        pairs.append(Job(src, output, r.get("status"), r.get("error"), size, hidden))
    return pairs


def exiftool_pairs(sources: list[Path], out_dir: Path) -> list[Job]:
    pairs = []
    for i, src in enumerate(sources):
        dest = out_dir / f"{i:03d}" / src.name
        dest.parent.mkdir(parents=True)
        # `-o DIR/` rather than `-o FILE`: exiftool 12.57 refuses `-o x.webp` ("Can't write RIFF
        # files") but writes the same WebP into a directory.
        proc = subprocess.run(
            ["exiftool", "-q", "-q", "-all=", "-o", f"{dest.parent}/", str(src)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0 or not dest.is_file():
            pairs.append(Job(src, None, "error", proc.stderr.strip()[:200] or "exiftool failed"))
        else:
            pairs.append(Job(src, dest, "redacted"))
    return pairs


# --------------------------------------------------------------------------- output


def short(v: Verdict) -> str:
    if v.result == "pass":
        return "ok" + (" (icc)" if any(w.startswith("ICC") for w in v.warnings) else "")
    if v.result == "refused":
        return "refused"
    return "FAIL " + ",".join(v.reasons)


def print_table(columns: dict[str, list[Verdict]], verbose: bool) -> None:
    names = list(columns)
    first = columns[names[0]]
    fw = min(46, max(len(v.file) for v in first))
    widths = [max(len(n), *(len(short(v)) for v in columns[n])) for n in names]
    head = f"{'file':<{fw}}  {'in -> out':<13}" + "".join(
        f"  {n:<{w}}" for n, w in zip(names, widths, strict=True)
    )
    print(head)
    print("-" * len(head))
    for idx, v in enumerate(first):
        cells = "".join(
            f"  {short(columns[n][idx]):<{w}}" for n, w in zip(names, widths, strict=True)
        )
        fmts = f"{v.fmt_in} -> {v.fmt_out}"
        print(f"{v.file[:fw]:<{fw}}  {fmts:<13}{cells}")
        if verbose:
            for n in names:
                cv = columns[n][idx]
                for d in cv.details:
                    print(f"{'':<{fw}}    [{n}] {d}")
                for wmsg in cv.warnings:
                    print(f"{'':<{fw}}    [{n}] warning: {wmsg}")
    print()
    for n in names:
        vs = columns[n]
        ok = sum(v.result == "pass" for v in vs)
        refused = sum(v.result == "refused" for v in vs)
        failed = len(vs) - ok - refused
        cats: dict[str, int] = {}
        for v in vs:
            for r in v.reasons:
                cats[r] = cats.get(r, 0) + 1
        why = ", ".join(f"{k} {c}" for k, c in sorted(cats.items(), key=lambda kv: -kv[1]))
        print(
            f"{n}: {ok} of {len(vs)} fully right; {failed} failed"
            + (f", {refused} refused (original undecodable)" if refused else "")
            + (f"  [{why}]" if why else "")
        )
    print(f"reference, {REFERENCE} (this run: {len(first)} files)")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "eval_dirs", nargs="*", type=Path, help=f"folders of photos (default {DEFAULT_EVAL})"
    )
    add_postsafe(ap, DEFAULT_POSTSAFE)
    ap.add_argument(
        "--format", choices=["jpeg", "png", "keep"], help="pass --format to postsafe redact"
    )
    add_out_dir(ap)
    ap.add_argument(
        "--no-postsafe",
        action="store_true",
        help="do not run PostSafe (use with --baseline / --originals)",
    )
    ap.add_argument(
        "--baseline", action="store_true", help="also judge `exiftool -all= -o OUT FILE` copies"
    )
    ap.add_argument(
        "--originals",
        action="store_true",
        help="also judge the untouched originals (a sanity check of the judge)",
    )
    add_timeout_results(ap, RESULTS_DIR / "metadata.json")
    ap.add_argument("--strict", action="store_true", help="exit 1 if any PostSafe output failed")
    add_logging(ap, "details and warnings per file")
    args = ap.parse_args(argv)
    setup_logging(args)
    if shutil.which("exiftool") is None:
        ap.error("exiftool is not on PATH; it is the judge")
    dirs = [d.resolve() for d in (args.eval_dirs or [DEFAULT_EVAL])]
    for d in dirs:
        if not d.is_dir():
            ap.error(f"not a folder: {d}")
    if args.reuse and not args.out_dir:
        ap.error("--reuse needs --out-dir")
    sources = list_sources(dirs)
    if not sources:
        ap.error("no photos found")

    columns: dict[str, list[Verdict]] = {}
    meta: dict[str, object] = {}
    originals: dict[str, tuple] = {}
    with tempfile.TemporaryDirectory(prefix="postsafe-meta-") as tmp_name:
        tmp = Path(tmp_name)
        if not args.no_postsafe:
            out_dir = (args.out_dir or tmp / "meta_out").resolve()
            if args.reuse:
                report = json.loads((out_dir / REPORT_NAME).read_text())
                meta["postsafe_seconds"] = None
            else:
                if out_dir.exists() and any(out_dir.iterdir()):
                    ap.error(f"{out_dir} is not empty (use --reuse to judge it)")
                report, seconds, rc = run_postsafe(
                    args.postsafe, dirs, out_dir, args.format, args.timeout
                )
                meta["postsafe_seconds"] = round(seconds, 2)
                meta["postsafe_exit"] = rc
            columns["PostSafe"] = judge_all(postsafe_pairs(report, sources, out_dir), originals)
        if args.baseline:
            base_dir = tmp / "exiftool_all"
            base_dir.mkdir()
            columns["exiftool -all="] = judge_all(exiftool_pairs(sources, base_dir), originals)
        if args.originals:
            pairs = [Job(s, s, "original") for s in sources]
            columns["originals"] = judge_all(pairs, originals)
        if not columns:
            ap.error("nothing to judge: drop --no-postsafe or add --baseline/--originals")
        print_table(columns, args.verbose)

    args.results.parent.mkdir(parents=True, exist_ok=True)
    summary = {}
    for n, vs in columns.items():
        summary[n] = {
            "fully_right": sum(v.result == "pass" for v in vs),
            "failed": sum(v.result == "fail" for v in vs),
            "refused": sum(v.result == "refused" for v in vs),
            "total": len(vs),
        }
    out = {
        "eval_dirs": [str(d) for d in dirs],
        "postsafe_command": None if args.no_postsafe else args.postsafe,
        "format": args.format,
        "reference": REFERENCE,
        "summary": summary,
        "run": meta,
        "files": {n: [asdict(v) for v in vs] for n, vs in columns.items()},
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    args.results.write_text(json.dumps(out, indent=2) + "\n")
    log.info("wrote %s", args.results)
    if args.strict and "PostSafe" in columns:
        return 1 if any(v.result == "fail" for v in columns["PostSafe"]) else 0
    return 0


if __name__ == "__main__":
    cli(main)
