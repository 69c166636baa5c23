"""``ggzy serve``: the granian command line, and a real start serving /static/ without Django."""

from __future__ import annotations

import subprocess
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ggzy.platform import bench
from ggzy.platform.tests.conftest import GGZY


def command_line(*args: str) -> str:
    out = StringIO()
    call_command("serve", "--print-command", *args, stdout=out)
    return out.getvalue()


def test_granian_wsgi_with_static_files() -> None:
    line = command_line("--port", "8123", "--workers", "3", "--threads", "2")
    assert "granian" in line.split()[0]
    assert "--interface wsgi" in line
    assert "--port 8123" in line and "--workers 3" in line and "--blocking-threads 2" in line
    assert "--static-path-route /static" in line and "--static-path-mount" in line
    assert line.strip().endswith("config.wsgi:application")


def test_port_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "8765")
    assert "--port 8765" in command_line()
    assert "--port 9000" in command_line("--port", "9000")  # the option wins


@pytest.mark.parametrize(
    "args",
    [["--port", "abc"], ["--port", "0"], ["--port", "70000"], ["--workers", "0"], ["--threads", "999"]],
)
def test_bad_arguments_exit_2(args: list[str]) -> None:
    with pytest.raises(CommandError) as exc:
        command_line(*args)
    assert exc.value.returncode == 2


def test_serves_static_with_granian_and_pages_with_django(child_env: dict[str, str]) -> None:
    port = bench.free_port()
    proc = subprocess.Popen(
        [GGZY, "serve", "--port", str(port), "--log-level", "warning"],
        env=child_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        bench.wait_ready(f"http://127.0.0.1:{port}/static/ggzy/site.css", timeout=60, process=proc)
        status, size = bench.http_get(f"http://127.0.0.1:{port}/static/ggzy/site.css")
        assert status == 200 and size > 100
        status, _ = bench.http_get(f"http://127.0.0.1:{port}/")
        assert status == 200
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    time.sleep(0.1)
