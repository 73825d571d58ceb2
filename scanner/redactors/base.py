"""The Redactor protocol and an explicit registry of styles."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from scanner.config import ScanConfig
from scanner.errors import ScannerError
from scanner.types import Shape


class Redactor(Protocol):
    name: str

    def redact(self, image: np.ndarray, shapes: Sequence[Shape]) -> np.ndarray:
        """A new (H, W, 3) uint8 array with every pixel each shape touches made unreadable
        (``scanner.geometry.covered``); ``image`` itself is never modified."""
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

