#!/usr/bin/env python3
"""Screen benchmark: are screens covered by ``postsafe redact``, and how much else is redacted?

Runs ``postsafe redact DIR... --out TMP`` on the eval folders (read in place, never copied),
reads ``TMP/postsafe-report.json`` and scores its findings against the COCO boxes in ``gt.json``
(``{"image": [{"cls": ..., "box": [x1, y1, x2, y2]}, ...]}``):

* every ground-truth ``tv``, ``laptop`` and ``cell phone`` box is **covered** when >= 50% of its
  area lies under the union of all redaction boxes (any kind) whose action is fill/mosaic/blur;
* **collateral**: on photos whose COCO boxes include no tv/laptop/cell phone, no book and no
  person, the share of the image redacted (mean, max, top 5); also the mean over all photos.
  COCO has no text or face labels, so this only approximates "photos with no text, screen, code
  or face": such photos may still show signs, labels or faces nobody annotated.

A photo PostSafe reports as an error (or leaves out) covers none of its screens.

    .venv/bin/python bench/screens_eval.py                  # PostSafe on the dev split
    .venv/bin/python bench/screens_eval.py --min-covered 0.9 --max-collateral 0.02
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from _common import (
    add_logging,
    add_out_dir,
    add_postsafe,
    add_timeout_results,
    cli,
    setup_logging,
)
from _shapes import REDACT_ACTIONS, box_covered, hiding
from metadata_eval import REPORT_NAME, list_sources, run_postsafe
from PIL import Image

log = logging.getLogger("screens_eval")

REPO = Path(__file__).resolve().parent.parent
DEFAULT_EVAL = REPO.parent / "shared" / "eval" / "objects"
DEFAULT_POSTSAFE = REPO / ".venv" / "bin" / "postsafe"
RESULTS_DIR = REPO / "bench" / "results"

SCREEN_CLASSES = ("tv", "laptop", "cell phone")
# A photo with none of these COCO classes is taken as having no text, screen, code or face.
NOT_CLEAN_CLASSES = {*SCREEN_CLASSES, "book", "person"}
COVERED_MIN = 0.5
TARGET_COVERED = 0.9
APPROXIMATION = (
    "COCO has no text or face labels: 'no tv/laptop/cell phone/book/person box' stands in for "
    "'no text, screen, code or face'; such photos may still show signs, labels or faces"
)

Image.MAX_IMAGE_PIXELS = None  # eval photos are trusted

Box = tuple[float, float, float, float]


def load_ground_truth(dirs: Sequence[Path]) -> dict[str, list[dict]]:
    gt: dict[str, list[dict]] = {}
    for d in dirs:
        path = d / "gt.json"
        if not path.is_file():
            log.warning("%s has no gt.json; its photos count only towards the overall share", d)
            continue
        for name, objs in json.loads(path.read_text()).items():
            if name in gt:
                log.warning("ground truth for %s appears in more than one folder", name)
            gt[name] = [
                {"cls": str(o["cls"]), "box": tuple(float(v) for v in o["box"][:4])} for o in objs
            ]
    return gt


def upright_size(path: Path) -> tuple[tuple[int, int] | None, int]:
    """Size as displayed (EXIF orientation applied) and the orientation tag, without decoding."""
    try:
        with Image.open(path) as im:
            orientation = im.getexif().get(0x0112, 1)
            w, h = im.size
    except Exception:  # noqa: BLE001 - an undecodable original has no size
        return None, 1
    return ((h, w) if orientation in (5, 6, 7, 8) else (w, h)), orientation


def score(report: dict, sources: Sequence[Path], gt: dict[str, list[dict]]) -> dict:
    by_name: dict[str, dict] = {}
    for r in report.get("results", []):
        name = Path(str(r.get("source", ""))).name
        if name in by_name:
            log.warning("two results share the basename %s", name)
        by_name[name] = r
    if report.get("version") not in (1, 2):
        log.warning("report version is %r, expected 1 or 2", report.get("version"))

    photos: dict[str, dict] = {}
    screens: list[dict] = []
    kinds: dict[str, dict[str, int]] = {}
    for src in sources:
        name = src.name
        r = by_name.get(name)
        size, orientation = upright_size(src)
        info: dict = {"status": None if r is None else r.get("status")}
        if r is None or r.get("status") in ("error", "skipped") or not r.get("output"):
            info["error"] = "not in the report" if r is None else str(r.get("error") or "error")
            findings: list[dict] = []
        else:
            findings = list(r.get("findings") or [])
            w, h = r.get("width"), r.get("height")
            if isinstance(w, int) and isinstance(h, int):
                if size and (w, h) != size:
                    log.warning(
                        "%s: report says %dx%d, upright original is %dx%d", name, w, h, *size
                    )
                size = (w, h)
        if orientation != 1 and name in gt:
            log.warning(
                "%s has EXIF orientation %d: ground truth may be in stored pixels",
                name,
                orientation,
            )
        for f in findings:
            k = kinds.setdefault(str(f.get("kind")), {})
            k[str(f.get("action"))] = k.get(str(f.get("action")), 0) + 1
        shapes = hiding(findings)
        info["size"] = list(size) if size else None
        info["findings"] = len(findings)
        info["faces"] = sum(f.get("kind") == "face" for f in findings)
        info["redaction_kinds"] = sorted(
            {str(f.get("kind")) for f in findings if f.get("action") in REDACT_ACTIONS}
        )
        info["redacted_share"] = (
            box_covered((0, 0, size[0], size[1]), shapes)
            if size and "error" not in info
            else None
        )
        objs = gt.get(name)
        info["gt"] = None if objs is None else sorted({o["cls"] for o in objs})
        info["clean"] = objs is not None and not ({o["cls"] for o in objs} & NOT_CLEAN_CLASSES)
        for o in objs or []:
            if o["cls"] not in SCREEN_CLASSES:
                continue
            box = o["box"]
            cov = 0.0 if "error" in info else box_covered(box, shapes)
            by = sorted(
                {
                    str(f.get("kind"))
                    for f in findings
                    if box_covered(box, hiding([f])) > 0
                }
            )
            screens.append(
                {
                    "file": name,
                    "cls": o["cls"],
                    "box": [round(v, 1) for v in box],
                    "coverage": cov,
                    "covered": cov >= COVERED_MIN,
                    "by_kinds": by,
                    "error": info.get("error"),
                }
            )
        photos[name] = info
    missing = sorted(set(gt) - set(photos))
    if missing:
        log.warning("ground truth for photos not on disk: %s", ", ".join(missing))

    by_class = {}
    for cls in SCREEN_CLASSES:
        items = [s for s in screens if s["cls"] == cls]
        by_class[cls] = {"covered": sum(s["covered"] for s in items), "total": len(items)}
    n_cov = sum(s["covered"] for s in screens)
    clean = {n: i for n, i in photos.items() if i["clean"] and i["redacted_share"] is not None}
    shares = {n: i["redacted_share"] for n, i in clean.items()}
    all_shares = [i["redacted_share"] for i in photos.values() if i["redacted_share"] is not None]
    top = sorted(shares, key=lambda n: (-shares[n], n))[:5]
    return {
        "screens": {
            "covered": n_cov,
            "total": len(screens),
            "covered_share": n_cov / len(screens) if screens else None,
            "mean_coverage": (
                sum(s["coverage"] for s in screens) / len(screens) if screens else None
            ),
            "by_class": by_class,
            "items": screens,
        },
        "collateral": {
            "photos": len(clean),
            "mean_share": sum(shares.values()) / len(shares) if shares else None,
            "max_share": max(shares.values()) if shares else None,
            "top5": [[n, shares[n], photos[n]["redaction_kinds"]] for n in top],
            "faces": sum(i["faces"] for i in clean.values()),
            "photos_with_faces": sorted(n for n, i in clean.items() if i["faces"]),
            "approximation": APPROXIMATION,
        },
        "all_photos": {
            "photos": len(all_shares),
            "mean_share": sum(all_shares) / len(all_shares) if all_shares else None,
            "faces": sum(i["faces"] for i in photos.values()),
            "photos_with_faces": sum(bool(i["faces"]) for i in photos.values()),
            "findings_by_kind": {k: dict(sorted(v.items())) for k, v in sorted(kinds.items())},
        },
        "errors": {n: i["error"] for n, i in photos.items() if "error" in i},
        "photos": photos,
    }


def share(v: float | None) -> str:
    return "  -  " if v is None else f"{100 * v:.1f}%"


def print_table(res: dict, dirs: Sequence[Path], verbose: bool, seconds: float | None) -> None:
    sc = res["screens"]
    files = {s["file"] for s in sc["items"]}
    print(
        f"Screens: {sc['total']} tv/laptop/cell phone boxes in {len(files)} of "
        f"{len(res['photos'])} photos ({', '.join(str(d) for d in dirs)}); covered = >= "
        f"{COVERED_MIN:.0%} of the box under fill/mosaic/blur redaction of any kind"
    )
    if sc["items"]:
        fw = max(len(s["file"]) for s in sc["items"])
        print(f"{'file':<{fw}}  {'class':<10}  {'box w x h':>10}  covered  by")
        for s in sc["items"]:
            b = s["box"]
            dims = f"{b[2] - b[0]:.0f}x{b[3] - b[1]:.0f}"
            by = ",".join(s["by_kinds"]) or ("error: " + s["error"] if s["error"] else "-")
            mark = "yes" if s["covered"] else "no "
            print(
                f"{s['file']:<{fw}}  {s['cls']:<10}  {dims:>10}  {s['coverage']:4.2f} {mark}  {by}"
            )
    cls = ", ".join(f"{k} {v['covered']}/{v['total']}" for k, v in sc["by_class"].items())
    print(
        f"covered: {sc['covered']} of {sc['total']} ({share(sc['covered_share'])}; mean "
        f"coverage {share(sc['mean_coverage'])})  target >= {TARGET_COVERED:.0%}  [{cls}]"
    )
    co = res["collateral"]
    print(
        f"collateral on {co['photos']} photos with no tv/laptop/cell phone/book/person box: "
        f"mean {share(co['mean_share'])} of the image redacted, max {share(co['max_share'])}"
    )
    if co["top5"]:
        top = ", ".join(f"{n} {share(v)} ({','.join(k) or '-'})" for n, v, k in co["top5"] if v)
        print(f"  most redacted: {top or 'none'}")
    print(f"  ({APPROXIMATION})")
    al = res["all_photos"]
    print(f"all {al['photos']} photos: mean {share(al['mean_share'])} of the image redacted")
    print(
        f"face findings: {al['faces']} in {al['photos_with_faces']} photos "
        f"({co['faces']} on the collateral photos: {', '.join(co['photos_with_faces']) or '-'})"
    )
    kinds = "; ".join(
        f"{k} " + ", ".join(f"{a} {n}" for a, n in v.items())
        for k, v in al["findings_by_kind"].items()
    )
    print(f"findings by kind: {kinds or 'none'}" + (f"; {seconds:.0f} s" if seconds else ""))
    if res["errors"]:
        print(f"errors / no output: {', '.join(res['errors'])}")
    if verbose:
        print("\nper photo (redacted share, findings, classes in COCO ground truth):")
        for n, i in res["photos"].items():
            gt = ",".join(i["gt"]) if i["gt"] is not None else "no GT"
            flag = " clean" if i["clean"] else ""
            print(
                f"  {n}: {share(i['redacted_share'])}, {i['findings']} findings "
                f"({','.join(i['redaction_kinds']) or '-'}){flag} [{gt}]"
                + (f" error: {i['error']}" if "error" in i else "")
            )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "eval_dirs",
        nargs="*",
        type=Path,
        help=f"eval folders with gt.json (default {DEFAULT_EVAL})",
    )
    add_postsafe(ap, DEFAULT_POSTSAFE)
    add_out_dir(ap, "score")
    add_timeout_results(ap, RESULTS_DIR / "screens.json")
    ap.add_argument(
        "--min-covered", type=float, help="exit 1 when the share of screens covered is below"
    )
    ap.add_argument(
        "--max-collateral",
        type=float,
        help="exit 1 when the mean redacted share on the collateral photos is above (0-1)",
    )
    add_logging(ap, "per-photo shares; info logs")
    args = ap.parse_args(argv)
    setup_logging(args)
    dirs = [d.resolve() for d in (args.eval_dirs or [DEFAULT_EVAL])]
    for d in dirs:
        if not d.is_dir():
            ap.error(f"not a folder: {d}")
    if args.reuse and not args.out_dir:
        ap.error("--reuse needs --out-dir")
    gt = load_ground_truth(dirs)
    if not gt:
        ap.error("no ground truth found")
    sources = list_sources(dirs)

    meta: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="postsafe-screens-") as tmp:
        out_dir = (args.out_dir or Path(tmp) / "screens_out").resolve()
        seconds = None
        if args.reuse:
            report = json.loads((out_dir / REPORT_NAME).read_text())
        else:
            if out_dir.exists() and any(out_dir.iterdir()):
                ap.error(f"{out_dir} is not empty (use --reuse to score it)")
            report, seconds, rc = run_postsafe(args.postsafe, dirs, out_dir, None, args.timeout)
            meta["postsafe_exit"] = rc
        meta["postsafe_seconds"] = None if seconds is None else round(seconds, 2)
    res = score(report, sources, gt)
    print_table(res, dirs, args.verbose, seconds)

    args.results.parent.mkdir(parents=True, exist_ok=True)
    out = {
        "eval_dirs": [str(d) for d in dirs],
        "postsafe_command": args.postsafe,
        "rule": {
            "screen_classes": list(SCREEN_CLASSES),
            "covered_min": COVERED_MIN,
            "redaction_actions": sorted(REDACT_ACTIONS),
            "collateral_excludes": sorted(NOT_CLEAN_CLASSES),
        },
        "targets": {"covered_share_min": TARGET_COVERED},
        **res,
        "run": meta,
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    args.results.write_text(json.dumps(out, indent=2) + "\n")
    log.info("wrote %s", args.results)

    status = 0
    covered = res["screens"]["covered_share"]
    if args.min_covered is not None and (covered is None or covered < args.min_covered):
        print(f"FAIL: screens covered {share(covered)} < {100 * args.min_covered:g}%")
        status = 1
    mean = res["collateral"]["mean_share"]
    if args.max_collateral is not None and mean is not None and mean > args.max_collateral:
        print(f"FAIL: collateral mean {share(mean)} > {100 * args.max_collateral:g}%")
        status = 1
    return status


if __name__ == "__main__":
    cli(main)
