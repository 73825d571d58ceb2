"""The model backends, one per file format (the one list of them), and the added models a run
uses, built through them."""

from __future__ import annotations

from scanner.config import ScanConfig
from scanner.detectors.base import Detector
from scanner.detectors.yolo.base import ModelDetectorFactory
from scanner.errors import ModelError, UnknownName
from scanner.models.manifest import ModelSpec, get_spec, load_manifest, resolve
from scanner.registry import Registry


def _builtins() -> dict[str, ModelDetectorFactory]:
    from scanner.detectors.yolo.onnx import YoloOnnxDetector
    from scanner.detectors.yolo.pt import YoloPtDetector

    return {".onnx": YoloOnnxDetector, ".pt": YoloPtDetector}


BACKENDS: Registry[ModelDetectorFactory] = Registry("model backend", _builtins)


def backend(suffix: str) -> ModelDetectorFactory:
    """The backend for a model file's suffix; a ModelError (the model is the problem) names
    the known ones."""
    try:
        return BACKENDS.get(suffix.lower())
    except UnknownName:
        raise ModelError(f"no model backend for {suffix or 'extension-less'} files "
                         f"(known: {', '.join(BACKENDS.names())})") from None


def added_models(config: ScanConfig) -> list[ModelSpec]:
    """The added models a run uses: every enabled one, or those named in ``config.models``.

    Raises ModelError for a broken entry that would be used (fail closed, never skipped)."""
    specs = load_manifest()
    if config.models is None:
        chosen = [s for s in specs.values() if s.added and s.enabled]
    else:
        chosen = []
        for name in config.models:
            spec = get_spec(name)
            if not spec.added:
                raise ModelError(f"model {name} is built in; --models names added models")
            chosen.append(spec)
    for spec in chosen:
        if spec.problem:
            raise ModelError(spec.problem)
    return chosen


def build_added(config: ScanConfig) -> list[Detector]:
    return [backend(resolve(spec).suffix)(spec, config) for spec in added_models(config)]
