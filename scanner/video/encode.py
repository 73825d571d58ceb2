"""A fresh MP4 from upright RGB frames: H.264 (libx264, yuv420p), index at the front
(``+faststart``), no metadata, and no sound unless asked for (then re-encoded AAC).

Nothing of the source's container is carried over, since only pixels (and, with
``audio_from``, decoded sound samples) are passed in: no tags (GPS, make, model, dates), no
chapters, subtitles, data or timecode streams, no cover art, and no rotation (the frames are
already upright; the stream gets no display matrix). The muxer and encoders run bit-exact, so
they write neither their own ``encoder`` tag nor the current time (creation dates are zero).
Frames keep their source times (a variable frame rate stays variable). H.264 needs even sizes:
an odd last column or row is cropped off. The file is written to a temp file beside the output
and renamed when complete (``scanner.fsio.atomic_path``); a failure leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from scanner.errors import UnreadableVideo, WriteError
from scanner.fsio import atomic_path
from scanner.video.probe import why

CRF = "18"  # visually lossless: the frames away from what is hidden stay as they were
PRESET = "faster"  # bench/video_eval.py: medium took 1.6x the encode time for 3% smaller files
TIME_BASE = Fraction(1, 90_000)  # MPEG's clock: any source's frame times fit it closely
AUDIO_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)


def even(width: int, height: int) -> tuple[int, int]:
    """The size the output gets: each side rounded down to even (at least 2)."""
    return max(2, width - width % 2), max(2, height - height % 2)


def _pts(times: Sequence[float] | None, count: int, rate: Fraction, last: int) -> int:
    """Frame ``count``'s time in TIME_BASE ticks: the source's, kept strictly increasing."""
    if times is not None and count < len(times):
        pts = round(times[count] / TIME_BASE) - round(times[0] / TIME_BASE)
    else:
        pts = round(count / rate / TIME_BASE)
    return max(pts, last + 1)


def write_mp4(frames: Iterable[np.ndarray], output: Path, *, fps: float, width: int,
              height: int, times: Sequence[float] | None = None,
              audio_from: Path | None = None) -> int:
    """Encode ``frames`` (upright RGB uint8, each ``height`` x ``width``) to ``output``, at the
    source's frame ``times`` (seconds) when given. ``audio_from``: a file whose first sound
    track is decoded and re-encoded alongside. Returns the number of frames written;
    WriteError (and no file) when none or on failure."""
    out_w, out_h = even(width, height)
    rate = Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(25)
    start = times[0] if times else 0.0
    count = 0
    sound: _Sound | None = None
    try:
        # The temp file is named like every other (".postsafe-PID-*.tmp"), so a killed worker's
        # is found and removed (scanner.batch.engines.local, run.sweep_temp_files).
        with atomic_path(output) as tmp:
            container = av.open(str(tmp), "w", format="mp4",
                                options={"movflags": "+faststart", "fflags": "+bitexact"})
            try:
                container.metadata.clear()
                stream = container.add_stream("libx264", rate=rate,
                                              options={"crf": CRF, "preset": PRESET})
                stream.width, stream.height, stream.pix_fmt = out_w, out_h, "yuv420p"
                stream.time_base = TIME_BASE
                stream.codec_context.time_base = TIME_BASE
                stream.codec_context.flags |= av.codec.context.Flags.bitexact
                stream.metadata.clear()
                sound = _Sound(container, audio_from, start) if audio_from else None
                last = -1
                for pixels in frames:
                    if pixels.shape != (height, width, 3) or pixels.dtype != np.uint8:
                        raise WriteError(f"frame {count + 1} is {pixels.shape} {pixels.dtype}, "
                                         f"not ({height}, {width}, 3) uint8")
                    frame = av.VideoFrame.from_ndarray(
                        np.ascontiguousarray(pixels[:out_h, :out_w]), format="rgb24")
                    frame.pts = last = _pts(times, count, rate, last)
                    frame.time_base = TIME_BASE
                    for packet in stream.encode(frame):
                        container.mux(packet)
                    count += 1
                    if sound is not None:  # interleaved, so neither stream waits in memory
                        sound.until(float(last * TIME_BASE))
                if count == 0:
                    raise WriteError("the video has no frames to write")
                for packet in stream.encode():
                    container.mux(packet)
                if sound is not None:
                    sound.until(None)
            finally:
                container.close()
                if sound is not None:
                    sound.close()
            blank_user_data(tmp)
    except av.FFmpegError as exc:
        raise WriteError(f"cannot encode {output.name}: {why(exc)}") from exc
    return count


def _boxes(data: bytes | bytearray, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, offset, size) of the ISO-BMFF boxes laid end to end in ``data[start:end]``."""
    out = []
    pos = start
    while pos + 8 <= end:
        size = int.from_bytes(data[pos:pos + 4], "big")
        head = 8
        if size == 1 and pos + 16 <= end:
            size, head = int.from_bytes(data[pos + 8:pos + 16], "big"), 16
        elif size == 0:
            size = end - pos
        if size < head or pos + size > end:
            break
        out.append((bytes(data[pos + 4:pos + 8]), pos, size))
        pos += size
    return out


def blank_user_data(path: Path) -> None:
    """Turn the muxer's user-data box (an empty ``udta``/``meta``/``ilst`` it writes even with
    no tags) into zeroed ``free`` space: the copy then has no user-data atom at all. Box sizes
    do not change, so nothing else moves. Only the top-level headers and the ``moov`` box (the
    index, small) are read: the pictures are never loaded into memory."""
    with path.open("r+b") as fh:
        total = fh.seek(0, 2)
        pos = 0
        while pos + 8 <= total:
            fh.seek(pos)
            head = fh.read(16)
            size, kind = int.from_bytes(head[:4], "big"), head[4:8]
            if size == 1:
                size = int.from_bytes(head[8:16], "big")
            elif size == 0:
                size = total - pos
            if size < 8:
                return
            if kind == b"moov":
                fh.seek(pos)
                moov = bytearray(fh.read(size))
                for child, cpos, csize in _boxes(moov, 8, len(moov)):
                    if child == b"udta":
                        moov[cpos + 4:cpos + 8] = b"free"
                        moov[cpos + 8:cpos + csize] = bytes(csize - 8)
                fh.seek(pos)
                fh.write(moov)
                return
            pos += size


class _Sound:
    """The source's first sound track, decoded, resampled and encoded to AAC a little at a
    time (``until``), beside the pictures."""

    def __init__(self, container: av.container.OutputContainer, source: Path,
                 start: float) -> None:
        self.container = container
        self.start = start
        self.source = av.open(str(source), "r")
        try:
            src = self.source.streams.audio[0]
        except IndexError as exc:
            self.source.close()
            raise UnreadableVideo("the video has no sound to keep") from exc
        rate = src.codec_context.sample_rate or 48000
        rate = min(AUDIO_RATES, key=lambda r: abs(r - rate))
        layout = "mono" if src.codec_context.channels == 1 else "stereo"
        self.stream = container.add_stream("aac", rate=rate)
        self.stream.layout = layout
        self.stream.codec_context.flags |= av.codec.context.Flags.bitexact
        self.stream.metadata.clear()
        self.resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate,
                                           frame_size=1024)
        self.samples = 0
        self.rate = rate
        self.frames: Iterator[av.AudioFrame] | None = self.source.decode(src)

    def until(self, seconds: float | None) -> None:
        """Encode the sound up to ``seconds`` after the first picture (None: all of it)."""
        while self.frames is not None and (seconds is None or self.samples / self.rate
                                           <= seconds + 0.5):
            decoded = next(self.frames, None)
            if decoded is None:
                self.frames = None
                self._encode(self.resampler.resample(None))
                for packet in self.stream.encode(None):
                    self.container.mux(packet)
                return
            if decoded.time is not None and decoded.time < self.start:
                continue  # sound before the first picture
            decoded.pts = None  # the resampler's clock, from 0
            self._encode(self.resampler.resample(decoded))

    def close(self) -> None:
        self.source.close()

    def _encode(self, frames: list[av.AudioFrame]) -> None:
        for frame in frames:
            frame.pts = self.samples
            frame.time_base = Fraction(1, self.rate)
            self.samples += frame.samples
            for packet in self.stream.encode(frame):
                self.container.mux(packet)
