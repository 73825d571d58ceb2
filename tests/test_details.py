"""Every finding detail a detector can write and every failure reason that can reach a result
(or the review page) has a Welsh form. When a change adds one, these tests name it."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path
from types import SimpleNamespace

import pytest

from scanner.detectors import codes, documents, faces, pii
from scanner.detectors.yolo.store import COCO_KINDS
from scanner.pipeline import people, verify
from scanner.report.details import detail_words, reason_words

SCANNER = Path(__file__).resolve().parent.parent / "scanner"


def _details() -> list[str]:
    """What the detail builders can make: every combination of personal-data kinds on every
    kind of surface, line counts, and the fixed phrases."""
    out: list[str] = []
    for kind in ("document", "screen", "text"):
        for n in range(1, len(pii.ORDER) + 1):
            for combo in itertools.combinations(pii.ORDER, n):
                surface = SimpleNamespace(kind=kind, lines=3)
                out.append(documents.describe(surface, dict.fromkeys(combo, 1)))  # type: ignore[arg-type]
        for lines in (1, 2, 12):
            out.append(documents.describe(SimpleNamespace(kind=kind, lines=lines), {}))  # type: ignore[arg-type]
    out += [documents.UNSURE, faces.UNSURE, verify.UNSURE_TEXT, verify.UNSURE_MOSAIC,
            *codes._DETAIL.values(), f"{people.DETAIL} (yolo11n)", "a screen",
            *(f"a {cls} (yolo11n)" for cls in COCO_KINDS)]
    return out


def test_every_detail_has_welsh() -> None:
    details = _details()
    assert len(details) > 1500
    missing = []
    for detail in details:
        try:
            words = detail_words(detail, "cy", strict=True)
        except KeyError:
            missing.append(detail)
            continue
        assert words and words != detail, detail
    assert missing == [], f"no Welsh for these finding details: {missing[:20]}"


def test_detail_sites_are_known() -> None:
    """Every place that writes a detail is one _details() covers: a new one must be added
    there (and to scanner/report/details.py)."""
    known = {"base.py": 1, "codes.py": 1, "displays.py": 1, "documents.py": 1, "faces.py": 1,
             "people.py": 1, "verify.py": 2}
    sites: dict[str, int] = {}
    for path in [*(SCANNER / "detectors").rglob("*.py"), *(SCANNER / "pipeline").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "detail":
                sites[path.name] = sites.get(path.name, 0) + 1
    assert sites == known


def test_details_in_welsh_read_well() -> None:
    assert detail_words("a document with what looks like a person's name", "cy") == (
        "dogfen sy'n cynnwys rhywbeth sy'n edrych fel enw person")
    assert detail_words("a document with an NHS number and a date", "cy") == (
        "dogfen sy'n cynnwys rhif GIG a dyddiad")
    assert detail_words("a screen with a phone number and a postcode", "cy") == (
        "sgrin sy'n cynnwys rhif ffôn a chod post")
    assert detail_words("readable text (1 line of text)", "cy") == (
        "testun darllenadwy (1 llinell o destun)")
    assert detail_words("a document with an NHS number", "en") == "a document with an NHS number"
    assert detail_words("", "cy") == ""
    # Unknown words are never lost, and never invented: English, unless asked to be strict.
    assert detail_words("a new kind of thing", "cy") == "a new kind of thing"
    with pytest.raises(KeyError, match="a new kind of thing"):
        detail_words("a new kind of thing", "cy", strict=True)


# ------------------------------------------------------------------------------------------
# reasons

# Where reasons that reach a ScanResult (or the page) are raised. Models, the CLI and batch
# planning fail a whole run with a usage message, not a photo's reason.
REASON_FILES = [
    "image/codec.py", "fsio.py", "pipeline/process.py", "pipeline/review.py", "types.py",
    "detectors/codes.py", "batch/engines/work.py", "web/app.py",
    "video/probe.py", "video/frames.py", "video/process.py", "video/encode.py",
]
ERROR_ONLY_FILES = ["batch/plan.py", "batch/watch.py"]  # their reasons for a skipped file
_NOT_REASONS = {"ValueError", "TypeError", "KeyError", "AssertionError"}


def _sample(node: ast.expr) -> str | None:
    """The text a string or f-string makes, with "7" for each placeholder."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "7" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _sample(node.left), _sample(node.right)
        return None if left is None or right is None else left + right
    return None


def _reasons() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for rel in REASON_FILES + ERROR_ONLY_FILES:
        raised = rel in REASON_FILES
        tree = ast.parse((SCANNER / rel).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            texts: list[ast.expr] = []
            if raised and name.endswith(("Error", "Image", "Video", "TooLarge", "InvalidShape")) \
                    and name not in _NOT_REASONS and node.args:
                texts.append(node.args[0])
            if raised and name == "HTTPException" and len(node.args) > 1:
                texts.append(node.args[1])
            texts += [k.value for k in node.keywords if k.arg == "error"]
            for expr in texts:
                sample = _sample(expr)
                if sample is not None:
                    out.append((f"{rel}:{node.lineno}", sample))
    return out


def test_every_reason_has_welsh() -> None:
    reasons = _reasons()
    assert len(reasons) > 40
    missing = []
    for where, reason in reasons:
        try:
            words = reason_words(reason, "cy", strict=True)
        except KeyError:
            missing.append(f"{where}: {reason!r}")
            continue
        assert words != reason, reason
    assert missing == [], "no Welsh for these reasons:\n" + "\n".join(missing)


def test_reasons_keep_names_and_numbers() -> None:
    assert reason_words("cannot write Ann's photo.jpg: No space left on device", "cy") == (
        "methu ysgrifennu Ann's photo.jpg: No space left on device")
    assert reason_words("verification failed: 2 redaction(s) left the pixels unchanged; "
                        "no safe copy was made", "cy") == (
        "methodd y gwirio: gadawodd 2 cuddiad y picseli heb eu newid; ni wnaed copi diogel")
    nested = "codes detection failed: code detection failed: every OpenCV call raised (x)"
    assert reason_words(nested, "cy") == (
        "methodd y canfod gan codes: methodd canfod codau: methodd pob galwad OpenCV (x)")
    assert reason_words("the file is empty", "en") == "the file is empty"
    assert reason_words(None, "cy") == ""
    assert reason_words("something new", "cy") == "something new"
