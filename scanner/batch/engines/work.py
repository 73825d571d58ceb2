"""The per-photo function every engine runs, and what a worker process sets up once."""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.fsio import sha256_file
from scanner.types import ScanResult, Status

if TYPE_CHECKING:
    from scanner.batch.engines.base import DetectorFactory
    from scanner.batch.plan import Job
    from scanner.config import ScanConfig
    from scanner.detectors.base import Detector
    from scanner.pipeline.process import Pipeline
    from scanner.video.process import Progress

log = logging.getLogger(__name__)

def limit_threads(threads: int) -> None:
    """Cap this process's onnxruntime (through POSTSAFE_THREADS, which the one place that
    builds sessions reads), OpenCV and BLAS thread pools. Called in a worker process before
    its models load, so N workers share the cores instead of each taking all of them."""
    if threads <= 0:
        return
    for var in ("POSTSAFE_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    import cv2

    cv2.setNumThreads(threads)


def default_detectors(config: ScanConfig) -> list[Detector]:
    """The pipeline's detectors (``scanner.pipeline.process.build_detectors``), looked up when
    called, in the process that builds them: a run whose workers build them never imports the
    detectors, numpy, OpenCV or onnxruntime in its parent (~0.2 s before a worker can start)."""
    from scanner.pipeline import process

    return process.build_detectors(config)


def build_pipeline(config: ScanConfig, factory: DetectorFactory) -> Pipeline:
    """A pipeline whose detectors (and models) are built now, once."""
    from scanner.pipeline.process import Pipeline

    return Pipeline(config, detectors=factory(config))


def process_job(pipeline: Pipeline, job: Job, progress: Progress | None = None) -> ScanResult:
    """One photo or clip: the pipeline's result plus the content hashes --resume relies on.
    ``progress`` hears how far a clip is (stage, frames done, frames expected).

    Never raises (but for KeyboardInterrupt and the like): a problem with the photo, or a bug,
    becomes status ``error``, so every engine reports every job."""
    try:
        return _process(pipeline, job, progress)
    except Exception as exc:
        log.debug("%s: unexpected failure", job.display, exc_info=True)
        return failed(job, f"internal error ({type(exc).__name__}); no safe copy was made")


def _process(pipeline: Pipeline, job: Job, progress: Progress | None) -> ScanResult:
    try:
        source_hash: str | None = sha256_file(job.source)
    except OSError:
        source_hash = None  # the pipeline reports why it cannot read the file
    if job.video:
        from scanner.video.process import process_video

        result = process_video(pipeline, job.source, job.output, display=job.display,
                               live_photo=job.live_photo, progress=progress,
                               time_limit_s=job.limit(pipeline.config))
    else:
        result = pipeline.process(job.source, job.output, display=job.display)
    output_hash: str | None = None
    if result.output is not None:
        try:
            output_hash = sha256_file(Path(result.output))
        except OSError as exc:
            # Written a moment ago and gone now: this copy cannot be vouched for.
            return replace(result, status=Status.ERROR, output=None, findings=(),
                           error=f"the safe copy could not be read back ({exc.strerror or exc})")
    return replace(result, source_sha256=source_hash, output_sha256=output_hash)


def failed(job: Job, reason: str) -> ScanResult:
    return ScanResult(source=job.display, status=Status.ERROR, error=reason)


def file_identity(path: Path | None) -> tuple[int, int, int] | None:
    """(inode, size, mtime) of a file, or None: tells whether an output was replaced."""
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def remove_if_changed(output: Path | None, before: tuple[int, int, int] | None) -> None:
    """A killed or cancelled photo may have renamed its output into place at the last moment;
    the report says no copy was made, so none may be left."""
    if output is None:
        return
    after = file_identity(output)
    if after is not None and after != before:
        try:
            output.unlink()
        except OSError:
            log.warning("could not remove %s after stopping its photo", output)
