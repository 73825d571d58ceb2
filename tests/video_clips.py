"""Video clips the video tests BUILD with PyAV (nothing is downloaded), and a fake face
detector that finds the clips' magenta "face" square."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import av
import numpy as np

from scanner.types import Finding, FindingKind, Region

FACE = (255, 0, 255)  # the synthetic face's colour
FACE_SIZE = 48

SECRET_LOCATION = "+48.8583+002.2944/"
SECRET_MAKE = "Hasselblunt"
SECRET_MODEL = "Model-Z9000"
SECRET_DATE = "2019-07-14T16:42:03.000000Z"


def background(width: int, height: int, index: int = 0) -> np.ndarray:
    """A smooth picture with a slow drift (no magenta anywhere)."""
    y, x = np.mgrid[0:height, 0:width]
    r = (x * 200 // max(1, width - 1) + index) % 200
    g = 60 + y * 150 // max(1, height - 1)
    b = np.full_like(x, 40)
    return np.stack([r, g, b], axis=2).astype(np.uint8)


def face_box(index: int, n: int, width: int, height: int) -> Region:
    """Where the face square is in frame ``index`` of ``n``: left to right, on the 16 px grid
    vertically, moving 8 px a frame at most."""
    span = width - FACE_SIZE
    x = round(span * index / max(1, n - 1)) // 2 * 2
    y = (height - FACE_SIZE) // 2 // 16 * 16
    return Region(x, y, x + FACE_SIZE, y + FACE_SIZE)


def clip_frames(n: int, width: int, height: int, *, face: bool = True) -> list[np.ndarray]:
    out = []
    for i in range(n):
        img = background(width, height, i)
        if face:
            x1, y1, x2, y2 = face_box(i, n, width, height).to_int()
            img[y1:y2, x1:x2] = FACE
            img[y1 + 12:y1 + 20, x1 + 10:x1 + 38] = 0  # "eyes", so the square has detail
        out.append(img)
    return out


def write_clip(path: Path, pixels: list[np.ndarray], *, fps: int = 10, fmt: str = "mp4",
               rotation: int = 0, metadata: Mapping[str, str] | None = None,
               container_options: Mapping[str, str] | None = None,
               audio: bool = False, codec: str = "libx264",
               pts: list[int] | None = None) -> Path:
    """Encode ``pixels`` (as stored: not rotated here) to ``path``. ``rotation`` is the
    display matrix's counter-clockwise degrees (PyAV's ``set_display_rotation``); ``pts``
    each frame's time in 1/``fps`` units (default 0, 1, 2, ...: a constant rate)."""
    h, w = pixels[0].shape[:2]
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format=fmt, options=dict(container_options or {})) as c:
        for k, v in (metadata or {}).items():
            c.metadata[k] = v
        s = c.add_stream(codec, rate=fps, options={"crf": "12"} if codec == "libx264" else {})
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        if rotation:
            s.set_display_rotation(rotation)
        a = None
        if audio:
            a = c.add_stream("aac", rate=16000)
        for i, p in enumerate(pixels):
            f = av.VideoFrame.from_ndarray(p, format="rgb24")
            f.pts = i if pts is None else pts[i]
            for pk in s.encode(f):
                c.mux(pk)
        for pk in s.encode():
            c.mux(pk)
        if a is not None:
            _write_tone(c, a, seconds=len(pixels) / fps)
    return path


def _write_tone(c: av.container.OutputContainer, a: av.audio.stream.AudioStream,
                seconds: float) -> None:
    rate = 16000
    samples = int(rate * seconds)
    t = np.arange(samples) / rate
    tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    size = a.codec_context.frame_size or 1024
    for start in range(0, samples - size + 1, size):
        af = av.AudioFrame.from_ndarray(tone[None, start:start + size], format="fltp",
                                        layout="mono")
        af.sample_rate = rate
        af.pts = start
        for pk in a.encode(af):
            c.mux(pk)
    for pk in a.encode():
        c.mux(pk)


def write_audio_only(path: Path, seconds: float = 1.0) -> Path:
    with av.open(str(path), "w", format="mp4") as c:
        a = c.add_stream("aac", rate=16000)
        _write_tone(c, a, seconds)
    return path


def read_frames(path: Path) -> list[np.ndarray]:
    """Every frame as stored (no rotation applied): the judge for outputs, independent of
    scanner.video.frames."""
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def magenta_box(image: np.ndarray) -> Region | None:
    r, g, b = (image[..., i].astype(int) for i in range(3))
    mask = (r > 180) & (g < 90) & (b > 180)
    if mask.sum() < 50:
        return None
    ys, xs = np.nonzero(mask)
    return Region(float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))


class MagentaFaceDetector:
    """A fake face detector: the magenta square is a face. Records the frames it saw."""

    name = "magenta-faces"

    def __init__(self) -> None:
        self.calls = 0

    def detect(self, image: np.ndarray) -> list[Finding]:
        self.calls += 1
        box = magenta_box(image)
        if box is None:
            return []
        # With its "eyes" a clear face; a flat magenta blob (its mosaic) a faint one, as a real
        # detector scores a mosaicked face.
        x1, y1, x2, y2 = box.to_int()
        eyes = bool((image[y1:y2, x1:x2].astype(int).sum(axis=2) < 60).any())
        return [Finding(FindingKind.FACE, box, 0.9 if eyes else 0.3, self.name)]

    def recheck(self, image: np.ndarray) -> list[Finding]:
        return self.detect(image)


def magenta_detectors(config: object) -> list[MagentaFaceDetector]:
    """A detector factory for worker processes (importable, so it pickles by name)."""
    return [MagentaFaceDetector()]
