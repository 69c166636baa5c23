"""The disclosure demo: accounts, applications through the real services, 2021 left at zero."""

from __future__ import annotations

from typing import Any

import pytest

from ggzy.accounts.models import User
from ggzy.disclosure import selectors
from ggzy.disclosure.models import DisclosureRequest, ReviewCase
from ggzy.platform.demo_disclosure import DEMO_HEAD, DEMO_OFFICER, load_disclosure_demo

pytestmark = pytest.mark.django_db


def test_demo_applications_land_in_2025_and_2026_only(center: Any) -> None:
    summary = load_disclosure_demo()
    assert summary.requests == DisclosureRequest.objects.count() == 11
    assert ReviewCase.objects.count() == summary.review_cases == 2
    assert not DisclosureRequest.objects.filter(arrived_on__year__lt=2025).exists()

    zero = selectors.disclosure_stats(year=2021)
    assert all(cell == 0 for row in zero.table3 for cell in row.cells)
    assert all(v == 0 for group in zero.table4.values() for v in group.values())

    for year in (2025, 2026):
        stats = selectors.disclosure_stats(year=year)
        assert stats.all_passed, [c for c in stats.checks if not c.passed]
    y2026 = selectors.disclosure_stats(year=2026)
    assert y2026.row("2").cells[6] == 1  # carried over from 31 December 2025
    assert y2026.row("3.6.2").cells[6] == 1  # unpaid fee closed
    assert selectors.disclosure_stats(year=2025).row("3.6.1").cells[6] == 1  # unanswered 补正 closed
    statuses = set(DisclosureRequest.objects.values_list("status", flat=True))
    assert {"closed", "processing", "awaiting_amendment"} <= statuses


def test_demo_accounts_hold_the_two_roles_and_reload_is_a_no_op(center: Any) -> None:
    load_disclosure_demo()
    officer = User.objects.get(username=DEMO_OFFICER)
    head = User.objects.get(username=DEMO_HEAD)
    assert officer.has_role("disclosure_officer") and officer.organisation == center
    assert head.has_role("disclosure_head")
    again = load_disclosure_demo()
    assert again.skipped and DisclosureRequest.objects.count() == 11


def test_year_from_after_the_demo_years_creates_only_accounts(center: Any) -> None:
    summary = load_disclosure_demo(year_from=2027)
    assert summary.requests == 0
    assert User.objects.filter(username__in=[DEMO_OFFICER, DEMO_HEAD]).count() == 2
