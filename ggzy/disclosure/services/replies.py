"""Replying: exactly one outcome per application (a leaf row of report table 三), its legal basis
and the released files; delivery; and the two closures the sweep makes when an applicant lets a
补正 or fee deadline pass."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction

from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import InvalidTransition, ValidationFailed
from ggzy.disclosure import outcomes, workflow
from ggzy.disclosure.choices import ClockEventKind, DeliveryMethod, RequestStatus
from ggzy.disclosure.models import ClockEvent, DisclosureRequest, FeeNotice, Reply, ReplyFile
from ggzy.disclosure.services import _common as c
from ggzy.disclosure.services.files import store_files

AUTO_LEGAL_BASIS = {
    outcomes.AMENDMENT_NOT_RECEIVED: "《中华人民共和国政府信息公开条例》第三十条",
    outcomes.FEE_NOT_PAID: (
        "《中华人民共和国政府信息公开条例》第四十二条；《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"
    ),
}


def _fmt(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _amendment_deadline(request: DisclosureRequest) -> dt.date | None:
    event = (
        ClockEvent.objects.filter(request=request, kind=ClockEventKind.AMENDMENT_REQUESTED)
        .order_by("-pk")
        .first()
    )
    return event.until if event else None


def _check_outcome(request: DisclosureRequest, outcome: str, *, on: dt.date) -> None:
    if not outcomes.is_outcome(outcome):
        raise ValidationFailed(
            "办理结果必须是年度报告表三列出的21种情形之一",
            code="unknown_outcome",
            fields={"outcome": outcome},
        )
    if outcome == outcomes.AMENDMENT_NOT_RECEIVED:
        deadline = _amendment_deadline(request)
        if request.status != RequestStatus.AWAITING_AMENDMENT or deadline is None or on <= deadline:
            raise ValidationFailed(
                "“逾期不补正”只适用于已发出补正通知且补正期限已届满仍未补正的申请（《政府信息公开条例》第三十条）",
                fields={"outcome": outcome},
            )
        return
    if outcome == outcomes.FEE_NOT_PAID:
        notice = FeeNotice.objects.filter(request=request).first()
        if request.status != RequestStatus.AWAITING_FEE or notice is None or on <= notice.deadline:
            raise ValidationFailed(
                "“逾期未缴费”只适用于已发出收费通知且缴费期限已届满仍未缴费的申请",
                fields={"outcome": outcome},
            )
        return
    if request.status in (RequestStatus.AWAITING_AMENDMENT, RequestStatus.AWAITING_FEE) and (
        outcome not in workflow.REPLY_OUTCOMES_WHILE_WAITING
    ):
        waiting = "补正" if request.status == RequestStatus.AWAITING_AMENDMENT else "缴费"
        raise InvalidTransition(
            f"本申请正在等待申请人{waiting}，期限届满前不能作出该答复", fields={"outcome": outcome}
        )
    if (
        outcome == outcomes.STILL_UNCLEAR_AFTER_AMENDMENT
        and not ClockEvent.objects.filter(request=request, kind=ClockEventKind.AMENDMENT_RECEIVED).exists()
    ):
        raise ValidationFailed(
            "“补正后申请内容仍不明确”只适用于已发出补正通知并收到补正材料的申请", fields={"outcome": outcome}
        )


def _close(
    request: DisclosureRequest,
    *,
    actor: User | None,
    outcome: str,
    legal_basis: str,
    text: str,
    files: Sequence[tuple[str, bytes]],
    replied_on: dt.date,
    clock: Clock,
) -> Reply:
    before = request.status
    after = c.transition("reply", request)
    if hasattr(request, "reply") or Reply.objects.filter(request=request).exists():
        raise InvalidTransition("该申请已答复，每件申请只能有一个办理结果", code="already_replied")
    stored = store_files(files)
    if request.status == RequestStatus.CONSULTING:
        # The agency decides without waiting further (Art. 32): the consultation ends with the reply.
        c.add_event(request, kind=ClockEventKind.CONSULTATION_ENDED, on=replied_on, actor=actor)
    reply = Reply.objects.create(
        request=request,
        outcome=outcome,
        legal_basis=legal_basis,
        text=text,
        replied_on=replied_on,
        replied_by=actor,
    )
    ReplyFile.objects.bulk_create(
        [ReplyFile(reply=reply, file=f, name=name, position=i) for i, (name, f) in enumerate(stored)]
    )
    late = request.due_date is not None and replied_on > request.due_date
    request.status = after
    request.outcome = outcome
    request.legal_basis = legal_basis
    request.closed_at = clock.now()
    request.closed_on = replied_on
    request.save(update_fields=["status", "outcome", "legal_basis", "closed_at", "closed_on", "updated_at"])
    c.audit(
        request,
        actor=actor,
        action="disclosure.reply",
        clock=clock,
        before=before,
        after=after,
        outcome=outcome,
        replied_on=replied_on,
        due_date=request.due_date,
        late=late,
        files=[f.sha256 for _, f in stored],
    )
    return reply


@transaction.atomic
def disclosure_reply(
    *,
    actor: User,
    request: DisclosureRequest,
    outcome: str,
    legal_basis: str,
    text: str = "",
    files: Sequence[tuple[str, bytes]] = (),
    replied_on: dt.date | None = None,
    clock: Clock = system_clock,
) -> Reply:
    """Reply with exactly one outcome (a leaf code of table 三) and its legal basis; this closes
    the request in the year of ``replied_on``."""
    c.require_handler(actor)
    request = c.lock(request)
    if request.status == RequestStatus.CLOSED:
        closed = _fmt(request.closed_on) if request.closed_on else ""
        label = outcomes.outcome_label(request.outcome) if request.outcome else ""
        raise InvalidTransition(
            f"该申请已于{closed}答复办结（办理结果：{label}），每件申请只能有一个办理结果",
            code="already_replied",
        )
    c.transition("reply", request)
    assert request.received_on is not None
    replied_on = replied_on or c.today(clock)
    c.check_day(
        replied_on, calendar=c.calendar(), clock=clock, label="答复日期", field="replied_on",
        not_before=request.received_on, not_before_label="收到申请日期",
    )  # fmt: skip
    _check_outcome(request, outcome, on=replied_on)
    if not legal_basis.strip():
        raise ValidationFailed("答复应当载明法律依据", fields={"legal_basis": "必填"})
    return _close(
        request,
        actor=actor,
        outcome=outcome,
        legal_basis=legal_basis.strip(),
        text=text.strip(),
        files=files,
        replied_on=replied_on,
        clock=clock,
    )


@transaction.atomic
def disclosure_reply_mark_delivered(
    *, actor: User, reply: Reply, method: str, clock: Clock = system_clock
) -> Reply:
    """Record that the reply (告知书) reached the applicant."""
    c.require_handler(actor)
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.delivered_at is not None:
        raise InvalidTransition("该答复已登记送达")
    if method not in DeliveryMethod.values:
        raise ValidationFailed("请选择送达方式", fields={"method": "必填"})
    reply.delivered_at = clock.now()
    reply.delivery_method = method
    reply.save(update_fields=["delivered_at", "delivery_method"])
    c.audit(reply.request, actor=actor, action="disclosure.reply_delivered", clock=clock, method=method)
    return reply


def _auto_close(request: DisclosureRequest, *, outcome: str, clock: Clock) -> Reply | None:
    request = c.lock(request)
    today = c.today(clock)
    if request.status == RequestStatus.CLOSED:
        return None
    try:
        _check_outcome(request, outcome, on=today)
    except (ValidationFailed, InvalidTransition):
        return None  # not (or no longer) due: the applicant supplemented or paid in time
    return _close(
        request,
        actor=None,
        outcome=outcome,
        legal_basis=AUTO_LEGAL_BASIS[outcome],
        text="",
        files=(),
        replied_on=today,
        clock=clock,
    )


@transaction.atomic
def disclosure_close_unanswered_amendment(
    *, request: DisclosureRequest, clock: Clock = system_clock
) -> Reply | None:
    """Art. 30 视为放弃: the 补正 deadline passed with nothing received → 三(六)1. None when the
    request is not (or no longer) in that situation, so the sweep may call it repeatedly."""
    return _auto_close(request, outcome=outcomes.AMENDMENT_NOT_RECEIVED, clock=clock)


@transaction.atomic
def disclosure_close_unpaid_fee(*, request: DisclosureRequest, clock: Clock = system_clock) -> Reply | None:
    """The fee notice's deadline passed unpaid → 三(六)2."""
    return _auto_close(request, outcome=outcomes.FEE_NOT_PAID, clock=clock)
