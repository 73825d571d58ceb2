"""Coverage-guided fuzzing of load + metadata inventory + redact + encode with atheris.

Optional (atheris is not a dependency and CI does not run this): ``pip install atheris`` in the
venv, then

    .venv/bin/python fuzz/atheris_pipeline.py -max_total_time=600 -rss_limit_mb=3072 [CORPUS_DIR]

Pillow's format plugins are Python, so they are instrumented along with ``scanner``. The seeds
are the same small valid files the Hypothesis fuzzer starts from (tests/test_fuzz.py), written
into CORPUS_DIR when it is empty. libFuzzer prints the number of executions ("Done N runs").
Any exception other than ScannerError is a finding: rerun it
with ``.venv/bin/python fuzz/atheris_pipeline.py CRASH_FILE`` and add it to tests/hostile.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

with atheris.instrument_imports(include=["scanner", "PIL"]):
    import numpy as np

    from scanner.config import ScanConfig
    from scanner.errors import ScannerError
    from scanner.imageio import check_decodes, decode, encode, output_format
    from scanner.metadata import inspect_metadata
    from scanner.redactors.base import get as get_redactor
    from scanner.types import Region

CONFIG = ScanConfig(max_pixels=4_000_000, max_file_bytes=8 * 2**20)


def one_input(data: bytes) -> None:
    try:
        loaded = decode(data, CONFIG)
    except ScannerError:
        return
    inspect_metadata(loaded.data, loaded.pil)
    pixels = loaded.pixels
    h, w = pixels.shape[:2]
    redacted = get_redactor("mosaic")(CONFIG).redact(
        pixels, [Region(w * 0.3, h * 0.3, w * 0.7 + 1, h * 0.7 + 1).clip(w, h)])
    assert redacted.shape == pixels.shape and redacted.dtype == np.uint8
    fmt = output_format(loaded.format, CONFIG)
    out = encode(redacted, fmt, CONFIG)
    check_decodes(out, fmt, w, h)


def _seed(folder: Path) -> None:
    from test_fuzz import SEEDS

    folder.mkdir(parents=True, exist_ok=True)
    if not any(folder.iterdir()):
        for name, data in SEEDS.items():
            (folder / name).write_bytes(data)


if __name__ == "__main__":
    args = sys.argv[1:]
    dirs = [a for a in args if not a.startswith("-") and Path(a).is_dir()]
    for d in dirs:
        _seed(Path(d))
    atheris.Setup([sys.argv[0], *args], one_input)
    atheris.Fuzz()
