"""Start-up of a run (the warm-start work): the parent of worker processes does not import the
detectors, numpy or OpenCV before its workers start; detectors swapped in for tests and
benchmarks still reach the workers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import FakeDetector

from scanner.batch.engines.work import default_detectors
from scanner.cli.main import _batch, _config, _options
from scanner.config import ScanConfig


def test_the_factory_is_the_swapped_one_when_the_pipeline_is_imported(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import scanner.pipeline.process

    def fake(config: ScanConfig) -> list:
        return [FakeDetector()]

    monkeypatch.setattr(scanner.pipeline.process, "build_detectors", fake)
    assert _batch(_config(), _options(1)).factory is fake


def test_a_stand_in_factory_when_nothing_imported_the_pipeline(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import scanner.pipeline.process

    monkeypatch.delitem(sys.modules, "scanner.pipeline.process")
    assert _batch(_config(), _options(1)).factory is default_detectors
    monkeypatch.setitem(sys.modules, "scanner.pipeline.process", scanner.pipeline.process)
    # The stand-in looks build_detectors up when called, where the detectors are built.
    made = [FakeDetector()]
    monkeypatch.setattr(scanner.pipeline.process, "build_detectors", lambda config: made)
    assert default_detectors(ScanConfig()) is made


@pytest.mark.integration  # a child process
def test_the_cli_parent_imports_no_detectors_before_its_workers_start() -> None:
    script = textwrap.dedent("""
        import sys
        from scanner.cli.main import _batch, _config, _options
        from scanner.batch.run import engine_for
        run = _batch(_config(time_limit=60), _options(2))
        heavy = [m for m in ("numpy", "cv2", "onnxruntime", "onnx", "scanner.pipeline.process",
                             "scanner.detectors.faces") if m in sys.modules]
        print(",".join(heavy) or "none")
    """)
    done = subprocess.run([sys.executable, "-P", "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).parent,
                          env={"PYTHONPATH": str(Path(__file__).parents[1])})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "none"
