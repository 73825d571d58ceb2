"""Photos one after another in this process: ``--jobs 1`` with no time limit (as before
workers existed). A photo cannot be stopped here, so no time limit applies."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from scanner.batch.engines.base import DetectorFactory, ProgressFn, ResultFn
from scanner.batch.engines.work import build_pipeline, process_job
from scanner.errors import EngineError, ScannerError

if TYPE_CHECKING:
    from scanner.batch.plan import Job
    from scanner.config import ScanConfig
    from scanner.pipeline.process import Pipeline


class InProcessEngine:
    name = "inprocess"

    def __init__(self, config: ScanConfig, factory: DetectorFactory, jobs: int = 1) -> None:
        self.config = config
        self.factory = factory
        self._pipeline: Pipeline | None = None

    def __enter__(self) -> InProcessEngine:
        try:
            self._pipeline = build_pipeline(self.config, self.factory)
        except ScannerError as exc:
            raise EngineError(str(exc)) from exc
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._pipeline = None

    def run(self, jobs: Sequence[Job], on_result: ResultFn,
            on_progress: ProgressFn | None = None) -> None:
        if self._pipeline is None:
            raise EngineError("the engine was not started")
        for job in jobs:
            progress = None
            if on_progress is not None and job.video:
                def progress(stage: str, done: int, total: int, name: str = job.display) -> None:
                    on_progress(name, stage, done, total)
            on_result(process_job(self._pipeline, job, progress))
