"""Every English string (report guidance and review page) has a Welsh one with the same
placeholders. When another change adds an English key, this test names the missing Welsh."""

from __future__ import annotations

import re
import string

import pytest

from scanner.report.guidance import MESSAGES, describe_counts, t, tn, verdict
from scanner.types import Action, Finding, FindingKind, Region, ScanResult, Status
from scanner.web.i18n import LANGS, UI

TABLES = {"guidance": MESSAGES, "review page": UI}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("table", TABLES)
def test_every_english_key_has_welsh(table: str) -> None:
    messages = TABLES[table]
    missing = sorted(set(messages["en"]) - set(messages["cy"]))
    assert missing == [], f"{table}: no Welsh for {missing}"
    extra = sorted(set(messages["cy"]) - set(messages["en"]))
    assert extra == [], f"{table}: Welsh keys with no English: {extra}"


@pytest.mark.parametrize("table", TABLES)
def test_welsh_keeps_the_placeholders(table: str) -> None:
    messages = TABLES[table]
    wrong = {k: (_fields(v), _fields(messages["cy"].get(k, "")))
             for k, v in messages["en"].items() if _fields(v) != _fields(messages["cy"].get(k, v))}
    assert wrong == {}


@pytest.mark.parametrize("table", TABLES)
def test_welsh_is_not_english_left_in(table: str) -> None:
    messages = TABLES[table]
    # Short labels may be the same in both (codes, "Person", "Mosaig" is not); long text not.
    same = [k for k, v in messages["en"].items()
            if len(v) > 24 and messages["cy"].get(k) == v and not re.fullmatch(r"[\W\d]*", v)]
    assert same == []


def test_page_languages() -> None:
    assert LANGS == ("en", "cy")


def test_welsh_sentences_read_well() -> None:
    face = Finding(FindingKind.FACE, Region(0, 0, 10, 10), 0.9, "t", Action.MOSAIC)
    text = Finding(FindingKind.TEXT, Region(0, 0, 10, 10), 0.9, "t", Action.FILL)
    result = ScanResult("a.jpg", Status.REDACTED, findings=(face, text, text),
                        metadata_removed=("location",))
    assert verdict(result, "cy") == (
        "Gwnaed copi gyda rhannau wedi'u cuddio: cuddiwyd 1 wyneb a 2 darn o destun a "
        "dilëwyd data lleoliad. Gwiriwch ef cyn postio."
    )
    assert describe_counts([face, face], "cy") == "2 wyneb"
    assert tn("noun.document", 1, "cy") == "1 ddogfen"
    assert t("kind.manual", "cy") == "Ardal a ychwanegoch chi"
