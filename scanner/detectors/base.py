"""The Detector protocol and an explicit registry of detector factories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

import numpy as np

from scanner.config import ScanConfig
from scanner.errors import ScannerError
from scanner.types import Finding


@runtime_checkable
class Detector(Protocol):
    """Finds regions in an upright RGB uint8 image (H, W, 3). Never modifies it."""

    name: str

    def detect(self, image: np.ndarray) -> list[Finding]: ...


DetectorFactory = Callable[[ScanConfig], Detector]

_REGISTRY: dict[str, DetectorFactory] = {}


def register(name: str, factory: DetectorFactory) -> None:
    if name in _REGISTRY:
        raise ScannerError(f"detector {name!r} is already registered")
    _REGISTRY[name] = factory


def get(name: str) -> DetectorFactory:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ScannerError(
            f"no detector named {name!r} (registered: {', '.join(sorted(_REGISTRY)) or 'none'})"
        ) from None


def registered() -> list[str]:
    return sorted(_REGISTRY)


def register_builtins() -> None:
    """Register the built-in detectors once (imports are deferred to keep start-up fast)."""
    if "faces" not in _REGISTRY:
        from scanner.detectors.codes import CodeDetector
        from scanner.detectors.displays import DisplayDetector
        from scanner.detectors.documents import DocumentDetector
        from scanner.detectors.faces import CenterFaceDetector

        register("faces", CenterFaceDetector)
        register("documents", DocumentDetector)
        register("codes", CodeDetector)
        register("displays", DisplayDetector)
