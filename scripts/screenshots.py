"""Screenshots of the review page for the README: docs/review-desktop.png (1280x800) and
docs/review-phone.png (390x844).

Starts ``postsafe serve`` on a free port, opens the system's Chromium through Playwright, adds
three sample photos and opens one for review. Needs the dev extras and /usr/bin/chromium
(scripts/install-system-deps.sh). Usage: python scripts/screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import logging
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_images"
PHOTOS = ("noticeboard_qr.png", "outing_gps.jpg", "care_plan_desk.jpg")
REVIEWED = "care_plan_desk.jpg"
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
WAIT_MS = 15 * 60 * 1000

log = logging.getLogger("screenshots")


def shoot(url: str, out: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(WAIT_MS)
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]")
        page.set_input_files("#files", [str(SAMPLES / n) for n in PHOTOS])
        # expect() polls from Playwright's own world: the page's CSP forbids eval, rightly.
        done = page.locator(".photo-item[data-status=redacted], .photo-item[data-status=clean],"
                            " .photo-item[data-status=error]")
        expect(done).to_have_count(len(PHOTOS), timeout=WAIT_MS)
        with page.expect_response(lambda r: "/safe.jpg" in r.url):
            page.click(f".photo-main:has-text('{REVIEWED}')")
        expect(page.locator("#review-name")).to_have_text(REVIEWED)
        expect(page.locator("#safe-status")).to_have_text("The safe copy is up to date.")
        for name, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            page.evaluate("document.getElementById('review').scrollIntoView()")
            page.wait_for_timeout(500)
            target = out / f"review-{name}.png"
            page.screenshot(path=str(target))
            log.info("wrote %s", target)
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "scanner", "serve", "--port", "0",
                             "--no-browser"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "http://127.0.0.1:" not in line:
            log.error("postsafe serve did not start")
            return 1
        shoot(line.split()[3], args.out)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
