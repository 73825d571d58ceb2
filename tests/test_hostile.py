"""The hostile-input corpus (tests/hostile.py) through the batch planner and the pipeline (with
a fake face detector), and a subset through the real ``postsafe redact`` command and models.

Each file gets a correct redacted copy or status ``error`` with a one-line reason. Never a
traceback, never a hang, never an output holding a trailer, a second image or a frame that was
not redacted; originals keep their sha256.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from helpers import (
    COUNTS,
    HAS_EXIFTOOL,
    CentreFace,
    assert_one_clean_picture,
    jpeg_bytes,
    sha256_of,
)
from hostile import AWKWARD_NAMES, CASES, build_folder, count, other_frame, picture
from PIL import Image

from scanner.batch import plan as batch
from scanner.batch.plan import REPORT_JSON
from scanner.config import ScanConfig
from scanner.pipeline.process import Pipeline
from scanner.types import ScanResult, Status


def _files(root: Path) -> dict[Path, str]:
    return {p: sha256_of(p) for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def _run_with_timeout(fn, seconds: float):  # type: ignore[no-untyped-def]
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # reported below, with the test's own assertion
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"hung for more than {seconds} s"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The whole corpus planned and processed once: (paths, results by source, out, hashes)."""
    root = tmp_path_factory.mktemp("hostile") / "in"
    paths = build_folder(root)
    before = _files(root)
    out = root.parent / "out"
    pipeline = Pipeline(ScanConfig(), detectors=[CentreFace()])

    def go() -> list[ScanResult]:
        work = batch.plan([root], out, ScanConfig())
        return batch.run(work, lambda job: pipeline.process(job.source, job.output,
                                                             display=job.display))

    results = _run_with_timeout(go, 240)
    by_source = {r.source: r for r in results}
    COUNTS["hostile cases"] = count()
    return paths, by_source, out, before, root


def _result_for(corpus_run, name: str) -> ScanResult:  # type: ignore[no-untyped-def]
    paths, by_source, *_ = corpus_run
    return by_source[str(paths[name])]


# ------------------------------------------------------------------------------------------
# the corpus through plan + pipeline


def test_corpus_is_complete() -> None:
    assert count() >= 60
    print(f"\nhostile corpus: {count()} cases ({len(CASES)} files, {len(AWKWARD_NAMES)} names, "
          "4 kinds of symlink, a named pipe)")


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_case_is_redacted_or_refused_with_one_line(corpus_run, name: str) -> None:  # type: ignore[no-untyped-def]
    case = CASES[name]
    result = _result_for(corpus_run, name)
    if result.status is Status.ERROR:
        assert case.expect in ("error", "either"), f"{name}: {result.error}"
        assert result.error and "\n" not in result.error and len(result.error) < 300
        assert "Traceback" not in result.error
        assert not result.error.startswith(("internal error", "could not read the file's "
                                            "metadata")), result.error  # an unexpected exception
        assert result.output is None
        return
    assert case.expect in ("ok", "either"), f"{name}: {result.status}"
    assert result.status in (Status.CLEAN, Status.REDACTED)
    assert result.output is not None
    out = Path(result.output)
    data = out.read_bytes()
    assert_one_clean_picture(data, result.output_format or "")
    with Image.open(out) as im:
        assert im.size == (result.width, result.height)


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.dropped))
def test_multi_picture_files_output_the_redacted_primary_and_say_the_rest_was_dropped(
    corpus_run, name: str  # type: ignore[no-untyped-def]
) -> None:
    result = _result_for(corpus_run, name)
    assert result.status is Status.REDACTED, result.error
    assert any("dropped" in n for n in result.notes), result.notes
    # The output is the primary picture, not another frame (its negative), and its middle is
    # redacted.
    with Image.open(result.output) as im:
        out = np.asarray(im.convert("RGB"), dtype=np.int32)
    h, w = out.shape[:2]
    keep = np.ones((h, w), bool)
    keep[int(h * 0.15) : int(h * 0.85) + 1, int(w * 0.15) : int(w * 0.85) + 1] = False  # padded
    primary = picture(seed=1).astype(np.int32)
    other = other_frame(2).astype(np.int32)
    to_primary = np.abs(out - primary)[keep].mean()
    assert to_primary < np.abs(out - other)[keep].mean() / 2, "the output is not the primary"
    (face,) = result.findings
    x1, y1, x2, y2 = (int(v) for v in face.region.as_list())
    assert np.abs(out - primary)[y1:y2, x1:x2].mean() > 5, "the face was not redacted"


def test_originals_keep_their_checksums(corpus_run) -> None:  # type: ignore[no-untyped-def]
    *_, before, root = corpus_run
    assert _files(root) == before


def test_awkward_names_and_links(corpus_run) -> None:  # type: ignore[no-untyped-def]
    paths, by_source, out, _, root = corpus_run
    for awkward in AWKWARD_NAMES:
        result = by_source[str(paths[f"name:{awkward}"])]
        assert result.status is Status.REDACTED, (awkward, result.error)
        assert Path(result.output).parent == out / "names"
        assert Path(result.output).stem == Path(awkward).stem
    links = root / "links"
    for name in ("dangling.jpg", "a.jpg", "b.jpg", "pipe.jpg"):
        result = by_source[str(links / name)]
        assert result.status is Status.ERROR and result.error and "\n" not in result.error
    # Folder links are not followed: nothing is processed twice.
    assert not any("loop-to" in s for s in by_source)


def test_no_temp_files_left(corpus_run) -> None:  # type: ignore[no-untyped-def]
    out = corpus_run[2]
    assert not [p for p in out.rglob(".postsafe-*")]


@pytest.mark.exiftool
def test_exiftool_finds_no_trailer_second_image_or_metadata(corpus_run) -> None:  # type: ignore[no-untyped-def]
    out = corpus_run[2]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 30
    proc = subprocess.run(["exiftool", "-j", "-a", "-G1", "-ee", *map(str, files)],
                          capture_output=True, check=False, timeout=120)
    found = json.loads(proc.stdout)
    allowed = {"SourceFile", "ExifTool", "System", "File", "JFIF", "PNG", "RIFF", "GIF",
               "Composite", "BMP"}
    for entry in found:
        groups = {key.split(":")[0] for key in entry}
        assert groups <= allowed, (entry["SourceFile"], groups - allowed)
        assert not [k for k in entry if "Warning" in k or "Trailer" in k], entry


def test_unreadable_file_is_an_error_not_a_crash(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Permission denied, simulated (tests run as root in CI, where chmod 000 does not bite)."""
    src = tmp_path / "in" / "locked.jpg"
    src.parent.mkdir()
    src.write_bytes(jpeg_bytes(picture()))
    real = Path.read_bytes

    def denied(self: Path) -> bytes:
        if self == src:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    work = batch.plan([src.parent], tmp_path / "out", ScanConfig())
    pipeline = Pipeline(ScanConfig(), detectors=[CentreFace()])
    (result,) = batch.run(work, lambda j: pipeline.process(j.source, j.output, display=j.display))
    assert result.status is Status.ERROR
    assert result.error == "cannot read the file: Permission denied"
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_unreadable_file_with_chmod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod 000 for real; as root (CI) that does not bite, so the denial is also simulated."""
    src = tmp_path / "locked.jpg"
    src.write_bytes(jpeg_bytes(picture()))
    src.chmod(0)
    if os.geteuid() == 0:
        real = Path.read_bytes

        def denied(self: Path) -> bytes:
            if self == src and not os.stat(self).st_mode & 0o444:
                raise PermissionError(13, "Permission denied", str(self))
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", denied)
    try:
        result = Pipeline(ScanConfig(), detectors=[CentreFace()]).process(src, tmp_path / "o.jpg")
    finally:
        src.chmod(0o644)
    assert result.status is Status.ERROR and "Permission denied" in (result.error or "")
    assert not (tmp_path / "o.jpg").exists()


# ------------------------------------------------------------------------------------------
# the real command, real models: no traceback ever reaches the user

CLI_SUBSET = (
    "zero_byte", "jpeg_truncated_half", "heic_truncated", "text_named_jpg", "png_named_jpg",
    "exif_ifd_loop", "exif_bad_offsets", "orientation_65535", "ycck_jpeg", "rgb16_png",
    "grey_alpha_png", "animated_gif", "animated_webp", "multipage_tiff", "mpo_second_image",
    "heic_two_images", "jpeg_motion_photo", "png_after_iend", "bomb_png_zlib",
    "bomb_jpeg_header", "bomb_gif_header", "one_pixel_png", "strip_30000x10",
)


@pytest.mark.integration
def test_real_cli_on_hostile_files(tmp_path: Path) -> None:
    root = tmp_path / "in"
    paths = build_folder(root, list(CLI_SUBSET))
    before = _files(root)
    out = tmp_path / "out"
    dash = paths["name:-rf.jpg"]
    broken = root / "names" / "[red]broken\x1b[2J.jpg"  # must be listed as it is named
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really")
    before[broken] = sha256_of(broken)
    # A folder, plus a file whose name starts with a dash given on the command line itself.
    proc = subprocess.run(
        [sys.executable, "-m", "scanner", "redact", "--out", str(out), "--", str(root),
         dash.name],
        capture_output=True, text=True, timeout=900, cwd=dash.parent, check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-3000:]
    assert "Warning" not in proc.stderr, proc.stderr[-3000:]
    assert "\x1b" not in proc.stdout and "[red]broken\\x1b[2J.jpg: " in proc.stdout
    assert _files(root) == before
    report = json.loads((out / REPORT_JSON).read_text(encoding="utf-8"))
    results = {r["source"]: r for r in report["results"]}
    for name in CLI_SUBSET:
        r = results[str(paths[name])]
        if CASES[name].expect == "error":
            assert r["status"] == "error" and r["error"] and "\n" not in r["error"], r
        elif CASES[name].expect == "ok":
            assert r["status"] in ("clean", "redacted"), r
            assert_one_clean_picture((out / r["output"]).read_bytes(), r["output_format"])
        if CASES[name].dropped:
            assert any("dropped" in n for n in r["notes"]), r
    assert results[dash.name]["status"] in ("clean", "redacted")
    assert not list(out.rglob(".postsafe-*"))
    if HAS_EXIFTOOL:
        outputs = [str(p) for p in out.rglob("*") if p.suffix in (".jpg", ".png", ".webp", ".gif")]
        proc = subprocess.run(["exiftool", "-j", "-G1", "-a", *outputs], capture_output=True,
                              check=False, timeout=120)
        for entry in json.loads(proc.stdout):
            assert not [k for k in entry if "Warning" in k or k.startswith("MPF")], entry
    shutil.rmtree(out)
