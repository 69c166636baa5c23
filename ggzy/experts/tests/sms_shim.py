"""A provider shim for the SMS gateway tests: a real HTTP server on 127.0.0.1 (``http.server`` in a
thread) that checks each request exactly as docs/formats/sms-gateway.md tells a center's shim to —
written here from that document, independently of ``ggzy.experts.sms`` — records every request,
"sends" each idempotency key once, and can be told to answer 500, stall or refuse."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

APP_KEY = "ggzy-test-app"
APP_SECRET = "s3cr3t-不要记录-0123456789abcdef"
PATH = "/v1/sms/messages"


@dataclass
class Received:
    headers: dict[str, str]
    body: dict[str, Any]
    status: int


@dataclass
class Shim:
    """What the shim saw and how it should behave. ``script`` holds the answers for the next
    requests, in order (``"500"``, ``"stall"``, ``"400"``); when empty, it answers normally."""

    port: int = 0
    secret: str = APP_SECRET
    script: list[str] = field(default_factory=list)
    stall_seconds: float = 1.5
    requests: list[Received] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)  # one per message really "sent"
    ids: dict[str, str] = field(default_factory=dict)  # idempotency key -> message id
    nonces: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"


def _expected_signature(secret: str, method: str, path: str, ts: str, nonce: str, body: bytes) -> str:
    # The document: METHOD, path as sent, timestamp, nonce, lowercase hex SHA-256 of the body,
    # joined by "\n"; HMAC-SHA256 with the app secret (UTF-8); lowercase hex.
    canonical = f"{method}\n{path}\n{ts}\n{nonce}\n{hashlib.sha256(body).hexdigest()}"
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def _handler(shim: Shim) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client gave up (timeout): nobody to answer
                self.wfile.write(data)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                body = json.loads(raw)
            except ValueError:
                body = {}
            status, payload = self._decide(headers, raw, body)
            with shim.lock:
                shim.requests.append(Received(headers=headers, body=body, status=status))
            if payload.get("_stall"):
                time.sleep(shim.stall_seconds)
                payload = {"message_id": payload["message_id"]}
            self._answer(status, payload)

        def _decide(
            self, headers: dict[str, str], raw: bytes, body: dict[str, Any]
        ) -> tuple[int, dict[str, Any]]:
            ts, nonce = headers.get("x-ggzy-timestamp", ""), headers.get("x-ggzy-nonce", "")
            expected = _expected_signature(shim.secret, "POST", self.path, ts, nonce, raw)
            if (
                headers.get("x-ggzy-key") != APP_KEY
                or headers.get("x-ggzy-signature-version") != "GGZY-HMAC-SHA256"
                or not hmac.compare_digest(expected, headers.get("x-ggzy-signature", ""))
            ):
                return 401, {"error": {"code": "bad_signature", "message": "签名错误"}}
            if not ts.isdigit() or abs(time.time() - int(ts)) > 300:
                return 401, {"error": {"code": "stale", "message": "时间戳过期"}}
            with shim.lock:
                if nonce in shim.nonces:
                    return 401, {"error": {"code": "replay", "message": "重复的 nonce"}}
                shim.nonces.add(nonce)
                key = headers.get("idempotency-key", "")
                if not key or body.get("idempotency_key") != key:
                    return 400, {"error": {"code": "no_key", "message": "缺少幂等键"}}
                step = shim.script.pop(0) if shim.script else ""
                if step == "500":
                    return 500, {"error": {"code": "upstream", "message": "运营商接口异常"}}
                if step == "400":
                    return 400, {"error": {"code": "blacklisted", "message": "号码在黑名单中"}}
                if key not in shim.ids:  # the first time this message is seen: "send" it once
                    shim.ids[key] = f"MSG{len(shim.ids) + 1:05d}"
                    shim.sent.append(body)
                message_id = shim.ids[key]
            if step == "stall":
                return 200, {"message_id": message_id, "_stall": True}
            return 200, {"message_id": message_id}

    return Handler


@contextmanager
def running_shim() -> Iterator[Shim]:
    shim = Shim()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(shim))
    server.daemon_threads = True
    shim.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield shim
    finally:
        server.shutdown()
        server.server_close()


def configure(settings: Any, shim: Shim, **overrides: Any) -> None:
    """Point the platform's SMS channel at ``shim`` through settings, as production does."""
    settings.GGZY_SMS_URL = shim.url
    settings.GGZY_SMS_APP_KEY = APP_KEY
    settings.GGZY_SMS_APP_SECRET = APP_SECRET
    settings.GGZY_SMS_CONNECT_TIMEOUT = 2
    settings.GGZY_SMS_READ_TIMEOUT = 0.5
    settings.GGZY_SMS_MAX_ATTEMPTS = 3
    settings.GGZY_SMS_RETRY_BACKOFF = 0
    settings.GGZY_SMS_TEMPLATE_ID = ""
    settings.GGZY_EXPERTS = {
        "channels": {
            "email": "ggzy.experts.notify.EmailChannel",
            "sms": "ggzy.experts.sms.HttpSmsGateway",
            "voice": "ggzy.experts.notify.ConsoleGateway",
        }
    }
    for name, value in overrides.items():
        setattr(settings, name, value)
