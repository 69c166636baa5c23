"""Correction orders (整改通知): issued from a patrol problem, answered by the agency, closed or
returned by the center; and taking a notice down (public tombstone with the reason)."""

from __future__ import annotations

from typing import IO

from django.db import transaction

from ggzy.accounts.choices import OrganisationKind, Role
from ggzy.accounts.models import User
from ggzy.audit.services import audit_record
from ggzy.core.clock import Clock, local_date, system_clock
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.publishing import services as publishing
from ggzy.publishing.models import Notice
from ggzy.supervision.choices import OrderStatus, Verdict
from ggzy.supervision.models import CorrectionOrder, PatrolItem, PatrolPlan
from ggzy.supervision.services._common import (
    ORDER_REVIEW_ROLES,
    TAKEDOWN_ROLES,
    require_center,
    require_patroller,
    transition,
)
from ggzy.supervision.services.patrol import plan_get
from ggzy.workcalendar.selectors import work_calendar

MAX_TEXT = 4000


def _text(value: str, *, field: str, label: str, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise ValidationFailed(f"请填写{label}", fields={field: "必填"})
    if len(value) > MAX_TEXT:
        raise ValidationFailed(f"{label}不能超过{MAX_TEXT}字", fields={field: "过长"})
    return value


@transaction.atomic
def correction_order_issue(
    *,
    actor: User,
    item: PatrolItem,
    problem: str,
    requirement: str,
    days: int | None = None,
    clock: Clock = system_clock,
) -> CorrectionOrder:
    """A patroller turns a problem found in a round into an order to the publishing agency, due
    ``days`` working days from today (default: the plan's correction period)."""
    require_patroller(actor)
    # The plan row is the mutex for order numbers too (a handful of orders a day).
    plan = PatrolPlan.objects.select_for_update().get(pk=plan_get().pk)
    item = (
        PatrolItem.objects.select_for_update(of=("self",))
        .select_related("notice__organisation")
        .get(pk=item.pk)
    )
    if item.verdict != Verdict.PROBLEM:
        raise InvalidTransition("只有巡查结论为“有问题”的公告才能下达整改通知")
    notice = item.notice
    if notice.organisation.kind != OrganisationKind.AGENCY:
        raise ValidationFailed("该公告不是代理机构发布的，无需下达整改通知")
    if CorrectionOrder.objects.filter(patrol_item=item).exclude(status=OrderStatus.CLOSED).exists():
        raise InvalidTransition("该巡查问题已有未办结的整改通知")
    problem = _text(problem, field="problem", label="存在问题")
    requirement = _text(requirement, field="requirement", label="整改要求")
    days = plan.correction_days if days is None else days
    if not 1 <= days <= 60:
        raise ValidationFailed("整改期限应为1到60个工作日", fields={"days": "超出范围"})
    now = clock.now()
    today = local_date(now)
    deadline = work_calendar().add_working_days(today, days)  # a year nobody entered fails loudly
    seq = CorrectionOrder.objects.filter(number__startswith=f"ZG{today.year}-").count() + 1
    order = CorrectionOrder.objects.create(
        number=f"ZG{today.year}-{seq:04d}",
        notice=notice,
        organisation=notice.organisation,
        patrol_item=item,
        problem=problem,
        requirement=requirement,
        deadline=deadline,
        issued_by=actor,
        issued_at=now,
    )
    audit_record(
        actor=actor,
        action="supervision.order_issue",
        target=order,
        data={
            "number": order.number,
            "notice": notice.pk,
            "organisation": notice.organisation_id,
            "deadline": deadline.isoformat(),
            "days": days,
        },
        clock=clock,
    )
    return order


@transaction.atomic
def correction_order_answer(
    *,
    actor: User,
    order: CorrectionOrder,
    reply: str,
    attachment: tuple[str, IO[bytes]] | None = None,
    clock: Clock = system_clock,
) -> CorrectionOrder:
    """The agency says what it corrected (optionally with a file)."""
    order = CorrectionOrder.objects.select_for_update().get(pk=order.pk)
    if not (actor.has_role(Role.AGENCY_PUBLISHER) and actor.organisation_id == order.organisation_id):
        raise PermissionDenied("只有被通知代理机构的信息发布员可以回复整改通知")
    target = transition("order_answer", order.status)
    reply = _text(reply, field="reply", label="整改情况")
    stored = None
    if attachment is not None:
        name, content = attachment
        stored = publishing.stored_file_put(name=name, content=content)  # checked; stored before the row
    before = order.status
    order.status = OrderStatus(target)
    order.reply = reply
    order.reply_file = stored
    order.reply_file_name = attachment[0][:200] if attachment is not None else ""
    order.answered_by, order.answered_at = actor, clock.now()
    order.save(
        update_fields=[
            "status",
            "reply",
            "reply_file",
            "reply_file_name",
            "answered_by",
            "answered_at",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="supervision.order_answer",
        target=order,
        data={"before": before, "after": target, "file": stored.sha256 if stored else None},
        clock=clock,
    )
    return order


@transaction.atomic
def correction_order_close(
    *, actor: User, order: CorrectionOrder, comment: str = "", clock: Clock = system_clock
) -> CorrectionOrder:
    """The center accepts the agency's correction: the order is done."""
    require_center(actor, ORDER_REVIEW_ROLES, "只有交易中心巡查员或领导可以验收整改通知")
    order = CorrectionOrder.objects.select_for_update().get(pk=order.pk)
    target = transition("order_close", order.status)
    before = order.status
    order.status = OrderStatus(target)
    order.review_comment = _text(comment, field="comment", label="验收意见", required=False)
    order.closed_by, order.closed_at = actor, clock.now()
    order.save(update_fields=["status", "review_comment", "closed_by", "closed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="supervision.order_close",
        target=order,
        data={"before": before, "after": target, "comment": order.review_comment},
        clock=clock,
    )
    return order


@transaction.atomic
def correction_order_return(
    *, actor: User, order: CorrectionOrder, comment: str, clock: Clock = system_clock
) -> CorrectionOrder:
    """The correction is not enough: back to the agency, same deadline, saying why."""
    require_center(actor, ORDER_REVIEW_ROLES, "只有交易中心巡查员或领导可以退回整改通知")
    order = CorrectionOrder.objects.select_for_update().get(pk=order.pk)
    target = transition("order_return", order.status)
    comment = _text(comment, field="comment", label="退回意见")
    before = order.status
    order.status = OrderStatus(target)
    order.review_comment = comment
    order.returned_count += 1
    order.save(update_fields=["status", "review_comment", "returned_count", "updated_at"])
    audit_record(
        actor=actor,
        action="supervision.order_return",
        target=order,
        data={"before": before, "after": target, "comment": comment},
        clock=clock,
    )
    return order


@transaction.atomic
def notice_take_down(*, actor: User, notice: Notice, reason: str, clock: Clock = system_clock) -> Notice:
    """Take a published notice down: the release pipeline's withdrawal, whose public page becomes
    a tombstone with the reason. Center leaders only."""
    require_center(actor, TAKEDOWN_ROLES, "只有交易中心签发领导或系统管理员可以撤下公告")
    reason = _text(reason, field="reason", label="撤下原因")
    withdrawn = publishing.release_withdraw(actor=actor, item=notice, reason=reason, clock=clock)
    audit_record(
        actor=actor,
        action="supervision.notice_take_down",
        target=withdrawn,
        data={"reason": reason, "organisation": withdrawn.organisation_id},
        clock=clock,
    )
    return withdrawn
