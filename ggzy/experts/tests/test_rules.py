"""The pure rules: avoidance with explicit bidder lists, committee size, timing, workflow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ggzy.core.workdays import WorkCalendar
from ggzy.experts import rules, workflow
from ggzy.experts.config import DEFAULTS

DAY = dt.date(2026, 6, 11)
E = rules.Employment


def test_avoidance_rules_with_explicit_bidders() -> None:
    employments = [
        E(1, 100, dt.date(2015, 1, 1), None),  # at bidder 100 now
        E(2, 100, dt.date(2015, 1, 1), dt.date(2023, 6, 11)),  # left exactly 3 years ago: avoided
        E(3, 100, dt.date(2015, 1, 1), dt.date(2023, 6, 10)),  # left 3 years and a day ago: fine
        E(4, 200, None, None),  # tenderer staff
        E(5, 300, None, None),  # agency staff
        E(6, 200, dt.date(2010, 1, 1), dt.date(2020, 1, 1)),  # former tenderer staff: fine
        E(7, 101, dt.date(2026, 7, 1), None),  # starts at a bidder after the evaluation: fine
        E(8, 999, None, None),  # unrelated
    ]
    facts = [
        rules.StatusFact(9, "suspended"),
        rules.StatusFact(10, "active", barred_until=DAY),
        rules.StatusFact(11, "active", barred_until=DAY - dt.timedelta(days=1)),
        rules.StatusFact(12, "active", birth_date=dt.date(1956, 6, 11)),
        rules.StatusFact(13, "active", birth_date=dt.date(1956, 6, 12)),
    ]
    got = rules.build_avoidance(
        employments=employments,
        facts=facts,
        bidder_ids=[100, 101],
        tenderer_id=200,
        agency_id=300,
        evaluation_day=DAY,
        age_limit=70,
        barred_ids=[14],
        manual={15: "亲属关系"},
    )
    assert got == {
        1: ["bidder_employer"],
        2: ["bidder_employer"],
        4: ["tenderer_staff"],
        5: ["agency_staff"],
        9: ["suspended"],
        10: ["barred"],
        12: ["age"],
        14: ["barred"],
        15: ["manual"],
    }
    # No bidders: nobody avoided for a bidder; no age limit (construction): nobody for age.
    none = rules.build_avoidance(
        employments=employments,
        facts=facts,
        bidder_ids=[],
        tenderer_id=200,
        agency_id=None,
        evaluation_day=DAY,
    )
    assert all("bidder_employer" not in v for v in none.values())
    assert 12 not in none and 5 not in none


def test_size_rules_first_match() -> None:
    size = rules.size_rules_from(DEFAULTS["size_rules"])
    pick = rules.size_rule_for
    assert (
        pick(size, domain="procurement", procedure="open_tendering", budget=Decimal("10000000")).minimum == 7
    )
    assert pick(size, domain="procurement", procedure="inquiry", budget=Decimal("1")).minimum == 3
    assert pick(size, domain="construction", procedure="open_tendering", budget=None).minimum == 5
    rule = pick(size, domain="construction", procedure="open_tendering", budget=None)
    assert rules.committee_problems(rule=rule, drawn=5, representatives=0) == []
    assert rules.committee_problems(rule=rule, drawn=4, representatives=1) == []
    assert any("单数" in p for p in rules.committee_problems(rule=rule, drawn=6, representatives=0))


@pytest.mark.parametrize(
    ("today", "expected"),
    [(dt.date(2026, 6, 9), None), (dt.date(2026, 6, 8), "过早"), (dt.date(2026, 6, 5), "过早")],
)
def test_timing_two_working_days(today: dt.date, expected: str | None) -> None:
    timing = rules.timing_rules_from(DEFAULTS["timing_rules"])
    now = dt.datetime.combine(today, dt.time(2), tzinfo=dt.UTC)
    problem = rules.timing_problem(
        rules=timing,
        domain="procurement",
        procedure="open_tendering",
        now=now,
        today=today,
        bid_deadline=now - dt.timedelta(hours=1),
        evaluation_at=dt.datetime(2026, 6, 11, 1, tzinfo=dt.UTC),
        evaluation_day=DAY,
        calendar=WorkCalendar(),
    )
    assert (problem is None) if expected is None else (expected in (problem or ""))


def test_workflow_refuses_with_reason() -> None:
    with pytest.raises(workflow.TransitionNotAllowed, match="当前状态"):
        workflow.ensure_allowed("execute", workflow.DRAFT)
    assert workflow.target("commit", workflow.DRAFT) == workflow.COMMITTED
