"""scanner.batch.journal: the incremental report and what --resume may carry over."""

from __future__ import annotations

import errno
import json
import logging
import os
import stat
from pathlib import Path
from typing import IO

import pytest

from scanner.batch.journal import (
    JOURNAL,
    Journal,
    journal_outputs,
    read_previous,
    resumable,
)

SETTINGS = {"policy": "strict"}


def _record(**kw: object) -> dict:
    base = {"source": "in/a.jpg", "output": "a.jpg", "status": "redacted", "verified": True,
            "error": None, "source_sha256": "1" * 64, "output_sha256": "2" * 64}
    base.update(kw)
    return base


def test_every_line_is_on_disk_as_it_is_appended(tmp_path: Path) -> None:
    journal = Journal(tmp_path, mode="redact", settings=SETTINGS, carried=[_record()])
    journal.append(_record(source="in/b.jpg", output="b.jpg"))
    lines = (tmp_path / JOURNAL).read_text(encoding="utf-8").splitlines()  # before close
    assert json.loads(lines[0])["settings"] == SETTINGS
    assert [json.loads(x)["output"] for x in lines[1:]] == ["a.jpg", "b.jpg"]
    journal.close(remove=True)
    assert not (tmp_path / JOURNAL).exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_journal_is_private_like_the_reports(tmp_path: Path) -> None:
    journal = Journal(tmp_path, mode="redact", settings=SETTINGS)
    journal.append(_record())
    assert stat.S_IMODE((tmp_path / JOURNAL).stat().st_mode) == 0o600
    journal.close()


def test_a_line_cut_short_by_a_crash_is_ignored(tmp_path: Path) -> None:
    journal = Journal(tmp_path, mode="redact", settings=SETTINGS)
    journal.append(_record())
    journal.close()
    with (tmp_path / JOURNAL).open("a", encoding="utf-8") as fh:
        fh.write('{"source": "in/b.jpg", "outp')
    records = read_previous(tmp_path, "postsafe-report.json")
    assert [p.record["output"] for p in records] == ["a.jpg"]
    assert journal_outputs(tmp_path) == {str((tmp_path / "a.jpg").resolve()).casefold()}


class _FullDisk:
    """The journal's file on a disk that has just filled up: every write fails."""

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def close(self) -> None:
        self.fh.close()


@pytest.mark.parametrize("failure", ["disk full", "file closed under it"])
def test_append_after_a_write_failure_does_not_stop_the_batch(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, failure: str) -> None:
    journal = Journal(tmp_path, mode="redact", settings=SETTINGS)
    journal.append(_record(source="in/a.jpg", output="a.jpg"))
    before = (tmp_path / JOURNAL).read_text(encoding="utf-8")
    assert journal._fh is not None
    if failure == "disk full":
        journal._fh = _FullDisk(journal._fh)  # type: ignore[assignment]
    else:
        journal._fh.close()
    with caplog.at_level(logging.WARNING, logger="scanner.batch.journal"):
        journal.append(_record(source="in/b.jpg", output="b.jpg"))  # does not raise
        journal.append(_record(source="in/c.jpg", output="c.jpg"))
    # Said once, then the journal stands aside: later photos are only in the final report.
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(f"cannot write {JOURNAL}")
    assert "only in the final report" in warnings[0]
    assert journal._fh is None
    # What was on disk stays there, readable for --resume.
    assert (tmp_path / JOURNAL).read_text(encoding="utf-8") == before
    assert [p.record["output"] for p in read_previous(tmp_path, "none.json")] == ["a.jpg"]
    journal.close()


@pytest.mark.parametrize(("change", "kept"), [
    ({}, True),
    ({"status": "clean"}, True),
    ({"verified": None}, True),  # verification switched off in both runs
    ({"status": "error", "error": "boom"}, False),
    ({"status": "skipped"}, False),
    ({"verified": False}, False),
    ({"source_sha256": None}, False),
    ({"output_sha256": None}, False),
    ({"output": None}, False),
    ({"output": ""}, False),
    ({"error": "x"}, False),
])
def test_what_resume_may_keep(tmp_path: Path, change: dict, kept: bool) -> None:
    from scanner.batch.journal import PreviousRecord

    records = [PreviousRecord(_record(**change), SETTINGS)]
    index = resumable(records, tmp_path, SETTINGS)
    assert bool(index) is kept
    assert resumable(records, tmp_path, {"policy": "balanced"}) == {}


def test_a_later_failure_supersedes_an_earlier_success(tmp_path: Path) -> None:
    from scanner.batch.journal import PreviousRecord

    records = [PreviousRecord(_record(), SETTINGS),
               PreviousRecord(_record(status="error", error="boom"), SETTINGS)]
    assert resumable(records, tmp_path, SETTINGS) == {}
    assert len(resumable(list(reversed(records)), tmp_path, SETTINGS)) == 1


@pytest.mark.parametrize("content", ["", "[]", "{}", '{"results": 5}', '{"results": [1, "x"]}',
                                     "\x00\xff", '{"results": [{"output": 3}]}'])
def test_odd_reports_read_as_nothing(tmp_path: Path, content: str) -> None:
    (tmp_path / "postsafe-report.json").write_text(content, encoding="utf-8",
                                                   errors="surrogateescape")
    records = read_previous(tmp_path, "postsafe-report.json")
    assert resumable(records, tmp_path, SETTINGS) == {}
