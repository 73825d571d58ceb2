"""One finishing path: the CLI, the batch engines, watch and the review page all finish a
photo through ``Pipeline.finish`` (redact, check, verify, write), and it fails closed the same
way for all of them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers import FakeDetector, FakeFactory, noise, png_bytes, write
from typer.testing import CliRunner

from scanner.batch.engines.base import Engine
from scanner.batch.engines.builtins import ENGINES
from scanner.batch.plan import Job
from scanner.batch.run import BatchOptions, Run
from scanner.batch.watch import Watcher
from scanner.cli.main import app
from scanner.config import OutputFormat, ScanConfig
from scanner.pipeline import review
from scanner.pipeline.process import Finished, Pipeline
from scanner.redactors.builtins import REDACTORS
from scanner.types import Action, Finding, FindingKind, Region, ScanResult, Status

FACE = Region(20, 20, 60, 60)


@pytest.fixture
def finishes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Records the source of every photo that goes through Pipeline.finish."""
    calls: list[str] = []
    real = Pipeline.finish

    def spy(self: Pipeline, pixels: np.ndarray, decided: list[Finding], scanned: ScanResult,
            **kwargs: object) -> Finished:
        calls.append(Path(scanned.source).name)
        return real(self, pixels, decided, scanned, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Pipeline, "finish", spy)
    yield calls


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    return write(tmp_path / "in" / "a.png", png_bytes(noise(120, 90, seed=3)))


def test_cli_redact_finishes_through_it(finishes: list[str], photo: Path, tmp_path: Path,
                                        fake_detectors: list[FakeDetector]) -> None:
    fake_detectors[0].regions = [FACE]
    run = CliRunner().invoke(app, ["redact", str(photo.parent), "--out", str(tmp_path / "out"),
                                   "--jobs", "1", "--time-limit", "0"])
    assert run.exit_code == 0, run.output
    assert finishes == ["a.png"]


def test_cli_scan_finishes_through_it_without_writing(finishes: list[str], photo: Path,
                                                      fake_detectors: list[FakeDetector]) -> None:
    run = CliRunner().invoke(app, ["scan", str(photo), "--jobs", "1", "--time-limit", "0"])
    assert run.exit_code == 0, run.output
    assert finishes == ["a.png"]


def test_the_inprocess_engine_finishes_through_it(finishes: list[str], photo: Path,
                                                  tmp_path: Path) -> None:
    results: list[ScanResult] = []
    engine: Engine = ENGINES.get("inprocess")(ScanConfig(), FakeFactory((FACE,)), 1)
    with engine:
        engine.run([Job(photo, "a.png", tmp_path / "a.png")], results.append)
    assert [r.status for r in results] == [Status.REDACTED]
    assert finishes == ["a.png"]


def test_watch_finishes_through_it(finishes: list[str], photo: Path, tmp_path: Path) -> None:
    watcher = Watcher(photo.parent, tmp_path / "outbox",
                      Run(ScanConfig(time_limit_s=0), FakeFactory((FACE,)), BatchOptions(jobs=1)))
    results = watcher.watch(0.01, once=True)
    assert [r.status for r in results] == [Status.REDACTED]
    assert finishes == ["a.png"]


def test_the_review_page_finishes_through_it(finishes: list[str], photo: Path,
                                             tmp_path: Path) -> None:
    pipeline = Pipeline(ScanConfig(output_format=OutputFormat.PNG),
                        detectors=[FakeDetector([FACE])])
    scanned = review.scan(pipeline, photo, display="a.png")
    finishes.clear()  # the scan itself is the CLI's process, finished above
    done = review.render(pipeline, photo, scanned, review.Decisions(keep=frozenset({0})),
                         output=tmp_path / "a.png")
    assert done.result.status is Status.CLEAN
    assert finishes == ["a.png"]


class _NoOp:
    """A redaction style that changes nothing: the bug the unchanged-pixels check is for."""

    name = "noop"

    def redact(self, image: np.ndarray, shapes: object) -> np.ndarray:
        return image.copy()


@pytest.mark.parametrize("verify", [True, False], ids=["verify", "no-verify"])
def test_a_redaction_that_changed_nothing_fails_closed_either_way(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, verify: bool) -> None:
    """The unchanged-pixels check is part of finishing, not of --verify's second look, for the
    CLI's process and the review page alike."""
    monkeypatch.setattr(REDACTORS, "get", lambda name: lambda config: _NoOp())
    source = write(tmp_path / "a.png", png_bytes(noise(120, 90, seed=3)))
    pipeline = Pipeline(ScanConfig(verify=verify), detectors=[FakeDetector([FACE])])
    out = tmp_path / "out.png"
    result = pipeline.process(source, out)
    assert result.status is Status.ERROR
    assert "unchanged" in (result.error or "")
    assert not out.exists()
    face = Finding(FindingKind.FACE, FACE, 0.9, "fake", Action.MOSAIC)
    scanned = ScanResult("a.png", Status.REDACTED, width=120, height=90, format="PNG",
                         findings=(face,))
    done = review.render(pipeline, source, scanned, review.Decisions(), output=out)
    assert done.result.status is Status.ERROR and "unchanged" in (done.result.error or "")
    assert done.pixels is None and not out.exists()


def test_a_preview_neither_checks_nor_writes(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(REDACTORS, "get", lambda name: lambda config: _NoOp())
    source = write(tmp_path / "a.png", png_bytes(noise(120, 90, seed=3)))
    pipeline = Pipeline(ScanConfig(), detectors=[FakeDetector([FACE])])
    face = Finding(FindingKind.FACE, FACE, 0.9, "fake", Action.MOSAIC)
    scanned = ScanResult("a.png", Status.REDACTED, width=120, height=90, format="PNG",
                         findings=(face,))
    out = tmp_path / "o.png"
    preview = review.render(pipeline, source, scanned, review.Decisions(), output=out,
                            check=False)
    assert preview.result.status is Status.REDACTED and preview.pixels is not None
    assert not out.exists()
