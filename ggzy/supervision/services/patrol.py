"""Patrol: rounds created on schedule (the worker calls :func:`patrol_rounds_create_due` every
tick), filled with what agencies published in the round's window, verdicts per item, completion."""

from __future__ import annotations

import datetime as dt
import re

from django.db import IntegrityError, transaction

from ggzy.accounts.choices import OrganisationKind
from ggzy.accounts.models import User
from ggzy.audit.services import audit_record
from ggzy.core.clock import SHANGHAI, Clock, local_date, system_clock
from ggzy.core.errors import ValidationFailed
from ggzy.supervision import selectors
from ggzy.supervision.choices import RoundStatus, Verdict
from ggzy.supervision.models import PatrolItem, PatrolPlan, PatrolRound
from ggzy.supervision.services._common import PATROLLER, require_patroller, transition

# A worker that was down for days does not flood the queue with every missed slot: it creates the
# slots of the last LOOKBACK_DAYS days; the first of them starts where the last round ended, so
# the windows stay contiguous and no notice escapes patrol.
LOOKBACK_DAYS = 2
TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


def plan_get() -> PatrolPlan:
    plan = PatrolPlan.objects.order_by("pk").first()
    return plan if plan is not None else PatrolPlan.objects.create()


def _parse_times(times: list[str]) -> list[str]:
    parsed: set[str] = set()
    for raw in times:
        text = raw.strip()
        if not text:
            continue
        match = TIME_RE.match(text)
        if match is None or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValidationFailed(
                f"巡查时间“{text[:20]}”格式不正确，应为 HH:MM，如 09:00", fields={"times": "格式不正确"}
            )
        parsed.add(f"{int(match[1]):02d}:{match[2]}")
    if not parsed:
        raise ValidationFailed("每天至少安排一次巡查", fields={"times": "必填"})
    if len(parsed) > 24:
        raise ValidationFailed("每天最多安排24次巡查", fields={"times": "过多"})
    return sorted(parsed)


@transaction.atomic
def patrol_plan_update(*, actor: User, times: list[str], correction_days: int) -> PatrolPlan:
    """Staff change when patrols happen and the default correction period."""
    require_patroller(actor)
    cleaned = _parse_times(times)
    if not 1 <= correction_days <= 60:
        raise ValidationFailed("整改期限应为1到60个工作日", fields={"correction_days": "超出范围"})
    plan = PatrolPlan.objects.select_for_update().get(pk=plan_get().pk)
    before = {"times": plan.times, "correction_days": plan.correction_days}
    plan.times = cleaned
    plan.correction_days = correction_days
    plan.save(update_fields=["times", "correction_days", "updated_at"])
    audit_record(
        actor=actor,
        action="supervision.plan_update",
        target=plan,
        data={"before": before, "after": {"times": cleaned, "correction_days": correction_days}},
    )
    return plan


def _slots(plan: PatrolPlan, *, now: dt.datetime) -> list[dt.datetime]:
    """Planned times from LOOKBACK_DAYS days ago up to ``now``, oldest first, aware UTC."""
    today = local_date(now)
    slots = [
        dt.datetime.combine(today - dt.timedelta(days=back), t, tzinfo=SHANGHAI).astimezone(dt.UTC)
        for back in range(LOOKBACK_DAYS, -1, -1)
        for t in plan.slot_times()
    ]
    return [s for s in slots if s <= now]


def _next_patroller(previous: User | None) -> User | None:
    """Round-robin over active center users holding the patroller role, in a stable order."""
    patrollers = list(
        User.objects.filter(
            role_grants__role=PATROLLER, organisation__kind=OrganisationKind.CENTER, is_active=True
        )
        .order_by("pk")
        .distinct()
    )
    if not patrollers:
        return None
    if previous is None:
        return patrollers[0]
    later = [u for u in patrollers if u.pk > previous.pk]
    return later[0] if later else patrollers[0]


def _fill(round_: PatrolRound) -> int:
    notices = selectors.agency_notices_between(start=round_.window_start, end=round_.window_end)
    items = [
        PatrolItem(round=round_, notice=notice, findings=selectors.findings_snapshot(notice))
        for notice in notices
    ]
    PatrolItem.objects.bulk_create(items)
    return len(items)


def patrol_rounds_create_due(*, clock: Clock = system_clock) -> list[PatrolRound]:
    """Create (and fill) every round whose planned time has come. Idempotent: a planned time
    has at most one round (unique), and concurrent workers serialise on the plan row."""
    now = clock.now()
    created: list[PatrolRound] = []
    with transaction.atomic():
        plan = PatrolPlan.objects.select_for_update().get(pk=plan_get().pk)
        slots = _slots(plan, now=now)
        last = PatrolRound.objects.select_related("assigned_to").order_by("-planned_at").first()
        due = [s for s in slots if last is None or s > last.planned_at]
        if last is None and due:
            # The very first round covers the time since the plan's previous slot; the rest of
            # the lookback is history nobody was asked to patrol.
            due = due[-1:]
            start = slots[-2] if len(slots) > 1 else due[0] - dt.timedelta(days=1)
        else:
            start = last.window_end if last is not None else now
        previous_assignee = last.assigned_to if last is not None else None
        for planned in due:
            assignee = _next_patroller(previous_assignee)
            try:
                with transaction.atomic():
                    round_ = PatrolRound.objects.create(
                        planned_at=planned,
                        window_start=min(start, planned),
                        window_end=planned,
                        assigned_to=assignee,
                    )
            except IntegrityError:  # another worker made it first (only without row locks)
                continue
            count = _fill(round_)
            audit_record(
                actor=None,
                action="supervision.round_create",
                target=round_,
                data={
                    "planned_at": planned.isoformat(),
                    "window_start": round_.window_start.isoformat(),
                    "items": count,
                    "assigned_to": assignee.pk if assignee else None,
                },
                clock=clock,
            )
            created.append(round_)
            start, previous_assignee = planned, assignee
    return created


@transaction.atomic
def patrol_item_verdict(
    *, actor: User, item: PatrolItem, verdict: str, comment: str = "", clock: Clock = system_clock
) -> PatrolItem:
    """The patroller's conclusion on one notice. A problem must say what the problem is."""
    require_patroller(actor)
    # The round is locked too: a verdict cannot slip in while the round is being completed.
    item = PatrolItem.objects.select_for_update().select_related("round").get(pk=item.pk)
    transition("round_verdict", item.round.status)
    if verdict not in Verdict.values:
        raise ValidationFailed("请选择巡查结论", fields={"verdict": "必填"})
    comment = comment.strip()
    if verdict == Verdict.PROBLEM and not comment:
        raise ValidationFailed("结论为“有问题”时必须写明问题", fields={"comment": "必填"})
    if len(comment) > 2000:
        raise ValidationFailed("巡查意见不能超过2000字", fields={"comment": "过长"})
    before = item.verdict
    item.verdict, item.comment = verdict, comment
    item.verdict_by, item.verdict_at = actor, clock.now()
    item.save(update_fields=["verdict", "comment", "verdict_by", "verdict_at"])
    audit_record(
        actor=actor,
        action="supervision.item_verdict",
        target=item,
        data={"before": before, "after": verdict, "notice": item.notice_id, "comment": comment},
        clock=clock,
    )
    return item


@transaction.atomic
def patrol_round_complete(*, actor: User, round: PatrolRound, clock: Clock = system_clock) -> PatrolRound:
    """Close a round. Every item needs a verdict first: a round is the record that all was read."""
    require_patroller(actor)
    round_ = PatrolRound.objects.select_for_update().get(pk=round.pk)
    target = transition("round_complete", round_.status)
    missing = round_.items.filter(verdict="").count()
    if missing:
        raise ValidationFailed(f"还有 {missing} 条公告未填写巡查结论，不能完成本轮巡查")
    round_.status = RoundStatus(target)
    round_.done_at, round_.done_by = clock.now(), actor
    round_.save(update_fields=["status", "done_at", "done_by"])
    audit_record(
        actor=actor,
        action="supervision.round_complete",
        target=round_,
        data={"before": RoundStatus.OPEN, "after": target, "items": round_.items.count()},
        clock=clock,
    )
    return round_
