#!/usr/bin/env python3
"""Start-up benchmark: how long one phone photo waits for PostSafe, models loading included.

Two figures, each over several runs of a fresh process, on one ~12 MP phone JPEG (the one
closest to 12 MP among the >= 8 MP JPEGs of ``../shared/eval/metadata`` and
``../shared/eval/documents``, read in place; a generated 4032 x 3024 photo when none is there):

* **redact**: ``postsafe redact PHOTO --out TMP`` as a person types it (default ``--jobs`` and
  ``--time-limit``), whole command, wall clock from start to exit (the copy and the reports
  written), and its CPU seconds (user + system, children included);
* **serve**: ``postsafe serve --port 0 --no-browser``, then what the review page does for a
  dropped photo: POST ``/api/sessions``, POST the photo to ``/api/sessions/{id}/photos``;
  timed from the command's start to the upload's answer (the scan result the page shows). Also
  when the page was ready (the address printed, the models loaded).

Models' rewritten files are cached per user (``scanner.models.cache``): each command's redact
and serve run once untimed, each with an empty temp cache folder (reported as the first run),
then ``--runs`` timed runs (medians reported) reuse the one redact filled. Given ``--postsafe``
several times, the commands take turns run by run, so drift on a shared machine hits them alike
(before/after comparisons).

    .venv/bin/python bench/startup_eval.py                      # 5 runs each
    .venv/bin/python bench/startup_eval.py --runs 9 \\
        --postsafe "before=env PYTHONPATH=/tmp/old .venv/bin/python -P -m scanner" \\
        --postsafe "after=.venv/bin/python -m scanner"
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import resource
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BenchError, add_logging, cli, setup_logging  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
PHONE_PIXELS = 12_000_000
log = logging.getLogger("startup_eval")


@dataclass(slots=True)
class Command:
    label: str
    argv: list[str]
    redact_s: list[float] = field(default_factory=list)
    redact_cpu_s: list[float] = field(default_factory=list)
    ready_s: list[float] = field(default_factory=list)
    serve_s: list[float] = field(default_factory=list)
    serve_cpu_s: list[float] = field(default_factory=list)
    first: dict[str, float] = field(default_factory=dict)


def pick_photo(folders: list[Path], tmp: Path) -> Path:
    """The JPEG closest to 12 MP among those of 8 MP and more; else a generated one."""
    from PIL import Image

    best: tuple[float, Path] | None = None
    for folder in folders:
        for path in sorted(folder.glob("*")) if folder.is_dir() else []:
            if path.suffix.lower() not in (".jpg", ".jpeg"):
                continue
            try:
                with Image.open(path) as im:
                    pixels = im.size[0] * im.size[1]
            except OSError:
                continue
            if pixels >= 8_000_000:
                distance = abs(pixels - PHONE_PIXELS)
                if best is None or distance < best[0]:
                    best = (distance, path)
    if best is not None:
        return best[1]
    log.warning("no phone-size JPEG in %s; generating one", ", ".join(map(str, folders)))
    import numpy as np

    rng = np.random.default_rng(0)
    small = rng.integers(0, 256, (189, 252, 3), dtype=np.uint8)
    photo = tmp / "generated-4032x3024.jpg"
    Image.fromarray(small).resize((4032, 3024), Image.BICUBIC).save(photo, quality=92)
    return photo


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_redact(cmd: Command, photo: Path, out: Path, env: dict[str, str],
                timeout: float) -> tuple[float, float]:
    """Wall and CPU seconds of one ``redact`` of ``photo`` into a new ``out``."""
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run([*cmd.argv, "redact", str(photo), "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0 or not any(p.suffix.lower() in (".jpg", ".jpeg")
                                       for p in out.iterdir()):
        raise BenchError(f"{cmd.label}: redact exited {done.returncode} without a copy: "
                         f"{done.stderr.strip()[-400:]}")
    return wall, _children_cpu() - cpu


def time_serve(cmd: Command, photo: Path, env: dict[str, str],
               timeout: float) -> tuple[float, float, float]:
    """(ready, first result, CPU) seconds for one ``serve`` start and one uploaded photo."""
    import httpx

    cpu = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen([*cmd.argv, "serve", "--port", "0", "--no-browser"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = None
        for line in proc.stdout:  # the address is printed once the models have loaded
            found = re.search(r"http://127\.0\.0\.1:\d+/", line)
            if found:
                url = found.group(0).rstrip("/")
                break
        if url is None:
            raise BenchError(f"{cmd.label}: serve printed no address: "
                             f"{proc.stderr.read()[-400:] if proc.stderr else ''}")
        ready = time.perf_counter() - started
        origin = {"Origin": url}
        with httpx.Client(base_url=url, timeout=timeout) as client:
            sid = client.post("/api/sessions", headers=origin).raise_for_status().json()["session"]
            answer = client.post(f"/api/sessions/{sid}/photos", content=photo.read_bytes(),
                                 headers={**origin, "Content-Type": "application/octet-stream",
                                          "X-PostSafe-Name": quote(photo.name)})
            result = time.perf_counter() - started
            body = answer.raise_for_status().json()
            if "findings" not in body:
                raise BenchError(f"{cmd.label}: the upload's answer has no scan result: {body}")
    finally:
        proc.send_signal(signal.SIGINT)  # as Ctrl-C: the server deletes its photos
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
    return ready, result, _children_cpu() - cpu


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--postsafe", action="append", metavar="[LABEL=]CMD",
                    help="PostSafe command line; give it again to compare commands run by run "
                    f"(default {ROOT / '.venv/bin/postsafe'})")
    ap.add_argument("--photo", type=Path, help="the photo (default: the eval JPEG closest to "
                    "12 MP)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per command and figure")
    ap.add_argument("--no-serve", action="store_true", help="time redact only")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds for one command")
    ap.add_argument("--results", type=Path, default=ROOT / "bench/results/startup_eval.json")
    add_logging(ap, "each run's times")
    args = ap.parse_args()
    setup_logging(args)
    commands = []
    for i, text in enumerate(args.postsafe or [str(ROOT / ".venv/bin/postsafe")]):
        label, sep, rest = text.partition("=")
        if not sep or " " in label or "/" in label:
            label, rest = (f"cmd{i + 1}" if args.postsafe and len(args.postsafe) > 1
                           else "postsafe"), text
        commands.append(Command(label, shlex.split(rest)))

    with tempfile.TemporaryDirectory(prefix="startup-bench-") as tmp_name:
        tmp = Path(tmp_name)
        photo = args.photo or pick_photo([EVAL / "metadata", EVAL / "documents"], tmp)
        from PIL import Image

        with Image.open(photo) as im:
            size = im.size
        print(f"photo: {photo} ({size[0]} x {size[1]}, {size[0] * size[1] / 1e6:.1f} MP)")
        runs = 0

        def env_for(cmd: Command, cache: str = "") -> dict[str, str]:
            env = {k: v for k, v in os.environ.items()
                   if k not in ("POSTSAFE_JOBS", "POSTSAFE_TIME_LIMIT")}
            env["POSTSAFE_CACHE_DIR"] = str(tmp / f"cache-{cmd.label}{cache}")
            env["PYTHONUNBUFFERED"] = "1"  # serve's address line arrives when printed
            return env

        def out_dir() -> Path:
            nonlocal runs
            runs += 1
            return tmp / f"out-{runs}"

        for cmd in commands:  # first runs: an empty model cache, files not yet in page cache
            cmd.first["redact_s"], _ = time_redact(cmd, photo, out_dir(), env_for(cmd),
                                                   args.timeout)
            if not args.no_serve:
                _, cmd.first["serve_s"], _ = time_serve(cmd, photo, env_for(cmd, "-serve"),
                                                        args.timeout)
            log.info("%s first run: %s", cmd.label, cmd.first)
        for run in range(args.runs):
            for cmd in commands:
                wall, cpu = time_redact(cmd, photo, out_dir(), env_for(cmd), args.timeout)
                cmd.redact_s.append(wall)
                cmd.redact_cpu_s.append(cpu)
                if not args.no_serve:
                    ready, result, cpu = time_serve(cmd, photo, env_for(cmd), args.timeout)
                    cmd.ready_s.append(ready)
                    cmd.serve_s.append(result)
                    cmd.serve_cpu_s.append(cpu)
                log.info("run %d %s: redact %.2f s, serve ready %s, first result %s", run + 1,
                         cmd.label, cmd.redact_s[-1], cmd.ready_s[-1:], cmd.serve_s[-1:])

    print(f"medians of {args.runs} runs (s); first run: empty model cache")
    print(f"{'command':10} {'redact':>7} {'cpu':>6} {'1st':>6} | {'ready':>6} {'result':>7} "
          f"{'cpu':>6} {'1st':>6}")
    rows = []
    for cmd in commands:
        row = {"label": cmd.label, "command": shlex.join(cmd.argv), "runs": args.runs,
               "redact_s": _median(cmd.redact_s), "redact_cpu_s": _median(cmd.redact_cpu_s),
               "serve_ready_s": _median(cmd.ready_s), "serve_result_s": _median(cmd.serve_s),
               "serve_cpu_s": _median(cmd.serve_cpu_s),
               "first_redact_s": round(cmd.first["redact_s"], 3),
               "first_serve_result_s": (round(cmd.first["serve_s"], 3)
                                        if "serve_s" in cmd.first else None),
               "all": {"redact_s": cmd.redact_s, "serve_result_s": cmd.serve_s,
                       "serve_ready_s": cmd.ready_s}}
        rows.append(row)

        def cell(value: float | None, width: int) -> str:
            return f"{value:{width}.2f}" if value is not None else f"{'-':>{width}}"

        print(f"{cmd.label:10} {cell(row['redact_s'], 7)} {cell(row['redact_cpu_s'], 6)} "
              f"{cell(row['first_redact_s'], 6)} | {cell(row['serve_ready_s'], 6)} "
              f"{cell(row['serve_result_s'], 7)} {cell(row['serve_cpu_s'], 6)} "
              f"{cell(row['first_serve_result_s'], 6)}")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({"photo": str(photo), "size": list(size), "rows": rows},
                                       indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    cli(main)
