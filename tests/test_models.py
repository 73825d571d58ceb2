"""scanner.models.manifest (manifests), scanner.detectors.yolo.store and `postsafe models`, the
pipeline's use of
added models, and people without faces. No torch here: the model is a small ONNX file built
below in the shape ultralytics exports (its boxes are constants, so findings are known)."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import numpy as np
import onnx
import pytest
from helpers import FakeDetector, clear_model_caches, invoke, noise, png_bytes, write
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

from scanner.config import ScanConfig
from scanner.detectors.yolo import base as yolo
from scanner.detectors.yolo import builtins as yolo_models
from scanner.detectors.yolo.onnx import YoloOnnxDetector
from scanner.detectors.yolo.store import add_model, dump_manifest, parse_kinds
from scanner.errors import ModelError, UsageError
from scanner.models import manifest as models
from scanner.pipeline.process import Pipeline
from scanner.report.guidance import guidance_keys, kind_label, t
from scanner.types import Action, FindingKind, Region, Status

NAMES = ["person", "tv", "book", "cat"]
SIZE = 320
# (cx, cy, w, h, class, score) in the model's 320x320 input = image pixels for a 320x320 photo
BOXES = [
    (80, 80, 100, 120, 1, 0.9),  # tv -> screen
    (240, 200, 80, 200, 0, 0.8),  # person -> person
    (60, 250, 60, 40, 2, 0.7),  # book -> document
    (200, 60, 40, 40, 3, 0.95),  # cat: not mapped
    (82, 82, 100, 120, 1, 0.5),  # a duplicate tv, removed by NMS
]


def synthetic_yolo(path: Path, boxes=BOXES, names=NAMES, size: int = SIZE,
                   metadata: dict[str, str] | None = None, end2end: bool = False) -> Path:
    """An ONNX file shaped like an ultralytics detection export: input ``images``
    (1, 3, size, size), output ``output0`` (1, 4 + nc, N), class names in its metadata.
    ``end2end``: output (1, N, 6) x1, y1, x2, y2, score, class instead (YOLO26, nms=True)."""
    nc = len(names)
    pred = np.zeros((1, 4 + nc, len(boxes) + 3), np.float32)
    pred[0, :4, len(boxes):] = [[10], [10], [4], [4]]
    pred[0, 4:, len(boxes):] = 0.01  # anchors below any threshold
    for i, (cx, cy, w, h, cls, score) in enumerate(boxes):
        pred[0, :4, i] = cx, cy, w, h
        pred[0, 4 + cls, i] = score
    if end2end:
        pred = np.array([[[cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, score, cls]
                          for cx, cy, w, h, cls, score in boxes[:4]]], np.float32)
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
        helper.make_node("Add", ["pred", "nothing"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes, "synthetic_yolo",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(pred.shape))],
        [numpy_helper.from_array(pred, "pred"),
         numpy_helper.from_array(np.array(0.0, np.float32), "zero")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    meta = {"names": repr(dict(enumerate(names))), "stride": "32", "task": "detect",
            "imgsz": f"[{size}, {size}]", "end2end": str(end2end)}
    meta.update(metadata or {})
    helper.set_model_props(model, meta)
    onnx.save(model, str(path))
    return path


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    return synthetic_yolo(tmp_path / "src" / "coco_like.onnx")


KINDS = {"tv": "screen", "person": "person", "book": "document"}


@pytest.fixture
def added(user_dir: Path, model_file: Path) -> models.ModelSpec:
    return add_model(model_file, KINDS, name="coco_like", licence="CC0 (test)")


# ------------------------------------------------------------------------------------------
# manifest entries

GOOD = {"task": "detect-objects", "decoder": "yolo", "source": "m.onnx", "sha256": "a" * 64,
        "licence": "MIT", "classes": NAMES, "kinds": {"tv": "screen"}}


def _without(key: str) -> dict:
    return {k: v for k, v in GOOD.items() if k != key}


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ({}, "lacks 'task'"),
        (_without("source"), "lacks 'source'"),
        (_without("sha256"), "lacks 'sha256'"),
        ("not a table", "is not a table"),
        ({**GOOD, "task": "detect-cats"}, "unknown task 'detect-cats'"),
        ({**GOOD, "task": "text-detect"}, "task must be detect-faces or detect-objects"),
        ({**GOOD, "decoder": "detectron"}, "unknown decoder 'detectron'"),
        (_without("decoder"), "names no decoder"),
        ({**GOOD, "kinds": {"tv": "television"}}, "unknown finding kind 'television'"),
        ({**GOOD, "kinds": {"laptop": "screen"}}, "unknown class 'laptop'"),
        ({**GOOD, "kinds": {}}, "maps none of its classes"),
        ({**GOOD, "kinds": ["tv"]}, "kinds must be a table"),
        ({**GOOD, "classes": "person,tv"}, "classes must be a list"),
        ({**GOOD, "source": "../elsewhere/m.onnx"}, "must be a file inside"),
        ({**GOOD, "source": "/abs/m.onnx"}, "must be a file inside"),
        ({**GOOD, "source": ""}, "must be a file inside"),
        ({**GOOD, "input_size": [640]}, "input_size"),
        ({**GOOD, "input_size": 0}, "input_size"),
        ({**GOOD, "input_size": True}, "input_size"),
        ({**GOOD, "confidence": 0}, "confidence"),
        ({**GOOD, "iou": 1.5}, "iou"),
        ({**GOOD, "confidence": "high"}, "confidence"),
        ({**GOOD, "enabled": "yes"}, "enabled"),
    ],
    ids=["empty", "no_source", "no_sha", "not_table", "bad_task", "wrong_task", "bad_decoder",
         "no_decoder", "bad_kind", "bad_class", "no_kinds", "kinds_list", "classes_str",
         "escape", "absolute", "empty_source", "size_1", "size_0", "size_bool", "conf_0",
         "iou_big", "conf_str", "enabled_str"],
)
def test_bad_user_entries_are_recorded_not_usable(tmp_path: Path, entry: object,
                                                   words: str) -> None:
    spec = models.parse_entry("m", entry, tmp_path / "manifest.toml", "user", tmp_path)
    assert words in spec.problem


def test_good_entry_is_parsed(tmp_path: Path) -> None:
    spec = models.parse_entry("m", {**GOOD, "input_size": 320, "confidence": 0.5}, tmp_path,
                              "user", tmp_path)
    assert spec.problem == ""
    assert spec.added and spec.decoder == "yolo" and spec.task == "detect-objects"
    assert spec.input_size == (320, 320) and spec.confidence == 0.5 and spec.iou == 0.7
    assert spec.classes == tuple(NAMES) and spec.kinds == {"tv": "screen"}
    spec = models.parse_entry("m", {**GOOD, "input_size": [480, 640], "classes": []}, tmp_path,
                              "user", tmp_path)
    assert spec.input_size == (480, 640) and not spec.problem  # classes unknown: checked on load


@pytest.mark.parametrize("name", ["", "-x", "a b", "a/b", "x" * 65])
def test_model_names_are_plain(tmp_path: Path, name: str) -> None:
    assert "name" in models.parse_entry(name, GOOD, tmp_path, "user", tmp_path).problem


@pytest.mark.parametrize(("old", "new"), [("face", "detect-faces"), ("text", "text-detect"),
                                          ("text-recognition", "text-recognise")])
def test_earlier_task_names_still_read(tmp_path: Path, old: str, new: str) -> None:
    entry = {"task": old, "source": "package:x/y.onnx", "sha256": "a" * 64}
    assert models.parse_entry("b", entry, tmp_path, "built-in", tmp_path).task == new


def test_built_in_manifest_uses_the_task_names() -> None:
    specs = models.load_manifest()
    assert {s.task for s in specs.values()} == {"detect-faces", "text-detect", "text-recognise"}
    assert not any(s.added or s.problem for s in specs.values())


def test_user_models_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("POSTSAFE_MODELS_DIR", str(tmp_path / "x"))
    assert models.user_models_dir() == tmp_path / "x"
    monkeypatch.delenv("POSTSAFE_MODELS_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    if models.sys.platform.startswith("linux"):
        assert models.user_models_dir() == tmp_path / "data" / "postsafe" / "models"


def _write_user_manifest(folder: Path, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.toml").write_text(body, encoding="utf-8")
    clear_model_caches()


def test_broken_user_entry_fails_closed_only_when_used(user_dir: Path) -> None:
    _write_user_manifest(user_dir, '[models.bad]\ntask = "detect-objects"\ndecoder = "yolo"\n'
                                   'source = "bad.onnx"\nsha256 = "00"\nkinds = { tv = "tv" }\n')
    assert models.get_spec("centerface").task == "detect-faces"  # built-ins unaffected
    with pytest.raises(ModelError, match="unknown finding kind"):
        models.get_spec("bad")
    with pytest.raises(ModelError, match="unknown finding kind"):
        yolo_models.added_models(ScanConfig())
    assert yolo_models.added_models(ScanConfig(models=())) == []


def test_broken_added_entry_in_project_manifest_fails_closed(
        user_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Regression: a broken entry with a decoder in the project's own manifest lost its decoder
    # in the fallback spec, so it counted as built in and a scan silently left it out.
    body = models.MANIFEST.read_text(encoding="utf-8") + (
        '\n[models.telly]\ntask = "detect-objects"\ndecoder = "yolo"\nsource = "t.onnx"\n'
        f'sha256 = "{"0" * 64}"\nkinds = {{ tv = "telly" }}\n')
    path = tmp_path / "manifest.toml"
    path.write_text(body, encoding="utf-8")
    monkeypatch.setenv(models.MANIFEST_ENV, str(path))
    clear_model_caches()
    spec = models.load_manifest()["telly"]
    assert spec.problem and spec.added and spec.enabled
    with pytest.raises(ModelError, match="unknown finding kind"):
        yolo_models.added_models(ScanConfig())
    off = models.parse_entry("off", {**GOOD, "kinds": {"tv": "x"}, "enabled": False},
                             path, "built-in", tmp_path)
    assert off.problem and off.added and not off.enabled  # a disabled one stays out


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("this is [not toml", "cannot read"),
        ("models = 3\n", "must be a table"),
        ('[models.centerface]\ntask = "detect-faces"\ndecoder = "yolo"\nsource = "c.onnx"\n'
         'sha256 = "00"\n', "name of a built-in model"),
    ],
    ids=["bad_toml", "models_not_table", "shadows_built_in"],
)
def test_unreadable_user_manifest_is_a_model_error(user_dir: Path, body: str,
                                                   words: str) -> None:
    _write_user_manifest(user_dir, body)
    with pytest.raises(ModelError, match=words):
        models.load_manifest()


def test_sha256_checks(user_dir: Path, added: models.ModelSpec) -> None:
    path = models.resolve(added)
    assert models.load_verified_bytes("coco_like") == path.read_bytes()
    body = (user_dir / "manifest.toml").read_text(encoding="utf-8")
    _write_user_manifest(user_dir, body.replace(added.sha256, "0" * 64))
    with pytest.raises(ModelError, match="does not match the manifest"):
        models.load_verified_bytes("coco_like")
    _write_user_manifest(user_dir, body.replace(added.sha256, "abc"))
    with pytest.raises(ModelError, match="not 64 hex digits"):
        models.load_verified_bytes("coco_like")


# ------------------------------------------------------------------------------------------
# writing the user manifest

toml_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)


@settings(max_examples=60, deadline=None)
@given(name=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,10}", fullmatch=True),
       licence=toml_text, classes=st.lists(toml_text, max_size=4),
       number=st.floats(0.01, 1.0))
def test_manifest_round_trips(name: str, licence: str, classes: list[str],
                              number: float) -> None:
    entry = {"task": "detect-objects", "licence": licence, "classes": classes,
             "kinds": dict.fromkeys(classes, "screen"), "confidence": number, "enabled": True,
             "input_size": [320, 640]}
    assert tomllib.loads(dump_manifest({name: entry})) == {"models": {name: entry}}


@pytest.mark.parametrize(
    ("kind", "classes", "extra", "expected"),
    [
        ("screen", "tv, laptop,cell phone", (), {"tv": "screen", "laptop": "screen",
                                                 "cell phone": "screen"}),
        ("screen", None, (), {n: "screen" for n in NAMES}),
        ("screen", "tv", ("person=person", " book = document "),
         {"tv": "screen", "person": "person", "book": "document"}),
    ],
)
def test_parse_kinds(kind, classes, extra, expected) -> None:
    assert parse_kinds(kind, classes, NAMES, extra) == expected


@pytest.mark.parametrize(("classes", "extra"), [(" , ", ()), ("tv", ("person",)),
                                                ("tv", ("=screen",))])
def test_parse_kinds_refuses(classes, extra) -> None:
    with pytest.raises(UsageError):
        parse_kinds("screen", classes, NAMES, extra)


# ------------------------------------------------------------------------------------------
# the ONNX detector on the synthetic model


def test_added_model_finds_mapped_classes(added: models.ModelSpec) -> None:
    det = YoloOnnxDetector(models.get_spec("coco_like"), ScanConfig())
    assert det.size == (SIZE, SIZE) and det.names == NAMES
    found = det.detect(noise(SIZE, SIZE))
    got = sorted((f.kind.value, round(f.score, 3), f.region.to_int()) for f in found)
    assert got == [
        ("document", 0.7, (30, 230, 90, 270)),
        ("person", 0.8, (200, 100, 280, 300)),
        ("screen", 0.9, (30, 20, 130, 140)),
    ]
    assert all(f.detector == "coco_like" for f in found)
    assert det.recheck(noise(SIZE, SIZE)) == []


@pytest.mark.parametrize("flag", [True, False], ids=["end2end", "nms_export"])
def test_end_to_end_model(user_dir: Path, tmp_path: Path, flag: bool) -> None:
    src = synthetic_yolo(tmp_path / "e2e.onnx", end2end=True)
    if not flag:  # an nms=True export says nothing in its metadata; its shape tells
        model = onnx.load(str(src))
        for prop in model.metadata_props:
            if prop.key == "end2end":
                prop.value = "False"
        onnx.save(model, str(src))
    add_model(src, KINDS, name="e2e")
    det = YoloOnnxDetector(models.get_spec("e2e"), ScanConfig())
    got = sorted((f.kind.value, f.region.to_int()) for f in det.detect(noise(SIZE, SIZE)))
    assert got == [("document", (30, 230, 90, 270)), ("person", (200, 100, 280, 300)),
                   ("screen", (30, 20, 130, 140))]


def test_boxes_are_scaled_back_to_the_photo(added: models.ModelSpec) -> None:
    det = YoloOnnxDetector(models.get_spec("coco_like"), ScanConfig())
    # 1280 wide, 640 high: scaled by 0.25 into rows 80..240 of the letterboxed 320x320 input.
    found = {f.kind: f.region for f in det.detect(noise(1280, 640))}
    screen = found[FindingKind.SCREEN]
    assert screen.x1 == pytest.approx(120) and screen.x2 == pytest.approx(520)
    assert screen.y1 == 0 and screen.y2 == pytest.approx(240)  # (20 - 80) / 0.25: clipped


def test_file_classes_must_match_the_manifest(user_dir: Path, tmp_path: Path) -> None:
    src = synthetic_yolo(tmp_path / "m.onnx", metadata={"names": "{0: 'a', 1: 'b'}"})
    with pytest.raises(ModelError, match="rows"):
        add_model(src, {"a": "screen"}, name="m")
    assert not (user_dir / "manifest.toml").exists()


# ------------------------------------------------------------------------------------------
# the pipeline with added models


def _photo(tmp_path: Path) -> Path:
    return write(tmp_path / "in" / "p.png", png_bytes(noise(SIZE, SIZE)))


def test_build_detectors_includes_added_models(added: models.ModelSpec) -> None:
    dets = yolo_models.build_added(ScanConfig())
    assert [d.name for d in dets] == ["coco_like"]
    assert yolo_models.build_added(ScanConfig(models=())) == []
    named = yolo_models.build_added(ScanConfig(models=("coco_like",)))
    assert [d.name for d in named] == ["coco_like"]
    with pytest.raises(ModelError, match="no model named"):
        yolo_models.build_added(ScanConfig(models=("nope",)))
    with pytest.raises(ModelError, match="built in"):
        yolo_models.build_added(ScanConfig(models=("centerface",)))


def test_screens_and_documents_are_filled_people_flagged(added: models.ModelSpec,
                                                         tmp_path: Path) -> None:
    src = _photo(tmp_path)
    pipe = Pipeline(ScanConfig(), detectors=yolo_models.build_added(ScanConfig()))
    result = pipe.process(src, tmp_path / "out" / "p.png")
    assert result.status is Status.REDACTED and result.verified is True
    actions = {f.kind: f.action for f in result.findings}
    assert actions == {FindingKind.SCREEN: Action.FILL, FindingKind.DOCUMENT: Action.FILL,
                       FindingKind.PERSON: Action.FLAGGED}
    before = np.asarray(Image.open(src).convert("RGB"))
    after = np.asarray(Image.open(tmp_path / "out" / "p.png").convert("RGB"))
    assert np.ptp(after[25:135, 35:125].reshape(-1, 3), axis=0).max() == 0  # screen: one colour
    np.testing.assert_array_equal(after[110:290, 205:275], before[110:290, 205:275])  # person
    person = next(f for f in result.findings if f.kind is FindingKind.PERSON)
    assert "no visible face" in person.detail


def test_redact_people_fills_them(added: models.ModelSpec, tmp_path: Path) -> None:
    config = ScanConfig(redact_people=True)
    result = Pipeline(config, detectors=yolo_models.build_added(config)).process(
        _photo(tmp_path), tmp_path / "out" / "p.png")
    person = next(f for f in result.findings if f.kind is FindingKind.PERSON)
    assert person.action is Action.FILL and result.verified is True
    assert {"guide.person", "guide.person.redacted"} <= set(guidance_keys(result))


class PersonDetector(FakeDetector):
    """Like the YOLO detectors, an object detector finds people again after redaction."""

    def recheck(self, image: np.ndarray) -> list:
        return []


@pytest.mark.parametrize(
    ("face", "kept"),
    [
        (Region(40, 30, 70, 60), False),  # face well inside the person: the face covers them
        (Region(25, 15, 55, 45), False),  # more than half inside (69%)
        (Region(20, 10, 50, 40), True),  # less than half inside (44%)
        (Region(0, 0, 30, 20), True),  # mostly outside: someone else's face
        (Region(200, 200, 240, 240), True),  # elsewhere
        (None, True),  # no face at all: seen from behind
    ],
)
def test_person_without_a_face_is_flagged(tmp_path: Path, face: Region | None,
                                          kept: bool) -> None:
    person = PersonDetector([Region(30, 20, 120, 200)], kind=FindingKind.PERSON, name="people")
    dets: list[FakeDetector] = [person]
    if face is not None:
        dets.append(FakeDetector([face], name="faces"))
    result = Pipeline(ScanConfig(), detectors=dets).process(_photo(tmp_path))
    people = [f for f in result.findings if f.kind is FindingKind.PERSON]
    assert bool(people) is kept
    if kept:
        assert people[0].action is Action.FLAGGED and "guide.person" in guidance_keys(result)
        assert "guide.person.redacted" not in guidance_keys(result)
        assert result.verified is True


def test_person_labels_exist() -> None:
    assert kind_label(FindingKind.PERSON) == "Person"
    assert "face" in t("guide.person").lower() and t("guide.person.redacted")


# ------------------------------------------------------------------------------------------
# postsafe models ...


def test_cli_add_and_list(user_dir: Path, model_file: Path) -> None:
    res = invoke("models", "add", model_file, "--kind", "screen", "--classes", "tv",
                 "--map", "person=person", "--name", "mine", "--licence", "CC0")
    assert res.exit_code == 0, res.output
    assert "added mine" in res.output and "tv -> screen" in res.output
    stored = tomllib.loads((user_dir / "manifest.toml").read_text(encoding="utf-8"))
    entry = stored["models"]["mine"]
    assert entry["sha256"] == hashlib.sha256(model_file.read_bytes()).hexdigest()
    assert entry["classes"] == NAMES and entry["kinds"] == {"tv": "screen", "person": "person"}
    assert (user_dir / "mine.onnx").read_bytes() == model_file.read_bytes()
    res = invoke("models", "list")
    assert res.exit_code == 0, res.output
    assert "mine (user, used by scan and redact)" in res.output
    assert "verified" in res.output and "CC0" in res.output and "centerface" in res.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--kind", "screen", "--classes", "laptop"), "unknown class 'laptop'"),
        (("--kind", "telly"), "unknown kind 'telly'"),
        (("--kind", "screen", "--name", "centerface"), "already installed"),
        (("--kind", "screen", "--name", "bad name"), "name"),
        (("--kind", "screen", "--confidence", "2"), "--confidence"),
    ],
    ids=["unknown_class", "unknown_kind", "taken_name", "bad_name", "bad_confidence"],
)
def test_cli_add_refuses_and_writes_nothing(user_dir: Path, model_file: Path, args: tuple,
                                            words: str) -> None:
    res = invoke("models", "add", model_file, *args)
    assert res.exit_code == 2
    assert words in res.output
    assert not user_dir.exists() or not any(user_dir.iterdir())


@pytest.mark.parametrize("name", ["missing.onnx", "missing.pt", "notes.txt", "model.pt.txt"])
@pytest.mark.parametrize("classes", [("--classes", "tv"), ()])
def test_cli_add_needs_a_model_file(user_dir: Path, tmp_path: Path, name: str,
                                    classes: tuple[str, ...]) -> None:
    if "txt" in name:
        (tmp_path / name).write_text("hello")
    res = invoke("models", "add", tmp_path / name, "--kind", "screen", *classes)
    assert res.exit_code == 2
    assert "no such file" in res.output or ".onnx or .pt" in res.output
    assert not user_dir.exists()


def test_cli_add_refuses_a_file_that_is_not_onnx(user_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x00not a model" * 10)
    res = invoke("models", "add", bad, "--kind", "screen")
    assert res.exit_code == 1 and "not a readable ONNX model" in res.output
    assert not user_dir.exists()


def _scan_cli_on_added_models(monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the added models (no CenterFace/OCR): fast, and the path under test is the loading.
    monkeypatch.setattr("scanner.pipeline.process.build_detectors", yolo_models.build_added)


def test_cli_redact_uses_added_models(added: models.ModelSpec, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _scan_cli_on_added_models(monkeypatch)
    src = _photo(tmp_path)
    res = invoke("redact", src, "--out", tmp_path / "out")
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "out" / "postsafe-report.json").read_text())
    kinds = sorted((f["kind"], f["action"]) for f in report["results"][0]["findings"])
    assert kinds == [("document", "fill"), ("person", "flagged"), ("screen", "fill")]
    assert report["settings"]["models"] == "all added"
    html = (tmp_path / "out" / "postsafe-report.html").read_text()
    assert "Person" in html and "Screen" in html and "without a visible face" in html
    res = invoke("redact", src, "--out", tmp_path / "out2", "--no-models")
    report = json.loads((tmp_path / "out2" / "postsafe-report.json").read_text())
    assert res.exit_code == 0 and report["results"][0]["findings"] == []
    res = invoke("redact", src, "--out", tmp_path / "out3", "--redact-people",
                 "--models", "coco_like")
    report = json.loads((tmp_path / "out3" / "postsafe-report.json").read_text())
    found = report["results"][0]["findings"]
    assert ("person", "fill") in {(f["kind"], f["action"]) for f in found}


def test_cli_unknown_model_name_cannot_start(added: models.ModelSpec, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _scan_cli_on_added_models(monkeypatch)
    res = invoke("scan", _photo(tmp_path), "--models", "nope")
    assert res.exit_code == 1 and "no model named 'nope'" in res.output
    res = invoke("scan", _photo(tmp_path), "--models", "coco_like", "--no-models")
    assert res.exit_code == 2


def test_cli_tampered_model_fails_closed(added: models.ModelSpec, user_dir: Path,
                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _scan_cli_on_added_models(monkeypatch)
    path = user_dir / "coco_like.onnx"
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    clear_model_caches()
    res = invoke("redact", _photo(tmp_path), "--out", tmp_path / "out")
    assert res.exit_code == 1
    assert "does not match the manifest" in res.output
    assert not (tmp_path / "out").exists()  # no copy, no report
    res = invoke("models", "list")
    assert res.exit_code == 1 and "NOT VERIFIED" in res.output


def test_cli_fetch_unknown_name(user_dir: Path) -> None:
    res = invoke("models", "fetch", "resnet50")
    assert res.exit_code == 2 and "cannot fetch 'resnet50'" in res.output


@pytest.mark.integration
def test_added_model_beside_the_built_in_detectors(added: models.ModelSpec,
                                                   tmp_path: Path) -> None:
    """The real run: CenterFace, text, displays and codes, plus the added model; its findings
    reach the JSON and HTML reports and the verification accepts its fills."""
    res = invoke("redact", _photo(tmp_path), "--out", tmp_path / "out")
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "out" / "postsafe-report.json").read_text())
    result = report["results"][0]
    assert result["status"] == "redacted" and result["verified"] is True
    ours = {(f["kind"], f["action"]) for f in result["findings"]
            if "coco_like" in f.get("detail", "")}
    assert ours == {("screen", "fill"), ("document", "fill"), ("person", "flagged")}
    html = (tmp_path / "out" / "postsafe-report.html").read_text()
    assert "a tv (coco_like)" in html
    assert "1 person was flagged by PostSafe for you to check" in html



@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{0: 'person', 1: 'tv'}", ["person", "tv"]),
        ({1: "b", 0: "a"}, ["a", "b"]),
        ({"0": "a", "1": "b"}, ["a", "b"]),
        (["x", "y"], ["x", "y"]),
        ("{}", []),
    ],
)
def test_class_names_as_ultralytics_writes_them(value: object, expected: list[str]) -> None:
    assert yolo.parse_names(value) == expected


@pytest.mark.parametrize(
    "value",
    ["__import__('os').system('true')", "{0: 'a', 2: 'c'}", "{'a': 'b'}", "not python",
     42, None],
    ids=["code", "gap", "not_indexed", "garbage", "number", "none"],
)
def test_hostile_class_names_are_refused(value: object) -> None:
    with pytest.raises(ModelError):
        yolo.parse_names(value)


def test_hostile_names_in_a_file_are_refused_by_add(user_dir: Path, tmp_path: Path) -> None:
    src = synthetic_yolo(tmp_path / "m.onnx", metadata={"names": "__import__('os')"})
    res = invoke("models", "add", src, "--kind", "screen")
    assert res.exit_code == 1 and "class names" in res.output
    assert not user_dir.exists()
