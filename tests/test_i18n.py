"""Every English string (report guidance and review page) has a Welsh one with the same
placeholders. When another change adds an English key, this test names the missing Welsh."""

from __future__ import annotations

import re
import string
from html.parser import HTMLParser
from pathlib import Path

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


# ------------------------------------------------------------------------------------------
# the review page's own files: every string it can show goes through the table

STATIC = Path(__file__).resolve().parent.parent / "scanner" / "web" / "static"
# Shown as they are in every language: the product's name, each language's own name.
AS_IS = {"PostSafe", "English", "Cymraeg", ":"}


def _page_keys() -> set[str]:
    from scanner.web.app import _kinds

    return set(UI["en"]) | {f"kind.{k}" for k in _kinds("en")}


class _Texts(HTMLParser):
    """Text the HTML shows, with the data-i18n key (if any) of the element holding it."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.keys: list[str] = []
        self.bare: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        key = dict(attrs).get("data-i18n")
        if key:
            self.keys.append(key)
        if tag not in ("meta", "link", "input", "br", "img"):
            self.stack.append(key)

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if text and not (self.stack and self.stack[-1]) and text not in AS_IS:
            self.bare.append(text)


def _js_strings(source: str) -> list[str]:
    """The string literals of a script, comments skipped."""
    out, i, n = [], 0, len(source)
    while i < n:
        ch = source[i]
        if source.startswith("//", i):
            end = source.find("\n", i)
            i = n if end < 0 else end
        elif source.startswith("/*", i):
            i = source.index("*/", i) + 2
        elif ch in "\"'`":
            j = i + 1
            while source[j] != ch:
                j += 2 if source[j] == "\\" else 1
            out.append(source[i + 1:j])
            i = j + 1
        else:
            i += 1
    return out


def test_every_text_of_the_page_has_a_key() -> None:
    parser = _Texts()
    parser.feed((STATIC / "index.html").read_text(encoding="utf-8"))
    assert parser.bare == [], f"index.html shows text without data-i18n: {parser.bare}"
    missing = sorted(set(parser.keys) - _page_keys())
    assert missing == [], f"index.html uses keys that are not in scanner/web/i18n.py: {missing}"


def test_every_string_of_the_script_goes_through_the_table() -> None:
    source = (STATIC / "app.js").read_text(encoding="utf-8")
    used = set(re.findall(r"\bt\(\s*\"([a-z_.]+)\"", source))
    used |= set(re.findall(r"\bkey:\s*\"([a-z_.]+)\"", source))
    assert len(used) > 30
    missing = sorted(used - _page_keys())
    assert missing == [], f"app.js uses keys that are not in scanner/web/i18n.py: {missing}"
    # Words in a literal are English shown to someone, unless they are class names, keys,
    # paths or the like (lower case, no spaces but between class names).
    css = (STATIC / "app.css").read_text(encoding="utf-8")

    def shown(s: str) -> bool:
        if re.fullmatch(r"[a-z0-9_.-]*|[A-Z]+|[a-z]+[A-Z][A-Za-z]*", s) or s == "use strict":
            return False  # a key, a class, an id, an event's name
        if s.split() and all(re.fullmatch(r"[a-z0-9-]+", w) and (w.endswith("-") or f".{w}" in css)
                            for w in s.split()):
            return False  # a list of class names
        return bool(re.search(r"[A-Za-z]{2,}", s)) and not s.startswith(
            ("http://", "/", "?", "[", "#", "input[", ".photo", "Content-", "X-PostSafe",
             "application/", "0 0 ", "Escape", "DOMContentLoaded"))

    english = [s for s in _js_strings(source) if shown(s)]
    assert english == [], f"app.js shows words that are not in the table: {english}"


def test_every_page_key_is_used() -> None:
    """A key nothing shows is dead weight that still needs a Welsh form: remove it."""
    text = (STATIC / "app.js").read_text(encoding="utf-8") + (
        STATIC / "index.html").read_text(encoding="utf-8") + Path(
        __file__).resolve().parent.parent.joinpath("scanner", "web", "app.py").read_text()
    unused = sorted(k for k in UI["en"]
                    if f'"{k}"' not in text and f"'{k}'" not in text
                    and not re.match(r"(state|verdict)\.", k))
    assert unused == [], f"keys in scanner/web/i18n.py that nothing shows: {unused}"
