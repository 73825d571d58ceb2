"""Ray tasks: the same per-photo function (scanner.batch.engines.work.process_job) on a Ray cluster.

For archives too large for one machine: ``ray start --head`` on one machine, ``ray start
--address=HEAD:6379`` on the others, the photos and the output folder on storage every
machine mounts at the same path, then ``RAY_ADDRESS=HEAD:6379 postsafe redact ... --engine
ray``. Without RAY_ADDRESS, Ray joins a cluster started on this machine or starts a local one.

Tasks carry paths, never pixels: each task reads its source and writes its output on the
shared storage itself, and returns the small result. Every Ray worker process builds its
detectors once (a module-level cache), so models load once per worker, not per photo. At
most ``jobs`` (default: the cluster's CPUs) tasks are in flight, so the driver's memory stays
flat. The time limit is counted from submission (which includes a worker's one-time model
loading); a task over it is cancelled with its worker process killed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING, Any

from scanner.batch.engines.base import DetectorFactory, ProgressFn, ResultFn
from scanner.batch.engines.work import (
    build_pipeline,
    failed,
    file_identity,
    limit_threads,
    process_job,
    remove_if_changed,
)
from scanner.errors import EngineError, ScannerError

if TYPE_CHECKING:
    from scanner.batch.plan import Job
    from scanner.config import ScanConfig
    from scanner.pipeline.process import Pipeline

log = logging.getLogger(__name__)

_PIPELINES: dict[Any, Pipeline] = {}  # in each Ray worker process: built once, reused
_SETUP_ERROR = "postsafe-setup-error"
_STOP_GRACE_S = 5.0


def _pipeline(config: ScanConfig, factory: DetectorFactory) -> Pipeline:
    # Both parts hash by value (ScanConfig is frozen; a factory is a module-level function
    # or a frozen object), so every task of a run finds the pipeline its worker built.
    key = (config, factory)
    if key not in _PIPELINES:
        limit_threads(config.threads)
        _PIPELINES[key] = build_pipeline(config, factory)
    return _PIPELINES[key]


def process_remote(config: ScanConfig, factory: DetectorFactory,
                   job: Job) -> Any:
    """The body of one Ray task (module-level so every worker imports the same function)."""
    try:
        pipeline = _pipeline(config, factory)
    except ScannerError as exc:
        return (_SETUP_ERROR, str(exc))
    return process_job(pipeline, job)


class RayEngine:
    name = "ray"

    def __init__(self, config: ScanConfig, factory: DetectorFactory, jobs: int = 0) -> None:
        # One CPU per task: one thread each for onnxruntime and OpenCV.
        self.config = replace(config, threads=1) if config.threads <= 0 else config
        self.factory = factory
        self.jobs = jobs
        self._owns_ray = False
        self._ray: Any = None
        self._task: Any = None
        self._concurrency = 1

    def __enter__(self) -> RayEngine:
        try:
            import ray
        except ImportError as exc:
            raise EngineError("the ray engine needs Ray: pip install 'postsafe[ray]'") from exc
        self._ray = ray
        if not ray.is_initialized():
            address = os.environ.get("RAY_ADDRESS") or None
            try:
                ray.init(address=address, include_dashboard=False, log_to_driver=False,
                         logging_level=logging.WARNING)
            except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ...
                where = address or "a local Ray instance"
                raise EngineError(f"cannot start or reach {where}: {exc}") from exc
            self._owns_ray = True
        self._task = ray.remote(num_cpus=1, max_retries=0)(process_remote)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self._concurrency = max(1, self.jobs or cpus)
        log.info("ray: %d CPU(s) in the cluster, %d task(s) at a time", cpus, self._concurrency)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._owns_ray and self._ray is not None:
            self._ray.shutdown()
        self._owns_ray = False

    def run(self, jobs: Sequence[Job], on_result: ResultFn,
            on_progress: ProgressFn | None = None) -> None:
        """``on_progress`` is not called: a Ray task reports only its result."""
        ray = self._ray
        if ray is None:
            raise EngineError("the engine was not started")
        config_ref = ray.put(self.config)
        factory_ref = ray.put(self.factory)
        pending = deque(jobs)
        running: dict[Any, tuple[Job, float | None, tuple[int, int, int] | None]] = {}
        try:
            while pending or running:
                while pending and len(running) < self._concurrency:
                    job = pending.popleft()
                    limit = job.limit(self.config)
                    deadline = time.monotonic() + limit if limit > 0 else None
                    ref = self._task.remote(config_ref, factory_ref, job)
                    running[ref] = (job, deadline, file_identity(job.output))
                deadlines = [d for _, d, _ in running.values() if d is not None]
                timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
                ready, _ = ray.wait(list(running), num_returns=1, timeout=timeout)
                for ref in ready:
                    job, _, _ = running.pop(ref)
                    on_result(self._collect(ref, job))
                now = time.monotonic()
                for ref, (job, deadline, _) in list(running.items()):
                    if deadline is not None and now >= deadline:
                        self._stop({ref: running.pop(ref)})
                        on_result(failed(job, f"took longer than {job.limit(self.config):g} s; "
                                              "no safe copy was made"))
        finally:
            if running:
                self._stop(running)

    def _stop(self, tasks: dict[Any, tuple[Job, float | None, tuple[int, int, int] | None]]
              ) -> None:
        """Cancel tasks and wait (a bounded time) until they have ended: only then can an
        output one renamed into place at the last moment be removed for good (the report
        says no copy was made, so none may be left)."""
        ray = self._ray
        # Cancelled tasks end as errors; and this also runs on the way out, Ray perhaps gone.
        for ref in tasks:
            with contextlib.suppress(Exception):
                ray.cancel(ref, force=True)
        with contextlib.suppress(Exception):
            ray.wait(list(tasks), num_returns=len(tasks), timeout=_STOP_GRACE_S)
        for job, _, before in tasks.values():
            remove_if_changed(job.output, before)

    def _collect(self, ref: Any, job: Job) -> Any:
        try:
            result = self._ray.get(ref)
        except Exception as exc:  # the task's worker died or Ray lost it
            log.debug("%s: ray task failed", job.display, exc_info=True)
            return failed(job, f"the Ray task processing it failed ({type(exc).__name__}); "
                               "no safe copy was made")
        if isinstance(result, tuple) and result and result[0] == _SETUP_ERROR:
            raise EngineError(str(result[1]))
        return result


