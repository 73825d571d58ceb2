"""scanner.batch.plan: the work list (walk, skip, mirrored outputs, safety rules) and run()."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from helpers import gradient, heic_bytes, jpeg_bytes, png_bytes, tiff_bytes, webp_bytes, write

from scanner.batch.plan import Job, WorkList, check_output_folder, plan, run
from scanner.config import OutputFormat, ScanConfig
from scanner.errors import UsageError
from scanner.report.summary import summarise
from scanner.types import ScanResult, Status

CONFIG = ScanConfig()


def _jpeg(path: Path) -> Path:
    return write(path, jpeg_bytes(gradient(16, 12)))


def _png(path: Path) -> Path:
    return write(path, png_bytes(gradient(16, 12)))


def _outputs(work: WorkList) -> dict[str, Path | None]:
    return {job.source.name: job.output for job in work.jobs}


def _assert_safe(work: WorkList, inputs: list[Path]) -> None:
    """No two jobs share an output, and no output is any input file."""
    outs = [j.output.resolve() for j in work.jobs if j.output is not None]
    assert len(outs) == len(set(outs)), "two jobs write the same file"
    sources = {j.source.resolve() for j in work.jobs}
    for item in inputs:
        if item.is_file():
            sources.add(item.resolve())
        elif item.is_dir():
            sources |= {p.resolve() for p in item.rglob("*") if p.is_file()}
    assert not set(outs) & sources, "an output would overwrite an input"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    _jpeg(root / "a.jpg")
    _png(root / "b.png")
    write(root / "c.webp", webp_bytes(gradient(16, 12)))
    write(root / "d.tif", tiff_bytes(gradient(16, 12)))
    _jpeg(root / "trip" / "day1" / "e.jpeg")
    _jpeg(root / "trip" / "f.JPG")
    write(root / "notes.txt", b"shopping list")
    write(root / "data.csv", b"a,b\n1,2\n")
    write(root / "README", b"no suffix, no image")
    _jpeg(root / ".hidden" / "secret.jpg")  # hidden folders are not walked
    return root


# ------------------------------------------------------------------------------------------
# walking and skipping


def test_recursive_walk_and_mirrored_outputs(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    work = plan([tree], out, CONFIG)
    got = {str(j.source.relative_to(tree)): j.output for j in work.jobs}
    assert got == {
        "a.jpg": out / "a.jpg",
        "b.png": out / "b.png",
        "c.webp": out / "c.webp",
        "d.tif": out / "d.jpg",  # TIFF becomes JPEG under keep
        "trip/day1/e.jpeg": out / "trip" / "day1" / "e.jpg",
        "trip/f.JPG": out / "trip" / "f.jpg",
    }
    _assert_safe(work, [tree])


def test_jobs_are_in_a_stable_sorted_order(tree: Path, tmp_path: Path) -> None:
    a = plan([tree], tmp_path / "out", CONFIG)
    b = plan([tree], tmp_path / "out", CONFIG)
    assert a == b
    names = [str(j.source.relative_to(tree)) for j in a.jobs]
    top = [n for n in names if "/" not in n]
    assert top == sorted(top)


def test_non_image_files_are_skipped(tree: Path, tmp_path: Path) -> None:
    work = plan([tree], tmp_path / "out", CONFIG)
    skipped = {Path(r.source).name: r for r in work.skipped}
    assert set(skipped) == {"notes.txt", "data.csv", "README"}
    for r in skipped.values():
        assert r.status is Status.SKIPPED
        assert r.error


def test_hidden_folders_and_temp_files_are_not_walked(tree: Path, tmp_path: Path) -> None:
    write(tree / ".postsafe-abc123.tmp", b"half a file")
    work = plan([tree], tmp_path / "out", CONFIG)
    names = {j.source.name for j in work.jobs} | {Path(r.source).name for r in work.skipped}
    assert "secret.jpg" not in names
    assert ".postsafe-abc123.tmp" not in names


def test_content_decides_not_extension(tmp_path: Path) -> None:
    root = tmp_path / "in"
    write(root / "really_png.txt", png_bytes(gradient(8, 8)))  # image content, odd suffix
    write(root / "fake.jpg", b"not really a jpeg")  # image suffix, junk content
    work = plan([root], tmp_path / "out", CONFIG)
    outs = _outputs(work)
    assert outs["really_png.txt"] == tmp_path / "out" / "really_png.png"
    assert outs["fake.jpg"] == tmp_path / "out" / "fake.jpg"  # tried, and fails later
    assert not work.skipped


def test_scan_only_has_no_outputs(tree: Path) -> None:
    work = plan([tree], None, CONFIG)
    assert work.jobs and all(j.output is None for j in work.jobs)


def test_display_names_use_the_path_as_given(tree: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree.parent)
    work = plan([Path("photos")], tmp_path / "out", CONFIG)
    assert {j.display for j in work.jobs} >= {"photos/a.jpg", "photos/trip/day1/e.jpeg"}


# ------------------------------------------------------------------------------------------
# output names


@pytest.mark.parametrize(
    ("name", "builder", "expected"),
    [
        ("IMG_1.heic", heic_bytes, "IMG_1.jpg"),
        ("IMG_2.HEIC", heic_bytes, "IMG_2.jpg"),
        ("IMG_3.tiff", tiff_bytes, "IMG_3.jpg"),
        ("IMG_4.png", png_bytes, "IMG_4.png"),
        ("IMG_5.jpeg", jpeg_bytes, "IMG_5.jpg"),
        ("IMG_6.webp", webp_bytes, "IMG_6.webp"),
    ],
)
def test_output_suffix_follows_output_format(tmp_path: Path, name: str, builder,
                                             expected: str) -> None:
    src = write(tmp_path / "in" / name, builder(gradient(16, 12)))
    work = plan([src.parent], tmp_path / "out", CONFIG)
    assert work.jobs[0].output == tmp_path / "out" / expected


@pytest.mark.parametrize(("setting", "suffix"), [(OutputFormat.JPEG, ".jpg"),
                                                 (OutputFormat.PNG, ".png")])
def test_forced_output_format_suffix(tree: Path, tmp_path: Path, setting: OutputFormat,
                                     suffix: str) -> None:
    work = plan([tree], tmp_path / "out", ScanConfig(output_format=setting))
    assert all(j.output is not None and j.output.suffix == suffix for j in work.jobs)
    _assert_safe(work, [tree])


def test_heic_and_jpg_with_the_same_stem_get_distinct_outputs(tmp_path: Path) -> None:
    root = tmp_path / "in"
    write(root / "a.heic", heic_bytes(gradient(16, 12)))
    _jpeg(root / "a.jpg")
    write(root / "a.tif", tiff_bytes(gradient(16, 12)))
    _png(root / "a.png")
    work = plan([root], tmp_path / "out", CONFIG)
    outs = _outputs(work)
    assert len(set(outs.values())) == 4
    assert all(o is not None and o.parent == tmp_path / "out" for o in outs.values())
    assert outs["a.png"] == tmp_path / "out" / "a.png"
    assert {o.suffix for n, o in outs.items() if n != "a.png"} == {".jpg"}  # type: ignore[union-attr]


def test_case_insensitive_collisions_are_avoided(tmp_path: Path) -> None:
    root = tmp_path / "in"
    _jpeg(root / "Photo.JPG")
    _jpeg(root / "photo.jpg")
    work = plan([root], tmp_path / "out", CONFIG)
    keys = {str(j.output).casefold() for j in work.jobs}
    assert len(keys) == 2


def test_output_never_equals_an_input_file(tmp_path: Path) -> None:
    """A single file with --out set to its own folder: allowed (the folder is not an input),
    but the copy must get another name."""
    src = _jpeg(tmp_path / "x.jpg")
    before = src.read_bytes()
    work = plan([src], tmp_path, CONFIG)
    assert len(work.jobs) == 1
    out = work.jobs[0].output
    assert out is not None and out.resolve() != src.resolve()
    assert out.parent == tmp_path and out.suffix == ".jpg"
    assert src.read_bytes() == before
    _assert_safe(work, [src])


def test_several_files_into_their_own_folder(tmp_path: Path) -> None:
    files = [_jpeg(tmp_path / "x.jpg"), _jpeg(tmp_path / "x-2.jpg"), _png(tmp_path / "y.png")]
    work = plan(files, tmp_path, CONFIG)
    _assert_safe(work, files)


def test_output_through_a_symlink_to_the_input_folder(tmp_path: Path) -> None:
    src = _jpeg(tmp_path / "real" / "x.jpg")
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    work = plan([src], tmp_path / "alias", CONFIG)
    _assert_safe(work, [src])


# ------------------------------------------------------------------------------------------
# safety rules


def test_output_folder_equal_to_input_folder(tree: Path) -> None:
    with pytest.raises(UsageError, match="inside the input folder"):
        plan([tree], tree, CONFIG)


@pytest.mark.parametrize("sub", ["out", "trip/out", "trip", "trip/day1", "new/deeper"])
def test_output_folder_inside_input_folder(tree: Path, sub: str) -> None:
    with pytest.raises(UsageError):
        plan([tree], tree / sub, CONFIG)
    assert not (tree / "new").exists()


def test_output_folder_inside_input_via_dotdot_and_symlink(tree: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        plan([tree], tree / "trip" / ".." / "out", CONFIG)
    (tmp_path / "sneaky").symlink_to(tree / "trip", target_is_directory=True)
    with pytest.raises(UsageError):
        plan([tree], tmp_path / "sneaky", CONFIG)


def test_output_folder_inside_the_second_input(tree: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    _jpeg(other / "z.jpg")
    with pytest.raises(UsageError):
        plan([tree, other], other / "out", CONFIG)


def test_output_path_is_a_file(tree: Path, tmp_path: Path) -> None:
    blocker = write(tmp_path / "out.jpg", b"x")
    with pytest.raises(UsageError, match="not a folder"):
        plan([tree], blocker, CONFIG)


def test_missing_input(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        plan([tmp_path / "nope"], tmp_path / "out", CONFIG)


def test_missing_input_among_good_ones(tree: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        plan([tree, tmp_path / "nope.jpg"], tmp_path / "out", CONFIG)


def test_no_inputs(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        plan([], tmp_path / "out", CONFIG)


def test_check_output_folder_allows_a_sibling(tree: Path, tmp_path: Path) -> None:
    check_output_folder([tree], tmp_path / "photos-safe")  # a prefix of the name is not inside
    check_output_folder([tree / "a.jpg"], tree)  # a file's folder is not an input folder


# ------------------------------------------------------------------------------------------
# several inputs


def test_multiple_input_folders_get_prefixed_subfolders(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    _jpeg(one / "a.jpg")
    _jpeg(two / "a.jpg")
    _jpeg(two / "sub" / "b.jpg")
    out = tmp_path / "out"
    work = plan([one, two], out, CONFIG)
    outs = sorted(str(j.output.relative_to(out)) for j in work.jobs)  # type: ignore[union-attr]
    assert outs == ["one/a.jpg", "two/a.jpg", "two/sub/b.jpg"]


def test_same_named_input_folders_do_not_overwrite_each_other(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "photos", tmp_path / "b" / "photos"
    _jpeg(a / "x.jpg")
    _jpeg(b / "x.jpg")
    work = plan([a, b], tmp_path / "out", CONFIG)
    _assert_safe(work, [a, b])
    assert all(j.output.parent == tmp_path / "out" / "photos" for j in work.jobs)  # type: ignore[union-attr]


def test_files_and_folders_mixed(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    _jpeg(folder / "x.jpg")
    single = _jpeg(tmp_path / "elsewhere" / "x.jpg")
    work = plan([folder, single], tmp_path / "out", CONFIG)
    _assert_safe(work, [folder, single])
    assert len(work.jobs) == 2


def test_same_file_given_twice(tmp_path: Path) -> None:
    src = _jpeg(tmp_path / "in" / "x.jpg")
    work = plan([src, src], tmp_path / "out", CONFIG)
    _assert_safe(work, [src])


# ------------------------------------------------------------------------------------------
# awkward file systems and names


def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    root = tmp_path / "in"
    _jpeg(root / "a" / "x.jpg")
    os.symlink(root, root / "a" / "loop")  # in/a/loop -> in
    os.symlink(root / "a", root / "a" / "self")  # in/a/self -> in/a
    result: dict[str, object] = {}

    def target() -> None:
        try:
            result["work"] = plan([root], tmp_path / "out", CONFIG)
        except BaseException as exc:  # pragma: no cover - reported below
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), "plan() hangs on a symlink loop"
    assert "error" not in result, result.get("error")
    work = result["work"]
    assert isinstance(work, WorkList)
    assert [j.source.name for j in work.jobs] == ["x.jpg"]


def test_broken_symlink_is_not_fatal(tmp_path: Path) -> None:
    root = tmp_path / "in"
    _jpeg(root / "ok.jpg")
    os.symlink(root / "gone.jpg", root / "dangling.jpg")
    work = plan([root], tmp_path / "out", CONFIG)
    assert "ok.jpg" in {j.source.name for j in work.jobs}


def test_file_symlink_loop_is_one_failed_job_not_a_crash(tmp_path: Path) -> None:
    """a.jpg -> b.jpg -> a.jpg: Path.resolve() raises RuntimeError on it (found by the hostile
    corpus); the batch must plan it as a job (which then fails to read) and go on."""
    root = tmp_path / "in"
    _jpeg(root / "ok.jpg")
    os.symlink(root / "b.jpg", root / "a.jpg")
    os.symlink(root / "a.jpg", root / "b.jpg")
    work = plan([root], tmp_path / "out", CONFIG)
    assert {j.source.name for j in work.jobs} == {"a.jpg", "b.jpg", "ok.jpg"}
    single = plan([root / "a.jpg"], tmp_path / "out2", CONFIG)  # given on the command line
    assert [j.source.name for j in single.jobs] == ["a.jpg"]
    out = tmp_path / "out3"
    out.mkdir()
    os.symlink(out / "x.jpg", out / "ok.jpg")  # a looping link where the output would go
    os.symlink(out / "ok.jpg", out / "x.jpg")
    (job,) = plan([root / "ok.jpg"], out, CONFIG).jobs
    assert job.output is not None and job.output.name != "ok.jpg"


def test_named_pipe_does_not_hang_the_planner(tmp_path: Path) -> None:
    """plan() read the first bytes of every file; on a FIFO that waits for a writer forever."""
    root = tmp_path / "in"
    _jpeg(root / "ok.jpg")
    os.mkfifo(root / "pipe.jpg")
    os.mkfifo(root / "pipe")
    result: dict[str, object] = {}

    def target() -> None:
        result["work"] = plan([root], tmp_path / "out", CONFIG)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), "plan() hangs on a named pipe"
    work = result["work"]
    assert isinstance(work, WorkList)
    assert {j.source.name for j in work.jobs} == {"ok.jpg", "pipe.jpg"}  # pipe.jpg then fails
    assert [Path(s.source).name for s in work.skipped] == ["pipe"]


def test_deep_tree(tmp_path: Path) -> None:
    deep = tmp_path / "in"
    for i in range(30):
        deep = deep / f"d{i}"
    _jpeg(deep / "x.jpg")
    work = plan([tmp_path / "in"], tmp_path / "out", CONFIG)
    assert len(work.jobs) == 1
    assert work.jobs[0].output == tmp_path / "out" / deep.relative_to(tmp_path / "in") / "x.jpg"


@pytest.mark.parametrize(
    "name",
    [
        "with space.jpg",
        "  leading and trailing  .jpg",
        "-dash-first.jpg",
        "--looks-like-an-option.jpg",
        "ünïcödé 写真 📷.jpg",
        "semi;colon&amp'quote\".jpg",
        "name.with.many.dots.jpg",
        "NOSUFFIX",
    ],
)
def test_awkward_names(tmp_path: Path, name: str) -> None:
    root = tmp_path / "in"
    src = _jpeg(root / name)
    work = plan([root], tmp_path / "out", CONFIG)
    assert len(work.jobs) == 1
    job = work.jobs[0]
    assert job.source == src
    assert job.output is not None and job.output.parent == tmp_path / "out"
    assert job.output.suffix == ".jpg"
    assert job.output.stem == Path(name).stem
    single = plan([src], tmp_path / "out2", CONFIG)
    assert single.jobs[0].output == tmp_path / "out2" / job.output.name


# ------------------------------------------------------------------------------------------
# run and summarise


def _result(job: Job, status: Status = Status.CLEAN) -> ScanResult:
    return ScanResult(source=job.display, status=status)


def test_run_processes_every_job_and_reports_progress(tree: Path, tmp_path: Path) -> None:
    work = plan([tree], tmp_path / "out", CONFIG)
    seen: list[ScanResult] = []

    def process(job: Job) -> ScanResult:
        status = Status.ERROR if job.source.name == "b.png" else Status.REDACTED
        return _result(job, status)

    results = run(work, process, seen.append)
    assert len(seen) == len(work.jobs)
    assert len(results) == len(work.jobs) + len(work.skipped)
    assert [r.source for r in results] == sorted(r.source for r in results)
    counts = summarise(results)
    assert counts["error"] == 1
    assert counts["redacted"] == len(work.jobs) - 1
    assert counts["skipped"] == 3
    assert counts["photos"] == len(work.jobs)
    assert counts["clean"] == 0


def test_summarise_empty() -> None:
    counts = summarise([])
    assert counts == {"clean": 0, "redacted": 0, "error": 0, "skipped": 0, "photos": 0}
