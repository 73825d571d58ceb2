"""scanner.registry: the one idiom of every extension point (detectors, redaction styles,
engines, model backends)."""

from __future__ import annotations

import threading

import pytest

from scanner.batch.engines.builtins import ENGINES
from scanner.detectors.builtins import DETECTORS
from scanner.detectors.yolo.builtins import BACKENDS, backend
from scanner.errors import ModelError, ScannerError, UnknownName
from scanner.redactors.builtins import REDACTORS
from scanner.registry import Registry


def _counting(items: dict[str, int]) -> tuple[Registry[int], list[int]]:
    calls: list[int] = []

    def load() -> dict[str, int]:
        calls.append(1)
        return items

    return Registry("widget", load), calls


def test_builtins_load_once_on_first_lookup() -> None:
    reg, calls = _counting({"a": 1, "b": 2})
    assert calls == []  # nothing is imported until a name is looked up
    assert reg.get("a") == 1
    assert reg.get("b") == 2 and reg.names() == ["a", "b"] and "a" in reg
    assert calls == [1]


def test_builtins_load_once_from_many_threads() -> None:
    reg, calls = _counting({"a": 1})
    barrier = threading.Barrier(8)

    def look() -> None:
        barrier.wait()
        assert reg.get("a") == 1

    threads = [threading.Thread(target=look) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1]


@pytest.mark.parametrize("name", ["", "c", "A", " a"])
def test_unknown_name_raises_with_the_known_names(name: str) -> None:
    reg, _ = _counting({"a": 1, "b": 2})
    with pytest.raises(UnknownName, match=r"no widget named .* \(known: a, b\)") as info:
        reg.get(name)
    assert isinstance(info.value, ScannerError)


def test_empty_registry_says_none() -> None:
    with pytest.raises(UnknownName, match=r"\(known: none\)"):
        Registry[int]("widget", dict).get("a")


def test_register_adds_and_refuses_a_taken_name() -> None:
    reg, _ = _counting({"a": 1})
    reg.register("c", 3)
    assert reg.get("c") == 3 and reg.names() == ["a", "c"]
    for taken in ("a", "c"):
        with pytest.raises(ScannerError, match="already registered"):
            reg.register(taken, 9)


@pytest.mark.parametrize(
    ("registry", "names"),
    [
        (DETECTORS, ["codes", "displays", "documents", "faces"]),
        (REDACTORS, ["blur", "fill", "mosaic"]),
        (ENGINES, ["inprocess", "local", "ray"]),
        (BACKENDS, [".onnx", ".pt"]),
    ],
    ids=["detectors", "redactors", "engines", "backends"],
)
def test_the_four_extension_points_list_their_builtins(registry: Registry[object],
                                                       names: list[str]) -> None:
    assert registry.names() == names
    with pytest.raises(UnknownName, match=", ".join(names)):
        registry.get("nope")


@pytest.mark.parametrize("suffix", ["", ".tflite", ".ONNXX"])
def test_a_model_file_without_backend_is_a_model_error(suffix: str) -> None:
    with pytest.raises(ModelError, match=r"known: \.onnx, \.pt"):
        backend(suffix)


def test_backend_suffix_is_case_blind() -> None:
    assert backend(".ONNX") is backend(".onnx")
