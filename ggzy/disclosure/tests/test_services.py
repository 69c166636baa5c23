"""The disclosure workflow on the real database: applying and tracking, the clock transitions,
replies, fees, the sweep, privacy — and every bad input from issue #4 refused with nothing changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction

from ggzy.audit.models import Event
from ggzy.audit.selectors import audit_verify
from ggzy.core.errors import (
    CalendarDataMissing,
    GgzyError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from ggzy.disclosure import selectors, services
from ggzy.disclosure.models import ClockEvent, DisclosureRequest, FeeNotice, Reminder, Reply
from ggzy.disclosure.tests.conftest import ADDRESS, EMAIL, ID_NUMBER, PHONE, applicant, at, info

pytestmark = pytest.mark.django_db
D = dt.date


def _snapshot() -> tuple[Any, ...]:
    rows = tuple(
        DisclosureRequest.objects.order_by("pk").values_list(
            "pk", "status", "due_date", "outcome", "received_on", "closed_on"
        )
    )
    return (
        rows,
        ClockEvent.objects.count(),
        Reply.objects.count(),
        FeeNotice.objects.count(),
        Event.objects.count(),
    )


@contextmanager
def refused(exc: type[GgzyError], match: str) -> Iterator[None]:
    """The call raises ``exc`` with the legal reason and leaves every table as it was."""
    before = _snapshot()
    with pytest.raises(exc, match=match):
        yield
    assert _snapshot() == before


# ---------------------------------------------------------------- applying and tracking


def test_online_application_waits_for_confirmation_then_runs(officer: Any) -> None:
    clock = at(2026, 2, 5)
    submitted = services.disclosure_request_submit(applicant=applicant(), info=info(), clock=clock)
    request = submitted.request
    assert request.status == "submitted"
    assert request.received_on is None
    assert request.due_date is None
    assert request.tracking_code.startswith("YSQ-2026-")
    assert len(request.tracking_code) == len("YSQ-2026-") + 8
    view = selectors.disclosure_request_track(
        tracking_code=request.tracking_code.lower(), secret=submitted.secret
    )
    assert view.status_label == "待确认受理"
    # Art. 31(三): confirmed the next day, which is day 0 → 12 March (see test_rules).
    request = services.disclosure_request_confirm_receipt(
        actor=officer, request=request, confirmed_on=D(2026, 2, 6), clock=at(2026, 2, 6)
    )
    assert (request.status, request.received_on, request.due_date) == (
        "processing",
        D(2026, 2, 6),
        D(2026, 3, 12),
    )
    actions = list(
        Event.objects.filter(
            target_type="disclosure.disclosurerequest", target_id=str(request.pk)
        ).values_list("action", "actor_id")
    )
    assert actions == [("disclosure.submit", None), ("disclosure.confirm_receipt", officer.pk)]
    assert audit_verify().ok


def test_tracking_with_wrong_secret_or_code_is_refused_alike(officer: Any) -> None:
    submitted = services.disclosure_request_submit(
        applicant=applicant(), info=info(), secret="my-pin-2026", clock=at(2026, 2, 5)
    )
    code = submitted.request.tracking_code
    assert selectors.disclosure_request_track(tracking_code=code, secret="my-pin-2026").tracking_code == code
    with refused(NotFound, "查询码或查询密码不正确"):
        selectors.disclosure_request_track(tracking_code=code, secret="wrong-pin")
    with refused(NotFound, "查询码或查询密码不正确"):
        selectors.disclosure_request_track(tracking_code="YSQ-2026-AAAAAAAA", secret="my-pin-2026")
    assert "my-pin-2026" not in DisclosureRequest.objects.get(pk=submitted.request.pk).secret_hash


@pytest.mark.parametrize(
    ("channel", "arrived", "confirmed", "received", "status"),
    [
        ("in_person", D(2026, 3, 2), None, D(2026, 3, 2), "processing"),
        ("oral", D(2026, 3, 2), None, D(2026, 3, 2), "processing"),
        ("post_signed", D(2026, 3, 2), None, D(2026, 3, 2), "processing"),
        ("post_unsigned", D(2026, 3, 2), D(2026, 3, 3), D(2026, 3, 3), "processing"),
        ("fax", D(2026, 3, 2), D(2026, 3, 4), D(2026, 3, 4), "processing"),
        ("email", D(2026, 3, 2), None, None, "submitted"),
    ],
)
def test_receipt_date_by_channel(
    officer: Any,
    channel: str,
    arrived: dt.date,
    confirmed: dt.date | None,
    received: dt.date | None,
    status: str,
) -> None:
    result = services.disclosure_request_register(
        actor=officer,
        channel=channel,
        applicant=applicant(),
        info=info(),
        arrived_on=arrived,
        confirmed_on=confirmed,
        clock=at(2026, 3, 5),
    )
    assert (result.request.received_on, result.request.status) == (received, status)


def test_in_person_receipt_date_cannot_be_moved(officer: Any) -> None:
    with refused(ValidationFailed, "第三十一条"):
        services.disclosure_request_register(
            actor=officer,
            channel="in_person",
            applicant=applicant(),
            info=info(),
            arrived_on=D(2026, 3, 2),
            confirmed_on=D(2026, 3, 4),
            clock=at(2026, 3, 5),
        )


def test_incomplete_application_refused(officer: Any) -> None:
    with refused(ValidationFailed, "第二十九条"):
        services.disclosure_request_submit(
            applicant=applicant(id_number="", phone="", email="", address=""),
            info=info(name="", delivery_method="post"),
            clock=at(2026, 3, 5),
        )
    with refused(ValidationFailed, "居民身份证号码不正确"):
        services.disclosure_request_submit(
            applicant=applicant(id_number="110105194912310021"), info=info(), clock=at(2026, 3, 5)
        )


def test_only_handling_staff_register(staff: dict[str, Any]) -> None:
    with refused(PermissionDenied, "信息公开工作人员"):
        services.disclosure_request_register(
            actor=staff["editor"],
            channel="in_person",
            applicant=applicant(),
            info=info(),
            arrived_on=D(2026, 3, 2),
            clock=at(2026, 3, 2),
        )


# ---------------------------------------------------------------- privacy


def test_pii_is_encrypted_at_rest_masked_and_every_view_audited(
    register: Callable[..., Any], officer: Any, staff: dict[str, Any]
) -> None:
    request = register(D(2026, 3, 2))
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM disclosure_disclosurerequest WHERE id = %s", [request.pk])
        raw = " ".join(str(v) for v in cursor.fetchone())
    for plain in (ID_NUMBER, PHONE, EMAIL, ADDRESS, "zhang.san"):
        assert plain not in raw
    assert raw.count("gf1.") == 4
    assert request.id_number_masked == "11************002X"
    assert request.phone_masked == "139****5678"
    assert request.email_masked == "z***@example.com"
    assert Event.objects.filter(action="disclosure.pii_view").count() == 0
    # No audit row carries the data either.
    assert not any(
        ID_NUMBER in str(d) or PHONE in str(d) for d in Event.objects.values_list("data", flat=True)
    )

    data = services.disclosure_pii_view(
        actor=officer, request=request, purpose="寄送答复", clock=at(2026, 3, 3)
    )
    assert (data.id_number, data.phone, data.email, data.address) == (ID_NUMBER, PHONE, EMAIL, ADDRESS)
    event = Event.objects.get(action="disclosure.pii_view")
    assert event.actor_id == officer.pk
    assert event.data["purpose"] == "寄送答复"
    assert ID_NUMBER not in str(event.data)
    with refused(PermissionDenied, "信息公开工作人员"):
        services.disclosure_pii_view(actor=staff["editor"], request=request)


def test_tracking_view_never_reveals_the_applicant(officer: Any) -> None:
    submitted = services.disclosure_request_submit(applicant=applicant(), info=info(), clock=at(2026, 2, 5))
    view = selectors.disclosure_request_track(
        tracking_code=submitted.request.tracking_code, secret=submitted.secret
    )
    assert "张三" not in str(view)
    assert ID_NUMBER not in str(view)


# ---------------------------------------------------------------- the full flow


def test_amendment_consultation_extension_partial_reply(
    register: Callable[..., Any], officer: Any, head: Any
) -> None:
    request = register(D(2026, 9, 1))
    # 20 working days from Tue 1 Sep: 9/2–9/4 = 1–3, 9/7–9/11 = 4–8, 9/14–9/18 = 9–13,
    # Sun 9/20 调休 = 14, 9/21–9/24 = 15–18, (中秋 9/25–27), 9/28–9/29 = 19–20 → 29 Sep.
    assert request.due_date == D(2026, 9, 29)
    request = services.disclosure_amendment_request(
        actor=officer,
        request=request,
        items="请写明所需开标记录的项目名称或项目编号",
        deadline=D(2026, 9, 17),
        on=D(2026, 9, 3),
        clock=at(2026, 9, 3),
    )
    assert (request.status, request.due_date) == ("awaiting_amendment", None)
    request = services.disclosure_amendment_receive(
        actor=officer, request=request, on=D(2026, 9, 10), clock=at(2026, 9, 10)
    )
    assert (request.status, request.due_date) == ("processing", D(2026, 10, 14))  # see test_rules
    request = services.disclosure_consultation_start(
        actor=officer, request=request, party="third_party", on=D(2026, 9, 14), clock=at(2026, 9, 14)
    )
    assert (request.status, request.due_date) == ("consulting", None)
    started = ClockEvent.objects.get(request=request, kind="consultation_started")
    # Answer within 15 working days of 14 Sep: 9/15–9/18 = 1–4, 9/20 = 5, 9/21–9/24 = 6–9,
    # 9/28–9/30 = 10–12, 10/8–10/9 = 13–14, Sat 10/10 = 15.
    assert started.until == D(2026, 10, 10)
    request = services.disclosure_consultation_end(
        actor=officer, request=request, on=D(2026, 9, 16), clock=at(2026, 9, 16)
    )
    # 9/15 and 9/16 excluded: the 14 October count moves two working days → 10/15 = 19, 10/16 = 20.
    assert request.due_date == D(2026, 10, 16)
    request = services.disclosure_extend(
        actor=officer,
        request=request,
        days=20,
        approved_by=head,
        reason="涉及多个项目的档案调阅",
        on=D(2026, 9, 17),
        clock=at(2026, 9, 17),
    )
    # 20 more: 10/19–10/23 = 1–5, 10/26–10/30 = 6–10, 11/2–11/6 = 11–15, 11/9–11/13 = 16–20.
    assert request.due_date == D(2026, 11, 13)
    reply = services.disclosure_reply(
        actor=officer,
        request=request,
        outcome="3.2",
        legal_basis="《中华人民共和国政府信息公开条例》第三十七条",
        text="部分公开，涉及第三方商业秘密的内容不予公开。",
        files=[("开标记录.pdf", b"%PDF-1.4 opening record")],
        replied_on=D(2026, 10, 20),
        clock=at(2026, 10, 20),
    )
    request.refresh_from_db()
    assert (request.status, request.outcome, request.closed_on) == ("closed", "3.2", D(2026, 10, 20))
    assert [f.name for f in reply.reply_files.all()] == ["开标记录.pdf"]
    services.disclosure_reply_mark_delivered(
        actor=officer, reply=reply, method="email", clock=at(2026, 10, 21)
    )
    actions = list(
        Event.objects.filter(
            target_type="disclosure.disclosurerequest", target_id=str(request.pk)
        ).values_list("action", flat=True)
    )
    assert actions == [
        "disclosure.register",
        "disclosure.amendment_request",
        "disclosure.amendment_receive",
        "disclosure.consultation_start",
        "disclosure.consultation_end",
        "disclosure.extend",
        "disclosure.reply",
        "disclosure.reply_delivered",
    ]
    assert audit_verify().ok
    stats = selectors.disclosure_stats(year=2026)
    assert stats.row("3.2").cells == [1, 0, 0, 0, 0, 0, 1]
    assert stats.all_passed


# ---------------------------------------------------------------- bad input (issue #4)


def test_reply_before_registration_refused(officer: Any) -> None:
    submitted = services.disclosure_request_submit(applicant=applicant(), info=info(), clock=at(2026, 3, 2))
    with refused(InvalidTransition, "尚未登记受理"):
        services.disclosure_reply(
            actor=officer,
            request=submitted.request,
            outcome="3.1",
            legal_basis="第三十六条",
            clock=at(2026, 3, 3),
        )


def test_two_outcomes_refused(register: Callable[..., Any], officer: Any) -> None:
    request = register(D(2026, 3, 2))
    reply = services.disclosure_reply(
        actor=officer, request=request, outcome="3.1", legal_basis="第三十六条第二项", clock=at(2026, 3, 3)
    )
    with refused(InvalidTransition, "只能有一个办理结果"):
        services.disclosure_reply(
            actor=officer,
            request=request,
            outcome="3.4.1",
            legal_basis="第三十六条第四项",
            clock=at(2026, 3, 4),
        )
    # The database refuses a second reply row too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Reply.objects.create(request=request, outcome="3.4.1", replied_on=D(2026, 3, 4))
    assert Reply.objects.get(request=request).pk == reply.pk


def test_unknown_outcome_refused(register: Callable[..., Any], officer: Any) -> None:
    request = register(D(2026, 3, 2))
    with refused(ValidationFailed, "21种情形"):
        services.disclosure_reply(
            actor=officer, request=request, outcome="3.3", legal_basis="x", clock=at(2026, 3, 3)
        )


def test_extension_rules(register: Callable[..., Any], officer: Any, head: Any) -> None:
    request = register(D(2026, 3, 2))
    clock = at(2026, 3, 10)
    with refused(ValidationFailed, "不得超过20个工作日"):
        services.disclosure_extend(
            actor=officer, request=request, days=21, approved_by=head, reason="复杂", clock=clock
        )
    with refused(PermissionDenied, "负责人同意"):
        services.disclosure_extend(
            actor=officer, request=request, days=10, approved_by=officer, reason="复杂", clock=clock
        )
    services.disclosure_extend(
        actor=officer, request=request, days=10, approved_by=head, reason="复杂", clock=clock
    )
    with refused(InvalidTransition, "延长只能一次"):
        services.disclosure_extend(
            actor=officer, request=request, days=5, approved_by=head, reason="还要", clock=clock
        )


def test_extension_after_the_period_ran_out_refused(
    register: Callable[..., Any], officer: Any, head: Any
) -> None:
    request = register(D(2026, 3, 2))  # due 30 March
    with refused(InvalidTransition, "届满后不能再延长"):
        services.disclosure_extend(
            actor=officer, request=request, days=10, approved_by=head, reason="迟了", clock=at(2026, 3, 31)
        )


def test_amendment_only_once_and_within_seven_working_days(
    register: Callable[..., Any], officer: Any
) -> None:
    late = register(D(2026, 2, 6))
    # Window: 7 working days after Fri 6 Feb is Tue 24 Feb (Sat 14 Feb 调休 counts, 春节 does not).
    with refused(ValidationFailed, "7个工作日内"):
        services.disclosure_amendment_request(
            actor=officer, request=late, items="写明文号", deadline=D(2026, 3, 6), clock=at(2026, 2, 25)
        )
    request = services.disclosure_amendment_request(
        actor=officer, request=late, items="写明文号", deadline=D(2026, 3, 6), clock=at(2026, 2, 24)
    )
    services.disclosure_amendment_receive(
        actor=officer, request=request, on=D(2026, 2, 26), clock=at(2026, 2, 26)
    )
    with refused(InvalidTransition, "一次性告知"):
        services.disclosure_amendment_request(
            actor=officer, request=request, items="再写明", deadline=D(2026, 3, 6), clock=at(2026, 2, 27)
        )


def test_fee_with_both_standards_refused(register: Callable[..., Any], officer: Any) -> None:
    request = register(D(2026, 3, 2))
    with refused(ValidationFailed, "只能适用一种收费标准"):
        services.disclosure_fee_notice_issue(
            actor=officer, request=request, standard="by_volume", pages=250, items=12, clock=at(2026, 3, 3)
        )


def test_date_outside_the_calendar_refused(officer: Any) -> None:
    clock = at(2027, 1, 5)
    with refused(CalendarDataMissing, "2027"):
        services.disclosure_request_register(
            actor=officer,
            channel="in_person",
            applicant=applicant(),
            info=info(),
            arrived_on=D(2027, 1, 4),
            clock=clock,
        )
    # Received in covered 2026, but its 20 working days run into uncovered 2027: refused too.
    with refused(CalendarDataMissing, "2027"):
        services.disclosure_request_register(
            actor=officer,
            channel="in_person",
            applicant=applicant(),
            info=info(),
            arrived_on=D(2026, 12, 28),
            clock=clock,
        )


def test_future_dates_refused(officer: Any) -> None:
    with refused(ValidationFailed, "不能晚于今天"):
        services.disclosure_request_register(
            actor=officer,
            channel="in_person",
            applicant=applicant(),
            info=info(),
            arrived_on=D(2026, 3, 10),
            clock=at(2026, 3, 2),
        )


def test_still_unclear_requires_an_amendment(register: Callable[..., Any], officer: Any) -> None:
    request = register(D(2026, 3, 2))
    with refused(ValidationFailed, "补正后申请内容仍不明确"):
        services.disclosure_reply(
            actor=officer, request=request, outcome="3.4.3", legal_basis="第三十条", clock=at(2026, 3, 5)
        )
    services.disclosure_amendment_request(
        actor=officer, request=request, items="写明名称", deadline=D(2026, 3, 13), clock=at(2026, 3, 3)
    )
    services.disclosure_amendment_receive(
        actor=officer, request=request, on=D(2026, 3, 6), clock=at(2026, 3, 6)
    )
    services.disclosure_reply(
        actor=officer, request=request, outcome="3.4.3", legal_basis="第三十条", clock=at(2026, 3, 9)
    )
    assert DisclosureRequest.objects.get(pk=request.pk).outcome == "3.4.3"


# ---------------------------------------------------------------- fees


def test_by_item_fee_counts_the_applicants_month(register: Callable[..., Any], officer: Any) -> None:
    requests = [register(D(2026, 3, 2 + (i % 5))) for i in range(12)]  # same applicant, 2–6 March
    requests += [register(D(2026, 3, 3), applicant={"id_number": "110105198001010016"})]  # someone else
    by_position = sorted(requests[:12], key=lambda r: (r.received_on, r.pk))
    clock = at(2026, 3, 9)
    with refused(ValidationFailed, "不收费"):
        services.disclosure_fee_notice_issue(
            actor=officer, request=by_position[0], standard="by_item", clock=clock
        )
    notice = services.disclosure_fee_notice_issue(
        actor=officer, request=by_position[11], standard="by_item", clock=clock
    )
    # The 12th application this month: items 11–30 cost 100 元 each.
    assert (notice.units, notice.amount) == (12, Decimal("100"))
    with refused(ValidationFailed, "不收费"):
        services.disclosure_fee_notice_issue(
            actor=officer, request=requests[12], standard="by_item", clock=clock
        )


def test_by_volume_fee_payment_resumes_the_clock(register: Callable[..., Any], officer: Any) -> None:
    request = register(D(2026, 3, 2))
    notice = services.disclosure_fee_notice_issue(
        actor=officer,
        request=request,
        standard="by_volume",
        pages=250,
        on=D(2026, 3, 10),
        clock=at(2026, 3, 10),
    )
    assert notice.amount == Decimal("4700")
    # Payment deadline: 20 working days after 10 Mar → 3/11–3/13 = 3, 3/16–4/3 = 18, 4/7–4/8 = 20.
    assert notice.deadline == D(2026, 4, 8)
    request.refresh_from_db()
    assert (request.status, request.due_date) == ("awaiting_fee", None)
    with refused(ValidationFailed, "不一致"):
        services.disclosure_fee_payment_record(
            actor=officer, request=request, amount=Decimal("100"), on=D(2026, 3, 17), clock=at(2026, 3, 17)
        )
    services.disclosure_fee_payment_record(
        actor=officer, request=request, amount=Decimal("4700"), on=D(2026, 3, 17), clock=at(2026, 3, 17)
    )
    request.refresh_from_db()
    assert (request.status, request.due_date) == ("processing", D(2026, 4, 7))  # 5 working days paused
    totals = selectors.fee_totals(year=2026)
    assert (totals.notices, totals.amount_due, totals.amount_paid) == (1, Decimal("4700"), Decimal("4700"))


# ---------------------------------------------------------------- the sweep


def test_sweep_closes_and_reminds_idempotently(register: Callable[..., Any], officer: Any) -> None:
    unanswered = register(D(2026, 3, 2))
    services.disclosure_amendment_request(
        actor=officer, request=unanswered, items="写明名称", deadline=D(2026, 3, 13), clock=at(2026, 3, 3)
    )
    unpaid = register(D(2026, 3, 2))
    services.disclosure_fee_notice_issue(
        actor=officer,
        request=unpaid,
        standard="by_volume",
        pages=40,
        deadline=D(2026, 3, 20),
        clock=at(2026, 3, 3),
    )
    running = register(D(2026, 3, 2))  # due Mon 30 March
    mail.outbox.clear()

    # 13 March: deadlines not yet passed; the running request has 11 working days left → nothing.
    quiet = services.disclosure_sweep(clock=at(2026, 3, 13))
    assert (quiet.closed_amendment, quiet.closed_fee, quiet.reminders) == ([], [], [])

    # 23 March: 补正 (13 Mar) and fee (20 Mar) deadlines have passed; 5 working days left on 30 Mar.
    result = services.disclosure_sweep(clock=at(2026, 3, 23))
    assert [r.request_id for r in result.closed_amendment] == [unanswered.pk]
    assert [r.request_id for r in result.closed_fee] == [unpaid.pk]
    assert [(r.request_id, r.kind) for r in result.reminders] == [(running.pk, "due_soon_5")]
    assert DisclosureRequest.objects.get(pk=unanswered.pk).outcome == "3.6.1"
    assert DisclosureRequest.objects.get(pk=unpaid.pk).outcome == "3.6.2"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["officer@example.gov.cn"]
    assert running.tracking_code in mail.outbox[0].subject
    assert "张三" not in mail.outbox[0].body

    again = services.disclosure_sweep(clock=at(2026, 3, 23))
    assert (again.closed_amendment, again.closed_fee, again.reminders) == ([], [], [])
    assert len(mail.outbox) == 1

    services.disclosure_sweep(clock=at(2026, 3, 27))  # 1 working day left
    services.disclosure_sweep(clock=at(2026, 3, 31))  # overdue
    assert list(Reminder.objects.filter(request=running).order_by("pk").values_list("kind", flat=True)) == [
        "due_soon_5",
        "due_soon_1",
        "overdue",
    ]
    assert len(mail.outbox) == 3
    assert audit_verify().ok


def test_sweep_outside_the_calendar_refuses_before_closing_anything(
    register: Callable[..., Any], officer: Any
) -> None:
    """2027 is not in the calendar: the sweep raises CalendarDataMissing before it closes the
    overdue 补正 or fee requests or sends a reminder (it used to close them, then fail)."""
    unanswered = register(D(2026, 12, 1))  # 20 working days run to 29 Dec 2026: covered
    services.disclosure_amendment_request(
        actor=officer, request=unanswered, items="写明名称", deadline=D(2026, 12, 10), clock=at(2026, 12, 2)
    )
    unpaid = register(D(2026, 12, 1))
    services.disclosure_fee_notice_issue(
        actor=officer,
        request=unpaid,
        standard="by_volume",
        pages=40,
        deadline=D(2026, 12, 15),
        clock=at(2026, 12, 2),
    )
    mail.outbox.clear()
    with refused(CalendarDataMissing, "2027"):
        services.disclosure_sweep(clock=at(2027, 1, 4))
    assert Reminder.objects.count() == 0
    assert mail.outbox == []
    # Inside the calendar the same sweep closes both.
    result = services.disclosure_sweep(clock=at(2026, 12, 21))
    assert [r.request_id for r in result.closed_amendment] == [unanswered.pk]
    assert [r.request_id for r in result.closed_fee] == [unpaid.pk]


def test_staff_lists_days_left_and_overdue(register: Callable[..., Any], officer: Any) -> None:
    early = register(D(2026, 2, 6))  # due 12 March
    later = register(D(2026, 3, 2))  # due 30 March
    overdue = selectors.disclosure_request_list_overdue(actor=officer, today=D(2026, 3, 16))
    assert [(r.request.pk, r.days_left) for r in overdue] == [(early.pk, -2)]
    soon = selectors.disclosure_request_list_due_soon(actor=officer, today=D(2026, 3, 23), within=5)
    assert [(r.request.pk, r.days_left) for r in soon] == [(later.pk, 5)]
    assert selectors.disclosure_request_list_staff(actor=officer).count() == 2


# ---------------------------------------------------------------- review cases and registries


def test_review_cases_and_table4(register: Callable[..., Any], officer: Any) -> None:
    request = register(D(2026, 3, 2))
    clock = at(2026, 12, 1)
    review = services.review_case_record(
        actor=officer, kind="administrative_review", filed_on=D(2026, 5, 6), request=request, clock=clock
    )
    services.review_case_decide(
        actor=officer, case=review, result="upheld", decided_on=D(2026, 7, 1), clock=clock
    )
    services.review_case_record(
        actor=officer, kind="lawsuit_after_review", filed_on=D(2026, 7, 20), previous=review, clock=clock
    )
    services.review_case_record(actor=officer, kind="lawsuit_direct", filed_on=D(2026, 6, 1), clock=clock)
    # The center sued only as the review body (co-defendant): recorded, not counted.
    services.review_case_record(
        actor=officer,
        kind="lawsuit_after_review",
        center_role="review_body_co_defendant",
        filed_on=D(2026, 8, 1),
        clock=clock,
    )
    table4 = selectors.disclosure_stats(year=2026).table4
    assert table4["review"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1}
    assert table4["lawsuit_direct"] == {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1}
    assert table4["lawsuit_after_review"] == {
        "upheld": 0,
        "corrected": 0,
        "other": 0,
        "pending": 1,
        "total": 1,
    }
    with refused(InvalidTransition, "审结（结果维持）"):
        services.review_case_decide(
            actor=officer, case=review, result="corrected", decided_on=D(2026, 7, 2), clock=clock
        )


def test_table2_from_the_registries(officer: Any) -> None:
    clock = at(2026, 12, 1)
    empty = selectors.table2_stats(year=2026)
    assert (empty.rules, empty.licence, empty.admin_fee_wan) == (
        {"issued": 0, "repealed": 0, "in_force": 0},
        0,
        Decimal("0.0000"),
    )
    old = services.normative_document_record(
        actor=officer, kind="normative_document", title="旧办法", issued_on=D(2025, 4, 1), clock=clock
    )
    services.normative_document_record(
        actor=officer, kind="normative_document", title="新办法", issued_on=D(2026, 4, 1), clock=clock
    )
    services.normative_document_repeal(actor=officer, document=old, repealed_on=D(2026, 4, 1), clock=clock)
    services.administrative_decision_record(
        actor=officer, kind="penalty", decided_on=D(2026, 6, 1), clock=clock
    )
    services.administrative_decision_record(
        actor=officer, kind="penalty", decided_on=D(2025, 6, 2), clock=clock
    )
    services.admin_fee_record(
        actor=officer, item="场地使用费", amount=Decimal("12345.00"), collected_on=D(2026, 6, 1), clock=clock
    )
    t2 = selectors.table2_stats(year=2026)
    assert t2.normative_documents == {"issued": 1, "repealed": 1, "in_force": 1}
    assert (t2.penalty, t2.licence, t2.enforcement) == (1, 0, 0)
    assert t2.admin_fee_wan == Decimal("1.2345")


# ---------------------------------------------------------------- input lengths (every column fits)

LENGTH_INPUTS = {
    "applicant_name": ("applicant", "name"),
    "contact_person": ("applicant", "contact_person"),
    "id_number": ("applicant", "id_number"),
    "phone": ("applicant", "phone"),
    "email": ("applicant", "email"),
    "address": ("applicant", "address"),
    "postcode": ("applicant", "postcode"),
    "info_name": ("info", "name"),
    "info_doc_number": ("info", "doc_number"),
    "info_description": ("info", "description"),
}


def _text_of(field: str, length: int) -> str:
    if field == "email":  # the worst case for the masked copy: a one-letter local part
        return "a@" + "b" * (length - 5) + ".cn"
    if field in ("id_number", "phone", "postcode"):
        return "1" * length
    return "长" * length


def _inputs(**values: str) -> tuple[Any, Any]:
    a: dict[str, str] = {"id_doc_type": "passport"}
    i: dict[str, str] = {}
    for field, value in values.items():
        where, name = LENGTH_INPUTS[field]
        (a if where == "applicant" else i)[name] = value
    return applicant(**a), info(**i)


@pytest.mark.parametrize("field", list(LENGTH_INPUTS))
def test_text_longer_than_its_limit_is_refused_in_chinese(officer: Any, field: str) -> None:
    label, limit = services.TEXT_LIMITS[field]
    a, i = _inputs(**{field: _text_of(field, limit + 1)})
    for call in (
        lambda: services.disclosure_request_submit(applicant=a, info=i, clock=at(2026, 3, 2)),
        lambda: services.disclosure_request_register(
            actor=officer,
            channel="in_person",
            applicant=a,
            info=i,
            arrived_on=D(2026, 3, 2),
            clock=at(2026, 3, 2),
        ),
    ):
        with refused(ValidationFailed, f"{label}不能超过{limit}个字符"):
            call()
    with pytest.raises(ValidationFailed) as caught:
        services.disclosure_request_submit(applicant=a, info=i, clock=at(2026, 3, 2))
    assert caught.value.code == "too_long"
    assert caught.value.fields == {field: f"不能超过{limit}个字符"}


def test_id_number_of_41_characters_is_refused_not_a_database_error(officer: Any) -> None:
    with refused(ValidationFailed, "身份证明号码不能超过40个字符"):
        services.disclosure_request_submit(
            applicant=applicant(id_doc_type="passport", id_number="E" * 41), info=info(), clock=at(2026, 3, 2)
        )


def test_every_text_at_its_limit_is_stored_whole(officer: Any) -> None:
    """On PostgreSQL a value one character too long for its column is a DataError: each limit
    must fit every column it lands in (including the masked copies)."""
    values = {field: _text_of(field, limit) for field, (_label, limit) in services.TEXT_LIMITS.items()}
    a, i = _inputs(**values)
    request = services.disclosure_request_submit(applicant=a, info=i, clock=at(2026, 3, 2)).request
    stored = DisclosureRequest.objects.get(pk=request.pk)
    assert stored.applicant_name == values["applicant_name"]
    assert stored.info_description == values["info_description"]
    assert len(stored.email_masked) == 120
    assert len(stored.id_number_masked) == 40
    shown = services.disclosure_pii_view(actor=officer, request=stored, clock=at(2026, 3, 2))
    assert (shown.id_number, shown.phone, shown.email, shown.address) == (
        values["id_number"],
        values["phone"],
        values["email"],
        values["address"],
    )
