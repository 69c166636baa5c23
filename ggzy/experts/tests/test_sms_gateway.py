"""The HTTP SMS gateway against a real provider shim on loopback (sms_shim.py checks signatures from
docs/formats/sms-gateway.md on its own): signed requests, retries on 5xx / timeouts / refused
connections only, one idempotency key per message across retries, results the callers record,
phone numbers checked before anything is sent, the secret never in a log; the settings that pick
the gateway; and a real expert draw notifying its experts through it."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.experts import services
from ggzy.experts.models import Seat
from ggzy.experts.notify import channel
from ggzy.experts.services import DemandInput
from ggzy.experts.sms import HttpSmsGateway, SmsResult
from ggzy.experts.tests.sms_shim import APP_SECRET, Shim, configure, running_shim
from ggzy.experts.tests.test_draw_flow import drawn

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def shim(settings: Any) -> Iterator[Shim]:
    with running_shim() as server:
        configure(settings, server)
        yield server


def _send(to: str = "13912345678", body: str = "【示范市公共资源交易中心】测试短信") -> SmsResult:
    result = channel("sms").send(to=to, subject="测试", body=body)
    assert isinstance(result, SmsResult)
    return result


def test_a_signed_message_is_sent_once_and_its_id_returned(shim: Shim) -> None:
    result = _send(to="+86 139-1234-5678")
    assert result.ok and result.message_id == "MSG00001" and result == "sms:MSG00001"
    assert result.attempts == 1 and result.error == ""
    assert len(shim.requests) == 1 and shim.requests[0].status == 200
    assert shim.sent == [
        {
            "idempotency_key": result.idempotency_key,
            "to": "13912345678",
            "text": "【示范市公共资源交易中心】测试短信",
        }
    ]


def test_a_500_is_retried_with_the_same_idempotency_key(shim: Shim) -> None:
    shim.script = ["500"]
    result = _send()
    assert result.ok and result.attempts == 2
    assert [r.status for r in shim.requests] == [500, 200]
    keys = {r.headers["idempotency-key"] for r in shim.requests}
    assert keys == {result.idempotency_key}
    # each attempt is signed afresh: a new nonce every time
    assert len({r.headers["x-ggzy-nonce"] for r in shim.requests}) == 2
    assert len(shim.sent) == 1


def test_a_read_timeout_is_retried_and_the_shim_sends_the_message_once(shim: Shim) -> None:
    # the first answer stalls past the 0.5 s read timeout after the shim has "sent" the message
    shim.script = ["stall"]
    result = _send()
    assert result.ok and result.attempts == 2
    assert len(shim.requests) == 2 and len({r.headers["idempotency-key"] for r in shim.requests}) == 1
    assert len(shim.sent) == 1 and result.message_id == "MSG00001"


def test_attempts_are_bounded_and_the_failure_is_returned_not_raised(shim: Shim) -> None:
    shim.script = ["500"] * 5
    result = _send()
    assert not result.ok and result == "" and not result
    assert result.attempts == 3 and len(shim.requests) == 3 and result.status == 500
    assert "短信发送失败" in result.error and "HTTP 500" in result.error and "运营商接口异常" in result.error
    assert shim.sent == []


def test_a_4xx_is_final(shim: Shim) -> None:
    shim.script = ["400"]
    result = _send()
    assert not result.ok and result.attempts == 1 and len(shim.requests) == 1
    assert (
        "短信平台拒绝发送" in result.error and "号码在黑名单中" in result.error and "HTTP 400" in result.error
    )


def test_a_wrong_secret_is_refused_by_the_shim_and_never_logged(
    shim: Shim, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.GGZY_SMS_APP_SECRET = "not-the-secret-" + APP_SECRET
    caplog.set_level(logging.DEBUG)
    result = _send()
    assert not result.ok and result.status == 401 and result.attempts == 1
    assert "签名" in result.error and "signature rejected" in result.error
    assert shim.sent == []
    for secret in (APP_SECRET, settings.GGZY_SMS_APP_SECRET):
        assert secret not in caplog.text and secret not in result.error
        assert secret not in repr(HttpSmsGateway())
    assert "13912345678" not in caplog.text and "139****5678" in caplog.text


def test_a_gateway_nobody_listens_on_fails_after_the_bounded_attempts(shim: Shim, settings: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.GGZY_SMS_URL = f"http://127.0.0.1:{port}/v1/sms/messages"
    result = _send()
    assert not result.ok and result.attempts == 3 and result.status is None
    assert "无法连接短信平台" in result.error and "cannot connect" in result.error


@pytest.mark.parametrize(
    "number",
    ["", "12345", "23912345678", "1391234567", "139123456789", "12012345678", "+1 139 1234 5678", "电话"],
)
def test_a_bad_number_is_refused_before_any_request(shim: Shim, number: str) -> None:
    result = _send(to=number)
    assert not result.ok and result.attempts == 0
    assert "手机号码无效" in result.error and "invalid mainland mobile number" in result.error
    assert shim.requests == []


def test_template_mode_sends_the_template_and_its_parameters(shim: Shim, settings: Any) -> None:
    settings.GGZY_SMS_TEMPLATE_ID = "SMS_0001"
    result = channel("sms").send(to="0086 13912345678", subject="评标专家抽取通知", body="正文")
    assert isinstance(result, SmsResult) and result.ok
    assert shim.sent[0]["template_id"] == "SMS_0001" and "text" not in shim.sent[0]
    assert shim.sent[0]["params"] == {"subject": "评标专家抽取通知", "content": "正文"}
    direct = HttpSmsGateway().send_template(to="13912345678", template_id="SMS_0002", params={"code": "1234"})
    assert direct.ok and shim.sent[1]["params"] == {"code": "1234"}


def test_an_unconfigured_gateway_reports_instead_of_raising(settings: Any) -> None:
    settings.GGZY_SMS_URL = ""
    result = HttpSmsGateway().send(to="13912345678", subject="s", body="b")
    assert isinstance(result, SmsResult) and not result.ok and "未配置" in result.error


def _settings_in_subprocess(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = (
        "import config.settings.base as b; "
        "print(getattr(b, 'GGZY_EXPERTS', {}).get('channels', {}).get('sms', ''))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_SMS_")}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean | env, capture_output=True, text=True, timeout=60
    )


def test_settings_select_the_http_gateway_when_the_url_is_set() -> None:
    chosen = _settings_in_subprocess(
        {
            "GGZY_SMS_URL": "https://sms.example.gov.cn/v1/sms",
            "GGZY_SMS_APP_KEY": "k",
            "GGZY_SMS_APP_SECRET": "s",
        }
    )
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.strip() == "ggzy.experts.sms.HttpSmsGateway"
    # a URL without its credentials does not fall back to the console: the settings refuse to load
    missing = _settings_in_subprocess({"GGZY_SMS_URL": "https://sms.example.gov.cn/v1/sms"})
    assert missing.returncode != 0 and "GGZY_SMS_APP_SECRET" in missing.stderr
    # no URL: the development console gateway (the experts' defaults)
    assert _settings_in_subprocess({}).stdout.strip() == ""


@pytest.mark.django_db
def test_an_expert_draw_notifies_its_experts_through_the_gateway(
    shim: Shim, world: Any, make_section: Any, make_expert: Any, expert_login: Any, eclock: FixedClock
) -> None:
    experts = [make_expert() for _ in range(5)]
    for e in experts:
        services.expert_profile_update(
            actor=expert_login(e),
            expert=e,
            title="工程师",
            title_level="intermediate",
            years=9,
            region="示范市",
            email="",
            phone="13900000000",
            preferred_channel="sms",
            clock=eclock,
        )
    shim.script = ["500"]  # the provider hiccups once: retried, still one SMS per expert
    draw = drawn(world, make_section(), eclock, demands=[DemandInput("A0801", 5, 0)])
    assert len(shim.sent) == 5 and len(shim.requests) == 6
    assert {m["to"] for m in shim.sent} == {"13900000000"}
    assert all(draw.ref in m["text"] and "评标专家" in m["text"] for m in shim.sent)
    assert set(Seat.objects.filter(draw=draw).values_list("channel", flat=True)) == {"sms"}
    notified = Event.objects.filter(action__endswith="expert_notified")
    assert notified.count() == 5 and all(e.data["delivered"] for e in notified)


@pytest.mark.django_db
def test_a_draw_stands_when_the_gateway_fails(
    shim: Shim, world: Any, make_section: Any, make_expert: Any, expert_login: Any, eclock: FixedClock
) -> None:
    for e in [make_expert() for _ in range(5)]:
        services.expert_profile_update(
            actor=expert_login(e),
            expert=e,
            title="工程师",
            title_level="intermediate",
            years=9,
            region="示范市",
            email="",
            phone="13900000000",
            preferred_channel="sms",
            clock=eclock,
        )
    shim.script = ["500"] * 15  # every attempt of every message
    draw = drawn(world, make_section(), eclock, demands=[DemandInput("A0801", 5, 0)])
    assert draw.status == "drawn" and shim.sent == []
    notified = Event.objects.filter(action__endswith="expert_notified")
    assert len(shim.requests) == 15
    assert notified.count() == 5 and not any(e.data["delivered"] for e in notified)


def test_the_documented_test_vector() -> None:
    """The vector in docs/formats/sms-gateway.md, checked by the shim's own check and the adapter."""
    import json
    import re

    from ggzy.experts.sms import sign
    from ggzy.experts.tests.sms_shim import _expected_signature

    doc = (ROOT / "docs" / "formats" / "sms-gateway.md").read_text(encoding="utf-8")
    example = re.search(r"```json\n(\{\"idempotency_key\":\"0f8e.*?\})\n```", doc)
    assert example is not None
    body = example.group(1).encode("utf-8")
    assert len(body) == 134 and json.loads(body)["to"] == "13912345678"
    documented = re.search(r"signature   = ([0-9a-f]{64})", doc)
    assert documented is not None
    args = ("POST", "/v1/sms/messages", "1785542400", "9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e", body)
    assert _expected_signature("test-secret-0123456789", *args) == documented.group(1)
    assert sign(
        secret="test-secret-0123456789",
        method="POST",
        path="/v1/sms/messages",
        timestamp="1785542400",
        nonce="9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e",
        body=body,
    ) == documented.group(1)
