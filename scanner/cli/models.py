"""``postsafe models``: list, add and fetch the models PostSafe uses.

Only typer and the standard library are imported here; everything heavy is imported inside the
commands, so ``postsafe --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from scanner.models.manifest import ModelSpec

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

models_app = typer.Typer(
    name="models",
    help="List the models PostSafe uses, add your own, or fetch the COCO YOLO (online).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"postsafe: {message}", err=True)
    return typer.Exit(code)


def _mapping(spec: ModelSpec) -> str:
    by_kind: dict[str, list[str]] = {}
    for cls, kind in spec.kinds.items():
        by_kind.setdefault(kind, []).append(cls)
    return "; ".join(f"{', '.join(c)} -> {k}" for k, c in by_kind.items())


@models_app.command("list")
def list_models() -> None:
    """Show every model: where it comes from, its licence, and whether its file verifies."""
    from scanner.errors import ModelError
    from scanner.models.manifest import (
        clear_caches,
        load_manifest,
        read_verified,
        resolve,
        user_manifest_path,
    )

    clear_caches()
    try:
        specs = load_manifest()
    except ModelError as exc:
        raise _fail(str(exc), EXIT_FAILED) from exc
    bad = 0
    for spec in specs.values():
        if spec.problem:
            state = f"NOT USABLE: {spec.problem}"
        else:
            try:
                read_verified(spec)
                state = "verified (sha256 matches)"
            except ModelError as exc:
                state = f"NOT VERIFIED: {exc}"
        bad += not state.startswith("verified")
        use = ""
        if spec.added:
            use = ", used by scan and redact" if spec.enabled else ", disabled"
        typer.echo(f"{spec.name} ({spec.origin}{use})")
        typer.echo(f"  task      {spec.task}{f' ({spec.decoder})' if spec.decoder else ''}")
        try:
            where = str(resolve(spec))
        except ModelError:
            where = spec.source
        typer.echo(f"  file      {where}")
        typer.echo(f"  state     {state}")
        typer.echo(f"  licence   {spec.licence}")
        if spec.upstream:
            typer.echo(f"  upstream  {spec.upstream}")
        if spec.kinds:
            typer.echo(f"  classes   {_mapping(spec)} (of {len(spec.classes) or '?'})")
    typer.echo(f"Your models folder: {user_manifest_path().parent}")
    raise typer.Exit(EXIT_FAILED if bad else EXIT_OK)


@models_app.command("add")
def add(
    file: Annotated[Path, typer.Argument(help="An ultralytics YOLO model: .onnx (exported) or "
                                         ".pt (needs postsafe[yolo]).", show_default=False)],
    kind: Annotated[str, typer.Option(help="What its classes are to PostSafe: face, person, "
                                      "screen, document, text or code.")],
    classes: Annotated[str | None, typer.Option(help="Comma-separated class names that are "
                                                "KIND (default: every class).")] = None,
    mapping: Annotated[list[str] | None, typer.Option("--map", help="Also map CLASS=KIND "
                                                      "(repeatable).")] = None,
    name: Annotated[str | None, typer.Option(help="Name for it (default: the file's).")] = None,
    licence: Annotated[str | None, typer.Option(help="Its licence, for the record.")] = None,
    confidence: Annotated[float | None, typer.Option(help="Score a box needs (default "
                                                     "0.25).")] = None,
    imgsz: Annotated[int | None, typer.Option(help="Input size a .pt model runs at (default "
                                              "640; an .onnx file has its own).")] = None,
) -> None:
    """Copy a model into your models folder and use it in scan and redact from now on."""
    from scanner.detectors.yolo.store import add_model, class_names, parse_kinds
    from scanner.errors import ModelError, ScannerError, UsageError

    try:
        if confidence is not None and not 0 < confidence <= 1:
            raise UsageError("--confidence must be above 0 and at most 1")
        names = None if classes is not None else class_names(file)
        kinds = parse_kinds(kind, classes, names, mapping or ())
        if imgsz is not None and not 32 <= imgsz <= 4096:
            raise UsageError("--imgsz must be between 32 and 4096")
        spec = add_model(file, kinds, name=name, licence=licence, confidence=confidence,
                         input_size=imgsz)
    except UsageError as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc
    except (ModelError, ScannerError) as exc:
        raise _fail(str(exc), EXIT_FAILED) from exc
    typer.echo(f"added {spec.name}: {_mapping(spec)}; sha256 {spec.sha256[:12]}…; "
               f"stored in {spec.root}")


@models_app.command("fetch")
def fetch(
    name: Annotated[str, typer.Argument(help="yolo11n (default choice), yolo11s/m/l/x or "
                                        "yolov8n/s/m/l/x.", show_default=False)],
    imgsz: Annotated[int, typer.Option(help="Input size of the exported ONNX model.")] = 640,
) -> None:
    """Download a COCO YOLO with ultralytics (needs internet and postsafe[yolo]), export it to
    ONNX and add it: person -> person, tv/laptop/cell phone -> screen, book -> document."""
    from scanner.detectors.yolo.store import fetch_model
    from scanner.errors import ScannerError, UsageError

    if not 32 <= imgsz <= 4096 or imgsz % 32:
        raise _fail("--imgsz must be a multiple of 32 between 32 and 4096", EXIT_USAGE)
    try:
        spec = fetch_model(name, imgsz)
    except UsageError as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc
    except ScannerError as exc:
        raise _fail(str(exc), EXIT_FAILED) from exc
    typer.echo(f"fetched {spec.name}: {_mapping(spec)}; licence {spec.licence}")
