"""Fixtures and hooks only; the builders and fakes they use live in helpers.py.

Autouse fixtures keep every test hermetic: Pillow's bomb limit restored, batches in this process,
no user-added models.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers import COUNTS, HAS_EXIFTOOL, FakeDetector, PipelineFactory, clear_model_caches
from PIL import Image

from scanner.config import ScanConfig
from scanner.pipeline.process import Pipeline
from scanner.types import Region

# ------------------------------------------------------------------------------------------
# hooks


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``@pytest.mark.exiftool`` tests skip themselves when the binary is missing."""
    if HAS_EXIFTOOL:
        return
    skip = pytest.mark.skip(reason="exiftool is not installed")
    for item in items:
        if "exiftool" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if COUNTS:
        terminalreporter.write_line(
            "hostile/fuzz counts: " + ", ".join(f"{k}={v}" for k, v in sorted(COUNTS.items()))
        )


# ------------------------------------------------------------------------------------------
# hermetic tests


@pytest.fixture(autouse=True)
def _restore_pillow_bomb_limit():
    """decode() sets Pillow's process-wide MAX_IMAGE_PIXELS from its config; a test that uses
    a tiny limit must not leak it into the next test's plain Image.open calls."""
    saved = Image.MAX_IMAGE_PIXELS
    yield
    Image.MAX_IMAGE_PIXELS = saved


@pytest.fixture(autouse=True)
def _batches_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests swap fake detectors into this process (``fake_detectors``, monkeypatched
    ``build_detectors``), which worker processes would not see: CLI runs here default to
    ``--jobs 1`` without a time limit (in-process) unless a test passes those options."""
    monkeypatch.setenv("POSTSAFE_JOBS", "1")
    monkeypatch.setenv("POSTSAFE_TIME_LIMIT", "0")


@pytest.fixture(scope="session")
def _empty_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("no-user-models")


@pytest.fixture(autouse=True)
def _isolated_user_models(_empty_models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see models the developer added (``postsafe models add`` writes to
    ~/.local/share/postsafe/models); tests about added models point this elsewhere."""
    monkeypatch.setenv("POSTSAFE_MODELS_DIR", str(_empty_models_dir))


@pytest.fixture
def user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty models folder for ``postsafe models add``/``fetch`` (not created yet), with the
    manifest and session caches cleared before and after."""
    folder = tmp_path / "user-models"
    monkeypatch.setenv("POSTSAFE_MODELS_DIR", str(folder))
    clear_model_caches()
    yield folder
    clear_model_caches()


# ------------------------------------------------------------------------------------------
# pictures


@pytest.fixture(scope="session")
def _astronaut_cached() -> np.ndarray:
    from skimage import data as skdata

    img = np.ascontiguousarray(skdata.astronaut())
    img.setflags(write=False)
    return img


@pytest.fixture
def astronaut(_astronaut_cached: np.ndarray) -> np.ndarray:
    """skimage.data.astronaut(): (512, 512, 3) uint8, public domain (NASA), a real face."""
    return _astronaut_cached.copy()


# ------------------------------------------------------------------------------------------
# pipelines on fake detectors


@pytest.fixture
def fake_pipeline() -> PipelineFactory:
    """``fake_pipeline(regions=(), config=None, detector=None)`` -> Pipeline on fakes only."""

    def build(
        regions: Iterable[Region] = (),
        config: ScanConfig | None = None,
        detector: FakeDetector | None = None,
    ) -> Pipeline:
        det = detector if detector is not None else FakeDetector(regions)
        return Pipeline(config or ScanConfig(), detectors=[det])

    return build


@pytest.fixture
def fake_detectors(monkeypatch: pytest.MonkeyPatch) -> list[FakeDetector]:
    """Make every Pipeline built without explicit detectors use one FakeDetector (no model).

    Returns the list the fake is in, so a test can change its regions.
    """
    dets: list[FakeDetector] = [FakeDetector()]
    monkeypatch.setattr("scanner.pipeline.process.build_detectors", lambda config: list(dets))
    return dets
