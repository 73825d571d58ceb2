"""Name the categories of metadata an image file carried, for the per-image report.

PostSafe never copies metadata: it rebuilds every output from decoded pixels. This module only
tells the user *what kinds* of metadata the source had (and therefore what was removed). It
returns category keys, never values: no coordinates, names or serial numbers leave this module,
and nothing read from the file is logged.

Every parser here reads untrusted bytes. They are written to be bounded (capped loops, no
recursion, offsets checked before use) and each container parser runs under one outer guard, so a
hostile file yields whatever categories were found before the parser gave up, never an exception.
"""

from __future__ import annotations

import io
import logging
import re
import struct
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

from scanner.image.files import HEAD_BYTES, sniff

log = logging.getLogger(__name__)

__all__ = ["CATEGORY_LABELS", "inspect_metadata"]

CATEGORY_LABELS: dict[str, str] = {
    "location": "location (GPS)",
    "device": "camera make, model and serial numbers",
    "times": "dates and times",
    "people": "names of people (artist, owner, tagged faces)",
    "thumbnails": "embedded thumbnails and second images",
    "comments": "comments and descriptions",
    "editing_history": "editing software and history",
    "makernotes": "maker notes (camera-private data)",
    "xmp": "XMP metadata",
    "iptc": "IPTC press metadata",
    "exif": "EXIF metadata",
    "icc_profile": "colour profile",
    "trailer": "hidden data after the end of the image",
    "orientation": "orientation tag (applied to the pixels)",
    "motion_photo": "the video of a motion photo",
    # Videos (scanner.video.metadata)
    "video_tracks": "chapters, subtitles, timecode and data tracks",
    "audio": "the sound track (voices and names spoken aloud)",
}
_KEYS = frozenset(CATEGORY_LABELS)

# Bytes after the end of an image that are only this long and only 0x00/0xFF are encoder
# padding, not hidden data.
_MAX_PADDING = 16
_PAD_BYTES = frozenset(b"\x00\xff")

# Loop caps. Real files stay far below these; hostile files stop here instead of spinning.
_MAX_IFDS = 64  # IFDs visited per TIFF structure
_MAX_IFD_ENTRIES = 4096  # entries read per IFD
_MAX_VALUE = 1 << 16  # bytes read per tag value when its content matters
_MAX_JPEG_SEGMENTS = 65_536
_MAX_EMBEDDED_JPEGS = 16  # MPF frames / appended images examined per file
_MAX_MPF_ENTRIES = 64
_MAX_PNG_CHUNKS = 200_000
_MAX_GIF_BLOCKS = 1_000_000
_MAX_RIFF_CHUNKS = 10_000
_MAX_IRB_RESOURCES = 10_000
_MAX_IPTC_RECORDS = 100_000
_MAX_XMP_SCAN = 4 << 20  # bytes of one XMP packet searched for properties
_MAX_XMP_PACKETS = 4  # raw XMP packets searched for in HEIF/unknown containers
_MAX_INFLATE = 4 << 20  # decompressed bytes accepted from a zTXt/iTXt chunk

Found = set[str]


# --------------------------------------------------------------------------- helpers


def _is_padding(region: bytes) -> bool:
    return len(region) <= _MAX_PADDING and all(b in _PAD_BYTES for b in region)


def _has_text(value: bytes | None) -> bool:
    """True unless a string value is known to be blank (cameras often write padded blanks)."""
    if value is None:  # content unknown (e.g. out of bounds): assume it was there
        return True
    return bool(value.strip(b"\x00 \t\r\n"))


def _inflate(payload: bytes) -> bytes:
    """Decompress zlib data with an output cap, so a zip bomb cannot exhaust memory."""
    return zlib.decompressobj().decompress(payload, _MAX_INFLATE)


# --------------------------------------------------------------------------- TIFF / EXIF

# Byte size of each TIFF field type (BigTIFF types are not needed for EXIF).
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_STRING_TYPES = frozenset({1, 2, 7})  # BYTE, ASCII, UNDEFINED: blank values are ignored

_TAG_EXIF_IFD = 0x8769
_TAG_GPS_IFD = 0x8825
_TAG_INTEROP_IFD = 0xA005
_TAG_ORIENTATION = 0x0112
_TAG_USER_COMMENT = 0x9286
_TAG_SUBIFDS = 0x014A
_TAG_XMP = 0x02BC
_TAG_IPTC = 0x83BB
_TAG_PHOTOSHOP = 0x8649
_TAG_ICC = 0x8773
_TAG_MAKERNOTE = 0x927C
_TAG_THUMB_OFFSET = 0x0201
_TAG_STRIP_OFFSETS = 0x0111

# Main-IFD (IFD0 / Exif IFD) tags that reveal something beyond pixels.
_EXIF_TAG_CATEGORIES: dict[int, str] = {
    # device
    0x010F: "device",  # Make
    0x0110: "device",  # Model
    0xA431: "device",  # BodySerialNumber
    0xA433: "device",  # LensMake
    0xA434: "device",  # LensModel
    0xA435: "device",  # LensSerialNumber
    0xC614: "device",  # UniqueCameraModel (DNG)
    0xC615: "device",  # LocalizedCameraModel (DNG)
    0xC62F: "device",  # CameraSerialNumber (DNG)
    0xFDE9: "device",  # SerialNumber (old Camera Raw)
    0xFDEA: "device",  # Lens (old Camera Raw)
    # times
    0x0132: "times",  # DateTime
    0x9003: "times",  # DateTimeOriginal
    0x9004: "times",  # DateTimeDigitized
    0x9010: "times",  # OffsetTime
    0x9011: "times",  # OffsetTimeOriginal
    0x9012: "times",  # OffsetTimeDigitized
    0x9290: "times",  # SubSecTime
    0x9291: "times",  # SubSecTimeOriginal
    0x9292: "times",  # SubSecTimeDigitized
    0xC71B: "times",  # PreviewDateTime (DNG)
    # people
    0x013B: "people",  # Artist
    0x8298: "people",  # Copyright
    0x9C9D: "people",  # XPAuthor
    0xA430: "people",  # CameraOwnerName
    0xFDE8: "people",  # OwnerName (old Camera Raw)
    # comments
    0x010D: "comments",  # DocumentName
    0x010E: "comments",  # ImageDescription
    0x9286: "comments",  # UserComment
    0x9C9B: "comments",  # XPTitle
    0x9C9C: "comments",  # XPComment
    0x9C9E: "comments",  # XPKeywords
    0x9C9F: "comments",  # XPSubject
    # editing history
    0x000B: "editing_history",  # ProcessingSoftware
    0x0131: "editing_history",  # Software
    0x013C: "editing_history",  # HostComputer
    0x935C: "editing_history",  # ImageSourceData (Photoshop layers)
    # containers of other metadata
    _TAG_MAKERNOTE: "makernotes",
    0xC634: "makernotes",  # DNGPrivateData
    _TAG_XMP: "xmp",
    _TAG_IPTC: "iptc",
    _TAG_ICC: "icc_profile",
}
_STRING_TAGS_WITH_BLANKS = frozenset(
    t
    for t, c in _EXIF_TAG_CATEGORIES.items()
    if c in {"device", "times", "people", "comments"} or t in {0x000B, 0x0131, 0x013C}
)

# GPS IFD tags that also carry a time.
_GPS_TIME_TAGS = frozenset({0x0007, 0x001D})  # GPSTimeStamp, GPSDateStamp

# TIFF tags that only describe how the pixels are stored. A TIFF file with nothing else carries
# no EXIF-style metadata.
# fmt: off
_TIFF_STRUCTURE_TAGS = frozenset(
    {254, 255, 256, 257, 258, 259, 262, 263, 264, 265, 266, 273, 274, 277, 278, 279, 280, 281,
     282, 283, 284, 286, 287, 290, 291, 292, 293, 296, 297, 301, 317, 318, 319, 320, 321, 322,
     323, 324, 325, 330, 332, 333, 334, 336, 338, 339, 340, 341, 342, 347,
     512, 513, 514, 515, 517, 518, 519, 520, 521, 529, 530, 531, 532}
)
# fmt: on
# TIFF tags reported under their own category rather than as "exif".
_TIFF_CONTAINER_TAGS = frozenset({_TAG_XMP, _TAG_IPTC, _TAG_ICC, _TAG_PHOTOSHOP})


@dataclass(frozen=True, slots=True)
class _Entry:
    """One IFD entry. The value is referenced, not copied, until it is asked for."""

    typ: int
    count: int
    start: int | None  # absolute offset of the value in the buffer; None if unusable

    def value(self, buf: bytes, limit: int = _MAX_VALUE) -> bytes | None:
        if self.start is None:
            return None
        size = _TYPE_SIZES.get(self.typ, 1) * self.count
        return buf[self.start : self.start + min(size, limit)]


class _TiffReader:
    """Bounded reader for a classic TIFF structure (EXIF payloads, TIFF files, MPF)."""

    def __init__(self, buf: bytes) -> None:
        if buf[:2] == b"II":
            self.fmt = "<"
        elif buf[:2] == b"MM":
            self.fmt = ">"
        else:
            raise ValueError("no TIFF byte-order mark")
        self.buf = buf
        if len(buf) < 8 or self.u16(2) != 42:
            raise ValueError("not a classic TIFF header")
        self.first = self.u32(4)
        self._seen: set[int] = set()

    def u16(self, off: int) -> int:
        return int(struct.unpack_from(self.fmt + "H", self.buf, off)[0])

    def u32(self, off: int) -> int:
        return int(struct.unpack_from(self.fmt + "I", self.buf, off)[0])

    def read_ifd(self, off: int) -> tuple[dict[int, _Entry], int]:
        """Entries of the IFD at ``off`` and the next-IFD offset (0 if none).

        Each IFD is read at most once, so self-references and cycles end here.
        """
        n = len(self.buf)
        if off in self._seen or len(self._seen) >= _MAX_IFDS or not 0 < off <= n - 2:
            return {}, 0
        self._seen.add(off)
        declared = self.u16(off)
        count = min(declared, _MAX_IFD_ENTRIES, (n - off - 2) // 12)
        entries: dict[int, _Entry] = {}
        for i in range(count):
            pos = off + 2 + 12 * i
            tag, typ, cnt = struct.unpack_from(self.fmt + "HHI", self.buf, pos)
            size = _TYPE_SIZES.get(typ)
            start: int | None = None
            if size is not None:
                start = pos + 8 if size * cnt <= 4 else self.u32(pos + 8)
                if start >= n:
                    start = None
            entries.setdefault(tag, _Entry(typ, cnt, start))
        nxt_pos = off + 2 + 12 * declared
        nxt = self.u32(nxt_pos) if nxt_pos + 4 <= n else 0
        return entries, nxt

    def pointer(self, entry: _Entry | None) -> int:
        """The IFD offset an IFD-pointer tag holds (0 if unreadable)."""
        if entry is None or entry.start is None or entry.start + 4 > len(self.buf):
            return 0
        if entry.typ == 3:  # a SHORT pointer is invalid but harmless to follow
            return self.u16(entry.start)
        return self.u32(entry.start)

    def uint(self, entry: _Entry) -> int | None:
        """First value of a SHORT/LONG entry."""
        if entry.start is None:
            return None
        try:
            if entry.typ == 3:
                return self.u16(entry.start)
            if entry.typ in (4, 13):
                return self.u32(entry.start)
        except struct.error:
            return None
        return None


@dataclass
class _TiffTree:
    reader: _TiffReader
    ifd0: dict[int, _Entry] = field(default_factory=dict)
    ifd1: dict[int, _Entry] = field(default_factory=dict)
    exif: dict[int, _Entry] = field(default_factory=dict)
    gps: dict[int, _Entry] = field(default_factory=dict)
    gps_present: bool = False
    pages: int = 0  # IFDs in the IFD0 chain (TIFF files: pages and reduced images)


def _read_tiff_tree(buf: bytes, follow_chain: bool) -> _TiffTree:
    """Read IFD0, IFD1 (or the page chain), and the Exif and GPS sub-IFDs.

    Each IFD is read under its own guard so one bad offset loses only that IFD.
    """
    reader = _TiffReader(buf)
    tree = _TiffTree(reader)
    try:
        tree.ifd0, nxt = reader.read_ifd(reader.first)
        tree.pages = 1 if tree.ifd0 else 0
    except struct.error:
        log.debug("EXIF: IFD0 unreadable")
        return tree
    try:
        while nxt and tree.pages < _MAX_IFDS:
            entries, nxt = reader.read_ifd(nxt)
            if not entries:
                break
            if tree.pages == 1:
                tree.ifd1 = entries
            tree.pages += 1
            if not follow_chain:
                break
    except struct.error:
        log.debug("EXIF: IFD chain unreadable")
    for tag, name in ((_TAG_EXIF_IFD, "exif"), (_TAG_GPS_IFD, "gps")):
        if tag not in tree.ifd0:
            continue
        try:
            offset = reader.pointer(tree.ifd0[tag])
            if name == "gps":
                # A GPS pointer counts unless it is null or leads to a readable, empty IFD; an
                # unreadable one is still reported, since we cannot rule a location out.
                tree.gps_present = offset != 0 and not (
                    0 < offset <= len(buf) - 2 and reader.u16(offset) == 0
                )
            entries, _ = reader.read_ifd(offset)
        except struct.error:
            log.debug("EXIF: %s IFD unreadable", name)
            continue
        setattr(tree, name, entries)
    return tree


def _categorise_main_tags(
    tags: Mapping[int, _Entry], reader: _TiffReader, found: Found, allow_irb: bool = True
) -> None:
    buf = reader.buf
    for tag, entry in tags.items():
        cat = _EXIF_TAG_CATEGORIES.get(tag)
        if cat is None:
            continue
        if tag in _STRING_TAGS_WITH_BLANKS and entry.typ in _STRING_TYPES:
            value = entry.value(buf)
            if tag == _TAG_USER_COMMENT and value is not None:
                value = value[8:]  # skip the character-code prefix ("ASCII\0\0\0", ...)
            if cat == "times" and value is not None:
                value = value.strip(b"0: ")  # "0000:00:00 00:00:00" is a no-date placeholder
            if not _has_text(value):
                continue
        elif entry.count == 0:
            continue
        found.add(cat)
        if tag == _TAG_IPTC:
            _inspect_iptc(entry.value(buf, len(buf)) or b"", found)
    orientation = tags.get(_TAG_ORIENTATION)
    if orientation is not None and reader.uint(orientation) in range(2, 9):
        found.add("orientation")
    photoshop = tags.get(_TAG_PHOTOSHOP)
    if photoshop is not None and allow_irb:
        _inspect_irb(photoshop.value(buf, len(buf)) or b"", found)


def _categorise_gps(tree: _TiffTree, found: Found) -> None:
    # The GPS IFD itself is the privacy signal, even with no coordinates in it.
    if tree.gps or tree.gps_present:
        found.add("location")
    if _GPS_TIME_TAGS & tree.gps.keys():
        found.add("times")


def _exif_tiff_start(payload: bytes) -> int:
    """Offset of the TIFF header in an EXIF blob (with or without the "Exif\\0\\0" prefix)."""
    if payload[:4] == b"Exif":
        return 6
    for mark in (b"II*\x00", b"MM\x00*"):
        pos = payload.find(mark, 0, 16)
        if pos >= 0:
            return pos
    return 0


def _inspect_exif(payload: bytes, found: Found, allow_irb: bool = True) -> None:
    """Categories from an EXIF blob (JPEG APP1 body, PNG eXIf, WebP EXIF, HEIF Exif item).

    ``allow_irb=False`` for EXIF found inside a Photoshop IRB, so IRB -> EXIF -> IRB nesting
    cannot recurse.
    """
    if not payload.strip(b"\x00"):
        return
    found.add("exif")
    tiff = payload[_exif_tiff_start(payload) :]
    try:
        tree = _read_tiff_tree(tiff, follow_chain=False)
    except (ValueError, struct.error):
        log.debug("EXIF: no readable TIFF header")
        return
    _categorise_main_tags(tree.ifd0, tree.reader, found, allow_irb)
    _categorise_main_tags(tree.exif, tree.reader, found, allow_irb)
    _categorise_gps(tree, found)
    if _TAG_THUMB_OFFSET in tree.ifd1 or _TAG_STRIP_OFFSETS in tree.ifd1:
        found.add("thumbnails")


def _inspect_tiff(buf: bytes, found: Found) -> None:
    tree = _read_tiff_tree(buf, follow_chain=True)
    main = {**tree.ifd0, **tree.exif}
    if any(t not in _TIFF_STRUCTURE_TAGS and t not in _TIFF_CONTAINER_TAGS for t in main):
        found.add("exif")
    _categorise_main_tags(tree.ifd0, tree.reader, found)
    _categorise_main_tags(tree.exif, tree.reader, found)
    _categorise_gps(tree, found)
    # Extra pages, reduced-resolution images and DNG previews are all second images.
    if tree.pages > 1 or _TAG_SUBIFDS in tree.ifd0:
        found.add("thumbnails")


# --------------------------------------------------------------------------- IPTC / Photoshop

# IPTC IIM record 2 datasets (plus record 1 date/time sent).
_IPTC_CATEGORIES: dict[tuple[int, int], str] = {
    (2, 80): "people",  # By-line
    (2, 85): "people",  # By-line Title
    (2, 116): "people",  # Copyright Notice
    (2, 118): "people",  # Contact
    (2, 122): "people",  # Writer/Editor
    (2, 30): "times",  # Release Date
    (2, 35): "times",  # Release Time
    (2, 37): "times",  # Expiration Date
    (2, 38): "times",  # Expiration Time
    (2, 55): "times",  # Date Created
    (2, 60): "times",  # Time Created
    (2, 62): "times",  # Digital Creation Date
    (2, 63): "times",  # Digital Creation Time
    (1, 70): "times",  # Date Sent
    (1, 80): "times",  # Time Sent
    (2, 26): "location",  # Content Location Code
    (2, 27): "location",  # Content Location Name
    (2, 90): "location",  # City
    (2, 92): "location",  # Sub-location
    (2, 95): "location",  # Province/State
    (2, 100): "location",  # Country Code
    (2, 101): "location",  # Country Name
    (2, 5): "comments",  # Object Name (title)
    (2, 25): "comments",  # Keywords
    (2, 40): "comments",  # Special Instructions
    (2, 105): "comments",  # Headline
    (2, 120): "comments",  # Caption/Abstract
    (2, 65): "editing_history",  # Originating Program
    (2, 70): "editing_history",  # Program Version
}


def _inspect_iptc(payload: bytes, found: Found) -> None:
    """Categories from IPTC IIM records (0x1C record dataset length value)."""
    n = len(payload)
    pos = 0
    any_record = False
    for _ in range(_MAX_IPTC_RECORDS):
        if pos + 5 > n or payload[pos] != 0x1C:
            break
        record, dataset = payload[pos + 1], payload[pos + 2]
        size = (payload[pos + 3] << 8) | payload[pos + 4]
        pos += 5
        if size & 0x8000:  # extended length: the low bits give the size of the length field
            width = size & 0x7FFF
            if width > 8 or pos + width > n:
                break
            size = int.from_bytes(payload[pos : pos + width], "big")
            pos += width
        value = payload[pos : pos + size]
        pos += size
        if record == 2 and dataset == 0:  # Record Version is structural
            continue
        any_record = True
        cat = _IPTC_CATEGORIES.get((record, dataset))
        if cat is not None and _has_text(value):
            found.add(cat)
    if any_record:
        found.add("iptc")


_IRB_SIGNATURES = (b"8BIM", b"PHUT", b"AgHg", b"DCSR", b"MeSa")
_IRB_IPTC = 0x0404
_IRB_IPTC_DIGEST = 0x0425  # MD5 of the IPTC block, written by every IPTC editor
_IRB_THUMBNAILS = frozenset({0x0409, 0x040C})
_IRB_ICC = 0x040F
_IRB_EXIF = frozenset({0x0422, 0x0423})
_IRB_XMP = 0x0424


def _inspect_irb(payload: bytes, found: Found) -> None:
    """Categories from Photoshop image resource blocks (JPEG APP13, TIFF tag 34377)."""
    n = len(payload)
    pos = 0
    for _ in range(_MAX_IRB_RESOURCES):
        if pos + 12 > n or payload[pos : pos + 4] not in _IRB_SIGNATURES:
            break
        res_id = (payload[pos + 4] << 8) | payload[pos + 5]
        name_len = payload[pos + 6]
        pos += 6 + ((name_len + 2) & ~1)  # Pascal name padded to an even length
        if pos + 4 > n:
            break
        size = int.from_bytes(payload[pos : pos + 4], "big")
        pos += 4
        body = payload[pos : pos + size]
        pos += size + (size & 1)
        if res_id == _IRB_IPTC:
            _inspect_iptc(body, found)
        elif res_id == _IRB_IPTC_DIGEST:
            continue
        elif res_id in _IRB_THUMBNAILS:
            found.add("thumbnails")
        elif res_id == _IRB_ICC:
            found.add("icc_profile")
        elif res_id in _IRB_EXIF:
            _inspect_exif(body, found, allow_irb=False)
        elif res_id == _IRB_XMP:
            _inspect_xmp(body, found)
        else:
            # Anything else (print settings, slices, layer state, writer name) is Photoshop's
            # record of the editing session.
            found.add("editing_history")


# --------------------------------------------------------------------------- XMP


_PHOTOSHOP_IPTC_PROPS = (
    rb"City|State|Country|DateCreated|Headline|Credit|Source|Instructions|"
    rb"TransmissionReference|Urgency|Category|SupplementalCategories|AuthorsPosition|CaptionWriter"
)
# Property names (prefix:Name) per category. Prefixes are the conventional ones.
_XMP_RULES: tuple[tuple[str, bytes], ...] = (
    (
        "location",
        (
            rb"[A-Za-z][\w-]*:GPS[A-Za-z]+|Iptc4xmpCore:(?:Location|CountryCode)|"
            rb"Iptc4xmpExt:(?:LocationCreated|LocationShown|City|CountryName|ProvinceState|"
            rb"Sublocation)|photoshop:(?:City|State|Country)|drone-dji:(?:Gps[A-Za-z]+|"
            rb"AbsoluteAltitude)"
        ),
    ),
    (
        "device",
        (
            rb"[A-Za-z][\w-]*:(?:Make|Model|SerialNumber|BodySerialNumber|CameraSerialNumber|"
            rb"LensSerialNumber|InternalSerialNumber|LensMake|LensModel|Lens|LensID|"
            rb"UniqueCameraModel|LocalizedCameraModel)"
        ),
    ),
    (
        "times",
        (
            rb"[A-Za-z][\w-]*:(?:CreateDate|ModifyDate|MetadataDate|DateCreated|DateTimeOriginal|"
            rb"DateTimeDigitized|DateTime|DateSent|GPSTimeStamp|GPSDateStamp|GPSDateTime|"
            rb"SubSecTime[A-Za-z]*|OffsetTime[A-Za-z]*)|stEvt:when|dc:date"
        ),
    ),
    (
        "people",
        (
            rb"dc:creator|dc:rights|xmpRights:Owner|photoshop:(?:AuthorsPosition|CaptionWriter|"
            rb"Credit)|Iptc4xmpCore:CreatorContactInfo|Iptc4xmpExt:PersonInImage[A-Za-z]*|"
            rb"mwg-rs:Regions|MPRI:Regions|MP:RegionInfo|MPReg:PersonDisplayName|"
            rb"plus:(?:ImageCreator|CopyrightOwner|Licensor)|"
            rb"[A-Za-z][\w-]*:(?:OwnerName|CameraOwnerName|Artist|Copyright)"
        ),
    ),
    (
        "comments",
        (
            rb"dc:description|dc:title|dc:subject|exif:UserComment|tiff:ImageDescription|"
            rb"photoshop:(?:Headline|Instructions)|lr:hierarchicalSubject"
        ),
    ),
    (
        "editing_history",
        (
            rb"xmpMM:(?:History|DerivedFrom|Ingredients|Pantry)|xmp:CreatorTool|tiff:Software|"
            rb"stEvt:softwareAgent|crs:[A-Za-z]\w*|"
            rb"photoshop:(?!(?:" + _PHOTOSHOP_IPTC_PROPS + rb")(?![\w-]))[A-Za-z]\w*"
        ),
    ),
    (
        "thumbnails",
        (
            rb"hdrgm:[A-Za-z]\w*|Container:Directory|xmp:Thumbnails|xmpGImg:image|GDepth:Data|"
            rb"GImage:Data|HDRGainMap:[A-Za-z]\w*|apdi:[A-Za-z]\w*"
        ),
    ),
)
# One pass finds candidate property names (as element or attribute, not inside a longer name or
# a closing tag); each distinct name is then classified against every rule, because one name can
# belong to two categories (exif:GPSDateTime is a location and a time).
_XMP_PROPERTY_RE = re.compile(
    rb"(?<![\w:./-])(?:" + b"|".join(p for _, p in _XMP_RULES) + rb")(?![\w-])"
)
_XMP_NAME_RULES = tuple((cat, re.compile(pattern)) for cat, pattern in _XMP_RULES)
_XMP_CATEGORIES = frozenset(cat for cat, _ in _XMP_RULES)
_XMP_NAME_CACHE_SIZE = 1024
_XMP_VALUE_RE = re.compile(rb"\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_XMP_EMPTY_ELEMENT_RE = re.compile(rb"\s*(?:/>|>\s*</)")


def _xmp_property_has_value(text: bytes, end: int) -> bool:
    """Whether the property name ending at ``end`` carries a non-empty value."""
    attr = _XMP_VALUE_RE.match(text, end)
    if attr is not None:
        value = attr.group(1) if attr.group(1) is not None else attr.group(2)
        return _has_text(value)
    return _XMP_EMPTY_ELEMENT_RE.match(text, end) is None


def _inspect_xmp(packet: bytes, found: Found) -> None:
    """Categories from an XMP packet, by property name (values are only checked for blankness)."""
    if not packet.strip(b"\x00 \t\r\n"):
        return
    found.add("xmp")
    text = packet[:_MAX_XMP_SCAN]
    names: dict[bytes, tuple[str, ...]] = {}
    for match in _XMP_PROPERTY_RE.finditer(text):
        if found >= _XMP_CATEGORIES:
            return
        name = match.group()
        cats = names.get(name)
        if cats is None:
            cats = tuple(cat for cat, rule in _XMP_NAME_RULES if rule.fullmatch(name))
            if len(names) < _XMP_NAME_CACHE_SIZE:
                names[name] = cats
        if any(c not in found for c in cats) and _xmp_property_has_value(text, match.end()):
            found.update(cats)


_XMP_START_RE = re.compile(rb"<\?xpacket begin=|<x:xmpmeta[\s>]")
_XMP_END = b"</x:xmpmeta>"


def _scan_raw_xmp(buf: bytes, found: Found) -> None:
    """Find XMP packets stored uncompressed anywhere in a container we do not fully parse."""
    pos = 0
    for _ in range(_MAX_XMP_PACKETS):
        match = _XMP_START_RE.search(buf, pos)
        if match is None:
            return
        end = buf.find(_XMP_END, match.start(), match.start() + _MAX_XMP_SCAN)
        stop = end + len(_XMP_END) if end >= 0 else match.start() + _MAX_XMP_SCAN
        _inspect_xmp(buf[match.start() : stop], found)
        pos = max(stop, match.end())


# --------------------------------------------------------------------------- JPEG

_EXIF_APP1 = (b"Exif\x00\x00", b"Exif\x00\xff")
_XMP_APP1 = b"http://ns.adobe.com/xap/1.0/\x00"
_XMP_EXT_APP1 = b"http://ns.adobe.com/xmp/extension/\x00"
_ICC_APP2 = b"ICC_PROFILE\x00"
_MPF_APP2 = b"MPF\x00"
_PHOTOSHOP_APP13 = b"Photoshop 3.0\x00"
_SOI = b"\xff\xd8\xff"
_SOS, _EOI, _COM = 0xDA, 0xD9, 0xFE
# A marker inside entropy-coded data: 0xFF followed by anything except stuffing (0x00), a
# restart marker (0xD0-0xD7) or a fill byte. Matching two bytes keeps the search linear.
_ENTROPY_MARKER_RE = re.compile(rb"\xff[\x01-\xcf\xd8-\xfe]")


@dataclass
class _JpegScan:
    primary: bool  # the first image of the file (its MPF index is the one that counts)
    end: int | None = None  # offset just past this image's EOI; None if it was not found
    mpf_images: int = 0  # images the MPF index declares (primary included)
    mpf_extents: list[tuple[int, int]] = field(default_factory=list)  # secondary images
    irb: list[bytes] = field(default_factory=list)  # APP13 Photoshop payloads, in order


def _parse_mpf(payload: bytes, tiff_base: int, file_size: int, scan: _JpegScan) -> None:
    """Read the MP Entry table: where the other images of an MPO/Ultra HDR file live."""
    reader = _TiffReader(payload)
    entries, _ = reader.read_ifd(reader.first)
    table = entries.get(0xB002)  # MPEntry
    if table is None or table.start is None:
        number = entries.get(0xB001)  # NumberOfImages
        scan.mpf_images = max(scan.mpf_images, (reader.uint(number) or 0) if number else 0)
        return
    raw = table.value(payload, 16 * _MAX_MPF_ENTRIES) or b""
    scan.mpf_images = max(scan.mpf_images, len(raw) // 16)
    for i in range(len(raw) // 16):
        _attr, size, offset, _dep1, _dep2 = struct.unpack_from(reader.fmt + "IIIHH", raw, 16 * i)
        if offset == 0:  # the primary image (offset 0 by definition)
            continue
        start = tiff_base + offset
        if start < file_size and size > 0:
            scan.mpf_extents.append((start, min(start + size, file_size)))


def _jpeg_segment(
    buf: bytes, marker: int, payload: bytes, offset: int, scan: _JpegScan, found: Found
) -> None:
    """Categorise one marker segment. ``offset`` is the payload's position in ``buf``."""
    if marker == 0xE1:
        if payload.startswith(_EXIF_APP1):
            _inspect_exif(payload, found)
        elif payload.startswith(_XMP_APP1):
            _inspect_xmp(payload[len(_XMP_APP1) :], found)
        elif payload.startswith(_XMP_EXT_APP1):
            # GUID (32) + full length (4) + chunk offset (4) precede each chunk.
            _inspect_xmp(payload[len(_XMP_EXT_APP1) + 40 :], found)
    elif marker == 0xE2:
        if payload.startswith(_ICC_APP2):
            found.add("icc_profile")
        elif payload.startswith(_MPF_APP2) and scan.primary:
            body = payload[len(_MPF_APP2) :]
            try:
                _parse_mpf(body, offset + len(_MPF_APP2), len(buf), scan)
            except (ValueError, struct.error):
                log.debug("JPEG: unreadable MPF index")
    elif marker == 0xED and payload.startswith(_PHOTOSHOP_APP13):
        scan.irb.append(payload[len(_PHOTOSHOP_APP13) :])
    elif marker == 0xE0:
        # JFIF with an inline thumbnail (non-zero width and height), or a JFXX thumbnail.
        jfif_thumb = payload.startswith(b"JFIF\x00") and len(payload) >= 14 and all(payload[12:14])
        if jfif_thumb or payload.startswith(b"JFXX\x00"):
            found.add("thumbnails")
    elif marker == 0xEB and payload[:2] == b"JP":
        found.add("editing_history")  # JUMBF: C2PA content credentials (provenance chain)
    elif marker == 0xEC and payload.startswith(b"Ducky"):
        found.add("editing_history")  # Photoshop "Save for Web" record
    elif marker == _COM and _has_text(payload):
        found.add("comments")


def _walk_jpeg(buf: bytes, start: int, found: Found, primary: bool) -> _JpegScan:
    """Walk one JPEG stream from its SOI to its EOI, categorising segments on the way."""
    scan = _JpegScan(primary)
    n = len(buf)
    pos = start + 2
    for _ in range(_MAX_JPEG_SEGMENTS):
        if pos + 2 > n:
            break
        if buf[pos] != 0xFF or buf[pos + 1] == 0xFF:
            # Garbage or fill bytes between segments: resynchronise on the next marker, as
            # decoders do.
            match = _ENTROPY_MARKER_RE.search(buf, pos)
            if match is None:
                break
            pos = match.start()
        marker = buf[pos + 1]
        if marker == _EOI:
            scan.end = pos + 2
            break
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # standalone markers
            pos += 2
            continue
        if pos + 4 > n:
            break
        length = (buf[pos + 2] << 8) | buf[pos + 3]
        if length < 2:
            break
        payload = buf[pos + 4 : pos + 2 + length]
        _jpeg_segment(buf, marker, payload, pos + 4, scan, found)
        pos += 2 + length
        if marker == _SOS:
            match = _ENTROPY_MARKER_RE.search(buf, pos)
            if match is None:
                break
            pos = match.start()
    if scan.irb:
        # Photoshop splits one resource block across APP13 segments when it exceeds 64 KiB.
        _inspect_irb(b"".join(scan.irb), found)
    return scan


def _inspect_jpeg(buf: bytes, found: Found) -> None:
    scan = _walk_jpeg(buf, 0, found, primary=True)
    if scan.end is None:
        return  # truncated: nothing can be said about what follows the image
    n = len(buf)
    if scan.mpf_images > 1 or scan.mpf_extents:
        found.add("thumbnails")
    extents = sorted(scan.mpf_extents)[:_MAX_EMBEDDED_JPEGS]
    for s, _e in extents:
        if buf.startswith(_SOI, s):
            _walk_jpeg(buf, s, found, primary=False)
    # Everything not covered by the primary image or an MPF-declared image is either another
    # appended JPEG (Ultra HDR gain map without MPF) or trailer data.
    covered: list[tuple[int, int]] = []
    for s, e in [(0, scan.end), *extents]:
        if covered and s <= covered[-1][1]:
            covered[-1] = (covered[-1][0], max(covered[-1][1], e))
        else:
            covered.append((s, e))
    gaps = [(covered[i][1], covered[i + 1][0]) for i in range(len(covered) - 1)]
    gaps.append((covered[-1][1], n))
    embedded = 0
    for gap_start, gap_end in gaps:
        pos = gap_start
        while embedded < _MAX_EMBEDDED_JPEGS:
            # Another SOI, possibly after a little padding (0xFF padding can precede it).
            nxt = buf.find(_SOI, pos, min(gap_end, pos + _MAX_PADDING + len(_SOI)))
            if nxt < 0 or not _is_padding(buf[pos:nxt]):
                break
            sub = _walk_jpeg(buf, nxt, found, primary=False)
            if sub.end is None:
                break
            found.add("thumbnails")
            embedded += 1
            pos = sub.end
        if not _is_padding(buf[pos:gap_end]):
            found.add("trailer")


# --------------------------------------------------------------------------- PNG

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_XMP_KEYWORD = b"XML:com.adobe.xmp"
# ImageMagick/exiftool store other metadata blocks as hex text under these keywords.
_PNG_RAW_PROFILES = {
    b"Raw profile type exif": "exif",
    b"Raw profile type APP1": "exif",
    b"Raw profile type xmp": "xmp",
    b"Raw profile type iptc": "iptc",
    b"Raw profile type 8bim": "editing_history",
    b"Raw profile type icc": "icc_profile",
    b"Raw profile type icm": "icc_profile",
}
_PNG_TEXT_KEYWORDS = {
    b"author": "people",
    b"copyright": "people",
    b"artist": "people",
    b"creation time": "times",
    b"date:create": "times",
    b"date:modify": "times",
    b"date:timestamp": "times",
    b"software": "editing_history",
    b"source": "device",
}


def _png_text_chunk(ctype: bytes, body: bytes, found: Found) -> None:
    keyword, _, rest = body.partition(b"\x00")
    if ctype == b"iTXt":
        # compression flag, method, language tag \0, translated keyword \0, text
        flag = rest[:1] == b"\x01"
        parts = rest[2:].split(b"\x00", 2)
        text = parts[2] if len(parts) == 3 else b""
        if flag:
            text = _inflate(text)
    elif ctype == b"zTXt":
        text = _inflate(rest[1:])
    else:
        text = rest
    if keyword == _PNG_XMP_KEYWORD:
        _inspect_xmp(text, found)
        return
    profile = _PNG_RAW_PROFILES.get(keyword)
    if profile is not None:
        found.add(profile)
        return
    if not _has_text(text):
        return
    found.add("comments")
    extra = _PNG_TEXT_KEYWORDS.get(keyword.lower())
    if extra is not None:
        found.add(extra)


def _inspect_png(buf: bytes, found: Found) -> None:
    n = len(buf)
    pos = len(_PNG_SIGNATURE)
    for _ in range(_MAX_PNG_CHUNKS):
        if pos + 8 > n:
            return  # truncated before IEND
        length = int.from_bytes(buf[pos : pos + 4], "big")
        ctype = buf[pos + 4 : pos + 8]
        body = buf[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if ctype == b"IEND":
            if pos <= n and not _is_padding(buf[pos:]):
                found.add("trailer")  # e.g. aCropalypse: the uncropped image's leftovers
            return
        if ctype in (b"tEXt", b"zTXt", b"iTXt"):
            try:
                _png_text_chunk(ctype, body, found)
            except zlib.error:
                log.debug("PNG: undecodable compressed text chunk")
                found.add("comments")
        elif ctype in (b"eXIf", b"exIf"):
            _inspect_exif(body, found)
        elif ctype == b"iCCP":
            found.add("icc_profile")
        elif ctype == b"tIME":
            found.add("times")
        elif ctype == b"caBX":
            found.add("editing_history")  # C2PA content credentials


# --------------------------------------------------------------------------- WebP


def _inspect_webp(buf: bytes, found: Found) -> None:
    n = len(buf)
    riff_end = 8 + int.from_bytes(buf[4:8], "little")
    end = min(riff_end, n)
    pos = 12
    for _ in range(_MAX_RIFF_CHUNKS):
        if pos + 8 > end:
            break
        fourcc = buf[pos : pos + 4]
        size = int.from_bytes(buf[pos + 4 : pos + 8], "little")
        body = buf[pos + 8 : min(pos + 8 + size, end)]
        pos += 8 + size + (size & 1)
        if fourcc == b"EXIF":
            _inspect_exif(body, found)
        elif fourcc == b"XMP ":
            _inspect_xmp(body, found)
        elif fourcc == b"ICCP":
            found.add("icc_profile")
    if riff_end < n and not _is_padding(buf[riff_end:]):
        found.add("trailer")


# --------------------------------------------------------------------------- GIF

_GIF_APP_CATEGORIES = {
    b"XMP DataXMP": "xmp",
    b"ICCRGBG1012": "icc_profile",
    b"MGKIPTC0000": "iptc",
    b"MGK8BIM0000": "editing_history",
}


def _gif_sub_blocks(buf: bytes, pos: int, budget: list[int]) -> tuple[bytes | None, int]:
    """Skip a chain of data sub-blocks. Returns (first block, position after terminator);
    the first block is None if the chain ran past the end of the file or the budget."""
    n = len(buf)
    first: bytes | None = b""
    seen_first = False
    while budget[0] > 0:
        budget[0] -= 1
        if pos >= n:
            return None, n
        size = buf[pos]
        if size == 0:
            return first, pos + 1
        if not seen_first:
            first, seen_first = buf[pos + 1 : pos + 1 + size], True
        pos += 1 + size
    return None, n


def _inspect_gif(buf: bytes, found: Found) -> None:
    n = len(buf)
    if n < 13:
        return
    pos = 13
    flags = buf[10]
    if flags & 0x80:  # global colour table
        pos += 3 * (2 << (flags & 0x07))
    budget = [_MAX_GIF_BLOCKS]
    while budget[0] > 0 and pos < n:
        budget[0] -= 1
        introducer = buf[pos]
        if introducer == 0x3B:  # trailer
            if not _is_padding(buf[pos + 1 :]):
                found.add("trailer")
            return
        if introducer == 0x21 and pos + 1 < n:
            label = buf[pos + 1]
            first, nxt = _gif_sub_blocks(buf, pos + 2, budget)
            if label == 0xFE and (first is None or _has_text(first)):
                found.add("comments")
            elif label == 0xFF and first is not None:
                cat = _GIF_APP_CATEGORIES.get(first[:11])
                if cat == "xmp":
                    # XMP's "magic trailer" makes the raw text readable as sub-blocks.
                    _inspect_xmp(buf[pos + 14 : nxt], found)
                elif cat is not None:
                    found.add(cat)
            pos = nxt
        elif introducer == 0x2C and pos + 10 <= n:
            local = buf[pos + 9]
            pos += 10
            if local & 0x80:
                pos += 3 * (2 << (local & 0x07))
            _, pos = _gif_sub_blocks(buf, pos + 1, budget)  # +1: LZW minimum code size
        else:
            return  # unknown block: cannot tell where the stream ends


# --------------------------------------------------------------------------- HEIF / AVIF


def _inspect_heif_info(info: Mapping[str, Any], found: Found) -> None:
    """Categories from the ``info`` dict pillow-heif gives a HEIF image or HeifFile."""
    if info.get("thumbnails") or info.get("depth_images"):
        found.add("thumbnails")
    aux = info.get("aux")
    if isinstance(aux, Mapping) and any("alpha" not in str(k).lower() for k in aux):
        found.add("thumbnails")  # e.g. Apple's HDR gain map; alpha is part of the image
    if info.get("original_orientation") in range(2, 9):
        found.add("orientation")
    for item in info.get("metadata") or ():
        kind = str(item.get("type", "")).lower() if isinstance(item, Mapping) else ""
        if kind == "iptc":
            found.add("iptc")
        elif kind in ("mime", "xmp"):
            data = item.get("data") if isinstance(item, Mapping) else None
            if isinstance(data, bytes):
                _inspect_xmp(data, found)


def _inspect_heif(buf: bytes, found: Found) -> None:
    _scan_raw_xmp(buf, found)  # XMP items (also on auxiliary images) are stored uncompressed
    try:
        import pillow_heif
    except ImportError:
        log.debug("HEIF: pillow-heif unavailable")
        return
    heif = pillow_heif.open_heif(io.BytesIO(buf))
    if len(heif) > 1:
        found.add("thumbnails")
    for index in range(min(len(heif), _MAX_EMBEDDED_JPEGS)):
        info = heif[index].info
        _inspect_pillow_info(info, found)
        _inspect_heif_info(info, found)


# --------------------------------------------------------------------------- Pillow image


def _as_bytes(value: object) -> bytes | None:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "replace")
    return None


def _inspect_pillow_info(info: Mapping[str, Any], found: Found) -> None:
    """Categories from the metadata a Pillow (or pillow-heif) image exposes in ``info``."""
    exif = _as_bytes(info.get("exif"))
    if exif:
        _inspect_exif(exif, found)
    for key in ("xmp", "XML:com.adobe.xmp"):
        xmp = _as_bytes(info.get(key))
        if xmp:
            _inspect_xmp(xmp, found)
    if info.get("icc_profile"):
        found.add("icc_profile")
    comment = _as_bytes(info.get("comment"))
    if comment and _has_text(comment):
        found.add("comments")


def _inspect_pillow_image(image: Any, fmt: str, use_tiff_tags: bool, found: Found) -> None:
    info = getattr(image, "info", None)
    if isinstance(info, Mapping):
        _inspect_pillow_info(info, found)
        if fmt == "heif" or "thumbnails" in info or "aux" in info:
            _inspect_heif_info(info, found)
    if use_tiff_tags:
        # Our own TIFF walk cannot read this file (BigTIFF): take tag presence from Pillow.
        tags = getattr(image, "tag_v2", None)
        if isinstance(tags, Mapping):
            _inspect_tiff_tag_names(tags.keys(), found)


def _inspect_tiff_tag_names(tags: Iterable[int], found: Found) -> None:
    present = set(tags)
    if present - _TIFF_STRUCTURE_TAGS - _TIFF_CONTAINER_TAGS:
        found.add("exif")
    for tag in present:
        cat = _EXIF_TAG_CATEGORIES.get(tag)
        if cat is not None:
            found.add(cat)
    if _TAG_GPS_IFD in present:
        found.add("location")


# --------------------------------------------------------------------------- entry point

def _sniff(buf: bytes) -> str | None:
    """Container type from magic bytes (scanner.image.files decides, for every caller)."""
    fmt = sniff(buf[:HEAD_BYTES])
    return fmt.lower() if fmt is not None else None


_PARSERS: dict[str, Callable[[bytes, Found], None]] = {
    "jpeg": _inspect_jpeg,
    "png": _inspect_png,
    "webp": _inspect_webp,
    "tiff": _inspect_tiff,
    "gif": _inspect_gif,
    "heif": _inspect_heif,
}


def inspect_metadata(data: bytes, image: Image.Image | None = None) -> tuple[str, ...]:
    """Return the sorted category keys (see ``CATEGORY_LABELS``) of metadata in ``data``.

    ``data`` is the whole file; ``image`` is the Pillow image opened from it, if the caller has
    one (it fills gaps, e.g. for HEIF). Never raises: a parser that fails on a hostile file
    contributes whatever it found before failing.
    """
    found: Found = set()
    try:
        buf = bytes(data)
    except (TypeError, ValueError):
        log.debug("metadata: input is not bytes-like (%s)", type(data).__name__)
        return ()
    fmt = _sniff(buf)
    parser = _PARSERS.get(fmt or "")
    if parser is not None:
        try:
            parser(buf, found)
        except Exception as exc:  # outermost guard for one container parser on hostile input
            log.debug("metadata: %s parser stopped early: %s", fmt, type(exc).__name__)
    if image is not None:
        try:
            bigtiff = fmt == "tiff" and buf[2:4] in (b"+\x00", b"\x00+")
            _inspect_pillow_image(image, fmt or "", bigtiff, found)
        except Exception as exc:  # outermost guard: a lazy Pillow image may fail on access
            log.debug("metadata: reading Pillow image info failed: %s", type(exc).__name__)
    if fmt in ("jpeg", "heif") and any(m in buf for m in _MOTION_MARKERS):
        found.add("motion_photo")
    return tuple(sorted(found & _KEYS))


# A Samsung or Google motion photo carries a short video: announced in its XMP (GCamera
# MotionPhoto/MicroVideo, a Container item of semantic MotionPhoto) or, on Samsung, in a
# trailer tagged MotionPhoto_Data. The copy is rebuilt from the still picture alone.
_MOTION_MARKERS = (b"MotionPhoto", b"MicroVideo", b"MotionPhoto_Data")
