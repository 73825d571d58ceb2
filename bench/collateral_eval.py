#!/usr/bin/env python3
"""Precision beside leaks: how much of a photo ``postsafe redact`` hides that it did not need to.

Runs ``postsafe redact`` on three sets (read in place, never copied) and judges the report's
hidden shapes (``polygon``, else ``box``, of findings whose action is fill/mosaic/blur):

* **collateral** on ``faces/`` (photos with face boxes in ``gt.json``) and ``scenetext/``: the
  share of each photo hidden by text, document, screen and code findings outside every
  ground-truth private object, each grown by 15% of its size on every side (at least 4 px).
  In ``scenetext/`` the regions of ``gt_dontcare.json`` count as neither private nor collateral.
  Face findings are left out (neither set annotates every face). Mean, 90th percentile and the
  share of photos over 10%.
* **nothing to hide**: the COCO photos listed in ``bench/nothing_private.txt`` (picked by eye:
  no text, face, screen or document). How many come out untouched by any finding (faces
  included), and the mean share hidden.
* **scene-text words hidden**: the share of legible ``scenetext/`` words (``ignore`` false)
  hidden at least 90% of their area by any finding.

It also writes a contact sheet of the ten photos with most needless hiding (original, with the
ground truth outlined in green, beside the copy) to ``bench/results/collateral_worst.png``.

    .venv/bin/python bench/collateral_eval.py
    .venv/bin/python bench/collateral_eval.py -v --out-dir /tmp/coll   # keep the copies
    .venv/bin/python bench/collateral_eval.py --reuse --out-dir /tmp/coll
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from _common import add_logging, add_out_dir, add_postsafe, add_timeout_results, cli, setup_logging
from _shapes import SURFACE_KINDS, grown_box, grown_quad, hiding, mask, share_covered
from metadata_eval import REPORT_NAME, resolve_output, run_postsafe
from PIL import Image, ImageDraw, ImageOps

log = logging.getLogger("collateral_eval")

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO.parent / "shared" / "eval"
DEFAULT_POSTSAFE = REPO / ".venv" / "bin" / "postsafe"
RESULTS_DIR = REPO / "bench" / "results"
NOTHING_LIST = REPO / "bench" / "nothing_private.txt"
OVER = 0.10  # a photo more than this hidden needlessly is counted
WORD_HIDDEN = 0.90
TARGETS = {
    "faces": {"mean": 0.015, "p90": 0.04},
    "scenetext": {"mean": 0.04, "p90": 0.10},
    "nothing_untouched_share": 0.80,
    "nothing_mean": 0.01,
    "words_hidden": 0.97,
}

Image.MAX_IMAGE_PIXELS = None  # eval photos are trusted


@dataclass
class Photo:
    name: str
    source: Path
    set: str
    private: list[list[tuple[float, float]]] = field(default_factory=list)  # grown
    dontcare: list[list[tuple[float, float]]] = field(default_factory=list)  # grown
    words: list[list[float]] = field(default_factory=list)  # legible word quads (scenetext)
    size: tuple[int, int] | None = None
    output: Path | None = None
    error: str | None = None
    needless: float = 0.0  # collateral (faces, scenetext) or hidden share (nothing to hide)
    hidden: float = 0.0  # share of the photo hidden by any finding
    findings: int = 0
    kinds: list[str] = field(default_factory=list)
    words_hidden: list[float] = field(default_factory=list)


def nothing_list(path: Path) -> list[str]:
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line.split()[0])
    return names


def load_sets(eval_root: Path) -> list[Photo]:
    photos: list[Photo] = []
    faces = json.loads((eval_root / "faces" / "gt.json").read_text())
    for name, boxes in sorted(faces.items()):
        photos.append(Photo(name, eval_root / "faces" / name, "faces",
                            private=[grown_box(b) for b in boxes]))
    st = eval_root / "scenetext"
    words = json.loads((st / "gt.json").read_text())
    dontcare = json.loads((st / "gt_dontcare.json").read_text())
    for name in sorted(set(words) | set(dontcare)):
        legible = [w for w in words.get(name, []) if not w.get("ignore")]
        ignored = [w for w in words.get(name, []) if w.get("ignore")] + dontcare.get(name, [])
        photos.append(Photo(
            name, st / name, "scenetext",
            private=[grown_quad(w["poly"]) for w in legible],
            dontcare=[grown_quad(w["poly"]) for w in ignored],
            words=[w["poly"] for w in legible],
        ))
    for name in nothing_list(NOTHING_LIST):
        photos.append(Photo(name, eval_root / "objects" / name, "nothing"))
    missing = [p.source for p in photos if not p.source.is_file()]
    if missing:
        raise SystemExit(f"eval photos missing: {', '.join(map(str, missing))}")
    return photos


def judge(photos: Sequence[Photo], report: dict, out_dir: Path) -> None:
    by_source = {Path(str(r.get("source", ""))).resolve(): r for r in report.get("results", [])}
    for p in photos:
        r = by_source.get(p.source.resolve())
        if r is None or r.get("status") in ("error", "skipped") or not r.get("output"):
            p.error = "not in the report" if r is None else str(r.get("error") or "no output")
            continue
        w, h = int(r["width"]), int(r["height"])
        p.size = (w, h)
        p.output = resolve_output(r.get("output"), out_dir)
        findings = list(r.get("findings") or [])
        p.findings = sum(f.get("action") in ("fill", "mosaic", "blur") for f in findings)
        p.kinds = sorted({str(f.get("kind")) for f in findings
                          if f.get("action") in ("fill", "mosaic", "blur")})
        every = mask(hiding(findings), w, h)
        p.hidden = float(every.mean())
        if p.set == "nothing":
            p.needless = p.hidden
            continue
        surfaces = mask(hiding(findings, SURFACE_KINDS), w, h)
        excused = mask(p.private + p.dontcare, w, h)
        p.needless = float((surfaces & ~excused).mean())
        p.words_hidden = [share_covered([tuple(q) for q in quad], every) for quad in p.words]


def summary(photos: Sequence[Photo]) -> dict:
    out: dict = {}
    for name in ("faces", "scenetext"):
        judged = [p for p in photos if p.set == name]
        values = np.array([1.0 if p.error else p.needless for p in judged])  # error: all lost
        out[name] = {
            "photos": len(judged),
            "errors": sum(p.error is not None for p in judged),
            "mean": float(values.mean()) if len(values) else None,
            "p90": float(np.percentile(values, 90)) if len(values) else None,
            "over_10pct": int((values > OVER).sum()),
            "share_over_10pct": float((values > OVER).mean()) if len(values) else None,
        }
    nothing = [p for p in photos if p.set == "nothing"]
    out["nothing"] = {
        "photos": len(nothing),
        "untouched": sum(p.error is None and p.findings == 0 for p in nothing),
        "mean_hidden": float(np.mean([1.0 if p.error else p.hidden for p in nothing]))
        if nothing else None,
        "errors": sum(p.error is not None for p in nothing),
    }
    words = [s for p in photos if p.set == "scenetext" for s in
             (p.words_hidden if not p.error else [0.0] * len(p.words))]
    out["words"] = {
        "legible": len(words),
        "hidden_90": sum(s >= WORD_HIDDEN for s in words),
        "share": sum(s >= WORD_HIDDEN for s in words) / len(words) if words else None,
    }
    return out


def pct(v: float | None) -> str:
    return "  -  " if v is None else f"{100 * v:.1f}%"


def print_table(res: dict, photos: Sequence[Photo], verbose: bool) -> None:
    print("collateral: share of a photo hidden by text/document/screen/code findings outside "
          "every ground-truth object (grown 15%, >= 4 px)")
    print(f"{'set':<10} {'photos':>6} {'mean':>7} {'p90':>7} {'>10%':>6}   target mean / p90")
    for name in ("faces", "scenetext"):
        s, t = res[name], TARGETS[name]
        print(f"{name:<10} {s['photos']:>6} {pct(s['mean']):>7} {pct(s['p90']):>7} "
              f"{s['over_10pct']:>6}   <= {pct(t['mean'])} / <= {pct(t['p90'])}"
              + (f"  ({s['errors']} errors)" if s["errors"] else ""))
    n = res["nothing"]
    print(f"nothing to hide ({NOTHING_LIST.name}): {n['untouched']} of {n['photos']} untouched, "
          f"mean hidden {pct(n['mean_hidden'])}   target >= "
          f"{pct(TARGETS['nothing_untouched_share'])} untouched, <= {pct(TARGETS['nothing_mean'])}")
    w = res["words"]
    print(f"scene-text words hidden >= {WORD_HIDDEN:.0%}: {w['hidden_90']} of {w['legible']} "
          f"({w['share']:.3f})   target >= {TARGETS['words_hidden']}")
    worst = sorted(photos, key=lambda p: -p.needless)[:10]
    print("most hidden needlessly: " + ", ".join(
        f"{p.name} {pct(p.needless)} ({','.join(p.kinds) or '-'})" for p in worst if p.needless))
    errors = [p for p in photos if p.error]
    if errors:
        print("errors / no output: " + ", ".join(f"{p.name}: {p.error}" for p in errors))
    if verbose:
        for p in photos:
            missed = sum(s < WORD_HIDDEN for s in p.words_hidden)
            extra = f", {missed} of {len(p.words)} words < 90% hidden" if p.words else ""
            print(f"  {p.set:<9} {p.name}: needless {pct(p.needless)}, hidden {pct(p.hidden)}, "
                  f"{p.findings} hiding findings ({','.join(p.kinds) or '-'}){extra}")


def contact_sheet(photos: Sequence[Photo], path: Path, count: int = 10,
                  side: int = 360) -> Path | None:
    """Originals (ground truth outlined) beside their copies, for the photos with most
    needless hiding: a picture to look at, since a fine number can hide a wrong copy."""
    worst = [p for p in sorted(photos, key=lambda p: -p.needless)
             if p.needless > 0 and p.output is not None][:count]
    if not worst:
        return None
    rows = []
    for p in worst:
        src = ImageOps.exif_transpose(Image.open(p.source)).convert("RGB")
        draw = ImageDraw.Draw(src)
        for shape in p.private:
            draw.polygon(shape, outline=(0, 255, 0), width=max(1, src.width // 300))
        copy = Image.open(p.output).convert("RGB")
        for im in (src, copy):
            im.thumbnail((side, side))
        row = Image.new("RGB", (2 * side + 10, max(src.height, copy.height) + 18), "white")
        row.paste(src, (0, 18))
        row.paste(copy, (side + 10, 18))
        ImageDraw.Draw(row).text((2, 2), f"{p.set}/{p.name}: {pct(p.needless)} needless "
                                 f"({','.join(p.kinds)})", fill=(0, 0, 0))
        rows.append(row)
    cols = 2  # pairs side by side, so the sheet stays readable when shown whole
    heights = [max(r.height for r in rows[i : i + cols]) for i in range(0, len(rows), cols)]
    sheet = Image.new("RGB", (cols * (rows[0].width + 20), sum(heights)), "white")
    for i, r in enumerate(rows):
        sheet.paste(r, ((i % cols) * (rows[0].width + 20), sum(heights[: i // cols])))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval", type=Path, default=EVAL, help="eval root (default %(default)s)")
    add_postsafe(ap, DEFAULT_POSTSAFE)
    add_out_dir(ap)
    add_timeout_results(ap, RESULTS_DIR / "collateral.json")
    ap.add_argument("--sheet", type=Path, default=RESULTS_DIR / "collateral_worst.png",
                    help="contact sheet of the worst ten (default %(default)s)")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    add_logging(ap, "per-photo figures; info logs")
    args = ap.parse_args(argv)
    setup_logging(args)
    if args.reuse and not args.out_dir:
        ap.error("--reuse needs --out-dir")
    photos = load_sets(args.eval.resolve())
    seconds = None
    with tempfile.TemporaryDirectory(prefix="postsafe-collateral-") as tmp:
        out_dir = (args.out_dir or Path(tmp) / "out").resolve()
        if args.reuse:
            report = json.loads((out_dir / REPORT_NAME).read_text())
        else:
            if out_dir.exists() and any(out_dir.iterdir()):
                ap.error(f"{out_dir} is not empty (use --reuse to judge it)")
            report, seconds, _ = run_postsafe(args.postsafe, [p.source for p in photos],
                                              out_dir, None, args.timeout)
        judge(photos, report, out_dir)
        res = summary(photos)
        sheet = contact_sheet(photos, args.sheet)
    print_table(res, photos, args.verbose)
    if sheet is not None:
        print(f"contact sheet of the worst ten: {sheet}")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({
        "postsafe_command": args.postsafe,
        "targets": TARGETS,
        **res,
        "photos": {f"{p.set}/{p.name}": {
            "needless": p.needless, "hidden": p.hidden, "findings": p.findings,
            "kinds": p.kinds, "words_hidden": p.words_hidden, "error": p.error,
        } for p in photos},
        "postsafe_seconds": None if seconds is None else round(seconds, 1),
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }, indent=2) + "\n")
    if not args.strict:
        return 0
    misses = [name for name in ("faces", "scenetext") if res[name]["mean"] > TARGETS[name]["mean"]
              or res[name]["p90"] > TARGETS[name]["p90"]]
    n = res["nothing"]
    if n["untouched"] < TARGETS["nothing_untouched_share"] * n["photos"] or \
            n["mean_hidden"] > TARGETS["nothing_mean"]:
        misses.append("nothing to hide")
    if (res["words"]["share"] or 0) < TARGETS["words_hidden"]:
        misses.append("scene-text words")
    if misses:
        print("FAIL: " + ", ".join(misses))
        return 1
    return 0


if __name__ == "__main__":
    cli(main)
