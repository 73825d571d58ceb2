"""Run independent detectors at the same time, with results in a fixed order.

onnxruntime and OpenCV release the GIL while they compute, so on two cores a face pass and a
text pass overlap well (each session's own threads are busy only part of the time). Results
come back in the order of the inputs, whatever finishes first, so findings and reports do not
depend on timing; the first failure in that order is raised after every call has ended.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_ordered(fn: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """``[fn(x) for x in items]``, up to ``workers`` calls at a time. If calls raise, the
    exception of the earliest failing item is raised, once all calls have finished (no call is
    left running behind the caller's back)."""
    if workers <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items)),
                            thread_name_prefix="postsafe-detect") as pool:
        futures = [pool.submit(fn, x) for x in items]
    # Leaving the with-block waited for every future; raise in input order.
    return [f.result() for f in futures]
