"""One video: probe -> look -> follow -> hide every frame -> encode a fresh MP4 -> look again.

Three passes over the frames, each a generator, so memory stays flat whatever the length:

1. **Look** (``scan``): faces every ``Cadence.face`` frames, with the face detectors only;
   every ``Cadence.scan`` frames (and the last), every detector, as on a photo. Findings are
   decided by the photo ``Pipeline`` (the same shapes, policies and styles) and followed into
   tracks (``scanner.video.tracks``): a face is hidden for its whole span, interpolated
   between looks and held (stretched along its motion) for a margin before and after; a page,
   screen, text line or code is hidden from one look to the next under the hull of its two
   outlines, which covers it wherever it moved in between, and a margin of one look either
   side.
2. **Hide and encode** (``finish``): every frame's shapes redacted, every redaction checked to
   have changed its pixels, and a fresh MP4 encoded (``scanner.video.encode``).
3. **Look again** (``check``): every ``Cadence.check`` frames of the *copy* are decoded and
   given to the photo verification (``scanner.pipeline.verify.check``): a face or text found
   inside a hidden area fails the clip closed and removes the copy.

Fail closed: any problem raises a ``ScannerError`` inside; ``process_video`` turns it into an
``error`` result, and no output file is left.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from scanner.config import ScanConfig
from scanner.detectors.base import Detector, may_find
from scanner.errors import ScannerError, TooLarge, UnreadableImage
from scanner.geometry import clip_shape, hull
from scanner.pipeline import verify
from scanner.pipeline.process import Pipeline
from scanner.types import Action, Clip, Finding, FindingKind, Region, ScanResult, Shape, Status
from scanner.video import encode, frames, motion, tracks
from scanner.video.metadata import inventory
from scanner.video.probe import VideoInfo, probe

log = logging.getLogger(__name__)

# (stage, frames done, frames expected): stages "look", "hide", "check".
Progress = Callable[[str, int, int], None]
Velocity = tuple[float, float]  # pixels a frame

AUDIO_NOTE = ("the sound was kept (--keep-audio): voices and names spoken aloud can identify "
              "people; listen before posting")
LIVE_PHOTO_NOTE = "the moving part of a Live Photo: post the photo's copy, or this one, not both"


@dataclass(frozen=True, slots=True)
class Cadence:
    """How often frames are looked at, in frames: faces every ``face``, every detector every
    ``scan`` (a multiple of ``face``), the copy checked every ``check`` (a multiple of
    ``scan``)."""

    face: int
    scan: int
    check: int

    def __post_init__(self) -> None:
        if min(self.face, self.scan, self.check) < 1 or self.scan % self.face or (
                self.check % self.scan):
            raise ValueError(f"a cadence needs 1 <= face | scan | check, not {self}")

    @classmethod
    def of(cls, fps: float, config: ScanConfig) -> Cadence:
        rate = fps if fps > 0 else 30.0
        face = max(1, round(rate * config.video_face_every_s))
        scan = face * max(1, round(rate * config.video_scan_every_s / face))
        check = scan * max(1, round(rate * config.video_check_every_s / scan))
        return cls(face, scan, check)

    @property
    def margin(self) -> int:
        """Frames hidden before and after a face track: two face looks."""
        return 2 * self.face


@dataclass(frozen=True, slots=True)
class VideoTrack:
    """One thing followed across frames, and the shape hiding it in each frame it covers."""

    number: int
    finding: Finding  # its largest sighting, with the track's action and span
    cover: Mapping[int, Shape] = field(repr=False)  # frame -> shape (hidden tracks only)
    first: int  # first and last frame it covers (or is seen in, if not hidden)
    last: int


@dataclass(frozen=True, slots=True)
class Scanned:
    info: VideoInfo
    cadence: Cadence
    frames: int
    times: tuple[float, ...]
    tracks: tuple[VideoTrack, ...]
    looked: tuple[int, ...]  # frames every detector looked at (the review page's strip)
    metadata: tuple[str, ...]


class Deadline:
    """A clip's time limit, checked between frames (a worker may also be stopped from
    outside, ``scanner.batch.engines.local``)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds if seconds > 0 else None

    def check(self) -> None:
        if self.end is not None and time.monotonic() > self.end:
            raise ScannerError(f"the video took longer than its limit of {self.seconds:g} s; "
                               "no safe copy was made")


def time_limit(config: ScanConfig, duration_s: float) -> float:
    """A clip's time limit: the photo limit, or ``video_limit_per_s`` a second of video when
    that is longer (0: none)."""
    if config.time_limit_s <= 0:
        return 0.0
    return max(config.time_limit_s, duration_s * config.video_limit_per_s)


# -- 1. look ----------------------------------------------------------------------------------


def scan(source: Path, config: ScanConfig, pipeline: Pipeline, *,
         progress: Progress | None = None, deadline: Deadline | None = None) -> Scanned:
    info = probe(source, config)
    metadata = inventory(source)
    if info.rotation and "orientation" not in metadata:  # a display matrix: baked in
        metadata = (*metadata, "orientation")
    cadence = Cadence.of(info.fps, config)
    deadline = deadline or Deadline(time_limit(config, info.duration_s))
    face_detectors = [d for d in pipeline.detectors if may_find(d, FindingKind.FACE)]
    faces: dict[int, list[Finding]] = {}
    areas: dict[int, list[Finding]] = {}
    moves: dict[tuple[int, int], Velocity] = {}  # (frame, id(region)) -> its motion
    times: list[float] = []
    looked: list[int] = []
    last: frames.Frame | None = None
    previous: tuple[int, np.ndarray, float] | None = None  # the last full look, small and grey

    def full_look(frame: frames.Frame) -> None:
        nonlocal previous
        _look(pipeline, frame, None, faces, areas)
        looked.append(frame.index)
        grey, scale = motion.small(frame.pixels)
        if previous is not None:  # where what the last full look found has gone since
            at, before, _ = previous
            found = {id(f.region): f.region for f in areas[at]}
            moved = {key: v for key, f in found.items()
                     if (v := motion.velocity(before, grey, scale, f,
                                              frame.index - at)) is not None}
            moved.update(motion.borrowed(found, moved))
            moves.update({(at, key): v for key, v in moved.items()})
        previous = (frame.index, grey, scale)

    for frame in frames.decode(source, info):
        deadline.check()
        times.append(frame.time_s)
        last = frame
        if frame.index % cadence.scan == 0:
            full_look(frame)
        elif frame.index % cadence.face == 0:
            _look(pipeline, frame, face_detectors, faces, areas)
        if progress is not None:
            progress("look", frame.index + 1, info.frames)
    assert last is not None  # frames.decode raises for a video without frames
    if last.index not in looked:  # something entering at the very end is looked at, not guessed
        full_look(last)
    del last, previous
    n = len(times)
    found = _face_tracks(faces, cadence, n, config) + _area_tracks(areas, moves, cadence, n)
    numbered = tuple(
        replace(t, number=i, finding=replace(t.finding, span=(times[t.first], times[t.last])))
        for i, t in enumerate(sorted(found, key=lambda t: (t.first, t.last)), start=1))
    return Scanned(info, cadence, n, tuple(times), numbered, tuple(looked), metadata)


def _look(pipeline: Pipeline, frame: frames.Frame, detectors: Sequence[Detector] | None,
          faces: dict[int, list[Finding]], areas: dict[int, list[Finding]]) -> None:
    h, w = frame.pixels.shape[:2]
    decided = pipeline.decide(pipeline.find(frame.pixels, detectors), w, h)
    faces[frame.index] = [f for f in decided if f.kind is FindingKind.FACE]
    if detectors is None:
        areas[frame.index] = [f for f in decided if f.kind is not FindingKind.FACE]


def _action(sightings: Sequence[Finding]) -> Action:
    """A track is hidden when any sighting is (a face sure in one frame is a face in all);
    else kept if any was kept (policy), else flagged for a person to look at."""
    for f in sightings:
        if f.hidden and f.action is not None:
            return f.action
    return Action.KEPT if any(f.action is Action.KEPT for f in sightings) else Action.FLAGGED


def _linked(found: Mapping[int, Sequence[Finding]], *, max_gap: int, reach: float,
            predict: tracks.Predict | None = None) -> list[list[tuple[int, Finding]]]:
    """Sightings joined into tracks by their boxes (``scanner.video.tracks.link``)."""
    by_box = {(frame, id(f.region)): f for frame, fs in found.items() for f in fs}
    linked = tracks.link({frame: [f.region for f in fs] for frame, fs in found.items()},
                         max_gap=max_gap, reach=reach, predict=predict)
    return [[(frame, by_box[(frame, id(box))]) for frame, box in t.detections] for t in linked]


def _largest(sightings: Sequence[Finding], action: Action) -> Finding:
    same = [f for f in sightings if f.action is action] or list(sightings)
    best = max(same, key=lambda f: f.outline.area)
    pii = tuple(dict.fromkeys(p for f in sightings for p in f.pii))
    return replace(best, action=action, pii=pii, unsure=all(f.unsure for f in sightings))


def _face_tracks(faces: Mapping[int, Sequence[Finding]], cadence: Cadence, n: int,
                 config: ScanConfig) -> list[VideoTrack]:
    out = []
    # A face missed by one face look, or seen only at full looks (small, or turning), is
    # still one track: its box is interpolated across the gap instead of left to the margins.
    for sightings in _linked(faces, max_gap=max(2 * cadence.face, cadence.scan), reach=1.5):
        found = [f for _, f in sightings]
        action = _action(found)
        track = tracks.Track(tuple((frame, f.region) for frame, f in sightings))
        cover: dict[int, Shape] = {}
        if action.hides:
            boxes = tracks.track_boxes(track, margin=cadence.margin, n_frames=n)
            cover = {f: Shape.box(b) for f, b in boxes.items() if not b.empty}
        first, last = (min(cover), max(cover)) if cover else (track.first, track.last)
        out.append(VideoTrack(0, _largest(found, action), cover, first, last))
    return out


def _between(a: Shape, *others: Shape) -> Shape:
    """The hull of outlines: where a thing moving (and turning) straight from ``a`` to another
    is at every moment in between."""
    rest = [o for o in others if o != a]
    if not rest:
        return a
    return hull(np.array(a.points + tuple(p for o in rest for p in o.points), dtype=np.float64))


def _shifted(shape: Shape, dx: float, dy: float) -> Shape:
    return Shape.of((x + dx, y + dy) for x, y in shape.points)


def _centre_velocity(a: tuple[int, Finding], b: tuple[int, Finding]) -> Velocity | None:
    (fa, ra), (fb, rb) = a, b
    if fb == fa:
        return None
    return (((rb.region.x1 + rb.region.x2) - (ra.region.x1 + ra.region.x2)) / 2 / (fb - fa),
            ((rb.region.y1 + rb.region.y2) - (ra.region.y1 + ra.region.y2)) / 2 / (fb - fa))


def _area_tracks(areas: Mapping[int, Sequence[Finding]], moves: Mapping[tuple[int, int], Velocity],
                 cadence: Cadence, n: int) -> list[VideoTrack]:
    """Pages, screens, text and codes followed from look to look. A sighting whose patch was
    found again at the next look (``scanner.video.motion``) is expected where it moved to, so
    a line carried past joins its own track; and where a track ends (the thing left, or the
    next look missed it behind someone), it is hidden along its way on, not held in place."""

    def velocity(frame: int, f: Finding) -> Velocity | None:
        return moves.get((frame, id(f.region)))

    by_region = {(frame, id(f.region)): f for frame, fs in areas.items() for f in fs}

    def predict(frame: int, box: Region, later: int) -> Region:
        v = moves.get((frame, id(box)))
        if v is None or (frame, id(box)) not in by_region:
            return box
        dx, dy = v[0] * (later - frame), v[1] * (later - frame)
        return Region(box.x1 + dx, box.y1 + dy, box.x2 + dx, box.y2 + dy)

    out = []
    # Best overlaps are paired first, so a line that stayed put keeps its own track; one that
    # moved (a page carried past) joins the nearest within one and a half of its size of where
    # it was expected. One look that missed it does not end its track.
    for sightings in _linked(areas, max_gap=2 * cadence.scan, reach=1.5, predict=predict):
        found = [f for _, f in sightings]
        action = _action(found)
        first, last = sightings[0][0], sightings[-1][0]
        cover: dict[int, Shape] = {}
        if action.hides:
            hidden = [(frame, f.outline) for frame, f in sightings]
            for k, ((fa, sa), (fb, sb)) in enumerate(zip(hidden, hidden[1:], strict=False)):
                # From one look to the next: both outlines, and the first carried on as it was
                # moving (the next look may see less of it: cut by the frame's edge, or behind
                # someone), under one hull.
                v = velocity(*sightings[k])
                ahead = () if v is None else (_shifted(sa, v[0] * (fb - fa), v[1] * (fb - fa)),)
                both = _between(sa, sb, *ahead)
                for frame in range(fa, fb):
                    cover[frame] = both
            cover[last] = hidden[-1][1]
            # One look's worth of frames either side, that look included: it may have been
            # there since just after the look before (or that look missed it), and still be
            # there until the next; on the way it was going.
            reach = cadence.scan
            v_out = velocity(*sightings[-1]) or (
                _centre_velocity(sightings[-2], sightings[-1]) if len(sightings) > 1 else None)
            v_in = velocity(*sightings[0]) or (
                _centre_velocity(sightings[0], sightings[1]) if len(sightings) > 1 else None)
            after = hidden[-1][1] if v_out is None else _between(
                hidden[-1][1], _shifted(hidden[-1][1], v_out[0] * reach, v_out[1] * reach))
            before = hidden[0][1] if v_in is None else _between(
                hidden[0][1], _shifted(hidden[0][1], -v_in[0] * reach, -v_in[1] * reach))
            for frame in range(max(0, first - reach), first):
                cover[frame] = before
            for frame in range(last + 1, min(n, last + reach + 1)):
                cover[frame] = after
            first, last = min(cover), max(cover)
        out.append(VideoTrack(0, _largest(found, action), cover, first, last))
    return out


# -- 2. hide and encode -----------------------------------------------------------------------


def frame_findings(scanned: Scanned, index: int, width: int, height: int,
                   keep: frozenset[int] = frozenset()) -> list[Finding]:
    """What is hidden in frame ``index``: each hidden track's shape there (clipped to the
    frame), as a finding with the track's kind and action; ``keep``: track numbers a person
    chose to leave visible."""
    out = []
    for t in scanned.tracks:
        shape = t.cover.get(index)
        if shape is None or t.number in keep:
            continue
        clipped = clip_shape(shape, width, height)
        if clipped is None:
            continue
        region = clipped.bounds.clip(width, height)
        if not region.empty:
            out.append(replace(t.finding, region=region, shape=clipped, span=None))
    return out


def finish(source: Path, output: Path, scanned: Scanned, pipeline: Pipeline, *,
           keep: frozenset[int] = frozenset(), progress: Progress | None = None,
           deadline: Deadline | None = None) -> int:
    """Write the redacted copy; returns the number of frames written."""
    info, config = scanned.info, pipeline.config
    deadline = deadline or Deadline(0)

    def redacted() -> Iterator[np.ndarray]:
        for frame in frames.decode(source, info):
            deadline.check()
            if frame.index >= scanned.frames:
                raise ScannerError("the video changed while it was read; no safe copy was made")
            decided = frame_findings(scanned, frame.index, info.width, info.height, keep)
            out = pipeline.redact(frame.pixels, decided) if decided else frame.pixels
            missed = verify.unchanged(frame.pixels, out, decided)
            if missed:
                kinds = ", ".join(sorted({f.kind.value for f in missed}))
                log.debug("frame %d: unchanged %s", frame.index, [f.region for f in missed])
                raise ScannerError(f"frame {frame.index + 1}: {len(missed)} redaction(s) "
                                   f"({kinds}) left the pixels unchanged; no safe copy was made")
            if progress is not None:
                progress("hide", frame.index + 1, scanned.frames)
            yield out

    written = encode.write_mp4(redacted(), output, fps=info.fps, width=info.width,
                               height=info.height, times=scanned.times,
                               audio_from=source if config.keep_audio and info.has_audio
                               else None)
    if written != scanned.frames:
        output.unlink(missing_ok=True)
        raise ScannerError(f"the video changed while it was read ({written} frames written, "
                           f"{scanned.frames} read); no safe copy was made")
    return written


# -- 3. look again ----------------------------------------------------------------------------


def check(output: Path, scanned: Scanned, pipeline: Pipeline, *,
          keep: frozenset[int] = frozenset(), progress: Progress | None = None,
          deadline: Deadline | None = None) -> tuple[int, bool]:
    """Look again at every ``check``-th frame of the copy (and its last). Raises when a face
    or text is found inside a hidden area; returns (frames checked, nothing new was seen).
    A clear face seen where nothing is hidden, or text running on from a fill, makes the copy
    unverified (it is reported)."""
    config = pipeline.config
    deadline = deadline or Deadline(0)
    copy = probe(output, config)
    step = scanned.cadence.check
    checked = 0
    new_faces = 0
    for frame in frames.decode(output, copy):
        deadline.check()
        if frame.index % step and frame.index != scanned.frames - 1:
            continue
        h, w = frame.pixels.shape[:2]
        decided = frame_findings(scanned, frame.index, w, h, keep)
        result = verify.check(frame.pixels, decided, pipeline.detectors,
                              config.verify_face_leak_score,
                              workers=config.parallel_detectors)
        if result.leaks:
            kinds = sorted({f.kind.value for f in result.leaks})
            raise ScannerError(
                f"verification failed at {frame.time_s:.1f} s: {', '.join(kinds)} still "
                "detectable inside a hidden area; no safe copy was made")
        # Seen now and not hidden: a clear face, or text running on from a fill (a photo's
        # copy would be redacted again; a clip's is not, so it is not confirmed).
        new_faces += sum(1 for f in result.new if not f.unsure and (
            f.kind is not FindingKind.FACE or f.score >= config.face_threshold))
        checked += 1
        if progress is not None:
            progress("check", frame.index + 1, scanned.frames)
    return checked, new_faces == 0


# -- the whole clip ---------------------------------------------------------------------------


def process_video(pipeline: Pipeline, source: Path, output: Path | None = None, *,
                  display: str | None = None, keep: frozenset[int] = frozenset(),
                  live_photo: bool = False, progress: Progress | None = None,
                  time_limit_s: float | None = None) -> ScanResult:
    """Scan one video; with ``output`` (an ``.mp4``), also write its redacted copy. Never
    raises for a problem with the video: that becomes status ``error`` and no file."""
    name = display if display is not None else str(source)
    config = pipeline.config
    started = time.perf_counter()
    try:
        scanned = scan(source, config, pipeline, progress=progress,
                       deadline=Deadline(time_limit_s) if time_limit_s is not None else None)
    except ScannerError as exc:
        undecodable = isinstance(exc, UnreadableImage) and not isinstance(exc, TooLarge)
        log.info("%s: failed closed: %s", name, exc)
        return ScanResult(source=name, status=Status.ERROR, format="VIDEO", error=str(exc),
                          undecodable=undecodable)
    except Exception as exc:  # a surprise must fail closed, with a reason
        return _internal(name, exc)
    return finish_video(pipeline, source, output, scanned, display=name, keep=keep,
                        live_photo=live_photo, progress=progress, started=started,
                        time_limit_s=time_limit_s)


def finish_video(pipeline: Pipeline, source: Path, output: Path | None, scanned: Scanned, *,
                 display: str, keep: frozenset[int] = frozenset(), live_photo: bool = False,
                 progress: Progress | None = None, started: float | None = None,
                 time_limit_s: float | None = None) -> ScanResult:
    """Hide, encode and check (``output``), or only report (None). The one finishing path
    for the CLI, watch and the review page."""
    config, info = pipeline.config, scanned.info
    started = time.perf_counter() if started is None else started
    limit = time_limit(config, info.duration_s) if time_limit_s is None else time_limit_s
    deadline = Deadline(max(0.0, limit - (time.perf_counter() - started)) if limit > 0 else 0)
    audio = "none" if not info.has_audio else ("kept" if config.keep_audio else "dropped")
    metadata = scanned.metadata if audio != "kept" else tuple(
        m for m in scanned.metadata if m != "audio")
    findings = tuple(t.finding if t.number not in keep
                     else replace(t.finding, action=Action.KEPT, decided_by="user")
                     for t in scanned.tracks)
    notes = ((AUDIO_NOTE,) if audio == "kept" else ()) + (
        (LIVE_PHOTO_NOTE,) if live_photo else ())
    out_w, out_h = encode.even(info.width, info.height)
    clip = Clip(duration_s=round(info.duration_s, 3), frames=scanned.frames,
                fps=round(info.fps, 3), audio=audio, live_photo=live_photo)
    base = ScanResult(source=display, status=Status.ERROR, width=out_w, height=out_h,
                      format="VIDEO", output_format="MP4", findings=findings,
                      metadata_removed=metadata, notes=notes, clip=clip)
    written: str | None = None
    verified: bool | None = None
    if output is not None:
        try:
            finish(source, output, scanned, pipeline, keep=keep, progress=progress,
                   deadline=deadline)
            if config.verify:
                checked, verified = check(output, scanned, pipeline, keep=keep,
                                          progress=progress, deadline=deadline)
                clip = replace(clip, checked_frames=checked)
            written = str(output.resolve())
        except Exception as exc:
            output.unlink(missing_ok=True)
            if isinstance(exc, ScannerError):
                log.info("%s: failed closed: %s", display, exc)
                return replace(base, error=str(exc))
            return replace(_internal(display, exc), findings=findings, clip=clip)
    return replace(base,
                   status=Status.REDACTED if any(f.hidden for f in findings) else Status.CLEAN,
                   output=written, verified=verified, clip=clip,
                   elapsed_s=round(time.perf_counter() - started, 3))


def _internal(name: str, exc: Exception) -> ScanResult:
    log.debug("%s: unexpected failure", name, exc_info=True)
    return ScanResult(source=name, status=Status.ERROR, format="VIDEO",
                      error=f"internal error ({type(exc).__name__}: {str(exc)[:120]}); "
                            "no safe copy was made")

