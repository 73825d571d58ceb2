#!/usr/bin/env python3
"""Face search resolution: which faces a 12 MP photo's face search finds, by face width.

PostSafe searches a large photo for faces down to a finest scale whose long side is 2048 px
(``scanner.detectors.faces.plan_scales``, in tiles), then looks again up close around that
pass's weak small candidates (the zoom pass). The finest pass is over half of the face
detector's time on a phone photo, so this measures what a lower or higher finest scale buys or
loses. The faces eval cannot say: its photos are mostly 400 px wide, where every setting
searches the same (upscaled) pixels.

* Each test frame is 4032 x 3024: a public-domain scikit-image picture without faces, scaled
  up, with the faces eval's annotated photos laid out on it in rows at each of ``--scales``
  times their size (read in place from ``../shared/eval/faces``, never copied), so every face
  keeps its own surroundings and the frame holds faces from a few px to over 100 px wide.
* Each finest side in ``--sides`` runs PostSafe's own CenterFace detector in process, every
  other setting as shipped (``--no-zoom`` leaves the zoom pass out); a face is found by the
  faces eval's rule (IoU >= 0.3, or a predicted box covering >= 70% of it).

It prints faces found per width in the frame and side, and the median detection time per frame
at each side (set POSTSAFE_THREADS=1 to compare on one core). Frames are dense with faces, so
the zoom pass costs more here than on a typical photo.

    .venv/bin/python bench/face_resolution.py
    .venv/bin/python bench/face_resolution.py --sides 2048 3200 --no-zoom
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from _common import BenchError, add_logging, cli, setup_logging
from faces_eval import DEFAULT_EVAL, Box, load_ground_truth, matches, width_bin

log = logging.getLogger("face_resolution")

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "face_resolution.json"
WIDTH, HEIGHT = 4032, 3024
BACKGROUNDS = ("coffee", "rocket", "gravel", "hubble_deep_field")  # no faces in them
GAP = 16  # px between the photos laid out in a frame
BINS: tuple[tuple[str, float, float], ...] = (
    ("<16", 0.0, 16.0),
    ("16-24", 16.0, 24.0),
    ("24-32", 24.0, 32.0),
    ("32-48", 32.0, 48.0),
    ("48-64", 48.0, 64.0),
    ("64-128", 64.0, 128.0),
    (">=128", 128.0, float("inf")),
)


def eval_photos(eval_dir: Path) -> list[tuple[np.ndarray, list[Box]]]:
    """The faces eval's annotated photos (RGB) with their face boxes."""
    import cv2

    gt, _ = load_ground_truth([eval_dir])
    photos = []
    for name, boxes in sorted(gt.items()):
        image = cv2.imread(str(eval_dir / name), cv2.IMREAD_COLOR)
        if image is None:
            raise BenchError(f"cannot read {eval_dir / name}")
        photos.append((cv2.cvtColor(image, cv2.COLOR_BGR2RGB), boxes))
    return photos


def make_frames(photos: list[tuple[np.ndarray, list[Box]]], scale: float
                ) -> list[tuple[np.ndarray, list[Box]]]:
    """12 MP frames holding every eval photo resized by ``scale``, laid out in rows on a
    public-domain background; the faces' boxes in each frame."""
    import cv2
    import skimage.data

    frames: list[tuple[np.ndarray, list[Box]]] = []
    frame: np.ndarray | None = None
    boxes: list[Box] = []
    x = y = row_h = 0
    for image, faces in photos:
        size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1
                           else cv2.INTER_CUBIC)
        w, h = size
        if x + w > WIDTH:
            x, y, row_h = 0, y + row_h + GAP, 0
        if frame is None or y + h > HEIGHT:
            if frame is not None:
                frames.append((frame, boxes))
            source = getattr(skimage.data, BACKGROUNDS[len(frames) % len(BACKGROUNDS)])()
            if source.ndim == 2:
                source = np.stack([source] * 3, axis=-1)
            frame = cv2.resize(source[:, :, :3], (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC)
            boxes, x, y, row_h = [], 0, 0, 0
        frame[y : y + h, x : x + w] = small
        boxes += [(x + x1 * scale, y + y1 * scale, x + x2 * scale, y + y2 * scale)
                  for x1, y1, x2, y2 in faces]
        x, row_h = x + w + GAP, max(row_h, h)
    if frame is not None:
        frames.append((frame, boxes))
    return frames


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL,
                    help="faces eval folder with gt.json (default %(default)s)")
    ap.add_argument("--sides", type=int, nargs="+", default=[1600, 2048, 3200, 4032],
                    help="long sides of the finest face scale to compare (px)")
    ap.add_argument("--scales", type=float, nargs="+", default=[1.0, 1.5, 2.0, 3.0],
                    help="sizes of the eval photos in the frames, relative to their own")
    ap.add_argument("--no-zoom", action="store_true", help="leave the zoom pass out")
    ap.add_argument("--results", type=Path, default=RESULTS)
    add_logging(ap, "progress on stderr")
    args = ap.parse_args(argv)
    setup_logging(args)
    if not (args.eval_dir / "gt.json").is_file():
        raise BenchError(f"no faces eval at {args.eval_dir} (gt.json missing)")
    sys.path.insert(0, str(REPO))
    from scanner.config import ScanConfig
    from scanner.detectors.faces import CenterFaceDetector, plan_scales

    photos = eval_photos(args.eval_dir)
    detector = CenterFaceDetector(ScanConfig())
    bins = [name for name, _, _ in BINS]
    totals = dict.fromkeys(bins, 0)
    found = {b: dict.fromkeys(args.sides, 0) for b in bins}
    seconds: dict[int, list[float]] = {s: [] for s in args.sides}
    frames = 0
    for scale in args.scales:
        for frame, faces in make_frames(photos, scale):
            frames += 1
            for face in faces:
                totals[width_bin(face[2] - face[0], BINS)] += 1
            for side in args.sides:
                start = time.perf_counter()
                plan = plan_scales(WIDTH, HEIGHT, fine_side=side)
                if args.no_zoom:
                    plan = dataclasses.replace(plan, zoom=None)
                preds = detector._detect(frame, plan)
                seconds[side].append(time.perf_counter() - start)
                boxes = [(f.region.x1, f.region.y1, f.region.x2, f.region.y2) for f in preds]
                hits = [face for face in faces if any(matches(face, p) for p in boxes)]
                for face in hits:
                    found[width_bin(face[2] - face[0], BINS)][side] += 1
                log.info("photos at %.2gx, frame %d, finest side %d: %d/%d faces found",
                         scale, frames, side, len(hits), len(faces))

    print(f"Finest face scale on {WIDTH}x{HEIGHT} frames, zoom pass "
          f"{'off' if args.no_zoom else 'on'}: the faces eval's {len(photos)} annotated photos "
          f"at {', '.join(f'{s:g}x' for s in args.scales)} "
          f"({frames} frames; found = IoU >= 0.3 or >= 70% covered)")
    print(f"{'face px':>8}  " + "  ".join(f"{f'long side {s}':>16}" for s in args.sides))
    for b in bins:
        if totals[b]:
            cells = [f"{found[b][s]:>4}/{totals[b]:<4} {found[b][s] / totals[b]:.3f}"
                     for s in args.sides]
            print(f"{b:>8}  " + "  ".join(f"{c:>16}" for c in cells))
    medians = {s: statistics.median(ts) for s, ts in seconds.items()}
    print(f"{'s/frame':>8}  " + "  ".join(f"{medians[s]:>16.3f}" for s in args.sides))
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({
        "frame": [WIDTH, HEIGHT],
        "sides": args.sides,
        "zoom": not args.no_zoom,
        "scales": args.scales,
        "faces": totals,
        "found": {b: {str(s): n for s, n in row.items()} for b, row in found.items()},
        "detect_s_median": {str(s): m for s, m in medians.items()},
    }, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(cli(main))
