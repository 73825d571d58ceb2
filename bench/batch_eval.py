"""Batch engine benchmark: memory flatness over a long batch, throughput, and --resume.

Generates N photos (640x480 JPEGs with EXIF: GPS, make, artist; deterministic) in a temp
folder, runs ``postsafe redact --jobs J`` on them under ``/usr/bin/time -v`` while sampling the
resident memory of the whole process tree (the command and its workers) every 0.5 s, and
prints peak RSS, RSS at 10%/50%/90% of the batch (progress read from the run's journal),
photos/s, then runs the same command with ``--resume`` and prints how many photos it skipped
and how long it took (it must skip all of them).

Detectors: ``--detectors light`` (default) runs every stage of the real pipeline (decode,
metadata inventory, detection, redaction, verification, fresh encode and decode check, hashes,
journal, JSON and HTML reports) with only the OpenCV code detector, so 1,000 photos take
minutes on 2 shared cores; ``--detectors real`` runs the full model set (CenterFace, PP-OCRv4,
codes) and takes ~1-10 s a photo per core depending on load: use a smaller ``--count``.

    .venv/bin/python bench/batch_eval.py                      # 1,000 photos, light, --jobs 2
    .venv/bin/python bench/batch_eval.py --detectors real --count 40
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import TIME, BenchError, add_logging, cli, run_sampled, setup_logging, tree_rss_kb

log = logging.getLogger("batch_eval")
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "batch_eval.json"
JOURNAL = "postsafe-journal.jsonl"


def codes_only(config: Any) -> list[Any]:
    """The light detector set: OpenCV QR/barcode only (picklable: workers import it)."""
    from scanner.detectors.builtins import DETECTORS

    return [DETECTORS.get("codes")(config)]


def _as_postsafe(argv: list[str]) -> None:
    """Run the postsafe CLI in this process with the light detector set."""
    import scanner.pipeline.process

    scanner.pipeline.process.build_detectors = codes_only
    from scanner.cli.main import main

    sys.argv = ["postsafe", *argv]
    main()


# ------------------------------------------------------------------------------------------
# photos


def generate(folder: Path, count: int) -> None:
    import numpy as np
    import piexif
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    y, x = np.mgrid[0:480, 0:640]
    for i in range(count):
        rng = np.random.default_rng(i)
        base = np.stack([(x + 7 * i) % 256, (2 * y + 3 * i) % 256, ((x + y) // 3) % 256], 2)
        img = (base * 0.7 + rng.integers(0, 60, base.shape)).clip(0, 255).astype(np.uint8)
        im = Image.fromarray(img)
        draw = ImageDraw.Draw(im)
        for _ in range(3):
            x1, y1 = int(rng.integers(0, 560)), int(rng.integers(0, 400))
            colour = tuple(int(c) for c in rng.integers(0, 256, 3))
            draw.ellipse((x1, y1, x1 + 80, y1 + 80), fill=colour)
        exif = piexif.dump({
            "0th": {piexif.ImageIFD.Make: b"BenchCam", piexif.ImageIFD.Artist: b"A Person",
                    piexif.ImageIFD.DateTime: b"2024:05:01 10:00:00"},
            "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N",
                    piexif.GPSIFD.GPSLatitude: ((53, 1), (19, 1), (i % 60, 1))},
        })
        sub = folder / f"day{i // 100:02d}"
        sub.mkdir(exist_ok=True)
        im.save(sub / f"IMG_{i:05d}.jpg", quality=88, exif=exif)


# ------------------------------------------------------------------------------------------
# measuring


def _done(out: Path) -> int:
    try:
        with (out / JOURNAL).open("rb") as fh:
            return max(0, sum(1 for _ in fh) - 1)  # minus the header line
    except OSError:
        return -1  # finished (journal removed) or not started


def run_measured(cmd: list[str], out: Path, count: int, timeout: float) -> dict[str, Any]:
    samples: list[tuple[float, int, int]] = []  # (seconds, photos done, tree RSS kB)
    started = time.perf_counter()
    run = run_sampled(cmd, timeout, 0.5, lambda pid: samples.append(
        (time.perf_counter() - started, _done(out), tree_rss_kb(pid))))
    elapsed = run.seconds
    if run.returncode not in (0, 1):
        raise BenchError(f"postsafe exited {run.returncode}: {run.stderr[-2000:]}")
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)
    at: dict[str, int | None] = {}
    for pct in (10, 50, 90):
        want = count * pct // 100
        hit = [rss for _, done, rss in samples if done >= want]
        at[f"rss_mb_at_{pct}pct"] = round(hit[0] / 1024) if hit else None
    return {
        "seconds": round(elapsed, 1),
        "photos_per_s": round(count / elapsed, 2) if elapsed else None,
        "peak_tree_rss_mb": round(max((s[2] for s in samples), default=0) / 1024),
        "max_rss_one_process_mb": round(int(match.group(1)) / 1024) if match else None,
        **at,
        "samples": len(samples),
    }


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--as-postsafe":
        _as_postsafe(sys.argv[2:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1000, help="photos to generate (%(default)s)")
    ap.add_argument("--jobs", type=int, default=2, help="postsafe --jobs (%(default)s)")
    ap.add_argument("--detectors", choices=("light", "real"), default="light",
                    help="light: OpenCV codes only; real: all models (default %(default)s)")
    ap.add_argument("--work-dir", type=Path, help="folder for photos and outputs (kept); "
                    "default a temp folder, removed afterwards")
    ap.add_argument("--timeout", type=float, default=7200.0, help="seconds per run")
    ap.add_argument("--results", type=Path, default=RESULTS, help="JSON results file")
    add_logging(ap, "progress on stderr")
    args = ap.parse_args()
    setup_logging(args)
    if not Path(TIME).exists():
        raise BenchError(f"{TIME} is missing (apt-get install time)")
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="postsafe-batch-eval-"))
    try:
        photos, out = work / "photos", work / "out"
        if out.exists():
            shutil.rmtree(out)
        t0 = time.perf_counter()
        generate(photos, args.count)
        log.info("generated %d photos in %.1f s", args.count, time.perf_counter() - t0)
        if args.detectors == "light":
            base = [sys.executable, str(Path(__file__).resolve()), "--as-postsafe"]
        else:
            base = [str(Path(sys.executable).parent / "postsafe")]
        cmd = [*base, "redact", str(photos), "--out", str(out), "--jobs", str(args.jobs)]
        first = run_measured(cmd, out, args.count, args.timeout)
        report = json.loads((out / "postsafe-report.json").read_text(encoding="utf-8"))
        first["summary"] = report["summary"]
        second = run_measured([*cmd, "--resume"], out, args.count, args.timeout)
        report = json.loads((out / "postsafe-report.json").read_text(encoding="utf-8"))
        second["skipped_by_resume"] = sum(bool(r.get("resumed")) for r in report["results"])
        second["summary"] = report["summary"]
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    result = {"count": args.count, "jobs": args.jobs, "detectors": args.detectors,
              "cores": len(os.sched_getaffinity(0)), "run": first, "resume": second}
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"batch of {args.count} photos ({args.detectors} detectors), --jobs {args.jobs}:")
    print(f"  {first['seconds']} s, {first['photos_per_s']} photos/s; "
          f"summary {first['summary']}")
    print(f"  peak RSS of the process tree {first['peak_tree_rss_mb']} MB "
          f"(largest single process {first['max_rss_one_process_mb']} MB)")
    print(f"  RSS at 10% / 50% / 90% of the batch: {first['rss_mb_at_10pct']} / "
          f"{first['rss_mb_at_50pct']} / {first['rss_mb_at_90pct']} MB")
    print(f"--resume: skipped {second['skipped_by_resume']} of {args.count} in "
          f"{second['seconds']} s (peak RSS {second['peak_tree_rss_mb']} MB)")
    return 0 if second["skipped_by_resume"] == args.count else 1


if __name__ == "__main__":
    cli(main)
