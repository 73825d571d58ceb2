"""Adding models: ``postsafe models add`` (a file the user has) and ``models fetch`` (the COCO
YOLO through ultralytics, the only step in PostSafe that goes online, and only when asked).

Files are copied into the user's models folder and recorded, with their sha256, in its
manifest.toml; both are written atomically, and a model that does not load is not recorded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scanner.errors import ModelError, OfflineError, UsageError
from scanner.fsio import write_atomic
from scanner.models.manifest import (
    KINDS,
    ModelSpec,
    _manifest_path,
    clear_caches,
    load_manifest,
    parse_entry,
    read_toml,
    user_manifest_path,
    user_models_dir,
)

log = logging.getLogger(__name__)

SUFFIXES = (".onnx", ".pt")
# `models fetch` knows ultralytics' COCO detectors; what their classes mean to PostSafe:
COCO_KINDS = {"person": "person", "tv": "screen", "laptop": "screen", "cell phone": "screen",
              "book": "document"}
FETCHABLE = re.compile(r"yolo(11|v8)[nsmlx]")
COCO_LICENCE = ("AGPL-3.0 (Ultralytics YOLO, trained on COCO; fetched and exported with "
                "ultralytics)")
COCO_UPSTREAM = "https://github.com/ultralytics/ultralytics"


def class_names(path: Path) -> list[str]:
    """The class names an ultralytics model file carries (ONNX metadata, or the checkpoint)."""
    from scanner.detectors.yolo.base import parse_names

    if path.suffix.lower() not in SUFFIXES:
        raise UsageError(f"{path.name}: a model must be an ultralytics .onnx or .pt file")
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    if path.suffix.lower() == ".onnx":
        import onnx

        try:
            model = onnx.load(str(path), load_external_data=False)
        except Exception as exc:  # onnx raises DecodeError and friends for a bad file
            raise ModelError(f"{path.name} is not a readable ONNX model: {exc}") from exc
        meta = {p.key: p.value for p in model.metadata_props}
        if "names" not in meta:
            raise ModelError(f"{path.name} does not name its classes (export it with "
                             "ultralytics, which records them)")
        return parse_names(meta["names"])
    from scanner.detectors.yolo.pt import load_checkpoint

    return parse_names(load_checkpoint(path.read_bytes(), path.name).names)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # JSON string escapes are valid TOML basic-string escapes; DEL must be escaped too.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_toml_key(str(k))} = {_toml_value(v)}"
                                for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def dump_manifest(models: Mapping[str, Mapping[str, Any]]) -> str:
    lines = ["# Models added with `postsafe models add` / `fetch`. Checked against sha256 on",
             "# every load; edit with care (see models/manifest.toml in PostSafe for the fields).",
             ""]
    for name, entry in models.items():
        lines.append(f"[models.{_toml_key(name)}]")
        lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in entry.items())
        lines.append("")
    return "\n".join(lines)


def _sanitise(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "model"


def add_model(path: Path, kinds: Mapping[str, str], *, name: str | None = None,
              licence: str | None = None, task: str | None = None,
              upstream: str = "", confidence: float | None = None,
              input_size: int | None = None) -> ModelSpec:
    """Copy an ultralytics YOLO file (.onnx or .pt) into the user's models folder and record it.

    ``kinds`` maps class names to finding kinds; ``input_size`` is the square size a .pt model
    runs at (default 640; an .onnx file's own size always wins). Raises UsageError for a bad
    request (nothing is written) and ModelError for a file that is not a usable model."""
    if path.suffix.lower() not in SUFFIXES:
        raise UsageError(f"{path.name}: a model must be an ultralytics .onnx or .pt file")
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    name = name or _sanitise(path.stem)
    specs = load_manifest()
    if name in specs:
        raise UsageError(f"a model named {name!r} is already installed ({specs[name].origin}); "
                         "choose another --name")
    for kind in kinds.values():
        if kind not in KINDS:
            raise UsageError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
    names = class_names(path)
    unknown = [c for c in kinds if c not in names]
    if unknown:
        raise UsageError(f"unknown class {unknown[0]!r}: {path.name} knows "
                         f"{', '.join(names[:20])}{', ...' if len(names) > 20 else ''}")
    if not kinds:
        raise UsageError("map at least one class to a kind")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if task is None:
        task = "detect-faces" if set(kinds.values()) == {"face"} else "detect-objects"
    entry: dict[str, Any] = {
        "task": task, "decoder": "yolo", "source": f"{name}{path.suffix.lower()}",
        "sha256": hashlib.sha256(data).hexdigest(),
        "licence": licence or "unknown (added by the user: record its licence with --licence)",
        "classes": names, "kinds": dict(kinds),
    }
    if upstream:
        entry["upstream"] = upstream
    if confidence is not None:
        entry["confidence"] = confidence
    if input_size is not None:
        entry["input_size"] = input_size
    folder = user_models_dir()
    manifest = user_manifest_path()
    spec = parse_entry(name, entry, manifest, "user", folder)
    if spec.problem:
        raise UsageError(spec.problem)
    _check_loads(spec, data, path.suffix.lower())
    if folder.resolve() == _manifest_path().parent.resolve():
        raise UsageError(f"{folder} holds the built-in manifest; set POSTSAFE_MODELS_DIR to "
                         "another folder")
    existing = read_toml(manifest).get("models", {}) if manifest.exists() else {}
    target = folder / str(entry["source"])
    if target.exists():
        raise UsageError(f"{target} already exists but is not in {manifest}; move it away first")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {folder}: {exc.strerror or exc}") from exc
    write_atomic(data, target)
    try:
        write_atomic(dump_manifest({**existing, name: entry}).encode("utf-8"), manifest)
    except BaseException:
        with contextlib.suppress(OSError):
            target.unlink()
        raise
    clear_caches()
    log.info("model %s added as %s", name, target)
    return spec


def _check_loads(spec: ModelSpec, data: bytes, suffix: str) -> None:
    """Refuse to record a model that PostSafe could not run."""
    from scanner.detectors.yolo import base as yolo
    if suffix == ".onnx":
        import onnxruntime as ort

        from scanner.detectors.yolo.onnx import describe

        try:
            sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"onnxruntime cannot load {spec.source}: {exc}") from exc
        names = describe(sess, spec)[0]
    else:
        from scanner.detectors.yolo.pt import load_checkpoint

        names = yolo.parse_names(load_checkpoint(data, spec.source).names)
    yolo.class_kinds(spec, names)


def fetch_model(name: str, imgsz: int = 640) -> ModelSpec:
    """Let ultralytics download a COCO YOLO, export it to ONNX and add it (online)."""
    if not FETCHABLE.fullmatch(name):
        raise UsageError(f"cannot fetch {name!r}: known are yolo11n/s/m/l/x and yolov8n/s/m/l/x")
    if name in load_manifest():
        raise UsageError(f"a model named {name!r} is already installed")
    from scanner.detectors.yolo.base import ultralytics_env
    from scanner.detectors.yolo.pt import EXTRA_HINT

    ultralytics_env(offline=False)
    try:
        from ultralytics import YOLO
        from ultralytics.utils.downloads import attempt_download_asset
    except ImportError as exc:
        raise ModelError(f"models fetch needs ultralytics: {EXTRA_HINT}") from exc
    with tempfile.TemporaryDirectory(prefix="postsafe-fetch-") as tmp:
        weights = Path(tmp) / f"{name}.pt"
        offline = os.environ.pop("YOLO_OFFLINE", None)  # this one step is meant to go online
        try:
            attempt_download_asset(weights)
        except Exception as exc:  # requests/curl/ultralytics raise many kinds on a failed download
            raise OfflineError(
                f"cannot fetch {name}: no internet connection to download {name}.pt "
                f"({type(exc).__name__}); on a machine with internet run `postsafe models fetch "
                f"{name}`, or add an exported file with `postsafe models add`") from exc
        finally:
            if offline is not None:
                os.environ["YOLO_OFFLINE"] = offline
        if not weights.is_file():
            raise OfflineError(f"cannot fetch {name}: the download left no {name}.pt")
        try:
            exported = YOLO(str(weights)).export(format="onnx", imgsz=imgsz, simplify=False,
                                                 dynamic=False)
        except Exception as exc:  # the exporter's failures are not typed
            raise ModelError(f"cannot export {name} to ONNX: {exc}") from exc
        return add_model(Path(exported), COCO_KINDS, name=name, licence=COCO_LICENCE,
                         upstream=COCO_UPSTREAM)


def parse_kinds(kind: str, classes: str | None, names: Sequence[str] | None = None,
                extra: Sequence[str] = ()) -> dict[str, str]:
    """``--kind K --classes "a,b"`` (and ``--map class=kind``) as a class -> kind mapping;
    without --classes every class of the model (``names``) maps to K."""
    mapping: dict[str, str] = {}
    if classes is not None:
        wanted = [c.strip() for c in classes.split(",") if c.strip()]
        if not wanted:
            raise UsageError("--classes names no class")
        mapping.update(dict.fromkeys(wanted, kind))
    elif kind and names is not None:
        mapping.update(dict.fromkeys(names, kind))
    for item in extra:
        cls, sep, k = item.partition("=")
        if not sep or not cls.strip() or not k.strip():
            raise UsageError(f"--map {item!r}: expected CLASS=KIND")
        mapping[cls.strip()] = k.strip()
    return mapping
