#!/usr/bin/env python3
"""What Pillow's metadata readers see, beside what ``scanner.image.metadata`` reports.

For every file in the metadata eval set (read in place, never copied) this lists the metadata
categories (``CATEGORY_LABELS``) found two ways:

* ``pillow``: only what Pillow (and pillow-heif) expose: ``Exif.load()`` / ``getexif()`` and
  ``get_ifd()`` (Exif, GPS, IFD1), ``info`` (``exif``, ``xmp``, ``icc_profile``, ``comment``,
  ``photoshop``, PNG text chunks, after ``load()`` for chunks behind IDAT), ``applist`` (JPEG
  APPn segments), ``IptcImagePlugin.getiptcinfo`` and ``n_frames`` (MPO, TIFF pages). What
  those readers return is sorted into categories with the module's own tables (tag ->
  category, the XMP property rules, the IPTC datasets), so only the *reading* differs;
* ``module``: ``inspect_metadata(data)``, what the report says.

It prints a category x files table (files where both, only Pillow, only the module saw the
category) and, with ``-v``, every file where they differ, with what exiftool's dump of the set
(``exiftool_dump.json``) shows for those categories as the referee. ``--fixtures`` measures the
files tests/test_metadata.py builds instead (trailers, MPO, GIF, PNG tIME, truncated files).

    PYTHONPATH=. .venv/bin/python -P bench/metadata_readers.py            # the table
    PYTHONPATH=. .venv/bin/python -P bench/metadata_readers.py -v         # + per-file diffs
    PYTHONPATH=. .venv/bin/python -P bench/metadata_readers.py -v --fixtures
    ... bench/metadata_readers.py --save before.json   # module categories per file, to diff
    ... bench/metadata_readers.py --compare before.json  # exit 1 if any file's set changed
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pillow_heif
from PIL import ExifTags, Image, IptcImagePlugin

from scanner.image import metadata as m

pillow_heif.register_heif_opener()
Image.MAX_IMAGE_PIXELS = None  # eval photos are trusted

REPO = Path(__file__).resolve().parent.parent
DEFAULT_EVAL = REPO.parent / "shared" / "eval" / "metadata"
NOT_PHOTOS = {".tsv", ".json", ".md", ".txt", ".html"}
CATEGORIES = tuple(m.CATEGORY_LABELS)

# What exiftool's full dump (exiftool_dump.json, -G0:1) shows for a category, as the referee.
EXIFTOOL_RULES: dict[str, re.Pattern[str]] = {
    "exif": re.compile(r"^EXIF:"),
    "location": re.compile(r"^(?!Composite)[^:]+:(?:[^:]+:)?GPS"),
    "xmp": re.compile(r"^XMP"),
    "iptc": re.compile(r"^IPTC:"),
    "makernotes": re.compile(r"^MakerNotes:|MakerNote"),
    "icc_profile": re.compile(r"^ICC_Profile:"),
    "thumbnails": re.compile(r"^(?!Composite).*(?:Thumbnail|PreviewImage|MPImage\d|OtherImage)"),
    "trailer": re.compile(r"Trailer"),
}


# --------------------------------------------------------------------------- Pillow's view


def _as_bytes(value: object) -> bytes | None:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "replace")
    return None


def _tags(tags: Mapping[int, Any], found: set[str]) -> None:
    """The module's tag table applied to tags as Pillow decoded them."""
    for tag, value in tags.items():
        cat = m._EXIF_TAG_CATEGORIES.get(tag)
        if cat is None:
            continue
        raw = _as_bytes(value)
        if tag in m._STRING_TAGS_WITH_BLANKS and raw is not None:
            if tag == m._TAG_USER_COMMENT:
                raw = raw[8:]
            if cat == "times":
                raw = raw.strip(b"0: ")
            if not m._has_text(raw):
                continue
        found.add(cat)
    if tags.get(m._TAG_ORIENTATION) in range(2, 9):
        found.add("orientation")


def _exif_tags(exif: Image.Exif, tags: Mapping[int, Any], found: set[str]) -> None:
    _tags(tags, found)
    _tags(exif.get_ifd(ExifTags.IFD.Exif), found)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if gps or tags.get(ExifTags.IFD.GPSInfo):
        found.add("location")
    if m._GPS_TIME_TAGS & set(gps):
        found.add("times")
    ifd1 = exif.get_ifd(ExifTags.IFD.IFD1)
    if m._TAG_THUMB_OFFSET in ifd1 or m._TAG_STRIP_OFFSETS in ifd1:
        found.add("thumbnails")


def _exif_blob(raw: bytes, found: set[str]) -> None:
    if not raw.strip(b"\x00"):
        return
    found.add("exif")
    exif = Image.Exif()
    exif.load(raw)
    _exif_tags(exif, dict(exif), found)


def _exif(im: Image.Image, found: set[str]) -> None:
    if im.format != "TIFF":
        _exif_blob(_as_bytes(im.info.get("exif")) or b"", found)
        return
    tags = dict(im.tag_v2)  # not getexif(): it adds an orientation read from the XMP
    if set(tags) - m._TIFF_STRUCTURE_TAGS - m._TIFF_CONTAINER_TAGS:
        found.add("exif")
    _exif_tags(im.getexif(), tags, found)  # getexif() for the Exif and GPS sub-IFDs
    if m._TAG_SUBIFDS in tags or getattr(im, "n_frames", 1) > 1:
        found.add("thumbnails")


def _iptc(im: Image.Image, found: set[str]) -> None:
    try:
        records = IptcImagePlugin.getiptcinfo(im) or {}
    except (SyntaxError, ValueError, OSError):
        return
    records = {k: v for k, v in records.items() if k != (2, 0)}
    if records:
        found.add("iptc")
    for key, value in records.items():
        cat = m._IPTC_CATEGORIES.get(key)
        values = value if isinstance(value, list) else [value]
        if cat is not None and any(m._has_text(_as_bytes(v)) for v in values):
            found.add(cat)


def _photoshop(info: Mapping[str, Any], found: set[str]) -> None:
    for res_id, body in (info.get("photoshop") or {}).items():
        if res_id in (m._IRB_IPTC, m._IRB_IPTC_DIGEST):
            continue  # IPTC is read through getiptcinfo
        if res_id in m._IRB_THUMBNAILS:
            found.add("thumbnails")
        elif res_id == m._IRB_ICC:
            found.add("icc_profile")
        elif res_id in m._IRB_EXIF or res_id == m._IRB_XMP:
            data = _as_bytes(body) or b""
            if res_id == m._IRB_XMP:
                m._inspect_xmp(data, found)
            else:
                _exif_blob(data, found)
        else:
            found.add("editing_history")


def _jpeg_segments(im: Image.Image, found: set[str]) -> None:
    for marker, body in getattr(im, "applist", ()):
        if marker == "APP0" and (
            (body.startswith(b"JFIF\x00") and len(body) >= 14 and all(body[12:14]))
            or body.startswith(b"JFXX\x00")
        ):
            found.add("thumbnails")
        elif (marker == "APP11" and body[:2] == b"JP") or (
            marker == "APP12" and body.startswith(b"Ducky")
        ):
            found.add("editing_history")  # C2PA (JUMBF) or Photoshop "Save for Web"
    if getattr(im, "n_frames", 1) > 1:  # MPO: Pillow read the MPF index
        found.add("thumbnails")


def _png_text(im: Image.Image, found: set[str]) -> None:
    text = getattr(im, "text", None) or {}
    for key, value in text.items():
        raw_key = key.encode("latin-1", "replace")
        if raw_key == m._PNG_XMP_KEYWORD:
            continue  # read as info["xmp"]
        profile = m._PNG_RAW_PROFILES.get(raw_key)
        if profile is not None:
            found.add(profile)
            continue
        if not m._has_text(_as_bytes(str(value))):
            continue
        found.add("comments")
        extra = m._PNG_TEXT_KEYWORDS.get(raw_key.lower())
        if extra is not None:
            found.add(extra)


def pillow_categories(data: bytes) -> set[str]:
    found: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            im = Image.open(io.BytesIO(data))
        except (OSError, ValueError, SyntaxError):
            return found
        with im:
            if im.format == "PNG":
                im.load()  # Pillow reads the chunks after IDAT (text, eXIf) only while decoding
            info = im.info
            _exif(im, found)
            xmp = _as_bytes(info.get("xmp"))
            if xmp:
                m._inspect_xmp(xmp, found)
            if info.get("icc_profile"):
                found.add("icc_profile")
            comment = _as_bytes(info.get("comment"))
            if comment and m._has_text(comment):
                found.add("comments")
            _iptc(im, found)
            _photoshop(info, found)
            if im.format in ("JPEG", "MPO"):
                _jpeg_segments(im, found)
            elif im.format == "PNG":
                _png_text(im, found)
            elif im.format in ("HEIF", "AVIF"):
                if getattr(im, "n_frames", 1) > 1:
                    found.add("thumbnails")
                m._inspect_heif_info(info, found)
    return found


# --------------------------------------------------------------------------- report


def referee(dump: Mapping[str, Any], name: str, cats: list[str]) -> str:
    """What exiftool's dump says about each category ("?" where no rule answers for it)."""
    tags = dump.get(name)
    if not tags:
        return ""
    said = []
    for cat in cats:
        rule = EXIFTOOL_RULES.get(cat)
        verdict = "?" if rule is None else "yes" if any(map(rule.search, tags)) else "no"
        said.append(f"{cat}={verdict}")
    return "   [exiftool: " + ", ".join(said) + "]"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("eval_dir", nargs="?", type=Path, default=DEFAULT_EVAL)
    ap.add_argument("-v", "--verbose", action="store_true", help="list every differing file")
    ap.add_argument(
        "--fixtures",
        action="store_true",
        help="measure the files tests/test_metadata.py builds instead (trailers, MPO, GIF, ...)",
    )
    ap.add_argument("--save", type=Path, help="write the module's categories per file (JSON)")
    ap.add_argument("--compare", type=Path, help="compare the module's categories to a --save")
    args = ap.parse_args(argv)
    sources: dict[str, bytes] = {}
    dump: dict[str, Any] = {}
    if args.fixtures:
        sys.path.insert(0, str(REPO))
        from tests.test_metadata import BUILDERS  # dev-only, on request

        sources = {name: build() for name, build in sorted(BUILDERS.items())}
        where = "tests/test_metadata.py BUILDERS"
    else:
        for path in sorted(args.eval_dir.iterdir()):
            if path.is_file() and path.suffix.lower() not in NOT_PHOTOS:
                sources[path.name] = path.read_bytes()
        dump_path = args.eval_dir / "exiftool_dump.json"
        dump = json.loads(dump_path.read_text()) if dump_path.is_file() else {}
        where = str(args.eval_dir)
    if not sources:
        ap.error(f"no photos in {args.eval_dir}")

    rows: dict[str, tuple[set[str], set[str]]] = {}
    spent = [0.0, 0.0]
    for name, data in sources.items():
        t0 = time.perf_counter()
        pil = pillow_categories(data)
        t1 = time.perf_counter()
        mod = set(m.inspect_metadata(data))
        spent[0] += t1 - t0
        spent[1] += time.perf_counter() - t1
        rows[name] = (pil, mod)

    print(f"{len(rows)} files from {where}")
    head = f"{'category':<16} {'pillow':>6} {'module':>6} {'both':>5} {'only pillow':>11} " \
           f"{'only module':>11}"
    print(head)
    print("-" * len(head))
    for cat in CATEGORIES:
        p = {n for n, (pil, _) in rows.items() if cat in pil}
        h = {n for n, (_, mod) in rows.items() if cat in mod}
        print(f"{cat:<16} {len(p):>6} {len(h):>6} {len(p & h):>5} {len(p - h):>11} "
              f"{len(h - p):>11}")
    same = sum(pil == mod for pil, mod in rows.values())
    print(f"\nfiles where Pillow's readers and the module agree on every category: {same} of "
          f"{len(rows)}")
    print(f"time: Pillow's readers {spent[0] * 1e3:.0f} ms, module {spent[1] * 1e3:.0f} ms "
          f"(Pillow decodes PNGs to reach chunks after IDAT)")
    if args.verbose:
        print("\nfiles where they differ (exiftool_dump.json as referee):")
        for name, (pil, mod) in rows.items():
            if pil == mod:
                continue
            extra = sorted(pil - mod)
            missing = sorted(mod - pil)
            print(f"  {name}: only module {missing or '-'}; only pillow {extra or '-'}"
                  + referee(dump, name, missing + extra))

    module = {n: sorted(mod) for n, (_, mod) in rows.items()}
    if args.save:
        args.save.write_text(json.dumps(module, indent=1) + "\n")
        print(f"wrote {args.save}")
    if args.compare:
        before = json.loads(args.compare.read_text())
        changed = {n: (before.get(n), cats) for n, cats in module.items() if before.get(n) != cats}
        for n, (old, new) in changed.items():
            print(f"  CHANGED {n}: {old} -> {new}")
        print(f"module categories unchanged on {len(module) - len(changed)} of {len(module)} files")
        return 1 if changed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
