"""Worker processes on this machine, sharing nothing but the work list.

Each worker is a fresh interpreter (``spawn``: no inherited threads, locks or model sessions)
that builds its detectors once, then takes one job at a time over its own pipe. The parent
hands out jobs, enforces the per-photo time limit and replaces any worker that overran it or
died (a crash in native decoding code, the OOM killer): that photo becomes an error with a
one-line reason, whatever the killed worker had half written is removed, and the batch goes on.
Results are small (no pixels), so memory stays flat however long the batch.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
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
    from multiprocessing.process import BaseProcess

    from scanner.batch.plan import Job
    from scanner.config import ScanConfig

log = logging.getLogger(__name__)

_STOP_GRACE_S = 5.0


def _die_with_parent() -> None:
    """Linux: a worker whose parent is killed stops at once, rather than finishing a photo
    nobody will record (its output would then look like a stranger's file to the next run)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _worker_main(conn: Connection, config: ScanConfig, factory: DetectorFactory) -> None:
    _die_with_parent()
    # Ctrl-C reaches the whole process group; the parent decides what stops and when.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_threads(config.threads)
    try:
        pipeline = build_pipeline(config, factory)
    except ScannerError as exc:
        conn.send(("setup-error", str(exc)))
        return
    except Exception as exc:  # report any start-up failure to the parent, then stop
        conn.send(("setup-error", f"{type(exc).__name__}: {str(exc)[:200]}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the parent has gone
        if message is None:
            _exit_now(conn)
            return
        index, job = message
        result = process_job(pipeline, job, _reporter(conn, index) if job.video else None)
        try:
            conn.send(("result", index, result))
        except (OSError, ValueError):
            return  # the parent has gone


def _reporter(conn: Connection, index: int) -> Callable[[str, int, int], None]:
    """Sends a clip's progress to the parent, at most at each whole percent of a stage."""
    sent: list[tuple[str, int]] = []

    def progress(stage: str, done: int, total: int) -> None:
        step = (stage, 100 * done // total if total > 0 else done)
        if sent and sent[-1] == step:
            return
        sent[:] = [step]
        with contextlib.suppress(OSError, ValueError):
            conn.send(("progress", index, (stage, done, total)))

    return progress


def _exit_now(conn: Connection) -> None:
    """Stop at once when told to: every result has been sent and nothing else is open, so the
    interpreter's clean-up (the models' sessions, numpy, OpenCV: ~0.1 s the parent waited for
    after a run's last photo) is skipped."""
    import logging as logging_module
    import os

    logging_module.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    conn.close()
    os._exit(0)


@dataclass(slots=True)
class _Task:
    index: int
    job: Job
    deadline: float | None
    before: tuple[int, int, int] | None  # the output file's (inode, size, mtime) before it ran


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    conn: Connection
    ready: bool = False
    task: _Task | None = None


class ProcessEngine:
    name = "local"

    def __init__(self, config: ScanConfig, factory: DetectorFactory, jobs: int = 1) -> None:
        self.config = config
        self.factory = factory
        self.size = max(1, jobs)
        self._ctx = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        self._on_progress: ProgressFn | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> ProcessEngine:
        try:
            for _ in range(self.size):
                self._workers.append(self._start())
            while not all(w.ready for w in self._workers):
                self._receive(wait([w.conn for w in self._workers if not w.ready]), None)
        except BaseException:
            self._stop_all()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop_all()

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker_main, args=(child, self.config, self.factory),
                                    name="postsafe-worker", daemon=True)
        try:
            process.start()
        except Exception as exc:  # e.g. a detector factory that cannot be pickled
            raise EngineError(f"cannot start a worker process: {exc}") from exc
        finally:
            child.close()
        return _Worker(process, parent)

    def _stop_all(self) -> None:
        for w in self._workers:
            if w.task is not None:
                self._kill(w)
                continue
            with contextlib.suppress(OSError, ValueError):
                w.conn.send(None)
        deadline = time.monotonic() + _STOP_GRACE_S
        for w in self._workers:
            w.process.join(max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join()
            w.conn.close()
        self._workers = []

    def _kill(self, w: _Worker) -> None:
        w.process.kill()
        w.process.join()
        if w.task is not None:
            _clean_after(w.task, w.process.pid)

    # -- running ----------------------------------------------------------------------------

    def run(self, jobs: Sequence[Job], on_result: ResultFn,
            on_progress: ProgressFn | None = None) -> None:
        if not self._workers:
            raise EngineError("the engine was not started")
        self._on_progress = on_progress
        pending = deque(enumerate(jobs))
        while pending or any(w.task is not None for w in self._workers):
            for w in self._workers:
                if w.ready and w.task is None and pending:
                    index, job = pending.popleft()
                    before = file_identity(job.output)
                    limit = job.limit(self.config)
                    deadline = time.monotonic() + limit if limit > 0 else None
                    w.task = _Task(index, job, deadline, before)
                    # If it died, its sentinel says so below.
                    with contextlib.suppress(OSError, ValueError):
                        w.conn.send((index, job))
            deadlines = [w.task.deadline for w in self._workers
                         if w.task is not None and w.task.deadline is not None]
            timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            ready = wait([w.conn for w in self._workers]
                         + [w.process.sentinel for w in self._workers], timeout)
            self._receive(ready, on_result)
            self._expire(on_result)

    def _receive(self, ready: list[Any], on_result: ResultFn | None) -> None:
        for i, w in enumerate(list(self._workers)):
            message = None
            if w.conn in ready:
                try:
                    message = w.conn.recv()
                except (EOFError, OSError):
                    message = None
            if message is not None:
                kind = message[0]
                if kind == "ready":
                    w.ready = True
                elif kind == "setup-error":
                    raise EngineError(message[1])
                elif kind == "progress" and w.task is not None and self._on_progress:
                    self._on_progress(w.task.job.display, *message[2])
                elif kind == "result" and w.task is not None and on_result is not None:
                    w.task = None
                    on_result(message[2])
                continue
            if w.conn in ready or w.process.sentinel in ready:
                w.process.join(_STOP_GRACE_S)  # its pipe closed: it is exiting
                if w.process.is_alive():
                    w.process.kill()
                    w.process.join()
                self._replace(i, w, on_result, _death_reason(w.process.exitcode))

    def _expire(self, on_result: ResultFn) -> None:
        now = time.monotonic()
        for i, w in enumerate(list(self._workers)):
            task = w.task
            if task is not None and task.deadline is not None and now >= task.deadline:
                limit = task.job.limit(self.config)
                log.warning("%s: over the %g s time limit; stopping its worker",
                            task.job.display, limit)
                self._replace(i, w, on_result, f"took longer than {limit:g} s")

    def _replace(self, i: int, w: _Worker, on_result: ResultFn | None, reason: str) -> None:
        task = w.task
        self._kill(w)
        w.conn.close()
        self._workers[i] = self._start()
        if task is not None and on_result is not None:
            on_result(failed(task.job, f"{reason}; no safe copy was made"))
        elif not w.ready:
            raise EngineError(f"a worker process stopped while loading its models ({reason})")


def _death_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"the worker processing it was stopped by {name}"
    return f"the worker processing it stopped unexpectedly (exit code {exitcode})"


def _clean_after(task: _Task, pid: int | None) -> None:
    """Remove what a killed worker may have left: its temp file, and an output it renamed
    into place after the deadline (the report says no copy was made, so none may exist)."""
    output = task.job.output
    if output is None:
        return
    if pid is not None:
        with contextlib.suppress(OSError):
            for tmp in output.parent.glob(f".postsafe-{pid}-*.tmp"):
                with contextlib.suppress(OSError):
                    tmp.unlink()
    remove_if_changed(output, task.before)
