"""The built-in detectors: the one list of them, loaded on first lookup."""

from __future__ import annotations

from scanner.detectors.base import DetectorFactory
from scanner.registry import Registry


def _builtins() -> dict[str, DetectorFactory]:
    # Imported on first use: the detectors import OpenCV and onnxruntime.
    from scanner.detectors.codes import CodeDetector
    from scanner.detectors.displays import DisplayDetector
    from scanner.detectors.documents import DocumentDetector
    from scanner.detectors.faces import CenterFaceDetector

    return {
        "faces": CenterFaceDetector,
        "documents": DocumentDetector,
        "codes": CodeDetector,
        "displays": DisplayDetector,
    }


DETECTORS: Registry[DetectorFactory] = Registry("detector", _builtins)
