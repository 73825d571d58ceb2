"""The Redactor protocol. The built-in styles are listed in scanner.redactors.builtins."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from scanner.config import ScanConfig
from scanner.types import Shape


class Redactor(Protocol):
    name: str

    def redact(self, image: np.ndarray, shapes: Sequence[Shape]) -> np.ndarray:
        """A new (H, W, 3) uint8 array with every pixel each shape touches made unreadable
        (``scanner.geometry.covered``); ``image`` itself is never modified."""
        ...


RedactorFactory = Callable[[ScanConfig], Redactor]
