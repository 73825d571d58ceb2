"""The ``postsafe`` command: options -> ScanConfig, progress, summary, exit codes.

Exit codes: 0 every photo processed (skipped non-images included), 1 some photos failed,
2 usage error. Heavy modules (numpy, OpenCV, onnxruntime) are imported inside the commands so
``postsafe --help`` stays fast.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

# Stdlib only: the choices on the command line are the enums themselves.
from scanner.config import EngineChoice, FaceStyle, OutputFormat, Policy, TextStyle, settings

if TYPE_CHECKING:
    from scanner.batch.run import BatchOptions, Run
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
    # At DEBUG, Pillow's TIFF reader logs tag values (names, GPS coordinates): never those.
    logging.getLogger("PIL.TiffImagePlugin").setLevel(logging.INFO)


def _config(face_style: FaceStyle = FaceStyle.MOSAIC, fmt: OutputFormat = OutputFormat.KEEP,
            quality: int = 92, face_threshold: float | None = None,
            policy: Policy = Policy.STRICT, text_style: TextStyle = TextStyle.FILL,
            time_limit: float | None = None, models: str | None = None,
            no_models: bool = False, redact_people: bool = False,
            keep_audio: bool = False) -> ScanConfig:
    from scanner.config import ScanConfig

    if not 1 <= quality <= 100:
        raise typer.BadParameter("--quality must be between 1 and 100")
    extra: dict[str, object] = {} if face_threshold is None else {
        "face_threshold": face_threshold}
    if time_limit is not None:
        if not time_limit >= 0:  # also refuses NaN
            raise typer.BadParameter("--time-limit must be 0 (no limit) or more seconds")
        extra["time_limit_s"] = time_limit
    extra.update(_model_options(models, no_models, redact_people))
    extra["keep_audio"] = keep_audio
    return ScanConfig(face_style=face_style, output_format=fmt, jpeg_quality=quality,
                      policy=policy, text_style=text_style, **extra)  # type: ignore[arg-type]


def _model_options(models: str | None, no_models: bool,
                   redact_people: bool) -> dict[str, object]:
    """--models / --no-models / --redact-people as ScanConfig fields."""
    if models is not None and no_models:
        raise typer.BadParameter("use --models or --no-models, not both")
    chosen: tuple[str, ...] | None = None
    if no_models:
        chosen = ()
    elif models is not None:
        chosen = tuple(dict.fromkeys(m.strip() for m in models.split(",") if m.strip()))
        if not chosen:
            raise typer.BadParameter("--models names no model (use --no-models for none)")
    return {"models": chosen, "redact_people": redact_people}


def _batch(config: ScanConfig, options: BatchOptions) -> Run:
    """The one value a batch is told (scanner.batch.run.Run)."""
    from scanner.batch.engines.work import default_detectors
    from scanner.batch.run import Run

    # scanner.pipeline.process.build_detectors, looked up now (tests and benchmarks swap in
    # fake detectors there, which the workers must get too). Unless nothing has imported it
    # yet, so it cannot have been swapped: then a stand-in imports it where the detectors are
    # built, and the parent of worker processes never imports numpy, OpenCV or the detectors.
    pipeline_module = sys.modules.get("scanner.pipeline.process")
    factory = (default_detectors if pipeline_module is None
               else pipeline_module.build_detectors)
    return Run(config, factory, options)


def _run(paths: list[Path], out: Path | None, run: Run) -> list[ScanResult]:
    """Run a batch with a progress bar; ``out`` set: redact into it and write its reports."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from scanner.batch import run as batchrun
    from scanner.errors import ScannerError

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                  console=console, disable=not console.is_terminal, transient=True) as progress:
        task = progress.add_task("Checking files", total=None)
        clips: dict[str, Any] = {}  # a clip's name -> its own bar, while it runs

        def clip_progress(name: str, stage: str, done: int, total: int) -> None:
            what = f"  {_shown(Path(name).name)}: {_STAGES.get(stage, stage)}"
            if name not in clips:
                clips[name] = progress.add_task(what, total=total or None)
            progress.update(clips[name], description=what, completed=done, total=total or None)

        def finished(result: ScanResult) -> None:
            progress.advance(task)
            bar = clips.pop(result.source, None)
            if bar is not None:
                progress.remove_task(bar)

        try:
            if out is None:
                return batchrun.run_scan(
                    paths, run, on_start=lambda n: progress.update(task, total=n),
                    on_result=finished, on_progress=clip_progress)
            return batchrun.run_redact(
                paths, out, run, on_start=lambda n: progress.update(task, total=n),
                on_result=finished, on_progress=clip_progress)
        except ScannerError as exc:
            raise typer.Exit(_run_error(exc)) from exc
        except KeyboardInterrupt:
            progress.stop()
            hint = " (run again with --resume to carry on)" if out is not None else ""
            typer.echo(f"postsafe: stopped{hint}", err=True)
            raise typer.Exit(130) from None


# A clip's stages (scanner.video.process), as its progress bar says them.
_STAGES = {"look": "looking", "hide": "hiding and encoding", "check": "checking the copy"}


def _run_error(exc: Exception) -> int:
    """Say why a whole run stopped; the exit code for it."""
    from scanner.errors import EngineError, UsageError

    if isinstance(exc, UsageError):
        typer.echo(f"postsafe: {exc}", err=True)
        return EXIT_USAGE
    if isinstance(exc, EngineError):
        # Without its detectors no photo can be judged: fail closed for all of them.
        typer.echo(f"postsafe: cannot start: {exc}", err=True)
        return EXIT_FAILED
    typer.echo(f"postsafe: {exc}", err=True)
    return EXIT_FAILED


def _summary(results: list[ScanResult], out: Path | None) -> int:
    """What happened, for a person: each photo's findings (scan), the files skipped or failed
    with their reasons, the counts, and where the report is, or that nothing was written."""
    from rich.console import Console
    from rich.table import Table

    from scanner.batch.plan import REPORT_HTML
    from scanner.report.summary import summarise
    from scanner.types import Status

    counts = summarise(results)
    console = Console()

    def say(text: str) -> None:
        console.print(text, markup=True, highlight=False, soft_wrap=True)

    if out is None:  # scan: what each photo holds, since nothing is written
        for r in results:
            if r.status.done:
                say(f"{_shown(r.source)}: {_found_in_words(r)}")
    for r in results:
        if r.status is Status.SKIPPED:
            say(f"[yellow]skipped[/yellow] {_shown(r.source)}: {_shown(r.error or '')}")
        elif r.status is Status.ERROR:
            say(f"[red]failed[/red] {_shown(r.source)}: {_shown(r.error or '')}")
    table = Table(title="PostSafe summary")
    hid = "hidden" if out is not None else "something to hide"
    columns = (("photos", "photos"), ("clean", "nothing to hide"), ("redacted", hid),
               ("error", "failed"), ("skipped", "skipped"))
    for _, label in columns:
        table.add_column(label, justify="right")
    table.add_row(*(str(counts[key]) for key, _ in columns))
    console.print(table)
    written = [r for r in results if r.output]
    if out is not None and written:
        say(f"{len(written)} safe {'copy' if len(written) == 1 else 'copies'} in "
            f"{_shown(str(out))}")
        say(f"Report: {_shown(str(out / REPORT_HTML))}")
    elif out is not None:
        say(f"Nothing was written: no photo could be made safe. Report: "
            f"{_shown(str(out / REPORT_HTML))}")
    else:
        say("Nothing was written (scan only looks; redact makes the safe copies).")
    return EXIT_FAILED if counts["error"] else EXIT_OK


_KIND_WORDS = {
    "face": ("face", "faces"), "person": ("person", "people"),
    "document": ("document", "documents"), "screen": ("screen", "screens"),
    "text": ("piece of text", "pieces of text"), "code": ("QR or bar code", "QR or bar codes"),
    "manual": ("area marked by hand", "areas marked by hand"),
}


def _metadata_in_words(categories: tuple[str, ...]) -> str:
    """The kinds that give a person or a place away by name, the rest counted."""
    from scanner.image.metadata import CATEGORY_LABELS

    telling = [CATEGORY_LABELS[c] for c in ("location", "people", "device", "times")
               if c in categories]
    rest = len(categories) - len(telling)
    if rest:
        telling.append(f"{rest} other kind{'s' if rest != 1 else ''}")
    return ", ".join(telling)


def _found_in_words(result: ScanResult) -> str:
    """'would hide 2 faces and 1 text; to check: 1 face', or 'nothing to hide'."""
    from collections import Counter

    from scanner.types import Action

    def listed(counter: Counter[str]) -> str:
        return ", ".join(f"{n} {_KIND_WORDS[kind][n != 1]}" for kind, n in sorted(counter.items()))

    hidden = Counter(f.kind.value for f in result.findings if f.hidden)
    flagged = Counter(f.kind.value for f in result.findings if f.action is Action.FLAGGED)
    words = []
    if hidden:
        words.append(f"would hide {listed(hidden)}")
    if flagged:
        words.append(f"to check by eye: {listed(flagged)}")
    if result.metadata_removed:
        words.append(f"metadata to remove: {_metadata_in_words(result.metadata_removed)}")
    return "; ".join(words) or "nothing to hide"


def _options(jobs: int | None, engine: EngineChoice = EngineChoice.LOCAL, resume: bool = False,
             rename: bool = False, lang: str = "en") -> BatchOptions:
    from scanner.batch.run import BatchOptions, default_jobs

    if jobs is not None and jobs < 1:
        raise typer.BadParameter("--jobs must be 1 or more")
    if jobs is None:
        # Ray: as many as the cluster has CPUs.
        jobs = 0 if engine is EngineChoice.RAY else default_jobs()
    return BatchOptions(engine=engine, jobs=jobs, resume=resume, rename=rename, lang=lang)


LANGS = ("en", "cy")
LangOpt = Annotated[str, typer.Option("--lang", help="Language of the HTML report: en "
                                      "(English) or cy (Cymraeg).")]


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise typer.BadParameter(f"--lang must be one of {', '.join(LANGS)}")


JobsOpt = Annotated[int | None, typer.Option(
    "--jobs", "-j", envvar="POSTSAFE_JOBS", show_default=False,
    help="Photos processed at once, each in its own worker process (default: the number of "
    "cores, fewer if free memory is short; 1 without a time limit runs in this process).")]
TimeLimitOpt = Annotated[float, typer.Option(
    "--time-limit", envvar="POSTSAFE_TIME_LIMIT",
    help="Seconds one photo may take; a photo over it fails closed (no copy) and its worker "
    "is replaced. 0: no limit.")]
EngineOpt = Annotated[EngineChoice, typer.Option(
    help="local: worker processes on this machine; ray: Ray tasks on the cluster in "
    "RAY_ADDRESS (or a local one), with shared storage (needs postsafe[ray]).")]

def _printable(text: str) -> str:
    """Text from outside (file names, reasons) with its control characters (newlines, terminal
    escape sequences) shown as visible escapes instead of acting on the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _shown(text: str) -> str:
    """``_printable`` text with its Rich markup ("[bold]" in a file name) escaped too."""
    from rich.markup import escape

    return escape(_printable(text))


POLICY_HELP = ("strict: hide all readable text, documents and screens; balanced: keep signs "
               "and short text with no personal data (documents and screens always go).")

ModelsOpt = Annotated[str | None, typer.Option(
    "--models", help="Use only these added models (comma-separated names; see `postsafe models "
    "list`). Default: every added model.")]
NoModelsOpt = Annotated[bool, typer.Option("--no-models", help="Use the built-in detectors "
                                           "only, none of the added models.")]
RedactPeopleOpt = Annotated[bool, typer.Option("--redact-people", help="Fill people seen "
                                               "without a face (default: flag them for "
                                               "review).")]

PathsArg = Annotated[list[Path], typer.Argument(help="Photos or folders (walked recursively).",
                                                 show_default=False, metavar="PHOTOS")]
PolicyOpt = Annotated[Policy, typer.Option(help=POLICY_HELP)]
FaceThresholdOpt = Annotated[float | None, typer.Option(
    help="Face score to accept on one pass (lower finds more).")]
# The commands share these options, so each spells them the same way.
FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="Output format: keep (HEIC, "
                                                 "MPO and TIFF become JPEG), jpeg or png.")]
FaceStyleOpt = Annotated[FaceStyle, typer.Option(help="How faces are hidden: mosaic, blur or "
                                                 "fill.")]
TextStyleOpt = Annotated[TextStyle, typer.Option(help="How text, documents, screens and codes "
                                                 "are hidden: fill (irreversible) or mosaic.")]
QualityOpt = Annotated[int, typer.Option(help="JPEG/WebP quality.")]
KeepAudioOpt = Annotated[bool, typer.Option(
    "--keep-audio", help="Keep videos' sound (re-encoded). Off by default: voices and names "
    "spoken aloud identify people; the report warns when it is kept.")]


@app.command()
def scan(
    paths: PathsArg,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the JSON report here.",
                                                  dir_okay=False)] = None,
    face_threshold: FaceThresholdOpt = None,
    policy: PolicyOpt = Policy.STRICT,
    jobs: JobsOpt = None,
    time_limit: TimeLimitOpt = 300.0,
    engine: EngineOpt = EngineChoice.LOCAL,
    models: ModelsOpt = None,
    no_models: NoModelsOpt = False,
    redact_people: RedactPeopleOpt = False,
) -> None:
    """Analyse photos and videos and report what they carry. Writes no copies."""
    config = _config(face_threshold=face_threshold, policy=policy, time_limit=time_limit,
                     models=models, no_models=no_models, redact_people=redact_people)
    results = _run(paths, None, _batch(config, _options(jobs, engine)))
    if json_out is not None:
        from scanner.errors import ScannerError
        from scanner.report.json import write_json_report

        try:
            write_json_report(results, json_out, out_root=None, mode="scan",
                              settings=settings(config))
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
    fmt: FormatOpt = OutputFormat.KEEP,
    face_style: FaceStyleOpt = FaceStyle.MOSAIC,
    text_style: TextStyleOpt = TextStyle.FILL,
    policy: PolicyOpt = Policy.STRICT,
    quality: QualityOpt = 92,
    face_threshold: FaceThresholdOpt = None,
    jobs: JobsOpt = None,
    time_limit: TimeLimitOpt = 300.0,
    engine: EngineOpt = EngineChoice.LOCAL,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Keep photos an earlier run into OUT finished and verified (same "
        "settings, same source and output sha256); do the rest.")] = False,
    rename: Annotated[bool, typer.Option(
        "--rename", help="Name the copies photo-0001.jpg, ... in one folder (names can carry "
        "dates, places and people); the report maps each source to its copy.")] = False,
    models: ModelsOpt = None,
    no_models: NoModelsOpt = False,
    redact_people: RedactPeopleOpt = False,
    keep_audio: KeepAudioOpt = False,
    lang: LangOpt = "en",
) -> None:
    """Write redacted, metadata-free copies of photos and videos into OUT, plus an HTML and
    JSON report."""
    _check_lang(lang)
    config = _config(face_style, fmt, quality, face_threshold, policy, text_style, time_limit,
                     models, no_models, redact_people, keep_audio)
    results = _run(paths, out, _batch(config, _options(jobs, engine, resume, rename, lang)))
    raise typer.Exit(_summary(results, out))


@app.command()
def watch(
    inbox: Annotated[Path, typer.Argument(help="Folder to watch (walked recursively).",
                                          show_default=False, metavar="INBOX")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the safe copies and the "
                                      "report (must not be inside the inbox).",
                                      file_okay=False)],
    interval: Annotated[float, typer.Option(help="Seconds between looks at the inbox.")] = 2.0,
    once: Annotated[bool, typer.Option("--once", help="Process what is in the inbox (waiting "
                                       "for files still being written), then exit.")] = False,
    fmt: FormatOpt = OutputFormat.KEEP,
    face_style: FaceStyleOpt = FaceStyle.MOSAIC,
    text_style: TextStyleOpt = TextStyle.FILL,
    policy: PolicyOpt = Policy.STRICT,
    quality: QualityOpt = 92,
    face_threshold: FaceThresholdOpt = None,
    jobs: JobsOpt = None,
    time_limit: TimeLimitOpt = 300.0,
    rename: Annotated[bool, typer.Option("--rename", help="Name the copies photo-0001.jpg, "
                                         "...; the report maps each source to its copy.")
                      ] = False,
    models: ModelsOpt = None,
    no_models: NoModelsOpt = False,
    redact_people: RedactPeopleOpt = False,
    keep_audio: KeepAudioOpt = False,
    lang: LangOpt = "en",
) -> None:
    """Redact photos and videos as they are dropped into INBOX, each once, into OUT. Ctrl-C
    stops."""
    _check_lang(lang)
    config = _config(face_style, fmt, quality, face_threshold, policy, text_style, time_limit,
                     models, no_models, redact_people, keep_audio)
    if not interval > 0:
        raise typer.BadParameter("--interval must be more than 0 seconds")
    run = _batch(config, _options(jobs, EngineChoice.LOCAL, False, rename, lang))
    from scanner.batch.watch import Watcher
    from scanner.errors import ScannerError

    def progress(result: ScanResult) -> None:
        # Plain echo, no Rich markup to escape; but a dropped file's name is anyone's.
        name = _printable(result.source)
        if result.status.value == "error":
            typer.echo(f"failed {name}: {_printable(result.error or '')}", err=True)
        else:
            typer.echo(f"{result.status.value} {name}", err=True)

    said: dict[tuple[str, str], int] = {}

    def clip_progress(name: str, stage: str, done: int, total: int) -> None:
        quarter = 4 * done // total if total > 0 else 0
        if said.get((name, stage), -1) < quarter:
            said[(name, stage)] = quarter
            typer.echo(f"{_printable(name)}: {_STAGES.get(stage, stage)} "
                       f"{min(100, 25 * quarter)}%", err=True)

    try:
        watcher = Watcher(inbox, out, run, on_result=progress, on_progress=clip_progress)
        if not once:
            typer.echo(f"Watching {inbox} (Ctrl-C to stop); safe copies go to {out}", err=True)
        _stop_on_sigterm()
        results = watcher.watch(interval, once=once)
    except ScannerError as exc:
        raise typer.Exit(_run_error(exc)) from exc
    raise typer.Exit(_summary(results, out))


def _stop_on_sigterm() -> None:
    """``kill PID`` stops a watch as Ctrl-C does (reports written, nothing half done)."""
    import signal
    import threading

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)


def _add_model_commands() -> None:
    from scanner.cli.models import models_app

    app.add_typer(models_app, name="models")


_add_model_commands()


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 8765,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser; "
                                             "just print the address.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="First language of the page: en or cy "
                                      "(the page has a switch).")] = "en",
    fmt: FormatOpt = OutputFormat.KEEP,
    policy: PolicyOpt = Policy.STRICT,
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
