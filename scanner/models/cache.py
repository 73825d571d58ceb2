"""A cache of rewritten model files, so a run does not parse and rewrite them (and import the
``onnx`` library, ~0.4 s of the 0.5 s a rewrite costs) every time it starts.

Only the bytes a rewrite (``scanner.models.rewrites``) made from a file that passed its sha256
check are kept, in the user's cache folder (``$POSTSAFE_CACHE_DIR``, else the platform's:
``~/.cache/postsafe/models`` on Linux). An entry is named by a key made of everything its bytes
depend on: the source file's sha256, the rewrite (its name, the source of its module and of
``rewrites.py``), the ``onnx`` and numpy versions, and the entry format. Each entry carries the
sha256 of its body and is checked against it when read; an entry that is missing, unreadable,
cut short or altered is ignored (and removed) and the rewrite runs again: the cache can make a
run faster, never different. Writes are atomic (a temp file, fsync, rename), in the cache
folder only; a cache that cannot be written is skipped. Writing a model's entry removes its
older ones (one copy of each model is kept). Nothing here uses the network.
``POSTSAFE_MODEL_CACHE=off`` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from scanner.errors import ScannerError
from scanner.fsio import write_atomic
from scanner.models import rewrites

log = logging.getLogger(__name__)

FORMAT = b"postsafe-model-cache 1\n"  # the first line of every entry
_DIGEST_LINE = 65  # 64 hex digits and a newline, after FORMAT
CACHE_ENV = "POSTSAFE_CACHE_DIR"
SWITCH_ENV = "POSTSAFE_MODEL_CACHE"  # "off" (or 0/no/false): never read nor write entries


def cache_dir() -> Path:
    """``$POSTSAFE_CACHE_DIR``, else the platform's per-user cache folder + postsafe/models."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "postsafe" / "cache" / "models"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "postsafe" / "models"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "postsafe" / "models"


def enabled() -> bool:
    return os.environ.get(SWITCH_ENV, "").strip().lower() not in ("off", "0", "no", "false")


@lru_cache(maxsize=1)
def _onnx_version() -> str:
    """The installed onnx distribution's version, from its dist-info folder's name (without
    importing onnx, which is what the cache saves)."""
    found = importlib.util.find_spec("onnx")
    if found is None or found.origin is None:
        return "none"
    names = sorted(p.name for p in Path(found.origin).parent.parent.glob("onnx-*.dist-info"))
    return names[-1] if names else "unknown"


@lru_cache(maxsize=16)
def _file_digest(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def rewrite_id(transform: Callable[[bytes], bytes]) -> str | None:
    """What a rewrite's output depends on besides its input, as text; None when it cannot be
    told (a lambda, a partial, a function without a source file): such a rewrite is not
    cached."""
    module_name = getattr(transform, "__module__", None)
    qualname = getattr(transform, "__qualname__", None)
    module = sys.modules.get(module_name or "")
    source = getattr(module, "__file__", None)
    if not module_name or not qualname or "<" in qualname or not source:
        return None
    parts = [f"{module_name}.{qualname}", _file_digest(source),
             _file_digest(rewrites.__file__ or "-"), _onnx_version(), f"numpy-{np.__version__}"]
    return "\n".join(parts)


def entry_path(model_name: str, source_sha256: str, rewrite: str) -> Path:
    """Where the entry for these inputs lives (model names are letters, digits, ._-)."""
    key = hashlib.sha256(b"\n".join([FORMAT, source_sha256.encode(), rewrite.encode()]))
    return cache_dir() / f"{model_name}-{key.hexdigest()[:32]}.onnx"


def read_entry(path: Path) -> bytes | None:
    """The body of a cache entry when it is whole and unaltered; else None (and a damaged
    entry is removed, so that the next run writes it again)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.info("model cache: cannot read %s (%s); rebuilding", path.name, exc.strerror or exc)
        return None
    head = len(FORMAT) + _DIGEST_LINE
    body = data[head:]
    if (data[: len(FORMAT)] != FORMAT or data[head - 1 : head] != b"\n"
            or hashlib.sha256(body).hexdigest().encode() != data[len(FORMAT) : head - 1]):
        log.warning("model cache: %s is damaged; ignoring it and rebuilding", path.name)
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return body


def write_entry(path: Path, body: bytes) -> None:
    """Write an entry atomically; a cache that cannot be written is only logged."""
    data = FORMAT + hashlib.sha256(body).hexdigest().encode() + b"\n" + body
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(data, path, mode=0o600)
    except (OSError, ScannerError) as exc:
        log.info("model cache: cannot write %s: %s", path, exc)
        return
    _prune(path)


def _prune(kept: Path) -> None:
    """Remove the model's other entries (an older rewrite, onnx or numpy, an earlier file), so
    the cache holds one copy of each model rather than growing with every upgrade."""
    model_name = kept.name.rsplit("-", 1)[0]
    for other in kept.parent.glob(f"{model_name}-*.onnx"):
        if other != kept and other.name.rsplit("-", 1)[0] == model_name:
            with contextlib.suppress(OSError):
                other.unlink()
                log.debug("model cache: removed the older entry %s", other.name)


def rewritten(model_name: str, data: bytes, transform: Callable[[bytes], bytes]) -> bytes:
    """``transform(data)``, from the cache when an intact entry for exactly these inputs is
    there; otherwise computed and stored. ``data`` must already have passed its sha256 check."""
    rewrite = rewrite_id(transform) if enabled() else None
    if rewrite is None:
        return transform(data)
    path = entry_path(model_name, hashlib.sha256(data).hexdigest(), rewrite)
    body = read_entry(path)
    if body is not None:
        log.debug("model %s: rewritten file from the cache (%s)", model_name, path.name)
        return body
    body = transform(data)
    write_entry(path, body)
    return body
