"""Telling the bidder about a clarification request (ADR 0026): after the request commits, an SMS
through the platform's gateway (the development ConsoleGateway, as the experts' draw tests use)
and an e-mail through Django's real SMTP backend to a real SMTP server on loopback (aiosmtpd);
every attempt recorded; a failing channel never undoes the request; the reminder before the
deadline, once however often the worker runs; the committee's page shows the deliveries."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.test import Client

from ggzy.audit.models import Event
from ggzy.core.clock import SHANGHAI, FixedClock
from ggzy.evaluation import clarify_workflow as cw
from ggzy.evaluation import services, tasks
from ggzy.evaluation.models import Clarification, ClarificationDelivery
from ggzy.evaluation.tests.test_clarifications import _ask, _declare_and_elect
from ggzy.experts.notify import ConsoleGateway

pytestmark = pytest.mark.django_db

PHONE, MAIL = "13912345678", "lianxi@yi-shebei.example.cn"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Inbox:
    """aiosmtpd handler keeping every message it accepted."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings: Any) -> Iterator[_Inbox]:
    """A real SMTP server on 127.0.0.1 and Django's real SMTP backend pointed at it."""
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    settings.GGZY_SITE_URL = "https://ggzy.example.gov.cn"
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def timed(monkeypatch: Any, eclock: FixedClock) -> FixedClock:
    monkeypatch.setattr(tasks, "clock", eclock)
    return eclock


@pytest.fixture
def contact(world: Any) -> Any:
    """The answering user of 乙 (bid B2) with a phone and an e-mail address."""
    user = world.bidders[1]
    user.phone, user.email = PHONE, MAIL
    user.save(update_fields=["phone", "email"])
    return user


def _beijing(moment: dt.datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def test_request_reaches_the_bidder_by_sms_and_email_after_commit(
    world: Any,
    room: Any,
    timed: FixedClock,
    smtp: _Inbox,
    contact: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _declare_and_elect(world, room, timed)
    sms_before = len(ConsoleGateway.outbox)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = _ask(world, room, timed)
    # nothing leaves before the commit
    assert smtp.messages == [] and len(ConsoleGateway.outbox) == sms_before
    assert len(callbacks) == 1
    callbacks[0]()

    deadline = _beijing(row.deadline)
    link = f"https://ggzy.example.gov.cn/evaluation/clarifications/{row.pk}/"
    assert len(smtp.messages) == 1
    rcpt, message = smtp.messages[0]
    assert rcpt == [MAIL]
    assert str(message["Subject"]).startswith("评标澄清要求：")
    text = message.get_content()
    assert deadline in text and "北京时间" in text and link in text and "乙设备有限公司" in text
    assert len(ConsoleGateway.outbox) == sms_before + 1
    to, body = ConsoleGateway.outbox[-1]
    assert to == PHONE and deadline in body and link in body
    # 10:00 Beijing + 2 h: the deadline is written in Beijing time, not UTC
    assert deadline == "2026-06-10 12:00"

    rows = list(ClarificationDelivery.objects.filter(clarification=row).order_by("channel"))
    assert [(d.channel, d.ok, d.purpose, d.recipient_id) for d in rows] == [
        ("email", True, "request", contact.pk),
        ("sms", True, "request", contact.pk),
    ]
    assert rows[0].address == "l***@yi-shebei.example.cn" and rows[1].address == "139****5678"
    assert MAIL not in rows[0].reference and rows[0].attempted_at == timed.now()
    event = Event.objects.get(action="evaluation.clarification_notified", target_id=str(row.pk))
    assert [d["ok"] for d in event.data["deliveries"]] == [True, True]
    # a repeated task tells nobody twice
    assert services.clarification_notify(clarification_id=row.pk, purpose=cw.REQUEST, clock=timed) == []
    assert len(smtp.messages) == 1


def test_failing_smtp_is_recorded_and_the_request_stands(
    world: Any,
    room: Any,
    timed: FixedClock,
    settings: Any,
    contact: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # a real SMTP backend against a port where nothing listens: connection refused
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": _free_port(), "timeout": 5},
        }
    }
    _declare_and_elect(world, room, timed)
    sms_before = len(ConsoleGateway.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        row = _ask(world, room, timed)
    row.refresh_from_db()
    assert row.status == cw.SENT
    failed = ClarificationDelivery.objects.get(clarification=row, channel="email")
    assert failed.ok is False and failed.error  # e.g. ConnectionRefusedError: …
    assert ClarificationDelivery.objects.get(clarification=row, channel="sms").ok is True
    assert len(ConsoleGateway.outbox) == sms_before + 1

    chair = Client()
    chair.force_login(world.experts[0])
    page = chair.get(f"/manage/evaluation/{room.pk}/clarifications/{row.pk}/").content.decode()
    assert "短信与邮件通知记录" in page and "失败：" in page and "成功" in page
    assert f"已通知（{_beijing(timed.now())}）" in page  # the SMS got through
    assert MAIL not in page and PHONE not in page  # masked addresses only


def test_bidder_without_contacts_is_recorded_as_not_notified(
    world: Any, room: Any, timed: FixedClock, django_capture_on_commit_callbacks: Any
) -> None:
    _declare_and_elect(world, room, timed)
    with django_capture_on_commit_callbacks(execute=True):
        row = _ask(world, room, timed)
    only = ClarificationDelivery.objects.get(clarification=row)
    assert only.channel == "" and only.ok is False and only.error == cw.NO_CONTACT
    chair = Client()
    chair.force_login(world.experts[0])
    listing = chair.get(f"/manage/evaluation/{room.pk}/clarifications/").content.decode()
    assert "通知失败" in listing


def test_rolled_back_or_withdrawn_requests_send_nothing(
    world: Any,
    room: Any,
    timed: FixedClock,
    smtp: _Inbox,
    contact: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _declare_and_elect(world, room, timed)
    sms_before = len(ConsoleGateway.outbox)

    def send_then_fail() -> None:
        with transaction.atomic():
            _ask(world, room, timed)
            raise RuntimeError("the caller's transaction fails after the send")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        send_then_fail()
    assert callbacks == [] and not Clarification.objects.exists()
    # withdrawn before the queued task ran: the bidder is not told about a dead request
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = _ask(world, room, timed)
    services.clarification_withdraw(actor=world.experts[0], clarification=row, reason="重复", clock=timed)
    for callback in callbacks:
        callback()
    assert not ClarificationDelivery.objects.exists()
    assert smtp.messages == [] and len(ConsoleGateway.outbox) == sms_before


def test_reminder_before_the_deadline_once(
    world: Any,
    room: Any,
    timed: FixedClock,
    smtp: _Inbox,
    contact: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.GGZY_EVALUATION_CLARIFICATION_REMIND_MINUTES = 30
    _declare_and_elect(world, room, timed)
    with django_capture_on_commit_callbacks(execute=True):
        waiting = _ask(world, room, timed)
        answered = _ask(world, room, timed, ref="B3")
        short = _ask(world, room, timed, deadline=timed.now() + dt.timedelta(minutes=20))
    services.clarification_answer(
        actor=world.bidders[2],
        clarification=answered,
        answer="交货期 30 天。",
        confirm_notice=True,
        clock=timed,
    )
    before = len(smtp.messages)
    timed.advance(minutes=60)  # 60 min before the deadline: not yet
    assert services.clarification_reminders_due(clock=timed) == 0
    timed.advance(minutes=35)  # 25 min before the deadline
    with django_capture_on_commit_callbacks(execute=True):
        assert services.clarification_reminders_due(clock=timed) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.clarification_reminders_due(clock=timed) == 0  # a second worker tick
    reminders = ClarificationDelivery.objects.filter(purpose=cw.REMINDER)
    assert {d.clarification_id for d in reminders} == {waiting.pk}
    assert sorted(d.channel for d in reminders) == ["email", "sms"]
    assert len(smtp.messages) == before + 1
    _, message = smtp.messages[-1]
    assert str(message["Subject"]).startswith("评标澄清即将截止") and "尚未答复" in message.get_content()
    assert Clarification.objects.get(pk=short.pk).reminded_at is None  # sent inside the window


def test_notice_text_and_masks_are_pure() -> None:
    subject, body = cw.notice_text(
        purpose=cw.REQUEST,
        center="示范市公共资源交易中心",
        bidder="甲公司",
        kind=cw.ABNORMAL_PRICE,
        section="S1 标段",
        deadline_local="2026-06-10 12:00",
        link="https://x/evaluation/clarifications/1/",
    )
    assert subject == "评标异常低价说明要求：S1 标段"
    assert body.startswith("【示范市公共资源交易中心】甲公司：") and "2026-06-10 12:00（北京时间）" in body
    assert cw.mask_address("sms", "13912345678") == "139****5678"
    assert cw.mask_address("email", "a@b.cn") == "a***@b.cn" and cw.mask_address("email", "bad") == "***"
    at = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC)
    assert cw.notice_state([]) == ("待发送", None)
    assert cw.notice_state([("request", False, at)]) == ("通知失败", None)
    assert cw.notice_state([("request", False, at), ("request", True, at)]) == ("已通知", at)
    assert cw.notice_state([("reminder", True, at)]) == ("待发送", None)


def test_worker_tick_sends_the_reminder(
    world: Any,
    room: Any,
    eclock: FixedClock,
    smtp: _Inbox,
    contact: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from ggzy.core.clock import system_clock
    from ggzy.platform.management.commands.worker import run_tick

    _declare_and_elect(world, room, eclock)
    # asked 100 minutes ago (server time) with the default 2 hours: 20 minutes left now
    asked = FixedClock(system_clock.now() - dt.timedelta(minutes=100))
    with django_capture_on_commit_callbacks(execute=False):
        row = _ask(world, room, asked)
    with django_capture_on_commit_callbacks(execute=True):
        results = run_tick()
    assert results["clarification_reminders"] == 1
    row.refresh_from_db()
    assert row.reminded_at is not None
    assert sorted(
        ClarificationDelivery.objects.filter(clarification=row, purpose=cw.REMINDER).values_list(
            "channel", "ok"
        )
    ) == [("email", True), ("sms", True)]
    assert [rcpt for rcpt, _ in smtp.messages] == [[MAIL]]
