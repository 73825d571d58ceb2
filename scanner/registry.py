"""One idiom for every extension point (detectors, redactors, engines, model backends).

A protocol in the package's ``base.py`` knows no implementation; the package's ``builtins.py``
is the one list of its built-ins, loaded the first time a name is looked up (so start-up imports
no model code). A lookup of an unknown name raises with the names that are known.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

from scanner.errors import ScannerError, UnknownName

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str, builtins: Callable[[], Mapping[str, T]]) -> None:
        self.kind = kind  # in messages: "no {kind} named ..."
        self._builtins = builtins
        self._items: dict[str, T] = {}
        self._loaded = False
        self._lock = threading.Lock()  # detectors are built on threads (engines, web page)

    def _load(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if not self._loaded:
                for name, item in self._builtins().items():
                    self._items.setdefault(name, item)
                self._loaded = True

    def register(self, name: str, item: T) -> None:
        """Add an implementation under a new name (a plug-in); a taken name is refused."""
        self._load()
        with self._lock:
            if name in self._items:
                raise ScannerError(f"a {self.kind} named {name!r} is already registered")
            self._items[name] = item

    def get(self, name: str) -> T:
        self._load()
        try:
            return self._items[name]
        except KeyError:
            raise UnknownName(f"no {self.kind} named {name!r} "
                              f"(known: {', '.join(self.names()) or 'none'})") from None

    def names(self) -> list[str]:
        self._load()
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self.names()
