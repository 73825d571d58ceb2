"""Fixtures and hooks only; the builders and fakes they use live in helpers.py.

Autouse fixtures keep every test hermetic: Pillow's bomb limit restored, batches in this process,
no user-added models. Two guards watch the whole session:

* the fast lane is honest: a test not marked ``integration`` that loads or runs one of the
  built-in models (CenterFace, PP-OCRv4) fails, so ``-m "not integration"`` never waits on them;
* nothing reaches the network: a socket connection or a name lookup for anything but this
  machine fails the test (loopback, this machine's own addresses and AF_UNIX are fine).
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import COUNTS, HAS_EXIFTOOL, FakeDetector, PipelineFactory, clear_model_caches
from PIL import Image

from scanner.config import ScanConfig
from scanner.pipeline.process import Pipeline
from scanner.types import Region

# Libraries that phone home when left alone: tests run (and their child processes start) offline.
OFFLINE_ENV = {
    "YOLO_OFFLINE": "1",  # ultralytics: no online checks, no downloads
    "YOLO_AUTOINSTALL": "False",  # ultralytics: never pip-install at run time
    "HF_HUB_OFFLINE": "1",  # huggingface_hub, if anything imports it
    "RAY_USAGE_STATS_ENABLED": "0",  # Ray: no usage report to ray.io
}
os.environ.update(OFFLINE_ENV)

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


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture of ``item``: whether it may use the real models, and a clean record
    of what the guards caught."""
    _TEST.start(item)


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


@pytest.fixture(scope="session", autouse=True)
def _isolated_model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Rewritten model files are cached in a folder of this test session, never in the
    developer's ~/.cache (shared by the session's tests, as runs share the user's). Session
    scope: module-scoped fixtures load models before any function-scoped one runs."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POSTSAFE_CACHE_DIR", str(tmp_path_factory.mktemp("model-cache")))
        yield


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


# ------------------------------------------------------------------------------------------
# guards: real models only in integration tests, no network anywhere


class RealModelUsed(BaseException):
    """A test not marked ``integration`` loaded or ran a built-in model. A BaseException, so
    that the pipeline's fail-closed handlers (``except Exception``) cannot turn it into an
    ordinary error result that a test might expect."""


class NetworkUsed(socket.gaierror):
    """A test tried to reach another machine. An OSError (a gaierror, as a name lookup without
    network raises), so that code under test takes its offline path; the test still fails at
    teardown."""


class _CurrentTest:
    """What the running test may do, and what the guards caught while it ran (its fixtures'
    set-up included)."""

    def __init__(self) -> None:
        self.nodeid = ""
        self.models_allowed = True  # outside tests (collection)
        self.caught: list[str] = []
        self.expected_network: list[str] | None = None  # see the network_attempts fixture
        self.built_in_cached = False  # a built-in session sits in scanner.models.onnx's cache
        self.pending = threading.local()  # a built-in model's bytes read, its session not built

    def start(self, item: pytest.Item) -> None:
        self.nodeid = item.nodeid
        self.models_allowed = item.get_closest_marker("integration") is not None
        self.caught = []
        self.expected_network = None
        self.pending = threading.local()
        if not self.models_allowed and self.built_in_cached:
            # A cached session would let an unmarked test get a real model without loading
            # it, and pass in the full run but not in the fast lane.
            from scanner.models import onnx

            onnx.session.cache_clear()
            self.built_in_cached = False

    def model_used(self, name: str, how: str) -> None:
        message = (f"{self.nodeid} {how} the real model {name!r} but is not marked "
                   "integration: mark it @pytest.mark.integration, or use fake detectors")
        self.caught.append(message)
        raise RealModelUsed(message)

    def network_used(self, what: str) -> None:
        message = f"{self.nodeid} tried to reach the network: {what}"
        if self.expected_network is not None:
            self.expected_network.append(what)
        else:
            self.caught.append(message)
        raise NetworkUsed(message)


_TEST = _CurrentTest()


@pytest.fixture(scope="session", autouse=True)
def _guards() -> Iterator[None]:
    """Installed once, before every other fixture; what they catch is reported per test by
    ``_nothing_caught``."""
    with pytest.MonkeyPatch.context() as mp:
        _guard_real_models(mp)
        _guard_network(mp)
        yield


@pytest.fixture
def network_attempts() -> Iterator[list[str]]:
    """For a test of how code behaves offline: the guard still refuses every lookup and
    connection beyond this machine, but lists them here instead of failing the test."""
    attempts: list[str] = []
    _TEST.expected_network = attempts
    yield attempts
    _TEST.expected_network = None


@pytest.fixture(autouse=True)
def _nothing_caught() -> Iterator[None]:
    yield
    if _TEST.caught:
        pytest.fail("\n".join(dict.fromkeys(_TEST.caught)), pytrace=False)


def _guard_real_models(mp: pytest.MonkeyPatch) -> None:
    """Every built-in model reaches onnxruntime through scanner.models.onnx.session, which
    reads it with ``read_verified``: a read for a test not marked integration fails, and the
    session built from it is tagged so that running it later fails too."""
    import onnxruntime as ort

    from scanner.models import onnx

    read_verified = onnx.read_verified

    def guarded_read(spec: Any) -> bytes:
        data = read_verified(spec)  # a file that fails its checks loads nothing: not caught
        if not spec.added:
            if not _TEST.models_allowed:
                _TEST.model_used(spec.name, "loaded")
            _TEST.built_in_cached = True
            _TEST.pending.name = spec.name
        return data

    mp.setattr(onnx, "read_verified", guarded_read)

    cls = ort.InferenceSession
    init = cls.__init__

    def guarded_init(self: Any, *args: Any, **kwargs: Any) -> None:
        name, _TEST.pending.name = getattr(_TEST.pending, "name", None), None
        init(self, *args, **kwargs)
        if name is not None:
            self._postsafe_built_in = name

    mp.setattr(cls, "__init__", guarded_init)
    for method in ("run", "run_with_ort_values", "run_with_iobinding"):
        if hasattr(cls, method):
            mp.setattr(cls, method, _guarded_run(getattr(cls, method)))


def _guarded_run(run: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(run)
    def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
        name = getattr(self, "_postsafe_built_in", None)
        if name is not None and not _TEST.models_allowed:
            _TEST.model_used(name, "ran")
        return run(self, *args, **kwargs)

    return guarded


_LOCAL_NAMES = frozenset({"", "localhost", "localhost.localdomain", "ip6-localhost",
                          "ip6-loopback"})


@functools.lru_cache(maxsize=64)
def _assigned_here(address: str, family: int) -> bool:
    """Whether ``address`` is one of this machine's own (binding to it needs no network)."""
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.bind((address, 0))
    except OSError:
        return False
    return True


def _is_local(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    name = str(host).lower().rstrip(".")
    if name in _LOCAL_NAMES or name.endswith(".localhost") or name == socket.gethostname().lower():
        return True
    try:
        ip = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False  # a name to look up: nothing outside this machine needs resolving
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback or ip.is_unspecified:
        return True
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    return _assigned_here(str(ip), family)


def _guard_network(mp: pytest.MonkeyPatch) -> None:
    def check(sock: socket.socket, address: Any, what: str) -> None:
        if (sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple)
                and not _is_local(address[0])):
            _TEST.network_used(f"{what} {address[:2]!r}")

    def wrap_method(name: str, address_at: int) -> None:
        original = getattr(socket.socket, name)

        @functools.wraps(original)
        def guarded(self: socket.socket, *args: Any) -> Any:
            if len(args) > address_at:
                check(self, args[-1] if name == "sendto" else args[address_at], name)
            return original(self, *args)

        mp.setattr(socket.socket, name, guarded)

    wrap_method("connect", 0)
    wrap_method("connect_ex", 0)
    wrap_method("sendto", 1)  # sendto(data, address) or sendto(data, flags, address)

    def wrap_lookup(name: str) -> None:
        original = getattr(socket, name)

        @functools.wraps(original)
        def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
            if not _is_local(host):
                _TEST.network_used(f"{name}({host!r})")
            return original(host, *args, **kwargs)

        mp.setattr(socket, name, guarded)

    for lookup in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        wrap_lookup(lookup)
