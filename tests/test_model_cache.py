"""scanner.models.cache: rewritten model files kept per user, keyed by the source's sha256 and
the rewrite, checked on every read; a damaged entry is ignored and rebuilt, nothing is written
outside the cache folder, and nothing reaches the network. Tiny byte strings stand in for the
models here; the real ones are checked in the integration test at the end."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanner.models import cache

CALLS: list[bytes] = []


def upper(data: bytes) -> bytes:
    """A rewrite: what it returns depends only on its input (and its own source)."""
    CALLS.append(data)
    return data.upper() + b"!"


def lower(data: bytes) -> bytes:
    CALLS.append(data)
    return data.lower()


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    monkeypatch.delenv(cache.SWITCH_ENV, raising=False)
    CALLS.clear()
    return folder


def entries(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


def test_the_second_load_comes_from_the_cache(cache_dir: Path) -> None:
    assert cache.rewritten("m", b"model", upper) == b"MODEL!"
    assert cache.rewritten("m", b"model", upper) == b"MODEL!"
    assert CALLS == [b"model"]  # rewritten once
    (entry,) = entries(cache_dir)
    assert entry.name.startswith("m-") and entry.suffix == ".onnx"
    assert oct(entry.stat().st_mode & 0o777) == oct(0o600)


@pytest.mark.parametrize("damage", ["flip a byte of the body", "cut short", "empty",
                                    "another header", "digest changed", "not a file"])
def test_a_damaged_entry_is_ignored_and_rebuilt(cache_dir: Path, damage: str) -> None:
    cache.rewritten("m", b"model", upper)
    (entry,) = entries(cache_dir)
    data = entry.read_bytes()
    head = len(cache.FORMAT) + 65
    if damage == "flip a byte of the body":
        entry.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    elif damage == "cut short":
        entry.write_bytes(data[:-2])
    elif damage == "empty":
        entry.write_bytes(b"")
    elif damage == "another header":
        entry.write_bytes(b"x" + data[1:])
    elif damage == "digest changed":
        digest = data[len(cache.FORMAT):head - 1]
        entry.write_bytes(data.replace(digest, digest[::-1], 1))
    else:
        entry.unlink()
        entry.mkdir()
    CALLS.clear()
    assert cache.rewritten("m", b"model", upper) == b"MODEL!"
    assert CALLS == [b"model"]  # not taken from the damaged entry: rewritten again
    if damage != "not a file":
        # ... and stored again, whole: the next run reads it.
        CALLS.clear()
        assert cache.read_entry(entry) == b"MODEL!"
        assert cache.rewritten("m", b"model", upper) == b"MODEL!"
        assert CALLS == []


def test_a_consistent_but_foreign_entry_is_never_used_for_other_bytes(cache_dir: Path) -> None:
    """The key holds the source's sha256: another source (a model replaced, with its manifest)
    never reads the entry of the old one, even one forged to look whole."""
    cache.rewritten("m", b"old model", upper)
    (old_entry,) = entries(cache_dir)
    CALLS.clear()
    assert cache.rewritten("m", b"new model", upper) == b"NEW MODEL!"
    assert CALLS == [b"new model"]
    (new_entry,) = entries(cache_dir)  # the old one is removed: one copy of each model
    assert new_entry != old_entry


def test_a_new_entry_replaces_the_models_older_ones(cache_dir: Path) -> None:
    cache.rewritten("m", b"old model", upper)
    cache.rewritten("m-two", b"another model", upper)  # a name that starts like it: kept
    cache.rewritten("m", b"new model", upper)
    names = [p.name for p in entries(cache_dir)]
    assert len(names) == 2 and sum(n.startswith("m-two-") for n in names) == 1
    CALLS.clear()
    assert cache.rewritten("m", b"new model", upper) == b"NEW MODEL!"
    assert cache.rewritten("m-two", b"another model", upper) == b"ANOTHER MODEL!"
    assert CALLS == []


def test_the_rewrite_is_part_of_the_key(cache_dir: Path) -> None:
    assert cache.rewritten("m", b"Model", upper) == b"MODEL!"
    assert cache.rewritten("m", b"Model", lower) == b"model"
    assert cache.rewritten("m", b"Model", upper) == b"MODEL!"
    assert CALLS == [b"Model", b"Model", b"Model"]
    a, b = cache.rewrite_id(upper), cache.rewrite_id(lower)
    assert a is not None and b is not None and a != b


def test_the_rewrite_source_is_part_of_the_key(cache_dir: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Editing a rewrite (its module's source) makes new entries: a stale one is never read."""
    before = cache.rewrite_id(upper)
    monkeypatch.setattr(cache, "_file_digest", lambda path: "edited")
    assert cache.rewrite_id(upper) != before


def test_rewrites_that_cannot_be_named_are_not_cached(cache_dir: Path) -> None:
    assert cache.rewrite_id(lambda data: data) is None
    assert cache.rewritten("m", b"model", lambda data: data + b"?") == b"model?"
    assert entries(cache_dir) == []


def test_switched_off_nothing_is_read_or_written(cache_dir: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.SWITCH_ENV, "off")
    assert cache.rewritten("m", b"model", upper) == b"MODEL!"
    assert cache.rewritten("m", b"model", upper) == b"MODEL!"
    assert CALLS == [b"model", b"model"]
    assert entries(cache_dir) == []


def test_an_unwritable_cache_only_costs_the_rewrite(cache_dir: Path) -> None:
    cache_dir.parent.mkdir(parents=True, exist_ok=True)
    cache_dir.write_bytes(b"a file where the folder should be")
    assert cache.rewritten("m", b"model", upper) == b"MODEL!"
    assert cache.rewritten("m", b"model", upper) == b"MODEL!"
    assert len(CALLS) == 2
    assert cache_dir.read_bytes() == b"a file where the folder should be"


def test_nothing_is_written_outside_the_cache_folder(cache_dir: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    cache.rewritten("m", b"model", upper)
    cache.rewritten("m", b"damaged next", upper)
    (cache_dir / os.listdir(cache_dir)[0]).write_bytes(b"junk")
    cache.rewritten("m", b"model", upper)
    cache.rewritten("m", b"damaged next", upper)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert written == [Path("cache"), *sorted(p.relative_to(tmp_path) for p in
                                             cache_dir.iterdir()), Path("cwd")]
    assert all(not p.name.endswith(".tmp") for p in cache_dir.iterdir())


def test_the_default_folder_is_the_users_cache(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.delenv(cache.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if os.name == "posix" and cache.sys.platform != "darwin":
        assert cache.cache_dir() == tmp_path / "postsafe" / "models"


def test_offline(cache_dir: Path, network_attempts: list[str]) -> None:
    cache.rewritten("m", b"model", upper)
    cache.rewritten("m", b"model", upper)
    assert network_attempts == []


@pytest.mark.integration
def test_cached_real_models_are_the_rewrites_byte_for_byte(cache_dir: Path) -> None:
    """The bytes a session is built from are the same, from the cache or rewritten afresh."""
    from scanner.detectors import faces
    from scanner.models.manifest import get_spec, read_verified
    from scanner.models.rewrites import tidy_paddle

    for name, rewrite in (("centerface", faces._prepare), ("ppocr_v4_det", tidy_paddle)):
        source = read_verified(get_spec(name))
        fresh = rewrite(source)
        assert cache.rewritten(name, source, rewrite) == fresh  # written
        assert cache.rewritten(name, source, rewrite) == fresh  # read
    assert len(entries(cache_dir)) == 2
