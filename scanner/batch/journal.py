"""The incremental report (a journal) and ``--resume``.

While a batch runs, each photo's result is appended to ``postsafe-journal.jsonl`` in the output
folder as one JSON line, flushed and fsynced before the next, so a crash, a power cut or Ctrl-C
loses nothing already done. The first line is a header with the run's settings. At the end the
full JSON and HTML reports are written atomically and the journal is removed.

``--resume`` reads the previous report and journal and carries a photo over only when its
record says it was finished and verified, the source file still has the recorded sha256, the
settings were the same, and the output file is still there with its recorded sha256. Anything
else is done again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from scanner import __version__
from scanner.errors import WriteError
from scanner.fsio import path_key, write_atomic
from scanner.types import ScanResult, Status

log = logging.getLogger(__name__)

JOURNAL = "postsafe-journal.jsonl"
JOURNAL_VERSION = 1


class Journal:
    """Append-only JSON lines; every line is on disk before ``append`` returns."""

    def __init__(self, out_dir: Path, *, mode: str, settings: dict[str, Any],
                 carried: Sequence[dict[str, Any]] = ()) -> None:
        self.path = out_dir / JOURNAL
        header = {"journal": JOURNAL_VERSION, "tool": "postsafe", "tool_version": __version__,
                  "mode": mode, "settings": settings,
                  "started": datetime.now(UTC).isoformat(timespec="seconds")}
        lines = [header, *carried]
        # Start from a complete file in one step: a crash now leaves the old journal or this one.
        # Owner-only like the reports: it holds the same records (appends keep the mode).
        write_atomic("".join(_line(d) for d in lines).encode("utf-8"), self.path, mode=0o600)
        try:
            self._fh: IO[str] | None = self.path.open("a", encoding="utf-8")
        except OSError as exc:
            raise WriteError(f"cannot write {self.path.name}: {exc.strerror or exc}") from exc

    def append(self, record: dict[str, Any]) -> None:
        """Add one result. A failure (disk full) is logged, not raised: the journal is a
        safety net, and the batch must go on; the final report is still attempted."""
        if self._fh is None:
            return
        try:
            self._fh.write(_line(record))
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except (OSError, ValueError) as exc:  # ValueError: the file was closed under us
            log.warning("cannot write %s (%s): results from here on are only in the final "
                        "report", self.path.name, getattr(exc, "strerror", None) or exc)
            with contextlib.suppress(OSError):
                self._fh.close()
            self._fh = None

    def close(self, *, remove: bool = False) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if remove:
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("could not remove %s: %s", self.path, exc.strerror or exc)


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


@dataclass(frozen=True, slots=True)
class PreviousRecord:
    record: dict[str, Any]
    settings: dict[str, Any] | None


def read_previous(out_dir: Path, report_name: str) -> list[PreviousRecord]:
    """Result records of earlier runs into ``out_dir``: the report's, then the journal's (a
    later record for the same output supersedes an earlier one). Unreadable parts count as
    absent: resume then simply does more work again."""
    found: list[PreviousRecord] = []
    try:
        data = json.loads((out_dir / report_name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        settings = data.get("settings") if isinstance(data.get("settings"), dict) else None
        found += [PreviousRecord(r, settings) for r in data["results"] if isinstance(r, dict)]
    found += list(_journal_records(out_dir / JOURNAL))
    return found


def _journal_records(path: Path) -> Iterator[PreviousRecord]:
    try:
        fh = path.open(encoding="utf-8")
    except OSError:
        return
    settings: dict[str, Any] | None = None
    with fh:
        for n, text in enumerate(fh):
            try:
                item = json.loads(text)
            except ValueError:
                continue  # a line cut short by a crash
            if not isinstance(item, dict):
                continue
            if n == 0 and "journal" in item:
                settings = item.get("settings") if isinstance(item.get("settings"), dict) else None
                continue
            yield PreviousRecord(item, settings)


def output_keys(records: Sequence[PreviousRecord], out_dir: Path) -> set[str]:
    """Keys of every output an earlier run recorded (those files are PostSafe's to replace)."""
    keys = set()
    for p in records:
        out = p.record.get("output")
        if isinstance(out, str) and out:
            keys.add(path_key(out_dir / out))
    return keys


def journal_outputs(out_dir: Path) -> set[str]:
    """Keys of the outputs an interrupted run listed in its journal."""
    return output_keys(list(_journal_records(out_dir / JOURNAL)), out_dir)


def resumable(records: Sequence[PreviousRecord], out_dir: Path,
              settings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Finished records made with these settings, by output key (latest wins)."""
    index: dict[str, dict[str, Any]] = {}
    for p in records:
        r = p.record
        out = r.get("output")
        if not isinstance(out, str) or not out:
            continue
        key = path_key(out_dir / out)
        if p.settings != settings:
            index.pop(key, None)
            continue
        if (_done(r.get("status")) and r.get("verified") is not False and not r.get("error")
                and isinstance(r.get("source_sha256"), str)
                and isinstance(r.get("output_sha256"), str)):
            index[key] = r
        else:
            index.pop(key, None)  # a later failure or redo supersedes an earlier success
    return index


def carry_over(record: dict[str, Any], display: str, output: Path,
               out_dir: Path) -> ScanResult:
    """The result of an earlier run, as this run reports it (marked as resumed)."""
    from scanner.report.json import result_from_dict

    result = result_from_dict(record, out_dir)
    return replace(result, source=display, output=str(output.resolve()), resumed=True)


def still_valid(record: dict[str, Any], source: Path, output: Path) -> bool:
    """The source has the recorded content and the output is still the recorded file."""
    from scanner.fsio import sha256_file

    try:
        return (sha256_file(source) == record["source_sha256"]
                and output.is_file() and not output.is_symlink()
                and sha256_file(output) == record["output_sha256"])
    except OSError:
        return False


def _done(status: object) -> bool:
    return status in {s.value for s in Status if s.done}
