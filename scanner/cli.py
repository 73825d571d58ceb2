"""The ``postsafe`` command: options -> ScanConfig, progress, summary, exit codes.

Exit codes: 0 every photo processed (skipped non-images included), 1 some photos failed,
2 usage error. Heavy modules (numpy, OpenCV, onnxruntime) are imported inside the commands so
``postsafe --help`` stays fast.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from scanner.config import ScanConfig
    from scanner.types import ScanResult

log = logging.getLogger("scanner")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

app = typer.Typer(
    name="postsafe",
    help="Make photos safe to post: rebuild them without metadata and hide faces, documents, "
    "screens, text and QR codes. Everything runs offline.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

FORMATS = ("keep", "jpeg", "png")
FACE_STYLES = ("mosaic", "blur", "fill")
TEXT_STYLES = ("fill", "mosaic")
POLICIES = ("strict", "balanced")


def _version(value: bool) -> None:
    if value:
        from scanner import __version__

        typer.echo(f"postsafe {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True,
                                         help="More log detail (-vv for debug).")] = 0,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)


def _config(face_style: str = "mosaic", fmt: str = "keep", quality: int = 92,
            face_threshold: float | None = None, policy: str = "strict",
            text_style: str = "fill") -> ScanConfig:
    from scanner.config import FaceStyle, OutputFormat, Policy, ScanConfig, TextStyle

    if policy not in POLICIES:
        raise typer.BadParameter(f"--policy must be one of {', '.join(POLICIES)}")
    if text_style not in TEXT_STYLES:
        raise typer.BadParameter(f"--text-style must be one of {', '.join(TEXT_STYLES)}")
    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}")
    if face_style not in FACE_STYLES:
        raise typer.BadParameter(f"--face-style must be one of {', '.join(FACE_STYLES)}")
    if not 1 <= quality <= 100:
        raise typer.BadParameter("--quality must be between 1 and 100")
    extra = {} if face_threshold is None else {"face_threshold": face_threshold}
    return ScanConfig(face_style=FaceStyle(face_style), output_format=OutputFormat(fmt),
                      jpeg_quality=quality, policy=Policy(policy),
                      text_style=TextStyle(text_style), **extra)  # type: ignore[arg-type]


def _settings(config: ScanConfig) -> dict[str, object]:
    return {
        "detectors": list(config.detectors),
        "face_threshold": config.face_threshold,
        "face_style": config.face_style.value,
        "text_style": config.text_style.value,
        "policy": config.policy.value,
        "verify": config.verify,
        "output_format": config.output_format.value,
        "jpeg_quality": config.jpeg_quality,
    }


def _run(paths: list[Path], out: Path | None, config: ScanConfig) -> list[ScanResult]:
    from scanner import batch
    from scanner.errors import ScannerError
    from scanner.pipeline import Pipeline

    try:
        work = batch.plan(paths, out, config)
    except ScannerError as exc:
        typer.echo(f"postsafe: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc
    pipeline = Pipeline(config)
    try:
        pipeline.detectors  # noqa: B018 - load models once, before the first photo
    except ScannerError as exc:
        # Without its detectors no photo can be judged: fail closed for all of them.
        typer.echo(f"postsafe: cannot start: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from exc

    def process(job: batch.Job) -> ScanResult:
        return pipeline.process(job.source, job.output, display=job.display)

    if not work.jobs:
        return batch.run(work, process)
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                  console=console, disable=not console.is_terminal, transient=True) as progress:
        task = progress.add_task("Checking photos", total=len(work.jobs))
        return batch.run(work, process, lambda r: progress.advance(task))


def _summary(results: list[ScanResult], out: Path | None) -> int:
    from rich.console import Console
    from rich.table import Table

    from scanner.batch import summarise
    from scanner.types import Status

    counts = summarise(results)
    console = Console()
    failed = [r for r in results if r.status is Status.ERROR]
    for r in failed:
        console.print(f"[red]failed[/red] {r.source}: {r.error}", markup=True, highlight=False,
                      soft_wrap=True)
    table = Table(title="PostSafe summary")
    for col in ("photos", "clean", "redacted", "failed", "skipped"):
        table.add_column(col, justify="right")
    table.add_row(*(str(counts[k]) for k in ("photos", "clean", "redacted", "error", "skipped")))
    console.print(table)
    if out is not None:
        console.print(f"Safe copies and report in {out}", highlight=False, soft_wrap=True)
    return EXIT_FAILED if failed else EXIT_OK


POLICY_HELP = ("strict: hide all readable text, documents and screens; balanced: keep signs "
               "and short text with no personal data (documents and screens always go).")

PathsArg = Annotated[list[Path], typer.Argument(help="Photos or folders (walked recursively).",
                                                 show_default=False)]


@app.command()
def scan(
    paths: PathsArg,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the JSON report here.",
                                                  dir_okay=False)] = None,
    face_threshold: Annotated[float | None, typer.Option(help="Face score to accept on one "
                                                         "pass (lower finds more).")] = None,
    policy: Annotated[str, typer.Option(help=POLICY_HELP)] = "strict",
) -> None:
    """Analyse photos and report what they carry. Writes no images."""
    config = _config(face_threshold=face_threshold, policy=policy)
    results = _run(paths, None, config)
    if json_out is not None:
        from scanner.errors import ScannerError
        from scanner.report.json import write_json_report

        try:
            write_json_report(results, json_out, out_root=None, mode="scan",
                              settings=_settings(config))
        except ScannerError as exc:
            typer.echo(f"postsafe: {exc}", err=True)
            raise typer.Exit(EXIT_FAILED) from exc
    raise typer.Exit(_summary(results, None))


@app.command()
def redact(
    paths: PathsArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the safe copies and the "
                                      "report (must not be inside an input folder).",
                                      file_okay=False)],
    fmt: Annotated[str, typer.Option("--format", help="Output format: keep (HEIC, MPO and TIFF "
                                     "become JPEG), jpeg or png.")] = "keep",
    face_style: Annotated[str, typer.Option(help="How faces are hidden: mosaic, blur or "
                                            "fill.")] = "mosaic",
    text_style: Annotated[str, typer.Option(help="How text, documents, screens and codes are "
                                            "hidden: fill (irreversible) or mosaic.")] = "fill",
    policy: Annotated[str, typer.Option(help=POLICY_HELP)] = "strict",
    quality: Annotated[int, typer.Option(help="JPEG/WebP quality.")] = 92,
    face_threshold: Annotated[float | None, typer.Option(help="Face score to accept on one "
                                                         "pass (lower finds more).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the HTML report: en "
                                      "(English) or cy (Cymraeg).")] = "en",
) -> None:
    """Write redacted, metadata-free copies of photos into OUT, plus an HTML and JSON report."""
    _check_lang(lang)
    config = _config(face_style, fmt, quality, face_threshold, policy, text_style)
    results = _run(paths, out, config)
    from scanner.batch import REPORT_HTML, REPORT_JSON
    from scanner.errors import ScannerError
    from scanner.report.html import write_html_report
    from scanner.report.json import write_json_report

    try:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ScannerError(f"cannot create {out}: {exc.strerror or exc}") from exc
        write_json_report(results, out / REPORT_JSON, out_root=out, mode="redact",
                          settings=_settings(config))
        write_html_report(results, out / REPORT_HTML, out_root=out, lang=lang)
    except ScannerError as exc:
        typer.echo(f"postsafe: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from exc
    raise typer.Exit(_summary(results, out))


LANGS = ("en", "cy")


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise typer.BadParameter(f"--lang must be one of {', '.join(LANGS)}")


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 8765,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser; "
                                             "just print the address.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="First language of the page: en or cy "
                                      "(the page has a switch).")] = "en",
    fmt: Annotated[str, typer.Option("--format", help="Output format: keep, jpeg or "
                                     "png.")] = "keep",
    policy: Annotated[str, typer.Option(help=POLICY_HELP)] = "strict",
) -> None:
    """Open the review page: drop photos, see what will be hidden, change it, download safe
    copies. Runs on 127.0.0.1 only; nothing leaves this computer. Ctrl-C stops it and deletes
    the photos it held."""
    _check_lang(lang)
    if not 0 <= port <= 65535:
        raise typer.BadParameter("--port must be between 0 and 65535")
    config = _config(fmt=fmt, policy=policy)
    from scanner.errors import ScannerError
    from scanner.web.serve import run

    def ready(url: str) -> None:
        typer.echo(f"PostSafe review page: {url}  (Ctrl-C stops it and deletes its photos)")

    try:
        code = run(config, port=port, open_browser=not no_browser, lang=lang, on_ready=ready)
    except ScannerError as exc:
        typer.echo(f"postsafe: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc
    raise typer.Exit(code)


def main() -> None:
    app()
