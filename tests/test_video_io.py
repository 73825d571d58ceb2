"""scanner.video probe, frames and encode on clips built here with PyAV; exiftool judges the
output's metadata and rotation."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from video_clips import (
    SECRET_DATE,
    SECRET_LOCATION,
    SECRET_MAKE,
    SECRET_MODEL,
    clip_frames,
    read_frames,
    write_audio_only,
    write_clip,
)

from scanner.config import ScanConfig
from scanner.errors import UnreadableVideo, UnsupportedVideo, VideoTooLarge, WriteError
from scanner.video import encode, frames
from scanner.video.probe import probe

needs_exiftool = pytest.mark.skipif(shutil.which("exiftool") is None,
                                    reason="exiftool is not installed")
CONFIG = ScanConfig()


def close(a: np.ndarray, b: np.ndarray, tol: float = 4.0) -> bool:
    return a.shape == b.shape and float(np.abs(a.astype(int) - b.astype(int)).mean()) < tol


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return write_clip(tmp_path / "clip.mp4", clip_frames(20, 320, 240), fps=10)


def test_probe_reads_a_plain_clip(clip: Path) -> None:
    info = probe(clip, CONFIG)
    assert (info.width, info.height, info.rotation) == (320, 240, 0)
    assert info.frames == 20 and info.fps == pytest.approx(10)
    assert info.duration_s == pytest.approx(2.0, abs=0.15)
    assert info.codec == "h264" and not info.has_audio


def test_frames_are_a_generator_of_rgb_frames_with_times(clip: Path) -> None:
    info = probe(clip, CONFIG)
    got = frames.decode(clip, info)
    first = next(got)
    assert first.pixels.shape == (240, 320, 3) and first.pixels.dtype == np.uint8
    rest = list(got)
    assert [f.index for f in rest] == list(range(1, 20))
    assert rest[-1].time_s == pytest.approx(1.9, abs=0.01)
    assert close(first.pixels, clip_frames(20, 320, 240)[0])


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_rotated_clips_decode_upright(tmp_path: Path, degrees: int) -> None:
    upright = clip_frames(6, 320, 240)
    # The display matrix says: turn the stored frame counter-clockwise by `degrees`. So the
    # camera stored the upright picture turned clockwise by that much.
    stored = [np.ascontiguousarray(np.rot90(p, -degrees // 90)) for p in upright]
    path = write_clip(tmp_path / f"r{degrees}.mp4", stored, rotation=degrees)
    if shutil.which("exiftool"):  # the independent reading: clockwise degrees to display
        out = subprocess.run(["exiftool", "-j", "-n", "-Rotation", str(path)],
                             capture_output=True, text=True, check=True).stdout
        assert json.loads(out)[0]["Rotation"] == (360 - degrees) % 360
    info = probe(path, CONFIG)
    assert info.rotation == degrees
    assert (info.width, info.height) == (320, 240)
    decoded = [f.pixels for f in frames.decode(path, info)]
    assert all(close(d, u) for d, u in zip(decoded, upright, strict=True))


@needs_exiftool
def test_output_has_no_metadata_and_no_rotation(tmp_path: Path) -> None:
    stored = [np.ascontiguousarray(np.rot90(p, -1)) for p in clip_frames(10, 320, 240)]
    source = write_clip(
        tmp_path / "secret.mov", stored, fmt="mov", rotation=90, audio=True,
        metadata={"location": SECRET_LOCATION,
                  "com.apple.quicktime.location.ISO6709": SECRET_LOCATION,
                  "make": SECRET_MAKE, "model": SECRET_MODEL, "creation_time": SECRET_DATE},
        container_options={"movflags": "use_metadata_tags"})
    before = subprocess.run(["exiftool", "-a", "-G1", str(source)], capture_output=True,
                            text=True, check=True).stdout
    assert SECRET_MAKE in before and "GPS" in before and "2019" in before  # planted
    info = probe(source, CONFIG)
    assert info.has_audio and info.rotation == 90
    out = tmp_path / "clean.mp4"
    n = encode.write_mp4((f.pixels for f in frames.decode(source, info)), out, fps=info.fps,
                         width=info.width, height=info.height)
    assert n == 10
    text = subprocess.run(["exiftool", "-a", "-G1", "-ee", str(out)], capture_output=True,
                          text=True, check=True).stdout
    for secret in (SECRET_MAKE, SECRET_MODEL, "48.85", "48 deg", "2019", "Lavf"):
        assert secret not in text, secret
    for tag in ("GPS", "Location", "Make", "Model", "Encoder", "Audio"):
        assert f"] {tag}" not in text.replace("  ", " "), tag
    tags = json.loads(subprocess.run(["exiftool", "-j", "-n", "-a", str(out)],
                                     capture_output=True, text=True, check=True).stdout)[0]
    assert tags.get("Rotation", 0) == 0
    # upright, baked in: stored 240x320 with a quarter turn becomes a plain 320x240 frame
    assert tags["ImageWidth"] == 320 and tags["ImageHeight"] == 240
    assert tags["MatrixStructure"] == "1 0 0 0 1 0 0 0 1"
    # streams: one video stream and nothing else, no container tags besides the brand
    import av
    with av.open(str(out)) as c:
        assert [s.type for s in c.streams] == ["video"]
        assert not {k for k in c.metadata if k not in
                    ("major_brand", "minor_version", "compatible_brands")}
        assert len(c.chapters()) == 0
        first = next(c.decode(video=0))
        assert first.rotation == 0
    assert close(read_frames(out)[0], clip_frames(10, 320, 240)[0])


def test_odd_sizes_are_cropped_to_even(tmp_path: Path) -> None:
    pixels = [np.full((241, 321, 3), 128, np.uint8)] * 3
    out = tmp_path / "odd.mp4"
    encode.write_mp4(iter(pixels), out, fps=10, width=321, height=241)
    assert read_frames(out)[0].shape == (240, 320, 3)


def test_a_failed_encode_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "bad.mp4"

    def broken():
        yield np.zeros((240, 320, 3), np.uint8)
        raise RuntimeError("decoder died")

    with pytest.raises(RuntimeError):
        encode.write_mp4(broken(), out, fps=10, width=320, height=240)
    with pytest.raises(WriteError):
        encode.write_mp4(iter([np.zeros((10, 10, 3), np.uint8)]), out, fps=10, width=320,
                         height=240)
    with pytest.raises(WriteError):
        encode.write_mp4(iter([]), out, fps=10, width=320, height=240)
    assert list(tmp_path.iterdir()) == []


# -- refusals ---------------------------------------------------------------------------------

def test_zero_length_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(UnreadableVideo, match="empty"):
        probe(empty, CONFIG)


@pytest.mark.parametrize("faststart", [False, True])
def test_truncated_file_is_refused(tmp_path: Path, faststart: bool) -> None:
    opts = {"movflags": "+faststart"} if faststart else {}
    path = write_clip(tmp_path / "t.mp4", clip_frames(20, 320, 240), container_options=opts)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(UnreadableVideo, match="truncated|cannot be read"):
        info = probe(path, CONFIG)
        list(frames.decode(path, info))


def test_garbage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 40)
    with pytest.raises(UnreadableVideo):
        probe(path, CONFIG)


def test_audio_only_is_refused(tmp_path: Path) -> None:
    path = write_audio_only(tmp_path / "voice.m4a")
    with pytest.raises(UnsupportedVideo, match="no video stream.*audio"):
        probe(path, CONFIG)


def test_limits(clip: Path) -> None:
    with pytest.raises(VideoTooLarge, match="lasts"):
        probe(clip, ScanConfig(max_video_s=1.0))
    with pytest.raises(VideoTooLarge, match="pixels"):
        probe(clip, ScanConfig(max_video_pixels=320 * 239))


def top_level_atoms(data: bytes) -> list[bytes]:
    atoms, pos = [], 0
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos:pos + 4], "big")
        atoms.append(data[pos + 4:pos + 8])
        if size == 1:
            size = int.from_bytes(data[pos + 8:pos + 16], "big")
        if size < 8:
            break
        pos += size
    return atoms


def test_the_index_comes_first_and_no_user_data_is_written(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    encode.write_mp4(iter(clip_frames(10, 320, 240)), out, fps=10, width=320, height=240)
    data = out.read_bytes()
    atoms = top_level_atoms(data)
    assert atoms[0] == b"ftyp" and atoms.index(b"moov") < atoms.index(b"mdat")  # +faststart
    for atom in (b"udta", b"meta", b"\xa9xyz", b"\xa9mak", b"\xa9mod", b"\xa9day", b"chpl",
                 b"tmcd", b"covr"):
        assert atom not in data, atom


def test_the_copy_is_written_under_a_temp_name_a_sweep_removes(tmp_path: Path) -> None:
    from scanner.batch.run import sweep_temp_files

    out = tmp_path / "out.mp4"
    seen: list[list[str]] = []

    def frames_watching() -> Iterator[np.ndarray]:
        for i, p in enumerate(clip_frames(10, 320, 240)):
            if i == 5:  # half way: what is in the folder now?
                seen.append(sorted(q.name for q in tmp_path.iterdir()))
            yield p

    encode.write_mp4(frames_watching(), out, fps=10, width=320, height=240)
    [names] = seen
    assert len(names) == 1 and names[0].startswith(".postsafe-") and names[0].endswith(".tmp")
    assert sorted(q.name for q in tmp_path.iterdir()) == ["out.mp4"]
    # a killed run's half-written clip would be swept away by the next run into the folder
    (tmp_path / names[0]).write_bytes(b"half a clip")
    assert sweep_temp_files(tmp_path) == 1 and not (tmp_path / names[0]).exists()
