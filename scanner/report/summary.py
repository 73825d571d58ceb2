"""The counts a run ends with: the terminal and both reports say the same."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.types import ScanResult, Status


def summarise(results: Sequence[ScanResult]) -> dict[str, int]:
    counts = {s.value: 0 for s in Status}
    for r in results:
        counts[r.status.value] += 1
    counts["photos"] = sum(counts[s] for s in Status if s is not Status.SKIPPED)
    return counts
