"""One run at a time per output folder.

Two runs writing into one folder would pick the same free names, replace each other's copies
and each write a report that misses the other's photos. A run therefore holds an exclusive
lock on ``OUT/.postsafe-lock`` (``flock``: the kernel releases it when the process ends, even
when it is killed, so a stale file never blocks anyone). A second run refuses at once with a
clear message rather than waiting, since it could wait for hours behind a large batch.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from types import TracebackType

from scanner.errors import FolderBusy, WriteError

LOCK_NAME = ".postsafe-lock"  # input walks skip ".postsafe-" names


class OutputLock:
    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.path = out_dir / LOCK_NAME
        self._fd: int | None = None
        self.created_folder = False

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()

    def acquire(self) -> None:
        if not self.out_dir.exists():
            try:
                self.out_dir.mkdir(parents=True)
                self.created_folder = True
            except FileExistsError:
                pass
            except OSError as exc:
                raise WriteError(f"cannot create {self.out_dir}: {exc.strerror or exc}") from exc
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise WriteError(f"cannot lock {self.out_dir}: {exc.strerror or exc}") from exc
            try:
                _lock(fd)
            except OSError:
                holder = _read_pid(fd)
                os.close(fd)
                who = f" (process {holder})" if holder else ""
                raise FolderBusy(
                    f"another PostSafe run{who} is writing into {self.out_dir}; wait for it to "
                    "finish or choose another --out folder"
                ) from None
            # The holder before us may have removed the file between our open and our lock:
            # then we locked an orphan, and must lock the file that is there now.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        # Remove the file while still holding the lock, so nobody locks an orphan unnoticed.
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        os.close(self._fd)
        self._fd = None

    def remove_folder_if_unused(self) -> None:
        """Undo the folder this lock created, when the run stopped before writing anything."""
        if self.created_folder:
            with contextlib.suppress(OSError):
                self.out_dir.rmdir()


def _lock(fd: int) -> None:
    """Exclusive, non-blocking; raises OSError when another holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except (OSError, AttributeError):  # no pread on Windows
        return ""
    return text if text.isdigit() else ""
