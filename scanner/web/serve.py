"""Run the review app with uvicorn on the loopback interface only.

The socket is bound here (127.0.0.1, never another address) before uvicorn starts, so the port
is known even when the OS picks it (``--port 0``). Stopping the server (Ctrl-C) runs the app's
shutdown, which deletes its private temp folder; the ``finally`` below makes sure of it.
"""

from __future__ import annotations

import errno
import logging
import socket
import tempfile
import webbrowser
from collections.abc import Callable
from pathlib import Path

import uvicorn

from scanner.config import ScanConfig
from scanner.errors import UsageError
from scanner.web.app import create_app

log = logging.getLogger(__name__)

HOST = "127.0.0.1"


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:``port`` (0: a free port). Raises UsageError."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        reason = f"cannot listen on {HOST}:{port}: {exc.strerror or exc}"
        if exc.errno == errno.EADDRINUSE:
            reason += (f". The review page may already be running: open http://{HOST}:{port}/ "
                       "in your browser, or start another with --port (e.g. --port 0 for any "
                       "free port)")
        raise UsageError(reason) from exc
    sock.listen(64)
    return sock


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._on_started()


def run(config: ScanConfig, *, port: int = 0, open_browser: bool = True, lang: str = "en",
        work_dir: Path | None = None, on_ready: Callable[[str], None] | None = None) -> int:
    """Serve until stopped; returns an exit code. ``on_ready(url)`` is called once listening."""
    sock = bind(port)
    url = f"http://{HOST}:{sock.getsockname()[1]}/"
    app = create_app(config, work_dir or Path(tempfile.gettempdir()), default_lang=lang)

    def started() -> None:
        if on_ready is not None:
            on_ready(url)
        if open_browser:
            try:
                webbrowser.open(url)
            except webbrowser.Error as exc:  # no browser here: the printed address will do
                log.info("could not open a browser: %s", exc)

    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="on",
                                   server_header=False, proxy_headers=False,
                                   access_log=False), started)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn re-raises Ctrl-C after its clean shutdown: stopping is the normal end
    finally:
        app.state.server.stop()
        sock.close()
    return 0 if server.started else 1
