"""What every benchmark script shares: its error type, its common options, logging, and the
`__main__` wrapper (exit 2 when the benchmark cannot run at all)."""

from __future__ import annotations

import argparse
import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

TIME = "/usr/bin/time"  # GNU time: its -v figures are the benchmarks' public timer


class BenchError(Exception):
    """The benchmark cannot run (PostSafe missing, no report written, ...): exit 2."""


def add_postsafe(ap: argparse.ArgumentParser, default: Path) -> None:
    ap.add_argument(
        "--postsafe",
        default=str(default),
        help="PostSafe command line (default %(default)s)",
    )


def add_out_dir(ap: argparse.ArgumentParser, verb: str = "judge") -> None:
    ap.add_argument(
        "--out-dir",
        type=Path,
        help="existing or new folder for PostSafe's outputs (kept); default a temp "
        "folder, removed afterwards",
    )
    ap.add_argument(
        "--reuse",
        action="store_true",
        help=f"{verb} the report already in --out-dir instead of running PostSafe",
    )


def add_timeout_results(ap: argparse.ArgumentParser, results: Path) -> None:
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds for the PostSafe run")
    ap.add_argument(
        "--results",
        type=Path,
        default=results,
        help="where to write the JSON results (default %(default)s)",
    )


def add_logging(ap: argparse.ArgumentParser, verbose_help: str) -> None:
    ap.add_argument("-v", "--verbose", action="store_true", help=verbose_help)
    ap.add_argument("--debug", action="store_true", help="debug logs")


def setup_logging(args: argparse.Namespace) -> None:
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO if args.verbose else logging.WARNING,
        format="%(name)s %(levelname)s: %(message)s",
    )


def cli(main: Callable[[], int]) -> NoReturn:
    try:
        sys.exit(main())
    except BenchError as err:
        sys.stderr.write(f"error: {err}\n")
        sys.exit(2)


def tree_rss_kb(root_pid: int) -> int:
    """Sum of VmRSS over root_pid and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            with open(f"/proc/{pid}/stat") as fh:
                stat = fh.read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/status") as fh:
                match = re.search(r"^VmRSS:\s+(\d+) kB", fh.read(), re.M)
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(match.group(1)) if match else 0
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


@dataclass(frozen=True, slots=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str
    seconds: float  # wall time


def run_sampled(cmd: Sequence[str], timeout: float, every: float,
                sample: Callable[[int], None]) -> Finished:
    """Run ``cmd`` under ``/usr/bin/time -v`` (its figures end up in ``stderr``), calling
    ``sample(pid)`` every ``every`` seconds while it runs; killed past ``timeout``."""
    started = time.perf_counter()
    proc = subprocess.Popen([TIME, "-v", *cmd], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    output: dict[str, str] = {}

    def drain() -> None:  # read both pipes while sampling, so a full pipe never blocks it
        output["stdout"], output["stderr"] = proc.communicate()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    while proc.poll() is None:
        if time.perf_counter() - started > timeout:
            proc.kill()
            raise BenchError(f"{cmd[0]} took longer than {timeout:g} s")
        sample(proc.pid)
        time.sleep(every)
    seconds = time.perf_counter() - started
    reader.join()
    return Finished(proc.returncode, output.get("stdout", ""), output.get("stderr", ""), seconds)

