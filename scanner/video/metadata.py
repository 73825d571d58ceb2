"""What a video's container says besides its pictures, as categories (the photo report's keys,
``scanner.image.metadata.CATEGORY_LABELS``), never values. The copy carries none of it: it is
encoded from pixels alone (``scanner.video.encode``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import av

log = logging.getLogger(__name__)

# Tag names (lower case, any prefix such as "com.apple.quicktime.") by category.
_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("location", ("location", "gps", "xyz", "iso6709", "coordinates")),
    ("device", ("make", "model", "serial", "camera", "lens", "device")),
    ("times", ("date", "time", "creation", "year")),
    ("people", ("artist", "author", "owner", "copyright", "performer", "composer")),
    ("comments", ("comment", "description", "title", "keywords", "synopsis", "album")),
    ("editing_history", ("software", "encoder", "handler", "vendor", "version")),
)
_IGNORED = frozenset({"major_brand", "minor_version", "compatible_brands", "language",
                      "handler_name", "vendor_id", "encoder", "duration"})


def tag_categories(names: Iterable[str]) -> set[str]:
    """The categories of these tag names; a tag of no known kind is still metadata ("exif" is
    the photo report's word for camera data in general, so "comments" is used instead)."""
    out: set[str] = set()
    for raw in names:
        name = raw.lower().lstrip("©")
        if name in _IGNORED:
            continue
        cat = next((c for c, keys in _RULES if any(k in name for k in keys)), "comments")
        out.add(cat)
    return out


def inventory(path: Path) -> tuple[str, ...]:
    """The kinds of things the copy leaves out: tags, rotation (baked in), second pictures
    (cover art), chapters/subtitles/timecode/data tracks and the sound. Best effort (the
    pictures are checked by ``probe``); an unreadable container gives what was read."""
    found: set[str] = set()
    try:
        with av.open(str(path), "r") as container:
            found |= tag_categories(container.metadata)
            chapters = getattr(container, "chapters", None)
            if callable(chapters):
                chapters = chapters()
            if chapters:
                found.add("video_tracks")
            for stream in container.streams:
                found |= tag_categories(k for k in stream.metadata if k != "rotate")
                if "rotate" in stream.metadata:
                    found.add("orientation")
                if stream.type == "video" and stream is not container.streams.video[0]:
                    found.add("thumbnails")  # cover art, a second angle, a preview
                elif stream.type == "audio":
                    found.add("audio")
                elif stream.type in ("subtitle", "data", "attachment"):
                    found.add("video_tracks")
                if stream.disposition & av.stream.Disposition.attached_pic:
                    found.add("thumbnails")
    except (av.FFmpegError, OSError) as exc:
        log.debug("%s: metadata inventory incomplete: %s", path, exc)
    order = ("location", "device", "times", "people", "comments", "editing_history",
             "orientation", "thumbnails", "video_tracks", "audio")
    return tuple(c for c in order if c in found)
