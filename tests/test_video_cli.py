"""Videos through ``postsafe redact``, ``scan`` and ``watch`` (a fake face detector: the clips'
magenta square); exiftool judges the copies, the reports are read back."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from helpers import dirty_jpeg, gradient, invoke, read_report, write
from video_clips import (
    SECRET_DATE,
    SECRET_LOCATION,
    SECRET_MAKE,
    SECRET_MODEL,
    MagentaFaceDetector,
    clip_frames,
    face_box,
    magenta_box,
    read_frames,
    write_clip,
)

from scanner.batch.plan import REPORT_HTML, plan
from scanner.config import ScanConfig

W, H, N = 320, 240, 20
SECRETS = {"location": SECRET_LOCATION, "com.apple.quicktime.location.ISO6709": SECRET_LOCATION,
           "make": SECRET_MAKE, "model": SECRET_MODEL, "creation_time": SECRET_DATE}


@pytest.fixture
def magenta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scanner.pipeline.process.build_detectors",
                        lambda config: [MagentaFaceDetector()])


def secret_clip(path: Path, *, rotation: int = 0, audio: bool = False) -> Path:
    frames = clip_frames(N, W, H)
    turns = {0: 0, 90: -1, 180: 2, 270: 1}[rotation]  # stored so the upright view is `frames`
    stored = [np.ascontiguousarray(np.rot90(f, turns)) for f in frames]
    fmt = "mov" if path.suffix.lower() in (".mov", ".qt") else "mp4"
    return write_clip(path, stored, fmt=fmt, rotation=rotation, audio=audio, metadata=SECRETS,
                      container_options={"movflags": "use_metadata_tags"})


def exiftool(path: Path) -> str:
    return subprocess.run(["exiftool", "-a", "-G1", "-ee", str(path)], capture_output=True,
                          text=True, check=True).stdout


needs_exiftool = pytest.mark.skipif(shutil.which("exiftool") is None,
                                    reason="exiftool is not installed")


@needs_exiftool
@pytest.mark.exiftool
@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_redact_a_phone_clip_hides_the_face_and_drops_everything_else(
        tmp_path: Path, magenta: None, rotation: int) -> None:
    src = tmp_path / "in"
    secret_clip(src / "IMG_0001.MOV", rotation=rotation, audio=True)
    before = exiftool(src / "IMG_0001.MOV")
    assert SECRET_MAKE in before and "2019" in before  # planted
    out = tmp_path / "out"
    result = invoke("redact", src, "--out", out)
    assert result.exit_code == 0, result.output
    copy = out / "IMG_0001.mp4"
    after = exiftool(copy)
    for secret in (SECRET_MAKE, SECRET_MODEL, "48.85", "48 deg", "2019", "Lavf"):
        assert secret not in after, secret
    for tag in ("GPS", "Location", "Make", "Model", "Encoder", "Audio", "Rotation: 9",
                "Rotation: 18", "Rotation: 27"):
        assert f"] {tag}" not in after.replace("  ", " "), tag
    tags = json.loads(subprocess.run(["exiftool", "-j", "-n", str(copy)], capture_output=True,
                                     text=True, check=True).stdout)[0]
    assert (tags["ImageWidth"], tags["ImageHeight"]) == (W, H)  # the turn is in the pixels
    assert tags.get("Rotation", 0) == 0
    # the only dates are the encoder's zero defaults (1904 in QuickTime terms)
    dates = {k: v for k, v in tags.items() if "Date" in k and not k.startswith("File")}
    assert dates  # exiftool reads the container's own dates: the encoder's zeros
    assert all(str(v).startswith("0000") or str(v).startswith("1904") for v in dates.values()), (
        dates)
    got = read_frames(copy)
    assert len(got) == N and all(f.shape == (H, W, 3) for f in got)
    # upright: the face square is hidden where it is in the upright clip, frame by frame
    for i, (frame, upright) in enumerate(zip(got, clip_frames(N, W, H), strict=True)):
        x1, y1, x2, y2 = face_box(i, N, W, H).to_int()
        hidden = np.abs(frame[y1:y2, x1:x2].astype(int) - upright[y1:y2, x1:x2]).mean()
        assert hidden > 30, f"frame {i}: the face shows"
        assert np.abs(frame[:60].astype(int) - upright[:60]).mean() < 4, f"frame {i}: turned"
    report = read_report(out)
    [entry] = report["results"]
    assert entry["status"] == "redacted" and entry["format"] == "VIDEO"
    assert entry["output_format"] == "MP4" and entry["output"] == "IMG_0001.mp4"
    clip = entry["clip"]
    assert clip["frames"] == N and clip["audio"] == "dropped" and clip["duration_s"] > 1.5
    assert clip["checked_frames"] >= 2 and entry["verified"] is True
    assert {"location", "device", "times", "audio"} <= set(entry["metadata_removed"])
    assert ("orientation" in entry["metadata_removed"]) is bool(rotation)
    [face] = entry["findings"]
    assert face["kind"] == "face" and face["action"] == "mosaic"
    assert face["span"][0] == 0.0 and face["span"][1] == pytest.approx(1.9, abs=0.01)
    text = (out / "postsafe-report.json").read_text() + (out / REPORT_HTML).read_text()
    assert SECRET_MAKE not in text and "48.85" not in text


def test_the_html_report_shows_frames_of_the_copy(tmp_path: Path, magenta: None) -> None:
    src = tmp_path / "in"
    write_clip(src / "clip.mp4", clip_frames(N, W, H))
    out = tmp_path / "out"
    assert invoke("redact", src, "--out", out).exit_code == 0
    html = (out / REPORT_HTML).read_text()
    assert 'alt="Frames from the safe copy of clip.mp4"' in html
    assert "A video of 2.0 s (20 frames). It had no sound." in html
    assert "Face, 0.0\u20131.9 s" in html
    assert 'href="#guide-video"' in html or "Videos" in html


def test_a_live_photo_is_two_files_and_both_are_made_safe(tmp_path: Path,
                                                           magenta: None) -> None:
    src = tmp_path / "in"
    write(src / "IMG_0002.JPG", dirty_jpeg(gradient(160, 120)))
    write_clip(src / "IMG_0002.MOV", clip_frames(N, W, H), fmt="mov")
    write_clip(src / "other.mov", clip_frames(N, W, H), fmt="mov")
    work = plan([src], tmp_path / "out", ScanConfig())
    by_name = {j.source.name: j for j in work.jobs}
    assert by_name["IMG_0002.MOV"].live_photo and by_name["IMG_0002.MOV"].video
    assert not by_name["other.mov"].live_photo and not by_name["IMG_0002.JPG"].video
    assert [j.source.name for j in work.jobs][0] == "IMG_0002.JPG"  # photos first
    out = tmp_path / "out"
    result = invoke("redact", src, "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith("postsafe")) == [
        "IMG_0002.jpg", "IMG_0002.mp4", "other.mp4"]
    live = next(r for r in read_report(out)["results"] if r["source"].endswith("IMG_0002.MOV"))
    assert live["clip"]["live_photo"] is True
    assert any("Live Photo" in n for n in live["notes"])


def test_keep_audio_keeps_the_sound_and_says_so(tmp_path: Path, magenta: None) -> None:
    src = tmp_path / "in"
    write_clip(src / "song.mp4", clip_frames(N, W, H), audio=True)
    out = tmp_path / "out"
    result = invoke("redact", src, "--out", out, "--keep-audio")
    assert result.exit_code == 0, result.output
    with av.open(str(out / "song.mp4")) as c:
        assert sorted(s.type for s in c.streams) == ["audio", "video"]
    [entry] = read_report(out)["results"]
    assert entry["clip"]["audio"] == "kept" and "audio" not in entry["metadata_removed"]
    assert "Its sound was kept: listen before posting." in (out / REPORT_HTML).read_text()


def test_a_bad_clip_fails_alone_and_the_run_exits_1(tmp_path: Path, magenta: None) -> None:
    src = tmp_path / "in"
    write_clip(src / "good.mp4", clip_frames(N, W, H))
    write(src / "empty.mp4", b"")
    write(src / "junk.mov", b"this is not a video at all")
    out = tmp_path / "out"
    result = invoke("redact", src, "--out", out)
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith("postsafe")) == [
        "good.mp4"]
    statuses = {Path(r["source"]).name: (r["status"], r["error"])
                for r in read_report(out)["results"]}
    assert statuses["good.mp4"][0] == "redacted"
    assert statuses["empty.mp4"][0] == "error" and "empty" in statuses["empty.mp4"][1]
    assert statuses["junk.mov"][0] == "error" and statuses["junk.mov"][1]


def test_scan_reports_a_clip_and_writes_nothing(tmp_path: Path, magenta: None) -> None:
    src = tmp_path / "in"
    write_clip(src / "clip.mp4", clip_frames(N, W, H))
    report = tmp_path / "scan.json"
    result = invoke("scan", src, "--json", report)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in src.iterdir()) == ["clip.mp4"]
    [entry] = json.loads(report.read_text())["results"]
    assert entry["status"] == "redacted" and entry["output"] is None
    assert [f["kind"] for f in entry["findings"]] == ["face"]


def test_resume_keeps_a_finished_clip(tmp_path: Path, magenta: None) -> None:
    src = tmp_path / "in"
    write_clip(src / "clip.mp4", clip_frames(N, W, H))
    out = tmp_path / "out"
    assert invoke("redact", src, "--out", out).exit_code == 0
    first = (out / "clip.mp4").stat().st_mtime_ns
    result = invoke("redact", src, "--out", out, "--resume")
    assert result.exit_code == 0, result.output
    [entry] = read_report(out)["results"]
    assert entry["resumed"] is True and entry["clip"]["frames"] == N
    assert (out / "clip.mp4").stat().st_mtime_ns == first


def test_watch_once_takes_a_clip(tmp_path: Path, magenta: None) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    write_clip(inbox / "clip.mp4", clip_frames(N, W, H))
    result = invoke("watch", inbox, "--out", out, "--once", "--interval", "0.1",
                    "--face-style", "fill")
    assert result.exit_code == 0, result.output
    assert all(magenta_box(f) is None for f in read_frames(out / "clip.mp4"))
    [entry] = read_report(out)["results"]
    assert entry["clip"]["frames"] == N


def test_a_clip_gets_a_time_limit_from_its_length(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write_clip(src / "clip.mp4", clip_frames(N, W, H))  # 2 s
    write(src / "a.jpg", dirty_jpeg(gradient(160, 120)))
    config = ScanConfig(time_limit_s=1.0, video_limit_per_s=30.0)
    jobs = {j.source.name: j for j in plan([src], None, config).jobs}
    assert jobs["a.jpg"].limit(config) == 1.0
    assert jobs["clip.mp4"].limit(config) == pytest.approx(60.0, rel=0.05)
    assert ScanConfig(time_limit_s=0).time_limit_s == 0
    none = {j.source.name: j for j in plan([src], None, ScanConfig(time_limit_s=0)).jobs}
    assert none["clip.mp4"].limit(ScanConfig(time_limit_s=0)) == 0  # no limit stays none


@pytest.mark.integration  # worker processes
def test_every_clip_reports_its_progress_from_a_worker(tmp_path: Path, magenta: None) -> None:
    from video_clips import magenta_detectors

    from scanner.batch.run import BatchOptions, Run, run_redact

    src = tmp_path / "in"
    write_clip(src / "one.mp4", clip_frames(N, W, H))
    write_clip(src / "two.mp4", clip_frames(N, W, H))
    heard: list[tuple[str, str, int, int]] = []
    run = Run(ScanConfig(), magenta_detectors, BatchOptions(jobs=2))
    results = run_redact([src], tmp_path / "out", run,
                         on_progress=lambda *a: heard.append(a))  # type: ignore[arg-type]
    assert [r.status.value for r in results] == ["redacted", "redacted"]
    for name in ("one.mp4", "two.mp4"):
        stages = [(s, d, t) for n, s, d, t in heard if n.endswith(name)]
        assert {s for s, _, _ in stages} == {"look", "hide", "check"}, name
        assert ("look", N, N) in stages and ("hide", N, N) in stages


def test_a_voice_memo_is_skipped_and_a_clip_without_pictures_fails(tmp_path: Path,
                                                                    magenta: None) -> None:
    from video_clips import write_audio_only

    src = tmp_path / "in"
    write_clip(src / "clip.mp4", clip_frames(N, W, H))
    write_audio_only(src / "sound.mp4")
    memo = src / "memo.m4a"
    with av.open(str(memo), "w", format="ipod") as c:
        a = c.add_stream("aac", rate=16000)
        from video_clips import _write_tone

        _write_tone(c, a, 0.5)
    result = invoke("redact", src, "--out", tmp_path / "out")
    assert result.exit_code == 1
    statuses = {Path(r["source"]).name: (r["status"], r["error"])
                for r in read_report(tmp_path / "out")["results"]}
    assert statuses["memo.m4a"] == ("skipped", "not a photo or video file")
    assert statuses["sound.mp4"][0] == "error"
    assert "no video stream" in statuses["sound.mp4"][1]
