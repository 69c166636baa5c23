"""The reply clock's transitions: 补正 (Art. 30), consultations (Arts. 32–34), extension
(Art. 33 ¶2), a later reasonable deadline (Art. 35), and the fee notice and payment (国办函〔2020〕109号).
Each appends a ClockEvent and re-folds the due date in the same transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.disclosure import deadlines, fees
from ggzy.disclosure.choices import ClockEventKind, ConsultationParty, FeeStandard
from ggzy.disclosure.config import disclosure_rules
from ggzy.disclosure.models import ClockEvent, DisclosureRequest, FeeNotice
from ggzy.disclosure.services import _common as c


def _fmt(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _save(request: DisclosureRequest, status: str) -> None:
    request.status = status
    request.save(update_fields=["status", "due_date", "updated_at"])


def _last_event(request: DisclosureRequest, kind: str) -> ClockEvent | None:
    return ClockEvent.objects.filter(request=request, kind=kind).order_by("-pk").first()


@transaction.atomic
def disclosure_amendment_request(
    *,
    actor: User,
    request: DisclosureRequest,
    items: str,
    deadline: dt.date,
    on: dt.date | None = None,
    clock: Clock = system_clock,
) -> DisclosureRequest:
    """Art. 30: tell the applicant once, within 7 working days of receipt, what to supplement and
    by when. The clock stops until the 补正 arrives."""
    c.require_handler(actor)
    request = c.lock(request)
    earlier = _last_event(request, ClockEventKind.AMENDMENT_REQUESTED)
    if earlier is not None:
        raise InvalidTransition(
            f"补正通知应当一次性告知（《政府信息公开条例》第三十条），本申请已于{_fmt(earlier.on)}发出过补正通知，"
            "不能再次要求补正",
            code="amendment_already_requested",
        )
    before = request.status
    after = c.transition("request_amendment", request)
    assert request.received_on is not None
    cal = c.calendar()
    rules = disclosure_rules()
    on = on or c.today(clock)
    c.check_day(
        on,
        calendar=cal,
        clock=clock,
        label="补正通知日期",
        field="on",
        not_before=request.received_on,
        not_before_label="收到申请日期",
    )
    window_end = deadlines.amendment_window_end(request.received_on, cal, rules)
    if on > window_end:
        raise ValidationFailed(
            f"补正通知应当自收到申请之日起{rules.amendment_window_days}个工作日内发出（《政府信息公开条例》第三十条）；"
            f"本申请收到于{_fmt(request.received_on)}，发出补正通知的期限已于{_fmt(window_end)}届满",
            code="amendment_window_passed",
            fields={"on": "已超过7个工作日"},
        )
    if not items.strip():
        raise ValidationFailed("补正通知应当载明需要补正的事项", fields={"items": "必填"})
    cal.is_working_day(deadline)
    if deadline <= on:
        raise ValidationFailed("补正期限应当晚于补正通知日期", fields={"deadline": "应晚于通知日期"})
    c.add_event(
        request,
        kind=ClockEventKind.AMENDMENT_REQUESTED,
        on=on,
        actor=actor,
        items=items.strip(),
        until=deadline,
    )
    c.refresh_due(request, cal)
    _save(request, after)
    c.audit(
        request,
        actor=actor,
        action="disclosure.amendment_request",
        clock=clock,
        before=before,
        after=after,
        on=on,
        deadline=deadline,
        items=items.strip(),
    )
    return request


@transaction.atomic
def disclosure_amendment_receive(
    *,
    actor: User,
    request: DisclosureRequest,
    on: dt.date,
    note: str = "",
    clock: Clock = system_clock,
) -> DisclosureRequest:
    """The 补正 arrived: the reply period runs afresh from this day (Art. 30)."""
    c.require_handler(actor)
    request = c.lock(request)
    before = request.status
    after = c.transition("receive_amendment", request)
    notice = _last_event(request, ClockEventKind.AMENDMENT_REQUESTED)
    assert notice is not None
    assert notice.until is not None
    cal = c.calendar()
    c.check_day(
        on,
        calendar=cal,
        clock=clock,
        label="收到补正日期",
        field="on",
        not_before=notice.on,
        not_before_label="补正通知日期",
    )
    if on > notice.until and not note.strip():
        raise ValidationFailed(
            f"补正期限已于{_fmt(notice.until)}届满；申请人无正当理由逾期不补正的，视为放弃申请（《政府信息公开条例》第三十条）。"
            "如有正当理由，请在说明中写明",
            code="amendment_late",
            fields={"note": "逾期补正须说明正当理由"},
        )
    c.add_event(request, kind=ClockEventKind.AMENDMENT_RECEIVED, on=on, actor=actor, note=note.strip())
    c.refresh_due(request, cal)
    _save(request, after)
    c.audit(
        request,
        actor=actor,
        action="disclosure.amendment_receive",
        clock=clock,
        before=before,
        after=after,
        on=on,
        due_date=request.due_date,
    )
    return request


@transaction.atomic
def disclosure_consultation_start(
    *,
    actor: User,
    request: DisclosureRequest,
    party: str,
    on: dt.date,
    note: str = "",
    clock: Clock = system_clock,
) -> DisclosureRequest:
    """Consult a third party (Art. 32) or another agency (Art. 34); the time is not counted
    (Art. 33 ¶3). The consulted party answers within 15 working days."""
    c.require_handler(actor)
    request = c.lock(request)
    before = request.status
    after = c.transition("start_consultation", request)
    if party not in ConsultationParty.values:
        raise ValidationFailed("请选择征求意见对象（第三方或其他机关）", fields={"party": "必填"})
    cal = c.calendar()
    assert request.received_on is not None
    c.check_day(
        on,
        calendar=cal,
        clock=clock,
        label="征求意见日期",
        field="on",
        not_before=request.received_on,
        not_before_label="收到申请日期",
    )
    answer_by = deadlines.consultation_answer_deadline(on, cal, disclosure_rules())
    c.add_event(
        request,
        kind=ClockEventKind.CONSULTATION_STARTED,
        on=on,
        actor=actor,
        party=party,
        until=answer_by,
        note=note.strip(),
    )
    c.refresh_due(request, cal)
    _save(request, after)
    c.audit(
        request,
        actor=actor,
        action="disclosure.consultation_start",
        clock=clock,
        before=before,
        after=after,
        party=party,
        on=on,
        answer_by=answer_by,
    )
    return request


@transaction.atomic
def disclosure_consultation_end(
    *,
    actor: User,
    request: DisclosureRequest,
    on: dt.date,
    note: str = "",
    clock: Clock = system_clock,
) -> DisclosureRequest:
    """The answer came (or the 15 working days passed without one): the clock runs again."""
    c.require_handler(actor)
    request = c.lock(request)
    before = request.status
    after = c.transition("end_consultation", request)
    started = _last_event(request, ClockEventKind.CONSULTATION_STARTED)
    assert started is not None
    cal = c.calendar()
    c.check_day(
        on,
        calendar=cal,
        clock=clock,
        label="征求意见结束日期",
        field="on",
        not_before=started.on,
        not_before_label="征求意见日期",
    )
    c.add_event(
        request, kind=ClockEventKind.CONSULTATION_ENDED, on=on, actor=actor, party=started.party, note=note
    )
    c.refresh_due(request, cal)
    _save(request, after)
    c.audit(
        request,
        actor=actor,
        action="disclosure.consultation_end",
        clock=clock,
        before=before,
        after=after,
        on=on,
        due_date=request.due_date,
    )
    return request


@transaction.atomic
def disclosure_extend(
    *,
    actor: User,
    request: DisclosureRequest,
    days: int,
    approved_by: User,
    reason: str,
    on: dt.date | None = None,
    clock: Clock = system_clock,
) -> DisclosureRequest:
    """Art. 33 ¶2: with the consent of the head of the disclosure office, once, by at most 20
    working days, before the period runs out; the applicant is told (the letter is the views')."""
    c.require_handler(actor)
    request = c.lock(request)
    c.transition("extend", request)
    rules = disclosure_rules()
    if not 1 <= days <= rules.max_extension_days:
        raise ValidationFailed(
            f"延长答复期限最长不得超过{rules.max_extension_days}个工作日（《政府信息公开条例》第三十三条第二款）",
            code="extension_too_long",
            fields={"days": f"1–{rules.max_extension_days}"},
        )
    if not (
        approved_by.is_active and approved_by.is_center_staff and approved_by.has_role(Role.DISCLOSURE_HEAD)
    ):
        raise PermissionDenied(
            "延长答复期限须经政府信息公开工作机构负责人同意（《政府信息公开条例》第三十三条第二款）；"
            f"{approved_by}不是信息公开办公室负责人",
            code="extension_not_approved_by_head",
        )
    earlier = _last_event(request, ClockEventKind.EXTENSION)
    if earlier is not None:
        raise InvalidTransition(
            f"本申请已于{_fmt(earlier.on)}延长答复期限{earlier.days}个工作日，延长只能一次，且总计不得超过"
            f"{rules.max_extension_days}个工作日（《政府信息公开条例》第三十三条第二款）",
            code="already_extended",
        )
    if not reason.strip():
        raise ValidationFailed("请填写延长答复期限的理由", fields={"reason": "必填"})
    cal = c.calendar()
    on = on or c.today(clock)
    assert request.received_on is not None
    c.check_day(
        on,
        calendar=cal,
        clock=clock,
        label="延期决定日期",
        field="on",
        not_before=request.received_on,
        not_before_label="收到申请日期",
    )
    if request.due_date is not None and on > request.due_date:
        raise InvalidTransition(
            f"答复期限已于{_fmt(request.due_date)}届满，届满后不能再延长（《政府信息公开条例》第三十三条第二款）",
            code="deadline_passed",
        )
    before_due = request.due_date
    c.add_event(
        request,
        kind=ClockEventKind.EXTENSION,
        on=on,
        actor=actor,
        days=days,
        approved_by=approved_by,
        note=reason.strip(),
    )
    c.refresh_due(request, cal)
    request.save(update_fields=["due_date", "updated_at"])
    c.audit(
        request,
        actor=actor,
        action="disclosure.extend",
        clock=clock,
        days=days,
        approved_by=approved_by.pk,
        reason=reason.strip(),
        before_due=before_due,
        after_due=request.due_date,
    )
    return request


@transaction.atomic
def disclosure_later_deadline_set(
    *,
    actor: User,
    request: DisclosureRequest,
    until: dt.date,
    reason: str,
    on: dt.date | None = None,
    clock: Clock = system_clock,
) -> DisclosureRequest:
    """Art. 35: applications clearly beyond a reasonable number or frequency, with reasonable
    grounds, that cannot be answered within the Art. 33 period get a later reasonable deadline."""
    c.require_handler(actor)
    request = c.lock(request)
    c.transition("set_later_deadline", request)
    if not reason.strip():
        raise ValidationFailed(
            "请说明确定延后答复期限的理由（《政府信息公开条例》第三十五条）", fields={"reason": "必填"}
        )
    cal = c.calendar()
    on = on or c.today(clock)
    assert request.received_on is not None
    c.check_day(
        on, calendar=cal, clock=clock, label="决定日期", field="on",
        not_before=request.received_on, not_before_label="收到申请日期",
    )  # fmt: skip
    cal.is_working_day(until)
    if request.due_date is not None and until <= request.due_date:
        raise ValidationFailed(
            f"合理答复期限应当晚于现行答复期限（{_fmt(request.due_date)}）",
            fields={"until": "应晚于现行期限"},
        )
    before_due = request.due_date
    c.add_event(
        request, kind=ClockEventKind.LATER_DEADLINE, on=on, actor=actor, until=until, note=reason.strip()
    )
    c.refresh_due(request, cal)
    request.save(update_fields=["due_date", "updated_at"])
    c.audit(
        request,
        actor=actor,
        action="disclosure.later_deadline",
        clock=clock,
        until=until,
        reason=reason.strip(),
        before_due=before_due,
        after_due=request.due_date,
    )
    return request


def _month_position(request: DisclosureRequest) -> int:
    """按件: this application's place among the same applicant's applications received in the
    same natural month (same identity document → same ``id_digest``)."""
    assert request.received_on is not None
    month_start = request.received_on.replace(day=1)
    earlier = DisclosureRequest.objects.filter(
        id_digest=request.id_digest,
        received_on__gte=month_start,
        received_on__lte=request.received_on,
    ).exclude(pk=request.pk)
    same_day_later = earlier.filter(received_on=request.received_on, pk__gt=request.pk)
    return earlier.count() - same_day_later.count() + 1


@transaction.atomic
def disclosure_fee_notice_issue(
    *,
    actor: User,
    request: DisclosureRequest,
    standard: str,
    pages: int | None = None,
    items: int | None = None,
    deadline: dt.date | None = None,
    on: dt.date | None = None,
    clock: Clock = system_clock,
) -> FeeNotice:
    """A fee notice under one standard: 按件 (the applicant's n-th application this natural month;
    ``items`` overrides n) or 按量 (``pages``). The amount comes from ``fees.py``."""
    c.require_handler(actor)
    request = c.lock(request)
    if items is not None and pages is not None:
        raise ValidationFailed(
            "每件申请只能适用一种收费标准（按件或按量），不能同时适用（《政府信息公开信息处理费管理办法》第三条）",
            code="fee_both_standards",
            fields={"standard": "只能选择一种"},
        )
    if FeeNotice.objects.filter(request=request).exists():
        raise InvalidTransition("本申请已发出过收费通知，每件申请只适用一种收费标准、只发一次收费通知")
    before = request.status
    after = c.transition("issue_fee_notice", request)
    if standard not in FeeStandard.values:
        raise ValidationFailed("请选择收费标准（按件或按量）", fields={"standard": "必填"})
    if standard == FeeStandard.BY_ITEM and items is None and pages is None:
        items = _month_position(request)
    try:
        amount = fees.fee_for(standard=standard, items=items, pages=pages)
    except fees.FeeError as exc:
        raise ValidationFailed(str(exc), code="fee_invalid", fields={"standard": str(exc)}) from None
    if amount == 0:
        raise ValidationFailed("按该标准本申请不收费，无需发出收费通知", code="fee_free")
    cal = c.calendar()
    on = on or c.today(clock)
    assert request.received_on is not None
    c.check_day(
        on, calendar=cal, clock=clock, label="收费通知日期", field="on",
        not_before=request.received_on, not_before_label="收到申请日期",
    )  # fmt: skip
    deadline = deadline or deadlines.fee_payment_deadline(on, cal, disclosure_rules())
    cal.is_working_day(deadline)
    if deadline <= on:
        raise ValidationFailed("缴费期限应当晚于收费通知日期", fields={"deadline": "应晚于通知日期"})
    units = items if standard == FeeStandard.BY_ITEM else pages
    assert units is not None
    notice = FeeNotice.objects.create(
        request=request,
        standard=standard,
        units=units,
        amount=Decimal(amount),
        issued_on=on,
        deadline=deadline,
        issued_by=actor,
    )
    c.add_event(request, kind=ClockEventKind.FEE_NOTICE, on=on, actor=actor, until=deadline)
    c.refresh_due(request, cal)
    _save(request, after)
    c.audit(
        request,
        actor=actor,
        action="disclosure.fee_notice",
        clock=clock,
        before=before,
        after=after,
        standard=standard,
        units=units,
        amount=notice.amount,
        deadline=deadline,
    )
    return notice


@transaction.atomic
def disclosure_fee_payment_record(
    *,
    actor: User,
    request: DisclosureRequest,
    amount: Decimal,
    on: dt.date,
    clock: Clock = system_clock,
) -> FeeNotice:
    """The applicant paid the full amount by the deadline; the clock runs again."""
    c.require_handler(actor)
    request = c.lock(request)
    before = request.status
    after = c.transition("record_payment", request)
    notice = FeeNotice.objects.select_for_update().get(request=request)
    cal = c.calendar()
    c.check_day(
        on, calendar=cal, clock=clock, label="缴费日期", field="on",
        not_before=notice.issued_on, not_before_label="收费通知日期",
    )  # fmt: skip
    if on > notice.deadline:
        raise ValidationFailed(
            f"缴费期限已于{_fmt(notice.deadline)}届满，申请人逾期未缴费的，不再处理其申请",
            code="fee_late",
            fields={"on": "已逾期"},
        )
    if Decimal(amount) != notice.amount:
        raise ValidationFailed(
            f"实缴金额（{amount} 元）与收费通知的应缴金额（{notice.amount} 元）不一致",
            fields={"amount": "与应缴金额不一致"},
        )
    notice.paid_on = on
    notice.amount_paid = Decimal(amount)
    notice.save(update_fields=["paid_on", "amount_paid"])
    c.add_event(request, kind=ClockEventKind.FEE_PAID, on=on, actor=actor)
    c.refresh_due(request, cal)
    _save(request, after)
    c.audit(
        request,
        actor=actor,
        action="disclosure.fee_paid",
        clock=clock,
        before=before,
        after=after,
        amount=notice.amount_paid,
        on=on,
        due_date=request.due_date,
    )
    return notice
