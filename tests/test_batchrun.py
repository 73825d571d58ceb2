"""scanner.batch.run: the journal, --resume after an interrupted batch, --rename, the lock."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers import FakeFactory, gradient, jpeg_bytes, modules_after_help, noise, read_report, write
from typer.testing import CliRunner

from scanner.batch.journal import JOURNAL
from scanner.batch.lock import LOCK_NAME, OutputLock
from scanner.batch.plan import REPORT_HTML, REPORT_JSON
from scanner.batch.run import BatchOptions, Run, run_redact
from scanner.cli.main import app
from scanner.config import FaceStyle, ScanConfig, settings
from scanner.errors import FolderBusy
from scanner.types import Region, ScanResult, Status

REGIONS = (Region(4, 4, 40, 30),)
CONFIG = ScanConfig(time_limit_s=0)
FACTORY = FakeFactory(REGIONS)


class Interrupt(KeyboardInterrupt):
    pass


def _photos(root: Path, n: int) -> Path:
    for i in range(n):
        write(root / f"sub{i % 3}" / f"IMG_{i:03d}.jpg", jpeg_bytes(noise(64 + i, 48, seed=i)))
    return root


def _redact(root: Path, out: Path, *, resume: bool = False, stop_after: int | None = None,
            jobs: int = 1, rename: bool = False,
            config: ScanConfig = CONFIG) -> list[ScanResult]:
    done: list[ScanResult] = []

    def on_result(r: ScanResult) -> None:
        done.append(r)
        if stop_after is not None and len(done) >= stop_after:
            raise Interrupt  # as Ctrl-C would, mid-batch

    return run_redact([root], out, Run(config, FACTORY,
                                       BatchOptions(jobs=jobs, resume=resume, rename=rename)),
                      on_result=on_result)


# ------------------------------------------------------------------------------------------
# journal and resume


def test_interrupted_batch_resumes_and_then_skips_everything(tmp_path: Path) -> None:
    root = _photos(tmp_path / "in", 30)
    out = tmp_path / "out"
    with pytest.raises(Interrupt):
        _redact(root, out, stop_after=12)
    # Nothing done is lost: the journal has the 12 results, flushed as they came.
    assert not (out / REPORT_JSON).exists()
    lines = (out / JOURNAL).read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["journal"] == 1
    done = [json.loads(x) for x in lines[1:]]
    assert len(done) == 12 and all(d["status"] == "redacted" for d in done)
    assert not (out / LOCK_NAME).exists()

    results = _redact(root, out, resume=True)
    assert len(results) == 30
    resumed = [r for r in results if r.resumed]
    assert len(resumed) == 12
    assert {r.source for r in resumed} == {d["source"] for d in done}
    report = read_report(out)
    assert report["summary"]["redacted"] == 30
    assert sum(r["resumed"] for r in report["results"]) == 12
    assert not (out / JOURNAL).exists()
    assert (out / REPORT_HTML).is_file()

    again = _redact(root, out, resume=True)
    assert sum(bool(r.resumed) for r in again) == 30
    assert read_report(out)["summary"]["redacted"] == 30
    outputs = sorted(p.name for p in out.rglob("*.jpg"))
    assert len(outputs) == 30 and not any("-2" in name for name in outputs)


def test_resumed_records_equal_the_original_ones(tmp_path: Path) -> None:
    root = _photos(tmp_path / "in", 4)
    out = tmp_path / "out"
    _redact(root, out)
    first = read_report(out)["results"]
    _redact(root, out, resume=True)
    second = read_report(out)["results"]
    for a, b in zip(first, second, strict=True):
        assert b.pop("resumed") is True and a.pop("resumed") is False
        assert a == b


def test_a_rerun_without_resume_after_a_crash_reuses_the_same_names(tmp_path: Path) -> None:
    root = _photos(tmp_path / "in", 6)
    out = tmp_path / "out"
    with pytest.raises(Interrupt):
        _redact(root, out, stop_after=3)
    _redact(root, out)
    assert len(list(out.rglob("*.jpg"))) == 6  # the journal's outputs were PostSafe's own


@pytest.mark.parametrize("change", ["source", "output", "output-deleted", "settings",
                                    "failed-before", "report-garbage", "journal-cut"])
def test_resume_redoes_what_it_cannot_vouch_for(tmp_path: Path, change: str) -> None:
    root = _photos(tmp_path / "in", 4)
    out = tmp_path / "out"
    _redact(root, out)
    target = root / "sub0" / "IMG_000.jpg"
    config = CONFIG
    if change == "source":
        target.write_bytes(jpeg_bytes(gradient(64, 48)))
    elif change == "output":
        (out / "sub0" / "IMG_000.jpg").write_bytes(jpeg_bytes(gradient(64, 48)))
    elif change == "output-deleted":
        (out / "sub0" / "IMG_000.jpg").unlink()
    elif change == "settings":
        config = dataclasses.replace(CONFIG, face_style=FaceStyle.BLUR)
    elif change == "failed-before":
        report = read_report(out)
        for r in report["results"]:
            if r["source"].endswith("IMG_000.jpg"):
                r["status"], r["error"] = "error", "boom"
        (out / REPORT_JSON).write_text(json.dumps(report))
    elif change == "report-garbage":
        (out / REPORT_JSON).write_text("{not json")
    elif change == "journal-cut":
        (out / REPORT_JSON).unlink()
        header = json.dumps({"journal": 1, "settings": settings(CONFIG)})
        (out / JOURNAL).write_text(header + "\n" + '{"source": "x", "out')
    results = _redact(root, out, resume=True, config=config)
    resumed = {Path(r.source).name for r in results if r.resumed}
    expected_redone = {
        "settings": 4, "report-garbage": 4, "journal-cut": 4,
    }.get(change, 1)
    assert len(resumed) == 4 - expected_redone
    if expected_redone == 1:
        assert "IMG_000.jpg" not in resumed
    assert all(r.status is Status.REDACTED for r in results)


def test_resume_with_nothing_before(tmp_path: Path) -> None:
    results = _redact(_photos(tmp_path / "in", 2), tmp_path / "out", resume=True)
    assert [bool(r.resumed) for r in results] == [False, False]


def test_cli_resume_flag(tmp_path: Path, fake_detectors: list) -> None:
    root = _photos(tmp_path / "in", 3)
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["redact", str(root), "--out", str(out)]).exit_code == 0
    result = runner.invoke(app, ["redact", str(root), "--out", str(out), "--resume"])
    assert result.exit_code == 0, result.output
    assert all(r["resumed"] for r in read_report(out)["results"])


# ------------------------------------------------------------------------------------------
# --rename


def test_rename_gives_neutral_names_and_the_report_maps_them(tmp_path: Path) -> None:
    root = tmp_path / "Margaret Evans 2024-05-01 Rhyl"
    write(root / "Sam at the beach 2023-07-14.jpg", jpeg_bytes(gradient(64, 48)))
    write(root / "deeper" / "IMG_20230714_Llandudno.jpg", jpeg_bytes(gradient(70, 48)))
    write(root / "notes.txt", b"not a photo")
    out = tmp_path / "out"
    _redact(root, out, rename=True)
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("postsafe-"))
    assert names == ["photo-0001.jpg", "photo-0002.jpg"]
    mapping = {Path(r["source"]).name: r["output"] for r in read_report(out)["results"]}
    # Plan order: a folder's own files, then its subfolders.
    assert mapping == {"Sam at the beach 2023-07-14.jpg": "photo-0001.jpg",
                       "IMG_20230714_Llandudno.jpg": "photo-0002.jpg", "notes.txt": None}


def test_rename_never_replaces_a_file_it_did_not_write(tmp_path: Path) -> None:
    root = _photos(tmp_path / "in", 2)
    out = tmp_path / "out"
    keep = write(out / "photo-0001.jpg", b"the user's own file")
    _redact(root, out, rename=True)
    assert keep.read_bytes() == b"the user's own file"
    assert len(list(out.glob("photo-*.jpg"))) == 3


def test_cli_rename(tmp_path: Path, fake_detectors: list) -> None:
    root = _photos(tmp_path / "in", 2)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["redact", str(root), "--out", str(out), "--rename"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.jpg")) == ["photo-0001.jpg", "photo-0002.jpg"]


# ------------------------------------------------------------------------------------------
# one run at a time per output folder


def test_lock_refuses_a_second_holder_and_is_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with OutputLock(out):
        assert (out / LOCK_NAME).read_text().strip() == str(os.getpid())
        code = textwrap.dedent(f"""
            from pathlib import Path
            from scanner.batch.lock import OutputLock
            from scanner.errors import FolderBusy
            try:
                OutputLock(Path({str(out)!r})).acquire()
            except FolderBusy as exc:
                print("busy:", exc)
        """)
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=60)
        assert "busy:" in proc.stdout and str(os.getpid()) in proc.stdout, proc.stderr
        with pytest.raises(FolderBusy):  # another open file description, same process
            OutputLock(out).acquire()
    assert not (out / LOCK_NAME).exists()
    with OutputLock(out):
        pass


def test_a_killed_holder_does_not_block_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = ("import os, sys; from pathlib import Path; from scanner.batch.lock import OutputLock; "
            f"OutputLock(Path({str(out)!r})).acquire(); os.kill(os.getpid(), 9)")
    subprocess.run([sys.executable, "-c", code], timeout=60)
    assert (out / LOCK_NAME).exists()  # stale file left behind by SIGKILL
    with OutputLock(out):
        pass


def _redact_script(root: Path, out: Path, *, sleep_s: float, jobs: int,
                   time_limit: float) -> str:
    """A ``python -c`` script running ``postsafe redact ROOT --out OUT`` as a real process,
    on fake detectors (one box, ``sleep_s`` a photo)."""
    return textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import scanner.pipeline.process
        from helpers import FakeFactory
        from scanner.types import Region
        scanner.pipeline.process.build_detectors = FakeFactory((Region(4, 4, 40, 30),),
                                                       sleep_s={sleep_s!r})
        from scanner.cli.main import main
        sys.argv = ["postsafe", "redact", {str(root)!r}, "--out", {str(out)!r},
                    "--jobs", "{jobs}", "--time-limit", "{time_limit:g}"]
        main()
    """)


@pytest.mark.integration  # child processes killed and raced: seconds each
def test_two_runs_into_one_folder_at_once(tmp_path: Path) -> None:
    """Two real processes: one redacts, the other refuses with a clear message (exit 2);
    every output and the report stay whole."""
    root = _photos(tmp_path / "in", 6)
    out = tmp_path / "out"
    script = _redact_script(root, out, sleep_s=0.3, jobs=1, time_limit=0)
    env = {**os.environ, "POSTSAFE_JOBS": "1"}
    first = subprocess.Popen([sys.executable, "-c", script], env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # Wait until the first run holds the lock, then start the second.
        import time

        for _ in range(600):
            if (out / LOCK_NAME).exists() or first.poll() is not None:
                break
            time.sleep(0.05)
        second = subprocess.run([sys.executable, "-c", script], env=env, text=True,
                                capture_output=True, timeout=120)
        stdout, stderr = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, stderr
    assert second.returncode == 2, second.stderr
    assert "another PostSafe run" in second.stderr and "is writing into" in second.stderr
    report = read_report(out)
    assert report["summary"]["redacted"] == 6
    assert len(list(out.rglob("*.jpg"))) == 6
    assert not list(out.rglob(".postsafe-*"))


@pytest.mark.integration  # child processes killed and raced: seconds each
def test_a_killed_batch_resumes(tmp_path: Path) -> None:
    """SIGKILL the whole run mid-way (no clean-up code runs), then --resume."""
    root = _photos(tmp_path / "in", 30)
    out = tmp_path / "out"
    script = _redact_script(root, out, sleep_s=0.2, jobs=2, time_limit=60)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    import time

    def done() -> int:
        try:
            return len((out / JOURNAL).read_text(encoding="utf-8").splitlines()) - 1
        except OSError:
            return 0

    try:
        deadline = time.monotonic() + 120
        while done() < 8 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be killed"
        proc.kill()
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    time.sleep(0.5)  # its workers die with it
    before = done()
    assert 8 <= before < 30
    # The killed CLI run recorded ScanConfig()'s settings; a time limit is not one of them.
    results = _redact(root, out, resume=True, jobs=2, config=ScanConfig(time_limit_s=60))
    assert sum(bool(r.resumed) for r in results) >= before
    assert all(r.status is Status.REDACTED for r in results) and len(results) == 30
    names = sorted(p.name for p in out.rglob("*.jpg"))
    assert len(names) == 30 and not any(n.endswith("-2.jpg") for n in names)
    assert not list(out.rglob(".postsafe-*"))
    again = _redact(root, out, resume=True, config=ScanConfig())
    assert sum(bool(r.resumed) for r in again) == 30


def test_temp_files_of_a_killed_run_are_swept(tmp_path: Path) -> None:
    root = _photos(tmp_path / "in", 2)
    out = tmp_path / "out"
    stale = write(out / "sub0" / ".postsafe-999999-abc.tmp", b"half a photo")
    _redact(root, out)
    assert not stale.exists()


@pytest.mark.integration  # child processes killed and raced: seconds each
def test_no_more_workers_than_photos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import scanner.batch.run as batchrun

    asked: list[int] = []
    real = batchrun.engine_for

    def spy(run: Run) -> Any:
        asked.append(run.options.jobs)
        return real(run)

    monkeypatch.setattr(batchrun, "engine_for", spy)
    root = _photos(tmp_path / "in", 2)
    _redact(root, tmp_path / "out", jobs=8)
    batchrun.run_scan([root], Run(CONFIG, FACTORY, BatchOptions(jobs=8)))
    assert asked == [2, 2]


def test_help_starts_no_engine() -> None:
    commands = [[c, "--help"] for c in ("redact", "scan", "watch")]
    assert modules_after_help(commands, ("ray", "multiprocessing", "numpy", "scanner.batch.engines",
                                         "scanner.batch.run", "scanner.batch.watch")) == []


GIB = 2**30


@pytest.mark.parametrize(("cores", "free", "expected"), [
    (8, None, 8),  # memory unknown: one per core
    (8, 100 * GIB, 8),
    (8, 3 * GIB, 2),  # a many-core laptop with little free memory
    (8, 0, 1),  # never fewer than one
    (2, 2 * GIB, 1),
    (1, 64 * GIB, 1),
])
def test_default_workers_fit_in_free_memory(monkeypatch: pytest.MonkeyPatch, cores: int,
                                            free: int | None, expected: int) -> None:
    import scanner.batch.run as batchrun

    monkeypatch.setattr(batchrun, "cores", lambda: cores)
    monkeypatch.setattr(batchrun, "available_memory", lambda: free)
    assert batchrun.default_jobs() == expected


def test_available_memory_is_read() -> None:
    import scanner.batch.run as batchrun

    free = batchrun.available_memory()
    assert free is None or free > 0


def test_explicit_jobs_are_not_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    import scanner.batch.run as batchrun
    from scanner.cli.main import _options

    monkeypatch.setattr(batchrun, "available_memory", lambda: 0)
    assert _options(4).jobs == 4
    assert _options(None).jobs == 1
