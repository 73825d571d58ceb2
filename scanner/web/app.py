"""The review page's server: a FastAPI app on the loopback interface.

Photos are uploaded one request each (the raw bytes, never multipart: Starlette would spool a
large form into the system temp folder, and unredacted pictures must stay in our own private
folder). Each is scanned by the pipeline as it arrives; the person's decisions are kept per
photo; every download is rendered again from the source pixels through scanner.pipeline.review (same
redaction, verification, encoding and atomic writing as the CLI).

A video clip takes the same road: its look pass (scanner.video.process.scan) runs on upload and
its tracks are the findings the page lists; a strip of its frames (downscaled JPEGs, kept in
memory) shows each track's shape there. The person can untick a track PostSafe hides (its
number goes to ``keep``); hiding what PostSafe only flagged, drawn boxes and other face styles
are photos only. The copy is made by ``finish_video`` when it is asked for (a download, the
zip, a report). Clips take long: the models are shared in turns (:class:`Turns`), and a clip
lets whoever is waiting go between its frames.

Safety, in order of the checks in :func:`_guard`: the Host header must name the loopback
interface (DNS rebinding), an Origin, if sent, must be this server (cross-site fetches), and any
request that changes something must carry that Origin. Uploads are size-limited before and while
reading; the pixel limit is the ScanConfig's (decompression bombs). File names are data: they are
escaped where shown and never used as paths. Each page load gets a session whose folder (mode
0700) is deleted when the page closes, after a long idle time, or when the server stops (after
a crash, by the next server to start).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import unicodedata
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import cv2
import numpy as np
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from PIL import Image

from scanner.batch.plan import REPORT_HTML, REPORT_JSON
from scanner.batch.run import write_reports
from scanner.config import FaceStyle, ScanConfig, settings
from scanner.errors import ScannerError
from scanner.fsio import atomic_file
from scanner.image.files import VIDEO_SUFFIXES, FileKind, identify
from scanner.pipeline import review
from scanner.pipeline.process import Pipeline
from scanner.report import guidance
from scanner.report.details import detail_words, reason_words
from scanner.types import Action, Finding, FindingKind, Region, ScanResult, Shape, Status
from scanner.video.frames import decode
from scanner.video.process import Deadline, Scanned, finish_video
from scanner.video.process import scan as scan_clip
from scanner.web.i18n import LANGS, UI

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost"})
MAX_UPLOAD_BYTES = 100 * 2**20  # one photo; phones give 3-15 MB, RAW-like TIFFs more
# One clip: the config's max_file_bytes (512 MiB: a minute of a phone's 4K, several of 1080p).
MAX_PHOTOS = 500  # per session
MAX_BOXES = 200  # drawn boxes per photo
PREVIEW_SIDE = 1600  # longest side of on-screen previews
STRIP_FRAMES = 8  # a clip's frames shown on the page, evenly spread over its looks
STRIP_SIDE = 960  # longest side of a strip frame (shown small; one at a time at full width)
SPOT_AREA = 0.10  # a tap on nothing PostSafe can see hides a square this share of the short side
SPOT_CROP = 0.30  # text lines are looked for in a square this share of the long side
SPOT_PAD = 0.15  # a text line found at a tap is hidden with this much margin (of its height)
SESSION_IDLE_S = 4 * 3600
ZIP_NAME = "postsafe-photos.zip"  # in the session's folder, beside in/ and out/
_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_UNSAFE_NAME = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
ROOT_PREFIX = "postsafe-web-"  # + "<pid>-": a later server can tell whose folder it is
_ROOT_NAME = re.compile(rf"^{ROOT_PREFIX}([1-9][0-9]{{0,9}})-")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
       "connect-src 'self'; font-src 'none'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: with it, browsers send "Origin: null" on same-origin POSTs.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True, slots=True)
class StripFrame:
    """One of a clip's frames on the page: which, when, and its downscaled JPEG."""

    index: int
    time_s: float
    jpeg: bytes = field(repr=False)


@dataclass
class Photo:
    """One upload: a photo, or a video clip (``video`` set)."""

    id: str
    name: str  # as the browser gave it: hostile text, shown escaped, never a path
    upload: Path  # the original bytes, inside the session's private folder
    out_name: str  # safe file name for the copy
    scanned: ScanResult
    decisions: review.Decisions = field(default_factory=review.Decisions)
    original_preview: bytes | None = None
    safe_preview: tuple[review.Decisions, bytes] | None = None
    final: tuple[review.Decisions, ScanResult] | None = None  # last written copy
    # The person has opened this photo's review (the page says so when it shows it): "Download
    # all" asks first while a photo with findings has not been looked at.
    viewed: bool = False
    # A clip: its look pass (tracks in the order of ``scanned.findings``), its strip, how far
    # its copy has got (stage, frames done, frames expected) and one finishing at a time.
    video: Scanned | None = None
    strip: tuple[StripFrame, ...] = ()
    progress: tuple[str, int, int] | None = None
    finishing: threading.Lock = field(default_factory=threading.Lock, repr=False)


@dataclass
class Session:
    id: str
    folder: Path
    photos: dict[str, Photo] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)  # output names taken (case-folded)
    last_used: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Turns:
    """One job through the models at a time (2 cores), in the order they asked: a ticket
    queue. A long job (a clip's look pass or copy) calls :meth:`between` after each frame, so
    whoever is waiting (another session's photo) goes first: they wait one frame, not a clip."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._issued = 0  # tickets handed out
        self._serving = 0  # the ticket whose turn it is

    def _wait(self) -> None:  # with self._cond held
        ticket = self._issued
        self._issued += 1
        while ticket != self._serving:
            self._cond.wait()

    def __enter__(self) -> Turns:
        with self._cond:
            self._wait()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._serving += 1
            self._cond.notify_all()

    @property
    def waiting(self) -> int:
        with self._cond:
            return max(0, self._issued - self._serving - 1)

    def between(self) -> None:
        """From the job holding the turn: if others wait, let them all go first, then go on."""
        with self._cond:
            if self._issued == self._serving + 1:
                return
            self._serving += 1
            self._cond.notify_all()
            self._wait()


class Server:
    """Everything the app holds: the pipeline (models loaded once) and the sessions."""

    def __init__(self, config: ScanConfig, work_dir: Path, pipeline: Pipeline | None,
                 max_upload_bytes: int, max_video_bytes: int | None = None) -> None:
        self.config = config
        self.pipeline = pipeline or Pipeline(config)
        self.work_dir = work_dir
        self.root: Path | None = None
        self.max_upload_bytes = max_upload_bytes
        self.max_video_bytes = (config.max_file_bytes if max_video_bytes is None
                                else max_video_bytes)
        self.sessions: dict[str, Session] = {}
        self.lock = threading.Lock()  # the sessions dict
        self.work = Turns()  # one photo (or one clip's frame) through the models at a time

    def start(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        sweep_stale_roots(self.work_dir)
        self.root = Path(tempfile.mkdtemp(prefix=f"{ROOT_PREFIX}{os.getpid()}-",
                                          dir=self.work_dir))
        os.chmod(self.root, 0o700)
        with self.work:
            self.pipeline.detectors  # noqa: B018 - load the models once, before any photo

    def stop(self) -> None:
        with self.lock:
            self.sessions.clear()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def new_session(self) -> Session:
        if self.root is None:
            raise HTTPException(503, "the server is not running")
        now = time.monotonic()
        with self.lock:
            for old in [s for s in self.sessions.values() if now - s.last_used > SESSION_IDLE_S]:
                self._drop(old)
            sid = secrets.token_urlsafe(24)
            folder = self.root / sid
            folder.mkdir(mode=0o700)
            (folder / "in").mkdir(mode=0o700)
            (folder / "out").mkdir(mode=0o700)
            session = Session(sid, folder)
            self.sessions[sid] = session
            return session

    def session(self, sid: str) -> Session:
        with self.lock:
            session = self.sessions.get(sid) if _ID.match(sid) else None
            if session is None:
                raise HTTPException(404, "this review session has ended; reload the page")
            session.last_used = time.monotonic()
            return session

    def end(self, sid: str) -> None:
        with self.lock:
            session = self.sessions.get(sid)
            if session is not None:
                self._drop(session)

    def _drop(self, session: Session) -> None:
        self.sessions.pop(session.id, None)
        shutil.rmtree(session.folder, ignore_errors=True)


def sweep_stale_roots(parent: Path) -> int:
    """Delete the private folders that killed servers left in ``parent`` (stop() never ran, so
    their unredacted uploads are still there): ours by name and owner, and their pid is gone."""
    if os.name != "posix":
        return 0  # os.kill(pid, 0) would terminate the process on Windows
    removed = 0
    for entry in os.scandir(parent):
        match = _ROOT_NAME.match(entry.name)
        try:
            if (match is None or not entry.is_dir(follow_symlinks=False)
                    or entry.stat(follow_symlinks=False).st_uid != os.getuid()
                    or _running(int(match.group(1)))):
                continue
        except OSError:
            continue  # vanished or unreadable: not ours to judge
        shutil.rmtree(entry.path, ignore_errors=True)
        removed += 1
    if removed:
        log.info("removed %d review folder(s) left by a server that was stopped abruptly",
                 removed)
    return removed


def _running(pid: int) -> bool:
    """False only when ``pid`` surely is not running (another user's process counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process, or a pid too large to check: keep the folder
    return True


# ------------------------------------------------------------------------------------------
# names


def clean_name(raw: str) -> str:
    """The browser's file name as text to show: decoded, bounded, never empty."""
    name = unquote(raw or "")[:500]
    return name or "photo"


def output_name(name: str, kind: FileKind, taken: set[str]) -> str:
    """A safe, unique file name for a copy: the last path part of ``name``, no separators,
    controls, leading dots or reserved characters, with the output format's extension."""
    base = re.split(r"[/\\]", name)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _UNSAFE_NAME.sub("_", base).strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem.strip(" .")[:80] or "photo"
    for n in range(1, 10_000):
        candidate = kind.output_name(stem if n == 1 else f"{stem}-{n}")
        if candidate.casefold() not in taken and candidate not in (REPORT_HTML, REPORT_JSON):
            taken.add(candidate.casefold())
            return candidate
    raise HTTPException(409, "too many photos with the same name")


def _disposition(name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    ascii_name = ascii_name.replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


# ------------------------------------------------------------------------------------------
# JSON for the page


def _lang(value: str | None) -> str:
    return value if value in LANGS else guidance.DEFAULT_LANG


def _own_reasons() -> list[tuple[re.Pattern[str], str]]:
    """The page's own refusals ("reason.*" in i18n.py) as patterns of their English wording,
    placeholders as named groups: a reason given in English is found again in any language."""
    out = []
    for key, template in UI["en"].items():
        if key.startswith("reason."):
            parts = re.split(r"\{(\w+)\}", template)
            body = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
                           for i, part in enumerate(parts))
            out.append((re.compile(f"^{body}$"), key))
    return out


_OWN_REASONS = _own_reasons()


def _reason(text: str | None, lang: str) -> str:
    """A reason in ``lang``: the page's own (i18n.py), else as the reports word it."""
    for pattern, key in _OWN_REASONS:
        if text and (m := pattern.match(text)):
            return UI[lang][key].format(**m.groupdict())
    return reason_words(text, lang)


def _decided(photo: Photo, face_style: FaceStyle) -> ScanResult:
    """The scan with the person's decisions applied (no pixels needed: for the words)."""
    s = photo.scanned
    if not s.status.done or not s.width or not s.height:
        return s
    findings = review.apply(s.findings, photo.decisions, s.width, s.height,
                            face_style=face_style)
    hidden = any(f.hidden for f in findings)
    return replace(s, findings=tuple(findings),
                   status=Status.REDACTED if hidden else Status.CLEAN)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# Who decided what about a finding, as the page names it ("Face, kept by you").
AUTO_HIDDEN, USER_HIDDEN, USER_KEPT, AUTO_KEPT, FLAGGED = (
    "auto_hidden", "user_hidden", "user_kept", "auto_kept", "flagged")


def finding_state(index: int, f: Finding, d: review.Decisions) -> str:
    if f.hidden:
        return USER_KEPT if index in d.keep else AUTO_HIDDEN
    if index in d.hide:
        return USER_HIDDEN
    return AUTO_KEPT if f.action is Action.KEPT else FLAGGED


def _plural(key: str, n: int, lang: str, **fmt: object) -> str:
    table, english = UI[lang], UI[guidance.DEFAULT_LANG]
    for words in (table, english):
        for suffix in (guidance.plural_category(n, lang), "other"):
            template = words.get(f"{key}.{suffix}")
            if template is not None:
                return template.format(n=n, **fmt)
    raise KeyError(key)


def page_verdict(photo: Photo, decided: ScanResult, lang: str) -> str:
    """What happened to this photo, saying who decided what: "PostSafe hid 2 faces. You kept
    1 face. PostSafe flagged 1 area of text for you to check." """
    s = photo.scanned
    words = UI[lang]
    if s.status is Status.ERROR:
        reason = _reason(s.error, lang) or words["verdict.error.unknown"]
        return words["verdict.error"].format(reason=reason.rstrip("."))
    if s.status is Status.SKIPPED:
        return words["verdict.skipped"].format(reason=_reason(s.error, lang)
                                               or words["verdict.skipped.default"])
    groups: dict[str, list[Finding]] = {}
    for index, f in enumerate(s.findings):
        groups.setdefault(finding_state(index, f, photo.decisions), []).append(f)
    sentences = [words[f"verdict.{state}"].format(items=guidance.describe_counts(items, lang))
                 for state in (AUTO_HIDDEN, USER_HIDDEN, USER_KEPT, FLAGGED, AUTO_KEPT)
                 if (items := groups.get(state))]
    boxes = len(photo.decisions.boxes)
    if boxes:
        sentences.append(_plural("verdict.boxes", boxes, lang))
    if not sentences:
        sentences.append(words["verdict.nothing"])
    if guidance.LOCATION_CATEGORY in s.metadata_removed:
        sentences.append(words["verdict.location"])
    if decided.verified is False:
        sentences.append(guidance.t("verdict.unverified", lang))
    elif s.findings or boxes:
        sentences.append(words["verdict.check"])
    return " ".join(sentences)


def _finding_json(index: int, f: Finding, photo: Photo, lang: str) -> dict[str, Any]:
    auto = f.hidden
    d = photo.decisions
    hidden = (auto and index not in d.keep) or (not auto and index in d.hide)
    state = finding_state(index, f, d)
    label = guidance.kind_label(f.kind, lang)
    return {
        "id": index,
        "kind": f.kind.value,
        "label": label,
        "state": state,
        # "Face, kept by you": the list says what each numbered badge on the picture is.
        "name": UI[lang]["finding.name"].format(label=label, state=UI[lang][f"state.{state}"]),
        "box": f.region.as_list(),
        # What is hidden, as the JSON report gives it: the shape, or the integer box's corners
        # (a box covers its whole integer window).
        "polygon": (f.shape or Shape.box(Region(*f.region.to_int()))).as_list(),
        "score": round(f.score, 3),
        "action": f.action.value if f.action else None,
        "hidden": hidden,
        "auto_hidden": auto,
        "detail": detail_words(f.detail, lang),
        # A clip's track: the seconds it is hidden (or seen, when it is not).
        "span": None if f.span is None else [round(f.span[0], 2), round(f.span[1], 2)],
    }


def video_json(photo: Photo) -> dict[str, Any] | None:
    """A clip's facts and strip for the page: each strip frame with the shape every track
    hides there (in the upright frame's pixels; ``id`` is the finding's)."""
    video = photo.video
    if video is None:
        return None
    info = video.info
    clip = photo.scanned.clip
    strip = []
    for k, frame in enumerate(photo.strip):
        marks = [{"id": i, "polygon": shape.as_list()}
                 for i, track in enumerate(video.tracks)
                 if (shape := track.cover.get(frame.index)) is not None]
        strip.append({"k": k, "frame": frame.index, "time_s": round(frame.time_s, 2),
                      "marks": marks})
    final = photo.final
    return {
        "duration_s": round(info.duration_s, 2),
        "fps": round(info.fps, 2),
        "frames": video.frames,
        "width": info.width,
        "height": info.height,
        "audio": clip.audio if clip is not None else None,
        "strip": strip,
        # The copy for the current decisions is made (a download is served at once).
        "ready": bool(final is not None and final[0] == photo.decisions
                      and final[1].output is not None),
    }


def photo_json(photo: Photo, lang: str, face_style: FaceStyle) -> dict[str, Any]:
    s = photo.scanned
    decided = _decided(photo, face_style)
    labels = guidance.MESSAGES.get(lang, {})
    english = guidance.MESSAGES[guidance.DEFAULT_LANG]
    metadata = [_capital(labels.get(f"meta.{k}") or english.get(f"meta.{k}") or k)
                for k in s.metadata_removed]
    d = photo.decisions
    return {
        "id": photo.id,
        "name": photo.name,
        "output_name": photo.out_name,
        "status": s.status.value,
        "status_label": guidance.status_label(decided.status, lang),
        "error": _reason(s.error, lang) or None,
        "width": s.width,
        "height": s.height,
        "viewed": photo.viewed,
        "findings": [_finding_json(i, f, photo, lang) for i, f in enumerate(s.findings)],
        "boxes": [b.as_list() for b in d.boxes],
        "face_style": (d.face_style or face_style).value,
        "metadata": metadata,
        "notes": list(s.notes),
        "verdict": page_verdict(photo, decided, lang),
        "guidance": guidance.guidance_for(decided, lang),
        "video": video_json(photo),
    }


def parse_decisions(body: Any, photo: Photo) -> review.Decisions:
    """The page's decisions, validated: ids must be findings, boxes four finite numbers."""
    if not isinstance(body, dict):
        raise HTTPException(422, "decisions must be an object")
    n = len(photo.scanned.findings)
    keep_raw = body.get("keep", [])
    hide_raw = body.get("hide", [])
    boxes_raw = body.get("boxes", [])
    style_raw = body.get("face_style")
    for ids in (keep_raw, hide_raw):
        if not isinstance(ids, list) or len(ids) > n or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n for i in ids):
            raise HTTPException(422, "keep and hide must list finding ids")
    if not isinstance(boxes_raw, list) or len(boxes_raw) > MAX_BOXES:
        raise HTTPException(422, f"boxes must be a list of at most {MAX_BOXES}")
    corners: list[list[float]] = []
    for b in boxes_raw:
        if (not isinstance(b, list) or len(b) != 4
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in b)):
            raise HTTPException(422, "each box must be [x1, y1, x2, y2]")
        corners.append([float(v) for v in b])
    try:
        # Corners in any order (a box dragged leftwards); non-finite ones are refused here.
        boxes = [Region.spanning(*c) for c in corners]
        w, h = photo.scanned.width or 0, photo.scanned.height or 0
        clipped = review.manual_boxes(boxes, w, h)
    except ScannerError as exc:
        raise HTTPException(422, str(exc)) from exc
    style = None
    if style_raw is not None:
        try:
            style = FaceStyle(style_raw)
        except ValueError:
            raise HTTPException(422, "face_style must be mosaic, blur or fill") from None
    if photo.video is not None and (hide_raw or clipped or boxes_raw or style is not None or any(
            not photo.scanned.findings[i].hidden for i in keep_raw)):
        # finish_video hides what the look pass hid, less the tracks kept: nothing else.
        raise HTTPException(422, UI["en"]["reason.video_only_keep"])
    return review.Decisions(frozenset(keep_raw), clipped, style, frozenset(hide_raw))


def parse_point(body: Any, photo: Photo) -> tuple[float, float]:
    """A tapped point: two finite numbers inside the photo (image pixels)."""
    w, h = photo.scanned.width or 0, photo.scanned.height or 0
    point = body.get("point") if isinstance(body, dict) else None
    if (not isinstance(point, list) or len(point) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
            or not all(math.isfinite(v) for v in point)
            or not (0 <= point[0] <= w and 0 <= point[1] <= h)):
        raise HTTPException(422, "a point must be two numbers inside the photo")
    return float(point[0]), float(point[1])


def _contains(shape: Shape, x: float, y: float) -> bool:
    r = shape.bounds
    if not (r.x1 <= x <= r.x2 and r.y1 <= y <= r.y2):
        return False
    contour = np.asarray(shape.points, dtype=np.float32).reshape(-1, 1, 2)
    return cv2.pointPolygonTest(contour, (x, y), False) >= 0


def _text_detector(pipeline: Pipeline) -> Any:
    """The pipeline's text line detector (the documents detector's), if it has one."""
    for detector in pipeline.detectors:
        lines = getattr(detector, "lines", None)
        if lines is not None and callable(getattr(lines, "detect", None)):
            return lines
    return None


def spot(server: Server, photo: Photo, x: float, y: float) -> dict[str, Any]:
    """What a tap at (x, y) would hide, snapped to what PostSafe can see there: a finding at
    that spot (the smallest, if several), else a text line found there now, else a face-sized
    square centred on the point. ``kind`` says which: "finding" (with its id; hiding it is
    ticking it), "text" or "area" (with the box to add as a drawn area)."""
    s = photo.scanned
    w, h = s.width or 0, s.height or 0
    at = [(f.region.area, i) for i, f in enumerate(s.findings) if _contains(f.outline, x, y)]
    if at:
        index = min(at)[1]
        return {"kind": "finding", "finding": index,
                "box": s.findings[index].region.as_list()}
    lines = _text_detector(server.pipeline)
    if lines is not None:
        side = max(32, round(SPOT_CROP * max(w, h)))
        x0 = int(max(0, min(w - side, x - side / 2)))
        y0 = int(max(0, min(h - side, y - side / 2)))
        with server.work:
            pixels = _pixels(server, photo)
            crop = np.ascontiguousarray(pixels[y0:y0 + side, x0:x0 + side])
            found = lines.detect(crop)
        hits = [f for f in found if _contains(f.outline, x - x0, y - y0)]
        if hits:
            line = min(hits, key=lambda f: f.region.area)
            r = line.region.shift(x0, y0)
            pad = SPOT_PAD * r.height
            box = Region.spanning(r.x1 - pad, r.y1 - pad, r.x2 + pad, r.y2 + pad).clip(w, h)
            return {"kind": "text", "box": [round(v) for v in box.as_list()]}
    half = SPOT_AREA * min(w, h) / 2
    box = Region.spanning(x - half, y - half, x + half, y + half).clip(w, h)
    return {"kind": "area", "box": [round(v) for v in box.as_list()]}


# ------------------------------------------------------------------------------------------
# pictures


def _jpeg_preview(pixels: Any, side: int = PREVIEW_SIDE) -> bytes:
    """A downscaled JPEG made from the pixel array alone (nothing else reaches it)."""
    im = Image.fromarray(pixels, "RGB")
    im.thumbnail((side, side), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _picture(data: bytes) -> Response:
    return Response(data, media_type="image/jpeg")


# ------------------------------------------------------------------------------------------
# the app


def create_app(config: ScanConfig, work_dir: Path, *, pipeline: Pipeline | None = None,
               default_lang: str = guidance.DEFAULT_LANG,
               max_upload_bytes: int = MAX_UPLOAD_BYTES,
               max_video_bytes: int | None = None) -> FastAPI:
    """The review app. ``work_dir`` holds its private temp folder (deleted on shutdown);
    ``pipeline`` lets tests pass one on fake detectors; ``default_lang`` is the page's language
    until the person picks one. Uploads named as videos may be up to ``max_video_bytes``
    (default: the config's ``max_file_bytes``), others up to ``max_upload_bytes``."""
    server = Server(config, work_dir, pipeline, max_upload_bytes, max_video_bytes)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        server.start()
        try:
            yield
        finally:
            server.stop()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.server = server

    @app.exception_handler(HTTPException)
    async def refused(request: Request, exc: HTTPException) -> Response:
        # The reason in the page's language, and in each, so a switch can show it again.
        detail = str(exc.detail)
        lang = _lang(request.query_params.get("lang"))
        return JSONResponse({"detail": _reason(detail, lang), "words": _words(detail)},
                            status_code=exc.status_code, headers=exc.headers)

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        problem = _guard(request)
        if problem is not None:
            status, message = problem
            response: Response = JSONResponse(
                {"error": message, "words": _words(message)}, status_code=status)
        else:
            response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    @app.get("/")
    def index() -> Response:
        text = (STATIC / "index.html").read_text(encoding="utf-8")
        return Response(text.replace("{{lang}}", _lang(default_lang)), media_type="text/html")

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        files = {"app.js": "text/javascript", "app.css": "text/css"}
        if name not in files:
            raise HTTPException(404, "not found")
        return FileResponse(STATIC / name, media_type=files[name])

    @app.get("/api/strings")
    def strings() -> dict[str, Any]:
        return {"default": _lang(default_lang), "langs": {
            code: {**UI[code], **{f"kind.{k}": v for k, v in _kinds(code).items()}}
            for code in LANGS}}

    @app.post("/api/sessions")
    def new_session() -> dict[str, Any]:
        session = server.new_session()
        return {"session": session.id, "max_upload_bytes": server.max_upload_bytes,
                "max_video_bytes": server.max_video_bytes,
                "video_suffixes": sorted(VIDEO_SUFFIXES), "max_pixels": config.max_pixels}

    @app.post("/api/sessions/{sid}/end")
    def end_session(sid: str) -> dict[str, bool]:
        server.end(sid)
        return {"ended": True}

    @app.post("/api/sessions/{sid}/photos")
    async def upload(sid: str, request: Request, lang: str | None = None) -> dict[str, Any]:
        session = server.session(sid)
        if len(session.photos) >= MAX_PHOTOS:
            raise HTTPException(413, f"at most {MAX_PHOTOS} photos per session")
        name = clean_name(request.headers.get("x-postsafe-name", ""))
        # A clip may be larger than a photo; what it really is is checked once it is here.
        limit, too_big = ((server.max_video_bytes, _too_big_video(server.max_video_bytes))
                          if _named_video(name) else
                          (server.max_upload_bytes, _too_big(server.max_upload_bytes)))
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            raise HTTPException(413, too_big)
        pid = secrets.token_urlsafe(12)
        path = session.folder / "in" / f"{pid}.upload"
        size = 0
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > limit:
                        raise HTTPException(413, too_big)
                    fh.write(chunk)
            if size == 0:
                raise HTTPException(400, "the file is empty")
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        from starlette.concurrency import run_in_threadpool

        photo = await run_in_threadpool(_scan, server, session, pid, name, path, size)
        return photo_json(photo, _lang(lang), config.face_style)

    @app.get("/api/sessions/{sid}/photos/{pid}")
    def get_photo(sid: str, pid: str, lang: str | None = None) -> dict[str, Any]:
        return photo_json(_photo(server, sid, pid), _lang(lang), config.face_style)

    @app.post("/api/sessions/{sid}/photos/{pid}/decisions")
    async def decide(sid: str, pid: str, request: Request,
                     lang: str | None = None) -> dict[str, Any]:
        photo = _photo(server, sid, pid)
        raw = await request.body()
        if len(raw) > 1_000_000:
            raise HTTPException(413, "too many decisions")
        try:
            body = json.loads(raw)
        except ValueError:
            raise HTTPException(422, "decisions must be JSON") from None
        photo.decisions = parse_decisions(body, photo)
        return photo_json(photo, _lang(lang), config.face_style)

    @app.post("/api/sessions/{sid}/photos/{pid}/viewed")
    def viewed(sid: str, pid: str) -> dict[str, bool]:
        _photo(server, sid, pid).viewed = True
        return {"viewed": True}

    @app.get("/api/sessions/{sid}/unreviewed")
    def unreviewed(sid: str) -> dict[str, Any]:
        """Photos with findings whose review the person has not opened (Download all asks
        before it zips them)."""
        return {"photos": [{"id": p.id, "name": p.name} for p in _photos(server.session(sid))
                           if p.scanned.findings and not p.viewed]}

    @app.post("/api/sessions/{sid}/photos/{pid}/spot")
    async def tap(sid: str, pid: str, request: Request) -> dict[str, Any]:
        photo = _photo(server, sid, pid)
        raw = await request.body()
        if len(raw) > 10_000:
            raise HTTPException(413, "too many decisions")
        try:
            body = json.loads(raw)
        except ValueError:
            raise HTTPException(422, "decisions must be JSON") from None
        if not photo.scanned.status.done:
            raise HTTPException(422, "this photo was not processed")
        _not_a_clip(photo)
        x, y = parse_point(body, photo)
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(spot, server, photo, x, y)

    @app.post("/api/sessions/{sid}/photos/{pid}/remove")
    def remove(sid: str, pid: str) -> dict[str, bool]:
        session = server.session(sid)
        with session.lock:
            photo = session.photos.pop(pid, None)
        if photo is None:
            raise HTTPException(404, "no such photo")
        photo.upload.unlink(missing_ok=True)
        if photo.final is not None and photo.final[1].output:
            Path(photo.final[1].output).unlink(missing_ok=True)
        session.names.discard(photo.out_name.casefold())
        return {"removed": True}

    @app.get("/api/sessions/{sid}/photos/{pid}/original.jpg")
    def original(sid: str, pid: str) -> Response:
        photo = _photo(server, sid, pid)
        _not_a_clip(photo)
        if photo.original_preview is None:
            with server.work:
                pixels = _pixels(server, photo)
                photo.original_preview = _jpeg_preview(pixels)
        return _picture(photo.original_preview)

    @app.get("/api/sessions/{sid}/photos/{pid}/safe.jpg")
    def safe(sid: str, pid: str) -> Response:
        photo = _photo(server, sid, pid)
        _not_a_clip(photo)
        decisions = photo.decisions
        cached = photo.safe_preview
        if cached is None or cached[0] != decisions:
            with server.work:
                rendered = review.render(server.pipeline, photo.upload, photo.scanned,
                                         decisions, check=False)
            if rendered.pixels is None:
                raise HTTPException(422, rendered.result.error or "no safe copy can be made")
            cached = (decisions, _jpeg_preview(rendered.pixels))
            photo.safe_preview = cached
        return _picture(cached[1])

    @app.get("/api/sessions/{sid}/photos/{pid}/frames/{k}.jpg")
    def strip_frame(sid: str, pid: str, k: str) -> Response:
        """One of a clip's strip frames (``k`` counts from 0), downscaled, as the original
        shows it: the page outlines the tracks on it."""
        photo = _photo(server, sid, pid)
        if not re.fullmatch(r"[0-9]{1,3}", k) or int(k) >= len(photo.strip):
            raise HTTPException(404, "not found")
        return _picture(photo.strip[int(k)].jpeg)

    @app.post("/api/sessions/{sid}/photos/{pid}/finish")
    def finish(sid: str, pid: str) -> dict[str, Any]:
        """Make the copy with the current decisions (a clip's takes a while), so that the
        download that follows is served at once; 422 with the reason when none can be made."""
        session = server.session(sid)
        photo = _photo(server, sid, pid)
        result = _final(server, session, photo)
        if result.status is Status.ERROR or result.output is None:
            raise HTTPException(422, result.error or "no safe copy was made")
        return {"ready": True, "status": result.status.value, "verified": result.verified}

    @app.get("/api/sessions/{sid}/photos/{pid}/progress")
    def progress(sid: str, pid: str) -> dict[str, Any]:
        """How far a clip's copy has got: stage ("hide", "check") and frames, or nulls."""
        stage, done, total = _photo(server, sid, pid).progress or (None, 0, 0)
        return {"stage": stage, "done": done, "total": total}

    @app.get("/api/sessions/{sid}/photos/{pid}/download")
    def download(sid: str, pid: str) -> Response:
        session = server.session(sid)
        photo = _photo(server, sid, pid)
        result = _final(server, session, photo)
        if result.status is Status.ERROR or result.output is None:
            raise HTTPException(422, result.error or "no safe copy was made")
        return FileResponse(result.output, media_type=_media(result.output_format),
                            headers={"Content-Disposition": _disposition(photo.out_name)})

    def report_file(sid: str, lang: str | None, name: str, media_type: str) -> Response:
        out = _reports(server, server.session(sid), _lang(lang))
        return FileResponse(out / name, media_type=media_type,
                            headers={"Content-Disposition": _disposition(name)})

    @app.get("/api/sessions/{sid}/report.html")
    def report_html(sid: str, lang: str | None = None) -> Response:
        return report_file(sid, lang, REPORT_HTML, "text/html")

    @app.get("/api/sessions/{sid}/report.json")
    def report_json(sid: str, lang: str | None = None) -> Response:
        return report_file(sid, lang, REPORT_JSON, "application/json")

    @app.get(f"/api/sessions/{{sid}}/{ZIP_NAME}")
    def download_zip(sid: str, lang: str | None = None) -> Response:
        session = server.session(sid)
        out = _reports(server, session, _lang(lang))
        return FileResponse(_write_zip(session, out), media_type="application/zip",
                            headers={"Content-Disposition": _disposition(ZIP_NAME)})

    return app


def _guard(request: Request) -> tuple[int, str] | None:
    """Refuse requests that did not come from this page on this machine (None: allowed)."""
    host = request.headers.get("host", "")
    hostname = host.rsplit(":", 1)[0] if host.count(":") <= 1 else ""
    port = host.rsplit(":", 1)[1] if host.count(":") == 1 else ""
    if hostname not in LOOPBACK_NAMES or (port and not port.isdigit()):
        return 400, "this page only answers on 127.0.0.1"
    origin = request.headers.get("origin")
    changes = request.method not in ("GET", "HEAD")
    if origin is not None and origin != f"http://{host}":
        return 403, "requests from other sites are refused"
    if changes and origin is None:
        return 403, "requests without an Origin are refused"
    site = request.headers.get("sec-fetch-site")
    if request.url.path.startswith("/api/") and site not in (None, "same-origin", "none"):
        return 403, "requests from other sites are refused"
    return None


def _words(reason: str) -> dict[str, str]:
    return {code: _reason(reason, code) for code in LANGS}


def _kinds(lang: str) -> dict[str, str]:
    return {kind.value: guidance.kind_label(kind, lang) for kind in FindingKind}


def _too_big(limit: int) -> str:
    return f"the file is over the {limit / 2**20:.0f} MB limit for one photo"


def _too_big_video(limit: int) -> str:
    return UI["en"]["reason.video_too_big"].format(limit=f"{limit / 2**20:.0f}")


def _named_video(name: str) -> bool:
    return Path(name.replace("\\", "/")).suffix.lower() in VIDEO_SUFFIXES


def _not_a_clip(photo: Photo) -> None:
    if photo.video is not None:
        raise HTTPException(422, "a video, not a photo")


def _media(fmt: str | None) -> str:
    return {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif",
            "BMP": "image/bmp", "MP4": "video/mp4"}.get(fmt or "", "application/octet-stream")


def _photo(server: Server, sid: str, pid: str) -> Photo:
    session = server.session(sid)
    photo = session.photos.get(pid)
    if photo is None:
        raise HTTPException(404, "no such photo")
    return photo


def _photos(session: Session) -> list[Photo]:
    with session.lock:
        return list(session.photos.values())


def _scan(server: Server, session: Session, pid: str, name: str, path: Path,
          size: int = 0) -> Photo:
    kind = identify(path, server.config, name=name)
    if size > server.max_upload_bytes and not (kind is not None and kind.is_video):
        path.unlink(missing_ok=True)  # named like a clip, but a photo: a photo's limit
        raise HTTPException(413, _too_big(server.max_upload_bytes))
    video: Scanned | None = None
    strip: tuple[StripFrame, ...] = ()
    if kind is None:
        scanned = ScanResult(source=name, status=Status.SKIPPED, error="not a photo or video file")
        kind = FileKind(None, "JPEG")  # named for the list only: nothing is written
    elif kind.is_video:
        with server.work:
            scanned, video, strip = _scan_clip(server, path, name)
    else:
        with server.work:
            scanned = review.scan(server.pipeline, path, display=name)
    with session.lock:
        photo = Photo(pid, name, path, output_name(name, kind, session.names), scanned,
                      video=video, strip=strip)
        session.photos[pid] = photo
    if not scanned.status.done:
        path.unlink(missing_ok=True)  # nothing more will be made from it
    return photo


def _scan_clip(server: Server, path: Path, name: str
               ) -> tuple[ScanResult, Scanned | None, tuple[StripFrame, ...]]:
    """A clip's look pass, what it found as a result (no copy yet) and its strip; for a clip
    that cannot be read, an error result with the reason. Called holding the turn; lets
    others go between frames. No time limit, as for photos here: the person is watching."""
    failed = ScanResult(source=name, status=Status.ERROR, format="VIDEO")
    try:
        video = scan_clip(path, server.config, server.pipeline,
                          progress=lambda *_: server.work.between(), deadline=Deadline(0))
        strip = _strip(server, path, video)
    except ScannerError as exc:
        log.info("%s: failed closed: %s", name, exc)
        return replace(failed, error=_no_paths(str(exc), server, name)), None, ()
    except Exception as exc:  # a surprise fails closed, with a reason
        log.debug("%s: unexpected failure", name, exc_info=True)
        return replace(failed, error=f"internal error ({type(exc).__name__}: {str(exc)[:120]})"
                                     "; no safe copy was made"), None, ()
    result = finish_video(server.pipeline, path, None, video, display=name, time_limit_s=0.0)
    return result, video, strip


def _no_paths(text: str, server: Server, name: str) -> str:
    """A reason as the page shows it: a path in the private folder (a decoder's message names
    the file it read, under its random name) becomes the file's own name."""
    if server.root is None:
        return text
    return re.sub(re.escape(str(server.root)) + r"[^'\"\s]*", lambda _: name, text)


def strip_indices(looked: tuple[int, ...], n: int = STRIP_FRAMES) -> list[int]:
    """At most ``n`` of the frames every detector looked at, evenly spread, first and last
    included."""
    if len(looked) <= n:
        return list(looked)
    return sorted({looked[round(j * (len(looked) - 1) / (n - 1))] for j in range(n)})


def _strip(server: Server, path: Path, video: Scanned) -> tuple[StripFrame, ...]:
    """The strip's frames as downscaled JPEGs: the clip decoded once more, each wanted frame
    kept as it passes (never all of them)."""
    wanted = set(strip_indices(video.looked))
    out: list[StripFrame] = []
    frames = decode(path, video.info)
    try:
        for frame in frames:
            if frame.index in wanted:
                out.append(StripFrame(frame.index, frame.time_s,
                                      _jpeg_preview(frame.pixels, STRIP_SIDE)))
                if len(out) == len(wanted):
                    break
            server.work.between()
    finally:
        close = getattr(frames, "close", None)  # a generator: its file is closed now
        if close is not None:
            close()
    return tuple(out)


def _pixels(server: Server, photo: Photo) -> Any:
    from scanner.image.codec import load

    if not photo.scanned.status.done:
        raise HTTPException(422, photo.scanned.error or "this photo was not processed")
    try:
        return load(photo.upload, server.config).pixels
    except ScannerError as exc:
        raise HTTPException(422, str(exc)) from exc


def _final(server: Server, session: Session, photo: Photo) -> ScanResult:
    """The photo's copy with the current decisions, written to the session's out folder
    (rendered, verified and encoded again whenever the decisions changed)."""
    decisions = photo.decisions
    if not photo.scanned.status.done:
        return photo.scanned
    target = session.folder / "out" / photo.out_name
    if photo.video is not None:
        return _final_clip(server, session, photo, target)
    # Check, delete and write under one lock: of two requests at once, one must not delete
    # the copy the other has just written and cached.
    with server.work:
        if photo.final is not None and photo.final[0] == decisions:
            return photo.final[1]
        target.unlink(missing_ok=True)
        rendered = review.render(server.pipeline, photo.upload, photo.scanned, decisions,
                                 output=target)
        photo.final = (decisions, rendered.result)
    return rendered.result


def _final_clip(server: Server, session: Session, photo: Photo, target: Path) -> ScanResult:
    """A clip's copy: every frame hidden, encoded and checked again (``finish_video``) with
    the tracks the person unticked kept. One finishing of a clip at a time (a second request
    waits for the first's copy, outside the queue for the models), and others go between its
    frames."""
    video = photo.video
    assert video is not None
    with photo.finishing:
        decisions = photo.decisions
        if photo.final is not None and photo.final[0] == decisions:
            return photo.final[1]
        keep = frozenset(video.tracks[i].number for i in decisions.keep)

        def progress(stage: str, done: int, total: int) -> None:
            photo.progress = (stage, done, total)
            server.work.between()

        try:
            with server.work:
                target.unlink(missing_ok=True)
                result = finish_video(server.pipeline, photo.upload, target, video,
                                      display=photo.name, keep=keep, progress=progress,
                                      time_limit_s=0.0)
        finally:
            photo.progress = None
        if result.error:
            result = replace(result, error=_no_paths(result.error, server, photo.out_name))
        photo.final = (decisions, result)
    with session.lock:
        removed = session.photos.get(photo.id) is not photo
    if removed and result.output:  # removed (or its session ended) while it was made
        Path(result.output).unlink(missing_ok=True)
    return result


def _reports(server: Server, session: Session, lang: str) -> Path:
    """Write every photo's copy and the HTML + JSON reports; returns the out folder."""
    out = session.folder / "out"
    results = [_final(server, session, p) for p in _photos(session)]
    recorded = {**settings(server.config), "reviewed_on": "review page", "lang": lang}
    try:
        write_reports(results, out, recorded, lang=lang, mode="review")
    except ScannerError as exc:
        raise HTTPException(500, str(exc)) from exc
    return out


def _write_zip(session: Session, out: Path) -> Path:
    """The copies and both reports as one archive in the session's folder, written on disk
    (never whole in memory: a session may hold gigabytes) and renamed into place when done."""
    target = session.folder / ZIP_NAME
    with atomic_file(target, mode=0o600) as fh, zipfile.ZipFile(fh, "w") as zf:
        for photo in _photos(session):
            final = photo.final[1] if photo.final else None
            if final is not None and final.output is not None:
                _zip_add(zf, photo.out_name, Path(final.output), False)
        for report in (REPORT_HTML, REPORT_JSON):
            _zip_add(zf, report, out / report, True)
    return target


def _zip_add(zf: zipfile.ZipFile, name: str, source: Path, compress: bool) -> None:
    # A fixed date: the archive should not say when the photos were reviewed.
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    with source.open("rb") as src:
        info.file_size = os.fstat(src.fileno()).st_size  # as writestr sets it (ZIP64 choice)
        with zf.open(info, "w") as dest:
            shutil.copyfileobj(src, dest, 1 << 20)

