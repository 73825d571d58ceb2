"""Redactors only act: each returns a new array with the given regions made unreadable."""
