"""Fault test with real processes: a real ``ggzy serve`` on a throw-away SQLite file; a bidder
uploads a sealed envelope in chunks and the server is killed with SIGKILL in the middle of a
chunk. After a restart: no bid, no stored envelope, no receipt — and the upload resumes from the
offset the server committed, then finalises with a receipt that verifies."""

from __future__ import annotations

import datetime as dt
import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ggzy.sealing import envelope, kit, receipts
from ggzy.sealing.envelope import load_public_key

GGZY = str(Path(sys.executable).with_name("ggzy"))


@pytest.fixture(scope="module")
def child_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    var = tmp_path_factory.mktemp("ggzy-bids-var")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{var / 'child.sqlite3'}",
        "GGZY_VAR_DIR": str(var),
        "GGZY_MEDIA_ROOT": str(var / "files"),
        "PYTHONUNBUFFERED": "1",
    }
    subprocess.run([GGZY, "migrate", "--noinput", "-v", "0"], env=env, check=True, timeout=300)
    return env


def in_child(env: dict[str, str], code: str) -> Any:
    """Run ``code`` (an expression) with Django set up against the child's database; its JSON."""
    script = (
        "import django, json; django.setup(); from ggzy.trading.tests import bidkit; "
        f"print(json.dumps({code}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True, timeout=300
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"服务器进程已退出（退出码 {proc.returncode}）")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/trading/platform-key.pem")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError("服务器没有就绪")


def start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [GGZY, "serve", "--port", str(port), "--workers", "1", "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_ready(port, proc)
    return proc


def kill(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGKILL)  # the server's own process group (start_new_session)
    proc.wait(timeout=15)


class Session:
    def __init__(self, port: int, session: str) -> None:
        self.port = port
        self.cookies = {"sessionid": session}

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        if "csrftoken" in self.cookies:
            h["X-CSRFToken"] = self.cookies["csrftoken"]
        conn.request(method, path, body=body, headers=h)
        resp = conn.getresponse()
        data = resp.read()
        for key, value in resp.getheaders():
            if key.lower() == "set-cookie" and value.startswith("csrftoken="):
                self.cookies["csrftoken"] = value.split(";", 1)[0].split("=", 1)[1]
        conn.close()
        return resp.status, data

    def put(self, token: str, offset: int, chunk: bytes, total: int) -> Any:
        return self.request(
            "PUT",
            f"/trading/bid-uploads/{token}/",
            chunk,
            {
                "Content-Range": f"bytes {offset}-{offset + len(chunk) - 1}/{total}",
                "Content-Type": "application/octet-stream",
            },
        )


def test_kill_the_server_mid_upload_then_resume(child_env: dict[str, str], tmp_path: Path) -> None:
    info = in_child(child_env, "bidkit.fault_setup()")
    signing = kit.load_private_key(info["signing_key_pem"].encode())
    out = io.BytesIO()
    envelope.seal(
        io.BytesIO(os.urandom(600_000)),
        out,
        section=info["section_code"],
        bidder=info["bidder"],
        summary={"price": "9990000.00"},
        file_name="bid.pdf",
        bidder_public_key=info["public_pem"].encode(),
        signing_key=signing,
        created_at=dt.datetime.now(dt.UTC),
        chunk_size=65536,
    )
    data = out.getvalue()
    port = free_port()
    proc = start(child_env, port)
    try:
        s = Session(port, info["session"])
        status, _ = s.request("GET", f"/trading/sections/{info['section_pk']}/bid/")
        assert status == 200 and "csrftoken" in s.cookies
        status, body = s.request(
            "POST",
            f"/trading/sections/{info['section_pk']}/bid/uploads/",
            json.dumps({"total_size": len(data)}).encode(),
            {"Content-Type": "application/json"},
        )
        assert status == 201, body
        token = json.loads(body)["token"]
        step = 200_000
        assert s.put(token, 0, data[:step], len(data))[0] == 200
        # the next chunk: headers and half of its body, then SIGKILL while the server reads it
        sock = socket.create_connection(("127.0.0.1", port))
        head = (
            f"PUT /trading/bid-uploads/{token}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Cookie: sessionid={info['session']}; csrftoken={s.cookies['csrftoken']}\r\n"
            f"X-CSRFToken: {s.cookies['csrftoken']}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Range: bytes {step}-{2 * step - 1}/{len(data)}\r\nContent-Length: {step}\r\n\r\n"
        )
        sock.sendall(head.encode() + data[step : step + step // 2])
        time.sleep(1.0)
        kill(proc)
        sock.close()
    finally:
        if proc.poll() is None:
            kill(proc)

    state = in_child(child_env, f"bidkit.fault_state({info['section_pk']})")
    assert state["bids"] == 0 and state["receipts"] == 0 and state["envelopes"] == 0
    [upload] = state["uploads"]
    assert upload["status"] == "open" and upload["received"] == step

    # restart: resume from the committed offset, finalise, get a receipt that verifies
    port = free_port()
    proc = start(child_env, port)
    try:
        s = Session(port, info["session"])
        s.request("GET", f"/trading/sections/{info['section_pk']}/bid/")
        status, body = s.request("GET", f"/trading/bid-uploads/{token}/")
        offset = json.loads(body)["received"]
        assert offset == step
        while offset < len(data):
            status, body = s.put(token, offset, data[offset : offset + step], len(data))
            assert status == 200, body
            offset = json.loads(body)["received"]
        status, body = s.request("POST", f"/trading/bid-uploads/{token}/finalise/")
        assert status == 201, body
        receipt = json.loads(body)["receipt"]
        status, platform = s.request("GET", "/trading/platform-key.pem")
        assert status == 200
        load_public_key(platform)
        checked = receipts.verify_receipt(platform, receipt)
        assert (
            checked.envelope_sha256
            == envelope.verify_envelope(io.BytesIO(data), signer=signing.public_key()).envelope_sha256
        )
    finally:
        kill(proc)
    state = in_child(child_env, f"bidkit.fault_state({info['section_pk']})")
    assert state["bids"] == 1 and state["receipts"] == 1 and state["envelopes"] == 1
    assert state["uploads"][0]["status"] == "finalised" and state["uploads"][0]["temp_size"] is None
