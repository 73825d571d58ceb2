"""Walk inputs, decide each photo's output path, and run the pipeline over the work list.

Output paths mirror each input folder's structure under the output folder. Safety rules live
here: the output folder may not be (or be inside) an input folder, and no output path may be an
input file.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from scanner import fsio
from scanner.config import ScanConfig
from scanner.errors import UsageError
from scanner.image.files import FileKind, identify
from scanner.types import ScanResult, Status

log = logging.getLogger(__name__)

REPORT_JSON = "postsafe-report.json"
REPORT_HTML = "postsafe-report.html"
_MAX_DEPTH = 64


@dataclass(frozen=True, slots=True)
class Job:
    source: Path
    display: str  # how the source is named in reports: as given on the command line
    output: Path | None  # None: scan only
    video: bool = False  # a clip (scanner.video), not a photo
    live_photo: bool = False  # a clip named like a photo beside it: a Live Photo's moving part
    time_limit_s: float | None = None  # None: the run's (ScanConfig.time_limit_s)

    def limit(self, config: ScanConfig) -> float:
        """This job's time limit in seconds (0: none)."""
        return config.time_limit_s if self.time_limit_s is None else self.time_limit_s


@dataclass(frozen=True, slots=True)
class WorkList:
    jobs: tuple[Job, ...]
    skipped: tuple[ScanResult, ...]


def is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output_folder(inputs: Sequence[Path], out_dir: Path) -> None:
    """Refuse an output folder that is, or is inside, an input folder (or is a file)."""
    out = out_dir.resolve()
    if out.exists() and not out.is_dir():
        raise UsageError(f"the output path {out_dir} exists and is not a folder")
    for item in inputs:
        resolved = fsio.resolved(item)
        if item.is_dir() and is_within(out, resolved):
            raise UsageError(
                f"the output folder {out_dir} is inside the input folder {item}; "
                "choose a folder outside it so originals and copies never mix"
            )


def walk(folder: Path) -> Iterator[Path]:
    """Files under ``folder``, sorted, not following folder symlinks (no loops)."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        depth = len(Path(root).relative_to(folder).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and depth < _MAX_DEPTH)
        for name in sorted(files):
            if name.startswith(".postsafe-"):
                continue  # another run's temp file
            yield Path(root) / name


def plan(inputs: Sequence[Path], out_dir: Path | None, config: ScanConfig, *,
         rename: bool = False) -> WorkList:
    """The work list for ``inputs`` (files and folders). Raises UsageError for bad arguments.

    ``rename``: outputs get neutral names in plan order (``photo-0001.jpg``, all in the output
    folder itself), since file and folder names can carry dates, places and people's names."""
    if not inputs:
        raise UsageError("no input given")
    for item in inputs:
        if not item.exists() and not item.is_symlink():
            raise UsageError(f"{item} does not exist")
    if out_dir is not None:
        check_output_folder(inputs, out_dir)
    folders = [i for i in inputs if i.is_dir()]
    prefix_folders = len(inputs) > 1

    candidates: list[tuple[Path, str, Path]] = []  # (path, display, relative output stem path)
    for item in inputs:
        if item.is_dir():
            base = Path(item.resolve().name or "input") if prefix_folders else Path()
            for path in walk(item):
                rel = path.relative_to(item)
                candidates.append((path, str(item / rel), base / rel))
        else:
            candidates.append((item, str(item), Path(item.name)))
    log.debug("%d candidate files in %d folders", len(candidates), len(folders))

    originals = {fsio.path_key(p) for p, _, _ in candidates}
    # Files already in the output folder may be replaced only if a PostSafe run wrote them;
    # anything else there (a photo the user keeps there) is treated like an original.
    ours = previous_outputs(out_dir) if out_dir is not None else set()
    taken: set[str] = set()
    jobs: list[Job] = []
    skipped: list[ScanResult] = []
    width = max(4, len(str(len(candidates))))
    kinds = {path: identify(path, config) for path, _, _ in candidates}
    photos = {(p.parent, p.stem.lower()) for p, k in kinds.items() if k and not k.is_video}
    for path, display, rel in candidates:
        kind = kinds[path]
        if kind is None:
            skipped.append(ScanResult(source=display, status=Status.SKIPPED,
                                      error="not a photo or video file"))
            continue
        output = None
        if out_dir is not None:
            if rename:
                word = "video" if kind.is_video else "photo"
                rel = Path(f"{word}-{len(jobs) + 1:0{width}d}")
            output = unique_output(out_dir, rel, kind.extension, taken, originals, ours)
        jobs.append(make_job(path, display, output, kind, config,
                             live_photo=(path.parent, path.stem.lower()) in photos))
    # Photos first, then clips shortest first: a long clip never holds up the photos (and
    # with --jobs 2 or more, never the other clips either: each runs on its own worker).
    jobs.sort(key=lambda j: (j.video, j.time_limit_s or 0.0))
    return WorkList(tuple(jobs), tuple(skipped))


def make_job(path: Path, display: str, output: Path | None, kind: FileKind,
             config: ScanConfig, *, live_photo: bool = False) -> Job:
    """A photo's job, or a clip's with its own time limit (and whether it is the moving part of
    a Live Photo: a photo of the same name beside it)."""
    if not kind.is_video:
        return Job(path, display, output)
    return Job(path, display, output, video=True, live_photo=live_photo,
               time_limit_s=video_time_limit(path, config))


def video_time_limit(path: Path, config: ScanConfig) -> float:
    """A clip's time limit from its length (``scanner.video.process.time_limit``); the photo
    limit when its length cannot be read (its worker then reports why)."""
    from scanner.errors import ScannerError
    from scanner.video.probe import duration
    from scanner.video.process import time_limit

    try:
        return time_limit(config, duration(path))
    except ScannerError:
        return config.time_limit_s


def previous_outputs(out_dir: Path) -> set[str]:
    """Keys of the outputs earlier runs into ``out_dir`` recorded: in its report, and in the
    journal of an interrupted one."""
    from scanner.batch.journal import output_keys, read_previous

    return output_keys(read_previous(out_dir, REPORT_JSON), out_dir)


def unique_output(out_dir: Path, rel: Path, ext: str, taken: set[str],
                   originals: set[str], ours: set[str] | None = None) -> Path:
    """``out_dir/rel`` with the output extension; disambiguated when two inputs would collide
    (``a.heic`` and ``a.jpg`` both become ``a.jpg``), never an input file, and never an
    existing file that an earlier PostSafe run did not write."""
    folder = out_dir / rel.parent
    stem = rel.stem or "image"
    old_suffix = rel.suffix.lower().lstrip(".")
    options = [f"{stem}{ext}"]
    if old_suffix and f".{old_suffix}" != ext:
        options.append(f"{stem}.{old_suffix}{ext}")
    options += [f"{stem}-{n}{ext}" for n in range(2, 10_000)]
    for name in options:
        candidate = folder / name
        key = fsio.path_key(candidate)
        foreign = (candidate.exists() or candidate.is_symlink()) and key not in (ours or set())
        if key not in taken and key not in originals and not foreign:
            taken.add(key)
            return candidate
    raise UsageError(f"cannot find a free output name for {rel}")


ProgressFn = Callable[[ScanResult], None]


def run(work: WorkList, process: Callable[[Job], ScanResult],
        on_result: ProgressFn | None = None) -> list[ScanResult]:
    """Process every job in order; a failure in one never stops the others."""
    results: list[ScanResult] = list(work.skipped)
    for job in work.jobs:
        result = process(job)
        results.append(result)
        if on_result is not None:
            on_result(result)
    results.sort(key=lambda r: r.source)
    return results
