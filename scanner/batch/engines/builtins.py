"""The built-in engines: the one list of them (Ray itself is imported only when used)."""

from __future__ import annotations

from scanner.batch.engines.base import EngineFactory
from scanner.registry import Registry


def _builtins() -> dict[str, EngineFactory]:
    from scanner.batch.engines.inprocess import InProcessEngine
    from scanner.batch.engines.local import ProcessEngine
    from scanner.batch.engines.ray import RayEngine

    return {"inprocess": InProcessEngine, "local": ProcessEngine, "ray": RayEngine}


ENGINES: Registry[EngineFactory] = Registry("engine", _builtins)
