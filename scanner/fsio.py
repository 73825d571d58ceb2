"""Atomic file writes: a temp file in the target folder, fsync, rename. A reader sees the old
file or the new one, never half of one, and a failure leaves no temp file behind. The folder
must exist: creating folders is the caller's decision."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from scanner.errors import WriteError


@contextlib.contextmanager
def atomic_file(dest: Path, *, mode: int = 0o644) -> Iterator[BinaryIO]:
    """A binary file to write ``dest`` through: a temp file beside it, synced and renamed over
    ``dest`` when the block ends, removed if it raises. For contents written in pieces (an
    archive of many photos) that should never be held whole in memory."""
    try:
        # The pid in the name lets a batch remove what a worker it had to kill left behind.
        fd, tmp = tempfile.mkstemp(prefix=f".postsafe-{os.getpid()}-", suffix=".tmp",
                                   dir=dest.parent)
    except OSError as exc:
        raise WriteError(f"cannot write to {dest.parent}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, dest)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write {dest.name}: {exc.strerror or exc}") from exc
        raise


@contextlib.contextmanager
def atomic_path(dest: Path, *, mode: int = 0o644, suffix: str = ".tmp") -> Iterator[Path]:
    """A temp file's path beside ``dest`` for a writer that needs a name, not a file object
    (a muxer that reopens its output to move an index to the front): synced and renamed over
    ``dest`` when the block ends, removed if it raises."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".postsafe-{os.getpid()}-", suffix=suffix,
                                    dir=dest.parent)
    except OSError as exc:
        raise WriteError(f"cannot write to {dest.parent}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, dest)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write {dest.name}: {exc.strerror or exc}") from exc
        raise


def write_atomic(data: bytes, dest: Path, *, mode: int = 0o644) -> None:
    with atomic_file(dest, mode=mode) as fh:
        fh.write(data)


def resolved(path: Path) -> Path:
    """``path`` made absolute with symlinks followed as far as they go.

    ``Path.resolve()`` raises RuntimeError on a symlink loop (``a.jpg -> b.jpg -> a.jpg``); a
    looping link among the inputs must become one failed photo, not stop the whole batch.
    """
    return Path(os.path.realpath(path))


def path_key(path: Path) -> str:
    """What tells two paths apart (inputs, outputs, earlier runs' outputs): the real path,
    case-folded since on macOS/Windows volumes IMG.JPG and img.jpg are one file."""
    return str(resolved(path)).casefold()


_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Content hash of a regular file; OSError for anything else. Opened without blocking and
    checked before reading: a named pipe among the inputs would otherwise wait forever."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()
