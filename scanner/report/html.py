"""A single, self-contained HTML report of a PostSafe run.

The page has inline CSS only: no scripts, fonts, images or links that leave the file, and a
Content-Security-Policy that forbids them anyway. Previews are made from the *redacted output*
files only (never from a source image), downscaled, re-encoded freshly from pixels as JPEG
(no EXIF, no ICC) and embedded as ``data:`` URIs, with each finding outlined and numbered.

Everything that comes from outside the program (file names, paths, errors, notes, details) is
treated as hostile: control, bidi and other invisible format characters are replaced with a
visible ``[U+XXXX]`` placeholder and the result is HTML-escaped.
"""

from __future__ import annotations

import base64
import contextlib
import html
import importlib
import io
import logging
import math
import os
import unicodedata
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from scanner import __version__
from scanner.fsio import write_atomic
from scanner.geometry import clip_shape
from scanner.report.details import detail_words, reason_words
from scanner.report.guidance import (
    DEFAULT_LANG,
    MESSAGES,
    decision_words,
    describe_counts,
    guidance_keys,
    kind_label,
    status_label,
    t,
    verdict,
)
from scanner.types import Finding, FindingKind, ScanResult, Status

_LOG = logging.getLogger(__name__)

PREVIEW_MAX = 720  # longest side of an embedded preview, in pixels: large enough to check
PREVIEW_QUALITY = 80
# A shape's outline, as wide as a box's: the colour over the first 2 px inside, black to 3.
_RING_COLOUR, _RING_BLACK = 2, 3

# Box/label colour and the label's text colour, per kind (text colour chosen for contrast).
KIND_COLOURS: dict[FindingKind, tuple[str, str]] = {
    FindingKind.FACE: ("#d7191c", "#ffffff"),
    FindingKind.PERSON: ("#fdae61", "#000000"),
    FindingKind.DOCUMENT: ("#1f5f99", "#ffffff"),
    FindingKind.SCREEN: ("#7b3294", "#ffffff"),
    FindingKind.TEXT: ("#4dac26", "#000000"),
    FindingKind.CODE: ("#e7298a", "#ffffff"),
    FindingKind.MANUAL: ("#111111", "#ffffff"),
}

STATUS_ICONS: dict[Status, str] = {
    Status.CLEAN: "\u2713",  # check mark
    Status.REDACTED: "\u25a0",  # black square
    Status.ERROR: "\u2715",  # multiplication x
    Status.SKIPPED: "\u2013",  # en dash
}

# Bidi controls are Cf already; listed so the intent is explicit.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Format characters that are needed to write ordinary text (emoji sequences, Persian, Indic).
_ALLOWED_FORMAT = frozenset("\u200c\u200d")
_REPLACED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})

_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)


# --------------------------------------------------------------------------------------------
# Escaping


def visible_text(text: str) -> str:
    """Replace control, bidi, invisible-format and lone-surrogate characters with ``[U+XXXX]``.

    Keeps ordinary Unicode (accents, Welsh, emoji) as it is.
    """
    out: list[str] = []
    for ch in text:
        category = unicodedata.category(ch)
        if (
            ch in _BIDI_CONTROLS
            or category in _REPLACED_CATEGORIES
            or (category == "Cf" and ch not in _ALLOWED_FORMAT)
        ):
            out.append(f"[U+{ord(ch):04X}]")
        else:
            out.append(ch)
    return "".join(out)


def esc(text: object) -> str:
    """Make any value safe and visibly harmless as HTML text or a quoted attribute value."""
    return html.escape(visible_text(str(text)), quote=True)


# --------------------------------------------------------------------------------------------
# Names and labels


def display_names(sources: Sequence[str]) -> list[str]:
    """Short names for the sources: absolute paths relative to their common folder.

    A single file shows as its file name; relative paths are shown as given. This keeps
    folder names above the run (often a user's name) out of the report.
    """
    parents = [os.path.dirname(s) for s in sources if os.path.isabs(s)]
    base: str | None = None
    if parents:
        try:
            base = os.path.commonpath(parents)
        except ValueError:  # e.g. different drives on Windows
            base = None
    names: list[str] = []
    for source in sources:
        name = source
        if base is not None and os.path.isabs(source):
            with contextlib.suppress(ValueError):
                name = os.path.relpath(source, base)
        names.append(name or "?")
    return names


def _category_labels() -> Mapping[str, object]:
    """``scanner.image.metadata.CATEGORY_LABELS`` if that module is available, else nothing."""
    try:
        module = importlib.import_module("scanner.image.metadata")
    except ImportError:
        return {}
    labels = getattr(module, "CATEGORY_LABELS", None)
    return labels if isinstance(labels, Mapping) else {}


def category_label(key: str, labels: Mapping[str, object]) -> str:
    """A metadata category's label, with a capital first letter; the raw key if unknown."""
    label = labels.get(key)
    text = label if isinstance(label, str) and label else key
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------------------------
# Previews


@dataclass(frozen=True, slots=True)
class Preview:
    data_uri: str
    width: int
    height: int


def output_path(result: ScanResult, out_root: Path | None) -> Path | None:
    """Where the redacted output of ``result`` is, or None if none was recorded."""
    if not result.output:
        return None
    path = Path(result.output)
    if not path.is_absolute() and out_root is not None:
        path = Path(out_root) / path
    return path


@lru_cache(maxsize=1)
def _label_font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=14)


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any decoded image as RGB; transparency is flattened onto white."""
    mode = image.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if mode.startswith("I;16"):
        array = np.asarray(image, dtype=np.uint32) >> 8
        return Image.fromarray(array.astype(np.uint8)).convert("RGB")
    if mode in ("I", "F"):
        array = np.clip(np.asarray(image, dtype=np.float64), 0, 255)
        return Image.fromarray(array.astype(np.uint8)).convert("RGB")
    return image.convert("RGB")


def _draw_findings(
    canvas: Image.Image,
    findings: Sequence[Finding],
    full_size: tuple[int, int],
    lang: str,
) -> None:
    """Outline and label each finding (numbered from 1) on the downscaled ``canvas``: its
    shape (a tilted line, a page's outline) where it has one, else its box."""
    full_w, full_h = full_size
    width, height = canvas.size
    sx, sy = width / full_w, height / full_h
    draw = ImageDraw.Draw(canvas)
    font = _label_font()
    labels: list[tuple[int, int, str, str, str]] = []
    for number, finding in enumerate(findings, start=1):
        region = finding.region.clip(full_w, full_h)
        if region.empty:
            continue
        box_colour, text_colour = KIND_COLOURS.get(finding.kind, ("#ffff00", "#000000"))
        shape = None if finding.shape is None else clip_shape(finding.shape, full_w, full_h)
        if shape is not None:
            # Pixel i's centre is at i + 0.5 in the shape's coordinates; clamped so an edge
            # along the picture's border stays visible, as a box's does.
            points = [(min(max(x * sx - 0.5, 0.0), width - 1.0),
                       min(max(y * sy - 0.5, 0.0), height - 1.0)) for x, y in shape.points]
            x1, y1 = _outline_polygon(canvas, points, box_colour)
        else:
            x1 = max(0, min(width - 1, int(region.x1 * sx)))
            y1 = max(0, min(height - 1, int(region.y1 * sy)))
            x2 = max(x1 + 1, min(width - 1, round(region.x2 * sx) - 1))
            y2 = max(y1 + 1, min(height - 1, round(region.y2 * sy) - 1))
            # A thin dark line under the coloured one keeps the box visible on any background.
            draw.rectangle((x1, y1, x2, y2), outline="#000000", width=3)
            draw.rectangle((x1, y1, x2, y2), outline=box_colour, width=2)
        # A numbered badge at the top-left of the outline; the names are in the list.
        labels.append((x1, y1, str(number), box_colour, text_colour))
    # Badges last, so no outline is drawn across one; each is nudged until it overlaps none.
    placed: list[tuple[int, int, int, int]] = []
    for x1, y1, text, box_colour, text_colour in labels:
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        text_w, text_h = math.ceil(right - left), math.ceil(bottom - top)
        label_w, label_h = max(text_w + 8, text_h + 6), text_h + 6
        lx, ly = badge_spot(x1, y1, label_w, label_h, width, height, placed)
        placed.append((lx, ly, lx + label_w, ly + label_h))
        draw.rectangle((lx, ly, lx + label_w - 1, ly + label_h - 1), fill=box_colour,
                       outline="#000000")
        draw.text((lx + (label_w - text_w) // 2 - left, ly + 3 - top), text,
                  fill=text_colour, font=font)


def badge_spot(x: int, y: int, w: int, h: int, width: int, height: int,
               placed: Sequence[tuple[int, int, int, int]]) -> tuple[int, int]:
    """Where a ``w`` x ``h`` badge for an outline whose top-left is (x, y) goes: above it if
    there is room, else inside; moved right, then down, until it overlaps no placed badge."""
    def clear(bx: int, by: int) -> bool:
        return all(bx + w <= x1 or bx >= x2 or by + h <= y1 or by >= y2
                   for x1, y1, x2, y2 in placed)

    start_x = max(0, min(x, width - w))
    gap = 3  # clear of the outline, so the two never blur into one another
    start_y = y - h - gap if y - h - gap >= 0 else min(y + gap, max(0, height - h))
    for dy in range(0, max(height, 1), h):
        for dx in range(0, max(width, 1), w):
            bx = (start_x + dx) % max(1, width - w + 1)
            by = (start_y + dy) % max(1, height - h + 1)
            if clear(bx, by):
                return bx, by
    return start_x, start_y  # more badges than room: overlap is unavoidable


def _outline_polygon(canvas: Image.Image, points: Sequence[tuple[float, float]],
                     colour: str) -> tuple[int, int]:
    """Outline a polygon the way a box is outlined: a ring 2 px wide in ``colour`` just inside
    its edge with 1 px of black inside that. Returns its top-left pixel (bounding box).

    Pillow's own wide polygon outlines vary in width with the slope of an edge (the black one
    vanishes on some, the colour on others), so the rings are cut from the filled shape:
    pixels within 2 (or 3) px of its edge, as a rectangle's ``width`` counts them.
    """
    left = max(0, math.floor(min(x for x, _ in points)))
    top = max(0, math.floor(min(y for _, y in points)))
    right = min(canvas.width - 1, math.ceil(max(x for x, _ in points)))
    bottom = min(canvas.height - 1, math.ceil(max(y for _, y in points)))
    pad = _RING_BLACK  # zeros around the shape, so its edges along the border erode too
    mask = Image.new("L", (right - left + 1 + 2 * pad, bottom - top + 1 + 2 * pad), 0)
    ImageDraw.Draw(mask).polygon([(x - left + pad, y - top + pad) for x, y in points], fill=255)

    def ring(px: int) -> Image.Image:
        inner = mask.filter(ImageFilter.MinFilter(2 * px + 1))
        return ImageChops.subtract(mask, inner).crop((pad, pad, mask.width - pad,
                                                      mask.height - pad))

    canvas.paste("#000000", (left, top), ring(_RING_BLACK))
    canvas.paste(colour, (left, top), ring(_RING_COLOUR))
    return left, top


def make_preview(path: Path, findings: Sequence[Finding], lang: str = DEFAULT_LANG) -> Preview:
    """A small JPEG preview of the output at ``path`` with findings outlined.

    The pixels are copied into a brand-new image before encoding, so nothing but pixels
    (no EXIF, XMP or ICC profile) can reach the report. Raises on unreadable files.
    """
    with Image.open(path) as image:
        full_size = image.size
        if full_size[0] <= 0 or full_size[1] <= 0:
            raise ValueError("image has no pixels")
        image.draft("RGB", (PREVIEW_MAX, PREVIEW_MAX))  # fast JPEG downscale; else a no-op
        rgb = _to_rgb(image)
    rgb.thumbnail((PREVIEW_MAX, PREVIEW_MAX), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", rgb.size)
    canvas.paste(rgb)
    _draw_findings(canvas, findings, full_size, lang)
    buffer = io.BytesIO()
    # 4:4:4: the badges and outlines are thin and coloured; subsampled chroma smears them.
    canvas.save(buffer, format="JPEG", quality=PREVIEW_QUALITY, optimize=True, subsampling=0)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return Preview(f"data:image/jpeg;base64,{encoded}", canvas.width, canvas.height)


# --------------------------------------------------------------------------------------------
# HTML


def _css() -> str:
    kinds = "".join(
        f".k-{kind.value}{{border-color:{colour}}}" for kind, (colour, _) in KIND_COLOURS.items()
    )
    return (
        ":root{color-scheme:light}"
        "*{box-sizing:border-box}"
        "body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;"
        "line-height:1.5;color:#1a1a1a;background:#f4f4f2;font-size:1rem}"
        "main{max-width:72rem;margin:0 auto;padding:1rem}"
        "h1{font-size:1.75rem;margin:.5rem 0 1rem}"
        "h2{font-size:1.35rem;margin:1.5rem 0 .75rem}"
        "h3{font-size:1.1rem;margin:0;overflow-wrap:anywhere}"
        "h4{font-size:1rem;margin:1rem 0 .25rem}"
        ".summary{background:#fff;border:1px solid #c4c4c4;border-radius:.5rem;padding:1rem}"
        ".counts{display:grid;grid-template-columns:repeat(auto-fit,minmax(8rem,1fr));"
        "gap:.5rem;margin:0 0 1rem}"
        ".counts div{border:1px solid #c4c4c4;border-radius:.4rem;padding:.5rem;"
        "text-align:center;background:#fafafa}"
        ".counts dt{font-size:.9rem}"
        ".counts dd{margin:0;font-size:1.6rem;font-weight:700}"
        ".card{background:#fff;border:1px solid #c4c4c4;border-left:.5rem solid #6b6b6b;"
        "border-radius:.5rem;padding:1rem;margin:0 0 1rem;break-inside:avoid}"
        ".card.st-clean{border-left-color:#1e7b34}"
        ".card.st-redacted{border-left-color:#b35900}"
        ".card.st-error{border-left-color:#b00020}"
        ".card-head{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:baseline;"
        "justify-content:space-between}"
        ".badge{display:inline-block;margin:0;padding:.1rem .6rem;border-radius:1rem;"
        "border:2px solid currentColor;font-weight:700;font-size:.9rem;white-space:nowrap}"
        ".badge.st-clean{color:#14532d;background:#e7f5ec}"
        ".badge.st-redacted{color:#7a3d00;background:#fff1e0}"
        ".badge.st-error{color:#8a0016;background:#fde8eb}"
        ".badge.st-skipped{color:#3d3d3d;background:#efefef}"
        ".verdict{font-weight:600;margin:.5rem 0 .75rem}"
        ".card-body{display:flex;flex-wrap:wrap;gap:1rem}"
        ".preview{margin:0;flex:0 0 auto;max-width:100%}"
        ".preview img{display:block;max-width:100%;height:auto;border:1px solid #6b6b6b}"
        ".preview{flex:1 1 28rem;max-width:45rem}"
        ".preview figcaption{font-size:.85rem;color:#4a4a4a}"
        ".no-preview{margin:0;padding:.75rem;border:1px dashed #6b6b6b;color:#3d3d3d;"
        "max-width:320px}"
        ".details{flex:1 1 20rem;min-width:0}"
        ".details h4:first-child{margin-top:0}"
        ".table-wrap{overflow-x:auto}"
        "table{border-collapse:collapse;width:100%;font-size:.9rem}"
        "th,td{border:1px solid #c4c4c4;padding:.25rem .5rem;text-align:left;"
        "vertical-align:top}"
        "th{background:#efefec}"
        "td.num{font-variant-numeric:tabular-nums;white-space:nowrap}"
        "td.detail,.notes li,.error-reason{overflow-wrap:anywhere}"
        ".swatch{display:inline-block;width:0;height:0;border:.45rem solid #000;"
        "margin-right:.4rem;vertical-align:-.1rem}"
        f"{kinds}"
        ".details ul{margin:.25rem 0;padding-left:1.25rem}"
        ".error-reason{margin:.25rem 0;padding:.5rem;background:#fde8eb;color:#5c0010}"
        ".guidance{background:#fff;border:1px solid #c4c4c4;border-radius:.5rem;padding:1rem}"
        ".guide p{margin:.25rem 0 .75rem;padding-left:.75rem;border-left:3px solid #2b5c8a}"
        ".guide h3{font-size:1rem}.guides{font-size:.95rem}"
        ".files{margin:.25rem 0 .75rem;padding-left:1.25rem}.group{margin:.75rem 0 .25rem}"
        ".findings{margin:.25rem 0;padding:0;list-style:none}.findings li{margin:.2rem 0}"
        ".nums{display:inline-block;min-width:1.6rem;font-weight:700}"
        ".open{display:inline-block;margin:.25rem 0;font-size:.9rem}"
        ".original{margin-top:.75rem;font-size:.9rem}"
        "footer{font-size:.85rem;color:#4a4a4a;border-top:1px solid #c4c4c4;margin-top:2rem;"
        "padding-top:.5rem}"
        "@media (max-width:40rem){main{padding:.5rem}.card{padding:.75rem}"
        "h1{font-size:1.45rem}}"
        "@media print{body{background:#fff;font-size:11pt}main{max-width:none;padding:0}"
        ".summary,.card{border-color:#888}.table-wrap{overflow:visible}"
        "*{print-color-adjust:exact;-webkit-print-color-adjust:exact}}"
    )


_COUNTS = ("photos", "clean", "redacted", "error", "skipped")  # as the terminal shows them


def needs_a_look(result: ScanResult) -> bool:
    """A copy was made, but something in it waits for a person: flagged, kept by the
    settings, not decided, or not confirmed clean."""
    return result.status.done and (
        result.verified is False
        or any(not f.hidden and f.decided_by != "user" for f in result.findings))


def _summary(results: Sequence[ScanResult], names: Sequence[str], lang: str) -> str:
    from scanner.report.summary import summarise

    counts = summarise(results)
    items = "".join(
        f'<div><dt>{esc(t(f"html.count.{key}", lang))}</dt>'
        f'<dd data-count="{key}">{counts[key]}</dd></div>'
        for key in _COUNTS
    )
    parts = [
        '<section class="summary" aria-labelledby="summary-h">',
        f'<h2 id="summary-h">{esc(t("html.summary.heading", lang))}</h2>',
        f'<dl class="counts">{items}</dl>',
    ]
    if not results:
        parts.append(f"<p>{esc(t('html.summary.empty', lang))}</p>")
    indexed = list(enumerate(zip(results, names, strict=True), start=1))
    groups = (
        ("ready", [(i, n, "") for i, (r, n) in indexed if r.status.done and not needs_a_look(r)]),
        ("look", [(i, n, verdict(r, lang)) for i, (r, n) in indexed if needs_a_look(r)]),
        ("failed", [(i, n, verdict(r, lang)) for i, (r, n) in indexed if not r.status.done]),
    )
    for key, entries in groups:
        parts.append(f'<h3 class="group g-{key}">'
                     f'{esc(t(f"html.summary.{key}", lang, n=len(entries)))}</h3>')
        if not entries:
            parts.append(f"<p>{esc(t('html.summary.none', lang))}</p>")
            continue
        lis = "".join(
            f'<li><a href="#r{i}">{esc(name)}</a>'
            + (f'<span class="why">: {esc(why)}</span>' if why else "") + "</li>"
            for i, name, why in entries)
        parts.append(f'<ul class="files">{lis}</ul>')
    parts.append(f"<p>{esc(t('html.summary.what', lang))}</p>")
    parts.append(f"<p><strong>{esc(t('html.summary.check', lang))}</strong></p>")
    parts.append("</section>")
    return "".join(parts)


def _guidance_section(keys: Sequence[str], lang: str) -> str:
    """Each piece of guidance once; the photos' cards link here."""
    if not keys:
        return ""
    paragraphs = "".join(
        f'<div class="guide" id="{_guide_id(key)}"><h3>{esc(t(_guide_title(key), lang))}</h3>'
        f"<p>{esc(t(key, lang))}</p></div>"
        for key in keys)
    return ('<section class="guidance" aria-labelledby="guide-h">'
            f'<h2 id="guide-h">{esc(t("html.guide.heading", lang))}</h2>{paragraphs}'
            f'<p class="source">{esc(t("guide.source", lang))}</p></section>')


def _guide_id(key: str) -> str:
    return "g-" + key.removeprefix("guide.").replace(".", "-")


def _guide_title(key: str) -> str:
    return "guide.title." + key.removeprefix("guide.")


CLIP_FRAMES = 6  # frames in a video's strip: 3 across, 2 down


def make_strip(path: Path) -> tuple[Preview, list[float]]:
    """A grid of frames spread over the video at ``path`` (the copy, so only redacted pixels),
    as one JPEG, and the frames' times. New pixels only, as for photos. Raises when unreadable.
    """
    from scanner.video.frames import sample

    frames = sample(path, CLIP_FRAMES)
    if not frames:
        raise ValueError("the video has no frames")
    cols = min(3, len(frames))
    rows = math.ceil(len(frames) / cols)
    h, w = frames[0].pixels.shape[:2]
    cell_w = PREVIEW_MAX // cols
    cell_h = max(1, round(h * cell_w / w))
    gap = 4
    canvas = Image.new("RGB", (cols * cell_w + (cols - 1) * gap,
                               rows * cell_h + (rows - 1) * gap), "#ffffff")
    draw = ImageDraw.Draw(canvas)
    font = _label_font()
    for k, frame in enumerate(frames):
        thumb = Image.fromarray(frame.pixels).resize((cell_w, cell_h), Image.Resampling.LANCZOS)
        x, y = (k % cols) * (cell_w + gap), (k // cols) * (cell_h + gap)
        canvas.paste(thumb, (x, y))
        label = f"{frame.time_s:.1f} s"
        box = draw.textbbox((x + 4, y + 4), label, font=font)
        draw.rectangle((box[0] - 3, box[1] - 2, box[2] + 3, box[3] + 2), fill="#000000")
        draw.text((x + 4, y + 4), label, fill="#ffffff", font=font)
    buffer = io.BytesIO()
    canvas.save(buffer, format="JPEG", quality=PREVIEW_QUALITY, optimize=True)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (Preview(f"data:image/jpeg;base64,{encoded}", canvas.width, canvas.height),
            [f.time_s for f in frames])


def _preview_html(result: ScanResult, name: str, out_root: Path | None, lang: str) -> str:
    def no_preview(key: str) -> str:
        return f'<p class="no-preview">{esc(t(key, lang))}</p>'

    if result.status in (Status.ERROR, Status.SKIPPED):
        return no_preview("html.preview.not_made")
    path = output_path(result, out_root)
    if path is None:
        return no_preview("html.preview.no_output")
    if result.clip is not None:
        return _strip_html(path, name, out_root, lang, no_preview)
    try:
        preview = make_preview(path, result.findings, lang)
    except Exception as exc:  # a broken preview must never stop the report
        _LOG.warning("no preview for %r: %s", str(path), type(exc).__name__)
        return no_preview("html.preview.unreadable")
    items = describe_counts(result.findings, lang)
    alt = (
        t("html.preview.alt", lang, name=name, items=items)
        if items
        else t("html.preview.alt.none", lang, name=name)
    )
    image = (f'<img src="{preview.data_uri}" width="{preview.width}" '
             f'height="{preview.height}" alt="{esc(alt)}">')
    href = _relative_href(path, out_root)
    if href is not None:  # the full-size copy beside the report, one click away
        image = (f'<a href="{esc(href)}" title="{esc(t("html.preview.open", lang))}">{image}</a>'
                 f'<a class="open" href="{esc(href)}">{esc(t("html.preview.open", lang))}</a>')
    return (
        f'<figure class="preview">{image}'
        f"<figcaption>{esc(t('html.preview.caption', lang))}</figcaption>"
        "</figure>"
    )


def _strip_html(path: Path, name: str, out_root: Path | None, lang: str,
                no_preview: Callable[[str], str]) -> str:
    try:
        strip, times = make_strip(path)
    except Exception as exc:  # a broken preview must never stop the report
        _LOG.warning("no strip for %r: %s", str(path), type(exc).__name__)
        return no_preview("html.preview.unreadable")
    image = (f'<img src="{strip.data_uri}" width="{strip.width}" height="{strip.height}" '
             f'alt="{esc(t("html.clip.alt", lang, name=name))}">')
    href = _relative_href(path, out_root)
    if href is not None:
        image = (f'<a href="{esc(href)}" title="{esc(t("html.preview.open", lang))}">{image}</a>'
                 f'<a class="open" href="{esc(href)}">{esc(t("html.preview.open", lang))}</a>')
    when = t("list.sep", lang).join(f"{s:.1f} s" for s in times)
    return (f'<figure class="preview">{image}'
            f"<figcaption>{esc(t('html.clip.caption', lang, times=when))}</figcaption>"
            "</figure>")


def _clip_html(result: ScanResult, lang: str) -> str:
    clip = result.clip
    if clip is None:
        return ""
    words = [t("html.clip.facts", lang, seconds=f"{clip.duration_s:.1f}", frames=clip.frames),
             t(f"html.clip.audio.{clip.audio}", lang)]
    if clip.checked_frames:
        words.append(t("html.clip.checked", lang, checked=clip.checked_frames))
    if clip.live_photo:
        words.append(t("html.clip.live", lang))
    return f'<p class="clip">{esc(" ".join(words))}</p>'


def _relative_href(path: Path, out_root: Path | None) -> str | None:
    """A relative link from the report (in ``out_root``) to ``path``, or None."""
    if out_root is None:
        return None
    try:
        rel = os.path.relpath(Path(path).resolve(), Path(out_root).resolve())
    except ValueError:  # another drive (Windows)
        return None
    return urllib.parse.quote(Path(rel).as_posix())


def _findings_html(result: ScanResult, lang: str) -> str:
    """The findings in words, numbered as the preview's badges: no scores, no coordinates
    (those stay in the JSON report)."""
    heading = f"<h4>{esc(t('html.findings.heading', lang))}</h4>"
    if not result.findings:
        return f"{heading}<p>{esc(t('html.findings.none', lang))}</p>"
    # Findings that read the same are one line ("2-7"), numbered as the preview's badges.
    lines: dict[tuple[str, str, str], list[int]] = {}
    for number, finding in enumerate(result.findings, start=1):
        what = kind_label(finding.kind, lang)
        if finding.detail:
            what = t("html.finding.detail", lang, kind=what,
                     detail=detail_words(finding.detail, lang))
        if finding.span is not None:  # a video's track: when it is on screen
            what = t("html.clip.span", lang, what=what, first=f"{finding.span[0]:.1f}",
                     last=f"{finding.span[1]:.1f}")
        key = (finding.kind.value, what, decision_words(finding, lang))
        lines.setdefault(key, []).append(number)
    items = [
        f'<li><span class="nums">{_numbers(numbers)}</span> '
        f'<span class="swatch k-{esc(kind)}" aria-hidden="true"></span>'
        f"{esc(what)}: <strong>{esc(words)}</strong></li>"
        for (kind, what, words), numbers in lines.items()
    ]
    return f'{heading}<ul class="findings">{"".join(items)}</ul>'


def _numbers(numbers: Sequence[int]) -> str:
    """1, 3-5, 8: runs of consecutive badge numbers."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}\u2013{r[-1]}" for r in runs)


def _category_text(key: str, labels: Mapping[str, object], lang: str) -> str:
    """A category's label in ``lang``; English comes from scanner.image.metadata as before."""
    translated = MESSAGES.get(lang, {}).get(f"meta.{key}")
    if lang == DEFAULT_LANG or translated is None:
        return category_label(key, labels)
    return translated[:1].upper() + translated[1:]


def _metadata_html(result: ScanResult, labels: Mapping[str, object], lang: str) -> str:
    heading = f"<h4>{esc(t('html.metadata.heading', lang))}</h4>"
    keys = list(dict.fromkeys(result.metadata_removed))
    if not keys:
        return f"{heading}<p>{esc(t('html.metadata.none', lang))}</p>"
    # One line, not a list: the kinds matter less than that they are gone.
    items = t("list.sep", lang).join(esc(_category_text(k, labels, lang)) for k in keys)
    return f'{heading}<p class="meta">{items}.</p>'


def _card(
    index: int,
    result: ScanResult,
    name: str,
    out_root: Path | None,
    labels: Mapping[str, object],
    lang: str,
) -> str:
    status = result.status
    heading_id = f"r{index}-h"
    badge = (
        f'<p class="badge st-{status.value}">'
        f'<span aria-hidden="true">{STATUS_ICONS.get(status, "")}</span> '
        f"{esc(status_label(status, lang))}</p>"
    )
    details: list[str] = []
    if status is Status.ERROR:
        details.append(f"<h4>{esc(t('html.error.heading', lang))}</h4>")
        details.append(f'<p class="error-reason">{esc(reason_words(result.error, lang))}</p>')
    if result.clip is not None and status.done:
        details.append(_clip_html(result, lang))
    if status.done or result.findings:
        details.append(_findings_html(result, lang))
    if status.done or result.metadata_removed:
        details.append(_metadata_html(result, labels, lang))
    if result.notes:
        notes = "".join(f"<li>{esc(note)}</li>" for note in result.notes)
        details.append(f"<h4>{esc(t('html.notes.heading', lang))}</h4>")
        details.append(f'<ul class="notes">{notes}</ul>')
    keys = guidance_keys(result)
    if keys:
        links = " · ".join(f'<a href="#{_guide_id(k)}">{esc(t(_guide_title(k), lang))}</a>'
                           for k in keys)
        details.append(f'<p class="guides">{esc(t("html.card.guides", lang))} {links}</p>')
    original = _original_html(result, out_root, lang)
    if original:
        details.append(original)
    return (
        f'<article class="card st-{status.value}" id="r{index}" aria-labelledby="{heading_id}">'
        f'<div class="card-head"><h3 id="{heading_id}">{esc(name)}</h3>{badge}</div>'
        f'<p class="verdict">{esc(verdict(result, lang))}</p>'
        f'<div class="card-body">{_preview_html(result, name, out_root, lang)}'
        f'<div class="details">{"".join(details)}</div></div>'
        "</article>"
    )


def _original_html(result: ScanResult, out_root: Path | None, lang: str) -> str:
    """A link to the original, behind a click: never shown, never embedded."""
    source = Path(result.source)
    if out_root is None or not source.is_file():
        return ""
    href = _relative_href(source, out_root)
    if href is None:
        return ""
    return (f'<details class="original"><summary>{esc(t("html.original.show", lang))}'
            f'</summary><a href="{esc(href)}">{esc(t("html.original.link", lang))}</a>'
            "</details>")


def render_html(
    results: Sequence[ScanResult],
    *,
    out_root: Path | None,
    lang: str = DEFAULT_LANG,
    title: str | None = None,
) -> str:
    """The whole report as one self-contained HTML document."""
    results = list(results)
    title = title or t("html.title", lang)
    page_lang = lang if lang in MESSAGES else DEFAULT_LANG
    labels = _category_labels() if any(r.metadata_removed for r in results) else {}
    names = display_names([r.source for r in results])
    keys = list(dict.fromkeys(k for r in results for k in guidance_keys(r)))
    cards = "".join(
        _card(i, r, name, out_root, labels, lang)
        for i, (r, name) in enumerate(zip(results, names, strict=True), start=1)
    )
    results_section = (
        '<section aria-labelledby="results-h">'
        f'<h2 id="results-h">{esc(t("html.results.heading", lang))}</h2>{cards}</section>'
        if results
        else ""
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{esc(page_lang)}" dir="ltr">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(title)}</title>\n<style>{_css()}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{esc(title)}</h1>\n"
        f"{_summary(results, names, lang)}\n{results_section}\n"
        f"{_guidance_section(keys, lang)}\n"
        f"<footer><p>{esc(t('html.footer.privacy', lang))}</p>"
        f"<p>{esc(t('html.footer.made', lang, version=__version__))}</p></footer>\n"
        "</main>\n</body>\n</html>\n"
    )


def write_html_report(
    results: Sequence[ScanResult],
    path: Path,
    *,
    out_root: Path | None,
    lang: str = DEFAULT_LANG,
    title: str | None = None,
) -> None:
    """Render the report and write it to ``path`` atomically (temp file + ``os.replace``).

    The file is created readable by its owner only. Raises :class:`WriteError` if it cannot
    be written; no temporary file is left behind.
    """
    path = Path(path)
    data = render_html(results, out_root=out_root, lang=lang, title=title).encode("utf-8")
    write_atomic(data, path, mode=0o600)
    _LOG.info("wrote the HTML report for %d file(s) to %s", len(results), path)
