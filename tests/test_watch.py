"""scanner.batch.watch: complete files only, each once (by content, across restarts), clean stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import FakeFactory, gradient, jpeg_bytes, noise, png_bytes, read_report, write
from typer.testing import CliRunner

from scanner.batch.journal import JOURNAL
from scanner.batch.lock import LOCK_NAME
from scanner.batch.plan import REPORT_HTML
from scanner.batch.run import BatchOptions, Run
from scanner.batch.watch import Watcher
from scanner.cli.main import app
from scanner.config import ScanConfig
from scanner.errors import UsageError
from scanner.types import Region, ScanResult, Status

REGIONS = (Region(4, 4, 40, 30),)
INTERVAL = 0.05


def _watcher(inbox: Path, outbox: Path, **kwargs: object) -> Watcher:
    inbox.mkdir(parents=True, exist_ok=True)
    return Watcher(inbox, outbox, Run(ScanConfig(time_limit_s=0), FakeFactory(REGIONS),
                                      BatchOptions(jobs=1)), **kwargs)  # type: ignore[arg-type]


def _wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


class Running:
    """A watcher polling in a thread, stopped (cleanly) on exit."""

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher
        self.results: list[ScanResult] = []
        watcher.on_result = self.results.append
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            self.watcher.watch(INTERVAL)
        except BaseException as exc:  # pragma: no cover - re-raised in the test
            self.error = exc

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.watcher.stop()
        self.thread.join(60)
        assert not self.thread.is_alive()
        if self.error is not None:
            raise self.error


def test_once_processes_what_is_there(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    write(inbox / "a.jpg", jpeg_bytes(gradient(64, 48)))
    write(inbox / "day" / "b.png", png_bytes(noise(64, 48)))
    write(inbox / "notes.txt", b"not a photo")
    results = _watcher(inbox, outbox).watch(INTERVAL, once=True)
    assert sorted((Path(r.source).name, r.status.value) for r in results) == [
        ("a.jpg", "redacted"), ("b.png", "redacted"), ("notes.txt", "skipped")]
    assert (outbox / "a.jpg").is_file() and (outbox / "day" / "b.png").is_file()
    assert read_report(outbox)["summary"]["photos"] == 2
    assert (outbox / REPORT_HTML).is_file()
    assert not (outbox / JOURNAL).exists() and not (outbox / LOCK_NAME).exists()


def test_each_photo_once_across_restarts_and_renames(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    photo = jpeg_bytes(gradient(64, 48))
    write(inbox / "a.jpg", photo)
    assert len(_watcher(inbox, outbox).watch(INTERVAL, once=True)) == 1
    # A restart: nothing is redone, even the same photo dropped again under another name.
    write(inbox / "copy of a.jpg", photo)
    assert _watcher(inbox, outbox).watch(INTERVAL, once=True) == []
    # A new photo is done, and the report keeps the earlier one.
    write(inbox / "c.jpg", jpeg_bytes(noise(64, 48)))
    again = _watcher(inbox, outbox).watch(INTERVAL, once=True)
    assert [Path(r.source).name for r in again] == ["c.jpg"]
    sources = sorted(Path(r["source"]).name for r in read_report(outbox)["results"])
    assert sources == ["a.jpg", "c.jpg"]


@pytest.mark.integration  # child and worker processes: seconds each
def test_a_file_written_in_pieces_is_taken_only_when_complete(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    data = jpeg_bytes(noise(320, 240))
    target = inbox / "arriving.jpg"
    with Running(_watcher(inbox, outbox)) as run:
        with target.open("wb") as fh:
            for start in range(0, len(data) - 1000, len(data) // 4):
                fh.write(data[start:start + len(data) // 4])
                fh.flush()
                time.sleep(INTERVAL * 6)  # several polls see it unchanged but incomplete
                assert run.results == [], "a half-written file was processed"
            fh.write(data[fh.tell():])
        _wait_for(lambda: len(run.results) == 1)
    (result,) = run.results
    assert result.status is Status.REDACTED, result.error
    assert (outbox / "arriving.jpg").is_file()


def test_a_file_that_stays_broken_is_reported_once(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    write(inbox / "broken.jpg", jpeg_bytes(noise(320, 240))[:500])
    with Running(_watcher(inbox, outbox, broken_after_s=0.5)) as run:
        _wait_for(lambda: len(run.results) == 1)
        time.sleep(INTERVAL * 5)
    (result,) = run.results
    assert result.status is Status.ERROR and result.error
    assert not (outbox / "broken.jpg").exists()


def test_existing_files_in_the_outbox_are_never_replaced(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    keep = write(outbox / "a.jpg", b"someone's file")
    write(inbox / "a.jpg", jpeg_bytes(gradient(64, 48)))
    (result,) = _watcher(inbox, outbox).watch(INTERVAL, once=True)
    assert keep.read_bytes() == b"someone's file"
    assert result.output is not None and Path(result.output).name == "a-2.jpg"


def test_rename_in_watch(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    write(inbox / "Sam 2023-07-14.jpg", jpeg_bytes(gradient(64, 48)))
    renaming = Run(ScanConfig(time_limit_s=0), FakeFactory(REGIONS),
                   BatchOptions(jobs=1, rename=True))
    w = Watcher(inbox, outbox, renaming)
    w.watch(INTERVAL, once=True)
    write(inbox / "Jo 2023-07-15.jpg", jpeg_bytes(noise(64, 48)))
    w2 = Watcher(inbox, outbox, renaming)
    w2.watch(INTERVAL, once=True)
    assert sorted(p.name for p in outbox.glob("*.jpg")) == ["photo-0001.jpg", "photo-0002.jpg"]


@pytest.mark.parametrize("where", ["inside", "same"])
def test_outbox_inside_inbox_is_refused(tmp_path: Path, where: str) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    with pytest.raises(UsageError):
        _watcher(inbox, inbox / "out" if where == "inside" else inbox)


def test_cli_watch_once(tmp_path: Path, fake_detectors: list) -> None:
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    write(inbox / "a.jpg", jpeg_bytes(gradient(64, 48)))
    result = CliRunner().invoke(app, ["watch", str(inbox), "--out", str(outbox), "--once",
                                      "--interval", "0.05"])
    assert result.exit_code == 0, result.output
    assert (outbox / "a.jpg").is_file()
    bad = CliRunner().invoke(app, ["watch", str(tmp_path / "nope"), "--out", str(outbox),
                                   "--once"])
    assert bad.exit_code == 2


def test_temp_files_of_a_killed_run_are_swept(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    write(inbox / "a.jpg", jpeg_bytes(gradient(64, 48)))
    stale = write(outbox / "sub" / ".postsafe-999999-abc.tmp", b"half a photo")
    _watcher(inbox, outbox).watch(INTERVAL, once=True)
    assert not stale.exists()
    assert (outbox / "a.jpg").is_file()


def test_cli_watch_shows_hostile_names_inert(tmp_path: Path, fake_detectors: list) -> None:
    """A dropped file's name is anyone's: its escape sequences and newlines must not act on
    the terminal (or forge a progress line)."""
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    write(inbox / "ok\x1b[2J\nredacted x.jpg", jpeg_bytes(gradient(64, 48)))
    write(inbox / "bad\x1b[31m.jpg", b"not a picture")
    result = CliRunner().invoke(app, ["watch", str(inbox), "--out", str(outbox), "--once",
                                      "--interval", "0.05"])
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.output
    assert f"{inbox}/ok\\x1b[2J\\nredacted x.jpg" in result.output
    assert f"failed {inbox}/bad\\x1b[31m.jpg: not a recognised image" in result.output


@pytest.mark.integration  # child and worker processes: seconds each
def test_ctrl_c_stops_a_watch_cleanly(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    write(inbox / "a.jpg", jpeg_bytes(gradient(64, 48)))
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import scanner.pipeline.process
        from helpers import FakeFactory
        scanner.pipeline.process.build_detectors = FakeFactory()
        from scanner.cli.main import main
        sys.argv = ["postsafe", "watch", {str(inbox)!r}, "--out", {str(outbox)!r},
                    "--interval", "0.05", "--jobs", "2", "--time-limit", "60"]
        main()
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # Wait for the result to be journalled, not only for the copy: Ctrl-C between the two
        # would rightly leave the photo out of the report.
        def recorded() -> bool:
            journal = outbox / JOURNAL
            return journal.exists() and len(journal.read_text().splitlines()) >= 2

        _wait_for(lambda: recorded() or proc.poll() is not None, 120)
        assert proc.poll() is None
        os.kill(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert read_report(outbox)["summary"]["clean"] == 1
    assert not (outbox / JOURNAL).exists() and not (outbox / LOCK_NAME).exists()


def test_polling_never_decodes_a_photo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Decoding is the engine's (its workers can be killed and replaced): a file built to crash
    or hang a decoder must not take the watch down with it."""
    import scanner.image.codec

    def no_decode(*args: object, **kwargs: object) -> None:
        raise AssertionError("the watch decoded a photo in its own process")

    monkeypatch.setattr(scanner.image.codec, "load", no_decode)
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    write(inbox / "a.jpg", jpeg_bytes(gradient(64, 48)))
    w = _watcher(inbox, outbox)
    assert w.poll() == ([], 1)  # first sight: wait for it to settle
    ready, waiting = w.poll()
    assert [p.name for p, _ in ready] == ["a.jpg"] and waiting == 0


class HalfWritten:
    """A photo whose first half is in the inbox: not decodable until ``finish()``."""

    def __init__(self, inbox: Path, name: str = "slow.jpg") -> None:
        self.data = jpeg_bytes(noise(320, 240))
        self.path = write(inbox / name, self.data[: len(self.data) // 2])

    def finish(self) -> None:
        with self.path.open("ab") as fh:
            fh.write(self.data[len(self.data) // 2 :])


def _one_copy_named(results: list[ScanResult], name: str) -> None:
    (result,) = results
    assert result.status is Status.REDACTED, result.error
    assert result.output is not None and Path(result.output).name == name


def test_an_undecodable_file_is_tried_again_only_when_it_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import scanner.pipeline.process

    tries: list[str] = []
    real_load = scanner.pipeline.process.load

    def counting_load(path: Path, *args: object, **kwargs: object) -> object:
        tries.append(path.name)
        return real_load(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scanner.pipeline.process, "load", counting_load)
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    photo = HalfWritten(inbox)
    with Running(_watcher(inbox, outbox, broken_after_s=60)) as run:
        _wait_for(lambda: tries == ["slow.jpg"])
        time.sleep(INTERVAL * 10)  # ten more polls of an unchanged, undecodable file
        assert tries == ["slow.jpg"] and run.results == []
        photo.finish()
        _wait_for(lambda: len(run.results) == 1)
    _one_copy_named(run.results, "slow.jpg")
    assert tries == ["slow.jpg", "slow.jpg"]


@pytest.mark.parametrize(("data", "marked"), [
    (b"", True),
    (b"\xff\xd8\xff\xe0 truncated", True),
    (b"not a picture at all", True),
    (None, False),  # a bomb: complete, refused for its size
])
def test_only_undecodable_files_are_marked(tmp_path: Path, data: bytes | None,
                                           marked: bool) -> None:
    from scanner.pipeline.process import Pipeline
    from scanner.report.json import result_dict

    path = tmp_path / "x.jpg"
    if data is None:
        path.write_bytes(jpeg_bytes(gradient(64, 48)))
        config = ScanConfig(max_pixels=100)
    else:
        path.write_bytes(data)
        config = ScanConfig()
    result = Pipeline(config, detectors=[]).process(path)
    assert result.status is Status.ERROR
    assert result.undecodable is marked
    assert '"undecodable"' not in json.dumps(result_dict(result, tmp_path))


@pytest.mark.integration  # child and worker processes: seconds each
def test_a_photo_still_arriving_through_a_worker_process(tmp_path: Path) -> None:
    """The same with the default engine (a worker process under a time limit): the worker's
    'does not decode' reaches the watch, which waits instead of reporting."""
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    photo = HalfWritten(inbox)
    watcher = Watcher(inbox, outbox, Run(ScanConfig(time_limit_s=60), FakeFactory(REGIONS),
                                         BatchOptions(jobs=1)), broken_after_s=60)
    with Running(watcher) as run:
        _wait_for(lambda: watcher._seen.get(photo.path) is not None
                  and watcher._seen[photo.path].broken_since is not None)
        time.sleep(INTERVAL * 5)
        assert run.results == []
        photo.finish()
        _wait_for(lambda: len(run.results) == 1)
    _one_copy_named(run.results, "slow.jpg")


@pytest.mark.parametrize(("args", "models", "people"), [
    ([], None, False),
    (["--no-models"], (), False),
    (["--models", "a, b,a", "--redact-people"], ("a", "b"), True),
])
def test_watch_takes_the_model_options_redact_has(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  args: list[str], models: tuple[str, ...] | None,
                                                  people: bool) -> None:
    seen: list[Run] = []

    class Stub:
        def __init__(self, inbox: Path, out: Path, run: Run, **kwargs: object) -> None:
            seen.append(run)

        def watch(self, interval: float, *, once: bool = False) -> list[ScanResult]:
            return []

    monkeypatch.setattr("scanner.batch.watch.Watcher", Stub)
    (tmp_path / "in").mkdir()
    result = CliRunner().invoke(app, ["watch", str(tmp_path / "in"), "--out",
                                      str(tmp_path / "out"), "--once", *args])
    assert result.exit_code == 0, result.output
    assert [(r.config.models, r.config.redact_people) for r in seen] == [(models, people)]
