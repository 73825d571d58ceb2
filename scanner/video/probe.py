"""What a video file is, read from its container before any frame is redacted: duration, frame
count and rate, upright size, rotation, codec, audio. Refuses (``scanner.errors``) what cannot
or must not be processed: empty, truncated or corrupt files, files without a video stream, and
videos over the configured limits."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import av

from scanner.config import ScanConfig
from scanner.errors import UnreadableVideo, UnsupportedVideo, VideoTooLarge

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class VideoInfo:
    duration_s: float
    frames: int  # estimated: the container's count, else duration x rate
    fps: float  # average frame rate
    width: int  # upright: after the rotation is applied
    height: int
    rotation: int  # counter-clockwise degrees to turn stored frames upright: 0, 90, 180, 270
    codec: str
    has_audio: bool
    stored_width: int  # as the frames are stored (before rotation)
    stored_height: int


def why(exc: BaseException) -> str:
    """FFmpeg's or the system's own words for a failure, lower case, without its error number
    or the file's path (the review page keeps uploads under private names)."""
    text = getattr(exc, "strerror", None) or type(exc).__name__
    return text[:1].lower() + text[1:]


def normal_rotation(degrees: float) -> int:
    """A display rotation (any sign, FFmpeg's counter-clockwise degrees) as 0, 90, 180 or 270;
    UnsupportedVideo for an angle that is not a quarter turn."""
    turns = round(degrees / 90)
    if abs(degrees - turns * 90) > 1:
        raise UnsupportedVideo(f"the video is rotated by {degrees:g} degrees (not a quarter turn)")
    return (turns * 90) % 360


def _tag_rotation(tags: dict[str, str]) -> int | None:
    """The legacy ``rotate`` tag (clockwise degrees), as counter-clockwise degrees."""
    value = tags.get("rotate")
    if value is None:
        return None
    try:
        return normal_rotation(-float(value))
    except ValueError:
        log.debug("ignoring an unreadable rotate tag %r", value)
        return None


def duration(path: Path) -> float:
    """A video's length in seconds as its container states it, without decoding a frame
    (to size its time limit); UnreadableVideo when it cannot be opened."""
    try:
        with av.open(str(path), "r") as container:
            if container.duration is not None:
                return max(0.0, container.duration / av.time_base)
            stream = container.streams.video[0] if container.streams.video else None
            if stream is not None and stream.duration is not None and stream.time_base:
                return max(0.0, float(stream.duration * stream.time_base))
            return 0.0
    except (av.FFmpegError, OSError, EOFError) as exc:
        raise UnreadableVideo(f"the video cannot be read: {why(exc)}") from exc


def probe(path: Path, config: ScanConfig) -> VideoInfo:
    try:
        size = os.stat(path).st_size
    except OSError as exc:
        raise UnreadableVideo(f"the video cannot be read: {why(exc)}") from exc
    if size == 0:
        raise UnreadableVideo("the video file is empty (0 bytes)")
    try:
        with av.open(str(path), "r") as container:
            if not container.streams.video:
                kinds: list[str] = sorted({s.type for s in container.streams}) or ["nothing"]
                raise UnsupportedVideo(
                    f"the file has no video stream (it holds {', '.join(kinds)})")
            stream = container.streams.video[0]
            has_audio = bool(container.streams.audio)
            codec = stream.codec_context.name
            stored_w, stored_h = stream.codec_context.width, stream.codec_context.height
            rate = stream.average_rate or stream.guessed_rate or stream.base_rate
            fps = float(rate) if rate else 0.0
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / av.time_base
            else:
                duration = 0.0
            frames = stream.frames or (round(duration * fps) if fps else 0)
            _check_index(stream, size)
            if stored_w * stored_h > config.max_video_pixels:
                raise VideoTooLarge(
                    f"the video is {stored_w}x{stored_h} pixels a frame, over the limit of "
                    f"{config.max_video_pixels:,}")
            if duration > config.max_video_s:
                raise VideoTooLarge(f"the video lasts {duration:.1f} s, over the limit of "
                                    f"{config.max_video_s:g} s")
            first = next(container.decode(stream), None)
            if first is None:
                raise UnreadableVideo("the video has no frame that decodes")
            rotation = normal_rotation(first.rotation or 0)
            if rotation == 0:
                rotation = _tag_rotation(dict(stream.metadata)) or 0
            if not (stored_w and stored_h):
                stored_w, stored_h = first.width, first.height
    except (av.FFmpegError, OSError, EOFError) as exc:
        raise UnreadableVideo(f"the video cannot be read (damaged or cut short?): {why(exc)}"
                              ) from exc
    turned = rotation in (90, 270)
    return VideoInfo(
        duration_s=duration,
        frames=frames,
        fps=fps,
        width=stored_h if turned else stored_w,
        height=stored_w if turned else stored_h,
        rotation=rotation,
        codec=codec,
        has_audio=has_audio,
        stored_width=stored_w,
        stored_height=stored_h,
    )


def _check_index(stream: av.video.stream.VideoStream, size: int) -> None:
    """A container whose index points past the end of the file was cut short (an MP4 with its
    index at the front, copied in part)."""
    try:
        end = max((e.pos + e.size for e in stream.index_entries if e.pos >= 0), default=0)
    except (AttributeError, TypeError):  # a demuxer without an index
        return
    if end > size:
        raise UnreadableVideo(
            f"the video is truncated: its index needs {end:,} bytes, the file has {size:,}")
