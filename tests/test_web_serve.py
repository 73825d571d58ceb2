"""``postsafe serve``: binds 127.0.0.1 only, prints its address, and deletes its temp folder
when stopped with Ctrl-C. Runs the real command in a child process on fake detectors."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from helpers import modules_after_help
from typer.testing import CliRunner

from scanner.cli.main import app
from scanner.errors import UsageError
from scanner.web.serve import HOST, bind

CHILD = """
import sys
sys.path.insert(0, {tests!r})
from helpers import FakeDetector
import scanner.pipeline.process
scanner.pipeline.process.build_detectors = lambda config: [FakeDetector()]
from scanner.cli.main import main
sys.argv = ["postsafe", "serve", "--port", "0", "--no-browser", "--lang", "cy"]
main()
"""


def test_serve_help_and_bad_options() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["serve", "--help"])
    assert result.exit_code == 0 and "127.0.0.1" in result.output
    assert runner.invoke(app, ["serve", "--lang", "fr", "--no-browser"]).exit_code == 2
    assert runner.invoke(app, ["serve", "--port", "70000", "--no-browser"]).exit_code == 2


def test_help_does_not_import_the_web_stack() -> None:
    assert modules_after_help([["serve", "--help"]],
                              ("fastapi", "uvicorn", "starlette", "numpy")) == []


def test_bind_is_loopback_only() -> None:
    sock = bind(0)
    try:
        assert sock.getsockname()[0] == HOST == "127.0.0.1"
    finally:
        sock.close()


def test_busy_port_is_a_usage_error_that_points_to_the_running_page() -> None:
    sock = bind(0)
    port = sock.getsockname()[1]
    try:
        with pytest.raises(UsageError, match=rf"already be running: open http://127.0.0.1:{port}/"
                                             r".*--port"):
            bind(port)
        result = CliRunner().invoke(app, ["serve", "--port", str(port), "--no-browser"])
        assert result.exit_code == 2
        assert "may already be running" in result.output and "--port" in result.output
    finally:
        sock.close()


def test_serve_runs_and_cleans_up_on_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    tests = str(Path(__file__).parent)
    proc = subprocess.Popen([sys.executable, "-c", CHILD.format(tests=tests)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line, proc.stderr.read() if proc.stderr else line
        url = line.split()[3].rstrip("/")
        port = int(url.rsplit(":", 1)[1])
        page = httpx.get(url + "/", timeout=10)
        assert page.status_code == 200 and '<html lang="cy"' in page.text
        sid = httpx.post(url + "/api/sessions", headers={"Origin": url}, timeout=10).json()
        assert sid["session"]
        assert len(list(tmp_path.glob("postsafe-web-*"))) == 1
        # Not reachable on any other address of this machine.
        with socket.socket() as other:
            other.settimeout(2)
            try:
                addr = socket.gethostbyname(socket.gethostname())
            except OSError:
                addr = "127.0.0.1"
            if not addr.startswith("127."):
                assert other.connect_ex((addr, port)) != 0
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    deadline = time.monotonic() + 5
    while list(tmp_path.glob("postsafe-web-*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(tmp_path.glob("postsafe-web-*")) == []
