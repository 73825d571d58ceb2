"""One configuration object for a run, instead of keyword chains through every layer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OutputFormat(StrEnum):
    KEEP = "keep"  # keep the input format, except HEIC/HEIF, MPO and TIFF, which become JPEG
    JPEG = "jpeg"
    PNG = "png"


class TextStyle(StrEnum):
    FILL = "fill"  # default: the only irreversible style for text
    MOSAIC = "mosaic"


class Policy(StrEnum):
    STRICT = "strict"  # every readable text region and every document or screen is redacted
    BALANCED = "balanced"  # signage and short text without personal data are kept


class FaceStyle(StrEnum):
    MOSAIC = "mosaic"
    BLUR = "blur"
    FILL = "fill"


class EngineChoice(StrEnum):
    """The batch engines a person picks from (``inprocess`` is chosen for them: --jobs 1 with
    no time limit)."""

    LOCAL = "local"  # worker processes on this machine
    RAY = "ray"  # Ray tasks on a cluster


@dataclass(frozen=True, slots=True)
class ScanConfig:
    detectors: tuple[str, ...] = ("faces", "documents", "displays", "codes")
    policy: Policy = Policy.STRICT
    verify: bool = True
    verify_rounds: int = 2
    verify_face_leak_score: float = 0.7  # a face this clear inside a face redaction = leak
    # Faces: tuned for recall (a missed face is a breach, an extra mosaic a nuisance).
    # Tuned on the faces eval set (bench/faces_eval.py): see the README for the figures.
    face_threshold: float = 0.4  # kept on one pass's word
    face_support_threshold: float = 0.2  # kept if a pass at another scale agrees
    face_flip: bool = False  # mirrored passes: +1% recall for 2x the time; off by default
    # On photos searched below full resolution, small weak candidates of the finest pass are
    # searched again up close (bench/face_resolution.py); what that finds is kept from here.
    face_zoom_threshold: float = 0.3
    face_style: FaceStyle = FaceStyle.MOSAIC
    face_padding: float = 0.3  # grow each face box by this fraction on every side
    mosaic_blocks: int = 6  # at most this many blocks across the padded face
    # Text (PP-OCRv4 detection): low thresholds, since unredacted text is the breach.
    text_pixel_threshold: float = 0.3
    text_box_threshold: float = 0.5
    text_unclip: float = 1.6
    text_style: TextStyle = TextStyle.FILL
    text_recognition: bool = True  # read text to explain findings (never reported verbatim)
    # Detectors run at once on one photo (threads; onnxruntime and OpenCV release the GIL).
    # 1 by default: each onnxruntime session already uses every core, and on 2 cores two at once
    # measured the same wall time for +10% CPU (bench/speed_eval.py photos).
    parallel_detectors: int = 1
    # Output
    output_format: OutputFormat = OutputFormat.KEEP
    jpeg_quality: int = 92
    # Input limits (decompression-bomb guard): refuse before decoding pixels.
    max_pixels: int = 120_000_000
    max_file_bytes: int = 512 * 1024 * 1024
    # Videos (scanner.video): refused before decoding when longer, or larger per frame.
    max_video_s: float = 600.0
    max_video_pixels: int = 4096 * 2160  # DCI 4K; UHD (3840x2160) and smaller pass
    # How often a video is looked at (seconds of video; rounded to whole frames): faces, then
    # every detector (documents, screens, text, codes), then the copy checked again. Faces are
    # followed and interpolated between looks (scanner.video.tracks); bench/video_eval.py.
    video_face_every_s: float = 0.1
    video_scan_every_s: float = 0.5
    video_check_every_s: float = 1.0
    # A clip's time limit grows with its length: this many seconds a second of video, when
    # that is over time_limit_s (PostSafe takes ~5 s a second of 1080p30 on 2 cores).
    video_limit_per_s: float = 30.0
    keep_audio: bool = False  # voices and spoken names identify people: dropped unless asked
    # Batches: a photo still running after this many seconds fails closed and its worker is
    # replaced (0: no limit); threads per worker for onnxruntime/OpenCV (0: automatic).
    time_limit_s: float = 300.0
    threads: int = 0
    # Added models (models/manifest.toml and the user's models folder): None uses every enabled
    # one, a tuple only those named (empty: none).
    models: tuple[str, ...] | None = None
    # People seen without a face are flagged for review; with this they are filled too.
    redact_people: bool = False


def settings(config: ScanConfig) -> dict[str, object]:
    """The settings a report records (and ``--resume`` compares): the ones that change a copy."""
    return {
        "detectors": list(config.detectors),
        "face_threshold": config.face_threshold,
        "face_style": config.face_style.value,
        "text_style": config.text_style.value,
        "policy": config.policy.value,
        "verify": config.verify,
        "output_format": config.output_format.value,
        "jpeg_quality": config.jpeg_quality,
        "models": "all added" if config.models is None else list(config.models),
        "redact_people": config.redact_people,
        "keep_audio": config.keep_audio,
    }
