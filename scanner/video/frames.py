"""A video's frames, upright, one at a time: RGB uint8 arrays (H, W, 3) with their times.

A generator, so memory stays flat whatever the length. The rotation the container asks a player
to apply is baked into the pixels (numpy ``rot90``). Fails closed: a frame that does not decode,
or fewer frames than the container declares, raises UnreadableVideo.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from scanner.errors import UnreadableVideo
from scanner.video.probe import VideoInfo, why


@dataclass(frozen=True, slots=True)
class Frame:
    index: int
    time_s: float
    pixels: np.ndarray  # upright RGB uint8 (H, W, 3)


def upright(stored: np.ndarray, rotation: int) -> np.ndarray:
    """``stored`` turned counter-clockwise by ``rotation`` degrees (0, 90, 180, 270)."""
    turns = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(stored, turns)) if turns else stored


def decode(path: Path, info: VideoInfo, *, strict_count: bool = True) -> Iterator[Frame]:
    """Every frame of the first video stream, upright, in order. With ``strict_count``, a video
    that ends before the frame count its container declares is truncated: UnreadableVideo."""
    index = -1
    try:
        with av.open(str(path), "r") as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            declared = stream.frames
            for frame in container.decode(stream):
                index += 1
                stored = frame.to_ndarray(format="rgb24")
                t = float(frame.time) if frame.time is not None else (
                    index / info.fps if info.fps else 0.0)
                yield Frame(index, t, upright(stored, info.rotation))
    except (av.FFmpegError, OSError, EOFError) as exc:
        raise UnreadableVideo(f"frame {index + 1} of the video does not decode: {why(exc)}"
                              ) from exc
    if index < 0:
        raise UnreadableVideo("the video has no frame that decodes")
    if strict_count and declared and index + 1 < declared:
        raise UnreadableVideo(f"the video is truncated: {index + 1} of {declared} frames decode")


def sample(path: Path, count: int) -> list[Frame]:
    """Up to ``count`` frames spread evenly over a video's length, as stored (the MP4s PostSafe
    writes are upright); for the report's strip of frames. Each is reached by seeking to the
    key frame before it, so a long clip is not decoded whole. Raises UnreadableVideo."""
    out: list[Frame] = []
    try:
        with av.open(str(path), "r") as container:
            stream = container.streams.video[0]
            base = stream.time_base
            if stream.duration is not None and base is not None:
                length = float(stream.duration * base)
            elif container.duration is not None:
                length = container.duration / av.time_base
            else:
                length = 0.0
            if count <= 0:
                return []
            start = float(stream.start_time * base) if stream.start_time and base else 0.0
            n = max(1, count)
            # Times inside the clip: the last a little before its end, where a frame starts.
            wanted = [start + length * k / n for k in range(n)]
            for target in wanted:
                if base is not None:
                    container.seek(int(target / base), stream=stream, backward=True)
                chosen = None
                for frame in container.decode(stream):
                    chosen = frame
                    if frame.time is None or frame.time >= target - 1e-6:
                        break
                if chosen is None:
                    break
                t = float(chosen.time) if chosen.time is not None else target
                if out and t <= out[-1].time_s:
                    continue  # a clip shorter than the strip: no frame twice
                rate = float(stream.average_rate or 0)
                index = round((t - start) * rate) if rate else len(out)
                out.append(Frame(index, t, chosen.to_ndarray(format="rgb24")))
    except (av.FFmpegError, OSError, EOFError, IndexError) as exc:
        raise UnreadableVideo(f"the video cannot be read: {why(exc)}") from exc
    return out
