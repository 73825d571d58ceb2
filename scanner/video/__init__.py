"""Videos: probe, decode upright frames, track faces across frames, hide them, re-encode a
fresh MP4 without metadata (issue 19). Not yet reachable from the CLI, batch or web page."""
