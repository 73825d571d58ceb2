"""Detectors only find: each returns list[Finding] (possibly empty), never None."""
