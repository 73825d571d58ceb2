"""The Engine protocol: runs the one per-photo function over a work list."""


from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from scanner.batch.plan import Job
    from scanner.config import ScanConfig
    from scanner.detectors.base import Detector
    from scanner.types import ScanResult

DetectorFactory = Callable[["ScanConfig"], "list[Detector]"]
ResultFn = Callable[["ScanResult"], None]
# A clip's progress: (its display name, stage, frames done, frames expected).
ProgressFn = Callable[[str, str, int, int], None]


class Engine(Protocol):
    """Runs jobs; calls ``on_result`` once per job, in completion order, in this process.

    Used as a context manager: workers (and their models) start on enter and stay up for
    every ``run`` until exit, so models load once per worker, not per photo or per run.
    """

    name: str

    def __enter__(self) -> Engine: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def run(self, jobs: Sequence[Job], on_result: ResultFn,
            on_progress: ProgressFn | None = None) -> None: ...


EngineFactory = Callable[["ScanConfig", DetectorFactory, int], Engine]
