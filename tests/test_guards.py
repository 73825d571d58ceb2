"""conftest.py's guards catch what they are there for: a test outside the integration lane that
loads or runs a built-in model, and a test that reaches beyond this machine."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import conftest
import numpy as np
import pytest

from scanner.config import ScanConfig
from scanner.detectors.faces import CenterFaceDetector
from scanner.detectors.recognize import TextRecognizer
from scanner.detectors.text import TextDetector
from scanner.pipeline.process import Pipeline

TEST_NET = "192.0.2.1"  # RFC 5737: for documentation, never routed


@pytest.fixture
def caught() -> Iterator[list[str]]:
    """What the guards caught in this test, cleared before it would fail the test."""
    yield conftest._TEST.caught
    conftest._TEST.caught.clear()


@pytest.mark.parametrize(("build", "model"), [
    (lambda: CenterFaceDetector(ScanConfig()), "centerface"),
    (lambda: TextDetector(ScanConfig()), "ppocr_v4_det"),
    (TextRecognizer, "ppocr_v4_rec"),
    (lambda: Pipeline(ScanConfig()).detectors, "centerface"),  # the default detectors
], ids=["faces", "text", "recognise", "pipeline"])
def test_an_unmarked_test_cannot_load_a_built_in_model(caught: list[str],
                                                      build: Callable[[], object],
                                                      model: str) -> None:
    with pytest.raises(conftest.RealModelUsed, match="is not marked integration"):
        build()
    assert len(caught) == 1 and f"the real model {model!r}" in caught[0]


class _Unmarked:
    """What conftest's hook sees of a test without the integration mark."""

    nodeid = "tests/test_guards.py::an_unmarked_test"

    def get_closest_marker(self, name: str) -> None:
        return None


@pytest.mark.integration
def test_models_loaded_by_an_integration_test_do_not_reach_the_next_unmarked_one(
        request: pytest.FixtureRequest) -> None:
    detector = CenterFaceDetector(ScanConfig())  # allowed here; the session is now cached
    assert conftest._TEST.caught == []
    conftest._TEST.start(_Unmarked())  # what pytest_runtest_setup does for the next test
    try:
        # Held on to (a module-scoped fixture): running it is caught ...
        with pytest.raises(conftest.RealModelUsed, match="ran the real model 'centerface'"):
            detector.detect(np.zeros((64, 64, 3), np.uint8))
        # ... and built anew: the cache was emptied, so loading it is caught too.
        with pytest.raises(conftest.RealModelUsed, match="loaded the real model 'centerface'"):
            CenterFaceDetector(ScanConfig())
        assert len(conftest._TEST.caught) == 2
    finally:
        conftest._TEST.start(request.node)  # this test again, nothing caught


def test_a_connection_beyond_this_machine_fails_the_test(caught: list[str]) -> None:
    with pytest.raises(OSError, match="tried to reach the network"):
        socket.create_connection((TEST_NET, 443), timeout=1)
    with pytest.raises(OSError, match="tried to reach the network"):
        socket.getaddrinfo("example.org", 443)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, pytest.raises(OSError):
        udp.sendto(b"x", ("8.8.8.8", 53))
    assert len(caught) == 3


def test_network_attempts_are_listed_instead_of_failing_an_offline_test(
        network_attempts: list[str], caught: list[str]) -> None:
    with pytest.raises(OSError):
        socket.getaddrinfo("github.com", 443)
    assert network_attempts == ["getaddrinfo('github.com')"]
    assert caught == []


def test_this_machine_stays_reachable() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
    assert socket.getaddrinfo("localhost", 80)
    left, right = socket.socketpair()  # AF_UNIX
    with left, right:
        left.sendall(b"ok")
        assert right.recv(2) == b"ok"
