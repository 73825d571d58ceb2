"""File names can give away what the pixels no longer do: when a photo was taken
(``IMG_20240131_101502.jpg``, ``WhatsApp Image 2024-01-31 at 10.15.32.jpeg``) or who is in it
(``margaret-birthday.jpg``). The redacted copy keeps its source's name unless ``--rename`` is
used, so the report warns about such names. Heuristics, tuned to warn rather than to miss.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from scanner.detectors import pii

_SEP = r"[-_. ]?"
_YEAR = r"(?:19[7-9]\d|20\d\d)"
_MONTH = r"(?:0[1-9]|1[0-2])"
_DAY = r"(?:0[1-9]|[12]\d|3[01])"
_DATES = [
    # 20240131, 2024-01-31, 2024_01_31, 2024.01.31 (camera, phone, WhatsApp, screenshots)
    re.compile(rf"(?<!\d){_YEAR}{_SEP}{_MONTH}{_SEP}{_DAY}(?!\d)"),
    # 31-01-2024, 31.01.2024, 31_01_2024 (day first, as written in the UK)
    re.compile(rf"(?<!\d){_DAY}[-_. ]{_MONTH}[-_. ]{_YEAR}(?!\d)"),
    # Unix time in seconds (2017-2033) or milliseconds: FB_IMG_1706700000000, signal-...
    re.compile(r"(?<!\d)1[5-9]\d{8}(?:\d{3})?(?!\d)"),
]
_MONTHS = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec",
]
# "31 January 2024", "Jan 31 2024", "january-2024"
_WORD_DATE = re.compile(
    rf"(?<![^\W\d_])(?:{'|'.join(_MONTHS)})(?![^\W\d_])[-_. ]*(?:\d{{1,2}}[-_. ,]*)?{_YEAR}"
    rf"|(?<!\d)\d{{1,2}}[-_. ]*(?:{'|'.join(_MONTHS)})(?![^\W\d_])",
    re.IGNORECASE,
)
_LETTERS = re.compile(r"[^\W\d_]+")

DATE_NOTE = ("the file name looks like it holds a date; rename the copy before posting it "
             "(or use --rename)")
PERSON_NOTE = ("the file name looks like it holds a person's name; rename the copy before "
               "posting it (or use --rename)")


def has_date(name: str) -> bool:
    stem = PurePath(name).stem if "." in name else name
    return any(p.search(stem) for p in _DATES) or _WORD_DATE.search(stem) is not None


def has_person(name: str) -> bool:
    stem = PurePath(name).stem if "." in name else name
    words = _LETTERS.findall(stem)
    keys = [w.casefold() for w in words]
    known = pii.FIRST_NAMES | pii.SURNAMES
    for i, k in enumerate(keys):
        if k in pii.FIRST_NAMES:
            return True
        # "Rose", "May", "Bill": only with a first name or surname beside them.
        if k in pii.AMBIGUOUS_FIRST_NAMES and any(
            n in known for n in keys[max(0, i - 1) : i] + keys[i + 1 : i + 2]
        ):
            return True
    # Titles and labels ("Mrs Jones", "resident name Evans") as pii reads them on a sign.
    spaced = " ".join(w[:1].upper() + w[1:] for w in words)
    return pii.classify([spaced]).get("name", 0) > 0


def name_warnings(name: str) -> tuple[str, ...]:
    """Notes for the report about ``name`` (a file name, not a path); () when it looks neutral."""
    notes = []
    if has_date(name):
        notes.append(DATE_NOTE)
    if has_person(name):
        notes.append(PERSON_NOTE)
    return tuple(notes)
