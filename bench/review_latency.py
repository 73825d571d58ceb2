"""How long the review page makes a person wait, beside the CLI on the same photos, and whether
its downloads are byte-for-byte the CLI's copies.

For each photo (default: sample_images/), with one set of models loaded once:
  cli       Pipeline.process writing a copy (what `postsafe redact` does per photo)
  upload    POST the photo to the review app: scan (what the page waits for before review)
  preview   GET the safe-copy preview after unticking the first finding (no verification)
  download  GET the copy with that decision (rendered again, verified, encoded)
  same      the download with NO decision is byte-identical to the CLI's copy

Usage: .venv/bin/python bench/review_latency.py [PHOTO_OR_FOLDER...] [--results FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BenchError, add_logging, cli, setup_logging  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://127.0.0.1:8765"
ORIGIN = {"Origin": BASE}
log = logging.getLogger("review_latency")


def _photos(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        out += sorted(q for q in p.iterdir() if q.suffix.lower() != ".md") if p.is_dir() else [p]
    if not out:
        raise BenchError("no photos given")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path, default=[ROOT / "sample_images"])
    ap.add_argument("--results", type=Path, default=ROOT / "bench/results/review_latency.json")
    add_logging(ap, "per-step logs")
    args = ap.parse_args()
    setup_logging(args)
    try:
        from fastapi.testclient import TestClient

        from scanner.config import ScanConfig
        from scanner.pipeline.process import Pipeline
        from scanner.web.app import create_app
    except ImportError as exc:
        raise BenchError(f"PostSafe with its dev extras is needed: {exc}") from exc

    config = ScanConfig()
    pipeline = Pipeline(config)
    t0 = time.perf_counter()
    pipeline.detectors  # noqa: B018 - load once, shared by the CLI path and the app
    load_s = time.perf_counter() - t0
    rows = []
    with tempfile.TemporaryDirectory(prefix="review-bench-") as tmp, TestClient(
            create_app(config, Path(tmp) / "work", pipeline=pipeline), base_url=BASE) as c:
        sid = c.post("/api/sessions", headers=ORIGIN).json()["session"]
        for photo in _photos(args.paths):
            t = time.perf_counter()
            r = c.post(f"/api/sessions/{sid}/photos", content=photo.read_bytes(),
                       headers={**ORIGIN, "X-PostSafe-Name": quote(photo.name)})
            upload_s = time.perf_counter() - t
            data = r.json()
            pid = data["id"]
            cli_copy = Path(tmp) / f"cli-{photo.stem}{Path(data['output_name']).suffix}"
            t = time.perf_counter()
            pipeline.process(photo, cli_copy)
            cli_s = time.perf_counter() - t
            t = time.perf_counter()
            same_bytes = c.get(f"/api/sessions/{sid}/photos/{pid}/download").content
            plain_s = time.perf_counter() - t
            same = cli_copy.exists() and cli_copy.read_bytes() == same_bytes
            keep = [0] if data["findings"] else []
            c.post(f"/api/sessions/{sid}/photos/{pid}/decisions", json={"keep": keep},
                   headers=ORIGIN)
            t = time.perf_counter()
            c.get(f"/api/sessions/{sid}/photos/{pid}/safe.jpg")
            preview_s = time.perf_counter() - t
            t = time.perf_counter()
            c.get(f"/api/sessions/{sid}/photos/{pid}/download")
            download_s = time.perf_counter() - t
            rows.append({"photo": photo.name, "cli_s": round(cli_s, 2),
                         "upload_s": round(upload_s, 2), "preview_s": round(preview_s, 2),
                         "download_plain_s": round(plain_s, 2),
                         "download_decided_s": round(download_s, 2), "same_as_cli": same})
            log.info("%s", rows[-1])
    print(f"models loaded once in {load_s:.1f} s")
    print(f"{'photo':28} {'cli':>6} {'upload':>7} {'preview':>8} {'download':>9}  same-as-cli")
    for row in rows:
        print(f"{row['photo']:28} {row['cli_s']:6.1f} {row['upload_s']:7.1f} "
              f"{row['preview_s']:8.2f} {row['download_decided_s']:9.1f}  {row['same_as_cli']}")
    med = {k: statistics.median(r[k] for r in rows)
           for k in ("cli_s", "upload_s", "preview_s", "download_decided_s")}
    print(f"{'median':28} {med['cli_s']:6.1f} {med['upload_s']:7.1f} {med['preview_s']:8.2f} "
          f"{med['download_decided_s']:9.1f}  {sum(r['same_as_cli'] for r in rows)}/{len(rows)}")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({"load_s": load_s, "rows": rows, "median": med},
                                       indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    cli(main)
