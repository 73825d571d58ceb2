#!/usr/bin/env python3
"""Video benchmark: seconds per second of 1080p30 video, PostSafe beside deface, and peak memory.

The clip is made here (PyAV, libx264, crf 20, preset veryfast) in a temp folder: 1920x1080 at
30 fps, a smooth moving background, three real portraits cropped from ``../shared/eval/faces``
(read in place: ``deepface_img22/31/53.jpg``, the crops chosen by eye, as these photos have no
ground truth) panning across and growing and shrinking, and a rendered care-plan page (dark
lines of text, names, an NHS-style number) sliding through. Everything moves with a period of
at most 12 s, so a longer clip shows the same things for longer.

Two commands run on the same clip, each under ``/usr/bin/time -v`` while the resident memory
of its whole process tree (the command, PostSafe's worker, deface's ffmpeg) is sampled from
/proc every 0.1 s, alternating run by run (postsafe, deface, postsafe, deface, ...):

* **postsafe**: ``postsafe redact CLIP --out TMP/ps_N --jobs 1`` (every detector: faces,
  documents, screens, text, codes; the copy checked again). The report must give the clip
  status ``redacted``; a run with ``error`` is logged and counted as failed, not timed;
* **deface**: ``deface CLIP -o TMP/deface_N.mp4`` (faces only; its defaults: threshold 0.2,
  full resolution).

Per command: **wall s/s** (median over runs of wall time / seconds of video; start-up and model
loading included), **CPU s/s** (median of user + system time / seconds of video), **peak RSS**
(GNU time: the largest single process) and **all processes** (the sampled tree's peak), then
the ratios postsafe/deface. Target: PostSafe no slower than deface, while it does faces and text.

Memory against clip length: a clip of each ``--memory-seconds`` length (default 10 and 60) goes
through PostSafe once; its tree's peak RSS per length and the ratio longest/shortest show
whether memory stays flat (target: a 10-minute clip under 1.5 GB).

What the speed bought, judged on every ``--judge-every``-th frame (default 10) of the timed clip
and of each timed run's copy (PostSafe's and deface's), by tools PostSafe does not use (nothing
here imports ``scanner``):

* **text leak**: ``tesseract stdin stdout --psm 11 tsv`` on each frame (PNG on stdin); a word is
  read when its confidence is >= 60 and it has >= 3 letters/digits (documents_eval's rule); a
  word read in a source frame is *still read* when the same word is read in the same frame of the
  copy. Printed: words read in the source, still read in the copies, and the share;
* **face leak**: deface's own CenterFace (``deface.centerface``) at threshold 0.5 finds the faces
  of each source frame; one is *still visible* when CenterFace finds a face at score >= 0.5 with
  IoU >= 0.3 with it in the same frame of the copy.

A copy is compared frame by frame only when it has as many frames as the clip; a copy of another
size but the same shape is scaled to the clip's (deface's writer scales 1080 rows to 1088, the
next multiple of 16); otherwise it is skipped, and said so.

    .venv/bin/python bench/video_eval.py                          # 2 runs each, 10 s clip
    .venv/bin/python bench/video_eval.py --runs 3 --seconds 20 --keep /tmp/v
    .venv/bin/python bench/video_eval.py --runs 0 --memory-seconds 10,600   # memory only
    .venv/bin/python bench/video_eval.py --judge-every 5          # judge every 5th frame
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    TIME,
    BenchError,
    add_logging,
    add_postsafe,
    cli,
    run_sampled,
    setup_logging,
    tree_rss_kb,
)
from documents_eval import CONF_MIN, MIN_ALNUM, iou, normalise, parse_tsv
from speed_eval import parse_time_v

log = logging.getLogger("video_eval")

REPO = Path(__file__).resolve().parent.parent
# ../shared/eval beside the checkout (or beside the folder of worktrees holding it).
EVAL = next((p / "shared" / "eval" for p in (REPO.parent, REPO.parent.parent)
             if (p / "shared" / "eval").is_dir()), REPO.parent / "shared" / "eval")
DEFAULT_POSTSAFE = REPO / ".venv" / "bin" / "postsafe"
DEFAULT_DEFACE = REPO / ".venv" / "bin" / "deface"
RESULTS = REPO / "bench" / "results" / "video_eval.json"
REPORT_NAME = "postsafe-report.json"
TREE_SAMPLE_S = 0.1
MEMORY_TARGET_MB = 1536.0  # a 10-minute clip under 1.5 GB
JUDGE_EVERY = 10  # judge every Nth frame of the timed clip and its copies
TESSERACT = ("tesseract", "stdin", "stdout", "--psm", "11", "tsv")
TESSERACT_TIMEOUT_S = 300.0
FACE_SCORE = 0.5  # CenterFace's threshold for a face, in the source and in a copy
FACE_IOU = 0.3  # a face in the copy at IoU >= this with a source face: still visible
ASPECT_SLACK = 0.02  # a copy whose width/height differs more than this is not compared

WIDTH, HEIGHT, FPS = 1920, 1080, 30
CRF, PRESET = 20, "veryfast"
# Head-and-shoulders crops of the eval portraits, as fractions of the photo (x1, y1, x2, y2),
# chosen by eye: these photos have no ground truth. Each holds one face and no other.
FACE_CROPS = {
    "deepface_img22.jpg": (0.55, 0.04, 0.95, 0.80),
    "deepface_img31.jpg": (0.30, 0.00, 0.62, 0.72),
    "deepface_img53.jpg": (0.32, 0.00, 0.74, 0.62),
}
FACE_HEIGHT = 360  # px on screen at scale 1; each face swings between 0.5x and 1.3x of it
CARE_PLAN = (
    ("CARE PLAN - CONFIDENTIAL", True),
    ("Resident: Margaret Ellen Hughes", False),
    ("NHS number: 485 777 3456", False),
    ("Date of birth: 14/03/1941   Room 12, Maple Wing", False),
    ("GP: Dr Rhys Pritchard, Bryn Surgery", False),
    ("Next of kin: David Hughes (son) 07700 900461", False),
    ("", False),
    ("Needs and support", True),
    ("Mobility: walks with a frame, two staff", False),
    ("to transfer; falls risk high.", False),
    ("Diet: soft, diabetic; thickened fluids.", False),
    ("Medication: metformin 500 mg twice daily,", False),
    ("donepezil 10 mg at night.", False),
    ("Allergies: penicillin.", False),
    ("Personal care: prefers a bath on Tuesdays", False),
    ("and Fridays; likes her hair set.", False),
    ("", False),
    ("Reviewed by: Sian Roberts, senior carer", False),
    ("Signed: ____________  Date: 02/11/2024", False),
)


# ------------------------------------------------------------------------------------------
# the clip


def load_faces(faces_dir: Path) -> list[np.ndarray]:
    """The portrait crops (RGB), each resized to FACE_HEIGHT px tall."""
    from PIL import Image, ImageOps

    out = []
    for name, (fx1, fy1, fx2, fy2) in FACE_CROPS.items():
        path = faces_dir / name
        try:
            with Image.open(path) as im:
                photo = ImageOps.exif_transpose(im).convert("RGB")
        except OSError as exc:
            raise BenchError(f"cannot read {path}: {exc}") from exc
        w, h = photo.size
        crop = photo.crop((round(fx1 * w), round(fy1 * h), round(fx2 * w), round(fy2 * h)))
        size = (round(crop.width * FACE_HEIGHT / crop.height), FACE_HEIGHT)
        out.append(np.asarray(crop.resize(size, Image.Resampling.LANCZOS)))
    return out


def _font(size: int, bold: bool) -> Any:
    from PIL import ImageFont

    names = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf") if bold else (
        "DejaVuSans.ttf", "LiberationSans-Regular.ttf")
    for name in names:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            for folder in ("/usr/share/fonts/truetype/dejavu",
                           "/usr/share/fonts/truetype/liberation"):
                try:
                    return ImageFont.truetype(f"{folder}/{name}", size)
                except OSError:
                    continue
    return ImageFont.load_default(size)


def render_document() -> np.ndarray:
    """A fake care plan: dark lines of text on a white page with a grey edge (RGB)."""
    from PIL import Image, ImageDraw

    page = Image.new("RGB", (620, 820), (250, 250, 246))
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, page.width - 1, page.height - 1), outline=(150, 150, 150), width=3)
    y = 36
    for line, bold in CARE_PLAN:
        draw.text((40, y), line, fill=(20, 20, 30), font=_font(27 if bold else 22, bold))
        y += 40
    return np.asarray(page)


def _background() -> np.ndarray:
    """A smooth colour field twice the frame's width, panned through slowly."""
    y, x = np.mgrid[0:HEIGHT, 0:2 * WIDTH].astype(np.float32)
    u = x / (2 * WIDTH) * 2 * math.pi  # one period over the whole width: seamless wrap
    r = 120 + 50 * np.sin(u) + 25 * (y / HEIGHT)
    g = 140 + 40 * np.cos(u + 1.0) - 20 * (y / HEIGHT)
    b = 170 + 45 * np.sin(2 * u + 2.0) * (0.5 + 0.5 * y / HEIGHT)
    return np.stack([r, g, b], axis=2).clip(0, 255).astype(np.uint8)


def _paste(frame: np.ndarray, sprite: np.ndarray, x: int, y: int) -> None:
    h, w = sprite.shape[:2]
    x1, y1, x2, y2 = max(x, 0), max(y, 0), min(x + w, WIDTH), min(y + h, HEIGHT)
    if x1 < x2 and y1 < y2:
        frame[y1:y2, x1:x2] = sprite[y1 - y:y2 - y, x1 - x:x2 - x]


def _triangle(t: float, period: float) -> float:
    """0 -> 1 -> 0 over ``period`` seconds."""
    phase = (t / period) % 1.0
    return 2 * phase if phase < 0.5 else 2 - 2 * phase


def frame_at(t: float, background: np.ndarray, faces: Sequence[np.ndarray],
             document: np.ndarray) -> np.ndarray:
    import cv2

    shift = int(t * 60) % WIDTH  # 60 px/s
    frame = background[:, shift:shift + WIDTH].copy()
    # The page slides in from the right and out at the left every 10 s (centred at 5 s).
    dh, dw = document.shape[:2]
    phase = (t / 10.0) % 1.0
    _paste(frame, document, round(WIDTH - phase * (WIDTH + dw)),
           round((HEIGHT - dh) / 2 + 40 * math.sin(2 * math.pi * t / 10.0)))
    # Each face pans to and fro across the frame, growing and shrinking on its own beat.
    for i, face in enumerate(faces):
        scale = 0.9 + 0.4 * math.sin(2 * math.pi * t / (6.0 + 1.5 * i) + 2.0 * i)
        fh, fw = face.shape[:2]
        sprite = cv2.resize(face, (round(fw * scale), round(fh * scale)),
                            interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        sh, sw = sprite.shape[:2]
        across = _triangle(t + 3.0 * i, 8.0 + 2.0 * i)
        x = round(-sw * 0.25 + across * (WIDTH - sw * 0.5))
        row = (0.12, 0.55, 0.3)[i % 3]
        y = round(row * HEIGHT - sh / 2 + 60 * math.sin(2 * math.pi * t / 5.0 + i))
        _paste(frame, sprite, x, max(min(y, HEIGHT - sh), 0))
    return frame


def make_clip(path: Path, seconds: float, faces: Sequence[np.ndarray],
              document: np.ndarray) -> int:
    """Encode the clip; returns its number of frames."""
    import av

    frames = max(1, round(seconds * FPS))
    background = _background()
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"crf": str(CRF), "preset": PRESET}
        for i in range(frames):
            pixels = frame_at(i / FPS, background, faces, document)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    log.info("made %s: %d frames, %.1f MB", path.name, frames, path.stat().st_size / 1e6)
    return frames


# ------------------------------------------------------------------------------------------
# running the commands


@dataclass(frozen=True, slots=True)
class Measured:
    wall: float  # seconds
    cpu: float  # user + system seconds, the whole tree (GNU time counts waited-for children)
    peak_kb: int  # the largest single process (GNU time)
    tree_kb: int  # the whole process tree, sampled every TREE_SAMPLE_S
    rss_series: tuple[tuple[float, int], ...]  # (seconds since start, tree kB), ~every 1 s
    returncode: int
    stderr: str


def measure(cmd: Sequence[str], timeout: float) -> Measured:
    series: list[tuple[float, int]] = []
    started = [0.0]

    def sample(pid: int) -> None:
        now = time.perf_counter()
        if not series:
            started[0] = now
        series.append((now - started[0], tree_rss_kb(pid)))

    log.debug("running %s", " ".join(cmd))
    run = run_sampled(cmd, timeout, TREE_SAMPLE_S, sample)
    if run.returncode == 127 or "Command exited with non-zero status 127" in run.stderr:
        said = run.stderr.split("Command exited with non-zero status")[0].strip()
        raise BenchError(f"cannot run {cmd[0]}: {said[-400:]}")
    try:
        _, cpu, peak = parse_time_v(run.stderr)
    except BenchError as exc:
        raise BenchError(f"{cmd[0]} exited {run.returncode}: {run.stderr[-800:]}") from exc
    tree = max((kb for _, kb in series), default=0)
    coarse: list[tuple[float, int]] = []
    for t, kb in series:
        if not coarse or t - coarse[-1][0] >= 1.0:
            coarse.append((round(t, 1), kb))
    return Measured(run.seconds, cpu, peak, max(tree, peak), tuple(coarse), run.returncode,
                    run.stderr)


@dataclass
class Outcome:
    """One run of one command."""

    measured: Measured
    ok: bool
    error: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    output: Path | None = None  # the copy, when the run made one


def run_postsafe(postsafe: str, clip: Path, out: Path, timeout: float) -> Outcome:
    shutil.rmtree(out, ignore_errors=True)
    m = measure([*postsafe.split(), "redact", str(clip), "--out", str(out), "--jobs", "1"],
                timeout)
    try:
        report = json.loads((out / REPORT_NAME).read_text())
    except (OSError, ValueError) as exc:
        raise BenchError(f"PostSafe wrote no readable report (exit {m.returncode}): {exc}; "
                         f"{m.stderr[-600:]}") from exc
    results = [r for r in report.get("results", [])
               if Path(str(r.get("source", ""))).name == clip.name]
    if len(results) != 1:
        return Outcome(m, False, f"the report has {len(results)} results for {clip.name}")
    r = results[0]
    findings = r.get("findings") or []
    kinds = Counter(str(f.get("kind")) for f in findings)
    actions = Counter(f"{f.get('kind')}/{f.get('action')}" for f in findings)
    detail = {
        "status": r.get("status"),
        "elapsed_s": r.get("elapsed_s"),
        "verified": r.get("verified"),
        "findings": dict(sorted(kinds.items())),
        "actions": dict(sorted(actions.items())),
        "clip": r.get("clip"),
        "returncode": m.returncode,
    }
    if r.get("status") != "redacted":
        error = f"status {r.get('status')}: {r.get('error') or r.get('reason') or ''}".strip()
        log.error("PostSafe on %s: %s", clip.name, error)
        return Outcome(m, False, error, detail)
    return Outcome(m, True, "", detail, out / str(r.get("output")) if r.get("output") else None)


def run_deface(deface: str, clip: Path, out: Path, timeout: float) -> Outcome:
    out.unlink(missing_ok=True)
    m = measure([*deface.split(), str(clip), "-o", str(out)], timeout)
    if m.returncode != 0:
        raise BenchError(f"deface exited {m.returncode}: {m.stderr[-800:]}")
    if not out.is_file() or out.stat().st_size == 0:
        return Outcome(m, False, "deface wrote no output")
    return Outcome(m, True, "", {"output_mb": round(out.stat().st_size / 1e6, 2)}, out)


# ------------------------------------------------------------------------------------------
# judging the copies: tesseract and deface's CenterFace, nothing from scanner


class JudgeError(Exception):
    """A judge failed on a frame: the measure is skipped for that video, with this reason."""


@dataclass
class Sampled:
    """Every Nth frame of one video (RGB), by frame number, and how many frames it has."""

    frames: int
    size: tuple[int, int]  # (width, height) as decoded
    pixels: dict[int, np.ndarray]


def sample_frames(path: Path, every: int) -> Sampled:
    """Decode the whole video (PyAV), keeping frames 0, every, 2 * every, ..."""
    import av

    pixels: dict[int, np.ndarray] = {}
    frames, size = 0, (0, 0)
    try:
        with av.open(str(path)) as container:
            for frame in container.decode(video=0):
                if frames % every == 0:
                    pixels[frames] = frame.to_ndarray(format="rgb24")
                    size = (frame.width, frame.height)
                frames += 1
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise JudgeError(f"cannot decode {path.name}: {exc}") from exc
    if not frames:
        raise JudgeError(f"{path.name} has no video frames")
    return Sampled(frames, size, pixels)


def align(copy: Sampled, source: Sampled) -> str:
    """Why ``copy``'s frames cannot be set beside ``source``'s ('' when they can). A copy of
    another size but the same shape is scaled to the source's size in place."""
    import cv2

    if copy.frames != source.frames:
        return f"{copy.frames} frames where the clip has {source.frames}: frames do not align"
    (w, h), (sw, sh) = copy.size, source.size
    if (w, h) != (sw, sh):
        if abs((w / h) / (sw / sh) - 1) > ASPECT_SLACK:
            return f"{w}x{h} where the clip is {sw}x{sh}: not the same picture shape"
        copy.pixels = {i: cv2.resize(p, (sw, sh), interpolation=cv2.INTER_AREA)
                       for i, p in copy.pixels.items()}
    return ""


class Judges:
    """tesseract (words) and deface's CenterFace (faces); each is None, with a reason, when it
    cannot run here."""

    def __init__(self, size: tuple[int, int]):
        self.tesseract: str | None = None
        self.text_error = ""
        try:
            proc = subprocess.run(["tesseract", "--version"], capture_output=True, text=True,
                                  check=False, timeout=60)
            if proc.returncode == 0:
                self.tesseract = (proc.stdout or proc.stderr).split("\n")[0].strip()
            else:
                self.text_error = f"tesseract --version failed: {proc.stderr.strip()[-200:]}"
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.text_error = f"cannot run tesseract: {exc}"
        self.centerface: Any = None
        self.face_error = ""
        try:
            import contextlib
            import io

            from deface.centerface import CenterFace

            with contextlib.redirect_stdout(io.StringIO()):  # it prints its provider
                self.centerface = CenterFace(in_shape=size, backend="auto")
        except Exception as exc:  # noqa: BLE001 - any failure of the judge: skip the measure
            self.face_error = f"cannot load deface's CenterFace: {exc}"

    def words(self, pixels: np.ndarray) -> Counter[str]:
        """Words tesseract reads with confidence >= CONF_MIN and >= MIN_ALNUM letters/digits,
        normalised (casefold, letters and digits only), with how often each is read."""
        import cv2

        ok, png = cv2.imencode(".png", cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR),
                               [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if not ok:
            raise JudgeError("cannot encode a frame as PNG")
        try:
            proc = subprocess.run(TESSERACT, input=png.tobytes(), capture_output=True,
                                  check=False, timeout=TESSERACT_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise JudgeError(f"tesseract: {exc}") from exc
        if proc.returncode != 0:
            raise JudgeError(f"tesseract exited {proc.returncode}: "
                             f"{proc.stderr.decode(errors='replace').strip()[-300:]}")
        words: Counter[str] = Counter()
        for raw, conf, *_ in parse_tsv(proc.stdout.decode("utf-8", errors="replace")):
            text = normalise(raw)
            if conf >= CONF_MIN and len(text) >= MIN_ALNUM:
                words[text] += 1
        return words

    def faces(self, pixels: np.ndarray) -> np.ndarray:
        """CenterFace's faces at score >= FACE_SCORE: rows of (x1, y1, x2, y2, score)."""
        try:
            dets, _ = self.centerface(pixels, threshold=FACE_SCORE)
        except Exception as exc:  # noqa: BLE001 - the judge failed on this frame
            raise JudgeError(f"CenterFace: {exc}") from exc
        return np.asarray(dets, dtype=np.float32).reshape(-1, 5)


def text_leak(judges: Judges, source_words: dict[int, Counter[str]],
              copy: dict[int, np.ndarray]) -> dict[str, Any]:
    """Words read in the source frames, and how many of them tesseract reads again in the same
    frame of the copy (a word read twice in a frame counts twice when read twice in both)."""
    still: Counter[str] = Counter()
    frames_leaking = []
    for i, words in source_words.items():
        if not words:
            continue
        kept = words & judges.words(copy[i])
        still.update(kept)
        if kept:
            frames_leaking.append(i)
    read = sum(sum(w.values()) for w in source_words.values())
    kept_n = sum(still.values())
    return {"frames": len(source_words), "source_words": read, "still_read": kept_n,
            "share": kept_n / read if read else None, "frames_leaking": frames_leaking,
            "words_still_read": dict(still.most_common(30))}


def face_leak(judges: Judges, source_faces: dict[int, np.ndarray],
              copy: dict[int, np.ndarray]) -> dict[str, Any]:
    """Faces CenterFace finds in the source frames, and how many of them it finds again (score
    >= FACE_SCORE, IoU >= FACE_IOU) in the same frame of the copy."""
    seen = still = 0
    frames_leaking = []
    for i, faces in source_faces.items():
        if not len(faces):
            continue
        found = judges.faces(copy[i])
        left = [f for f in faces if any(iou(tuple(f[:4]), tuple(g[:4])) >= FACE_IOU
                                        for g in found)]
        seen += len(faces)
        still += len(left)
        if left:
            frames_leaking.append(i)
    return {"frames": len(source_faces), "source_faces": seen, "still_visible": still,
            "share": still / seen if seen else None, "frames_leaking": frames_leaking}


def judge_copies(clip: Path, runs: dict[str, list[Outcome]], every: int) -> dict[str, Any]:
    """Both measures on every timed run's copy, against the clip's frames judged once."""
    log.info("judging every %dth frame of %s", every, clip.name)
    judged: dict[str, Any] = {"every": every, "tesseract": None, "centerface": None,
                              "text_error": "", "face_error": "", "copies": {}}
    try:
        source = sample_frames(clip, every)
    except JudgeError as exc:
        judged["error"] = str(exc)
        return judged
    judges = Judges(source.size)
    source_words: dict[int, Counter[str]] | None = None
    source_faces: dict[int, np.ndarray] | None = None
    if judges.tesseract:
        try:
            source_words = {i: judges.words(p) for i, p in source.pixels.items()}
        except JudgeError as exc:
            judges.text_error = f"on the clip: {exc}"
    if judges.centerface is not None:
        try:
            source_faces = {i: judges.faces(p) for i, p in source.pixels.items()}
        except JudgeError as exc:
            judges.face_error = f"on the clip: {exc}"
    judged.update({
        "tesseract": judges.tesseract, "text_error": judges.text_error,
        "centerface": "deface.centerface" if judges.centerface is not None else None,
        "face_error": judges.face_error,
        "source": {
            "frames": source.frames, "frames_judged": len(source.pixels),
            "size": list(source.size),
            "words": sum(sum(w.values()) for w in source_words.values())
            if source_words is not None else None,
            "faces": sum(len(f) for f in source_faces.values())
            if source_faces is not None else None,
        },
    })
    log.info("  the clip: %s", judged["source"])
    for name, outcomes in runs.items():
        entries = judged["copies"][name] = []
        for n, o in enumerate(outcomes, 1):
            entry: dict[str, Any] = {"run": n, "copy": str(o.output) if o.output else None}
            entries.append(entry)
            if not o.ok or o.output is None or not o.output.is_file():
                entry["skipped"] = f"no copy ({o.error or 'none written'})"
                continue
            try:
                copy = sample_frames(o.output, every)
            except JudgeError as exc:
                entry["skipped"] = str(exc)
                continue
            entry["size"] = list(copy.size)
            entry["skipped"] = align(copy, source)
            if entry["skipped"]:
                log.warning("%s run %d: %s", name, n, entry["skipped"])
                continue
            for key, ready, measure in (("text", source_words, text_leak),
                                        ("faces", source_faces, face_leak)):
                if ready is None:
                    continue
                try:
                    entry[key] = measure(judges, ready, copy.pixels)
                except JudgeError as exc:
                    entry[f"{key}_error"] = str(exc)
                    log.warning("%s run %d, %s: %s", name, n, key, exc)
            log.info("  %s run %d: text %s, faces %s", name, n,
                     {k: v for k, v in entry.get("text", {}).items() if k != "words_still_read"},
                     entry.get("faces"))
    judged["summary"] = {name: sum_leaks(entries) for name, entries in judged["copies"].items()}
    return judged


def sum_leaks(entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One tool's copies together: each copy counted against the same source frames."""
    texts = [e["text"] for e in entries if "text" in e]
    faces = [e["faces"] for e in entries if "faces" in e]
    words = sum(t["source_words"] for t in texts)
    read = sum(t["still_read"] for t in texts)
    seen = sum(f["source_faces"] for f in faces)
    visible = sum(f["still_visible"] for f in faces)
    return {
        "copies_judged_text": len(texts), "copies_judged_faces": len(faces),
        "source_words": words, "still_read": read,
        "text_leak": read / words if texts and words else None,
        "source_faces": seen, "still_visible": visible,
        "face_leak": visible / seen if faces and seen else None,
        "skipped": [f"run {e['run']}: {e['skipped']}" for e in entries if e.get("skipped")]
        + [f"run {e['run']}, {key}: {e[f'{key}_error']}" for e in entries
           for key in ("text", "faces") if e.get(f"{key}_error")],
    }


# ------------------------------------------------------------------------------------------
# summing up


def med(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a is not None and b else "-"


def fmt(v: float | None, spec: str = ".2f") -> str:
    return format(v, spec) if v is not None else "-"


def summarise(outcomes: Sequence[Outcome], seconds: float) -> dict[str, Any]:
    good = [o for o in outcomes if o.ok]
    return {
        "runs": len(outcomes),
        "failed": len(outcomes) - len(good),
        "errors": [o.error for o in outcomes if not o.ok],
        "wall_s_per_s_median": med([o.measured.wall / seconds for o in good]),
        "cpu_s_per_s_median": med([o.measured.cpu / seconds for o in good]),
        "wall_s_runs": [round(o.measured.wall, 2) for o in outcomes],
        "cpu_s_runs": [round(o.measured.cpu, 2) for o in outcomes],
        "peak_rss_mb": max((o.measured.peak_kb for o in good), default=0) / 1024 or None,
        "peak_tree_rss_mb": max((o.measured.tree_kb for o in good), default=0) / 1024 or None,
        "details": [o.detail for o in outcomes],
    }


def checkout() -> str | None:
    """The commit PostSafe's checkout is at, ``+`` a digest of ``scanner/``'s changes to it."""
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        diff = subprocess.run(["git", "-C", str(REPO), "diff", "HEAD", "--", "scanner"],
                              capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + (f"+{hashlib.sha1(diff).hexdigest()[:7]}" if diff else "")


def parse_lengths(text: str) -> list[float]:
    try:
        lengths = sorted({float(x) for x in text.split(",") if x.strip()})
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of seconds: {text!r}") from exc
    if any(x <= 0 for x in lengths):
        raise argparse.ArgumentTypeError("lengths must be positive")
    return lengths


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from exc
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_postsafe(ap, DEFAULT_POSTSAFE)
    ap.add_argument("--deface", default=str(DEFAULT_DEFACE),
                    help="deface command line (default %(default)s)")
    ap.add_argument("--runs", type=int, default=2,
                    help="timed runs of each command, alternating (default 2; 0: memory only)")
    ap.add_argument("--seconds", type=float, default=10.0,
                    help="length of the timed clip in seconds (default 10)")
    ap.add_argument("--memory-seconds", type=parse_lengths, default=parse_lengths("10,60"),
                    metavar="S,S,...",
                    help="clip lengths for PostSafe's peak memory, one run each (default 10,60; "
                    "'' to skip; e.g. 10,600 for a 10-minute clip)")
    ap.add_argument("--judge-every", type=positive_int, default=JUDGE_EVERY, metavar="N",
                    help="judge text and face leaks on every Nth frame of the timed clip and "
                    "of each timed run's copy (default %(default)s)")
    ap.add_argument("--faces", type=Path, default=EVAL / "faces",
                    help="eval folder holding the portraits (default %(default)s)")
    ap.add_argument("--keep", type=Path,
                    help="work folder to keep (clips and every run's outputs)")
    ap.add_argument("--timeout", type=float,
                    help="seconds per command run (default 600 + 60 a second of video)")
    ap.add_argument("--results", type=Path, default=RESULTS,
                    help="where to write the JSON results (default %(default)s)")
    add_logging(ap, "progress on stderr")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args)
    if not Path(TIME).is_file():
        raise BenchError(f"{TIME} is missing (apt-get install time)")
    if args.runs < 0 or args.seconds <= 0:
        raise BenchError("--runs must be >= 0 and --seconds > 0")
    faces = load_faces(args.faces)
    document = render_document()
    args.checkout = checkout()  # PostSafe's code when the runs start (it may change meanwhile)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        work, tmp = args.keep, None
    else:
        tmp = tempfile.TemporaryDirectory(prefix="video_eval-")
        work = Path(tmp.name)
    clips: dict[float, tuple[Path, int]] = {}

    def clip_of(seconds: float) -> tuple[Path, int]:
        if seconds not in clips:
            path = work / f"clip_{seconds:g}s.mp4"
            log.info("making a %g s 1080p30 clip", seconds)
            clips[seconds] = (path, make_clip(path, seconds, faces, document))
        return clips[seconds]

    def limit(seconds: float) -> float:
        return args.timeout if args.timeout else 600.0 + 60.0 * seconds

    runs: dict[str, list[Outcome]] = {"postsafe": [], "deface": []}
    memory: dict[float, Outcome] = {}
    judged: dict[str, Any] | None = None
    try:
        if args.runs:
            clip, frames = clip_of(args.seconds)
            timeout = limit(args.seconds)
            for i in range(args.runs):
                log.info("run %d/%d: postsafe", i + 1, args.runs)
                o = run_postsafe(args.postsafe, clip, work / f"ps_{i}", timeout)
                runs["postsafe"].append(o)
                log.info("  %.1f s (%.2f s/s), CPU %.1f s, %.0f MB, %s", o.measured.wall,
                         o.measured.wall * FPS / frames, o.measured.cpu,
                         o.measured.tree_kb / 1024, o.detail)
                log.info("run %d/%d: deface", i + 1, args.runs)
                o = run_deface(args.deface, clip, work / f"deface_{i}.mp4", timeout)
                runs["deface"].append(o)
                log.info("  %.1f s (%.2f s/s), CPU %.1f s, %.0f MB", o.measured.wall,
                         o.measured.wall * FPS / frames, o.measured.cpu,
                         o.measured.tree_kb / 1024)
            judged = judge_copies(clip, runs, args.judge_every)
            # The timed clip's first PostSafe run is its memory run too.
            if args.seconds in args.memory_seconds:
                memory[args.seconds] = runs["postsafe"][0]
        for seconds in args.memory_seconds:
            if seconds in memory:
                continue
            clip, _ = clip_of(seconds)
            log.info("memory: postsafe on the %g s clip", seconds)
            memory[seconds] = run_postsafe(args.postsafe, clip, work / f"ps_mem_{seconds:g}s",
                                           limit(seconds))
            o = memory[seconds]
            log.info("  %.1f s, %.0f MB, %s", o.measured.wall, o.measured.tree_kb / 1024,
                     o.detail)
            if args.keep is None:
                clip.unlink(missing_ok=True)  # done with it: free the temp space
    finally:
        if tmp is not None:
            tmp.cleanup()
    return report(args, runs, memory, clips, judged)


def pct(share: float | None) -> str:
    return f"{100 * share:.1f}%" if share is not None else "-"


def print_leaks(judged: dict[str, Any]) -> None:
    """The second table: what each tool's copies still show."""
    every, src = judged["every"], judged.get("source")
    if judged.get("error") or not src:
        print(f"\nleaks NOT judged: {judged.get('error')}")
        return
    print(f"\nWhat the copies still show: 1 frame in {every} ({src['frames_judged']} of "
          f"{src['frames']}) of the clip and of each copy, judged by tools PostSafe does not use")
    print(f"  text: {judged['tesseract'] or 'tesseract'} --psm 11, words of confidence >= "
          f"{CONF_MIN:.0f} with >= {MIN_ALNUM} letters/digits, still read when the same word "
          "is read in the same frame of the copy")
    print(f"  faces: deface's CenterFace at {FACE_SCORE}, still visible when it finds a face "
          f"at IoU >= {FACE_IOU} in the same frame of the copy")
    for what, error in (("text", judged["text_error"]), ("faces", judged["face_error"])):
        if error:
            print(f"  {what} NOT judged: {error}")
    print(f"{'':10} {'copies':>6} {'source words':>13} {'still read':>11} {'text leak':>10} "
          f"{'source faces':>13} {'still visible':>14} {'face leak':>10}")
    for name, s in judged["summary"].items():
        copies = max(s["copies_judged_text"], s["copies_judged_faces"])
        text = s["copies_judged_text"] > 0
        faces = s["copies_judged_faces"] > 0
        print(f"{name:10} {copies:>6} "
              f"{s['source_words'] if text else '-':>13} {s['still_read'] if text else '-':>11} "
              f"{pct(s['text_leak']):>10} "
              f"{s['source_faces'] if faces else '-':>13} "
              f"{s['still_visible'] if faces else '-':>14} {pct(s['face_leak']):>10}")
    print(f"summed over each tool's copies (the timed runs), each against the same clip frames: "
          f"they hold {src['words'] if src['words'] is not None else '-'} words and "
          f"{src['faces'] if src['faces'] is not None else '-'} faces")
    for name, s in judged["summary"].items():
        for why in s["skipped"]:
            print(f"{name} NOT compared, {why}")


def report(args: argparse.Namespace, runs: dict[str, list[Outcome]],
           memory: dict[float, Outcome], clips: dict[float, tuple[Path, int]],
           judged: dict[str, Any] | None) -> int:
    video_s = clips[args.seconds][1] / FPS if args.seconds in clips else args.seconds
    summary = {name: summarise(outcomes, video_s) for name, outcomes in runs.items() if outcomes}
    nothing = [name for name, s in summary.items() if s["wall_s_per_s_median"] is None]
    if summary:
        print(f"{video_s:g} s clip, 1920x1080 at {FPS} fps; {args.runs} runs each, alternating; "
              f"cpus: {os.cpu_count()}")
        print(f"{'':10} {'wall s/s':>9} {'CPU s/s':>8} {'peak RSS MB':>12} "
              f"{'all processes MB':>17} {'failed':>7}")
        for name, s in summary.items():
            print(f"{name:10} {fmt(s['wall_s_per_s_median']):>9} "
                  f"{fmt(s['cpu_s_per_s_median']):>8} {fmt(s['peak_rss_mb'], '.0f'):>12} "
                  f"{fmt(s['peak_tree_rss_mb'], '.0f'):>17} {s['failed']:>7}")
        ps, df = summary.get("postsafe"), summary.get("deface")
        if ps and df:
            wall = ratio(ps["wall_s_per_s_median"], df["wall_s_per_s_median"])
            cpu = ratio(ps["cpu_s_per_s_median"], df["cpu_s_per_s_median"])
            print(f"postsafe/deface: wall {wall}, CPU {cpu} "
                  "(target: wall <= 1.00x; PostSafe hides faces, documents, screens, text "
                  "and codes, deface faces only)")
        print("s/s = seconds per second of video (median over runs; start-up and model loading "
              "included);\nall processes = peak of the summed RSS of the command and its "
              "children, sampled every 0.1 s.")
        for name, outcomes in runs.items():
            failed = [o for o in outcomes if not o.ok]
            if failed:
                walls = ", ".join(f"{o.measured.wall / video_s:.2f}" for o in failed)
                cpus = ", ".join(f"{o.measured.cpu / video_s:.2f}" for o in failed)
                print(f"{name} FAILED {len(failed)} of {len(outcomes)} runs "
                      f"({'; '.join(sorted({o.error for o in failed}))}); those runs, not "
                      f"counted above, stopped early: wall s/s {walls}, CPU s/s {cpus}")
        good = [o.detail for o in runs.get("postsafe", []) if o.ok]
        if good:
            d = good[0]
            elapsed = med([float(x["elapsed_s"]) for x in good if x.get("elapsed_s") is not None])
            print(f"postsafe report: in-process {fmt(elapsed, '.1f')} s a clip (median), "
                  f"verified {d.get('verified')}, findings {d.get('findings')}")
        if judged is not None:
            print_leaks(judged)
    mem_rows = []
    if memory:
        print(f"\nPostSafe peak memory by clip length (one run each; target < "
              f"{MEMORY_TARGET_MB:.0f} MB for 600 s, flat):")
        print(f"{'clip s':>7} {'all processes MB':>17} {'peak RSS MB':>12} {'wall s/s':>9} "
              f"{'RSS at 50% / 90% of run MB':>27} {'status':>9}")
        for seconds in sorted(memory):
            o = memory[seconds]
            series = o.measured.rss_series
            mid = series[len(series) // 2][1] / 1024 if series else None
            late = series[int(len(series) * 0.9)][1] / 1024 if series else None
            mem_rows.append({
                "seconds": seconds,
                "peak_tree_rss_mb": o.measured.tree_kb / 1024,
                "peak_rss_mb": o.measured.peak_kb / 1024,
                "wall_s": o.measured.wall,
                "cpu_s": o.measured.cpu,
                "ok": o.ok,
                "error": o.error,
                "detail": o.detail,
                "rss_series_mb": [(t, round(kb / 1024)) for t, kb in series],
            })
            print(f"{seconds:>7g} {o.measured.tree_kb / 1024:>17.0f} "
                  f"{o.measured.peak_kb / 1024:>12.0f} {o.measured.wall / seconds:>9.2f} "
                  f"{fmt(mid, '.0f') + ' / ' + fmt(late, '.0f'):>27} "
                  f"{'ok' if o.ok else 'FAILED':>9}")
        if len(memory) > 1:
            lo, hi = min(memory), max(memory)
            print(f"longest/shortest ({hi:g} s / {lo:g} s): all processes "
                  f"{ratio(memory[hi].measured.tree_kb, memory[lo].measured.tree_kb)}")
        if not all(o.ok for o in memory.values()):
            print("a FAILED run stopped early (its error is in the JSON results): its memory "
                  "covers only the part it did")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({
        "clip": {"seconds": video_s, "width": WIDTH, "height": HEIGHT, "fps": FPS, "crf": CRF,
                 "preset": PRESET, "faces": [str(args.faces / n) for n in FACE_CROPS]},
        "runs": args.runs,
        "checkout": {"start": args.checkout, "end": checkout()},
        "commands": {"postsafe": args.postsafe, "deface": args.deface},
        "summary": summary,
        "leaks": judged,
        "memory": mem_rows,
    }, indent=2))
    log.info("wrote %s", args.results)
    if checkout() != args.checkout:
        log.warning("PostSafe's checkout changed during the runs (%s -> %s): measure again",
                    args.checkout, checkout())
    if nothing:
        sys.stderr.write(f"error: no successful run of {', '.join(nothing)}\n")
        return 2
    return 0


if __name__ == "__main__":
    cli(main)
