"""The periodic sweep (`ggzy disclosure sweep`, also run by `ggzy worker`): deadline reminders to
the disclosure officers, and the automatic closures. Idempotent: running it twice on the same day
sends and closes nothing more."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.disclosure import deadlines
from ggzy.disclosure.choices import ClockEventKind, RequestStatus
from ggzy.disclosure.config import disclosure_rules
from ggzy.disclosure.models import DisclosureRequest, Reminder, Reply
from ggzy.disclosure.services import _common as c
from ggzy.disclosure.services.replies import (
    disclosure_close_unanswered_amendment,
    disclosure_close_unpaid_fee,
)

OVERDUE = "overdue"


@dataclass
class SweepResult:
    reminders: list[Reminder] = field(default_factory=list)
    closed_amendment: list[Reply] = field(default_factory=list)
    closed_fee: list[Reply] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "reminders": [f"{r.request.tracking_code} {r.kind}" for r in self.reminders],
            "closed_amendment": [r.request.tracking_code for r in self.closed_amendment],
            "closed_fee": [r.request.tracking_code for r in self.closed_fee],
        }


def _officer_emails() -> list[str]:
    return sorted(
        set(
            User.objects.filter(role_grants__role=Role.DISCLOSURE_OFFICER, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


def _reminder_kind(days_left: int, thresholds: tuple[int, ...]) -> str | None:
    if days_left < 0:
        return OVERDUE
    for n in sorted(thresholds):
        if days_left <= n:
            return f"due_soon_{n}"
    return None


def _message(request: DisclosureRequest, due: dt.date, days_left: int) -> tuple[str, str]:
    when = (
        f"已超过答复期限 {-days_left} 个工作日" if days_left < 0 else f"距答复期限还有 {days_left} 个工作日"
    )
    subject = f"【依申请公开】{request.tracking_code} {when}"
    body = (
        f"申请编号：{request.tracking_code}\n"
        f"申请人类型：{request.get_applicant_kind_display()}\n"
        f"所需信息：{request.info_name or request.info_doc_number or request.info_description[:60]}\n"
        f"收到日期：{request.received_on}\n"
        f"答复期限：{due}（{when}）\n\n"
        "请登录后台及时办理。本邮件不含申请人个人信息。"
    )
    return subject, body


def disclosure_reminders_send(*, clock: Clock = system_clock) -> list[Reminder]:
    """E-mail the officers about running requests due within the configured working days (and once
    when overdue). Each reminder is recorded before its mail is sent, in one transaction, so a
    failed send is retried by the next sweep and a sent one is never repeated."""
    today = c.today(clock)
    cal = c.calendar()
    rules = disclosure_rules()
    recipients = _officer_emails()
    sent: list[Reminder] = []
    candidates = DisclosureRequest.objects.filter(
        status__in=[RequestStatus.PROCESSING], due_date__isnull=False
    ).order_by("due_date", "pk")
    for request in candidates:
        assert request.due_date is not None
        days_left = deadlines.working_days_left(request.due_date, today, cal)
        kind = _reminder_kind(days_left, rules.reminder_days)
        if kind is None:
            continue
        if Reminder.objects.filter(request=request, kind=kind, due_date=request.due_date).exists():
            continue
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(
                    request=request,
                    kind=kind,
                    due_date=request.due_date,
                    recipients=",".join(recipients),
                    sent_at=clock.now(),
                )
                if recipients:
                    subject, body = _message(request, request.due_date, days_left)
                    send_mail(subject, body, None, recipients)
                c.audit(
                    request,
                    actor=None,
                    action="disclosure.reminder",
                    clock=clock,
                    kind=kind,
                    due_date=request.due_date,
                    days_left=days_left,
                    recipients=len(recipients),
                )
        except IntegrityError:  # a concurrent sweep recorded it first
            continue
        sent.append(reminder)
    return sent


def disclosure_sweep(*, clock: Clock = system_clock) -> SweepResult:
    """Automatic closures first (a closed request needs no reminder), then reminders.

    Today must be inside the working-day calendar: a day of a year nobody entered raises
    ``CalendarDataMissing`` before anything is closed or sent (the reminders could not count the
    days left, and closing without them would leave a half-done sweep)."""
    today = c.today(clock)
    c.calendar().is_working_day(today)  # CalendarDataMissing first, before any change
    result = SweepResult()
    amendment_overdue = (
        DisclosureRequest.objects.filter(
            status=RequestStatus.AWAITING_AMENDMENT,
            clock_events__kind=ClockEventKind.AMENDMENT_REQUESTED,
            clock_events__until__lt=today,
        )
        .distinct()
        .order_by("pk")
    )
    for request in amendment_overdue:
        reply = disclosure_close_unanswered_amendment(request=request, clock=clock)
        if reply is not None:
            result.closed_amendment.append(reply)
    fee_overdue = DisclosureRequest.objects.filter(
        status=RequestStatus.AWAITING_FEE, fee_notice__deadline__lt=today
    ).order_by("pk")
    for request in fee_overdue:
        reply = disclosure_close_unpaid_fee(request=request, clock=clock)
        if reply is not None:
            result.closed_fee.append(reply)
    result.reminders = disclosure_reminders_send(clock=clock)
    return result
