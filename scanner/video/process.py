"""One video through probe -> decode -> find faces on a stride -> tracks -> hide -> encode.

Two passes over the frames, so memory stays flat: the first looks for faces every ``stride``
frames (through the photo ``Pipeline``'s detectors; only FACE findings are kept), the second
hides every frame's track boxes with the configured face style and encodes a fresh MP4.
Fail closed: any problem raises a ``ScannerError`` and leaves no output file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scanner.config import ScanConfig
from scanner.detectors.base import Detector
from scanner.errors import ScannerError
from scanner.pipeline.process import Pipeline
from scanner.redactors.builtins import REDACTORS
from scanner.types import FindingKind, Region, Shape
from scanner.video import encode, frames, tracks
from scanner.video.probe import VideoInfo, probe

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TrackSummary:
    kind: FindingKind
    first_s: float
    last_s: float
    largest: Region  # in the output's (upright) pixels


@dataclass(frozen=True, slots=True)
class VideoResult:
    source: str
    output: str
    info: VideoInfo
    frames: int  # written
    tracks: tuple[TrackSummary, ...]
    hidden_boxes: int  # boxes hidden over all frames
    verified: bool | None = None  # placeholder: a second look at the output is not done yet


def find_faces(pipeline: Pipeline, pixels: np.ndarray) -> list[Region]:
    """The padded, clipped boxes of the faces the pipeline's detectors find in one frame.
    Unsure faces are hidden too: a video has no review step (yet)."""
    h, w = pixels.shape[:2]
    pad = pipeline.config.face_padding
    boxes = [f.region.expand(pad).clip(w, h) for f in pipeline.find(pixels)
             if f.kind is FindingKind.FACE]
    return [b for b in boxes if not b.empty]


def redact_video(source: Path, output: Path, config: ScanConfig,
                 detectors: Sequence[Detector] | None = None, *, stride: int = 5,
                 margin: int | None = None, pipeline: Pipeline | None = None) -> VideoResult:
    """Write ``source``'s redacted copy to ``output`` (an MP4). ``margin`` frames (default: the
    stride) before and after each face track are hidden too."""
    if stride < 1:
        raise ScannerError(f"the face stride must be at least 1 frame, not {stride}")
    margin = stride if margin is None else margin
    pipeline = pipeline if pipeline is not None else Pipeline(config, detectors)
    try:
        return _redact(source, output, config, pipeline, stride, margin)
    except ScannerError:
        log.info("%s: failed closed", source, exc_info=True)
        raise
    except Exception as exc:  # any surprise must fail closed, with a clear reason
        log.debug("%s: unexpected failure", source, exc_info=True)
        raise ScannerError(f"internal error ({type(exc).__name__}: {str(exc)[:120]}); "
                           "no safe copy was made") from exc


def _redact(source: Path, output: Path, config: ScanConfig, pipeline: Pipeline, stride: int,
            margin: int) -> VideoResult:
    info = probe(source, config)
    found: dict[int, list[Region]] = {}
    times: dict[int, float] = {}
    n_frames = 0
    final: np.ndarray | None = None
    for frame in frames.decode(source, info):
        n_frames = frame.index + 1
        times[frame.index] = frame.time_s
        final = frame.pixels
        if frame.index % stride == 0:
            found[frame.index] = find_faces(pipeline, frame.pixels)
    # The last frame is always looked at: a face entering at the end is not left to the margin.
    if final is not None and n_frames - 1 not in found:
        found[n_frames - 1] = find_faces(pipeline, final)
    del final
    linked = tracks.link(found, max_gap=2 * stride)
    cover = tracks.covering(linked, margin=margin, n_frames=n_frames)
    redactor = REDACTORS.get(config.face_style.value)(config)
    hidden = 0

    def redacted() -> Iterator[np.ndarray]:
        nonlocal hidden
        for frame in frames.decode(source, info):
            boxes = cover.get(frame.index, [])
            if not boxes:
                yield frame.pixels
                continue
            out = redactor.redact(frame.pixels, [Shape.box(b) for b in boxes])
            for box in boxes:  # a redaction that changed nothing is a face left visible
                x1, y1, x2, y2 = box.clip(info.width, info.height).to_int()
                if np.array_equal(out[y1:y2, x1:x2], frame.pixels[y1:y2, x1:x2]):
                    raise ScannerError(f"frame {frame.index + 1}: a face box was left "
                                       "unchanged; no safe copy was made")
            hidden += len(boxes)
            yield out

    written = encode.write_mp4(redacted(), output, fps=info.fps, width=info.width,
                               height=info.height)
    if written != n_frames:
        output.unlink(missing_ok=True)
        raise ScannerError(f"the video changed while it was read ({written} frames written, "
                           f"{n_frames} read); no safe copy was made")
    summaries = tuple(
        TrackSummary(FindingKind.FACE, times.get(t.first, 0.0), times.get(t.last, 0.0),
                     t.largest)
        for t in linked)
    return VideoResult(source=str(source), output=str(output.resolve()), info=info,
                       frames=written, tracks=summaries, hidden_boxes=hidden)
