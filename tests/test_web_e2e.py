"""The review page end to end, in real headless Chromium (Debian's, driven by Playwright) against
``postsafe serve`` with the real models: drop the sample photos, untick a face, draw a box,
download the zip, and judge the copies (exiftool for metadata, pixels for the decisions)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers import DEV_EXTRA, HAS_EXIFTOOL, need
from PIL import Image

from scanner.config import ScanConfig
from scanner.image.codec import load

pytestmark = [pytest.mark.integration, pytest.mark.exiftool]

_sync_api = need("playwright.sync_api", DEV_EXTRA)  # the whole module skips without it
expect, sync_playwright = _sync_api.expect, _sync_api.sync_playwright

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_images"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
DROPPED = "outing_gps.jpg"  # dropped on the zone; the others go through the file picker
SHAPED = "care_plan_desk.jpg"  # a page in perspective: a finding with a shape
WAIT_MS = 15 * 60 * 1000  # real models on 2 shared cores
STEP_MS = 120 * 1000  # one click's answer
ALLOWED_GROUPS = {"ExifTool", "System", "File", "JFIF", "PNG", "Composite"}
# A clip's MP4 copy has its container's own structure too: the movie's and its one track's
# headers (sizes, durations, zero dates). Tags, keys, user data or a second track would show
# as other groups (ItemList, Keys, UserData, Track2...).
VIDEO_GROUPS = ALLOWED_GROUPS | {"QuickTime", "Track1"}
CLIP = "garden_walk.mov"  # the sample clip goes through the same page


def _photos() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() != ".md")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (scripts/install-system-deps.sh)")
    if not HAS_EXIFTOOL:
        pytest.skip("exiftool is not installed (scripts/install-system-deps.sh)")
    tmp = tmp_path_factory.mktemp("serve")
    env = {**os.environ, "TMPDIR": str(tmp)}
    # PNG copies: the kept face can then be compared with the original pixel for pixel.
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanner", "serve", "--port", "0", "--no-browser",
         "--format", "png"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "http://127.0.0.1:" not in line:
        proc.kill()
        pytest.fail(f"serve did not start: {line} {proc.stderr.read() if proc.stderr else ''}")
    url = line.split()[3]
    yield {"url": url, "tmp": tmp}
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert list(tmp.glob("postsafe-web-*")) == [], "the temp folder outlived the server"


@pytest.fixture(scope="module")
def browser():

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _drop(page, path: Path) -> None:
    """A real drop event carrying a DataTransfer with the file, as a browser makes on drop."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    transfer = page.evaluate_handle(
        """([data, name]) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], name, { type: "image/jpeg" }));
            return dt;
        }""", [data, path.name])
    page.dispatch_event("#drop", "dragenter", {"dataTransfer": transfer})
    page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})


def _points(attribute: str) -> list[tuple[float, float]]:
    """An SVG ``points`` attribute ("x,y x,y ...") as pairs."""
    return [(float(x), float(y)) for x, y in (p.split(",") for p in attribute.split())]


def _is_box(points: list[tuple[float, float]]) -> bool:
    xs, ys = {x for x, _ in points}, {y for _, y in points}
    return len(points) == 4 and len(xs) == 2 and len(ys) == 2


def test_review_untick_draw_download(server: dict, browser, tmp_path: Path) -> None:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    external: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server["url"])
            else external.append(r.url))
    page.goto(server["url"])
    page.wait_for_selector("body[data-ready=true]")

    photos = _photos()
    _drop(page, SAMPLES / DROPPED)
    page.set_input_files("#files", [str(p) for p in photos if p.name != DROPPED])
    # expect() polls from Playwright's own world: the page's CSP forbids eval, rightly.
    ready = page.locator(".photo-item[data-status=redacted], .photo-item[data-status=clean]")
    expect(ready).to_have_count(len(photos), timeout=WAIT_MS)
    assert "ready to review" in page.inner_text("#progress")

    # Review the dropped photo: its face is listed and outlined.
    page.click(f".photo-main:has-text('{DROPPED}')")
    expect(page.locator("#review-name")).to_have_text(DROPPED)
    face = page.locator("#findings li", has_text="Face").first
    assert face.locator("input").is_checked()
    assert page.locator("#overlay .mark.k-face").count() >= 1
    assert page.get_attribute("#original", "alt")
    # Every control has a label a screen reader can read.
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input')].filter(i => !i.labels || !i.labels.length)"
        ".map(i => i.id)")
    assert unlabelled == []

    with page.expect_response(lambda r: r.url.endswith("/decisions?lang=en"), timeout=STEP_MS):
        face.locator("input").uncheck()
    page.wait_for_selector("#overlay .mark.k-face.kept-mark")

    # Draw a box with the mouse over an empty part of the picture (right of the face).
    page.click("#draw-toggle")
    # Mouse events only reach what is inside the viewport.
    page.locator("#overlay").scroll_into_view_if_needed()
    box = page.locator("#overlay").bounding_box()
    assert box is not None
    x0, y0 = box["x"] + box["width"] * 0.70, box["y"] + box["height"] * 0.25
    x1, y1 = box["x"] + box["width"] * 0.90, box["y"] + box["height"] * 0.50
    with page.expect_response(lambda r: r.url.endswith("/decisions?lang=en"), timeout=STEP_MS):
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
        page.mouse.move(x1, y1, steps=5)
        page.mouse.up()
    page.wait_for_selector("#boxes li")
    assert page.locator("#boxes li").count() == 1
    # A finding is outlined by its polygon; a box the person drew stays a rectangle.
    assert page.locator("#overlay .mark.k-face polygon.outline").count() >= 1
    assert page.locator("#overlay .mark.k-face rect").count() == 0
    assert page.locator("#overlay .mark.k-manual rect.outline").count() == 1
    assert page.locator("#overlay .mark.k-manual polygon").count() == 0

    # Photos whose review was never opened: Download all asks first.
    page.click("#dl-zip")
    expect(page.locator("#confirm")).to_be_visible()
    with page.expect_download(timeout=WAIT_MS) as info:
        page.click("#confirm-download")
    archive = tmp_path / "photos.zip"
    info.value.save_as(archive)
    # The care plan lies in perspective on a desk: its outline is drawn as found, not boxed.
    page.click(f".photo-main:has-text('{SHAPED}')")
    expect(page.locator("#review-name")).to_have_text(SHAPED)
    outlines = page.locator("#overlay .mark.k-document polygon.outline")
    expect(outlines.first).to_be_attached()
    backs = page.locator("#overlay .mark.k-document polygon.outline-back")
    assert backs.count() == outlines.count()
    tilted = [points for points in (_points(el.get_attribute("points") or "")
                                    for el in outlines.all()) if not _is_box(points)]
    assert tilted, "no document outline is anything but a box"
    assert external == [], f"the page fetched from elsewhere: {external}"
    context.close()

    out = tmp_path / "unzipped"
    with zipfile.ZipFile(archive) as zf:
        names = sorted(zf.namelist())
        zf.extractall(out)
    assert "postsafe-report.html" in names and "postsafe-report.json" in names
    images = [out / n for n in names if not n.startswith("postsafe-report")]
    assert len(images) == len(photos)

    # exiftool is the judge: nothing but the file's own structure.
    proc = subprocess.run(["exiftool", "-j", "-a", "-G1", *map(str, images)],
                          capture_output=True, text=True, timeout=120)
    for entry in json.loads(proc.stdout):
        groups = {k.split(":")[0] for k in entry if ":" in k}
        allowed = VIDEO_GROUPS if entry["SourceFile"].endswith(".mp4") else ALLOWED_GROUPS
        assert groups <= allowed, (entry["SourceFile"], groups - allowed)
        dates = [v for k, v in entry.items() if "Date" in k and not k.startswith("System:")]
        if entry["SourceFile"].endswith(".mp4"):
            assert all(str(v).startswith("0000") for v in dates), (entry["SourceFile"], dates)

    report = json.loads((out / "postsafe-report.json").read_text(encoding="utf-8"))
    if (SAMPLES / CLIP).exists():  # the clip's copy, made from the page like the photos'
        clip = next(r for r in report["results"] if r["source"] == CLIP)
        assert clip["status"] == "redacted" and clip["verified"] is True, clip["error"]
        assert clip["output"] == "garden_walk.mp4" and clip["clip"]["frames"] > 0
        assert all(f["span"] is not None for f in clip["findings"])
    result = next(r for r in report["results"] if r["source"] == DROPPED)
    assert result["status"] in ("clean", "redacted") and result["verified"] is True
    kept = [f for f in result["findings"] if f["kind"] == "face"]
    assert kept and kept[0]["action"] == "kept" and kept[0]["decided_by"] == "user"
    manual = [f for f in result["findings"] if f["kind"] == "manual"]
    assert len(manual) == 1 and manual[0]["action"] == "fill"

    copy = np.asarray(Image.open(out / result["output"]).convert("RGB"))
    original = load(SAMPLES / DROPPED, ScanConfig()).pixels
    assert copy.shape == original.shape
    # The unticked face is untouched (PNG: pixel for pixel) wherever no other finding that was
    # hidden overlaps its padded box (a name badge below a face is still filled) ...
    fx1, fy1, fx2, fy2 = kept[0]["box"]
    own = np.zeros(original.shape[:2], dtype=bool)
    own[fy1:fy2, fx1:fx2] = True
    for f in result["findings"]:
        if f is not kept[0] and f["action"] in ("fill", "mosaic", "blur"):
            x1, y1, x2, y2 = f["box"]
            own[y1:y2, x1:x2] = False
    assert own.sum() >= 0.8 * (fx2 - fx1) * (fy2 - fy1)
    assert np.array_equal(copy[own], original[own])
    # ... and the drawn box is filled with one colour where the picture was not flat.
    bx1, by1, bx2, by2 = manual[0]["box"]
    inner = copy[by1 + 1:by2 - 1, bx1 + 1:bx2 - 1].reshape(-1, 3)
    assert inner.size and (inner == inner[0]).all()
    assert original[by1:by2, bx1:bx2].std() > 1


def _session_folders(server: dict) -> set[Path]:
    return set(server["tmp"].glob("postsafe-web-*/*"))


def test_welsh_switch_is_remembered(server: dict, browser) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    before = _session_folders(server)
    page.goto(server["url"])
    page.wait_for_selector("body[data-ready=true]")
    mine = _session_folders(server) - before
    assert len(mine) == 1
    assert page.inner_text("h1") == "Check photos before you post them"
    page.click("button[data-lang=cy]")
    assert page.inner_text("h1") == "Gwiriwch luniau cyn eu postio"
    assert page.get_attribute("html", "lang") == "cy"
    assert page.get_attribute("button[data-lang=cy]", "aria-pressed") == "true"
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    # Leaving the page ended its session: the server deleted that session's folder.
    assert not any(folder.exists() for folder in mine)
    assert page.inner_text("h1") == "Gwiriwch luniau cyn eu postio"
    assert page.get_attribute("html", "lang") == "cy"
    assert "Llusgwch" in page.inner_text("#drop")
    # Fits a phone: nothing wider than the window.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    context.close()


def test_keyboard_box_form(server: dict, browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(server["url"])
    page.wait_for_selector("body[data-ready=true]")
    page.set_input_files("#files", [str(SAMPLES / "noticeboard_qr.png")])
    page.wait_for_selector(".photo-item[data-status=redacted]", timeout=WAIT_MS)
    page.wait_for_selector("#review:not([hidden])")
    expect(page.locator("#review-name")).not_to_have_text("")
    page.focus("#box-x")
    page.keyboard.type("10")
    page.keyboard.press("Tab")
    page.keyboard.type("20")
    page.keyboard.press("Tab")
    page.keyboard.type("100")
    page.keyboard.press("Tab")
    page.keyboard.type("50")
    with page.expect_response(lambda r: "/decisions" in r.url):
        page.keyboard.press("Enter")
    page.wait_for_selector("#boxes li")
    assert "100 \u00d7 50" in page.inner_text("#boxes li")
    # A box outside the photo is refused with a message, not sent.
    page.fill("#box-x", "99999")
    page.fill("#box-y", "0")
    page.fill("#box-w", "10")
    page.fill("#box-h", "10")
    page.click("#box-form button[type=submit]")
    assert page.is_visible("#box-error")
    context.close()


FLOW = ("care_plan_desk.jpg", "outing_gps.jpg", "noticeboard_qr.png")
# English the page showed in Welsh before (the issue) and other strings of the flow.
ENGLISH = ("The safe copy is up to date.", "Your choice is saved", "What PostSafe found",
           "hidden by PostSafe", "kept by you", "a document with", "what looks like",
           "Download all", "Draw a box", "Remove", "PostSafe hid", "Check them first",
           "not checked yet", "Tap or click", "Safe copy", "Original")


def _keep_then_tap_to_hide(page, kind: str, label: str, *, down: float,
                           kept: str | None = None) -> None:
    """Untick the first finding of ``kind``, tap on it, and hide it again from the popover."""
    item = page.locator(f"#findings li.k-{kind} input").first
    with page.expect_response(lambda r: "/safe.jpg" in r.url, timeout=STEP_MS):
        item.uncheck()
    expect(page.locator("#safe-status")).to_have_text(
        "Your choice is saved. The safe copy is up to date.")
    if kept is not None:
        assert kept in page.inner_text("#verdict")
    page.locator("#overlay").scroll_into_view_if_needed()
    fid = item.evaluate("(e) => e.dataset.id")
    outline = page.locator(f"#overlay .mark[data-id='{fid}'] polygon.outline").bounding_box()
    with page.expect_response(lambda r: "/spot" in r.url, timeout=STEP_MS):
        page.mouse.click(outline["x"] + outline["width"] * 0.5,
                         outline["y"] + outline["height"] * down)
    expect(page.locator("#spot")).to_be_visible()
    assert label in page.inner_text("#spot-what")
    with page.expect_response(lambda r: "/safe.jpg" in r.url, timeout=STEP_MS):
        page.click("#spot-hide")
    expect(page.locator("#spot")).to_be_hidden()
    assert item.is_checked()


def _overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_check_then_download_tap_and_welsh(server: dict, browser, size: tuple[int, int],
                                           tmp_path: Path) -> None:
    width, height = size
    context = browser.new_context(accept_downloads=True,
                                  viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(server["url"])
    page.wait_for_selector("body[data-ready=true]")
    page.set_input_files("#files", [str(SAMPLES / n) for n in FLOW])
    ready = page.locator(".photo-item[data-status=redacted], .photo-item[data-status=clean]")
    expect(ready).to_have_count(len(FLOW), timeout=WAIT_MS)

    with page.expect_response(lambda r: "/safe.jpg" in r.url, timeout=STEP_MS):
        page.click(f".photo-main:has-text('{FLOW[0]}')")
    expect(page.locator("#review-name")).to_have_text(FLOW[0])
    expect(page.locator("#safe-status")).to_have_text("The safe copy is up to date.")
    # Check, then download: every finding's entry and badge come before Download all, in the
    # page's order and on screen.
    items = page.locator("#findings li")
    assert items.count() >= 2
    badges = page.locator("#marks .badge-mark")
    assert badges.count() == items.count()
    zip_top = page.locator("#dl-zip").bounding_box()["y"]
    for el in [*items.all(), *badges.all()]:
        assert el.evaluate("(e) => !!(e.compareDocumentPosition(document.getElementById('dl-zip'))"
                           " & Node.DOCUMENT_POSITION_FOLLOWING)")
        box = el.bounding_box()
        assert box is not None, el.evaluate("(e) => e.outerHTML")
        assert box["y"] < zip_top
    # The names are in the list beside the numbers, not on the picture.
    assert "Face, hidden by PostSafe" in page.inner_text("#findings")
    # No two badges overlap.
    boxes = [b.bounding_box() for b in badges.all()]
    assert all(not _overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])

    # Untick the document, then tap on its text: PostSafe offers to hide what is there.
    _keep_then_tap_to_hide(page, "document", "Document", down=0.3,
                           kept="You kept 1 document.")
    expect(page.locator("#safe-status")).to_have_text(
        "Your choice is saved. The safe copy is up to date.")
    assert "PostSafe hid" in page.inner_text("#verdict")
    assert "You kept" not in page.inner_text("#verdict")

    # A status belongs to its photo: switching clears it, and it ends in the outcome.
    with page.expect_response(lambda r: "/safe.jpg" in r.url, timeout=STEP_MS):
        page.click(f".photo-main:has-text('{FLOW[1]}')")
    expect(page.locator("#review-name")).to_have_text(FLOW[1])
    expect(page.locator("#safe-status")).to_have_text("The safe copy is up to date.")

    # A tap on a line of text (the badge's lettering, kept for a moment) hides that line.
    _keep_then_tap_to_hide(page, "text", "Text", down=0.5)

    # Download all asks first while a photo with findings has not been opened.
    page.click("#dl-zip")
    dialog = page.locator("#confirm")
    expect(dialog).to_be_visible()
    assert FLOW[2] in page.inner_text("#confirm-list")
    if width < 600:
        page.screenshot(path=str(tmp_path / "confirm.png"))
    with page.expect_download(timeout=WAIT_MS) as info:
        page.click("#confirm-download")
    assert info.value.suggested_filename == "postsafe-photos.zip"
    expect(dialog).to_be_hidden()

    # Welsh: nothing English from the flow is left on screen.
    page.click("button[data-lang=cy]")
    # The last thing done on this photo was a choice (the text line): its status, in Welsh.
    expect(page.locator("#safe-status")).to_have_text(
        "Mae'ch dewis wedi'i gadw. Mae'r copi diogel yn gyfredol.")
    expect(page.locator("#findings")).not_to_contain_text("PostSafe,")
    page.wait_for_timeout(500)
    text = page.evaluate("document.body.innerText")
    left = [s for s in ENGLISH if s in text]
    assert left == [], f"English left after switching to Welsh: {left}"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()


def test_a_late_answer_never_undoes_a_decision(server: dict, browser) -> None:
    """A read of the photo still on its way when a decision is sent (a busy server) comes back
    after it: the page must not show the old state, or the next decision would send it."""
    import re

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(WAIT_MS)
    page.goto(server["url"])
    page.wait_for_selector("body[data-ready=true]")
    page.set_input_files("#files", [str(SAMPLES / DROPPED)])
    expect(page.locator(".photo-item[data-status=redacted]")).to_have_count(1, timeout=WAIT_MS)
    page.click(f".photo-main:has-text('{DROPPED}')")
    expect(page.locator("#review-name")).to_have_text(DROPPED)
    face = page.locator("#findings li", has_text="Face").first
    assert face.locator("input").is_checked()

    held: list = []
    holding = [True]

    def hold(route) -> None:  # the photo's state, read again: held back until released
        if holding[0] and route.request.method == "GET":
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(r".*/photos/[^/?]+\?lang=en$"), hold)
    page.click(f".photo-main:has-text('{DROPPED}')")  # reads the photo again: held
    page.wait_for_timeout(300)
    assert held  # (the page may read it more than once)
    with page.expect_response(lambda r: r.url.endswith("/decisions?lang=en"), timeout=STEP_MS):
        face.locator("input").uncheck()
    page.wait_for_selector("#overlay .mark.k-face.kept-mark")
    holding[0] = False
    for route in held:  # the old state arrives now, after the decision
        route.continue_()
    page.wait_for_timeout(1500)
    assert not page.locator("#findings li", has_text="Face").first.locator("input").is_checked()
    assert page.locator("#overlay .mark.k-face.kept-mark").count() >= 1
    page.close()
