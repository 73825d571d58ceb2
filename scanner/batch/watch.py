"""``postsafe watch INBOX --out OUTBOX``: redact photos as they are dropped into a folder.

Polling, no extra dependency. A file is taken only when it is complete: its size and mtime
did not change between two polls AND it decodes completely. Decoding is left to the engine's
workers, as in ``redact``: a file built to crash or hang a decoder costs a worker (replaced,
under ``--time-limit``), never the watch itself. A file that does not decode is set aside,
not reported, and tried again when it changes (a copy still arriving); only once it has been
unchanged and undecodable for ``broken_after_s`` is it reported as an error. Each photo is
done once: it is remembered by the sha256 of its content in OUTBOX's journal and report, so a
restart (or the same photo dropped again under another name) does not redo it. Outputs and reports
are laid out as ``redact`` lays them out; an existing file in OUTBOX is never replaced.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner import fsio
from scanner.batch import plan as batch
from scanner.config import settings
from scanner.errors import ScannerError, UsageError
from scanner.types import ScanResult, Status

if TYPE_CHECKING:
    from scanner.batch.engines.base import Engine
    from scanner.batch.journal import Journal
    from scanner.batch.run import Run

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Seen:
    size: int
    mtime_ns: int
    sha256: str | None = None
    broken_since: float | None = None


class Watcher:
    def __init__(self, inbox: Path, outbox: Path, run: Run, *,
                 broken_after_s: float = 120.0,
                 on_result: Callable[[ScanResult], None] | None = None,
                 on_progress: Callable[[str, str, int, int], None] | None = None) -> None:
        if not inbox.is_dir():
            raise UsageError(f"{inbox} is not a folder")
        batch.check_output_folder([inbox], outbox)
        if batch.is_within(inbox.resolve(), outbox.resolve()):
            raise UsageError(f"the inbox {inbox} is inside the output folder {outbox}")
        self.inbox, self.outbox = inbox, outbox
        self.run = run
        self.broken_after_s = broken_after_s
        self.on_result = on_result
        self.on_progress = on_progress
        self.results: list[ScanResult] = []  # everything OUTBOX's report lists
        self.new_results: list[ScanResult] = []  # what this watch did
        self.done: set[str] = set()  # sha256 of every source handled (any status)
        self._seen: dict[Path, _Seen] = {}
        self._taken: set[str] = set()
        self._stop = threading.Event()
        self._journal: Journal | None = None

    def stop(self) -> None:
        """Ask a running ``watch`` to stop after the current photos (thread-safe)."""
        self._stop.set()

    # -- main loop --------------------------------------------------------------------------

    def watch(self, interval: float = 2.0, *, once: bool = False) -> list[ScanResult]:
        """Poll until stopped (Ctrl-C or ``stop()``); ``once``: until every file present is
        settled, then process it and return. Returns what this watch did."""
        from scanner.batch.journal import Journal
        from scanner.batch.lock import OutputLock
        from scanner.batch.run import engine_for, sweep_temp_files
        from scanner.report.json import result_dict

        with OutputLock(self.outbox), contextlib.ExitStack() as stack:
            sweep_temp_files(self.outbox)  # left by a killed run; we hold the lock
            self._load_state()
            engine = stack.enter_context(engine_for(self.run))
            self._journal = Journal(self.outbox, mode="redact", settings=settings(self.run.config),
                                    carried=[result_dict(r, self.outbox) for r in self.results])
            stopped = False
            try:
                self._write_reports()
                while not self._stop.is_set():
                    ready, waiting = self.poll(final=once)
                    if ready:
                        self._process(engine, ready, final=once)
                        self._write_reports()
                    if once and not waiting:
                        break
                    self._stop.wait(interval)
            except KeyboardInterrupt:
                log.info("watch: stopping")
            finally:
                # Photos in flight when stopped are simply picked up again next time.
                with contextlib.suppress(ScannerError):
                    self._write_reports()
                    stopped = True
                self._journal.close(remove=stopped)
        return sorted(self.new_results, key=lambda r: r.source)

    def poll(self, *, final: bool = False) -> tuple[list[tuple[Path, str]], int]:
        """Files ready to process (path, sha256), and how many are still settling."""
        now = time.monotonic()
        present: set[Path] = set()
        ready: list[tuple[Path, str]] = []
        waiting = 0
        for path in batch.walk(self.inbox):
            if path.name.startswith(".") or path.is_symlink():
                continue  # hidden partial downloads (".x.jpg.part"), links out of the inbox
            try:
                st = path.stat()
            except OSError:
                continue
            present.add(path)
            seen = self._seen.get(path)
            if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
                self._seen[path] = _Seen(st.st_size, st.st_mtime_ns)
                waiting += 1
                continue
            if seen.sha256 is None:  # unchanged since the previous poll: read it
                try:
                    from scanner.fsio import sha256_file

                    seen.sha256 = sha256_file(path)
                except OSError:
                    waiting += 1
                    continue
            if seen.sha256 in self.done:
                continue
            if self._settled(seen, now, final):
                ready.append((path, seen.sha256))
            else:
                waiting += 1
        for gone in set(self._seen) - present:
            del self._seen[gone]
        return ready, waiting

    def _settled(self, seen: _Seen, now: float, final: bool) -> bool:
        """Unchanged since the last poll, and either never tried or undecodable for long
        enough to report (a file that changes starts afresh, with no ``broken_since``)."""
        if seen.broken_since is None:
            return True
        return final or now - seen.broken_since >= self.broken_after_s

    # -- processing -------------------------------------------------------------------------

    def _process(self, engine: Engine, ready: list[tuple[Path, str]], *,
                 final: bool = False) -> None:
        from scanner.image.files import IMAGE_SUFFIXES, identify

        pending: dict[str, tuple[batch.Job, str]] = {}  # display name -> job, source sha256
        for path, digest in ready:
            if any(digest == d for _, d in pending.values()):
                continue  # the same photo twice in one poll
            rel = path.relative_to(self.inbox)
            display = str(path)
            kind = identify(path, self.run.config)
            if kind is None:
                self._record(ScanResult(source=display, status=Status.SKIPPED,
                                        error="not a photo or video file",
                                        source_sha256=digest))
                continue
            if self.run.options.rename:
                n = sum(1 for r in self.results if r.output) + len(pending) + 1
                rel = Path(f"{'video' if kind.is_video else 'photo'}-{n:04d}")
            # ours=set(): every file already in OUTBOX is kept, including earlier copies.
            output = batch.unique_output(self.outbox, rel, kind.extension, self._taken, set(),
                                         set())
            live = kind.is_video and any(
                p.stem.lower() == path.stem.lower() and p.suffix.lower() in IMAGE_SUFFIXES
                for p in path.parent.iterdir())
            pending[display] = (batch.make_job(path, display, output, kind, self.run.config,
                                               live_photo=live), digest)

        def record(result: ScanResult) -> None:
            if result.source not in pending:
                self._record(result)
                return
            job, digest = pending[result.source]
            if result.undecodable and self._set_aside(job, final):
                return
            # A killed worker's result has no hash of its own.
            self._record(replace(result, source_sha256=result.source_sha256 or digest))

        if pending:
            engine.run([job for job, _ in pending.values()], record, self.on_progress)

    def _set_aside(self, job: batch.Job, final: bool) -> bool:
        """A photo that did not decode may still be arriving: unless it has been broken for
        long enough, forget this result and its output name, and wait for it to change."""
        seen = self._seen.get(job.source)
        if seen is None or final:
            return False
        now = time.monotonic()
        if seen.broken_since is None:
            seen.broken_since = now
        elif now - seen.broken_since >= self.broken_after_s:
            return False
        if job.output is not None:
            self._taken.discard(fsio.path_key(job.output))
        log.debug("watch: %s does not decode yet; waiting for it to change", job.display)
        return True

    def _record(self, result: ScanResult) -> None:
        from scanner.report.json import result_dict

        if result.source_sha256 is not None:
            self.done.add(result.source_sha256)
        self.results.append(result)
        self.new_results.append(result)
        if self._journal is not None:
            self._journal.append(result_dict(result, self.outbox))
        if self.on_result is not None:
            self.on_result(result)

    # -- state ------------------------------------------------------------------------------

    def _load_state(self) -> None:
        """What earlier watches (or redacts) into OUTBOX did: their results, by content."""
        from scanner.batch.journal import read_previous
        from scanner.report.json import result_from_dict

        seen: set[tuple[Any, ...]] = set()
        for previous in read_previous(self.outbox, batch.REPORT_JSON):
            r = previous.record
            key = (r.get("source"), r.get("source_sha256"), r.get("output"), r.get("status"))
            if key in seen:
                continue
            seen.add(key)
            try:
                result = result_from_dict(r, self.outbox)
            except (KeyError, ValueError, TypeError):
                continue
            self.results.append(result)
            digest = r.get("source_sha256")
            if isinstance(digest, str):
                self.done.add(digest)
            if result.output:
                self._taken.add(fsio.path_key(Path(result.output)))

    def _write_reports(self) -> None:
        from scanner.batch.run import run_info, write_reports

        results = sorted(self.results, key=lambda r: r.source)
        write_reports(results, self.outbox, settings(self.run.config), run_info(self.run.options),
                      self.run.options.lang)
