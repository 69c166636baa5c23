"""The HTTP SMS gateway (短信平台) adapter: a :class:`ggzy.experts.notify.Channel` that posts each
message as a signed JSON request to the center's SMS endpoint (``GGZY_SMS_URL``). The wire format
is provider-neutral and documented in ``docs/formats/sms-gateway.md``, so a center puts a small shim
in front of its carrier / Aliyun / Tencent Cloud account.

* Every request is signed with HMAC-SHA256 (``GGZY_SMS_APP_SECRET``) over
  ``METHOD \\n PATH \\n TIMESTAMP \\n NONCE \\n hex(SHA-256(body))`` (:func:`canonical_string`).
* One idempotency key per message, the same for every retry of it: a shim that saw the key
  answers with the first message id and sends nothing again.
* Bounded retries on a connection error, a timeout or a 5xx answer only; a 4xx answer is final.
* :meth:`HttpSmsGateway.send` never raises for a provider problem or a bad number: it returns an
  :class:`SmsResult` — a ``str`` (``"sms:<provider message id>"``, empty when nothing was
  delivered, so ``bool(result)`` says whether it went out) carrying ``ok``, ``message_id`` and a
  bilingual ``error`` the caller records.

The secret is never logged nor put in a result; numbers are masked in logs.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import re
import secrets
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

SIGNATURE_VERSION = "GGZY-HMAC-SHA256"
MAX_RESPONSE_BYTES = 64 * 1024
_MOBILE = re.compile(r"1[3-9]\d{9}")


class SmsResult(str):
    """The outcome of one message. As a string it is the delivery reference the channel protocol
    returns (empty when not delivered); the attributes say what happened."""

    ok: bool
    message_id: str
    error: str
    attempts: int
    status: int | None
    idempotency_key: str

    def __new__(
        cls,
        *,
        ok: bool,
        message_id: str = "",
        error: str = "",
        attempts: int = 0,
        status: int | None = None,
        idempotency_key: str = "",
    ) -> SmsResult:
        result = super().__new__(cls, f"sms:{message_id}" if ok else "")
        result.ok = ok
        result.message_id = message_id
        result.error = error
        result.attempts = attempts
        result.status = status
        result.idempotency_key = idempotency_key
        return result


def normalise_mobile(raw: str) -> str | None:
    """The 11-digit mainland mobile number in ``raw`` (spaces, hyphens and a +86 / 0086 / 86
    prefix allowed), or None when it is not one."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    return digits if _MOBILE.fullmatch(digits) else None


def mask_mobile(number: str) -> str:
    return f"{number[:3]}****{number[-4:]}" if len(number) >= 7 else "***"


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical_string(*, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """What is signed (docs/formats/sms-gateway.md): five lines joined by ``\\n``, no trailing one."""
    return "\n".join([method.upper(), path, timestamp, nonce, body_digest(body)])


def sign(*, secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = canonical_string(method=method, path=path, timestamp=timestamp, nonce=nonce, body=body)
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def _failure(reason_zh: str, reason_en: str) -> str:
    return f"短信发送失败：{reason_zh} / SMS not sent: {reason_en}"


class _Retry(Exception):
    """One attempt failed in a way worth another (connection, timeout, 5xx)."""

    def __init__(self, error: str, status: int | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.status = status


class HttpSmsGateway:
    """Sends SMS through the center's HTTP SMS endpoint. Configured from settings
    (``GGZY_SMS_URL``, ``GGZY_SMS_APP_KEY``, ``GGZY_SMS_APP_SECRET``, ``GGZY_SMS_CONNECT_TIMEOUT``,
    ``GGZY_SMS_READ_TIMEOUT``, ``GGZY_SMS_MAX_ATTEMPTS``, ``GGZY_SMS_RETRY_BACKOFF``,
    ``GGZY_SMS_TEMPLATE_ID``); selected by ``GGZY_EXPERTS["channels"]["sms"]``."""

    def __init__(self) -> None:
        self.url = str(getattr(settings, "GGZY_SMS_URL", "") or "")
        self.app_key = str(getattr(settings, "GGZY_SMS_APP_KEY", "") or "")
        self._secret = str(getattr(settings, "GGZY_SMS_APP_SECRET", "") or "")
        self.connect_timeout = float(getattr(settings, "GGZY_SMS_CONNECT_TIMEOUT", 5))
        self.read_timeout = float(getattr(settings, "GGZY_SMS_READ_TIMEOUT", 10))
        self.max_attempts = max(1, int(getattr(settings, "GGZY_SMS_MAX_ATTEMPTS", 3)))
        self.backoff = max(0.0, float(getattr(settings, "GGZY_SMS_RETRY_BACKOFF", 0.5)))
        self.template_id = str(getattr(settings, "GGZY_SMS_TEMPLATE_ID", "") or "")

    def __repr__(self) -> str:  # the secret stays out of tracebacks and debug output
        return f"HttpSmsGateway(url={self.url!r}, app_key={self.app_key!r})"

    # The Channel protocol.
    def send(self, *, to: str, subject: str, body: str) -> str:
        """Send ``body`` as plain text, or — with ``GGZY_SMS_TEMPLATE_ID`` set — as that template
        with the parameters ``subject`` and ``content``."""
        if self.template_id:
            return self.send_template(
                to=to, template_id=self.template_id, params={"subject": subject, "content": body}
            )
        return self._deliver(to=to, payload={"text": body})

    def send_template(self, *, to: str, template_id: str, params: dict[str, str]) -> SmsResult:
        """Send a provider template (模板短信) with its parameters."""
        return self._deliver(
            to=to, payload={"template_id": template_id, "params": {str(k): str(v) for k, v in params.items()}}
        )

    def _deliver(self, *, to: str, payload: dict[str, Any]) -> SmsResult:
        number = normalise_mobile(to)
        if number is None:
            return self._give_up(
                to,
                SmsResult(
                    ok=False,
                    error=_failure("手机号码无效（应为11位大陆手机号）", "invalid mainland mobile number"),
                ),
            )
        target = urlsplit(self.url)
        if (
            target.scheme not in ("http", "https")
            or not target.hostname
            or not self.app_key
            or not self._secret
        ):
            return self._give_up(
                number,
                SmsResult(
                    ok=False,
                    error=_failure(
                        "短信平台未配置（GGZY_SMS_URL / GGZY_SMS_APP_KEY / GGZY_SMS_APP_SECRET）",
                        "SMS gateway not configured",
                    ),
                ),
            )
        key = uuid.uuid4().hex
        body = json.dumps(
            {"idempotency_key": key, "to": number, **payload}, ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")
        path = (target.path or "/") + (f"?{target.query}" if target.query else "")
        last = SmsResult(ok=False, idempotency_key=key)
        for attempt in range(1, self.max_attempts + 1):
            if attempt > 1 and self.backoff:
                time.sleep(self.backoff * 2 ** (attempt - 2))
            try:
                status, answer = self._post(target.scheme, target.hostname, target.port, path, body, key)
            except _Retry as exc:
                last = SmsResult(
                    ok=False, error=exc.error, attempts=attempt, status=exc.status, idempotency_key=key
                )
                logger.warning(
                    "sms to %s: attempt %d/%d failed: %s",
                    mask_mobile(number),
                    attempt,
                    self.max_attempts,
                    exc.error,
                )
                continue
            if 200 <= status < 300:
                message_id = str(answer.get("message_id") or "").strip()
                if not message_id:
                    return self._give_up(
                        number,
                        SmsResult(
                            ok=False,
                            error=_failure(
                                "短信平台应答缺少 message_id", "gateway answer without message_id"
                            ),
                            attempts=attempt,
                            status=status,
                            idempotency_key=key,
                        ),
                    )
                logger.info("sms to %s sent: %s (attempt %d)", mask_mobile(number), message_id, attempt)
                return SmsResult(
                    ok=True, message_id=message_id[:120], attempts=attempt, status=status, idempotency_key=key
                )
            # 4xx (and anything else not 5xx): the request itself was refused; a retry would be too.
            return self._give_up(
                number,
                SmsResult(
                    ok=False,
                    error=self._refusal(status, answer),
                    attempts=attempt,
                    status=status,
                    idempotency_key=key,
                ),
            )
        return self._give_up(number, last)

    def _post(
        self, scheme: str, host: str, port: int | None, path: str, body: bytes, key: str
    ) -> tuple[int, dict[str, Any]]:
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)  # fresh per attempt: a shim may refuse a nonce it has seen
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Idempotency-Key": key,
            "X-Ggzy-Key": self.app_key,
            "X-Ggzy-Timestamp": timestamp,
            "X-Ggzy-Nonce": nonce,
            "X-Ggzy-Signature-Version": SIGNATURE_VERSION,
            "X-Ggzy-Signature": sign(
                secret=self._secret, method="POST", path=path, timestamp=timestamp, nonce=nonce, body=body
            ),
        }
        connection_class = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        connection = connection_class(host, port, timeout=self.connect_timeout)
        try:
            try:
                connection.connect()
            except TimeoutError:
                raise _Retry(_failure("连接短信平台超时", "timed out connecting to the gateway")) from None
            except OSError as exc:
                raise _Retry(
                    _failure("无法连接短信平台", f"cannot connect to the gateway ({type(exc).__name__})")
                ) from None
            if connection.sock is not None:
                connection.sock.settimeout(self.read_timeout)
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                raw = response.read(MAX_RESPONSE_BYTES)
            except TimeoutError:
                raise _Retry(_failure("短信平台响应超时", "gateway read timed out")) from None
            except (OSError, http.client.HTTPException) as exc:
                raise _Retry(
                    _failure(
                        "与短信平台的连接中断", f"connection to the gateway failed ({type(exc).__name__})"
                    )
                ) from None
        finally:
            connection.close()
        try:
            answer = json.loads(raw.decode("utf-8")) if raw else {}
        except (UnicodeDecodeError, ValueError):
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        if response.status >= 500:
            raise _Retry(self._refusal(response.status, answer), status=response.status)
        return response.status, answer

    @staticmethod
    def _refusal(status: int, answer: dict[str, Any]) -> str:
        error = answer.get("error")
        detail = ""
        if isinstance(error, dict):
            detail = " ".join(str(error.get(k) or "") for k in ("code", "message")).strip()
        elif error:
            detail = str(error)
        detail = detail[:200]
        if status == 401:
            zh, en = (
                "短信平台拒绝了请求签名（请核对 AppKey/AppSecret 与服务器时间）",
                "signature rejected (HTTP 401)",
            )
        elif status >= 500:
            zh, en = f"短信平台内部错误（HTTP {status}）", f"gateway error (HTTP {status})"
        else:
            zh, en = f"短信平台拒绝发送（HTTP {status}）", f"gateway refused the message (HTTP {status})"
        return _failure(zh + (f"：{detail}" if detail else ""), en + (f": {detail}" if detail else ""))

    @staticmethod
    def _give_up(to: str, result: SmsResult) -> SmsResult:
        number = normalise_mobile(to)
        logger.warning("sms to %s not sent: %s", mask_mobile(number or to or ""), result.error)
        return result
