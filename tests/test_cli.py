"""scanner.cli.main: the postsafe command, on fake detectors (fast, no model)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import (
    SECRET_ARTIST,
    FakeDetector,
    dirty_jpeg,
    gradient,
    heic_bytes,
    invoke,
    modules_after_help,
    noise,
    png_bytes,
    read_report,
    write,
)
from PIL import Image

from scanner.batch.plan import REPORT_HTML, REPORT_JSON
from scanner.errors import ModelError
from scanner.types import Region


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    write(root / "a.jpg", dirty_jpeg(gradient(160, 120)))
    write(root / "sub" / "b.png", png_bytes(noise(160, 120)))
    write(root / "sub" / "c.heic", heic_bytes(gradient(96, 64)))
    write(root / "notes.txt", b"not a photo")
    return root


def _images(folder: Path) -> list[str]:
    return sorted(
        str(p.relative_to(folder)) for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith("postsafe-report")
    )


# ------------------------------------------------------------------------------------------
# redact


def test_redact_writes_mirrored_copies_and_reports(photos: Path, tmp_path: Path,
                                                   fake_detectors: list[FakeDetector]) -> None:
    fake_detectors[0].regions = [Region(20, 20, 60, 60)]
    out = tmp_path / "out"
    result = invoke("redact", photos, "--out", out)
    assert result.exit_code == 0, result.output
    assert _images(out) == ["a.jpg", "sub/b.png", "sub/c.jpg"]
    for name in ("a.jpg", "sub/b.png", "sub/c.jpg"):
        with Image.open(out / name) as im:
            im.load()
    assert (out / REPORT_JSON).is_file()
    html = (out / REPORT_HTML).read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    report = read_report(out)
    assert report["version"] == 2
    assert report["mode"] == "redact"
    statuses = {Path(r["source"]).name: r["status"] for r in report["results"]}
    assert statuses == {"a.jpg": "redacted", "b.png": "redacted", "c.heic": "redacted",
                        "notes.txt": "skipped"}
    assert report["summary"]["photos"] == 3
    outputs = {r["output"] for r in report["results"] if r["output"]}
    assert outputs == {"a.jpg", "sub/b.png", "sub/c.jpg"}
    for text in ((out / REPORT_JSON).read_text(), html):
        assert SECRET_ARTIST not in text
    assert SECRET_ARTIST.encode() not in (out / "a.jpg").read_bytes()


def test_redact_originals_untouched(photos: Path, tmp_path: Path,
                                    fake_detectors: list[FakeDetector]) -> None:
    before = {p: p.read_bytes() for p in photos.rglob("*") if p.is_file()}
    assert invoke("redact", photos, "--out", tmp_path / "out").exit_code == 0
    after = {p: p.read_bytes() for p in photos.rglob("*") if p.is_file()}
    assert before == after


def test_corrupt_file_exit_1_others_written(photos: Path, tmp_path: Path,
                                            fake_detectors: list[FakeDetector]) -> None:
    write(photos / "broken.jpg", dirty_jpeg(gradient(160, 120))[:400])
    out = tmp_path / "out"
    result = invoke("redact", photos, "--out", out)
    assert result.exit_code == 1, result.output
    assert "broken.jpg" in result.output
    assert _images(out) == ["a.jpg", "sub/b.png", "sub/c.jpg"]
    report = read_report(out)
    (bad,) = [r for r in report["results"] if r["source"].endswith("broken.jpg")]
    assert bad["status"] == "error"
    assert bad["error"] and "\n" not in bad["error"]
    assert bad["output"] is None
    assert report["summary"]["error"] == 1
    assert "broken" in (out / REPORT_HTML).read_text(encoding="utf-8")


def test_detector_crash_exit_1_and_no_copies(photos: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    class Crashing(FakeDetector):
        def detect(self, image):  # type: ignore[no-untyped-def]
            raise RuntimeError("boom")

    monkeypatch.setattr("scanner.pipeline.process.build_detectors", lambda config: [Crashing()])
    out = tmp_path / "out"
    result = invoke("redact", photos, "--out", out)
    assert result.exit_code == 1
    assert _images(out) == []
    assert all(r["status"] in ("error", "skipped") for r in read_report(out)["results"])


def test_model_failure_at_start_exit_1(photos: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(config: object) -> list:
        raise ModelError("model centerface: does not match the manifest")

    monkeypatch.setattr("scanner.pipeline.process.build_detectors", broken)
    out = tmp_path / "out"
    result = invoke("redact", photos, "--out", out)
    assert result.exit_code == 1
    assert "manifest" in result.output
    assert not out.exists() or _images(out) == []


@pytest.mark.parametrize("sub", ["", "out", "sub/out"])
def test_out_inside_input_exit_2(photos: Path, fake_detectors: list[FakeDetector],
                                 sub: str) -> None:
    before = sorted(p for p in photos.rglob("*"))
    out = photos / sub if sub else photos
    result = invoke("redact", photos, "--out", out)
    assert result.exit_code == 2
    assert "inside" in result.output
    assert sorted(p for p in photos.rglob("*")) == before


def test_nonexistent_path_exit_2(tmp_path: Path, fake_detectors: list[FakeDetector]) -> None:
    result = invoke("redact", tmp_path / "nope", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "does not exist" in result.output
    result = invoke("scan", tmp_path / "nope")
    assert result.exit_code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "tiff"],
        ["--format", "JPEG2000"],
        ["--face-style", "pixelate"],
        ["--quality", "0"],
        ["--quality", "101"],
        ["--quality", "high"],
        ["--face-threshold", "abc"],
    ],
)
def test_bad_options_exit_2(photos: Path, tmp_path: Path, fake_detectors: list[FakeDetector],
                            args: list[str]) -> None:
    out = tmp_path / "out"
    result = invoke("redact", photos, "--out", out, *args)
    assert result.exit_code == 2, result.output
    assert not out.exists()


def test_missing_out_option_exit_2(photos: Path, fake_detectors: list[FakeDetector]) -> None:
    assert invoke("redact", photos).exit_code == 2


@pytest.mark.parametrize(("fmt", "expected"), [("jpeg", {"a.jpg", "sub/b.jpg", "sub/c.jpg"}),
                                               ("png", {"a.png", "sub/b.png", "sub/c.png"})])
def test_format_option(photos: Path, tmp_path: Path, fake_detectors: list[FakeDetector],
                       fmt: str, expected: set[str]) -> None:
    out = tmp_path / "out"
    assert invoke("redact", photos, "--out", out, "--format", fmt).exit_code == 0
    assert set(_images(out)) == expected
    for name in expected:
        with Image.open(out / name) as im:
            assert im.format == fmt.upper()


def test_face_threshold_reaches_the_config(photos: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []

    def build(config):  # type: ignore[no-untyped-def]
        seen.append(config)
        return [FakeDetector()]

    monkeypatch.setattr("scanner.pipeline.process.build_detectors", build)
    out = tmp_path / "out"
    result = invoke("redact", photos, "--out", out, "--face-threshold", "0.25",
                    "--face-style", "blur", "--quality", "70")
    assert result.exit_code == 0
    (config,) = seen
    assert (config.face_threshold, config.face_style.value, config.jpeg_quality) == (
        0.25, "blur", 70)
    settings = read_report(out)["settings"]
    assert settings["face_threshold"] == 0.25 and settings["jpeg_quality"] == 70


def test_single_file_with_leading_dash(tmp_path: Path, fake_detectors: list[FakeDetector],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "-odd name.png", png_bytes(gradient(32, 32)))
    result = invoke("redact", "--out", "out", "--", "-odd name.png")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "-odd name.png").is_file()


def test_redact_into_the_inputs_own_folder_never_overwrites_an_original(
    tmp_path: Path, fake_detectors: list[FakeDetector], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Phones export IMG_1.heic next to IMG_1.jpg. Redacting only the HEIC with --out set to
    that folder must not destroy IMG_1.jpg: refusing, or picking a free name, are both fine."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "IMG_1.heic", heic_bytes(gradient(64, 48)))
    original = write(tmp_path / "IMG_1.jpg", dirty_jpeg(gradient(64, 48)))
    before = original.read_bytes()
    invoke("redact", "IMG_1.heic", "--out", ".")
    assert original.read_bytes() == before


@pytest.mark.parametrize("files", [[], ["notes.txt", "a.pdf"]], ids=["empty", "no-photos"])
@pytest.mark.parametrize("command", ["redact", "scan"])
def test_a_folder_without_photos_is_a_usage_error(tmp_path: Path, files: list[str], command: str,
                                                  fake_detectors: list[FakeDetector]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in files:
        write(folder / name, b"hello")
    out = tmp_path / "out"
    args = ["--out", out] if command == "redact" else []
    result = invoke(command, folder, *args)
    assert result.exit_code == 2
    assert "no photos found in" in result.output
    assert (f"({len(files)} other files skipped)" in result.output) is bool(files)
    assert not out.exists()  # no empty output folder left behind


def test_scan_says_what_each_photo_holds_and_writes_nothing(
        tmp_path: Path, fake_detectors: list[FakeDetector]) -> None:
    fake_detectors[0].regions = [Region(10, 10, 60, 60), Region(80, 20, 120, 70)]
    write(tmp_path / "in" / "a.png", png_bytes(noise(160, 120)))
    write(tmp_path / "in" / "notes.txt", b"hello")
    result = invoke("scan", tmp_path / "in")
    assert result.exit_code == 0, result.output
    assert "a.png: would hide 2 faces" in result.output
    assert "skipped" in result.output and "notes.txt: not a photo or video file" in result.output
    assert "redacted" not in result.output.lower()
    assert "Nothing was written" in result.output


def test_redact_ends_with_the_report_path_and_the_failures(
        tmp_path: Path, fake_detectors: list[FakeDetector]) -> None:
    write(tmp_path / "in" / "a.png", png_bytes(noise(160, 120)))
    write(tmp_path / "in" / "b.jpg", b"\xff\xd8\xff broken")
    out = tmp_path / "out"
    result = invoke("redact", tmp_path / "in", "--out", out)
    assert result.exit_code == 1
    assert "failed" in result.output and "b.jpg" in result.output
    assert "1 safe copy in" in result.output
    assert f"Report: {out / 'postsafe-report.html'}" in result.output.replace("\n", "")


def test_nothing_was_written_is_said_when_true(tmp_path: Path,
                                               fake_detectors: list[FakeDetector]) -> None:
    write(tmp_path / "in" / "b.jpg", b"\xff\xd8\xff broken")
    result = invoke("redact", tmp_path / "in", "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "Nothing was written" in result.output


# ------------------------------------------------------------------------------------------
# scan


def test_scan_writes_only_the_json_report(photos: Path, tmp_path: Path,
                                          fake_detectors: list[FakeDetector]) -> None:
    fake_detectors[0].regions = [Region(10, 10, 40, 40)]
    before = sorted(p for p in tmp_path.rglob("*"))
    report_path = tmp_path / "report.json"
    result = invoke("scan", photos, "--json", report_path)
    assert result.exit_code == 0, result.output
    after = sorted(p for p in tmp_path.rglob("*"))
    assert after == sorted([*before, report_path])
    report = read_report(report_path.parent, report_path.name)
    assert report["version"] == 2
    assert report["tool"] == "postsafe"
    assert report["mode"] == "scan"
    assert all(r["output"] is None for r in report["results"])
    by_name = {Path(r["source"]).name: r for r in report["results"]}
    assert by_name["a.jpg"]["status"] == "redacted"
    assert "location" in by_name["a.jpg"]["metadata_removed"]
    assert by_name["a.jpg"]["findings"][0]["kind"] == "face"
    assert SECRET_ARTIST not in report_path.read_text()


def test_scan_without_json(photos: Path, fake_detectors: list[FakeDetector]) -> None:
    result = invoke("scan", photos)
    assert result.exit_code == 0
    assert "summary" in result.output.lower()


def test_scan_corrupt_exit_1(tmp_path: Path, fake_detectors: list[FakeDetector]) -> None:
    write(tmp_path / "in" / "x.jpg", b"\xff\xd8\xff\xe0garbage")
    assert invoke("scan", tmp_path / "in").exit_code == 1


@pytest.mark.parametrize(("name", "shown"), [
    ("b[bold]c.jpg", "b[bold]c.jpg"),  # Rich markup in a name used to vanish from the list
    ("x[link=https:]y.jpg", "x[link=https:]y.jpg"),
    ("e\x1b[2J\x1b[31mRED.jpg", "e\\x1b[2J\\x1b[31mRED.jpg"),  # terminal escapes stay inert
    ("new\nline.jpg", "new\\nline.jpg"),
])
def test_failed_list_shows_file_names_as_they_are(tmp_path: Path, name: str, shown: str,
                                                  fake_detectors: list[FakeDetector]) -> None:
    """Found by the hostile corpus: names went through Rich markup, so "b[bold]c.jpg" was
    listed as "bc.jpg" (the user cannot find the file that failed) and escape sequences in a
    name reached the terminal."""
    write(tmp_path / "in" / name, b"not a picture")
    result = invoke("redact", tmp_path / "in", "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert f"failed {tmp_path / 'in'}/{shown}: not a recognised image" in result.output
    assert "\x1b" not in result.output


# ------------------------------------------------------------------------------------------
# the program itself


def test_version_and_help() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.startswith("postsafe ")
    for args in (["--help"], ["redact", "--help"], ["scan", "--help"]):
        result = invoke(*args)
        assert result.exit_code == 0
        assert "Usage" in result.output


def test_unknown_command_exit_2() -> None:
    assert invoke("frobnicate").exit_code == 2


def test_python_dash_m_help() -> None:
    proc = subprocess.run([sys.executable, "-m", "scanner", "--help"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "redact" in proc.stdout and "scan" in proc.stdout


def test_help_does_not_import_heavy_modules() -> None:
    assert modules_after_help([["--help"]], ("onnxruntime", "cv2", "numpy")) == []


def test_installed_console_script() -> None:
    script = Path(sys.executable).parent / "postsafe"
    if not script.exists():
        pytest.skip("the postsafe console script is not installed next to this Python")
    proc = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("postsafe ")


def test_redact_report_language(photos: Path, tmp_path: Path,
                                fake_detectors: list[FakeDetector]) -> None:
    out = tmp_path / "out"
    result = invoke("redact", photos, "--out", out, "--lang", "cy")
    assert result.exit_code == 0, result.output
    html = (out / REPORT_HTML).read_text(encoding="utf-8")
    assert '<html lang="cy"' in html and "Crynodeb" in html
    assert invoke("redact", photos, "--out", tmp_path / "o2", "--lang", "fr").exit_code == 2


def test_debug_logs_never_carry_tag_values(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """At -vv Pillow's TIFF reader would log every tag's value (the artist, GPS): the CLI
    keeps that logger above DEBUG."""
    import io
    import logging

    from helpers import tiff_bytes

    monkeypatch.setattr(logging.getLogger("PIL.TiffImagePlugin"), "level", logging.NOTSET)
    invoke("-vv", "scan", tmp_path / "missing.jpg")
    caplog.set_level(logging.DEBUG)
    with Image.open(io.BytesIO(tiff_bytes(gradient(16, 16)))) as im:
        im.load()
        im.getexif()
    assert SECRET_ARTIST not in caplog.text
