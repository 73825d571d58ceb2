"""A mutation fuzzer over real file headers, through load + metadata inventory + detect + redact
+ encode + write (``Pipeline.process`` with a fake face detector).

Seeds are valid JPEG (EXIF with GPS and a thumbnail), PNG (eXIf, tEXt), WebP (EXIF), TIFF,
HEIC, animated GIF, MPO and BMP files built here. Hypothesis mutates them: byte flips weighted
towards the headers, inserts, deletions, truncation, duplicated ranges, and EXIF segments spliced
in (themselves mutated). Every example must end as a result (never an exception): an error with
a one-line reason and no output, or an output that is exactly one clean picture.

Bounded: ``POSTSAFE_FUZZ_EXAMPLES`` examples (default 400 in ``make test``) and at most
``POSTSAFE_FUZZ_SECONDS`` of wall time (default 120); examples past the time budget return at
once. The numbers of examples and pipeline runs really made are printed at the end of the test
session. A longer, freshly random run:

    POSTSAFE_FUZZ_RANDOM=1 POSTSAFE_FUZZ_EXAMPLES=20000 POSTSAFE_FUZZ_SECONDS=1800 \
        .venv/bin/pytest -q tests/test_fuzz.py
"""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path

import pytest
from helpers import (
    COUNTS,
    CentreFace,
    assert_one_clean_picture,
    exif_bytes,
    gif_bytes,
    heic_bytes,
    jpeg_bytes,
    mpo_bytes,
    orientation_exif,
    png_bytes,
    save,
    tiff_bytes,
    webp_bytes,
)
from hostile import other_frame, picture
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.config import ScanConfig
from scanner.pipeline.process import Pipeline
from scanner.types import Status

EXAMPLES = int(os.environ.get("POSTSAFE_FUZZ_EXAMPLES", "400"))
BUDGET_S = float(os.environ.get("POSTSAFE_FUZZ_SECONDS", "120"))
# Fixed example sequence in `make test` (reproducible); POSTSAFE_FUZZ_RANDOM=1 explores anew.
RANDOM = os.environ.get("POSTSAFE_FUZZ_RANDOM") == "1"
# Small limits keep each example fast: a mutated header that claims 100 MP is refused the same
# way at 4 MP, without allocating 300 MB first.
CONFIG = ScanConfig(max_pixels=4_000_000, max_file_bytes=8 * 2**20)


def _seeds() -> dict[str, bytes]:
    px = picture(40, 30)
    exif = exif_bytes()
    return {
        "jpeg": jpeg_bytes(px, exif=exif),
        "png": png_bytes(px, text={"Author": "someone"}, exif=exif_bytes(thumbnail=False)),
        "webp": webp_bytes(px, exif=exif, quality=80),
        "tiff": tiff_bytes(px),
        "heic": heic_bytes(px, exif=exif),
        "gif": gif_bytes([px, other_frame(2)[:30, :40]]),
        "mpo": mpo_bytes(px, other_frame(2)[:30, :40]),
        "bmp": save(px, "BMP"),
        "jpeg_progressive": save(px, "JPEG", progressive=True, exif=exif),
    }


SEEDS = _seeds()
NAMES = sorted(SEEDS)
EXIF_POOL = [
    exif_bytes(),
    orientation_exif(6),
    b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00",
]

mutation = st.one_of(
    # (kind, position as a fraction or a header offset, payload)
    st.tuples(st.just("flip"), st.integers(0, 511), st.integers(0, 255)),
    st.tuples(st.just("flip_anywhere"), st.floats(0, 1), st.integers(0, 255)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 64)),
    st.tuples(st.just("truncate"), st.floats(0, 1), st.just(0)),
    st.tuples(st.just("duplicate"), st.floats(0, 1), st.integers(1, 256)),
    st.tuples(st.just("splice_exif"), st.integers(0, len(EXIF_POOL) - 1),
              st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=6)),
    st.tuples(st.just("big_number"), st.integers(0, 511),
              st.sampled_from([0, 1, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF])),
)


def _splice_exif(data: bytes, exif: bytes) -> bytes:
    if not exif.startswith(b"Exif"):
        exif = b"Exif\x00\x00" + exif
    if data.startswith(b"\xff\xd8"):
        seg = b"\xff\xe1" + struct.pack(">H", min(len(exif) + 2, 0xFFFF)) + exif
        return data[:2] + seg + data[2:]
    if data.startswith(b"\x89PNG"):
        import zlib

        body = exif[6:]
        chunk = (struct.pack(">I", len(body)) + b"eXIf" + body
                 + struct.pack(">I", zlib.crc32(b"eXIf" + body) & 0xFFFFFFFF))
        return data[:33] + chunk + data[33:]
    return data + exif  # elsewhere: trailing junk that looks like EXIF


def mutate(data: bytes, ops: list[tuple]) -> bytes:  # type: ignore[type-arg]
    buf = bytearray(data)
    for kind, where, what in ops:
        n = len(buf)
        if n == 0:
            break
        at = int(where * (n - 1)) if isinstance(where, float) else where % n
        if kind in ("flip", "flip_anywhere"):
            buf[at] = what
        elif kind == "insert":
            buf[at:at] = what
        elif kind == "delete":
            del buf[at : at + what]
        elif kind == "truncate":
            del buf[max(1, at) :]
        elif kind == "duplicate":
            buf[at:at] = buf[at : at + what]
        elif kind == "splice_exif":
            exif = bytearray(EXIF_POOL[where])
            for pos, value in what:
                exif[pos % len(exif)] = value
            buf = bytearray(_splice_exif(bytes(buf), bytes(exif)))
        elif kind == "big_number":
            width = 2 if what <= 0xFFFF else 4
            buf[at : at + width] = what.to_bytes(width, "big" if at % 2 else "little")
    return bytes(buf)


# How Pipeline.process words an exception it did not expect (see scanner/pipeline.py).
SURPRISES = ("internal error", "could not read the file's metadata")


class _Budget:
    started: float | None = None
    examples = 0  # mutated files tried
    runs = 0  # Pipeline.process calls (scan, then scan + write for files that decode)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not RANDOM,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(name=st.sampled_from(NAMES), ops=st.lists(mutation, min_size=1, max_size=6))
def test_mutated_files_fail_closed_or_come_out_clean(fuzz_dir: Path, name: str,
                                                     ops: list[tuple]) -> None:  # type: ignore[type-arg]
    if _Budget.started is None:
        _Budget.started = time.monotonic()
    if time.monotonic() - _Budget.started > BUDGET_S:
        return  # the wall-time bound: later examples are not run
    data = mutate(SEEDS[name], ops)
    _Budget.examples += 1
    COUNTS["fuzz examples"] = _Budget.examples
    src = fuzz_dir / "in.bin"
    src.write_bytes(data)
    out_dir = fuzz_dir / "out"
    out_dir.mkdir(exist_ok=True)
    pipeline = Pipeline(CONFIG, detectors=[CentreFace()])
    # The output name follows the format the content is decoded as (as the batch does).
    result = pipeline.process(src, None)
    _Budget.runs += 1
    COUNTS["fuzz pipeline runs"] = _Budget.runs
    if result.status is Status.ERROR:
        assert result.error and "\n" not in result.error and len(result.error) < 400
        # The pipeline turns any surprise into an error (fail closed); here a surprise is a bug.
        assert not result.error.startswith(SURPRISES), result.error
        return
    ext = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif", "BMP": ".bmp"}
    target = out_dir / f"out{ext[result.output_format or 'JPEG']}"
    written = pipeline.process(src, target)
    _Budget.runs += 1
    COUNTS["fuzz pipeline runs"] = _Budget.runs
    if written.status is Status.ERROR:
        assert written.error and "\n" not in written.error
        assert not target.exists() or written.output is None
        return
    assert_one_clean_picture(target.read_bytes(), written.output_format or "")
    assert not list(out_dir.glob(".postsafe-*"))
    target.unlink()


def test_seeds_are_valid(tmp_path: Path) -> None:
    """The fuzzer starts from files that decode: a broken seed would test nothing."""
    pipeline = Pipeline(CONFIG, detectors=[CentreFace()])
    for name, data in SEEDS.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = pipeline.process(path, None)
        assert result.status is not Status.ERROR, (name, result.error)
        assert (result.width or 0) * (result.height or 0) > 0
