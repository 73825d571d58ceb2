"""The models/ manifest: where each model file comes from, and a sha256 check on load."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from scanner.errors import ModelError

log = logging.getLogger(__name__)

MANIFEST = Path(__file__).resolve().parent.parent / "models" / "manifest.toml"
_PACKAGED_MANIFEST = Path(__file__).resolve().parent / "manifest.toml"


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    task: str
    source: str  # "package:module/relative/path" or a path relative to models/
    sha256: str
    licence: str
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)


# Points at another manifest (e.g. models kept elsewhere); non-package sources are then
# relative to that file's folder. Also how the tests check that altered models fail closed.
MANIFEST_ENV = "POSTSAFE_MODELS_MANIFEST"


def _manifest_path() -> Path:
    override = os.environ.get(MANIFEST_ENV)
    if override:
        return Path(override)
    # Editable installs and the source tree use models/; a wheel ships a copy in the package.
    return MANIFEST if MANIFEST.exists() else _PACKAGED_MANIFEST


@lru_cache(maxsize=1)
def load_manifest() -> dict[str, ModelSpec]:
    path = _manifest_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(f"cannot read model manifest {path}: {exc}") from exc
    specs: dict[str, ModelSpec] = {}
    for name, entry in data.get("models", {}).items():
        known = {"task", "source", "sha256", "licence", "inputs", "outputs"}
        try:
            specs[name] = ModelSpec(
                name=name,
                task=str(entry["task"]),
                source=str(entry["source"]),
                sha256=str(entry["sha256"]).lower(),
                licence=str(entry.get("licence", "unknown")),
                inputs=tuple(entry.get("inputs", ())),
                outputs=tuple(entry.get("outputs", ())),
                extra={k: v for k, v in entry.items() if k not in known},
            )
        except KeyError as exc:
            raise ModelError(f"model {name!r} in {path} lacks {exc}") from exc
    return specs


def get_spec(name: str) -> ModelSpec:
    specs = load_manifest()
    if name not in specs:
        raise ModelError(f"no model named {name!r} in the manifest (have: {', '.join(specs)})")
    return specs[name]


def resolve(spec: ModelSpec) -> Path:
    if spec.source.startswith("package:"):
        module, _, rel = spec.source[len("package:") :].partition("/")
        found = importlib.util.find_spec(module)
        if found is None or not found.submodule_search_locations:
            raise ModelError(f"model {spec.name}: package {module!r} is not installed")
        return Path(next(iter(found.submodule_search_locations))) / rel
    return _manifest_path().parent / spec.source


@lru_cache(maxsize=8)
def load_verified_bytes(name: str) -> bytes:
    """The model file's bytes, after checking its sha256 against the manifest (fail closed)."""
    spec = get_spec(name)
    path = resolve(spec)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"model {name}: cannot read {path}: {exc.strerror or exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != spec.sha256:
        raise ModelError(
            f"model {name}: {path} does not match the manifest (sha256 {digest[:12]}…, "
            f"expected {spec.sha256[:12]}…); refusing to use it"
        )
    log.debug("model %s verified (%s)", name, path)
    return data
