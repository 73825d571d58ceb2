"""Time an added YOLO detector (ONNX, decoded by PostSafe) per photo, beside ultralytics' own
predict on the same file.

No weights can be downloaded here, so the model is YOLO11n built from ultralytics' yaml with
random weights (80 classes, exported at --imgsz): the work per photo does not depend on the
weights. Photos are generated (no eval photos needed). Needs the `yolo` extra.

    .venv/bin/python bench/yolo_speed.py [--imgsz 640] [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

from _common import BenchError, add_logging, cli, setup_logging

log = logging.getLogger("yolo_speed")
RESULTS = Path(__file__).resolve().parent / "results" / "yolo_speed.json"
SIZES = {"1 MP (1152x864)": (864, 1152), "12 MP (4000x3000)": (3000, 4000)}


def _median_ms(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--results", type=Path, default=RESULTS)
    add_logging(ap, "progress logs")
    args = ap.parse_args()
    setup_logging(args)
    with tempfile.TemporaryDirectory(prefix="postsafe-yolo-speed-") as tmp:
        os.environ["POSTSAFE_MODELS_DIR"] = str(Path(tmp) / "models")
        os.environ.setdefault("YOLO_CONFIG_DIR", str(Path(tmp) / "ultralytics"))
        import numpy as np

        from scanner.config import ScanConfig
        from scanner.detectors.yolo import base as yolo
        from scanner.detectors.yolo.onnx import YoloOnnxDetector
        from scanner.detectors.yolo.store import add_model
        from scanner.models.manifest import get_spec

        yolo.ultralytics_env()
        try:
            import torch
            from ultralytics import YOLO
        except ImportError as exc:
            raise BenchError("needs the yolo extra: pip install -e '.[yolo]'") from exc
        torch.manual_seed(0)
        model = YOLO("yolo11n.yaml")
        model.model.names = {i: f"class{i}" for i in range(80)}
        pt = Path(tmp) / "yolo11n_random.pt"
        model.save(str(pt))
        onnx_path = Path(YOLO(str(pt)).export(format="onnx", imgsz=args.imgsz, simplify=False,
                                              dynamic=False))
        add_model(onnx_path, {"class0": "person"}, name="speed")
        det = YoloOnnxDetector(get_spec("speed"), ScanConfig())
        theirs = YOLO(str(onnx_path), task="detect")
        rows = {}
        for label, (h, w) in SIZES.items():
            image = np.random.default_rng(0).integers(0, 256, (h, w, 3), dtype=np.uint8)
            bgr = np.ascontiguousarray(image[..., ::-1])
            rows[label] = {
                "postsafe_ms": _median_ms(lambda im=image: det.detect(im), args.repeat),
                "ultralytics_ms": _median_ms(
                    lambda im=bgr: theirs.predict(im, imgsz=args.imgsz, verbose=False),
                    args.repeat),
            }
            log.info("%s: %s", label, rows[label])
    print(f"YOLO11n ONNX at {args.imgsz}, median of {args.repeat} (ms per photo)")
    print(f"{'photo':<20} {'PostSafe':>10} {'ultralytics':>12}")
    for label, row in rows.items():
        print(f"{label:<20} {row['postsafe_ms']:>10} {row['ultralytics_ms']:>12}")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({"imgsz": args.imgsz, "repeat": args.repeat,
                                        "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    cli(main)
