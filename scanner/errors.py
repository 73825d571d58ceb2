"""The library's error hierarchy. The CLI maps these to exit codes and report lines."""


class ScannerError(Exception):
    """Base for every error PostSafe raises on purpose."""


class UnreadableImage(ScannerError):
    """The file cannot be opened or decoded (missing, corrupt, truncated, not an image)."""


class UnsupportedImage(ScannerError):
    """The file is an image, but in a form PostSafe will not process safely."""


class TooLarge(UnreadableImage):
    """The image exceeds the configured size limits (decompression-bomb guard)."""


class UnreadableVideo(UnreadableImage):
    """A video file that cannot be opened or decoded (empty, truncated, corrupt)."""


class UnsupportedVideo(UnsupportedImage):
    """A media file PostSafe will not process as a video (no video stream: audio only)."""


class VideoTooLarge(TooLarge):
    """A video over the configured limits (``max_video_s``, ``max_video_pixels``)."""


class ModelError(ScannerError):
    """A model file is missing, altered, or failed at inference."""


class OfflineError(ModelError):
    """``postsafe models fetch`` could not reach the internet (the only command that goes
    online)."""


class WriteError(ScannerError):
    """An output could not be written (nothing partial is left behind)."""


class EngineError(ScannerError):
    """A batch engine could not start (e.g. a worker could not load its models)."""


class UsageError(ScannerError):
    """The caller asked for something unsafe or impossible (e.g. output inside an input)."""


class InvalidShape(ScannerError, ValueError):
    """Coordinates that are no shape: fewer than three points, or a non-finite value."""


class UnknownName(ScannerError, KeyError):
    """A detector, redaction style, engine or model backend that is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class FolderBusy(UsageError):
    """Another PostSafe run is writing into this output folder."""
