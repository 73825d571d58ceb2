"""scanner.batch.engines.local: worker processes, the per-photo time limit, crashed workers.

The detectors are picklable fakes (helpers.FakeFactory), so workers start fast and a test
can make one photo hang or crash its worker. No timing is asserted beyond "it ended".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import FakeFactory, gradient, jpeg_bytes, png_bytes, read_report, write
from typer.testing import CliRunner

from scanner.batch.engines.inprocess import InProcessEngine
from scanner.batch.engines.local import ProcessEngine
from scanner.batch.plan import plan
from scanner.batch.run import BatchOptions, Run, engine_for, run_redact
from scanner.cli.main import app
from scanner.config import EngineChoice, ScanConfig
from scanner.errors import EngineError
from scanner.types import Region, ScanResult, Status

REGIONS = (Region(4, 4, 40, 30),)


def _photos(root: Path, n: int = 5, odd_width: int | None = None) -> Path:
    for i in range(n):
        write(root / f"p{i:02d}.jpg", jpeg_bytes(gradient(96 + 8 * i, 64)))
    if odd_width is not None:
        write(root / "odd.png", png_bytes(gradient(odd_width, 64)))
    return root


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.rglob(".postsafe-*"))


@pytest.mark.parametrize(("engine", "jobs", "limit"), [
    ("inprocess", 1, 0.0), ("local", 1, 60.0), ("local", 2, 0.0), ("local", 2, 60.0)])
def test_engine_choice(engine: str, jobs: int, limit: float) -> None:
    config = ScanConfig(time_limit_s=limit)
    chosen = engine_for(Run(config, FakeFactory(),
                            BatchOptions(engine=EngineChoice.LOCAL, jobs=jobs)))
    assert chosen.name == engine
    if jobs > 1:
        assert isinstance(chosen, ProcessEngine) and chosen.config.threads >= 1
    else:
        assert isinstance(chosen, InProcessEngine | ProcessEngine)


def test_workers_give_the_same_results_as_in_process(tmp_path: Path) -> None:
    root = _photos(tmp_path / "in", 6)
    reports = {}
    for name, jobs, limit in (("a", 1, 0.0), ("b", 2, 120.0)):
        out = tmp_path / name
        config = ScanConfig(time_limit_s=limit)
        results = run_redact([root], out,
                             Run(config, FakeFactory(REGIONS), BatchOptions(jobs=jobs)))
        assert [r.status for r in results] == [Status.REDACTED] * 6
        report = read_report(out)
        for r in report["results"]:
            r.pop("elapsed_s")
        reports[name] = report
        assert _leftovers(out) == []
    assert reports["a"]["results"] == reports["b"]["results"]
    for name in ("a", "b"):
        for r in reports[name]["results"]:
            assert len(r["source_sha256"]) == 64 and len(r["output_sha256"]) == 64
    assert reports["b"]["run"] == {"engine": "local", "jobs": 2}


@pytest.mark.integration  # worker processes and time limits: seconds each
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_photo_over_the_time_limit_fails_closed_and_the_batch_goes_on(
        tmp_path: Path, jobs: int) -> None:
    root = _photos(tmp_path / "in", 3, odd_width=77)
    out = tmp_path / "out"
    factory = FakeFactory(REGIONS, sleep_s=600, sleep_width=77)
    results = run_redact([root], out,
                         Run(ScanConfig(time_limit_s=2), factory, BatchOptions(jobs=jobs)))
    by_name = {Path(r.source).name: r for r in results}
    odd = by_name.pop("odd.png")
    assert odd.status is Status.ERROR
    assert odd.error == "took longer than 2 s; no safe copy was made"
    assert odd.output is None
    assert all(r.status is Status.REDACTED for r in by_name.values())
    assert not (out / "odd.png").exists()
    assert _leftovers(out) == []
    report = read_report(out)
    assert report["summary"]["error"] == 1 and report["summary"]["redacted"] == 3


@pytest.mark.integration  # worker processes and time limits: seconds each
def test_a_crashed_worker_is_replaced(tmp_path: Path) -> None:
    root = _photos(tmp_path / "in", 4, odd_width=77)
    out = tmp_path / "out"
    results = run_redact([root], out, Run(ScanConfig(time_limit_s=60),
                                          FakeFactory(REGIONS, die_width=77), BatchOptions(jobs=2)))
    by_name = {Path(r.source).name: r for r in results}
    odd = by_name.pop("odd.png")
    assert odd.status is Status.ERROR
    assert odd.error is not None and "SIGKILL" in odd.error and "no safe copy" in odd.error
    assert all(r.status is Status.REDACTED for r in by_name.values())
    assert len(by_name) == 4


@pytest.mark.integration  # worker processes and time limits: seconds each
def test_models_that_cannot_load_stop_the_run_before_anything_is_written(
        tmp_path: Path) -> None:
    root = _photos(tmp_path / "in", 2)
    out = tmp_path / "out"
    with pytest.raises(EngineError, match="manifest"):
        run_redact([root], out, Run(ScanConfig(time_limit_s=60),
                                    FakeFactory(fail="model x does not match the manifest"),
                                    BatchOptions(jobs=2)))
    assert not out.exists() or list(out.iterdir()) == []


def test_an_unpicklable_factory_is_a_clear_error(tmp_path: Path) -> None:
    work = plan([_photos(tmp_path / "in", 1)], None, ScanConfig())
    engine = ProcessEngine(ScanConfig(), lambda config: [], jobs=1)
    with pytest.raises(EngineError, match="worker"), engine:
        engine.run(work.jobs, lambda r: None)


@pytest.mark.integration  # worker processes and time limits: seconds each
def test_results_come_back_in_a_deterministic_order(tmp_path: Path) -> None:
    root = _photos(tmp_path / "in", 8)
    work = plan([root], tmp_path / "out", ScanConfig())
    seen: list[ScanResult] = []
    with ProcessEngine(ScanConfig(time_limit_s=0), FakeFactory(), jobs=2) as engine:
        engine.run(work.jobs, seen.append)
        engine.run(work.jobs[:2], seen.append)  # workers stay up between runs
    assert len(seen) == 10
    assert {r.source for r in seen} == {j.display for j in work.jobs}


@pytest.mark.integration  # worker processes and time limits: seconds each
def test_cli_jobs_and_time_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _photos(tmp_path / "in", 2, odd_width=77)
    monkeypatch.setattr("scanner.pipeline.process.build_detectors",
                        FakeFactory(REGIONS, sleep_s=600, sleep_width=77))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["redact", str(root), "--out", str(out), "--jobs", "2",
                                      "--time-limit", "2"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "took longer than 2 s" in result.output
    statuses = sorted(r["status"] for r in read_report(out)["results"])
    assert statuses == ["error", "redacted", "redacted"]


@pytest.mark.parametrize("args", [["--jobs", "0"], ["--jobs", "-2"], ["--time-limit", "-1"],
                                  ["--time-limit", "nan"], ["--engine", "spark"]])
def test_cli_bad_batch_options_exit_2(tmp_path: Path, args: list[str]) -> None:
    root = _photos(tmp_path / "in", 1)
    result = CliRunner().invoke(app, ["redact", str(root), "--out", str(tmp_path / "out"),
                                      *args], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "out").exists()


def test_a_named_pipe_is_hashed_without_waiting(tmp_path: Path) -> None:
    """Hashing (for --resume) must not block on a FIFO the way open() would."""
    import errno
    import os

    from scanner.fsio import sha256_file

    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(OSError) as info:
        sha256_file(fifo)
    assert info.value.errno == errno.EINVAL
    plain = tmp_path / "a.bin"
    plain.write_bytes(b"abc")
    assert sha256_file(plain) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")


def test_process_job_turns_a_bug_into_a_failed_photo(tmp_path: Path) -> None:
    """Every engine relies on process_job never raising: a job must never go unreported."""
    from scanner.batch.engines.work import process_job
    from scanner.batch.plan import Job

    class Broken:
        def process(self, *args: object, **kwargs: object) -> ScanResult:
            raise AttributeError("a bug")

    job = Job(tmp_path / "a.jpg", "a.jpg", tmp_path / "out" / "a.jpg")
    result = process_job(Broken(), job)  # type: ignore[arg-type]
    assert result.status is Status.ERROR and result.source == "a.jpg"
    assert result.error == "internal error (AttributeError); no safe copy was made"
