"""scanner.batch.engines.ray: the same photos through the local engine and through Ray tasks on a
local Ray instance give the same report.

Fields that may differ between two runs of the same photos, by design: the report's
``created`` time and ``run`` (engine and worker count), and each result's ``elapsed_s``.
Everything else (sources, outputs, statuses, findings, hashes of sources and outputs, notes,
errors, summary, settings) must be identical.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import RAY_EXTRA, FakeFactory, gradient, jpeg_bytes, need, noise, png_bytes, write
from typer.testing import CliRunner

from scanner.batch.plan import REPORT_JSON
from scanner.batch.run import BatchOptions, Run, run_redact
from scanner.cli.main import app
from scanner.config import EngineChoice, ScanConfig
from scanner.types import Region, Status

REGIONS = (Region(4, 4, 40, 30), Region(50, 10, 60, 40))
RUN_FIELDS = ("created", "run")  # may differ between runs
RESULT_RUN_FIELDS = ("elapsed_s",)


@pytest.fixture(scope="module")
def ray_local():
    ray = need("ray", RAY_EXTRA)

    # Ray workers must be able to import the fakes in tests/helpers.py.
    tests = str(Path(__file__).parent)
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (tests, old) if p)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old


def _photos(root: Path) -> Path:
    for i in range(5):
        write(root / f"sub{i % 2}" / f"p{i}.jpg", jpeg_bytes(noise(80 + i, 60, seed=i)))
    write(root / "g.png", png_bytes(gradient(90, 70)))
    write(root / "broken.jpg", jpeg_bytes(noise(80, 60))[:300])
    write(root / "notes.txt", b"not a photo")
    return root


def _normalised(out: Path) -> dict:
    report = json.loads((out / REPORT_JSON).read_text(encoding="utf-8"))
    for key in RUN_FIELDS:
        report.pop(key, None)
    for r in report["results"]:
        for key in RESULT_RUN_FIELDS:
            r.pop(key)
    return report


@pytest.mark.integration
def test_ray_and_local_engines_give_identical_reports(tmp_path: Path, ray_local) -> None:
    root = _photos(tmp_path / "in")
    config = ScanConfig(time_limit_s=120)
    reports = {}
    for engine, jobs in (("local", 2), ("ray", 0)):
        out = tmp_path / engine
        results = run_redact([root], out, Run(config, FakeFactory(REGIONS),
                                              BatchOptions(engine=EngineChoice(engine), jobs=jobs)))
        assert sum(r.status is Status.ERROR for r in results) == 1
        reports[engine] = _normalised(out)
        raw = json.loads((out / REPORT_JSON).read_text(encoding="utf-8"))
        assert raw["run"]["engine"] == engine
    assert reports["local"] == reports["ray"]
    assert reports["ray"]["summary"]["redacted"] == 6
    for name in ("sub0/p0.jpg", "g.png"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "ray" / name).read_bytes()


@pytest.mark.integration
def test_ray_time_limit(tmp_path: Path, ray_local) -> None:
    root = tmp_path / "in"
    write(root / "slow.png", png_bytes(gradient(77, 40)))
    write(root / "fast.jpg", jpeg_bytes(gradient(64, 40)))
    results = run_redact([root], tmp_path / "out",
                         Run(ScanConfig(time_limit_s=15),
                             FakeFactory(REGIONS, sleep_s=600, sleep_width=77),
                             BatchOptions(engine=EngineChoice.RAY)))
    by_name = {Path(r.source).name: r for r in results}
    assert by_name["slow.png"].status is Status.ERROR
    assert by_name["slow.png"].error == "took longer than 15 s; no safe copy was made"
    assert by_name["fast.jpg"].status is Status.REDACTED
    assert not (tmp_path / "out" / "slow.png").exists()


@pytest.mark.integration
def test_cli_engine_ray(tmp_path: Path, ray_local, fake_detectors: list) -> None:
    fake_detectors[0].regions = list(REGIONS)
    root = _photos(tmp_path / "in")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["redact", str(root), "--out", str(out),
                                      "--engine", "ray"], catch_exceptions=False)
    assert result.exit_code == 1, result.output  # broken.jpg
    report = json.loads((out / REPORT_JSON).read_text(encoding="utf-8"))
    assert report["run"]["engine"] == "ray"
    assert report["summary"]["redacted"] == 6 and report["summary"]["error"] == 1


def test_a_stopped_task_is_waited_for_before_its_output_is_removed(tmp_path: Path) -> None:
    """A cancelled task may still rename its output into place while it is being killed; the
    check for it must come after the task has ended, or the copy outlives the report's "no
    safe copy was made". (A stand-in for Ray: no cluster needed.)"""
    from scanner.batch.engines.ray import RayEngine
    from scanner.batch.engines.work import file_identity
    from scanner.batch.plan import Job

    output = tmp_path / "a.jpg"
    calls: list[str] = []

    class FakeRay:
        def cancel(self, ref: object, force: bool) -> None:
            calls.append("cancel")

        def wait(self, refs: list, num_returns: int, timeout: float) -> tuple[list, list]:
            calls.append("wait")
            output.write_bytes(b"renamed into place at the last moment")
            return refs, []

    engine = RayEngine(ScanConfig(), FakeFactory())
    engine._ray = FakeRay()
    job = Job(tmp_path / "in.jpg", "in.jpg", output)
    engine._stop({"ref": (job, None, file_identity(output))})
    assert calls == ["cancel", "wait"]
    assert not output.exists()


@pytest.mark.integration
def test_a_clip_runs_as_a_ray_task_like_on_a_local_worker(tmp_path: Path, ray_local) -> None:
    import numpy as np
    from video_clips import clip_frames, magenta_detectors, read_frames, write_clip

    root = tmp_path / "in"
    write_clip(root / "clip.mp4", clip_frames(20, 320, 240))
    write(root / "p.jpg", jpeg_bytes(noise(80, 60)))
    reports = {}
    for engine, jobs in (("local", 1), ("ray", 0)):
        out = tmp_path / engine
        results = run_redact([root], out, Run(ScanConfig(), magenta_detectors,
                                              BatchOptions(engine=EngineChoice(engine), jobs=jobs)))
        assert {Path(r.source).name: r.status for r in results} == {
            "clip.mp4": Status.REDACTED, "p.jpg": Status.CLEAN}
        reports[engine] = _normalised(out)
    # x264's output depends on its thread count, which differs between a worker and a Ray
    # task: the copies are compared by their pictures, the reports without the copy's hash.
    for report in reports.values():
        for r in report["results"]:
            if r["clip"]:
                r.pop("output_sha256")
    for a, b in zip(reports["local"]["results"], reports["ray"]["results"], strict=True):
        assert a == b, {k: (a[k], b[k]) for k in a if a[k] != b[k]}
    [clip] = [r for r in reports["ray"]["results"] if r["clip"]]
    assert clip["clip"]["frames"] == 20 and clip["verified"] is True
    local, ray = (read_frames(tmp_path / e / "clip.mp4") for e in ("local", "ray"))
    assert len(local) == len(ray) == 20
    assert all(np.abs(a.astype(int) - b.astype(int)).mean() < 2 for a, b in zip(local, ray,
                                                                                 strict=True))
