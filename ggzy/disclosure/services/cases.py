"""Administrative reviews and lawsuits (report table 四) and the registries behind table 二."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction

from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import InvalidTransition, ValidationFailed
from ggzy.disclosure.choices import CenterRole, DecisionKind, NormativeKind, ReviewKind, ReviewResult
from ggzy.disclosure.models import (
    AdminFeeRecord,
    AdministrativeDecision,
    DisclosureRequest,
    NormativeDocument,
    ReviewCase,
    ReviewDocument,
)
from ggzy.disclosure.services import _common as c
from ggzy.disclosure.services.files import store_files


def _day(day: dt.date, *, clock: Clock, label: str, field: str, not_before: dt.date | None = None) -> None:
    c.check_day(
        day, calendar=c.calendar(), clock=clock, label=label, field=field,
        not_before=not_before, not_before_label="立案/申请日期",
    )  # fmt: skip


@transaction.atomic
def review_case_record(
    *,
    actor: User,
    kind: str,
    filed_on: dt.date,
    center_role: str = CenterRole.ORIGINAL_ACTOR,
    request: DisclosureRequest | None = None,
    case_number: str = "",
    subject: str = "",
    previous: ReviewCase | None = None,
    documents: Sequence[tuple[str, bytes]] = (),
    clock: Clock = system_clock,
) -> ReviewCase:
    """Record a 行政复议 or 行政诉讼 about disclosure work. When the center is only the review body
    sued as co-defendant, the case is kept but not counted in table 四 (国办公开办函〔2016〕201号)."""
    c.require_handler(actor)
    if kind not in ReviewKind.values:
        raise ValidationFailed("请选择案件类型（行政复议或行政诉讼）", fields={"kind": "必填"})
    if center_role not in CenterRole.values:
        raise ValidationFailed("请选择本机关在案件中的地位", fields={"center_role": "必填"})
    if center_role == CenterRole.REVIEW_BODY_CO_DEFENDANT and kind == ReviewKind.ADMINISTRATIVE_REVIEW:
        raise ValidationFailed("复议机关作共同被告只发生在行政诉讼中", fields={"center_role": "不适用"})
    if previous is not None and (
        kind != ReviewKind.LAWSUIT_AFTER_REVIEW or previous.kind != ReviewKind.ADMINISTRATIVE_REVIEW
    ):
        raise ValidationFailed(
            "只有“复议后起诉”的行政诉讼可以关联前置的行政复议案件", fields={"previous": "不适用"}
        )
    _day(filed_on, clock=clock, label="立案/申请日期", field="filed_on")
    if request is not None and request.received_on is not None and filed_on < request.received_on:
        raise ValidationFailed("案件日期不能早于所涉申请的收到日期", fields={"filed_on": "早于申请"})
    case = ReviewCase.objects.create(
        request=request,
        kind=kind,
        center_role=center_role,
        case_number=case_number.strip(),
        subject=subject.strip(),
        previous=previous,
        filed_on=filed_on,
    )
    stored = store_files(documents)
    ReviewDocument.objects.bulk_create([ReviewDocument(case=case, file=f, name=name) for name, f in stored])
    c.audit(
        case,
        actor=actor,
        action="disclosure.review_case_record",
        clock=clock,
        kind=kind,
        center_role=center_role,
        filed_on=filed_on,
        request=request.tracking_code if request else None,
    )
    return case


@transaction.atomic
def review_case_decide(
    *,
    actor: User,
    case: ReviewCase,
    result: str,
    decided_on: dt.date,
    note: str = "",
    documents: Sequence[tuple[str, bytes]] = (),
    clock: Clock = system_clock,
) -> ReviewCase:
    """Record the result: 维持, 纠正 or 其他结果 (尚未审结 is the state before this)."""
    c.require_handler(actor)
    case = ReviewCase.objects.select_for_update().get(pk=case.pk)
    if case.result != ReviewResult.PENDING:
        raise InvalidTransition(f"该案件已于{case.decided_on}审结（{case.get_result_display()}）")
    if result not in ReviewResult.values or result == ReviewResult.PENDING:
        raise ValidationFailed("请选择审结结果（结果维持、结果纠正或其他结果）", fields={"result": "必填"})
    _day(decided_on, clock=clock, label="审结日期", field="decided_on", not_before=case.filed_on)
    case.result = result
    case.decided_on = decided_on
    case.note = note.strip() or case.note
    case.save(update_fields=["result", "decided_on", "note", "updated_at"])
    stored = store_files(documents)
    ReviewDocument.objects.bulk_create([ReviewDocument(case=case, file=f, name=name) for name, f in stored])
    c.audit(
        case,
        actor=actor,
        action="disclosure.review_case_decide",
        clock=clock,
        result=result,
        decided_on=decided_on,
    )
    return case


@transaction.atomic
def normative_document_record(
    *,
    actor: User,
    kind: str,
    title: str,
    issued_on: dt.date,
    doc_number: str = "",
    clock: Clock = system_clock,
) -> NormativeDocument:
    c.require_handler(actor)
    if kind not in NormativeKind.values:
        raise ValidationFailed("请选择类型（规章或行政规范性文件）", fields={"kind": "必填"})
    if not title.strip():
        raise ValidationFailed("请填写文件名称", fields={"title": "必填"})
    c.check_day(issued_on, calendar=c.calendar(), clock=clock, label="制发日期", field="issued_on")
    doc = NormativeDocument.objects.create(
        kind=kind, title=title.strip(), doc_number=doc_number.strip(), issued_on=issued_on
    )
    c.audit(
        doc, actor=actor, action="disclosure.normative_record", clock=clock, kind=kind, issued_on=issued_on
    )
    return doc


@transaction.atomic
def normative_document_repeal(
    *, actor: User, document: NormativeDocument, repealed_on: dt.date, clock: Clock = system_clock
) -> NormativeDocument:
    c.require_handler(actor)
    document = NormativeDocument.objects.select_for_update().get(pk=document.pk)
    if document.repealed_on is not None:
        raise InvalidTransition(f"该文件已于{document.repealed_on}废止")
    c.check_day(
        repealed_on, calendar=c.calendar(), clock=clock, label="废止日期", field="repealed_on",
        not_before=document.issued_on, not_before_label="制发日期",
    )  # fmt: skip
    document.repealed_on = repealed_on
    document.save(update_fields=["repealed_on"])
    c.audit(document, actor=actor, action="disclosure.normative_repeal", clock=clock, repealed_on=repealed_on)
    return document


@transaction.atomic
def administrative_decision_record(
    *,
    actor: User,
    kind: str,
    decided_on: dt.date,
    decision_number: str = "",
    title: str = "",
    clock: Clock = system_clock,
) -> AdministrativeDecision:
    c.require_handler(actor)
    if kind not in DecisionKind.values:
        raise ValidationFailed("请选择决定类型（行政许可、行政处罚或行政强制）", fields={"kind": "必填"})
    c.check_day(decided_on, calendar=c.calendar(), clock=clock, label="决定日期", field="decided_on")
    decision = AdministrativeDecision.objects.create(
        kind=kind, decided_on=decided_on, decision_number=decision_number.strip(), title=title.strip()
    )
    c.audit(
        decision,
        actor=actor,
        action="disclosure.decision_record",
        clock=clock,
        kind=kind,
        decided_on=decided_on,
    )
    return decision


@transaction.atomic
def admin_fee_record(
    *, actor: User, item: str, amount: Decimal, collected_on: dt.date, clock: Clock = system_clock
) -> AdminFeeRecord:
    c.require_handler(actor)
    if not item.strip():
        raise ValidationFailed("请填写收费项目", fields={"item": "必填"})
    amount = Decimal(amount)
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed("金额应为非负数，精确到分", fields={"amount": "金额不正确"})
    c.check_day(collected_on, calendar=c.calendar(), clock=clock, label="收费日期", field="collected_on")
    record = AdminFeeRecord.objects.create(item=item.strip(), amount=amount, collected_on=collected_on)
    c.audit(record, actor=actor, action="disclosure.admin_fee_record", clock=clock, amount=amount)
    return record
