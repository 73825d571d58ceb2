"""One photo through load -> metadata inventory -> detect -> decide -> redact -> encode.

No printing, no argv: the CLI (and later the web page and batch engines) sit on top of this.
Fail closed: if any stage fails, the result is an error and no output file is written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from scanner.config import ScanConfig
from scanner.detectors.base import Detector
from scanner.errors import ScannerError, WriteError
from scanner.fsio import write_atomic
from scanner.imageio import check_decodes, encode, load, output_format
from scanner.metadata import inspect_metadata
from scanner.redactors.base import get as get_redactor
from scanner.types import Action, Finding, FindingKind, ScanResult, Status

log = logging.getLogger(__name__)


def build_detectors(config: ScanConfig) -> list[Detector]:
    """The detectors a run uses, built once (their models load here, not per photo)."""
    from scanner.detectors.base import get, register_builtins

    register_builtins()
    return [get(name)(config) for name in config.detectors]


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

        ``output`` gets its suffix from the output format. Returns the result; never raises for
        a problem with this photo (that becomes status ``error``).
        """
        name = display if display is not None else str(source)
        started = time.perf_counter()
        try:
            loaded = load(source, self.config)
        except ScannerError as exc:
            return ScanResult(source=name, status=Status.ERROR, error=str(exc))
        h, w = loaded.pixels.shape[:2]
        metadata = inspect_metadata(loaded.data, loaded.pil)
        # Start from a failure and only upgrade it once every stage has succeeded.
        failed = ScanResult(source=name, status=Status.ERROR, width=w, height=h,
                            format=loaded.format, metadata_removed=metadata, notes=loaded.notes)
        try:
            findings = self.find(loaded.pixels)
            decided = self.decide(findings, w, h)
            redacted = self.redact(loaded.pixels, decided)
            out_fmt = output_format(loaded.format, self.config)
            written: str | None = None
            if output is not None:
                written = str(self.write(redacted, out_fmt, output).resolve())
        except ScannerError as exc:
            log.info("%s: failed closed: %s", name, exc)
            return replace(failed, error=str(exc))
        except Exception as exc:  # any surprise in a stage must fail closed, not crash a batch
            log.debug("%s: unexpected failure", name, exc_info=True)
            reason = f"internal error ({type(exc).__name__}: {str(exc)[:120]})"
            return replace(failed, error=f"{reason}; no safe copy was made")
        hidden = any(f.action in _HIDING for f in decided)
        return replace(
            failed,
            status=Status.REDACTED if hidden else Status.CLEAN,
            output=written,
            output_format=out_fmt,
            findings=tuple(decided),
            elapsed_s=round(time.perf_counter() - started, 3),
        )

    def find(self, pixels: np.ndarray) -> list[Finding]:
        findings: list[Finding] = []
        for detector in self.detectors:
            try:
                found = detector.detect(pixels)
            except ScannerError:
                raise
            except Exception as exc:
                raise ScannerError(f"{detector.name} detection failed: {exc}") from exc
            if found is None:  # a detector breaking its contract must not pass silently
                raise ScannerError(f"{detector.name} returned nothing instead of a list")
            findings.extend(found)
        return findings

    def decide(self, findings: Sequence[Finding], width: int, height: int) -> list[Finding]:
        """Give each finding its action and its final (padded, clipped) region."""
        out: list[Finding] = []
        for f in findings:
            if f.kind is FindingKind.FACE:
                region = f.region.expand(self.config.face_padding).clip(width, height)
                action = Action(self.config.face_style.value)
            elif f.kind is FindingKind.PERSON:
                region, action = f.region.clip(width, height), Action.FLAGGED
            else:
                region, action = f.region.clip(width, height), Action.FILL
            if region.empty:
                continue
            out.append(Finding(f.kind, region, f.score, f.detector, action, f.detail))
        return out

    def redact(self, pixels: np.ndarray, findings: Sequence[Finding]) -> np.ndarray:
        result = pixels
        for action in (Action.MOSAIC, Action.BLUR, Action.FILL):
            regions = [f.region for f in findings if f.action is action]
            if regions:
                result = get_redactor(action.value)(self.config).redact(result, regions)
        return result

    def write(self, pixels: np.ndarray, fmt: str, output: Path) -> Path:
        data = encode(pixels, fmt, self.config)
        h, w = pixels.shape[:2]
        check_decodes(data, fmt, w, h)
        if output.exists() and not output.is_file():
            raise WriteError(f"{output} exists and is not a file")
        write_atomic(data, output)
        return output


_HIDING = (Action.MOSAIC, Action.BLUR, Action.FILL)
