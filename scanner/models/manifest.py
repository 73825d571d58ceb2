"""The model manifests: where each model file comes from, what it finds, and a sha256 check on load.

Two manifests are read. The project's own (``models/manifest.toml``; a wheel ships a copy in the
package) lists the built-in models. The user's (``manifest.toml`` in :func:`user_models_dir`,
``$POSTSAFE_MODELS_DIR`` or the platform's data folder) lists models added with
``postsafe models add`` or ``fetch``; it works the same for a source checkout and a plain install.
Sources are package resources (``package:module/path``) or files inside the manifest's folder.

An entry that cannot be used (missing field, unknown task, kind or class) is kept with its
``problem``: asking for it raises :class:`ModelError`, so a broken model fails closed instead of
being skipped, while the other models stay usable.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
import sys
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from scanner.errors import ModelError
from scanner.types import FindingKind

log = logging.getLogger(__name__)

MANIFEST = Path(__file__).resolve().parents[2] / "models" / "manifest.toml"
_PACKAGED_MANIFEST = Path(__file__).resolve().parent / "manifest.toml"
USER_MANIFEST_NAME = "manifest.toml"

TASKS = ("detect-faces", "detect-objects", "text-detect", "text-recognise")
# Names used by earlier manifests; read as the task they meant.
_TASK_ALIASES = {"face": "detect-faces", "text": "text-detect",
                 "text-recognition": "text-recognise"}
DECODERS = ("yolo",)  # how PostSafe runs an added model (built-ins have their own detectors)
KINDS = tuple(k.value for k in FindingKind)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_KNOWN_KEYS = frozenset({"task", "source", "sha256", "licence", "inputs", "outputs", "decoder",
                         "classes", "kinds", "input_size", "confidence", "iou", "enabled",
                         "upstream"})


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    task: str
    source: str  # "package:module/relative/path" or a path relative to the manifest's folder
    sha256: str
    licence: str
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)
    # Added models (decoder set): how to run them and what their classes mean to PostSafe.
    decoder: str = ""
    classes: tuple[str, ...] = ()  # the model's class names, in index order (if recorded)
    kinds: dict[str, str] = field(default_factory=dict)  # class name -> FindingKind value
    input_size: tuple[int, int] | None = None  # (height, width); None: dynamic or from the file
    confidence: float = 0.25  # ultralytics' predict defaults, so results match its own
    iou: float = 0.7
    enabled: bool = True
    upstream: str = ""
    origin: str = "built-in"  # or "user"
    root: Path | None = None  # the folder relative sources are in
    problem: str = ""  # why this entry cannot be used ("" when it can)

    @property
    def added(self) -> bool:
        """A model PostSafe runs as an extra detector (not one a built-in detector names)."""
        return bool(self.decoder) or (self.origin == "user")


# Points at another manifest (e.g. models kept elsewhere); non-package sources are then
# relative to that file's folder. Also how the tests check that altered models fail closed.
MANIFEST_ENV = "POSTSAFE_MODELS_MANIFEST"


def _manifest_path() -> Path:
    override = os.environ.get(MANIFEST_ENV)
    if override:
        return Path(override)
    # Editable installs and the source tree use models/; a wheel ships a copy in the package.
    return MANIFEST if MANIFEST.exists() else _PACKAGED_MANIFEST


def user_models_dir() -> Path:
    """Where ``postsafe models add``/``fetch`` keep files: ``$POSTSAFE_MODELS_DIR``, else the
    platform's per-user data folder (``~/.local/share/postsafe/models`` on Linux)."""
    env = os.environ.get("POSTSAFE_MODELS_DIR")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "postsafe" / "models"


def user_manifest_path() -> Path:
    return user_models_dir() / USER_MANIFEST_NAME


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(f"cannot read model manifest {path}: {exc}") from exc


def _input_size(value: object) -> tuple[int, int] | None:
    if isinstance(value, bool):
        raise ValueError("input_size must be a number of pixels or [height, width]")
    if isinstance(value, int):
        value = [value, value]
    if isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 8192 for v in value):
        return int(value[0]), int(value[1])
    raise ValueError("input_size must be a number of pixels or [height, width]")


def _fraction(entry: dict[str, Any], key: str, default: float) -> float:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ValueError(f"{key} must be a number above 0 and at most 1")
    return float(value)


def parse_entry(name: str, entry: object, path: Path, origin: str, root: Path) -> ModelSpec:
    """One manifest entry as a spec; a problem with it is recorded, not raised."""
    raw = entry if isinstance(entry, dict) else {}
    # The fallback keeps decoder and enabled so a broken added entry still counts as an
    # enabled added model: using it then raises instead of it being silently left out.
    base = ModelSpec(name=name, task=str(raw.get("task", "")), source=str(raw.get("source", "")),
                     sha256=str(raw.get("sha256", "")).lower(),
                     licence=str(raw.get("licence", "unknown")),
                     decoder=str(raw.get("decoder", "")),
                     enabled=raw.get("enabled", True) is not False, origin=origin, root=root)
    try:
        if not isinstance(entry, dict):
            raise ValueError("is not a table")
        if not _NAME.fullmatch(name):
            raise ValueError("has a name that is not letters, digits, '.', '_' or '-'")
        for key in ("task", "source", "sha256"):
            if key not in entry:
                raise KeyError(key)
        task = _TASK_ALIASES.get(str(entry["task"]), str(entry["task"]))
        if task not in TASKS:
            raise ValueError(f"has an unknown task {entry['task']!r} (known: {', '.join(TASKS)})")
        source = str(entry["source"])
        if not source.startswith("package:"):
            rel = Path(source)
            if not source or rel.is_absolute() or ".." in rel.parts:
                raise ValueError(f"source {source!r} must be a file inside {root}")
        decoder = str(entry.get("decoder", ""))
        if decoder and decoder not in DECODERS:
            raise ValueError(f"has an unknown decoder {decoder!r} (known: {', '.join(DECODERS)})")
        classes = entry.get("classes", [])
        if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
            raise ValueError("classes must be a list of names")
        kinds = entry.get("kinds", {})
        if not isinstance(kinds, dict):
            raise ValueError("kinds must be a table of class = kind")
        for cls, kind in kinds.items():
            if kind not in KINDS:
                raise ValueError(f"maps class {cls!r} to an unknown finding kind {kind!r} "
                                 f"(known: {', '.join(KINDS)})")
            if classes and cls not in classes:
                more = ", ..." if len(classes) > 12 else ""
                raise ValueError(f"maps an unknown class {cls!r} (the model's classes: "
                                 f"{', '.join(classes[:12])}{more})")
        if (decoder or origin == "user") and task not in ("detect-faces", "detect-objects"):
            raise ValueError(f"is an added model, so its task must be detect-faces or "
                             f"detect-objects, not {task}")
        if (decoder or origin == "user") and task == "detect-objects" and not kinds:
            raise ValueError("maps none of its classes to a finding kind (add kinds)")
        if (decoder or origin == "user") and not decoder:
            raise ValueError(f"names no decoder (known: {', '.join(DECODERS)})")
        input_size = None
        extra = {k: v for k, v in entry.items() if k not in _KNOWN_KEYS}
        if "input_size" in entry:
            if isinstance(entry["input_size"], str):  # built-ins describe theirs in words
                extra["input_size"] = entry["input_size"]
            else:
                input_size = _input_size(entry["input_size"])
        enabled = entry.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ValueError("enabled must be true or false")
        return ModelSpec(
            name=name, task=task, source=source, sha256=str(entry["sha256"]).lower(),
            licence=str(entry.get("licence", "unknown")),
            inputs=tuple(entry.get("inputs", ())), outputs=tuple(entry.get("outputs", ())),
            extra=extra, decoder=decoder, classes=tuple(classes),
            kinds={str(k): str(v) for k, v in kinds.items()}, input_size=input_size,
            confidence=_fraction(entry, "confidence", 0.25), iou=_fraction(entry, "iou", 0.7),
            enabled=enabled, upstream=str(entry.get("upstream", "")), origin=origin, root=root,
        )
    except KeyError as exc:
        return _broken(base, f"model {name!r} in {path} lacks {exc}")
    except ValueError as exc:
        return _broken(base, f"model {name!r} in {path} {exc}")


def _broken(spec: ModelSpec, problem: str) -> ModelSpec:
    from dataclasses import replace

    return replace(spec, problem=problem)


def _parse(path: Path, origin: str) -> dict[str, ModelSpec]:
    data = read_toml(path)
    models = data.get("models", {})
    if not isinstance(models, dict):
        raise ModelError(f"model manifest {path}: [models] must be a table")
    return {name: parse_entry(name, entry, path, origin, path.parent)
            for name, entry in models.items()}


@lru_cache(maxsize=1)
def load_manifest() -> dict[str, ModelSpec]:
    """Every model: the built-in manifest, then the user's (if it exists)."""
    specs = _parse(_manifest_path(), "built-in")
    user = user_manifest_path()
    if user.exists() and user.resolve() != _manifest_path().resolve():
        for name, spec in _parse(user, "user").items():
            if name in specs:
                # Two files under one name: which one would run is unclear, so run neither.
                raise ModelError(f"model {name!r} in {user} has the name of a built-in model; "
                                 "rename it")
            specs[name] = spec
    return specs


def clear_caches() -> None:
    """Forget parsed manifests and verified bytes (after ``models add``, or in tests)."""
    load_manifest.cache_clear()
    load_verified_bytes.cache_clear()


def get_spec(name: str) -> ModelSpec:
    specs = load_manifest()
    if name not in specs:
        raise ModelError(f"no model named {name!r} in the manifest (have: {', '.join(specs)})")
    spec = specs[name]
    if spec.problem:
        raise ModelError(spec.problem)
    return spec


def resolve(spec: ModelSpec) -> Path:
    if spec.source.startswith("package:"):
        module, _, rel = spec.source[len("package:") :].partition("/")
        found = importlib.util.find_spec(module)
        if found is None or not found.submodule_search_locations:
            raise ModelError(f"model {spec.name}: package {module!r} is not installed")
        return Path(next(iter(found.submodule_search_locations))) / rel
    root = spec.root if spec.root is not None else _manifest_path().parent
    return root / spec.source


def read_verified(spec: ModelSpec) -> bytes:
    """The file's bytes after checking them against the spec's sha256 (uncached)."""
    if spec.problem:
        raise ModelError(spec.problem)
    path = resolve(spec)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"model {spec.name}: cannot read {path}: {exc.strerror or exc}") from exc
    if not _SHA256.fullmatch(spec.sha256):
        raise ModelError(f"model {spec.name}: the manifest's sha256 is not 64 hex digits; "
                         "refusing to use it")
    digest = hashlib.sha256(data).hexdigest()
    if digest != spec.sha256:
        raise ModelError(
            f"model {spec.name}: {path} does not match the manifest (sha256 {digest[:12]}…, "
            f"expected {spec.sha256[:12]}…); refusing to use it"
        )
    return data


@lru_cache(maxsize=8)
def load_verified_bytes(name: str) -> bytes:
    """The model file's bytes, after checking its sha256 against the manifest (fail closed)."""
    data = read_verified(get_spec(name))
    log.debug("model %s verified", name)
    return data
