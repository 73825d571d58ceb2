"""scanner.video.process.redact_video with a fake face detector (the clips' magenta square)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from video_clips import (
    MagentaFaceDetector,
    clip_frames,
    face_box,
    magenta_box,
    read_frames,
    write_audio_only,
    write_clip,
)

from scanner.config import FaceStyle, ScanConfig
from scanner.errors import ScannerError, UnreadableVideo, UnsupportedVideo
from scanner.types import FindingKind
from scanner.video.process import redact_video

N, W, H = 20, 320, 240


def diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(int) - b.astype(int)).mean())


@pytest.mark.parametrize("style", [FaceStyle.FILL, FaceStyle.MOSAIC])
def test_every_frames_face_is_hidden_and_the_rest_kept(tmp_path: Path,
                                                       style: FaceStyle) -> None:
    original = clip_frames(N, W, H)
    source = write_clip(tmp_path / "in.mp4", original, fps=10)
    out = tmp_path / "out.mp4"
    detector = MagentaFaceDetector()
    result = redact_video(source, out, ScanConfig(face_style=style), [detector], stride=5)
    assert detector.calls == 5  # frames 0, 5, 10, 15 and the last one (19)
    assert result.frames == N and out.exists()
    assert len(result.tracks) == 1
    track = result.tracks[0]
    assert track.kind is FindingKind.FACE
    assert track.first_s == pytest.approx(0.0) and track.last_s == pytest.approx(1.9)
    assert track.largest.width >= 48
    got = read_frames(out)
    assert len(got) == N
    for i, (before, after) in enumerate(zip(original, got, strict=True)):
        x1, y1, x2, y2 = face_box(i, N, W, H).to_int()
        assert diff(before[y1:y2, x1:x2], after[y1:y2, x1:x2]) > 30, f"frame {i}"
        if style is FaceStyle.FILL:  # a mosaic of a flat square keeps its colour, not its eyes
            assert magenta_box(after) is None, f"frame {i}: the face is still there"
        # away from the face (a band at the top, above the padded box): nearly unchanged
        assert diff(before[:60], after[:60]) < 4, f"frame {i}"


def test_frames_far_from_faces_are_nearly_unchanged(tmp_path: Path) -> None:
    original = clip_frames(N, W, H, face=False)
    source = write_clip(tmp_path / "in.mp4", original)
    out = tmp_path / "out.mp4"
    result = redact_video(source, out, ScanConfig(), [MagentaFaceDetector()], stride=4)
    assert result.tracks == () and result.hidden_boxes == 0
    assert all(diff(a, b) < 3 for a, b in zip(original, read_frames(out), strict=True))


def test_a_face_only_at_the_end_is_still_hidden(tmp_path: Path) -> None:
    original = clip_frames(N, W, H, face=False)
    original[-1][100:148, 100:148] = (255, 0, 255)
    source = write_clip(tmp_path / "in.mp4", original)
    out = tmp_path / "out.mp4"
    redact_video(source, out, ScanConfig(face_style=FaceStyle.FILL),
                 [MagentaFaceDetector()], stride=8)
    assert magenta_box(read_frames(out)[-1]) is None


def test_a_failing_detector_fails_closed(tmp_path: Path) -> None:
    class Broken(MagentaFaceDetector):
        def detect(self, image: np.ndarray) -> list:
            raise RuntimeError("model crashed")

    source = write_clip(tmp_path / "in.mp4", clip_frames(6, W, H))
    out = tmp_path / "out.mp4"
    with pytest.raises(ScannerError, match="detection failed"):
        redact_video(source, out, ScanConfig(), [Broken()])
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4"]


@pytest.mark.parametrize("make, error", [
    ("empty", UnreadableVideo), ("truncated", UnreadableVideo), ("audio", UnsupportedVideo)])
def test_bad_inputs_give_a_clear_error_and_no_output(tmp_path: Path, make: str,
                                                     error: type) -> None:
    source = tmp_path / "in.mp4"
    if make == "empty":
        source.write_bytes(b"")
    elif make == "truncated":
        write_clip(source, clip_frames(N, W, H), container_options={"movflags": "+faststart"})
        data = source.read_bytes()
        source.write_bytes(data[: len(data) // 2])
    else:
        write_audio_only(source)
    out = tmp_path / "out.mp4"
    with pytest.raises(error) as caught:
        redact_video(source, out, ScanConfig(), [MagentaFaceDetector()])
    assert str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4"]
