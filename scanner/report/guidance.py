"""Plain-words verdicts and guidance, tied to Social Care Wales' code and social media guidance.

Every user-facing string lives in :data:`MESSAGES`, keyed by language code, so a translation
(Welsh, ``"cy"``) only has to add a table. Look strings up with :func:`t` (or :func:`tn` for
counted phrases); a string missing from a translation falls back to English.

Nothing here ever repeats sensitive content: verdicts and guidance mention only kinds and
counts of findings and the *categories* of metadata removed, never text read from an image,
GPS values or any other metadata value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scanner.image.metadata import CATEGORY_LABELS
from scanner.report.details import reason_words
from scanner.types import Action, Finding, FindingKind, ScanResult, Status

DEFAULT_LANG = "en"

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        # --- list joining -------------------------------------------------------------
        "list.sep": ", ",
        "list.and": " and ",
        # --- kinds: short labels (tables, preview boxes) --------------------------------
        "kind.face": "Face",
        "kind.person": "Person",
        "kind.document": "Document",
        "kind.screen": "Screen",
        "kind.text": "Text",
        "kind.code": "QR or barcode",
        # --- kinds: counted nouns ----------------------------------------------------
        "noun.face.one": "{n} face",
        "noun.face.other": "{n} faces",
        "noun.person.one": "{n} person",
        "noun.person.other": "{n} people",
        "noun.document.one": "{n} document",
        "noun.document.other": "{n} documents",
        "noun.screen.one": "{n} screen",
        "noun.screen.other": "{n} screens",
        "noun.text.one": "{n} area of text",
        "noun.text.other": "{n} areas of text",
        "noun.code.one": "{n} QR code or barcode",
        "noun.code.other": "{n} QR codes or barcodes",
        # --- actions -------------------------------------------------------------------
        "action.mosaic": "Mosaic",
        "action.blur": "Blur",
        "action.fill": "Fill",
        "action.kept": "Kept",
        "action.flagged": "Flagged",
        "action.none": "Not decided",
        # --- statuses ------------------------------------------------------------------
        "status.clean": "Clean",
        "status.redacted": "Redacted",
        "status.error": "Not processed",
        "status.skipped": "Skipped",
        # --- verdicts ------------------------------------------------------------------
        "verdict.clean": (
            "Safe to share: no faces, documents or location data were found, "
            "and hidden metadata was removed."
        ),
        "verdict.clean.location": (
            "Safe to share: no faces or documents were found, "
            "and location data and other hidden metadata were removed."
        ),
        "verdict.clean.review": "Check before posting: nothing was hidden, but {parts}.",
        "verdict.redacted": "Redacted copy made: {parts}. Check it before posting.",
        "verdict.unverified": (
            "Check before posting: PostSafe could not confirm that the copy is free of "
            "hidden metadata."
        ),
        "verdict.error": "Not processed: {reason}. No safe copy was made.",
        "verdict.error.unknown": "an unexpected problem",
        "verdict.skipped": "Skipped: {reason}.",
        "verdict.skipped.default": "not an image",
        "verdict.part.hidden.one": "{items} was hidden",
        "verdict.part.hidden.other": "{items} were hidden",
        "verdict.part.location": "location data was removed",
        "verdict.part.metadata": "hidden metadata was removed",
        # --- guidance paragraphs -----------------------------------------------------
        "guide.video": (
            "Videos: PostSafe made a new MP4 from the clip's pictures, so none of the phone's "
            "data (place, phone make and model, dates) came with it. It looked for faces "
            "several times a second and for documents, screens, text and codes twice a second, "
            "followed them between looks, and hid them in every frame. Watch the whole copy "
            "before posting: something that only flashes past can be missed."
        ),
        "guide.audio": (
            "Sound: you kept the sound. Voices, and names spoken aloud, can identify the people "
            "you support as surely as their faces. Listen to the whole clip before posting, "
            "or make the copy again without --keep-audio."
        ),
        "guide.error": (
            "No safe copy was made. Do not post the original file: it may still hold hidden "
            "data, such as where it was taken, and faces or documents that have not been hidden."
        ),
        "guide.skipped": (
            "PostSafe did not check this file. Do not post it unless you are sure it shows "
            "nothing private."
        ),
        "guide.unverified": (
            "PostSafe could not confirm that the saved copy is free of hidden data. Do not post "
            "it until it has been checked again."
        ),
        "guide.faces": (
            "Faces: consent and dignity (Code 1.4). Respect the privacy and dignity of the "
            "people you support. Never post a picture of someone you support without their "
            "informed consent, even with their face hidden. People can still be recognised "
            "from their hair, clothes, tattoos, mobility aids or home, so look at the whole "
            "picture."
        ),
        "guide.person": (
            "A person was found without a visible face. Someone can still be recognised from "
            "their body, clothes, tattoos, mobility aids or surroundings. Review the photo and "
            "make sure nobody you support can be identified (Code 1.4)."
        ),
        "guide.person.redacted": (
            "People seen without a face were covered, as you asked. Check that nobody you "
            "support can still be recognised from what is left in the picture (Code 1.4)."
        ),
        "guide.confidential": (
            "Confidential information (Code 2.4). Never reveal confidential information. Care "
            "records, letters, forms, medication charts, computer or phone screens, name "
            "badges, whiteboards and names on doors can all identify someone. Zoom in on the "
            "copy and check that nothing can still be read before posting."
        ),
        "guide.codes": (
            "QR codes and barcodes can hold names, addresses, record numbers or links to "
            "private information, even when they look meaningless. Keep them hidden."
        ),
        "guide.location": (
            "Location: keep it untraceable. This photo carried hidden location data showing "
            "where it was taken, and PostSafe removed it. The picture itself can still give a "
            "place away: house numbers, street signs, car number plates, school uniforms or "
            "the view from a window. Don't reveal where the people you support live, or where "
            "you are right now."
        ),
        "guide.kept": (
            "Some things PostSafe found were left visible on purpose (by your settings or a "
            "reviewer). Make sure you have consent, and that nothing confidential shows, "
            "before posting."
        ),
        "guide.flagged": (
            "Flagged items were not changed. Look at each one in the preview and decide "
            "whether it must be hidden before posting."
        ),
        "guide.source": (
            "Guidance based on the Social Care Wales Code of Professional Practice for Social "
            "Care and the Social Care Wales guidance \u2018Using social media responsibly\u2019."
        ),
        # --- who decided (verdicts, the report's list) ---------------------------------
        "verdict.part.hidden.user.one": "{items} was hidden by you",
        "verdict.part.hidden.user.other": "{items} were hidden by you",
        "verdict.part.kept.user.one": "{items} was kept visible by you",
        "verdict.part.kept.user.other": "{items} were kept visible by you",
        "verdict.part.kept.auto.one": "{items} was left visible by your settings",
        "verdict.part.kept.auto.other": "{items} were left visible by your settings",
        "verdict.part.flagged.one": "{items} was flagged by PostSafe for you to check",
        "verdict.part.flagged.other": "{items} were flagged by PostSafe for you to check",
        "act.hidden.auto": "hidden by PostSafe ({style})",
        "act.hidden.user": "hidden by you ({style})",
        "act.kept.user": "kept visible by you",
        "act.kept.auto": "left visible by your settings",
        "act.flagged": "flagged by PostSafe for you to check; not changed",
        "act.none": "not decided",
        "style.mosaic": "mosaic",
        "style.blur": "blur",
        "style.fill": "solid fill",
        # --- guidance titles (the report says each paragraph once and links to it) -----
        "guide.title.error": "When no safe copy was made",
        "guide.title.skipped": "Files PostSafe did not check",
        "guide.title.unverified": "Copies PostSafe could not confirm",
        "guide.title.faces": "Faces: consent and dignity",
        "guide.title.person": "People without a visible face",
        "guide.title.person.redacted": "People you asked to cover",
        "guide.title.confidential": "Confidential information",
        "guide.title.codes": "QR codes and barcodes",
        "guide.title.location": "Location",
        "guide.title.kept": "Things left visible",
        "guide.title.flagged": "Flagged items",
        "guide.title.video": "Videos",
        "guide.title.audio": "Sound",
        # --- the report for people ---------------------------------------------------
        "html.title": "PostSafe report",
        "html.count.photos": "Photos",
        "html.count.clean": "Nothing to hide",
        "html.count.redacted": "Hidden",
        "html.count.error": "Failed",
        "html.count.skipped": "Skipped",
        "html.summary.ready": "Ready to post, once you have looked at them ({n})",
        "html.summary.look": "Need a look before posting ({n})",
        "html.summary.failed": "No safe copy: failed or skipped ({n})",
        "html.summary.none": "None.",
        "html.guide.heading": "Before you post",
        "html.card.guides": "What this means:",
        "html.preview.open": "Open the full-size copy",
        "html.original.show": "Where is the original?",
        "html.original.link": "Open the original (not made safe: never post it)",
        "html.finding.detail": "{kind} ({detail})",
        # --- HTML report -------------------------------------------------------------
        "html.summary.heading": "Summary",
        "html.summary.what": (
            "What PostSafe did: every photo was rebuilt from its pixels, so no hidden metadata "
            "(such as location, dates or camera details) was carried into the copies. Faces, "
            "documents, screens, text and codes it found were hidden or flagged for you to "
            "check. Everything happened on this device; nothing was uploaded."
        ),
        "html.summary.check": (
            "Always look at each copy yourself before posting: PostSafe can miss things."
        ),
        "html.summary.empty": "No files were checked.",
        "html.results.heading": "Photos",
        "html.preview.alt": "Preview of the redacted copy of {name}, with {items} outlined.",
        "html.preview.alt.none": "Preview of the copy of {name}. Nothing was outlined.",
        "html.preview.caption": "The copy PostSafe made. The numbers match the list.",
        "html.clip.caption": "Frames from the copy PostSafe made, at {times}.",
        "html.clip.alt": "Frames from the safe copy of {name}",
        "html.clip.facts": "A video of {seconds} s ({frames} frames).",
        "html.clip.audio.none": "It had no sound.",
        "html.clip.audio.dropped": "Its sound was left out.",
        "html.clip.audio.kept": "Its sound was kept: listen before posting.",
        "html.clip.checked": "{checked} frames of the copy were checked again.",
        "html.clip.live": "It is the moving part of a Live Photo.",
        "html.clip.span": "{what}, {first}–{last} s",
        "html.preview.unreadable": "No preview: the copy could not be read.",
        "html.preview.no_output": "No preview: no copy was recorded for this photo.",
        "html.preview.not_made": "No preview: no copy was made.",
        "html.findings.heading": "What was found",
        "html.findings.none": "Nothing was found.",
        "html.metadata.heading": "Hidden metadata removed",
        "html.metadata.none": "None was found. The copy was still rebuilt from pixels.",
        "html.notes.heading": "Notes",
        "html.error.heading": "Why it was not processed",
        "html.guidance.heading": "What this means for you",
        "html.footer.privacy": (
            "This report shows only the kinds and counts of what was found. It contains no text "
            "read from your photos and no location or other metadata values."
        ),
        "html.footer.made": "Made by PostSafe {version} on this device.",
        # --- review page decisions (scanner.web) -------------------------------------
        "kind.manual": "Area you added",
        "noun.manual.one": "{n} area you added",
        "noun.manual.other": "{n} areas you added",
        "html.decided.user": "your choice",
        # --- metadata categories: the English labels are scanner.image.metadata's -----------
        **{f"meta.{key}": label for key, label in CATEGORY_LABELS.items()},
    },
}

# Plural categories (CLDR) per language; anything not listed uses the English rule.
_CY_PLURALS = {0: "zero", 1: "one", 2: "two", 3: "few", 6: "many"}

CONFIDENTIAL_KINDS = frozenset(
    {FindingKind.DOCUMENT, FindingKind.SCREEN, FindingKind.TEXT, FindingKind.CODE}
)
LOCATION_CATEGORY = "location"

_WHITESPACE = re.compile(r"\s+")


def t(key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The message ``key`` in ``lang`` (English if not translated), formatted with ``fmt``.

    Raises ``KeyError`` if ``key`` is not a known message at all.
    """
    table = MESSAGES.get(lang, {})
    template = table.get(key)
    if template is None:
        template = MESSAGES[DEFAULT_LANG][key]  # KeyError for an unknown key
    return template.format(**fmt)


def plural_category(n: int, lang: str = DEFAULT_LANG) -> str:
    """CLDR plural category of ``n`` for ``lang`` ("one", "other", ...)."""
    if lang == "cy":
        return _CY_PLURALS.get(n, "other")
    return "one" if n == 1 else "other"


def tn(key: str, n: int, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """A counted message: ``key.<plural category>`` (falling back to ``key.other``).

    ``n`` is available to the template as ``{n}``. Falls back to English, then raises
    ``KeyError`` for an unknown key.
    """
    for code in dict.fromkeys((lang, DEFAULT_LANG)):
        table = MESSAGES.get(code, {})
        for suffix in (plural_category(n, code), "other"):
            template = table.get(f"{key}.{suffix}")
            if template is not None:
                return template.format(n=n, **fmt)
    raise KeyError(key)


def join_items(items: Iterable[str], lang: str = DEFAULT_LANG) -> str:
    """``a``, ``a and b``, ``a, b and c`` in the words of ``lang``."""
    parts = list(items)
    if len(parts) <= 1:
        return "".join(parts)
    return t("list.sep", lang).join(parts[:-1]) + t("list.and", lang) + parts[-1]


def kind_label(kind: FindingKind, lang: str = DEFAULT_LANG) -> str:
    return t(f"kind.{kind.value}", lang)


def action_label(action: Action | None, lang: str = DEFAULT_LANG) -> str:
    return t(f"action.{action.value}" if action is not None else "action.none", lang)


def status_label(status: Status, lang: str = DEFAULT_LANG) -> str:
    return t(f"status.{status.value}", lang)


def count_by_kind(findings: Iterable[Finding]) -> list[tuple[FindingKind, int]]:
    """(kind, count) pairs in the fixed order of :class:`FindingKind`, zero counts left out."""
    counts = dict.fromkeys(FindingKind, 0)
    for finding in findings:
        counts[finding.kind] += 1
    return [(kind, n) for kind, n in counts.items() if n]


def describe_counts(findings: Iterable[Finding], lang: str = DEFAULT_LANG) -> str:
    """E.g. ``2 faces and 1 document`` (empty string for no findings)."""
    return join_items(
        (tn(f"noun.{kind.value}", n, lang) for kind, n in count_by_kind(findings)), lang
    )


def _reason(text: str | None) -> str:
    """One line of plain text for a verdict: whitespace collapsed, no trailing full stop."""
    if not text:
        return ""
    return _WHITESPACE.sub(" ", text).strip().rstrip(".").strip()


def _is_hidden(finding: Finding) -> bool:
    return finding.hidden


def verdict(result: ScanResult, lang: str = DEFAULT_LANG) -> str:
    """One sentence, in plain words, saying what happened to this file and whether to post it."""
    if result.status is Status.ERROR:
        reason = _reason(reason_words(result.error, lang)) or t("verdict.error.unknown", lang)
        return t("verdict.error", lang, reason=reason)
    if result.status is Status.SKIPPED:
        first_note = result.notes[0] if result.notes else None
        reason = (_reason(reason_words(result.error, lang)) or _reason(first_note)
                  or t("verdict.skipped.default", lang))
        return t("verdict.skipped", lang, reason=reason)
    if result.verified is False:
        return t("verdict.unverified", lang)

    hidden = [f for f in result.findings if _is_hidden(f)]
    location = LOCATION_CATEGORY in result.metadata_removed

    if not result.findings and result.status is Status.CLEAN:
        return t("verdict.clean.location" if location else "verdict.clean", lang)

    # Who decided what: PostSafe hid or flagged, the person hid or kept, the settings kept.
    groups: dict[str, list[Finding]] = {}
    for f in result.findings:
        groups.setdefault(decision(f), []).append(f)
    parts: list[str] = []
    for key in ("hidden.auto", "hidden.user", "kept.user", "kept.auto", "flagged"):
        found = groups.get(key, [])
        if found:
            part = "verdict.part.hidden" if key == "hidden.auto" else f"verdict.part.{key}"
            parts.append(tn(part, len(found), lang, items=describe_counts(found, lang)))
    if location:
        parts.append(t("verdict.part.location", lang))
    elif not hidden:
        parts.append(t("verdict.part.metadata", lang))

    redacted = bool(hidden) or result.status is Status.REDACTED
    key = "verdict.redacted" if redacted else "verdict.clean.review"
    return t(key, lang, parts=join_items(parts, lang))


def decision(finding: Finding) -> str:
    """Who decided what for a finding: ``hidden.auto``, ``hidden.user``, ``kept.user``,
    ``kept.auto`` (the policy), ``flagged`` (PostSafe is unsure; pixels untouched), ``none``."""
    by_user = finding.decided_by == "user"
    if finding.hidden:
        return "hidden.user" if by_user else "hidden.auto"
    if finding.action is Action.KEPT:
        return "kept.user" if by_user else "kept.auto"
    if finding.action is Action.FLAGGED:
        return "flagged"
    return "none"


def decision_words(finding: Finding, lang: str = DEFAULT_LANG) -> str:
    """'hidden by PostSafe (mosaic)', 'kept visible by you', ... for one finding."""
    key = decision(finding)
    style = t(f"style.{finding.action.value}", lang) if finding.hidden and finding.action else ""
    return t(f"act.{key}", lang, style=style)


def guidance_keys(result: ScanResult) -> list[str]:
    """The message keys of the guidance relevant to ``result``, deduplicated, stable order."""
    keys: list[str] = []
    kinds = {f.kind for f in result.findings}
    actions = {f.action for f in result.findings}
    if result.status is Status.ERROR:
        keys.append("guide.error")
    elif result.status is Status.SKIPPED:
        keys.append("guide.skipped")
    elif result.verified is False:
        keys.append("guide.unverified")
    if FindingKind.FACE in kinds:
        keys.append("guide.faces")
    if FindingKind.PERSON in kinds:
        keys.append("guide.person")
    if any(f.kind is FindingKind.PERSON and _is_hidden(f) for f in result.findings):
        keys.append("guide.person.redacted")
    if kinds & CONFIDENTIAL_KINDS:
        keys.append("guide.confidential")
    if FindingKind.CODE in kinds:
        keys.append("guide.codes")
    if LOCATION_CATEGORY in result.metadata_removed:
        keys.append("guide.location")
    if Action.KEPT in actions:
        keys.append("guide.kept")
    if Action.FLAGGED in actions or None in actions:
        keys.append("guide.flagged")
    if result.clip is not None and result.status.done:
        keys.append("guide.video")
        if result.clip.audio == "kept":
            keys.append("guide.audio")
    return list(dict.fromkeys(keys))


def guidance_for(result: ScanResult, lang: str = DEFAULT_LANG) -> list[str]:
    """The guidance paragraphs relevant to ``result``'s status, findings and metadata."""
    return [t(key, lang) for key in guidance_keys(result)]


def _add_welsh() -> None:
    # Welsh lives in its own module so the English table above stays easy to read and edit.
    from scanner.report.guidance_cy import MESSAGES_CY

    MESSAGES["cy"] = MESSAGES_CY


_add_welsh()
