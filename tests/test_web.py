"""scanner.web.app on fake detectors: server safety (Host, Origin, sizes, names, temp folder),
the decisions flow and every download. Browser tests are in test_web_e2e.py."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import zipfile
from datetime import datetime, tzinfo
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from helpers import (
    HAS_EXIFTOOL,
    SECRET_ARTIST,
    FakeDetector,
    ShapedDetector,
    dirty_jpeg,
    noise,
    png_bytes,
    rotated_square,
    save,
)
from PIL import Image

from scanner.config import OutputFormat, ScanConfig
from scanner.image.files import FileKind
from scanner.pipeline.process import Pipeline
from scanner.types import FindingKind, Region
from scanner.web.app import STATIC, create_app, output_name

BASE = "http://127.0.0.1:8765"
ORIGIN = {"Origin": BASE}
FACE = Region(20, 20, 60, 60)


def _client(tmp_path: Path, *, max_upload_bytes: int = 10 * 2**20,
            config: ScanConfig | None = None, regions=(FACE,)) -> TestClient:
    config = config or ScanConfig(output_format=OutputFormat.PNG)
    pipeline = Pipeline(config, detectors=[FakeDetector(regions)])
    app = create_app(config, tmp_path / "work", pipeline=pipeline,
                     max_upload_bytes=max_upload_bytes)
    return TestClient(app, base_url=BASE)


@pytest.fixture
def client(tmp_path: Path):
    with _client(tmp_path) as c:
        yield c


def _session(c: TestClient) -> str:
    r = c.post("/api/sessions", headers=ORIGIN)
    assert r.status_code == 200, r.text
    return r.json()["session"]


def _upload(c: TestClient, sid: str, data: bytes, name: str = "photo.jpg",
            lang: str = "en") -> dict:
    from urllib.parse import quote

    r = c.post(f"/api/sessions/{sid}/photos?lang={lang}", content=data,
               headers={**ORIGIN, "X-PostSafe-Name": quote(name)})
    assert r.status_code == 200, r.text
    return r.json()


def _root(c: TestClient) -> Path:
    root = c.app.state.server.root  # type: ignore[attr-defined]
    assert root is not None
    return root


def _pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"))


PICTURE = noise(160, 120, seed=3)


# ------------------------------------------------------------------------------------------
# Host and Origin


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example",
                                  "localhost.evil.example:8765", "evil.example:8765",
                                  "127.0.0.2:8765", "[::1]:8765", "127.0.0.1:x", ""])
def test_bad_host_is_refused(client: TestClient, host: str) -> None:
    for method, path in (("GET", "/"), ("GET", "/api/strings"), ("POST", "/api/sessions")):
        r = client.request(method, path, headers={"Host": host, "Origin": f"http://{host}"})
        assert r.status_code == 400, (host, path)


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "127.0.0.1", "localhost"])
def test_loopback_hosts_are_served(client: TestClient, host: str) -> None:
    r = client.get("/", headers={"Host": host})
    assert r.status_code == 200
    r = client.post("/api/sessions", headers={"Host": host, "Origin": f"http://{host}"})
    assert r.status_code == 200


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1:9999",
                                    "https://127.0.0.1:8765", "null", "http://localhost:8765"])
def test_foreign_origin_is_refused(client: TestClient, origin: str) -> None:
    sid = _session(client)
    for path in ("/api/sessions", f"/api/sessions/{sid}/photos",
                 f"/api/sessions/{sid}/end"):
        r = client.post(path, content=b"x", headers={"Origin": origin})
        assert r.status_code == 403, (origin, path)
    r = client.get("/api/strings", headers={"Origin": origin})
    assert r.status_code == 403
    assert sid in client.app.state.server.sessions  # type: ignore[attr-defined]


def test_post_without_origin_is_refused(client: TestClient) -> None:
    assert client.post("/api/sessions").status_code == 403


def test_cross_site_fetch_metadata_is_refused(client: TestClient) -> None:
    for site in ("cross-site", "same-site"):
        r = client.get("/api/strings", headers={"Sec-Fetch-Site": site})
        assert r.status_code == 403
    assert client.get("/api/strings", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200


def test_security_headers(client: TestClient) -> None:
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["referrer-policy"] == "same-origin"


def test_static_files_load_nothing_from_elsewhere() -> None:
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        urls = re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, flags=re.I)
        assert [u for u in urls if not u.endswith("//www.w3.org")] == [], path.name  # SVG xmlns
        assert "@import" not in text and "url(" not in text, path.name
        assert " style=" not in text and "<script>" not in text, path.name


def test_unknown_static_file_is_404(client: TestClient) -> None:
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/index.html").status_code == 404
    assert client.get("/static/app.js").status_code == 200


# ------------------------------------------------------------------------------------------
# uploads: size, pixels, names


def test_oversized_upload_is_413_and_leaves_nothing(tmp_path: Path) -> None:
    with _client(tmp_path, max_upload_bytes=1000) as c:
        sid = _session(c)
        r = c.post(f"/api/sessions/{sid}/photos", content=b"\xff\xd8\xff" + b"0" * 2000,
                   headers={**ORIGIN, "X-PostSafe-Name": "big.jpg"})
        assert r.status_code == 413

        def chunks():  # no Content-Length: the limit holds while reading
            for _ in range(10):
                yield b"0" * 500

        r = c.post(f"/api/sessions/{sid}/photos", content=chunks(),
                   headers={**ORIGIN, "X-PostSafe-Name": "big.jpg"})
        assert r.status_code == 413
        assert [p for p in _root(c).rglob("*") if p.is_file()] == []


def test_empty_upload_is_refused(client: TestClient) -> None:
    sid = _session(client)
    r = client.post(f"/api/sessions/{sid}/photos", content=b"", headers=ORIGIN)
    assert r.status_code == 400


def test_decompression_bomb_is_a_clear_error(client: TestClient) -> None:
    bomb = Image.new("1", (12_000, 12_000))  # 144 MP of nothing: a few kB as PNG
    data = save(bomb, "PNG")
    assert len(data) < 100_000
    sid = _session(client)
    photo = _upload(client, sid, data, "bomb.png")
    assert photo["status"] == "error"
    assert "limit" in photo["error"] or "bomb" in photo["error"]
    assert client.get(f"/api/sessions/{sid}/photos/{photo['id']}/safe.jpg").status_code == 422
    assert client.get(f"/api/sessions/{sid}/photos/{photo['id']}/download").status_code == 422


def test_pixel_limit_from_the_config(tmp_path: Path) -> None:
    config = ScanConfig(output_format=OutputFormat.PNG, max_pixels=10_000)
    with _client(tmp_path, config=config) as c:
        sid = _session(c)
        photo = _upload(c, sid, save(PICTURE, "PNG"), "big.png")
        assert photo["status"] == "error" and "limit" in photo["error"]


def test_not_an_image_is_skipped(client: TestClient) -> None:
    sid = _session(client)
    photo = _upload(client, sid, b"hello, not a photo", "notes.txt")
    assert photo["status"] == "skipped"


HOSTILE = ["../../etc/passwd.jpg", "..\\..\\x.jpg", "/etc/shadow.jpg", "a/../../b.jpg",
           '<img src=x onerror="alert(1)">.jpg', "\u202egpj.exe", "CON.jpg", ".hidden.jpg",
           "con\x00trol\x1b.jpg", "", "..", "postsafe-report.html"]


@pytest.mark.parametrize("name", HOSTILE)
def test_output_names_are_plain_file_names(name: str) -> None:
    out = output_name(name, FileKind("JPEG", "JPEG"), set())
    assert "/" not in out and "\\" not in out and not out.startswith(".")
    assert re.fullmatch(r"[^<>:\"|?*\x00-\x1f]+\.jpg", out), out
    assert out != "postsafe-report.html"


def test_hostile_names_never_escape_the_temp_folder(client: TestClient,
                                                     tmp_path: Path) -> None:
    sid = _session(client)
    data = png_bytes(PICTURE)
    photos = [_upload(client, sid, data, name) for name in HOSTILE]
    root = _root(client)
    # Every byte PostSafe wrote is inside its private folder, under random names.
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and root not in p.parents]
    assert outside == []
    names = {p["output_name"] for p in photos}
    assert len(names) == len(photos)  # disambiguated
    for photo in photos:
        r = client.get(f"/api/sessions/{sid}/photos/{photo['id']}/download")
        assert r.status_code == 200
        disposition = r.headers["content-disposition"]
        assert "/" not in disposition.split("filename*=")[0] and "\\" not in disposition
    r = client.get(f"/api/sessions/{sid}/postsafe-photos.zip")
    entries = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert all("/" not in e and "\\" not in e and not e.startswith(".") for e in entries)
    html = client.get(f"/api/sessions/{sid}/report.html").text
    assert "<img src=x" not in html and "onerror=\"alert" not in html
    assert "&lt;img src=x onerror=" in html
    assert "\u202e" not in html
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(root in p.parents for p in files)


def test_page_shows_names_as_text_only() -> None:
    js = (STATIC / "app.js").read_text(encoding="utf-8")
    assert "innerHTML" not in js and "outerHTML" not in js and "insertAdjacentHTML" not in js
    assert "document.write" not in js and "eval(" not in js


# ------------------------------------------------------------------------------------------
# decisions and downloads


def test_scan_lists_findings_and_metadata(client: TestClient) -> None:
    sid = _session(client)
    photo = _upload(client, sid, dirty_jpeg(PICTURE), "dirty.jpg")
    assert photo["status"] == "redacted"
    assert [f["kind"] for f in photo["findings"]] == ["face"]
    assert photo["findings"][0]["hidden"] is True
    assert "Location (GPS)" in photo["metadata"]
    assert any("Code 1.4" in g for g in photo["guidance"])
    cy = client.get(f"/api/sessions/{sid}/photos/{photo['id']}?lang=cy").json()
    assert cy["findings"][0]["label"] == "Wyneb"
    assert any("Cod 1.4" in g for g in cy["guidance"])


def test_keep_a_face_and_add_a_box(client: TestClient) -> None:
    sid = _session(client)
    photo = _upload(client, sid, png_bytes(PICTURE), "team.png")
    pid = photo["id"]
    r = client.post(f"/api/sessions/{sid}/photos/{pid}/decisions",
                    json={"keep": [0], "boxes": [[100, 70, 140, 110]], "face_style": "fill"},
                    headers=ORIGIN)
    assert r.status_code == 200, r.text
    decided = r.json()
    assert decided["findings"][0]["hidden"] is False
    assert decided["boxes"] == [[100, 70, 140, 110]]
    r = client.get(f"/api/sessions/{sid}/photos/{pid}/download")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    out = _pixels(r.content)
    assert np.array_equal(out[20:60, 20:60], PICTURE[20:60, 20:60])  # the kept face
    box = out[70:110, 100:140].reshape(-1, 3)
    assert (box == box[0]).all()  # filled, one colour
    assert not np.array_equal(out[70:110, 100:140], PICTURE[70:110, 100:140])
    report = json.loads(client.get(f"/api/sessions/{sid}/report.json").content)
    findings = report["results"][0]["findings"]
    assert report["mode"] == "review"
    assert findings[0]["action"] == "kept" and findings[0]["decided_by"] == "user"
    assert findings[1]["kind"] == "manual" and findings[1]["action"] == "fill"
    assert findings[1]["decided_by"] == "user"
    assert report["results"][0]["verified"] is True
    html = client.get(f"/api/sessions/{sid}/report.html?lang=cy").text
    assert 'lang="cy"' in html and "gennych chi" in html


def test_findings_carry_the_outline_that_is_hidden(tmp_path: Path) -> None:
    tilted = rotated_square(80, 60, 30, 30)  # a line of text turned by 30 degrees
    config = ScanConfig(output_format=OutputFormat.PNG)
    pipeline = Pipeline(config, detectors=[FakeDetector([FACE]),
                                           ShapedDetector([tilted], kind=FindingKind.TEXT)])
    app = create_app(config, tmp_path / "work", pipeline=pipeline)
    with TestClient(app, base_url=BASE) as c:
        sid = _session(c)
        photo = _upload(c, sid, png_bytes(PICTURE), "p.png")
    assert photo["status"] == "redacted"
    by_kind = {f["kind"]: f for f in photo["findings"]}
    text, face = by_kind["text"], by_kind["face"]
    assert text["polygon"] == tilted.as_list() and len(text["polygon"]) == 4
    assert text["box"] == tilted.bounds.as_list()
    # A face covers its integer box: its outline is that box's four corners.
    x1, y1, x2, y2 = face["box"]
    assert face["polygon"] == [[x1, y1], [x2, y1], [x2, y2], [x1, y2]]


def test_report_records_the_cli_settings_and_the_review_page(client: TestClient) -> None:
    from scanner.config import settings

    sid = _session(client)
    _upload(client, sid, png_bytes(PICTURE), "p.png")
    report = json.loads(client.get(f"/api/sessions/{sid}/report.json?lang=cy").content)
    config = client.app.state.server.config  # type: ignore[attr-defined]
    assert report["settings"] == {**settings(config), "reviewed_on": "review page",
                                  "lang": "cy"}
    assert {"face_style", "models", "redact_people"} <= set(report["settings"])


def test_preview_follows_the_decisions(client: TestClient) -> None:
    cells = (np.indices((120, 160)) // 10).sum(axis=0) % 2  # 10 px checkerboard
    board = np.repeat((60 + 140 * cells)[..., None], 3, axis=2).astype(np.uint8)
    sid = _session(client)
    pid = _upload(client, sid, png_bytes(board), "p.png")["id"]
    url = f"/api/sessions/{sid}/photos/{pid}"
    original = client.get(f"{url}/original.jpg")
    assert original.status_code == 200 and original.headers["cache-control"] == "no-store"
    client.post(f"{url}/decisions", json={"face_style": "fill"}, headers=ORIGIN)
    hidden = _pixels(client.get(f"{url}/safe.jpg").content)
    client.post(f"{url}/decisions", json={"keep": [0]}, headers=ORIGIN)
    kept = _pixels(client.get(f"{url}/safe.jpg").content)
    face = (slice(25, 55), slice(25, 55))
    kept_error = np.abs(kept[face].astype(int) - board[face]).mean()
    hidden_error = np.abs(hidden[face].astype(int) - board[face]).mean()
    assert kept_error < 15 < hidden_error  # JPEG previews: near the original, or not


@pytest.mark.parametrize("body", [
    {"keep": [1]}, {"keep": [-1]}, {"keep": ["0"]}, {"keep": [True]}, {"keep": 0},
    {"boxes": [[1, 2, 3]]}, {"boxes": [["a", 1, 2, 3]]}, {"boxes": [[1, 2, 3, None]]},
    {"boxes": "x"}, {"face_style": "pixelate"}, {"hide": [5]}, [],
])
def test_bad_decisions_are_refused(client: TestClient, body: object) -> None:
    sid = _session(client)
    pid = _upload(client, sid, png_bytes(PICTURE), "p.png")["id"]
    r = client.post(f"/api/sessions/{sid}/photos/{pid}/decisions", json=body, headers=ORIGIN)
    assert r.status_code == 422


def test_nan_box_is_refused(client: TestClient) -> None:
    sid = _session(client)
    pid = _upload(client, sid, png_bytes(PICTURE), "p.png")["id"]
    r = client.post(f"/api/sessions/{sid}/photos/{pid}/decisions",
                    content=b'{"boxes": [[NaN, 0, 10, 10]]}', headers=ORIGIN)
    assert r.status_code == 422


def test_boxes_outside_the_photo_are_clipped_or_dropped(client: TestClient) -> None:
    sid = _session(client)
    pid = _upload(client, sid, png_bytes(PICTURE), "p.png")["id"]
    r = client.post(f"/api/sessions/{sid}/photos/{pid}/decisions",
                    json={"boxes": [[150, 100, 900, 900], [500, 500, 600, 600], [5, 5, 6, 6]]},
                    headers=ORIGIN)
    assert r.json()["boxes"] == [[150, 100, 160, 120]]


@pytest.mark.exiftool
def test_zip_holds_metadata_free_copies_and_both_reports(client: TestClient,
                                                         tmp_path: Path) -> None:
    if not HAS_EXIFTOOL:
        pytest.skip("exiftool is not installed")
    sid = _session(client)
    _upload(client, sid, dirty_jpeg(PICTURE), "dirty.jpg")
    _upload(client, sid, png_bytes(PICTURE, text={"Author": SECRET_ARTIST}), "dirty.png")
    r = client.get(f"/api/sessions/{sid}/postsafe-photos.zip")
    assert r.status_code == 200
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert sorted(zf.namelist()) == ["dirty-2.png", "dirty.png", "postsafe-report.html",
                                         "postsafe-report.json"]
        zf.extractall(folder)
    photos = [folder / "dirty.png", folder / "dirty-2.png"]
    proc = subprocess.run(["exiftool", "-j", "-a", "-G1", *map(str, photos)],
                          capture_output=True, text=True, timeout=60)
    for entry in json.loads(proc.stdout):
        groups = {k.split(":")[0] for k in entry if ":" in k}
        assert groups <= {"ExifTool", "System", "File", "PNG", "Composite"}, entry
        assert SECRET_ARTIST not in json.dumps(entry)


class _FrozenClock(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        return datetime(2024, 5, 6, 7, 8, 9, tzinfo=tz)


def test_zip_is_written_on_disk_in_the_session_folder(client: TestClient,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # The report says when it was made (to the second): two downloads a second apart differ
    # there and nowhere else, so the clock stands still here.
    monkeypatch.setattr("scanner.report.json.datetime", _FrozenClock)
    sid = _session(client)
    _upload(client, sid, png_bytes(PICTURE), "p.png")
    first = client.get(f"/api/sessions/{sid}/postsafe-photos.zip")
    second = client.get(f"/api/sessions/{sid}/postsafe-photos.zip")
    assert first.status_code == second.status_code == 200
    assert first.headers["content-type"] == "application/zip"
    assert first.content == second.content  # fixed dates: the same archive each time
    folder = _root(client) / sid
    assert (folder / "postsafe-photos.zip").read_bytes() == second.content
    assert list(folder.glob(".postsafe-*")) == []  # no temp file left
    with zipfile.ZipFile(io.BytesIO(second.content)) as zf:
        assert sorted(zf.namelist()) == ["p.png", "postsafe-report.html",
                                         "postsafe-report.json"]
        assert zf.getinfo("p.png").date_time == (1980, 1, 1, 0, 0, 0)


# ------------------------------------------------------------------------------------------
# the temp folder's life


def test_session_end_deletes_its_photos(client: TestClient) -> None:
    sid = _session(client)
    _upload(client, sid, png_bytes(PICTURE), "p.png")
    folder = _root(client) / sid
    assert any(p.is_file() for p in folder.rglob("*"))
    assert client.post(f"/api/sessions/{sid}/end", headers=ORIGIN).status_code == 200
    assert not folder.exists()
    assert client.get(f"/api/sessions/{sid}/report.json").status_code == 404


def test_server_stop_deletes_the_temp_folder(tmp_path: Path) -> None:
    with _client(tmp_path) as c:
        sid = _session(c)
        _upload(c, sid, png_bytes(PICTURE), "p.png")
        c.get(f"/api/sessions/{sid}/postsafe-photos.zip")
        root = _root(c)
        assert root.stat().st_mode & 0o777 == 0o700
        assert any(p.is_file() for p in root.rglob("*"))
    assert not root.exists()
    assert list((tmp_path / "work").iterdir()) == []


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.mark.skipif(os.name != "posix", reason="pid checks are POSIX only")
def test_start_removes_folders_of_killed_servers(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    dead, alive = _dead_pid(), os.getpid()
    stale = work / f"postsafe-web-{dead}-abc123"
    (stale / "s" / "in").mkdir(parents=True)
    (stale / "s" / "in" / "x.upload").write_bytes(b"unredacted")
    running = work / f"postsafe-web-{alive}-def456"
    running.mkdir()
    odd = [work / "postsafe-web-notapid-x", work / "postsafe-web-0-x", work / "other-123-x"]
    for folder in odd:
        folder.mkdir()
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep.txt").write_text("not ours")
    link = work / f"postsafe-web-{dead}-link"
    link.symlink_to(target, target_is_directory=True)
    with _client(tmp_path) as c:
        root = _root(c)
        assert root.name.startswith(f"postsafe-web-{alive}-")
        assert not stale.exists()
        assert running.is_dir() and all(folder.is_dir() for folder in odd)
        assert link.is_symlink() and (target / "keep.txt").is_file()


@pytest.mark.skipif(os.name != "posix", reason="pid checks are POSIX only")
def test_start_leaves_other_users_folders(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    theirs = work / f"postsafe-web-{_dead_pid()}-abc123"
    theirs.mkdir(parents=True)
    real_uid = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: real_uid + 1)
    with _client(tmp_path):
        assert theirs.is_dir()


def test_unknown_session_and_photo(client: TestClient) -> None:
    assert client.get("/api/sessions/nope/report.json").status_code == 404
    sid = _session(client)
    assert client.get(f"/api/sessions/{sid}/photos/nope").status_code == 404
    assert client.get(f"/api/sessions/{'x' * 200}/report.json").status_code == 404


def test_strings_cover_both_languages(client: TestClient) -> None:
    data = client.get("/api/strings").json()
    assert set(data["langs"]) == {"en", "cy"}
    assert data["langs"]["cy"]["kind.face"] == "Wyneb"
    page = client.get("/").text
    assert '<html lang="en"' in page


def test_remove_a_photo_deletes_its_files(client: TestClient) -> None:
    sid = _session(client)
    pid = _upload(client, sid, png_bytes(PICTURE), "p.png")["id"]
    assert client.get(f"/api/sessions/{sid}/photos/{pid}/download").status_code == 200
    folder = _root(client) / sid
    assert len([p for p in folder.rglob("*") if p.is_file()]) == 2  # upload + copy
    r = client.post(f"/api/sessions/{sid}/photos/{pid}/remove", headers=ORIGIN)
    assert r.status_code == 200
    assert [p for p in folder.rglob("*") if p.is_file()] == []
    assert client.get(f"/api/sessions/{sid}/photos/{pid}").status_code == 404


def _add(c: TestClient, sid: str, name: str = "a.png", lang: str = "en") -> dict:
    r = c.post(f"/api/sessions/{sid}/photos?lang={lang}", content=png_bytes(PICTURE),
               headers={**ORIGIN, "X-PostSafe-Name": name})
    assert r.status_code == 200, r.text
    return r.json()


def test_verdict_says_who_decided(client: TestClient) -> None:
    sid = _session(client)
    photo = _add(client, sid)
    assert photo["verdict"].startswith("PostSafe hid 1 face.")
    assert photo["findings"][0]["name"] == "Face, hidden by PostSafe"
    url = f"/api/sessions/{sid}/photos/{photo['id']}"
    r = client.post(f"{url}/decisions?lang=en", json={"keep": [0], "boxes": [[1, 1, 9, 9]]},
                    headers=ORIGIN)
    body = r.json()
    assert "You kept 1 face." in body["verdict"] and "You added 1 area to hide." in body["verdict"]
    assert "left for you to review" not in body["verdict"]
    assert body["findings"][0]["name"] == "Face, kept by you"
    welsh = client.get(f"{url}?lang=cy").json()
    assert "Cadwoch chi 1 wyneb." in welsh["verdict"]
    assert welsh["findings"][0]["name"] == "Wyneb, wedi'i gadw gennych chi"


def test_download_all_knows_which_photos_were_not_looked_at(client: TestClient) -> None:
    sid = _session(client)
    first, second = _add(client, sid, "a.png"), _add(client, sid, "b.png")
    assert first["viewed"] is False
    names = [p["name"] for p in client.get(f"/api/sessions/{sid}/unreviewed").json()["photos"]]
    assert names == ["a.png", "b.png"]
    r = client.post(f"/api/sessions/{sid}/photos/{first['id']}/viewed", headers=ORIGIN)
    assert r.status_code == 200
    names = [p["name"] for p in client.get(f"/api/sessions/{sid}/unreviewed").json()["photos"]]
    assert names == ["b.png"]
    assert client.get(f"/api/sessions/{sid}/photos/{first['id']}").json()["viewed"] is True
    assert second["viewed"] is False


def test_a_tap_snaps_to_a_finding_or_a_face_sized_area(client: TestClient) -> None:
    sid = _session(client)
    photo = _add(client, sid)
    url = f"/api/sessions/{sid}/photos/{photo['id']}/spot"
    hit = client.post(url, json={"point": [40, 40]}, headers=ORIGIN).json()
    assert hit["kind"] == "finding" and hit["finding"] == 0
    # Nothing there (the fake pipeline has no text detector): a square of a tenth of the short
    # side, centred on the point and clipped to the photo.
    h, w = PICTURE.shape[:2]
    area = client.post(url, json={"point": [w - 1, h // 2]}, headers=ORIGIN).json()
    assert area["kind"] == "area"
    x1, y1, x2, y2 = area["box"]
    side = 0.10 * min(w, h)
    assert x2 == w and abs((y2 - y1) - side) <= 1 and x1 < w - side / 3
    for bad in ({"point": [-1, 5]}, {"point": [1e9, 5]}, {"point": ["a", 1]}, {"p": 1}, [1, 2]):
        r = client.post(url, json=bad, headers=ORIGIN)
        assert r.status_code == 422, bad


def test_errors_and_details_come_in_the_page_language(client: TestClient) -> None:
    sid = _session(client)
    r = client.post(f"/api/sessions/{sid}/photos?lang=cy", content=b"",
                    headers={**ORIGIN, "X-PostSafe-Name": "a.png"})
    assert r.status_code == 400
    assert r.json()["detail"] == "mae'r ffeil yn wag"
    assert r.json()["words"] == {"en": "the file is empty", "cy": "mae'r ffeil yn wag"}
    r = client.post(f"/api/sessions/{sid}/photos?lang=cy", content=b"not a picture at all",
                    headers={**ORIGIN, "X-PostSafe-Name": "notes.txt"})
    skipped = r.json()
    assert skipped["error"] == "nid yw'n ffeil llun na fideo"
    assert skipped["verdict"] == "Wedi'i hepgor: nid yw'n ffeil llun na fideo."
    r = client.get(f"/api/sessions/{sid}/photos/nosuchphoto?lang=cy")
    assert r.status_code == 404 and r.json()["detail"] == "does dim llun o'r fath"
