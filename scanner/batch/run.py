"""A whole ``scan`` or ``redact`` run: lock the output folder, plan, resume, run the work list
on an engine, journal every result as it comes, and write the final reports.

The CLI sits on top of this (options, progress bar, exit codes); it prints nothing itself.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner import fsio
from scanner.batch import plan as batch
from scanner.config import EngineChoice, ScanConfig, settings
from scanner.errors import UsageError
from scanner.types import ScanResult

if TYPE_CHECKING:
    from scanner.batch.engines.base import DetectorFactory, Engine, ProgressFn

log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True)
class BatchOptions:
    engine: EngineChoice = EngineChoice.LOCAL
    jobs: int = 1  # worker processes (local) or concurrent tasks (ray)
    resume: bool = False
    rename: bool = False
    lang: str = "en"  # of the HTML report


@dataclass(frozen=True, slots=True)
class Run:
    """Everything a batch is told, as one value: what to find and how to hide it (``config``),
    how each worker builds its detectors (``factory``), and how to run (``options``). The
    settings a report records are derived from ``config`` where they are recorded."""

    config: ScanConfig
    factory: DetectorFactory
    options: BatchOptions = field(default_factory=BatchOptions)


def cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


WORKER_BYTES = 2**30  # what one worker may need: ~650 MB measured on 8-16 MP photos, + headroom
MEMORY_SHARE = 0.75  # of the memory available now that default workers may take


def available_memory() -> int | None:
    """Bytes of memory available to new processes now (Linux: MemAvailable), None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def default_jobs() -> int:
    """One worker per core, but no more than the free memory holds: each worker loads its own
    models, so on a laptop with many cores and little memory one per core would swap."""
    jobs = cores()
    free = available_memory()
    if free is not None:
        fits = max(1, int(free * MEMORY_SHARE) // WORKER_BYTES)
        if fits < jobs:
            log.info("%d worker(s), not %d: %.1f GB of memory is available", fits, jobs,
                     free / 1e9)
            jobs = fits
    return jobs


def engine_for(run: Run) -> Engine:
    """The engine a run uses. ``--jobs 1`` with no time limit stays in this process (a photo
    running here cannot be stopped, so any time limit needs a worker process)."""
    from scanner.batch.engines.builtins import ENGINES

    config, options = run.config, run.options
    name = options.engine.value
    if name == "local" and options.jobs <= 1 and config.time_limit_s <= 0:
        name = "inprocess"
    if name == "local" and options.jobs > 1 and config.threads <= 0:
        # N workers each with every core would fight over them: share the cores out.
        config = replace(config, threads=max(1, cores() // options.jobs))
    return ENGINES.get(name)(config, run.factory, options.jobs)


def _capped(run: Run, photos: int) -> Run:
    """No more workers than photos: each one loads every model (see WORKER_BYTES). 0 stays 0
    (Ray: every CPU)."""
    if run.options.jobs > 0 and photos > 0:
        return replace(run, options=replace(run.options, jobs=min(run.options.jobs, photos)))
    return run


def run_info(options: BatchOptions) -> dict[str, Any]:
    return {"engine": options.engine.value, "jobs": options.jobs}


def run_scan(paths: list[Path], run: Run, on_start: Callable[[int], None] | None = None,
             on_result: Callable[[ScanResult], None] | None = None,
             on_progress: ProgressFn | None = None) -> list[ScanResult]:
    """Analyse only: no outputs, no lock, no journal."""
    work = batch.plan(paths, None, run.config)
    _require_photos(work, paths)
    done: list[ScanResult] = []

    def record(result: ScanResult) -> None:
        done.append(result)
        if on_result is not None:
            on_result(result)

    if on_start is not None:
        on_start(len(work.jobs))
    if work.jobs:
        with engine_for(_capped(run, len(work.jobs))) as engine:
            engine.run(work.jobs, record, on_progress)
    return sorted([*work.skipped, *done], key=lambda r: r.source)


def run_redact(paths: list[Path], out: Path, run: Run,
               on_start: Callable[[int], None] | None = None,
               on_result: Callable[[ScanResult], None] | None = None,
               on_progress: ProgressFn | None = None) -> list[ScanResult]:
    """Redact into ``out`` and write its reports. Raises UsageError (bad arguments, folder
    busy), EngineError (models cannot load) or another ScannerError (reports not written)."""
    from scanner.batch.lock import OutputLock
    from scanner.errors import EngineError

    for item in paths:
        if not item.exists() and not item.is_symlink():
            raise UsageError(f"{item} does not exist")
    batch.check_output_folder(paths, out)
    lock = OutputLock(out)
    with lock:
        try:
            work = batch.plan(paths, out, run.config, rename=run.options.rename)
            _require_photos(work, paths)
        except UsageError:
            lock.release()
            lock.remove_folder_if_unused()
            raise
        sweep_temp_files(out)
        carried, todo = (_resume(work, out, run.config) if run.options.resume
                         else ([], work.jobs))
        if carried:
            log.info("resuming: %d photo(s) already done, %d to do", len(carried), len(todo))
        if on_start is not None:
            on_start(len(todo))
        try:
            results = _run_journalled(work, carried, list(todo), out, run, on_result,
                                      on_progress)
        except EngineError:
            # The models could not load, so nothing was written: leave no empty folder behind.
            lock.release()
            lock.remove_folder_if_unused()
            raise
    return results


def _require_photos(work: batch.WorkList, paths: list[Path]) -> None:
    """A run with no photo to work on is a mistake worth saying (a wrong folder), not a
    success."""
    if work.jobs:
        return
    where = ", ".join(str(p) for p in paths[:3]) + (" ..." if len(paths) > 3 else "")
    skipped = len(work.skipped)
    also = f" ({skipped} other file{'s' if skipped != 1 else ''} skipped)" if skipped else ""
    raise UsageError(f"no photos found in {where}{also}")


def _run_journalled(work: batch.WorkList, carried: list[ScanResult], todo: list[batch.Job],
                    out: Path, run: Run,
                    on_result: Callable[[ScanResult], None] | None,
                    on_progress: ProgressFn | None = None) -> list[ScanResult]:
    from scanner.batch.journal import Journal
    from scanner.report.json import result_dict

    done: list[ScanResult] = []
    with contextlib.ExitStack() as stack:
        # Models load before anything is written: a run that cannot start leaves no journal.
        if todo:
            engine: Engine | None = stack.enter_context(
                engine_for(_capped(run, len(todo))))
        else:
            engine = None
        journal = Journal(out, mode="redact", settings=settings(run.config),
                          carried=[result_dict(r, out) for r in carried])
        try:
            def record(result: ScanResult) -> None:
                done.append(result)
                journal.append(result_dict(result, out))
                if on_result is not None:
                    on_result(result)

            if engine is not None:
                engine.run(todo, record, on_progress)
            results = sorted([*work.skipped, *carried, *done], key=lambda r: r.source)
            write_reports(results, out, settings(run.config), run_info(run.options),
                          run.options.lang)
        except BaseException:
            journal.close()  # kept: --resume picks up from it
            raise
        journal.close(remove=True)
    return results


def sweep_temp_files(out: Path) -> int:
    """Remove temp files a killed run left in ``out`` (we hold its lock: none is in use).
    They hold redacted pixels only, but a half-written file must not linger."""
    removed = 0
    for root, dirs, files in os.walk(out, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith(".postsafe-") and name.endswith(".tmp"):
                try:
                    os.unlink(os.path.join(root, name))
                    removed += 1
                except OSError as exc:
                    log.warning("could not remove %s: %s", name, exc.strerror or exc)
    if removed:
        log.info("removed %d temp file(s) left by an interrupted run", removed)
    return removed


def write_reports(results: list[ScanResult], out: Path, settings: dict[str, Any],
                  run: dict[str, Any] | None = None, lang: str = "en",
                  mode: str = "redact") -> None:
    from scanner.report.html import write_html_report
    from scanner.report.json import write_json_report

    write_json_report(results, out / batch.REPORT_JSON, out_root=out, mode=mode,
                      settings=settings, run=run)
    write_html_report(results, out / batch.REPORT_HTML, out_root=out, lang=lang)


def _resume(work: batch.WorkList, out: Path,
            config: ScanConfig) -> tuple[list[ScanResult], list[batch.Job]]:
    from scanner.batch.journal import carry_over, read_previous, resumable, still_valid

    records = read_previous(out, batch.REPORT_JSON)
    index = resumable(records, out, settings(config))
    if records and not index:
        log.warning("--resume: no finished photo from an earlier run with these settings; "
                    "doing every photo")
    carried: list[ScanResult] = []
    todo: list[batch.Job] = []
    for job in work.jobs:
        assert job.output is not None
        record = index.get(fsio.path_key(job.output))
        if record is not None and still_valid(record, job.source, job.output):
            try:
                carried.append(carry_over(record, job.display, job.output, out))
                continue
            except (KeyError, ValueError, TypeError):
                log.debug("%s: earlier record unusable", job.display, exc_info=True)
        todo.append(job)
    return carried, todo
