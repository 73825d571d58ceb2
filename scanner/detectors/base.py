"""The Detector protocol. The built-in detectors are listed in scanner.detectors.builtins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

import numpy as np

from scanner.config import ScanConfig
from scanner.types import Finding, FindingKind


@runtime_checkable
class Detector(Protocol):
    """Finds regions in an upright RGB uint8 image (H, W, 3). Never modifies it."""

    name: str

    def detect(self, image: np.ndarray) -> list[Finding]: ...

    def recheck(self, image: np.ndarray) -> list[Finding]:
        """Look again at a redacted copy (scanner.pipeline.verify): may be cheaper than
        ``detect`` (text lines without reading them), never less sensitive."""
        ...


def may_find(detector: Detector, kind: FindingKind) -> bool:
    """Whether ``detector`` can return ``kind``: a detector may say so in an optional ``finds``
    set; one that does not may find anything (a video looks at faces more often than at the
    rest, and must never skip a detector that could find a face)."""
    finds = getattr(detector, "finds", None)
    return finds is None or kind in finds


DetectorFactory = Callable[[ScanConfig], Detector]
