#!/usr/bin/env python3
"""Speed benchmark: PostSafe's full ``redact`` beside deface and a plain decode + re-encode.

The same large phone photos (JPEG, >= 8 MP class, from ``../shared/eval/documents`` and
``../shared/eval/metadata``, read in place and de-duplicated by content) go through three whole
commands, each under ``/usr/bin/time -v``:

* **postsafe**: ``postsafe redact PHOTOS... --out TMP`` (all detectors, verification, report);
* **deface**: ``deface PHOTOS...`` (faces only; it writes ``*_anonymized`` next to its inputs, so
  it is given symlinks in a temp folder, never the eval folders);
* **floor**: this script in a child process decoding each photo with Pillow and encoding it again
  as JPEG q92 (the least any tool that rewrites the pixels must spend).

One *run* is one command over the whole set. Runs alternate (postsafe, deface, floor, postsafe,
...) so drift on a shared machine hits all three alike. For each command it prints:

* **wall s/photo**: median over runs of (command wall time / photos), process start-up and model
  loading included;
* **in-process s/photo**: median over all photos and runs of the per-photo time measured inside
  the process, start-up and model loading excluded (PostSafe: the report's ``elapsed_s``; floor:
  its own timer; deface has no per-photo timer, so ``-``);
* **CPU s/photo**: median over runs of (user + system seconds / photos): moves much less than
  wall time when other work shares the machine;
* **peak RSS**: the largest "Maximum resident set size" of the command over the runs (GNU
  time: the largest single process); **all processes**: the peak of the summed RSS of the
  command and every process it started (PostSafe's ``--jobs`` workers), sampled from /proc
  every 0.1 s;
* ratios postsafe/deface and postsafe/floor for both time figures where they exist.

    .venv/bin/python bench/speed_eval.py                 # 3 runs over every >= 8 MP JPEG
    .venv/bin/python bench/speed_eval.py --runs 5 --limit 6 --keep /tmp/x
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from _common import (
    TIME,
    BenchError,
    add_logging,
    add_postsafe,
    cli,
    run_sampled,
    setup_logging,
    tree_rss_kb,
)
from PIL import Image

log = logging.getLogger("speed_eval")

REPO = Path(__file__).resolve().parent.parent
# ../shared/eval beside the checkout (or beside the folder of worktrees holding it).
EVAL = next((p / "shared" / "eval" for p in (REPO.parent, REPO.parent.parent)
             if (p / "shared" / "eval").is_dir()), REPO.parent / "shared" / "eval")
DEFAULT_DIRS = (EVAL / "documents", EVAL / "metadata")
DEFAULT_POSTSAFE = REPO / ".venv" / "bin" / "postsafe"
DEFAULT_DEFACE = REPO / ".venv" / "bin" / "deface"
RESULTS_DIR = REPO / "bench" / "results"
TREE_SAMPLE_S = 0.1
# "8 MP" phones write 3264 x 2448 = 7.99 MP: the class, not the exact product, is meant.
MIN_PIXELS = 7_900_000
MAX_PIXELS = 16_500_000
COMMANDS = ("postsafe", "deface", "floor", "before")
DEFACE_MODES = ("RGB", "L")  # a CMYK JPEG reads as 4 channels, which deface fails to save

Image.MAX_IMAGE_PIXELS = None  # eval photos are trusted
try:  # so iPhone photos in a held-back set are named as HEIF when passed over, not unknown
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - pillow_heif is a project dependency
    pass


@dataclass(frozen=True, slots=True)
class Photo:
    path: Path
    width: int
    height: int


@dataclass
class Runs:
    """What one command measured over the runs."""

    wall_per_photo: list[float] = field(default_factory=list)
    cpu_per_photo: list[float] = field(default_factory=list)
    inner: list[float] = field(default_factory=list)  # per-photo in-process seconds
    peak_kb: list[int] = field(default_factory=list)
    tree_kb: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def select_photos(dirs: Sequence[Path], min_pixels: int = MIN_PIXELS,
                  max_pixels: int = MAX_PIXELS) -> list[Photo]:
    """JPEGs under ``dirs`` (subfolders too) whose pixel count is in [min_pixels, max_pixels],
    one per distinct content. What is passed over is counted and logged, so a held-back set
    that selects fewer photos than it holds says why."""
    seen: set[str] = set()
    out: list[Photo] = []
    skipped: Counter[str] = Counter()
    for d in dirs:
        if not d.is_dir():
            raise BenchError(f"{d} is not a folder")
        for path in sorted(d.rglob("*")):
            if not path.is_file():
                continue
            try:
                with Image.open(path) as im:
                    fmt, mode, (w, h) = im.format, im.mode, im.size
            except (OSError, ValueError):
                skipped["not an image Pillow opens"] += 1
                continue
            if fmt != "JPEG":
                skipped[f"{fmt} (deface reads JPEG)"] += 1
                continue
            if mode not in DEFACE_MODES:
                skipped[f"{mode} JPEG (deface cannot write it)"] += 1
                continue
            if not min_pixels <= w * h <= max_pixels:
                skipped[f"outside {min_pixels / 1e6:g}-{max_pixels / 1e6:g} MP"] += 1
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest in seen:
                skipped["same content as a photo already selected"] += 1
                continue
            if not decodes(path):
                # PostSafe would rightly refuse it, and a refusal ends the whole benchmark.
                skipped["does not decode (truncated or corrupt)"] += 1
                continue
            seen.add(digest)
            out.append(Photo(path, w, h))
    for reason, count in sorted(skipped.items()):
        log.warning("passed over %d file%s: %s", count, "" if count == 1 else "s", reason)
    return out


def decodes(path: Path) -> bool:
    """Whether every pixel of the photo decodes (a truncated JPEG opens, then fails)."""
    try:
        with Image.open(path) as im:
            im.load()
    except (OSError, ValueError, SyntaxError, EOFError):
        return False
    return True


def parse_time_v(stderr: str) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (kB) from GNU time's ``-v``."""
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", stderr)
    user = re.search(r"User time \(seconds\): ([\d.]+)", stderr)
    system = re.search(r"System time \(seconds\): ([\d.]+)", stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    if not wall or not rss or not user or not system:
        raise BenchError("could not read /usr/bin/time -v output")
    seconds = 0.0
    for part in wall.group(1).split(":"):
        seconds = seconds * 60 + float(part)
    return seconds, float(user.group(1)) + float(system.group(1)), int(rss.group(1))


@dataclass(frozen=True, slots=True)
class Timing:
    wall: float  # seconds
    cpu: float  # user + system seconds
    peak_kb: int  # the largest single process (GNU time)
    inner: tuple[float, ...] = ()  # per-photo seconds measured inside the process
    tree_kb: int = 0  # the whole process tree, sampled every TREE_SAMPLE_S


def timed(cmd: Sequence[str], timeout: float, ok: Sequence[int] = (0,)) -> Timing:
    """Run ``cmd`` under /usr/bin/time -v, sampling its process tree's memory meanwhile;
    an exit code not in ``ok`` is an error."""
    tree_kb = [0]

    def sample(pid: int) -> None:
        # /usr/bin/time's peak is one process's; workers each hold their own models.
        tree_kb[0] = max(tree_kb[0], tree_rss_kb(pid))

    run = run_sampled(cmd, timeout, TREE_SAMPLE_S, sample)
    if run.returncode not in ok:
        raise BenchError(f"{cmd[0]} exited {run.returncode}: {run.stderr[-800:]}")
    _, cpu, peak = parse_time_v(run.stderr)
    return Timing(run.seconds, cpu, peak, tree_kb=max(tree_kb[0], peak))


def run_postsafe(postsafe: str, photos: Sequence[Photo], work: Path,
                 timeout: float) -> Timing:
    out = work / "postsafe_out"
    shutil.rmtree(out, ignore_errors=True)
    # Exit 1 means some photos failed: the report says which and why, so read it first.
    timing = timed([*postsafe.split(), "redact", *(str(p.path) for p in photos),
                    "--out", str(out)], timeout, ok=(0, 1))
    try:
        report = json.loads((out / "postsafe-report.json").read_text())
    except (OSError, ValueError) as exc:
        raise BenchError(f"PostSafe wrote no readable report: {exc}") from exc
    inner, errors = [], []
    for r in report["results"]:
        if r.get("status") == "error":
            errors.append(f"{r.get('source')}: {r.get('error')}")
        elif r.get("elapsed_s") is not None:
            inner.append(float(r["elapsed_s"]))
    if errors:
        raise BenchError("PostSafe failed on: " + "; ".join(errors))
    if len(inner) != len(photos):
        raise BenchError(f"PostSafe reported {len(inner)} timed photos of {len(photos)}")
    return replace(timing, inner=tuple(inner))


def run_deface(deface: str, photos: Sequence[Photo], work: Path,
               timeout: float) -> Timing:
    # deface writes NAME_anonymized.EXT next to each input: give it symlinks in a fresh folder.
    folder = work / "deface_in"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    links = []
    for i, p in enumerate(photos):
        link = folder / f"{i:02d}_{p.path.name}"
        link.symlink_to(p.path)
        links.append(str(link))
    timing = timed([*deface.split(), *links], timeout)
    made = [f for f in folder.iterdir() if "_anonymized" in f.name]
    if len(made) != len(photos):
        raise BenchError(f"deface wrote {len(made)} outputs for {len(photos)} photos")
    return timing


def run_floor(photos: Sequence[Photo], work: Path,
              timeout: float) -> Timing:
    out = work / "floor_out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    timings = work / "floor_times.json"
    timing = timed([sys.executable, str(Path(__file__).resolve()), "--floor-worker",
                              str(out), str(timings), *(str(p.path) for p in photos)], timeout)
    return replace(timing, inner=tuple(float(t) for t in json.loads(timings.read_text())))


def floor_worker(out: Path, timings: Path, sources: Sequence[str]) -> int:
    """Decode each photo (upright, RGB) and encode it again as JPEG q92: the floor."""
    from PIL import ImageOps

    seconds = []
    for i, src in enumerate(sources):
        started = time.perf_counter()
        with Image.open(src) as im:
            pixels = ImageOps.exif_transpose(im).convert("RGB")
        pixels.save(out / f"{i:02d}.jpg", "JPEG", quality=92)
        seconds.append(time.perf_counter() - started)
    timings.write_text(json.dumps(seconds))
    return 0


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a is not None and b else "-"


def med(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def fmt_s(v: float | None) -> str:
    return f"{v:.3f}" if v is not None else "-"


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="*", type=Path, default=list(DEFAULT_DIRS),
                    help="eval folders to take the photos from (default documents, metadata)")
    add_postsafe(ap, DEFAULT_POSTSAFE)
    ap.add_argument("--deface", default=str(DEFAULT_DEFACE), help="deface command line")
    ap.add_argument("--before", metavar="CMD",
                    help="a second PostSafe command line (e.g. an older checkout: "
                    "'env PYTHONPATH=/tmp/old .venv/bin/python -P -m scanner'), run as 'before' "
                    "in the same alternation, for before/after ratios of a change")
    ap.add_argument("--runs", type=int, default=3, help="runs of each command (default 3)")
    ap.add_argument("--limit", type=int, help="use only the first N selected photos")
    ap.add_argument("--only", nargs="+", choices=COMMANDS,
                    help="commands to run (default postsafe, deface, floor; and before "
                    "with --before)")
    ap.add_argument("--max-mp", type=float, default=MAX_PIXELS / 1e6,
                    help="largest photo, megapixels (default %(default)s)")
    ap.add_argument("--min-mp", type=float, default=MIN_PIXELS / 1e6,
                    help="smallest photo, megapixels (default %(default)s)")
    ap.add_argument("--keep", type=Path, help="work folder to keep (outputs of the last run)")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds per command run")
    ap.add_argument("--results", type=Path, default=RESULTS_DIR / "speed.json",
                    help="where to write the JSON results (default %(default)s)")
    add_logging(ap, "progress on stderr")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--floor-worker"]:
        return floor_worker(Path(argv[1]), Path(argv[2]), argv[3:])
    args = build_parser().parse_args(argv)
    setup_logging(args)
    if not Path(TIME).is_file():
        raise BenchError(f"{TIME} is missing (apt-get install time)")
    if args.runs < 1:
        raise BenchError("--runs must be at least 1")
    photos = select_photos(args.dirs, int(args.min_mp * 1e6), int(args.max_mp * 1e6))
    if args.limit:
        photos = photos[: args.limit]
    if not photos:
        raise BenchError("no photos selected")
    n = len(photos)
    print(f"{n} photos, {sum(p.width * p.height for p in photos) / n / 1e6:.1f} MP on average:")
    for p in photos:
        print(f"  {p.path.parent.name}/{p.path.name}  {p.width}x{p.height}")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        work = args.keep
        tmp = None
    else:
        tmp = tempfile.TemporaryDirectory(prefix="speed_eval-")
        work = Path(tmp.name)
    names = args.only or [c for c in COMMANDS if c != "before" or args.before]
    if "before" in names and not args.before:
        raise BenchError("--only before needs --before CMD")
    runs = {name: Runs() for name in names}
    try:
        for i in range(args.runs):
            for name in names:
                log.info("run %d/%d: %s", i + 1, args.runs, name)
                if name in ("postsafe", "before"):
                    cmd = args.postsafe if name == "postsafe" else args.before
                    t = run_postsafe(cmd, photos, work, args.timeout)
                elif name == "deface":
                    t = run_deface(args.deface, photos, work, args.timeout)
                else:
                    t = run_floor(photos, work, args.timeout)
                runs[name].wall_per_photo.append(t.wall / n)
                runs[name].cpu_per_photo.append(t.cpu / n)
                runs[name].inner.extend(t.inner)
                runs[name].peak_kb.append(t.peak_kb)
                runs[name].tree_kb.append(t.tree_kb)
                log.info("  %.2f s/photo, CPU %.2f s/photo, %.0f MB", t.wall / n, t.cpu / n,
                         t.peak_kb / 1024)
    finally:
        if tmp is not None:
            tmp.cleanup()
    summary = {
        name: {
            "wall_s_per_photo_median": med(r.wall_per_photo),
            "wall_s_per_photo_runs": r.wall_per_photo,
            "in_process_s_per_photo_median": med(r.inner),
            "cpu_s_per_photo_median": med(r.cpu_per_photo),
            "peak_rss_mb": max(r.peak_kb) / 1024,
            "peak_tree_rss_mb": max(r.tree_kb) / 1024,
        }
        for name, r in runs.items()
    }
    print(f"\n{args.runs} runs each, alternating; cpus available: {os.cpu_count()}")
    print(f"{'':10} {'wall s/photo':>13} {'in-process s/photo':>19} {'CPU s/photo':>12} "
          f"{'peak RSS MB':>12} {'all processes MB':>17}")
    for name, s in summary.items():
        print(f"{name:10} {fmt_s(s['wall_s_per_photo_median']):>13} "
              f"{fmt_s(s['in_process_s_per_photo_median']):>19} "
              f"{fmt_s(s['cpu_s_per_photo_median']):>12} {s['peak_rss_mb']:>12.0f} "
              f"{s['peak_tree_rss_mb']:>17.0f}")
    print("wall = median over runs of (command wall time / photos), start-up and model loading "
          "included;\nin-process = median per-photo time inside the process (PostSafe: the "
          "report's elapsed_s), both excluded;\nCPU = median over runs of (user + system time / "
          "photos): less sensitive than wall time to other work on a shared machine.")
    ps = summary.get("postsafe")
    if ps:
        for other in ("before", "deface", "floor"):
            o = summary.get(other)
            if not o:
                continue
            wall = ratio(ps["wall_s_per_photo_median"], o["wall_s_per_photo_median"])
            inner = ratio(ps["in_process_s_per_photo_median"], o["in_process_s_per_photo_median"])
            cpu = ratio(ps["cpu_s_per_photo_median"], o["cpu_s_per_photo_median"])
            memory = ratio(ps["peak_rss_mb"], o["peak_rss_mb"])
            tree = ratio(ps["peak_tree_rss_mb"], o["peak_tree_rss_mb"])
            print(f"postsafe/{other}: wall {wall}, in-process {inner}, CPU {cpu}, "
                  f"peak memory {memory} (all processes {tree})")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({
        "photos": [str(p.path) for p in photos], "runs": args.runs, "summary": summary,
    }, indent=2))
    return 0


if __name__ == "__main__":
    cli(main)
