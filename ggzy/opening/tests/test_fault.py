"""Kill the server process (SIGKILL) while it decrypts a large bid; restart: nothing was
half-recorded, and the same key opens the bid exactly once afterwards (real subprocesses, a
shared SQLite file and media directory)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _run(phase: str, state: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ggzy.opening.tests.fault_scenario", phase, str(state)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    env["FAULT_BID_BYTES"] = str(96 << 20)
    return env


def test_kill_during_decryption_then_restart(tmp_path: Path) -> None:
    _run("setup", tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ggzy.opening.tests.fault_scenario", "decrypt", str(tmp_path)],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "decrypting"
    # wait until the decrypted temp file is growing, i.e. the process is mid-decryption
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        parts = list((tmp_path / "tmp").glob("opening-*"))
        if parts and parts[0].stat().st_size > (8 << 20):
            break
        time.sleep(0.02)
    else:
        proc.kill()
        pytest.fail("decryption never started")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    status = json.loads(_run("status", tmp_path).stdout)
    assert status["opened"] == [] and status["bid_status"] == "submitted"
    assert "bid_decrypted" not in status["events"] and status["state"] == "decrypting"
    # restarted: the bidder's key is posted again and the opening continues where it was
    out = _run("decrypt", tmp_path).stdout.splitlines()
    assert out[0] == "decrypting" and json.loads(out[1])["opened"]
    again = _run("decrypt", tmp_path).stdout.splitlines()  # a duplicate submission records nothing
    assert json.loads(again[1])["opened"] == json.loads(out[1])["opened"]
    status = json.loads(_run("status", tmp_path).stdout)
    assert len(status["opened"]) == 1 and status["bid_status"] == "decrypted"
    assert status["events"].count("bid_decrypted") == 1
