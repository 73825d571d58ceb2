"""A fresh MP4 from upright RGB frames: H.264 (libx264, yuv420p), index at the front
(``+faststart``), no audio and no metadata.

Nothing of the source's container is carried over, since only pixels are passed in: no tags
(GPS, make, model, dates), no chapters, subtitles, data or timecode streams, and no rotation
(the frames are already upright; the stream gets no display matrix). The muxer runs bit-exact,
so it writes neither its own ``encoder`` tag nor the current time (creation dates are zero).
H.264 needs even sizes: an odd last column or row is cropped off. The file is written to a temp
file beside the output and renamed when complete (``scanner.fsio.atomic_path``); a failure
leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from scanner.errors import WriteError
from scanner.fsio import atomic_path

CRF = "18"  # visually lossless: the frames away from faces stay as they were


def even(width: int, height: int) -> tuple[int, int]:
    """The size the output gets: each side rounded down to even (at least 2)."""
    return max(2, width - width % 2), max(2, height - height % 2)


def write_mp4(frames: Iterable[np.ndarray], output: Path, *, fps: float, width: int,
              height: int) -> int:
    """Encode ``frames`` (upright RGB uint8, each ``height`` x ``width``) to ``output``.
    Returns the number of frames written; WriteError (and no file) when none or on failure."""
    out_w, out_h = even(width, height)
    rate = Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(25)
    count = 0
    try:
        with atomic_path(output, suffix=".mp4") as tmp:
            container = av.open(str(tmp), "w", format="mp4",
                                options={"movflags": "+faststart", "fflags": "+bitexact"})
            try:
                container.metadata.clear()
                stream = container.add_stream("libx264", rate=rate,
                                              options={"crf": CRF, "preset": "medium"})
                stream.width, stream.height, stream.pix_fmt = out_w, out_h, "yuv420p"
                stream.codec_context.flags |= av.codec.context.Flags.bitexact
                stream.metadata.clear()
                for pixels in frames:
                    if pixels.shape != (height, width, 3) or pixels.dtype != np.uint8:
                        raise WriteError(f"frame {count + 1} is {pixels.shape} {pixels.dtype}, "
                                         f"not ({height}, {width}, 3) uint8")
                    frame = av.VideoFrame.from_ndarray(
                        np.ascontiguousarray(pixels[:out_h, :out_w]), format="rgb24")
                    frame.pts = count
                    for packet in stream.encode(frame):
                        container.mux(packet)
                    count += 1
                if count == 0:
                    raise WriteError("the video has no frames to write")
                for packet in stream.encode():
                    container.mux(packet)
            finally:
                container.close()
    except av.FFmpegError as exc:
        raise WriteError(f"cannot encode {output.name}: {exc}") from exc
    return count
