"""Videos with the real models (integration): a clip built here from the public-domain astronaut
(scikit-image, NASA) panned and scaled across the frame, and a rendered care plan passing
through. Judged frame by frame: every face the face detector sees in the original is hidden in
the copy, and tesseract reads none of the page's words in any frame of the copy."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers import page
from video_clips import read_frames, write_clip

from scanner.config import ScanConfig
from scanner.detectors.faces import CenterFaceDetector
from scanner.pipeline.process import Pipeline
from scanner.types import Region, ScanResult, Status
from scanner.video.process import process_video

pytestmark = pytest.mark.integration

W, H, N, FPS = 640, 360, 36, 12
LINES = ["Resident: Margaret Evans", "NHS number 943 476 5919", "Room 14, Ty Gwyn House",
         "Next of kin: David Evans"]


def face_at(i: int, astronaut: np.ndarray) -> tuple[np.ndarray, int, int]:
    """The astronaut's head, growing from 120 to 200 px, moving left to right."""
    crop = astronaut[20:260, 120:360]  # her head and shoulders
    size = 120 + 80 * i // (N - 1)
    x = 10 + (W - 220) * i // (N - 1)
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA), x, 20


def build(astronaut: np.ndarray) -> tuple[list[np.ndarray], list[Region]]:
    sheet = cv2.resize(page(LINES), (270, 300), interpolation=cv2.INTER_AREA)
    y, x = np.mgrid[0:H, 0:W]
    floor = np.stack([90 + x * 60 // W, 110 + y * 40 // H, np.full_like(x, 120)], 2)
    frames, pages = [], []
    for i in range(N):
        img = floor.astype(np.uint8).copy()
        face, fx, fy = face_at(i, astronaut)
        img[fy:fy + face.shape[0], fx:fx + face.shape[1]] = face
        px = W - 280 - 8 * i  # the page slides right to left below her
        img[H - 300 - 10:H - 10, px:px + 270] = sheet
        frames.append(img)
        pages.append(Region(px, H - 310, px + 270, H - 10))
    return frames, pages


def words(image: np.ndarray) -> set[str]:
    """What tesseract (the independent judge) reads: words of 3+ letters or digits."""
    ok, png = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    assert ok
    out = subprocess.run(["tesseract", "stdin", "stdout", "--psm", "6"], input=png.tobytes(),
                         capture_output=True, check=True).stdout.decode("utf-8", "replace")
    return {w.strip(".,:;") for w in out.split() if sum(c.isalnum() for c in w) >= 3}


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory, _astronaut_cached: np.ndarray
         ) -> tuple[Path, Path, ScanResult, list[Region]]:
    """The clip, and its copy made once with the real models (about a minute)."""
    folder = tmp_path_factory.mktemp("video_real")
    original, pages = build(_astronaut_cached.copy())
    source = write_clip(folder / "outing.mp4", original, fps=FPS)
    out = folder / "safe.mp4"
    result = process_video(Pipeline(ScanConfig()), source, out)
    return source, out, result, pages


def test_the_copy_is_made_and_checked(clip: tuple[Path, Path, ScanResult, list[Region]]
                                      ) -> None:
    _, _, result, _ = clip
    assert result.status is Status.REDACTED, result.error
    assert result.verified is True
    kinds = {f.kind.value for f in result.findings if f.hidden}
    assert "face" in kinds and kinds & {"document", "text"}, kinds


def test_every_face_the_detector_sees_is_hidden_in_every_frame(
        clip: tuple[Path, Path, ScanResult, list[Region]]) -> None:
    source, out, _, _ = clip
    config = ScanConfig()
    decoded = read_frames(source)  # what the detector sees: the encoded original
    copy = read_frames(out)
    assert len(copy) == N
    faces = CenterFaceDetector(config)
    left: list[str] = []
    seen = 0
    for i, (before, after) in enumerate(zip(decoded, copy, strict=True)):
        for f in faces.detect(before):
            seen += 1
            x1, y1, x2, y2 = f.region.clip(W, H).to_int()
            change = float(np.abs(before[y1:y2, x1:x2].astype(int)
                                  - after[y1:y2, x1:x2].astype(int)).mean())
            again = [g for g in faces.detect(after)
                     if g.region.iou(f.region) > 0.3 and g.score >= config.face_threshold]
            if change < 10 or again:
                left.append(f"frame {i}: face {f.region.to_int()} score {f.score:.2f} "
                            f"changed {change:.1f}, found again {len(again)}")
    assert seen >= N // 2, f"the detector saw only {seen} faces in {N} frames"
    assert not left, "\n".join(left)


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_the_page_passing_through_cannot_be_read_in_any_frame(
        clip: tuple[Path, Path, ScanResult, list[Region]]) -> None:
    source, out, _, pages = clip
    readable = {"Margaret", "Evans", "943", "476", "5919", "CARE", "PLAN"}
    x1, y1, x2, y2 = pages[0].to_int()
    first = words(read_frames(source)[0][y1:y2, x1:x2])
    assert readable & first, first  # the judge reads the original
    leaks = []
    for i, frame in enumerate(read_frames(out)):
        if i % 3:
            continue  # every third frame: between every look and the next
        x1, y1, x2, y2 = pages[i].to_int()
        seen = words(frame[y1:y2, x1:x2]) & readable
        if seen:
            leaks.append(f"frame {i}: {sorted(seen)}")
    assert not leaks, "\n".join(leaks)
