"""The one place that builds onnxruntime sessions: CPU provider, bounded threads, cached."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from scanner.errors import ModelError
from scanner.models.cache import rewritten
from scanner.models.manifest import get_spec, read_verified

log = logging.getLogger(__name__)


def _threads() -> int:
    env = os.environ.get("POSTSAFE_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


@lru_cache(maxsize=1)
def _shared_arena() -> None:
    """One memory arena for every session of this process, registered with onnxruntime's
    environment once. With an arena each, every session kept the memory of its own largest
    run (faces, text, recognition one after another); sharing one lets them reuse it
    (measured on 12 MP photos, one process: peak RSS 930 -> 742 MB, no slower)."""
    import onnxruntime as ort

    info = ort.OrtMemoryInfo("Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0,
                             ort.OrtMemType.DEFAULT)
    # max memory 0 and -1s: onnxruntime's defaults; 0 = grow by powers of two.
    ort.create_and_register_allocator(info, ort.OrtArenaCfg(0, 0, -1, -1))


@lru_cache(maxsize=8)
def session(model_name: str, transform: Callable[[bytes], bytes] | None = None) -> Any:
    """An InferenceSession for a manifest model, built once per process."""
    import onnxruntime as ort

    # Uncached read: the session is itself cached, so a cached copy of the bytes would only
    # keep a second copy of the model in memory for the life of the process.
    data = read_verified(get_spec(model_name))
    if transform is not None:
        # A rewrite costs ~0.5 s a run (most of it importing onnx): kept in the user's cache,
        # keyed by the source's sha256 and the rewrite, checked on every read.
        data = rewritten(model_name, data, transform)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = _threads()
    opts.inter_op_num_threads = 1
    # Inputs change shape with every photo and tile: a memory pattern planned for one shape
    # is thrown away at the next and only holds memory (measured: peak RSS 1202 -> 940 MB,
    # no slower).
    opts.enable_mem_pattern = False
    # Detectors run concurrently (scanner.parallel): threads that spin while idle would burn
    # the cores the other session needs (measured: 1.7x the CPU time, no faster).
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.log_severity_level = 3  # the CenterFace file carries unused initialisers it warns about
    _shared_arena()
    opts.add_session_config_entry("session.use_env_allocators", "1")
    try:
        sess = ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelError(f"model {model_name}: onnxruntime could not load it: {exc}") from exc
    log.debug("session for %s ready (%d threads)", model_name, opts.intra_op_num_threads)
    return sess
