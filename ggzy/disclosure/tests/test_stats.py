"""Report table 三 and 四 from real applications: every closed application in exactly one outcome
cell, the carry-over across a year boundary, the 勾稽关系 checks, and the query budget."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from ggzy.disclosure import outcomes, selectors, services
from ggzy.disclosure.tests.conftest import applicant, at, info

pytestmark = pytest.mark.django_db
D = dt.date
COLUMNS = ["natural_person", "business", "research", "public_interest", "legal_service", "other"]


def _reply(officer: Any, request: Any, outcome: str, day: dt.date) -> None:
    services.disclosure_reply(
        actor=officer,
        request=request,
        outcome=outcome,
        legal_basis="《中华人民共和国政府信息公开条例》第三十六条",
        replied_on=day,
        clock=at(day.year, day.month, day.day),
    )


def test_table3_cells_carry_over_and_checks(
    register: Callable[..., Any],
    officer: Any,
    django_assert_max_num_queries: Any,
    django_assert_num_queries: Any,
) -> None:
    # 2025: one closed within the year, one still open on 31 December (carried over).
    closed_2025 = register(D(2025, 11, 3), kind="business")
    _reply(officer, closed_2025, "3.1", D(2025, 11, 20))
    carried = register(D(2025, 12, 22), kind="natural_person")
    # 2026: one of each column, each closed with a different outcome, plus one left open.
    plan = [
        ("natural_person", "3.2"),
        ("business", "3.1"),
        ("research", "3.3.4"),
        ("public_interest", "3.5.2"),
        ("legal_service", "3.6.3"),
        ("other", "3.4.1"),
    ]
    for kind, outcome in plan:
        _reply(officer, register(D(2026, 3, 2), kind=kind), outcome, D(2026, 3, 20))
    _reply(officer, carried, "3.3.1", D(2026, 1, 9))
    register(D(2026, 11, 2), kind="research")  # still open at the end of 2026
    services.disclosure_request_submit(  # never confirmed: no receipt date, not counted
        applicant=applicant(),
        info=info(),
        clock=at(2026, 11, 3),
    )

    s2025 = selectors.disclosure_stats(year=2025)
    assert s2025.row("1").cells == [1, 1, 0, 0, 0, 0, 2]
    assert s2025.row("3.1").cells == [0, 1, 0, 0, 0, 0, 1]
    assert s2025.row("3.7").cells == [0, 1, 0, 0, 0, 0, 1]
    assert s2025.row("4").cells == [1, 0, 0, 0, 0, 0, 1]
    assert s2025.all_passed, [c for c in s2025.checks if not c.passed]

    with django_assert_max_num_queries(10):
        s2026 = selectors.disclosure_stats(year=2026)
    with django_assert_num_queries(4):  # flow by column (三(七) on its own), cells, 上年四, 表四
        assert selectors.disclosure_stats(year=2026) == s2026
    assert [r.code for r in s2026.table3] == [r.code for r in outcomes.ROWS]
    assert [r.label for r in s2026.table3] == [r.label for r in outcomes.ROWS]
    assert all(len(r.cells) == 7 for r in s2026.table3)
    assert s2026.row("1").cells == [1, 1, 2, 1, 1, 1, 7]
    # 二 this year = 四 last year, column by column.
    assert s2026.row("2").cells == s2025.row("4").cells == [1, 0, 0, 0, 0, 0, 1]
    expected = {
        "3.2": "natural_person",
        "3.1": "business",
        "3.3.4": "research",
        "3.5.2": "public_interest",
        "3.6.3": "legal_service",
        "3.4.1": "other",
    }
    for code in outcomes.OUTCOME_CODES:
        row = s2026.row(code).cells
        wanted = [0] * 7
        if code in expected:
            wanted[COLUMNS.index(expected[code])] = 1
            wanted[6] = 1
        if code == "3.3.1":  # the carried-over application, closed in January 2026
            wanted = [1, 0, 0, 0, 0, 0, 1]
        assert row == wanted, code
    assert s2026.row("3.7").cells == [2, 1, 1, 1, 1, 1, 7]
    assert s2026.row("4").cells == [0, 0, 1, 0, 0, 0, 1]
    assert s2026.all_passed, [c for c in s2026.checks if not c.passed]
    rules = [c.rule for c in s2026.checks]
    assert "表三“总计”列：一 + 二 = 三（七）+ 四" in rules
    assert any(r.startswith("表四") for r in rules)
    assert any(r.startswith("跨年度") for r in rules)

    payload = s2026.as_dict()
    assert len(payload["table3"]) == 25
    assert payload["table3"][0] == {
        "code": "1",
        "label": "一、本年新收政府信息公开申请数量",
        "cells": [1, 1, 2, 1, 1, 1, 7],
    }
    assert set(payload["table4"]) == {"review", "lawsuit_direct", "lawsuit_after_review"}
    assert all(c["passed"] for c in payload["checks"])


def test_empty_year_is_all_zero_and_consistent(db: None) -> None:
    stats = selectors.disclosure_stats(year=2024)
    assert all(r.cells == [0] * 7 for r in stats.table3)
    assert all(v == 0 for group in stats.table4.values() for v in group.values())
    assert stats.all_passed


def test_totals_still_count_rows_outside_the_six_columns(register: Callable[..., Any], officer: Any) -> None:
    """The 总计 column adds up every group the database returns, not only the six shown: an
    application with an unknown applicant kind makes the row check fail instead of vanishing."""
    from ggzy.disclosure.models import DisclosureRequest

    good = register(D(2026, 3, 2))
    _reply(officer, good, "3.1", D(2026, 3, 20))
    odd = register(D(2026, 3, 2))
    _reply(officer, odd, "3.2", D(2026, 3, 20))
    DisclosureRequest.objects.filter(pk=odd.pk).update(applicant_kind="alien")
    stats = selectors.disclosure_stats(year=2026)
    assert stats.row("1").cells == [1, 0, 0, 0, 0, 0, 2]
    assert stats.row("3.2").cells == [0, 0, 0, 0, 0, 0, 1]
    assert stats.row("3.7").cells == [1, 0, 0, 0, 0, 0, 2]
    failed = [c.rule for c in stats.checks if not c.passed]
    assert failed == ["表三每一行：总计 = 自然人 + 五类法人或其他组织之和"]


def test_closed_total_is_counted_apart_from_the_outcome_cells(
    register: Callable[..., Any], officer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """三（七） comes from the flow query, not from the outcome cells: if the cells lose an
    application, the check "三（七）总计 = 21种办理结果之和" fails."""
    _reply(officer, register(D(2026, 3, 2)), "3.1", D(2026, 3, 20))
    real = selectors._outcome_cells

    def lossy(year: int) -> Any:
        _cells, totals = real(year)
        return {}, dict.fromkeys(totals, 0)

    monkeypatch.setattr(selectors, "_outcome_cells", lossy)
    stats = selectors.disclosure_stats(year=2026)
    assert stats.row("3.7").cells == [1, 0, 0, 0, 0, 0, 1]
    failed = [c.rule for c in stats.checks if not c.passed]
    assert "表三“总计”列：三（七）总计 = 21种办理结果之和" in failed
    assert "表三“自然人”列：三（七）总计 = 21种办理结果之和" in failed
