"""PostSafe: offline image privacy scanner (import package ``scanner``)."""

__version__ = "0.1.0"
