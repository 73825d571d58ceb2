"""scanner.detectors.recognize.Reading: what counts as readable text, and what as texture."""

from __future__ import annotations

import pytest

from scanner.detectors.recognize import Reading


@pytest.mark.parametrize(("text", "confidence", "readable"), [
    ("", 0.0, False),  # read as nothing
    ("", 0.99, False),
    ("...", 0.95, False),  # punctuation only
    ("Margaret Evans", 0.93, True),
    ("NHS 943 476 5919", 0.41, True),  # faint, but a long reading
    ("abc", 0.39, False),
    ("un", 0.57, False),  # zebra stripes: two letters, not sure
    ("M", 0.99, True),  # a key on a keyboard
    ("14", 0.95, True),  # a room number
    ("Q", 0.91, False),  # a cup's rim
    ("0", 0.99, False),  # a clock face, a wheel
    ("8", 0.90, True),  # a door's number
    ("80", 0.95, True),
    ("Oo", 0.95, False),
    ("卫", 0.78, False),  # a shuttle's tail read as a character, not sure enough
    ("卫", 0.95, True),
])
def test_readable(text: str, confidence: float, readable: bool) -> None:
    assert Reading(text, confidence).readable is readable
