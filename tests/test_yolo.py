"""scanner.detectors.yolo.base / yolo_onnx / yolo_pt against ultralytics itself.

No weights can be downloaded here, so the model is YOLO11n built from ultralytics' bundled
yaml with random weights (fixed seed), saved as .pt and exported to ONNX. Random weights make
activations vanish through the network and every score equal its bias, so the batch-norm
statistics are set from the test images (one pass in training mode) and the class biases to -3:
that gives a handful to a few dozen boxes per image with spread-out scores (no ties for NMS to
order differently). PostSafe's own decoding of the ONNX file must then give the boxes, classes
and scores ultralytics' predict gives, within 1 px and 1e-3.

Needs the ``yolo`` extra (torch, torchvision, ultralytics); `make test` installs it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers import YOLO_EXTRA, gradient, need, noise, png_bytes, write
from typer.testing import CliRunner

from scanner.cli.main import app
from scanner.config import ScanConfig
from scanner.detectors.yolo import base as yolo
from scanner.detectors.yolo import builtins as yolo_models
from scanner.detectors.yolo.onnx import YoloOnnxDetector
from scanner.detectors.yolo.pt import YoloPtDetector
from scanner.detectors.yolo.store import add_model
from scanner.errors import ModelError
from scanner.models import manifest as models
from scanner.models import onnx as onnx_mod
from scanner.types import FindingKind

NAMES = ["person", "tv", "book", "cat"]
IMGSZ = 320
CONF = 0.2
BOX_TOL = 1.0  # px
SCORE_TOL = 1e-3
runner = CliRunner()


def _images() -> list[np.ndarray]:
    """RGB test pictures: public-domain photos from scikit-image and generated ones, in
    landscape, portrait, small (upscaled) and thin shapes."""
    import cv2
    from skimage import data as skdata

    shapes = gradient(360, 480).copy()
    cv2.rectangle(shapes, (50, 60), (200, 300), (20, 200, 90), -1)
    cv2.circle(shapes, (250, 380), 60, (250, 250, 250), -1)
    return [
        np.ascontiguousarray(skdata.astronaut()),
        np.ascontiguousarray(skdata.coffee()),
        np.ascontiguousarray(skdata.chelsea()),
        shapes,
        noise(300, 200, seed=3),
        np.ascontiguousarray(cv2.resize(skdata.astronaut(), (120, 90))),
        np.ascontiguousarray(skdata.astronaut()[200:240]),
    ]


@pytest.fixture(scope="module")
def yolo_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(model.pt, model.onnx): a random-weight YOLO11n with 4 classes, exported at 320."""
    root = tmp_path_factory.mktemp("yolo")
    os.environ.setdefault("YOLO_CONFIG_DIR", str(root / "ultralytics-settings"))
    yolo.ultralytics_env()
    # Building from the yaml, saving, exporting and predicting must not touch the network:
    # conftest's guard fails the test that tries.
    torch = need("torch", YOLO_EXTRA)
    need("ultralytics", YOLO_EXTRA)
    from ultralytics import YOLO
    from ultralytics.nn.tasks import DetectionModel

    torch.manual_seed(0)
    model = YOLO("yolo11n.yaml")  # ultralytics' bundled cfg; 80 classes, random weights
    model.model = DetectionModel("yolo11n.yaml", nc=len(NAMES), verbose=False)
    model.model.names = dict(enumerate(NAMES))
    batch = np.stack([yolo.letterbox(im, (IMGSZ, IMGSZ)) for im in _images()])
    x = torch.from_numpy(batch.transpose(0, 3, 1, 2).astype(np.float32) / 255)
    net = model.model
    with torch.no_grad():
        for bn in net.modules():
            if isinstance(bn, torch.nn.BatchNorm2d):
                bn.reset_running_stats()
                bn.momentum = None  # running stats = this batch's
        net.train()
        net(x)
        net.eval()
        for branch in net.model[-1].cv3:
            branch[-1].bias.fill_(-3.0)
    pt = root / "random_yolo11n.pt"
    model.save(str(pt))
    exported = YOLO(str(pt)).export(format="onnx", imgsz=IMGSZ, simplify=False, dynamic=False)
    yield pt, Path(exported)


ALL = dict.fromkeys(NAMES, "screen")


@pytest.fixture
def onnx_detector(user_dir: Path, yolo_files: tuple[Path, Path]) -> YoloOnnxDetector:
    add_model(yolo_files[1], ALL, name="rand_onnx", confidence=CONF)
    return YoloOnnxDetector(models.get_spec("rand_onnx"), ScanConfig())


def _sorted(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray):
    order = np.lexsort((boxes[:, 0], classes, -np.round(scores, 4)))
    return boxes[order], scores[order], classes[order]


def _ultralytics(result) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    b = result.boxes
    return b.xyxy.cpu().numpy(), b.conf.cpu().numpy(), b.cls.cpu().numpy().astype(np.int64)


def _assert_same(ours, theirs, near_threshold_ok: bool = False) -> None:
    """Every box of one side has a partner on the other: same class, score within 1e-3, corners
    within 1 px. With ``near_threshold_ok``, unmatched boxes may only be ones scoring within 1e-3
    of the threshold (another runtime may put them on the other side of it)."""
    for a, b in ((ours, theirs), (theirs, ours)):
        used: set[int] = set()
        for box, score, cls in zip(*a, strict=True):
            match = [i for i, (box2, score2, cls2) in enumerate(zip(*b, strict=True))
                     if i not in used and cls2 == cls and abs(score2 - score) <= SCORE_TOL
                     and np.abs(box2 - box).max() <= BOX_TOL]
            if match:
                used.add(match[0])
            else:
                assert near_threshold_ok and score - CONF <= SCORE_TOL, (box, score, cls)


@pytest.mark.integration
def test_onnx_decoding_matches_ultralytics_predict(onnx_detector: YoloOnnxDetector,
                                                   yolo_files: tuple[Path, Path]) -> None:
    from ultralytics import YOLO

    theirs_onnx = YOLO(str(yolo_files[1]), task="detect")
    theirs_pt = YOLO(str(yolo_files[0]), task="detect")
    total = 0
    for image in _images():
        ours = _sorted(*onnx_detector.predict(image))
        bgr = np.ascontiguousarray(image[..., ::-1])
        onnx_ref = _sorted(*_ultralytics(theirs_onnx.predict(bgr, imgsz=IMGSZ, conf=CONF,
                                                             iou=0.7, verbose=False)[0]))
        # Same file, same runtime: the same boxes, one for one.
        assert len(ours[0]) == len(onnx_ref[0])
        np.testing.assert_array_equal(ours[2], onnx_ref[2])
        np.testing.assert_allclose(ours[1], onnx_ref[1], atol=SCORE_TOL)
        np.testing.assert_allclose(ours[0], onnx_ref[0], atol=BOX_TOL)
        # The .pt in torch (rect=False: the same fixed letterbox as the export).
        pt_ref = _ultralytics(theirs_pt.predict(bgr, imgsz=IMGSZ, conf=CONF, iou=0.7,
                                                rect=False, verbose=False)[0])
        _assert_same(ours, pt_ref, near_threshold_ok=True)
        assert ours[0].shape[1] == 4 and np.all(ours[0][:, 2] <= image.shape[1])
        assert np.all(ours[0][:, 3] <= image.shape[0]) and np.all(ours[0] >= 0)
        total += len(ours[0])
    assert total >= 20  # the comparison is not vacuous
    assert set(np.concatenate([onnx_detector.predict(im)[2] for im in _images()])) == {0, 1, 2, 3}


@pytest.mark.integration
def test_pt_and_onnx_detectors_agree(onnx_detector: YoloOnnxDetector,
                                     yolo_files: tuple[Path, Path]) -> None:
    add_model(yolo_files[0], {"person": "person", "tv": "screen"}, name="rand_pt",
              confidence=CONF, input_size=IMGSZ)
    pt = YoloPtDetector(models.get_spec("rand_pt"), ScanConfig())
    assert pt.names == NAMES
    for image in _images()[:4]:
        ours = _sorted(*onnx_detector.predict(image, [0, 1]))
        theirs = _sorted(*pt.predict(image, [0, 1]))
        _assert_same(ours, theirs, near_threshold_ok=True)
        found = pt.detect(image)
        assert {f.kind for f in found} <= {FindingKind.PERSON, FindingKind.SCREEN}
        assert len(found) == len(theirs[0])


@pytest.mark.integration
def test_detectors_keep_no_cached_copy_of_the_model_bytes(
        onnx_detector: YoloOnnxDetector, yolo_files: tuple[Path, Path]) -> None:
    # Regression: session() and the .pt detector read through the lru_cache, so each process
    # held every model's bytes a second time next to the loaded model.
    add_model(yolo_files[0], ALL, name="rand_pt", input_size=IMGSZ)
    YoloPtDetector(models.get_spec("rand_pt"), ScanConfig())
    assert onnx_mod.session.cache_info().currsize == 1
    assert models.load_verified_bytes.cache_info().currsize == 0


@pytest.mark.integration
@pytest.mark.parametrize("shape", [(512, 512), (400, 600), (600, 400), (90, 120), (40, 512),
                                   (1, 3000), (3000, 1), (1, 1), (320, 320), (333, 517)])
def test_letterbox_and_scale_back_match_ultralytics(yolo_files: tuple[Path, Path],
                                                    shape: tuple[int, int]) -> None:
    import torch
    from ultralytics.data.augment import LetterBox
    from ultralytics.utils.ops import scale_boxes

    image = noise(shape[1], shape[0], seed=shape[0])
    theirs = LetterBox((IMGSZ, IMGSZ), auto=False, stride=32)(image=image)
    np.testing.assert_array_equal(yolo.letterbox(image, (IMGSZ, IMGSZ)), theirs)
    boxes = np.random.default_rng(1).uniform(0, IMGSZ, (20, 4)).astype(np.float32)
    boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2])
    ref = scale_boxes((IMGSZ, IMGSZ), torch.from_numpy(boxes.copy()), shape).numpy()
    np.testing.assert_allclose(yolo.scale_back(boxes, (IMGSZ, IMGSZ), shape), ref, atol=1e-3)


def _raw(n: int, nc: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pred = np.empty((4 + nc, n), np.float32)
    pred[0:2] = rng.uniform(0, 320, (2, n))  # centres
    pred[2:4] = rng.uniform(5, 120, (2, n))  # sizes: many overlaps
    pred[4:] = rng.uniform(0, 1, (nc, n)) ** 3
    return pred


@pytest.mark.integration
@pytest.mark.parametrize(
    ("n", "nc", "conf", "iou", "classes"),
    [
        (0, 4, 0.25, 0.7, None),  # no anchors
        (50, 4, 0.999, 0.7, None),  # none above the threshold
        (500, 1, 0.25, 0.7, None),
        (2000, 4, 0.25, 0.7, None),
        (2000, 4, 0.05, 0.45, None),  # more than MAX_DET survive: cut to 300
        (2000, 80, 0.3, 0.5, [0, 62, 63, 67]),  # class filter
    ],
)
def test_decode_matches_non_max_suppression(yolo_files: tuple[Path, Path], n: int, nc: int,
                                            conf: float, iou: float,
                                            classes: list[int] | None) -> None:
    import torch
    from ultralytics.utils.nms import non_max_suppression

    pred = _raw(n, nc, seed=n + nc)
    ref = non_max_suppression(torch.from_numpy(pred[None].copy()), conf, iou, classes=classes,
                              max_det=300)[0].numpy()
    boxes, scores, cls = yolo.decode(pred, conf, iou, classes)
    assert len(boxes) == len(ref) <= yolo.MAX_DET
    ours = _sorted(boxes, scores, cls)
    theirs = _sorted(ref[:, :4], ref[:, 4], ref[:, 5].astype(np.int64))
    np.testing.assert_allclose(ours[0], theirs[0], atol=1e-3)
    np.testing.assert_allclose(ours[1], theirs[1], atol=1e-6)
    np.testing.assert_array_equal(ours[2], theirs[2])


def test_end_to_end_output_is_filtered() -> None:
    pred = np.array([[0, 0, 10, 10, 0.9, 2], [5, 5, 20, 20, 0.1, 1], [1, 1, 4, 4, 0.5, 0]],
                    np.float32)
    boxes, scores, cls = yolo.decode(pred, 0.25, 0.7, end2end=True)
    assert cls.tolist() == [2, 0] and scores.tolist() == pytest.approx([0.9, 0.5])
    assert yolo.decode(pred, 0.25, 0.7, classes=[0], end2end=True)[2].tolist() == [0]


def test_offline_settings_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Regression: setdefault let a user's YOLO_OFFLINE=0 / YOLO_AUTOINSTALL=1 switch the guard off.
    monkeypatch.setenv("YOLO_OFFLINE", "0")
    monkeypatch.setenv("YOLO_AUTOINSTALL", "True")
    yolo.ultralytics_env()
    assert os.environ["YOLO_OFFLINE"] == "1" and os.environ["YOLO_AUTOINSTALL"] == "False"
    monkeypatch.delenv("YOLO_OFFLINE")
    monkeypatch.delenv("YOLO_AUTOINSTALL")
    yolo.ultralytics_env(offline=False)  # models fetch: allowed online, still no pip
    assert "YOLO_OFFLINE" not in os.environ and os.environ["YOLO_AUTOINSTALL"] == "False"


@pytest.mark.integration
def test_cli_add_pt_and_scan(user_dir: Path, yolo_files: tuple[Path, Path], tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    res = runner.invoke(app, ["models", "add", str(yolo_files[0]), "--kind", "person",
                              "--classes", "person", "--confidence", str(CONF),
                              "--imgsz", str(IMGSZ)])
    assert res.exit_code == 0, res.output
    assert "random_yolo11n" in res.output
    res = runner.invoke(app, ["models", "list"])
    assert "random_yolo11n (user, used by scan and redact)" in res.output
    assert res.exit_code == 0, res.output
    monkeypatch.setattr("scanner.pipeline.process.build_detectors", yolo_models.build_added)
    src = write(tmp_path / "in" / "a.png", png_bytes(_images()[0]))
    res = runner.invoke(app, ["scan", str(src), "--json", str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output


@pytest.mark.integration
def test_fetch_without_internet_says_so(user_dir: Path, yolo_files: tuple[Path, Path],
                                        network_attempts: list[str]) -> None:
    # Offline on every machine: conftest's guard refuses each lookup and connection beyond
    # this one (so nothing can be downloaded), and lists them here.
    res = runner.invoke(app, ["models", "fetch", "yolo11n"])
    assert res.exit_code == 1, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1, res.output
    assert "no internet connection" in lines[0] and "yolo11n" in lines[0]
    # It was the download that failed (nothing before it), and it left nothing behind: no
    # model added, and scans are offline again.
    assert any("github.com" in attempt for attempt in network_attempts), network_attempts
    assert not user_dir.exists() or not any(user_dir.iterdir())
    with pytest.raises(ModelError, match="yolo11n"):
        models.get_spec("yolo11n")
    assert os.environ["YOLO_OFFLINE"] == "1"


@pytest.mark.integration
def test_fetch_with_no_network_at_all(user_dir: Path, yolo_files: tuple[Path, Path],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # The same on any machine: name lookups fail as they do offline.
    def no_dns(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    res = runner.invoke(app, ["models", "fetch", "yolo11n"])
    assert res.exit_code == 1
    assert "no internet connection" in res.output
    assert not user_dir.exists() or not any(user_dir.iterdir())


@pytest.mark.integration
def test_fetch_exports_and_adds_with_coco_mappings(user_dir: Path, tmp_path: Path,
                                                   yolo_files: tuple[Path, Path],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The online part replaced by a local checkpoint with COCO's class names: the rest of
    fetch (export to ONNX, checks, registration) runs for real."""
    import torch
    import ultralytics.utils.downloads as downloads
    from ultralytics import YOLO
    from ultralytics.utils import ROOT, YAML

    torch.manual_seed(1)
    coco = YOLO("yolo11n.yaml")
    coco.model.names = YAML.load(ROOT / "cfg" / "datasets" / "coco.yaml")["names"]
    local = tmp_path / "coco_random.pt"
    coco.save(str(local))

    def offline_copy(file: str | Path, *args: object, **kwargs: object) -> str:
        Path(file).write_bytes(local.read_bytes())
        return str(file)

    monkeypatch.setattr(downloads, "attempt_download_asset", offline_copy)
    res = runner.invoke(app, ["models", "fetch", "yolo11n", "--imgsz", "320"])
    assert res.exit_code == 0, res.output
    spec = models.get_spec("yolo11n")
    assert spec.kinds == {"person": "person", "tv": "screen", "laptop": "screen",
                          "cell phone": "screen", "book": "document"}
    assert "AGPL-3.0" in spec.licence and len(spec.classes) == 80
    det = YoloOnnxDetector(spec, ScanConfig())
    assert det.size == (320, 320)
    assert sorted(p.name for p in user_dir.iterdir()) == ["manifest.toml", "yolo11n.onnx"]
    res = runner.invoke(app, ["models", "fetch", "yolo11n"])
    assert res.exit_code == 2 and "already installed" in res.output
