"""Batch engines: run the one per-photo function (scanner.batch.engines.work) over a work list.

``inprocess`` runs photos one after another in this process (``--jobs 1`` without a time
limit); ``local`` runs them in worker processes on this machine; ``ray`` as Ray tasks on a
cluster. All three call the same function and return the same results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from scanner.errors import ScannerError

if TYPE_CHECKING:
    from scanner.batch.plan import Job
    from scanner.config import ScanConfig
    from scanner.detectors.base import Detector
    from scanner.types import ScanResult

DetectorFactory = Callable[["ScanConfig"], "list[Detector]"]
ResultFn = Callable[["ScanResult"], None]


class EngineError(ScannerError):
    """The engine could not start (e.g. a worker could not load its models)."""


class Engine(Protocol):
    """Runs jobs; calls ``on_result`` once per job, in completion order, in this process.

    Used as a context manager: workers (and their models) start on enter and stay up for
    every ``run`` until exit, so models load once per worker, not per photo or per run.
    """

    name: str

    def __enter__(self) -> Engine: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def run(self, jobs: Sequence[Job], on_result: ResultFn) -> None: ...


EngineFactory = Callable[["ScanConfig", DetectorFactory, int], Engine]

_REGISTRY: dict[str, EngineFactory] = {}


def register(name: str, factory: EngineFactory) -> None:
    if name in _REGISTRY:
        raise ScannerError(f"engine {name!r} is already registered")
    _REGISTRY[name] = factory


def get(name: str) -> EngineFactory:
    register_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ScannerError(
            f"no engine named {name!r} (registered: {', '.join(sorted(_REGISTRY)) or 'none'})"
        ) from None


def register_builtins() -> None:
    """Register the built-in engines once (Ray itself is imported only when used)."""
    if "inprocess" not in _REGISTRY:
        from scanner.batch.engines.inprocess import InProcessEngine
        from scanner.batch.engines.local import ProcessEngine
        from scanner.batch.engines.ray import RayEngine

        register("inprocess", InProcessEngine)
        register("local", ProcessEngine)
        register("ray", RayEngine)
