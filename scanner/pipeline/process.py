"""One photo through load -> metadata inventory -> detect -> decide -> redact -> encode.

No printing, no argv: the CLI (and later the web page and batch engines) sit on top of this.
Fail closed: if any stage fails, the result is an error and no output file is written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from scanner.config import Policy, ScanConfig
from scanner.detectors.base import Detector
from scanner.errors import InvalidShape, ScannerError, TooLarge, UnreadableImage, WriteError
from scanner.fsio import write_atomic
from scanner.geometry import clip_shape, covered, shape_mask
from scanner.image.codec import check_decodes, encode, load
from scanner.image.files import output_format
from scanner.image.metadata import inspect_metadata
from scanner.parallel import map_ordered
from scanner.pipeline import people, verify
from scanner.pipeline.names import name_warnings
from scanner.redactors.builtins import REDACTORS
from scanner.types import Action, Finding, FindingKind, ScanResult, Shape, Status

log = logging.getLogger(__name__)


def build_detectors(config: ScanConfig) -> list[Detector]:
    """The detectors a run uses, built once (their models load here, not per photo)."""
    from scanner.detectors.builtins import DETECTORS
    from scanner.detectors.yolo.builtins import build_added

    return [DETECTORS.get(name)(config) for name in config.detectors] + build_added(config)


@dataclass(frozen=True, slots=True)
class Finished:
    result: ScanResult  # status error (and no pixels, no file) when any stage failed
    pixels: np.ndarray | None  # the redacted picture


def _failure(name: str, exc: Exception) -> str:
    """The reason a photo failed closed, for its report line."""
    if isinstance(exc, ScannerError):
        log.info("%s: failed closed: %s", name, exc)
        return str(exc)
    log.debug("%s: unexpected failure", name, exc_info=True)
    return (f"internal error ({type(exc).__name__}: {str(exc)[:120]}); "
            "no safe copy was made")


class Pipeline:
    def __init__(self, config: ScanConfig, detectors: Sequence[Detector] | None = None) -> None:
        self.config = config
        self._detectors = list(detectors) if detectors is not None else None

    @property
    def detectors(self) -> list[Detector]:
        if self._detectors is None:
            self._detectors = build_detectors(self.config)
        return self._detectors

    def process(self, source: Path, output: Path | None = None, *,
                display: str | None = None) -> ScanResult:
        """Scan one photo; with ``output``, also write its redacted, rebuilt copy there.

        ``output``'s suffix must fit the output format (the batch names it so). Returns the
        result; never raises for a problem with this photo (that becomes status ``error``).
        """
        name = display if display is not None else str(source)
        started = time.perf_counter()
        try:
            loaded = load(source, self.config)
        except ScannerError as exc:
            # Tells a watcher that the file may still be arriving (never reported).
            undecodable = isinstance(exc, UnreadableImage) and not isinstance(exc, TooLarge)
            return ScanResult(source=name, status=Status.ERROR, error=str(exc),
                              undecodable=undecodable)
        pixels, fmt = loaded.pixels, loaded.format
        h, w = pixels.shape[:2]
        # Start from a failure and only upgrade it once every stage has succeeded.
        failed = ScanResult(source=name, status=Status.ERROR, width=w, height=h, format=fmt,
                            notes=loaded.notes)
        try:
            metadata = inspect_metadata(loaded.data, loaded.pil)
        except Exception as exc:  # the inventory is for the report, but it must not crash a batch
            log.debug("%s: metadata inventory failed", name, exc_info=True)
            reason = f"could not read the file's metadata ({type(exc).__name__})"
            return replace(failed, error=f"{reason}; no safe copy was made")
        failed = replace(failed, metadata_removed=metadata)
        # The source's bytes and decoded Pillow image are no longer needed: don't hold a second
        # copy of the picture through detection.
        del loaded
        try:
            decided = self.decide(self.find(pixels), w, h)
        except Exception as exc:  # a detector's failure fails the photo closed
            return replace(failed, error=_failure(name, exc))
        done = self.finish(pixels, decided, failed, output=output, started=started)
        if not done.result.status.done:
            return done.result
        # The name the copy is posted under can still say when, or who (scanner.pipeline.names):
        # the copy's, else the photo's own (its display name: the review page keeps uploads
        # under random names).
        named = name_warnings(output.name if output is not None else Path(name).name)
        return replace(done.result, notes=done.result.notes + named)

    def finish(self, pixels: np.ndarray, decided: Sequence[Finding], scanned: ScanResult, *,
               output: Path | None = None, check: bool = True,
               started: float | None = None) -> Finished:
        """The one way a photo is finished, for the CLI, the batch engines, watch and the
        review page alike: redact the decided findings, check that every redaction changed its
        pixels, look again (verification, when configured), then encode a fresh file and write
        it atomically to ``output``.

        ``scanned`` is the result so far (source, size, format, metadata). Fails closed: any
        problem gives it status ``error`` with the reason, and no pixels and no file.
        ``check=False`` is for on-screen previews only: it neither checks nor writes.
        """
        started = time.perf_counter() if started is None else started
        failed = replace(scanned, status=Status.ERROR, output=None)
        h, w = pixels.shape[:2]
        decided = list(decided)
        verified: bool | None = scanned.verified
        try:
            redacted = self.redact(pixels, decided)
            if check:
                # Cheap and what makes a copy safe, so it runs even without --verify's second look.
                missed = verify.unchanged(pixels, redacted, decided)
                if missed:
                    raise ScannerError(f"verification failed: {len(missed)} redaction(s) left "
                                       "the pixels unchanged; no safe copy was made")
                verified = None
                if self.config.verify:
                    redacted, decided, verified = self.verify(redacted, decided, w, h)
            out_fmt = output_format(scanned.format or "JPEG", self.config)
            written: str | None = None
            if output is not None and check:
                written = str(self.write(redacted, out_fmt, output).resolve())
        except Exception as exc:  # any surprise in a stage must fail closed, not crash a batch
            return Finished(replace(failed, error=_failure(scanned.source, exc)), None)
        result = replace(
            scanned,
            status=Status.REDACTED if any(f.hidden for f in decided) else Status.CLEAN,
            output=written,
            output_format=out_fmt,
            findings=tuple(decided),
            verified=verified,
            elapsed_s=round(time.perf_counter() - started, 3),
        )
        return Finished(result, redacted)

    def find(self, pixels: np.ndarray,
             detectors: Sequence[Detector] | None = None) -> list[Finding]:
        """Every detector's findings (or only ``detectors``' of them: a video's frames between
        full looks), in the detectors' order (they run concurrently)."""

        def one(detector: Detector) -> list[Finding]:
            try:
                found = detector.detect(pixels)
            except InvalidShape as exc:  # a box nobody can place is a face nobody can hide
                raise ScannerError(f"{detector.name} returned an invalid box: {exc}") from exc
            except ScannerError:
                raise
            except Exception as exc:
                raise ScannerError(f"{detector.name} detection failed: {exc}") from exc
            if found is None:  # a detector breaking its contract must not pass silently
                raise ScannerError(f"{detector.name} returned nothing instead of a list")
            return found

        findings: list[Finding] = []
        chosen = self.detectors if detectors is None else detectors
        for found in map_ordered(one, chosen, self.config.parallel_detectors):
            findings.extend(found)
        return people.faceless(findings)

    def decide(self, findings: Sequence[Finding], width: int, height: int) -> list[Finding]:
        """Give each finding its action and its final area: a face's padded box, anything
        else its shape clipped to the picture, with ``region`` the box around it."""
        out: list[Finding] = []
        for f in findings:
            shape: Shape | None = None
            if f.kind is FindingKind.FACE:
                region = f.region.expand(self.config.face_padding).clip(width, height)
                action = Action.FLAGGED if f.unsure else Action(self.config.face_style.value)
            else:
                if f.unsure:  # doubt alone is no reason to blank part of a photo: a person looks
                    action = Action.FLAGGED
                elif f.kind is FindingKind.PERSON:
                    action = Action.FILL if self.config.redact_people else Action.FLAGGED
                elif (f.kind is FindingKind.TEXT and not f.pii
                      and self.config.policy is Policy.BALANCED):
                    action = Action.KEPT  # balanced: signs and short text with no personal data
                else:
                    action = Action(self.config.text_style.value)
                if f.shape is None:
                    region = f.region.clip(width, height)
                else:
                    shape = clip_shape(f.shape, width, height)
                    if shape is None:
                        continue
                    region = shape.bounds.clip(width, height)
            if region.empty:
                continue
            out.append(replace(f, region=region, shape=shape, action=action))
        return out

    def verify(self, redacted: np.ndarray, decided: list[Finding], width: int,
               height: int) -> tuple[np.ndarray, list[Finding], bool]:
        """Look again at the redacted pixels (see scanner.pipeline.verify). Raises when a
        redaction did not hold; redacts what is newly found, for a bounded number of rounds."""
        for _ in range(max(1, self.config.verify_rounds)):
            result = verify.check(redacted, decided, self.detectors,
                                  self.config.verify_face_leak_score,
                                  workers=self.config.parallel_detectors)
            if result.leaks:
                kinds = sorted({f.kind.value for f in result.leaks})
                raise ScannerError(
                    f"verification failed: {', '.join(kinds)} still detectable inside a "
                    "redacted area; no safe copy was made"
                )
            # Found again where we chose to leave things visible (balanced-policy signs, people
            # flagged for review, what a reviewer kept): expected, not new. Only what such a
            # finding can hold counts as found again: a text line on a kept document does, a
            # face on it does not (a kept sign or person is no licence to show a face).
            visible = [d for d in decided if not d.hidden]
            new = [f for f in result.new
                   if not _mostly_inside(f, [d for d in visible if _may_hold(d.kind, f.kind)],
                                         width, height)]
            if not new:
                return redacted, decided, True
            extra = self.decide(new, width, height)
            redacted = self.redact(redacted, extra)
            decided = decided + extra
        # Still finding new things after the last round: what was found is redacted, but the
        # report must not claim the copy was confirmed clean.
        return redacted, decided, False

    def redact(self, pixels: np.ndarray, findings: Sequence[Finding]) -> np.ndarray:
        result = pixels
        for action in (a for a in Action if a.hides):
            shapes = [f.outline for f in findings if f.action is action]
            if shapes:
                result = REDACTORS.get(action.value)(self.config).redact(result, shapes)
        return result

    def write(self, pixels: np.ndarray, fmt: str, output: Path) -> Path:
        if output.suffix.lower() not in _SUFFIXES[fmt]:
            # The batch names outputs from a sniff of the file; if the decoder disagrees, the
            # name would lie about the content. Refuse rather than guess a new name.
            raise WriteError(f"the output name {output.name} does not fit a {fmt} file")
        data = encode(pixels, fmt, self.config)
        h, w = pixels.shape[:2]
        check_decodes(data, fmt, w, h)
        try:
            if output.exists() and not output.is_file():
                raise WriteError(f"{output} exists and is not a file")
        except OSError as exc:  # e.g. a name longer than the file system allows
            raise WriteError(f"cannot write {output.name}: {exc.strerror or exc}") from exc
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WriteError(f"cannot create {output.parent}: {exc.strerror or exc}") from exc
        write_atomic(data, output)
        return output


_SUFFIXES = {
    "JPEG": (".jpg", ".jpeg"), "PNG": (".png",), "WEBP": (".webp",), "GIF": (".gif",),
    "BMP": (".bmp",),
}


def _may_hold(visible: FindingKind, found: FindingKind) -> bool:
    """Whether a finding left visible explains ``found`` seen again inside it: the same kind,
    or text read on a document, screen or other text area left visible."""
    return visible is found or (verify.family(visible) == "text" and verify.family(found) == "text")


def _mostly_inside(found: Finding, areas: Sequence[Finding], width: int, height: int,
                   share: float = 0.5) -> bool:
    """True when at least ``share`` of what ``found`` covers lies inside the shapes of
    ``areas`` (a tilted page's shape, not the box around it)."""
    c = covered(found.outline, width, height)
    if c is None or not areas:
        return False
    inside = shape_mask([a.outline for a in areas], width, height)[c.window][c.mask]
    return float(inside.mean()) >= share if inside.size else False
