#!/usr/bin/env python3
"""Text-detection resolution: the smallest print found at each search resolution on 12 MP photos.

PostSafe searches a large photo for text with its long side brought to 2400 px
(``scanner.detectors.text.plan_text_scale``). Text detection is the most expensive stage after
faces, and its cost follows the pixels searched, so this measures what a lower or higher
resolution would buy or lose, on photos this script makes itself:

* a 4032 x 3024 picture (a public-domain scikit-image photo scaled up, so the background is
  real texture, not a flat page) with up to 12 small labels of dark print, at font sizes from
  ``--sizes`` px;
* the judge is tesseract: the words it reads in the photo (``--psm 11``, confidence >= 60,
  >= 3 letters/digits) are what must be found;
* each resolution runs PostSafe's own TextDetector in process; a word counts as found when the
  union of the detected line boxes covers >= 50% of it. Labels are counted the same way (a
  label a person can read when zooming in, even where tesseract gives up).

It prints words and labels found per font size and resolution, and the median detection time
per photo at each resolution (one core: set POSTSAFE_THREADS=1 to compare like with like).

    .venv/bin/python bench/text_resolution.py
    .venv/bin/python bench/text_resolution.py --sides 1600 2048 2400 3000 --sizes 8 10 12 14
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from _common import BenchError, add_logging, cli, setup_logging
from documents_eval import parse_tsv, readable

log = logging.getLogger("text_resolution")

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "text_resolution.json"
WIDTH, HEIGHT = 4032, 3024
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
WORDS = (
    "Margaret Jones Room Care Plan Medication Tuesday Morning Allergy Penicillin Contact "
    "Daughter Address Street Cardiff Swansea Record Number Review Manager Breakfast Visitor"
)
BACKGROUNDS = ("astronaut", "coffee", "chelsea", "rocket")
COVERED = 0.5


def make_photo(size: int, seed: int) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """A 12 MP photo with labels of print at font ``size`` px; their text boxes (xyxy)."""
    import cv2
    import skimage.data
    from PIL import Image, ImageDraw, ImageFont

    rnd = random.Random(seed * 1000 + size)
    source = getattr(skimage.data, BACKGROUNDS[seed % len(BACKGROUNDS)])()[:, :, :3]
    photo = Image.fromarray(cv2.resize(source, (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC))
    draw = ImageDraw.Draw(photo)
    font = ImageFont.truetype(FONT, size)
    labels: list[tuple[int, int, int, int]] = []
    for _ in range(12):
        text = " ".join(rnd.choice(WORDS.split()) for _ in range(3)) + f" {rnd.randint(10, 99)}"
        tw, th = draw.textbbox((0, 0), text, font=font)[2:]
        x, y = rnd.randint(20, WIDTH - tw - 40), rnd.randint(20, HEIGHT - th - 40)
        box = (x, y, x + tw, y + th)
        if any(_near(box, other, 24) for other in labels):
            continue
        draw.rectangle((x - 8, y - 6, x + tw + 8, y + th + 8), fill=(235, 232, 220))
        draw.text((x, y), text, fill=(20, 20, 30), font=font)
        labels.append(box)
    return np.asarray(photo), labels


def _near(a: tuple[int, ...], b: tuple[int, ...], gap: int) -> bool:
    return not (a[2] + gap < b[0] or a[0] - gap > b[2] or a[3] + gap < b[1] or a[1] - gap > b[3])


def readable_words(photo: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes of the words tesseract reads, by the documents eval's rule (confidence >= 60,
    >= 3 letters/digits)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, "PNG")
    out = subprocess.run(
        ["tesseract", "stdin", "stdout", "--psm", "11", "tsv"],
        input=buf.getvalue(),
        capture_output=True,
        check=True,
    ).stdout
    return [tuple(int(v) for v in w.box)
            for w in readable(parse_tsv(out.decode()), 11)]


def covered(mask: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> int:
    return sum(bool(mask[y1:y2, x1:x2].mean() >= COVERED) for x1, y1, x2, y2 in boxes)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--sides",
        type=int,
        nargs="+",
        default=[2048, 2400, 3000],
        help="long sides of the text search to compare (px)",
    )
    ap.add_argument(
        "--sizes", type=int, nargs="+", default=[10, 12, 14], help="font sizes of the labels (px)"
    )
    ap.add_argument("--seeds", type=int, default=2, help="photos per font size")
    ap.add_argument("--results", type=Path, default=RESULTS)
    add_logging(ap, "progress on stderr")
    args = ap.parse_args(argv)
    setup_logging(args)
    if shutil.which("tesseract") is None:
        raise BenchError("tesseract is not installed (apt-get install tesseract-ocr)")
    sys.path.insert(0, str(REPO))
    from scanner.config import ScanConfig
    from scanner.detectors.text import TextDetector

    detector = TextDetector(ScanConfig())
    table: dict[str, dict[str, dict[str, int]]] = {}
    seconds: dict[int, list[float]] = {side: [] for side in args.sides}
    for size in args.sizes:
        for seed in range(args.seeds):
            photo, labels = make_photo(size, seed)
            words = readable_words(photo)
            log.info(
                "font %d px, photo %d: %d labels, %d readable words",
                size,
                seed,
                len(labels),
                len(words),
            )
            for side in args.sides:
                start = time.perf_counter()
                lines = detector._detect(photo, side / WIDTH)
                seconds[side].append(time.perf_counter() - start)
                mask = np.zeros((HEIGHT, WIDTH), dtype=bool)
                for line in lines:
                    x1, y1, x2, y2 = line.region.to_int()
                    mask[y1:y2, x1:x2] = True
                row = table.setdefault(str(size), {}).setdefault(
                    str(side), {"words": 0, "words_found": 0, "labels": 0, "labels_found": 0}
                )
                row["words"] += len(words)
                row["words_found"] += covered(mask, words)
                row["labels"] += len(labels)
                row["labels_found"] += covered(mask, labels)

    print(
        f"Text search resolution on {WIDTH}x{HEIGHT} photos "
        f"({args.seeds} per font size; found = >= {COVERED:.0%} covered by detected lines)"
    )
    print(f"{'font px':>8}  " + "  ".join(f"{f'long side {s}':>22}" for s in args.sides))
    for size in args.sizes:
        cells = []
        for side in args.sides:
            r = table[str(size)][str(side)]
            cells.append(
                f"words {r['words_found']:>3}/{r['words']:<3} labels "
                f"{r['labels_found']:>2}/{r['labels']:<2}"
            )
        print(f"{size:>8}  " + "  ".join(f"{c:>22}" for c in cells))
    medians = {side: statistics.median(ts) for side, ts in seconds.items()}
    print(f"{'s/photo':>8}  " + "  ".join(f"{medians[s]:>22.3f}" for s in args.sides))
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(
        json.dumps(
            {
                "photo": [WIDTH, HEIGHT],
                "sides": args.sides,
                "sizes": args.sizes,
                "seeds": args.seeds,
                "found": table,
                "detect_s_median": {str(s): m for s, m in medians.items()},
            },
            indent=2,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(cli(main))
