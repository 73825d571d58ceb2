"""The review page with video clips, on fake detectors (the clips' magenta square is a face):
upload, the strip of frames with the tracks' shapes, untick a track, download the MP4 and judge
its frames; corrupt clips, sizes, decisions a clip cannot take, the turns the models are shared
in. The last test drives the page in headless Chromium (marked integration)."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
from fastapi.testclient import TestClient
from helpers import DEV_EXTRA, need, png_bytes
from PIL import Image
from video_clips import MagentaFaceDetector, clip_frames, face_box, magenta_box, write_clip

from scanner.config import FaceStyle, OutputFormat, ScanConfig
from scanner.pipeline.process import Pipeline
from scanner.types import Region
from scanner.web import app as web
from scanner.web.app import STRIP_SIDE, Turns, create_app, strip_indices

BASE = "http://127.0.0.1:8765"
ORIGIN = {"Origin": BASE}
N, W, H = 20, 320, 240
# At 10 frames a second: faces and everything else every 5 frames (0, 5, 10, 15 and the last,
# 19: the strip), the copy checked every 10. Faces filled: a flat magenta mosaic keeps the
# magenta, a fill leaves none, so "no magenta anywhere" is the judge of a hidden face.
CONFIG = ScanConfig(output_format=OutputFormat.PNG, face_style=FaceStyle.FILL,
                    video_face_every_s=0.5, video_scan_every_s=0.5, video_check_every_s=1.0)
LOOKED = [0, 5, 10, 15, 19]


def _client(tmp_path: Path, **kw: object) -> TestClient:
    pipeline = Pipeline(CONFIG, detectors=[MagentaFaceDetector()])
    app = create_app(CONFIG, tmp_path / "work", pipeline=pipeline, **kw)  # type: ignore[arg-type]
    return TestClient(app, base_url=BASE)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with _client(tmp_path) as c:
        yield c


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("clips")
    return write_clip(folder / "visit.mp4", clip_frames(N, W, H), fps=10).read_bytes()


def _session(c: TestClient) -> str:
    r = c.post("/api/sessions", headers=ORIGIN)
    assert r.status_code == 200, r.text
    return r.json()["session"]


def _post(c: TestClient, sid: str, data: bytes, name: str, lang: str = "en"):
    return c.post(f"/api/sessions/{sid}/photos?lang={lang}", content=data,
                  headers={**ORIGIN, "X-PostSafe-Name": quote(name)})


def _upload(c: TestClient, sid: str, data: bytes, name: str = "visit.mp4",
            lang: str = "en") -> dict:
    r = _post(c, sid, data, name, lang)
    assert r.status_code == 200, r.text
    return r.json()


def _frames(data: bytes, tmp_path: Path) -> list[np.ndarray]:
    import av

    path = tmp_path / "got.mp4"
    path.write_bytes(data)
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def _files(c: TestClient, sid: str) -> list[Path]:
    root = c.app.state.server.root  # type: ignore[attr-defined]
    return sorted(p for p in (root / sid).rglob("*") if p.is_file())


# ------------------------------------------------------------------------------------------
# upload: the tracks and the strip


def test_a_clip_lists_its_face_track_and_serves_the_strip(client: TestClient,
                                                          clip: bytes) -> None:
    sid = _session(client)
    photo = _upload(client, sid, clip)
    assert photo["status"] == "redacted", photo["error"]
    assert photo["output_name"] == "visit.mp4"
    [face] = photo["findings"]
    assert face["kind"] == "face" and face["hidden"] is True and face["auto_hidden"] is True
    assert face["span"] == [pytest.approx(0.0), pytest.approx(1.9)]
    assert photo["verdict"].startswith("PostSafe hid 1 face.")
    video = photo["video"]
    assert (video["width"], video["height"], video["frames"]) == (W, H, N)
    assert video["duration_s"] == pytest.approx(2.0, abs=0.11) and video["ready"] is False
    assert [f["frame"] for f in video["strip"]] == LOOKED
    url = f"/api/sessions/{sid}/photos/{photo['id']}"
    for k, frame in enumerate(video["strip"]):
        # The face's shape in that frame, outlined: it covers where the face is.
        [mark] = frame["marks"]
        assert mark["id"] == 0
        xs, ys = zip(*mark["polygon"], strict=True)
        outline = Region(min(xs), min(ys), max(xs), max(ys))
        assert face_box(frame["frame"], N, W, H).share_inside(outline) == 1.0
        r = client.get(f"{url}/frames/{k}.jpg")
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
        assert r.headers["cache-control"] == "no-store"
        with Image.open(io.BytesIO(r.content)) as im:
            assert im.format == "JPEG" and max(im.size) <= STRIP_SIDE and im.size == (W, H)
            pixels = np.asarray(im.convert("RGB"))
        # The original's frame (the page is local): the face is there, where the outline is.
        seen = magenta_box(pixels)
        assert seen is not None and seen.iou(face_box(frame["frame"], N, W, H)) > 0.7
    for bad in ("5", "99", "x", "-1", "01x", "\u00b2", "\u0661", "0" * 400):
        assert client.get(f"{url}/frames/{bad}.jpg").status_code == 404
    # A clip has no photo previews and no taps.
    assert client.get(f"{url}/original.jpg").status_code == 422
    assert client.get(f"{url}/safe.jpg").status_code == 422
    assert client.post(f"{url}/spot", json={"point": [5, 5]}, headers=ORIGIN).status_code == 422
    welsh = client.get(f"{url}?lang=cy").json()
    assert welsh["findings"][0]["label"] == "Wyneb"
    assert welsh["verdict"].startswith("Cuddiodd PostSafe 1 wyneb.")


def test_the_strip_is_at_most_eight_looks_evenly_spread() -> None:
    assert strip_indices((0, 5, 9)) == [0, 5, 9]
    looked = tuple(range(0, 300, 15)) + (299,)
    picked = strip_indices(looked)
    assert len(picked) == 8 and picked[0] == 0 and picked[-1] == 299
    assert set(picked) <= set(looked)
    gaps = np.diff(picked)
    assert gaps.max() - gaps.min() <= 15


# ------------------------------------------------------------------------------------------
# decisions and downloads


def test_untick_the_track_and_the_face_stays_in_every_frame(client: TestClient, clip: bytes,
                                                            tmp_path: Path) -> None:
    sid = _session(client)
    photo = _upload(client, sid, clip)
    url = f"/api/sessions/{sid}/photos/{photo['id']}"
    r = client.post(f"{url}/decisions?lang=en", json={"keep": [0]}, headers=ORIGIN)
    assert r.status_code == 200, r.text
    decided = r.json()
    assert decided["findings"][0]["hidden"] is False
    assert decided["findings"][0]["name"] == "Face, kept by you"
    assert "You kept 1 face." in decided["verdict"]
    r = client.get(f"{url}/download")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "video/mp4"
    assert r.headers["content-disposition"].startswith('attachment; filename="visit.mp4"')
    frames = _frames(r.content, tmp_path)
    assert len(frames) == N
    for i, frame in enumerate(frames):
        seen = magenta_box(frame)
        assert seen is not None, f"frame {i}: the kept face is gone"
        assert seen.iou(face_box(i, N, W, H)) > 0.8, f"frame {i}"
    assert client.get(url).json()["video"]["ready"] is True
    report = json.loads(client.get(f"/api/sessions/{sid}/report.json").content)
    [result] = report["results"]
    assert result["clip"]["frames"] == N and result["output"] == "visit.mp4"
    [track] = result["findings"]
    assert track["action"] == "kept" and track["decided_by"] == "user"
    assert track["span"] == [pytest.approx(0.0), pytest.approx(1.9)]


def test_a_ticked_track_is_hidden_in_every_frame(client: TestClient, clip: bytes,
                                                 tmp_path: Path) -> None:
    sid = _session(client)
    photo = _upload(client, sid, clip)
    url = f"/api/sessions/{sid}/photos/{photo['id']}"
    # Untick, then tick again: the copy follows the last decision.
    client.post(f"{url}/decisions", json={"keep": [0]}, headers=ORIGIN)
    client.post(f"{url}/decisions", json={"keep": []}, headers=ORIGIN)
    r = client.post(f"{url}/finish", headers=ORIGIN)
    assert r.status_code == 200, r.text
    assert r.json() == {"ready": True, "status": "redacted", "verified": True}
    assert client.get(f"{url}/progress").json() == {"stage": None, "done": 0, "total": 0}
    r = client.get(f"{url}/download")
    assert r.status_code == 200 and r.headers["content-type"] == "video/mp4"
    frames = _frames(r.content, tmp_path)
    assert len(frames) == N
    assert [i for i, f in enumerate(frames) if magenta_box(f) is not None] == []
    # The session's zip and reports hold the clip like a photo.
    z = client.get(f"/api/sessions/{sid}/postsafe-photos.zip")
    assert z.status_code == 200
    with zipfile.ZipFile(io.BytesIO(z.content)) as zf:
        assert sorted(zf.namelist()) == ["postsafe-report.html", "postsafe-report.json",
                                         "visit.mp4"]
        assert zf.read("visit.mp4") == r.content
        report = json.loads(zf.read("postsafe-report.json"))
    [result] = report["results"]
    assert result["status"] == "redacted" and result["verified"] is True
    assert result["clip"]["checked_frames"] >= 2
    assert result["findings"][0]["action"] == "fill"


def test_a_copy_is_made_once_per_decision(client: TestClient, clip: bytes,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[frozenset[int]] = []
    real = web.finish_video

    def counted(*args, **kw):  # type: ignore[no-untyped-def]
        if args[2] is not None:  # a copy, not the upload's report
            calls.append(kw["keep"])
        return real(*args, **kw)

    monkeypatch.setattr(web, "finish_video", counted)
    sid = _session(client)
    url = f"/api/sessions/{sid}/photos/{_upload(client, sid, clip)['id']}"
    for _ in range(2):
        assert client.get(f"{url}/download").status_code == 200
    client.post(f"{url}/decisions", json={"keep": [0]}, headers=ORIGIN)
    assert client.post(f"{url}/finish", headers=ORIGIN).status_code == 200
    assert client.get(f"{url}/download").status_code == 200
    assert calls == [frozenset(), frozenset({1})]  # track numbers count from 1


@pytest.mark.parametrize("body", [
    {"boxes": [[10, 10, 60, 60]]}, {"hide": [0]}, {"face_style": "blur"},
    {"keep": [1]}, {"keep": [0], "boxes": [[1, 1, 40, 40]]},
])
def test_a_clip_takes_only_unticked_tracks(client: TestClient, clip: bytes,
                                           body: dict) -> None:
    sid = _session(client)
    url = f"/api/sessions/{sid}/photos/{_upload(client, sid, clip)['id']}"
    r = client.post(f"{url}/decisions?lang=cy", json=body, headers=ORIGIN)
    assert r.status_code == 422
    if "keep" not in body or body["keep"] == [0]:
        assert r.json()["words"]["en"] == ("on a video, only what PostSafe hides can be "
                                           "unticked")
        assert r.json()["detail"].startswith("ar fideo,")


def test_a_flagged_track_is_listed_but_cannot_be_hidden_here(tmp_path: Path, clip: bytes,
                                                             ) -> None:
    class Unsure(MagentaFaceDetector):
        def detect(self, image: np.ndarray):  # type: ignore[no-untyped-def]
            return [replace(f, unsure=True) for f in super().detect(image)]

    app = create_app(CONFIG, tmp_path / "work", pipeline=Pipeline(CONFIG, [Unsure()]))
    with TestClient(app, base_url=BASE) as c:
        sid = _session(c)
        photo = _upload(c, sid, clip)
        [track] = photo["findings"]
        assert track["state"] == "flagged" and track["hidden"] is False
        assert track["span"] is not None
        assert all(frame["marks"] == [] for frame in photo["video"]["strip"])  # none hidden
        url = f"/api/sessions/{sid}/photos/{photo['id']}"
        for body in ({"hide": [0]}, {"keep": [0]}):
            assert c.post(f"{url}/decisions", json=body, headers=ORIGIN).status_code == 422
        r = c.get(f"{url}/download")
        assert r.status_code == 200
        frames = _frames(r.content, tmp_path)
        assert all(magenta_box(f) is not None for f in frames)  # flagged: left as it was


# ------------------------------------------------------------------------------------------
# bad clips and sizes


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_corrupt_clip_is_a_clear_error_and_leaves_nothing(client: TestClient, clip: bytes,
                                                            damage: str) -> None:
    data = (b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40 if damage == "garbage"
            else clip[: len(clip) // 2])
    sid = _session(client)
    photo = _upload(client, sid, data, "broken.mp4")
    assert photo["status"] == "error" and photo["video"] is None
    assert photo["error"].startswith(("the video cannot be read", "the video is truncated"))
    assert photo["verdict"].startswith("Not processed: the video")
    assert photo["verdict"].endswith("No safe copy was made.")
    # The private folder's random names are not shown: the file's own name is.
    assert ".upload" not in photo["error"] and "postsafe-web-" not in photo["error"]
    url = f"/api/sessions/{sid}/photos/{photo['id']}"
    assert client.post(f"{url}/finish", headers=ORIGIN).status_code == 422
    assert client.get(f"{url}/download").status_code == 422
    assert client.get(f"{url}/frames/0.jpg").status_code == 404
    assert _files(client, sid) == []  # the upload is deleted, no copy was made
    report = json.loads(client.get(f"/api/sessions/{sid}/report.json").content)
    assert report["results"][0]["status"] == "error" and report["results"][0]["output"] is None
    assert _files(client, sid) == [p for p in _files(client, sid) if p.name.startswith(
        "postsafe-report")]


def test_clips_have_their_own_size_limit(tmp_path: Path, clip: bytes) -> None:
    picture = png_bytes(np.zeros((60, 80, 3), dtype=np.uint8) + 90)
    small = len(picture) // 2
    with _client(tmp_path, max_upload_bytes=small, max_video_bytes=len(clip) + 10) as c:
        sid = _session(c)
        session = c.post("/api/sessions", headers=ORIGIN).json()
        assert session["max_video_bytes"] == len(clip) + 10 and ".mov" in session["video_suffixes"]
        assert _upload(c, sid, clip)["status"] == "redacted"
        # Named like a clip, but a photo: a photo's limit.
        r = _post(c, sid, picture, "holiday.mp4")
        assert r.status_code == 413 and "for one photo" in r.json()["detail"]
        r = _post(c, sid, picture, "holiday.png")
        assert r.status_code == 413
        r = _post(c, sid, clip + b"\x00" * 20, "long.mov", lang="cy")
        assert r.status_code == 413
        limit = f"{(len(clip) + 10) / 2**20:.0f}"
        assert r.json()["words"]["en"] == f"the file is over the {limit} MB limit for one video"
        assert r.json()["detail"] == f"mae'r ffeil dros y terfyn o {limit} MB ar gyfer un fideo"
        assert len(_files(c, sid)) == 1  # the one clip taken


def test_the_default_clip_limit_is_the_configs(tmp_path: Path) -> None:
    with _client(tmp_path) as c:
        session = c.post("/api/sessions", headers=ORIGIN).json()
    assert session["max_video_bytes"] == CONFIG.max_file_bytes == 512 * 2**20
    assert session["max_upload_bytes"] == 100 * 2**20


def test_remove_a_clip_deletes_its_files(client: TestClient, clip: bytes) -> None:
    sid = _session(client)
    pid = _upload(client, sid, clip)["id"]
    assert client.get(f"/api/sessions/{sid}/photos/{pid}/download").status_code == 200
    assert len(_files(client, sid)) == 2  # upload + copy
    assert client.post(f"/api/sessions/{sid}/photos/{pid}/remove",
                       headers=ORIGIN).status_code == 200
    assert _files(client, sid) == []


# ------------------------------------------------------------------------------------------
# turns: a photo waits for one of a clip's frames, not the whole clip


def test_a_waiting_job_goes_between_a_long_jobs_frames() -> None:
    turns = Turns()
    order: list[str] = []
    started = threading.Event()

    def clip_job() -> None:
        with turns:
            started.set()
            for i in range(100):
                order.append(f"frame {i}")
                time.sleep(0.01)
                turns.between()

    def photo_job() -> None:
        started.wait()
        with turns:
            order.append("photo")

    threads = [threading.Thread(target=clip_job), threading.Thread(target=photo_job)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    # Without turns between frames the photo would wait for all 100 (a clip's whole copy).
    assert order.index("photo") < 100 and len(order) == 101
    with turns:
        assert turns.waiting == 0  # nobody left queued; between() alone goes straight on
        turns.between()


def test_turns_are_served_in_order() -> None:
    turns = Turns()
    order: list[int] = []

    def job(n: int) -> None:
        with turns:
            order.append(n)

    with turns:
        threads = []
        for n in range(5):
            t = threading.Thread(target=job, args=(n,))
            t.start()
            threads.append(t)
            while turns.waiting < n + 1:
                time.sleep(0.001)
    for t in threads:
        t.join(10)
    assert order == [0, 1, 2, 3, 4]


# ------------------------------------------------------------------------------------------
# the page, in headless Chromium

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live(tmp_path: Path) -> Iterator[str]:
    """The app on fake detectors, served by uvicorn on 127.0.0.1 in a thread."""
    import os

    import uvicorn

    from scanner.web.serve import bind

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (scripts/install-system-deps.sh)")
    app = create_app(CONFIG, tmp_path / "work",
                     pipeline=Pipeline(CONFIG, detectors=[MagentaFaceDetector()]))
    sock = bind(0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@pytest.mark.integration
def test_page_shows_the_strip_untick_and_download(live: str, tmp_path: Path) -> None:
    sync_api = need("playwright.sync_api", DEV_EXTRA)
    frames = clip_frames(30, 480, 270)
    source = write_clip(tmp_path / "garden visit.mp4", frames, fps=10)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True,
                                      viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(live)
        page.wait_for_selector("body[data-ready=true]")
        page.set_input_files("#files", [str(source)])
        page.wait_for_selector(".photo-item[data-status=redacted]")
        assert "Video, 3.0 s" in page.inner_text(".photo-item")
        page.wait_for_selector("#clip-view:not([hidden])")
        sync_api.expect(page.locator("#review-name")).to_have_text(source.name)
        # The strip: each frame loaded, the face outlined; photo-only controls are away.
        strip = page.locator("#strip li")
        assert strip.count() == 7  # looked at 0, 5, ..., 25 and the last, 29
        # (wait_for_function evaluates a string: the page's CSP forbids that, rightly)
        loaded = "[...document.querySelectorAll('#strip img')].every(i => i.naturalWidth > 0)"
        for _ in range(200):
            if page.evaluate(loaded):
                break
            page.wait_for_timeout(50)
        assert page.evaluate(loaded), "a strip frame did not load"
        assert page.locator("#strip .mark.k-face.hidden-mark").count() == 7
        for hidden in ("#photo-views", "#box-set", "#style-set", "#boxes-part"):
            assert not page.is_visible(hidden), hidden
        face = page.locator("#findings li.k-face")
        assert "In the video from 0.0 s to 2.9 s" in face.inner_text()
        assert face.locator("input").is_checked()
        # Each frame's badge sits above its outline, never over the face.
        assert page.locator("#strip .badge-mark.k-face").count() == 7
        page.locator("#clip-view").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "clip-review.png"), full_page=True)
        # A frame can be seen larger (the whole strip's width), and back.
        first = page.locator("#strip .frame-button").first
        small = first.bounding_box()
        first.click()
        assert first.get_attribute("aria-pressed") == "true"
        assert first.bounding_box()["width"] > 2 * small["width"]
        assert page.locator("#strip li").first.locator(".badge-mark").count() == 1
        page.screenshot(path=str(tmp_path / "clip-review-big.png"), full_page=True)
        first.click()
        assert first.get_attribute("aria-pressed") == "false"

        with page.expect_response(lambda r: "/decisions" in r.url):
            face.locator("input").uncheck()
        page.wait_for_selector("#strip .mark.k-face.kept-mark")
        sync_api.expect(page.locator("#clip-status")).to_have_text(
            "Your choice is saved. It is used when you download the video.")
        assert "You kept 1 face." in page.inner_text("#verdict")
        with page.expect_download() as info:
            page.click("#dl-clip")
        assert info.value.suggested_filename == "garden visit.mp4"
        kept = tmp_path / "kept.mp4"
        info.value.save_as(kept)
        sync_api.expect(page.locator("#clip-status")).to_have_text(
            "The safe copy of the video is made and downloading.")

        with page.expect_response(lambda r: "/decisions" in r.url):
            face.locator("input").check()
        with page.expect_download() as info:
            page.click("#dl-clip")
        hidden_copy = tmp_path / "hidden.mp4"
        info.value.save_as(hidden_copy)

        page.click("button[data-lang=cy]")
        sync_api.expect(page.locator("#clip-view figcaption")).to_contain_text(
            "Fframiau o'r gwreiddiol")
        # The server words the list again in Welsh (a request): expect() waits for it.
        sync_api.expect(face).to_contain_text("Yn y fideo o 0.0 eiliad i 2.9 eiliad")
        sync_api.expect(page.locator("#verdict")).to_contain_text("Cuddiodd PostSafe 1 wyneb.")
        page.screenshot(path=str(tmp_path / "clip-review-cy.png"), full_page=True)
        context.close()
        browser.close()
    kept_frames = _frames(kept.read_bytes(), tmp_path)
    assert len(kept_frames) == 30 and all(magenta_box(f) is not None for f in kept_frames)
    hidden_frames = _frames(hidden_copy.read_bytes(), tmp_path)
    assert len(hidden_frames) == 30 and all(magenta_box(f) is None for f in hidden_frames)
