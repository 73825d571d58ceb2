"""The Redactor protocol and an explicit registry of styles."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from scanner.config import ScanConfig
from scanner.errors import ScannerError
from scanner.types import Region


class Redactor(Protocol):
    name: str

    def redact(self, image: np.ndarray, regions: Sequence[Region]) -> np.ndarray:
        """A new (H, W, 3) uint8 array; ``image`` itself is never modified."""
        ...


RedactorFactory = Callable[[ScanConfig], Redactor]

_REGISTRY: dict[str, RedactorFactory] = {}


def register(name: str, factory: RedactorFactory) -> None:
    if name in _REGISTRY:
        raise ScannerError(f"redactor {name!r} is already registered")
    _REGISTRY[name] = factory


def get(name: str) -> RedactorFactory:
    if not _REGISTRY:
        _register_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        have = ", ".join(sorted(_REGISTRY))
        raise ScannerError(f"no redaction style {name!r} (have: {have})") from None


def _register_builtins() -> None:
    from scanner.redactors.blur import BlurRedactor
    from scanner.redactors.fill import FillRedactor
    from scanner.redactors.mosaic import MosaicRedactor

    register("mosaic", lambda config: MosaicRedactor(config.mosaic_blocks))
    register("blur", lambda config: BlurRedactor())
    register("fill", lambda config: FillRedactor())


def pixel_box(region: Region, width: int, height: int) -> tuple[int, int, int, int] | None:
    """The integer window a region covers, grown outward and clipped; None when empty."""
    x1, y1, x2, y2 = region.to_int()
    x1, y1 = max(0, x1), max(0, y1)
    x2, y2 = min(width, x2), min(height, y2)
    if x2 <= x1 or y2 <= y1:
        return None
    return x1, y1, x2, y2
