"""The built-in redaction styles: the one list of them."""

from __future__ import annotations

from scanner.redactors.base import RedactorFactory
from scanner.registry import Registry


def _builtins() -> dict[str, RedactorFactory]:
    from scanner.redactors.blur import BlurRedactor
    from scanner.redactors.fill import FillRedactor
    from scanner.redactors.mosaic import MosaicRedactor

    return {
        "mosaic": lambda config: MosaicRedactor(config.mosaic_blocks),
        "blur": lambda config: BlurRedactor(),
        "fill": lambda config: FillRedactor(),
    }


REDACTORS: Registry[RedactorFactory] = Registry("redaction style", _builtins)
