"""Patrol rounds: scheduled creation (idempotent, contiguous windows, round-robin), filling with
agency notices and their compliance findings, verdicts and completion."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ggzy.compliance import services as compliance
from ggzy.compliance.facts import CheckResult, Finding
from ggzy.core.clock import FixedClock
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.supervision import selectors, services
from ggzy.supervision.models import PatrolItem, PatrolRound
from ggzy.supervision.tests.conftest import sh

pytestmark = pytest.mark.django_db


def test_first_call_creates_only_the_latest_due_round(clock: FixedClock, patroller: Any) -> None:
    # 10:00: the 09:00 slot is due; the first round covers since yesterday's 17:30.
    created = services.patrol_rounds_create_due(clock=clock)
    assert [r.planned_at for r in created] == [sh(2026, 6, 10, 9, 0)]
    assert created[0].window_start == sh(2026, 6, 9, 17, 30)
    assert created[0].assigned_to == patroller
    # Idempotent: nothing new until the next slot.
    assert services.patrol_rounds_create_due(clock=clock) == []
    assert PatrolRound.objects.count() == 1


def test_windows_are_contiguous_and_fill_with_agency_notices(
    clock: FixedClock, patroller: Any, agency_notice: Any, staff: Any, publish: Any
) -> None:
    services.patrol_rounds_create_due(clock=clock)
    inside = agency_notice(sh(2026, 6, 10, 11, 0), title="窗口内的公告")
    at_end = agency_notice(sh(2026, 6, 10, 14, 0), title="恰在下一轮时刻发布")
    # A center notice published in the same window is not patrolled.
    from ggzy.publishing import services as publishing

    center_notice = publishing.notice_create(
        actor=staff["editor"],
        title="中心自己的公告",
        kind="award",
        domain="construction",
        winner_name="某公司",
    )
    publish(center_notice, clock=FixedClock(sh(2026, 6, 10, 11, 30).astimezone(dt.UTC)))
    clock.at = sh(2026, 6, 10, 15, 0).astimezone(dt.UTC)
    created = services.patrol_rounds_create_due(clock=clock)
    assert len(created) == 1
    second = created[0]
    assert second.window_start == sh(2026, 6, 10, 9, 0) and second.window_end == sh(2026, 6, 10, 14, 0)
    assert [i.notice for i in second.items.all()] == [inside]
    # The notice published exactly at 14:00 belongs to the next window.
    clock.at = sh(2026, 6, 10, 18, 0).astimezone(dt.UTC)
    third = services.patrol_rounds_create_due(clock=clock)[0]
    assert [i.notice for i in third.items.all()] == [at_end]
    assert center_notice.pk not in PatrolItem.objects.values_list("notice_id", flat=True)


def test_a_worker_down_for_days_catches_up_without_gaps(clock: FixedClock, patroller: Any) -> None:
    services.patrol_rounds_create_due(clock=clock)
    clock.at = sh(2026, 6, 14, 10, 0).astimezone(dt.UTC)  # four days later
    created = services.patrol_rounds_create_due(clock=clock)
    # Only the last two days' slots are created, but the first starts where the last round ended.
    assert created[0].window_start == sh(2026, 6, 10, 9, 0)
    assert created[0].planned_at == sh(2026, 6, 12, 9, 0)
    assert created[-1].planned_at == sh(2026, 6, 14, 9, 0)
    rounds = list(PatrolRound.objects.order_by("planned_at"))
    for before, after in zip(rounds, rounds[1:], strict=False):
        assert after.window_start == before.window_end


def test_round_robin_among_patrollers(clock: FixedClock, make_user: Any, center: Any) -> None:
    a = make_user("patroller", org=center)
    b = make_user("patroller", org=center)
    make_user("editor", org=center)  # not a patroller
    services.patrol_rounds_create_due(clock=clock)
    clock.at = sh(2026, 6, 10, 23, 0).astimezone(dt.UTC)
    services.patrol_rounds_create_due(clock=clock)
    assignees = list(PatrolRound.objects.order_by("planned_at").values_list("assigned_to", flat=True))
    assert assignees == [a.pk, b.pk, a.pk]


def test_findings_recorded_at_submission_are_snapshotted(
    clock: FixedClock, patroller: Any, agency_notice: Any
) -> None:
    notice = agency_notice(sh(2026, 6, 10, 8, 0))
    finding = Finding("bid_period", "error", "投标期限不足20日", "《招标投标法》第二十四条", "bid_deadline")
    compliance.compliance_record(
        actor=None, subject=f"notice:{notice.pk}", result=CheckResult((finding,)), clock=clock
    )
    round_ = services.patrol_rounds_create_due(clock=clock)[0]
    item = round_.items.get()
    assert item.findings[0]["rule_code"] == "bid_period"
    assert item.findings[0]["message"] == "投标期限不足20日"
    assert item.error_count == 1


def test_verdicts_and_completion(
    clock: FixedClock, patroller: Any, agency_notice: Any, make_user: Any
) -> None:
    agency_notice(sh(2026, 6, 10, 8, 0))
    agency_notice(sh(2026, 6, 10, 8, 30), title="第二条")
    round_ = services.patrol_rounds_create_due(clock=clock)[0]
    first, second = list(round_.items.order_by("pk"))
    services.patrol_item_verdict(actor=patroller, item=first, verdict="ok", clock=clock)
    with pytest.raises(ValidationFailed, match="还有 1 条公告未填写巡查结论"):
        services.patrol_round_complete(actor=patroller, round=round_, clock=clock)
    with pytest.raises(ValidationFailed, match="必须写明问题"):
        services.patrol_item_verdict(
            actor=patroller, item=second, verdict="problem", comment=" ", clock=clock
        )
    with pytest.raises(ValidationFailed, match="请选择巡查结论"):
        services.patrol_item_verdict(actor=patroller, item=second, verdict="maybe", clock=clock)
    services.patrol_item_verdict(
        actor=patroller, item=second, verdict="problem", comment="截止时间不足", clock=clock
    )
    done = services.patrol_round_complete(actor=patroller, round=round_, clock=clock)
    assert done.status == "done" and done.done_at == clock.now() and done.done_by == patroller
    # A finished round is a record: no more verdicts, no second completion.
    with pytest.raises(InvalidTransition):
        services.patrol_item_verdict(actor=patroller, item=first, verdict="problem", comment="x", clock=clock)
    with pytest.raises(InvalidTransition):
        services.patrol_round_complete(actor=patroller, round=round_, clock=clock)
    # Someone who is not a patroller may not patrol.
    editor = make_user("editor")
    with pytest.raises(PermissionDenied):
        services.patrol_item_verdict(actor=editor, item=first, verdict="ok", clock=clock)


def test_rounds_per_day_against_the_plan(clock: FixedClock, patroller: Any) -> None:
    round_ = services.patrol_rounds_create_due(clock=clock)[0]
    services.patrol_round_complete(actor=patroller, round=round_, clock=clock)
    days = selectors.rounds_per_day(today=dt.date(2026, 6, 10), days=14)
    assert len(days) == 14
    assert (days[-1].day, days[-1].done, days[-1].required) == (dt.date(2026, 6, 10), 1, 3)
    assert all(d.done == 0 for d in days[:-1])


def test_plan_update_validates_times(clock: FixedClock, patroller: Any) -> None:
    plan = services.patrol_plan_update(actor=patroller, times=["8:30", "16:00", "08:30"], correction_days=3)
    assert plan.times == ["08:30", "16:00"] and plan.correction_days == 3
    with pytest.raises(ValidationFailed, match="格式不正确"):
        services.patrol_plan_update(actor=patroller, times=["25:99"], correction_days=3)
    with pytest.raises(ValidationFailed, match="至少安排一次"):
        services.patrol_plan_update(actor=patroller, times=[" "], correction_days=3)
    with pytest.raises(ValidationFailed, match="1到60"):
        services.patrol_plan_update(actor=patroller, times=["09:00"], correction_days=0)
    # The new plan applies to the next rounds: 10:00 → the 08:30 slot.
    created = services.patrol_rounds_create_due(clock=clock)
    assert created[0].planned_at == sh(2026, 6, 10, 8, 30)
