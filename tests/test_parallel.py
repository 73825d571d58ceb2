"""scanner.parallel.map_ordered: results in input order, failures raised after every call."""

from __future__ import annotations

import threading
import time

import pytest

from scanner.parallel import map_ordered


@pytest.mark.parametrize("workers", [0, 1, 2, 4, 16])
@pytest.mark.parametrize("items", [[], [5], [3, 0, 2, 1], list(range(20))])
def test_results_come_back_in_input_order(items: list[int], workers: int) -> None:
    # Earlier items sleep longer, so they finish last when run concurrently.
    def slow(x: int) -> int:
        time.sleep(0.002 * (len(items) - items.index(x)))
        return x * 10

    assert map_ordered(slow, items, workers) == [x * 10 for x in items]


def test_calls_overlap_with_two_workers() -> None:
    barrier = threading.Barrier(2, timeout=5)

    def meet(x: int) -> int:
        barrier.wait()  # only returns when both calls are running at once
        return x

    assert map_ordered(meet, [1, 2], 2) == [1, 2]


def test_earliest_failure_is_raised_after_every_call_finished() -> None:
    finished: list[int] = []

    def work(x: int) -> int:
        if x == 1:
            time.sleep(0.05)
            raise ValueError("first")
        if x == 2:
            raise KeyError("second")
        time.sleep(0.1)
        finished.append(x)
        return x

    with pytest.raises(ValueError, match="first"):
        map_ordered(work, [0, 1, 2, 3], 2)
    assert sorted(finished) == [0, 3]  # nothing left running behind the caller's back


def test_sequential_with_one_worker_runs_in_the_callers_thread() -> None:
    me = threading.get_ident()
    assert map_ordered(lambda _: threading.get_ident(), [1, 2, 3], 1) == [me] * 3
