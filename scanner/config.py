"""One configuration object for a run, instead of keyword chains through every layer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OutputFormat(StrEnum):
    KEEP = "keep"  # keep the input format, except HEIC/HEIF, MPO and TIFF, which become JPEG
    JPEG = "jpeg"
    PNG = "png"


class FaceStyle(StrEnum):
    MOSAIC = "mosaic"
    BLUR = "blur"
    FILL = "fill"


@dataclass(frozen=True, slots=True)
class ScanConfig:
    detectors: tuple[str, ...] = ("faces",)
    # Faces: tuned for recall (a missed face is a breach, an extra mosaic a nuisance).
    # Tuned on the faces eval set (bench/faces_eval.py): see the README for the figures.
    face_threshold: float = 0.4  # kept on one pass's word
    face_support_threshold: float = 0.2  # kept if a pass at another scale agrees
    face_flip: bool = False  # mirrored passes: +1% recall for 2x the time; off by default
    face_style: FaceStyle = FaceStyle.MOSAIC
    face_padding: float = 0.3  # grow each face box by this fraction on every side
    mosaic_blocks: int = 6  # at most this many blocks across the padded face
    # Output
    output_format: OutputFormat = OutputFormat.KEEP
    jpeg_quality: int = 92
    # Input limits (decompression-bomb guard): refuse before decoding pixels.
    max_pixels: int = 120_000_000
    max_file_bytes: int = 512 * 1024 * 1024
