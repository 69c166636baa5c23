"""The trading statistics on a small data set built through the real services (sections published
and closed by trading, sealed bids submitted, replaced and withdrawn by bidders, two sections
evaluated and awarded), checked against figures computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from ggzy.core.clock import FixedClock
from ggzy.core.errors import ValidationFailed
from ggzy.evaluation import stats
from ggzy.evaluation.tests.conftest import T0
from ggzy.evaluation.tests.outcome_support import build_section, close, start, to_award
from ggzy.trading import services as trading
from ggzy.trading.tests.bidkit import make_sealer, trust_ca

pytestmark = pytest.mark.django_db

JUNE_30_10H = dt.datetime(2026, 6, 30, 2, 0, tzinfo=dt.UTC)  # 10:00 Beijing, 30 June
JULY_1_0030 = dt.datetime(2026, 6, 30, 16, 30, tzinfo=dt.UTC)  # 00:30 Beijing, 1 July (UTC: June)


@pytest.fixture
def year_2026(world: Any, staff: Any, publish: Any, eclock: FixedClock, settings: Any) -> FixedClock:
    """Four sections of 2026:

    A (budget 1,000,000; opens 30 June): 甲 乙 丙 bid, 甲 replaces its bid → 3 bids; awarded to 甲
      at 900,000.
    B (no budget; opens 1 July Beijing time): 甲 乙 丙 bid, 丙 withdraws and bids again → 3 bids;
      awarded to 甲 at 480,000.
    C (budget 500,000; opens 30 June): 乙 bids and withdraws → no bid: not opened.
    D (budget 300,000; opens 30 June): 甲 乙 bid → 2 bids; not evaluated.

    By hand: opened 3 (A, D in June; B in July), bids 3 + 3 + 2 = 8 (June 5, July 3), average
    8 / 3 = 2.67; awards 2, 1,380,000.00 元 (both confirmed in July); with a budget only A:
    (1,000,000 − 900,000) / 1,000,000 = 10.00 %; paperless 8 × (200 + 300) = 4,000.00 元.
    """
    settings.GGZY_SAVINGS_PRINTING_PER_BID_YUAN = "200"
    settings.GGZY_SAVINGS_TRAVEL_PER_BID_YUAN = "300"
    ca = trust_ca(eclock)
    jia, yi, bing = (make_sealer(ca, user, eclock) for user in world.bidders)
    a = build_section(world, staff, publish, eclock, deadline=JUNE_30_10H, name="A")
    b = build_section(world, staff, publish, eclock, deadline=JULY_1_0030, budget=None, name="B")
    c = build_section(world, staff, publish, eclock, deadline=JUNE_30_10H, budget=Decimal("500000"), name="C")
    d = build_section(world, staff, publish, eclock, deadline=JUNE_30_10H, budget=Decimal("300000"), name="D")

    def bid(sealer: Any, section: Any, price: str) -> Any:
        import io

        data = sealer.seal(section, price.encode(), summary={"price": price})
        return trading.bid_submit_file(actor=sealer.user, section=section, src=io.BytesIO(data), clock=eclock)

    bid(jia, a, "910000")
    bid(jia, a, "900000")  # replaces
    bid(yi, a, "1000000")
    bid(bing, a, "950000")
    bid(jia, b, "480000")
    bid(yi, b, "500000")
    trading.bid_withdraw(actor=bing.user, bid=bid(bing, b, "490000"), clock=eclock)
    bid(bing, b, "495000")
    trading.bid_withdraw(actor=yi.user, bid=bid(yi, c, "450000"), clock=eclock)
    bid(jia, d, "290000")
    bid(yi, d, "280000")
    eclock.at = JULY_1_0030 + dt.timedelta(minutes=5)
    for section in (a, b, c, d):
        close(section, eclock)
    # Evaluate in office hours (periods.check_candidate_publicity compares UTC dates: see the report).
    eclock.at = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC)
    to_award(world, start(world, a, eclock, ("900000", "1000000", "950000")), eclock)
    to_award(world, start(world, b, eclock, ("480000", "500000", "495000")), eclock)
    return eclock


def test_hand_computed_year(year_2026: FixedClock, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(4):  # grouped aggregates only, whatever the number of rows
        s = stats.trading_statistics(2026, clock=year_2026)
    assert (s.year, s.sections_opened, s.bids_received) == (2026, 3, 8)
    assert s.average_bidders == Decimal("2.67")
    assert (s.awards, s.award_amount) == (2, Decimal("1380000.00"))
    assert (s.awards_with_budget, s.budget_total, s.award_total_with_budget) == (
        1,
        Decimal("1000000.00"),
        Decimal("900000.00"),
    )
    assert (s.savings_amount, s.savings_rate_percent) == (Decimal("100000.00"), Decimal("10.00"))
    assert (s.printing_per_bid, s.travel_per_bid, s.paperless_savings) == (
        Decimal("200"),
        Decimal("300"),
        Decimal("4000.00"),
    )
    june, july = s.months[5], s.months[6]
    assert (june.month, june.sections_opened, june.bids_received, june.awards) == (6, 2, 5, 0)
    assert (july.sections_opened, july.bids_received, july.awards, july.award_amount) == (
        1,
        3,
        2,
        Decimal("1380000.00"),
    )
    assert sum(m.sections_opened for m in s.months) == 3 and len(s.months) == 12
    charts = stats.charts(s)
    assert [c["id"] for c in charts] == ["chart-activity", "chart-awards"]
    assert "开标标段合计3个；投标文件合计8份" in charts[0]["svg"]
    assert "中标金额合计138万元" in charts[1]["svg"]


def test_amounts_come_from_settings(year_2026: FixedClock, settings: Any) -> None:
    settings.GGZY_SAVINGS_PRINTING_PER_BID_YUAN = "120"
    settings.GGZY_SAVINGS_TRAVEL_PER_BID_YUAN = "80.50"
    s = stats.trading_statistics("2026", clock=year_2026)
    assert s.paperless_savings == Decimal("1604.00")  # 8 × 200.50
    settings.GGZY_SAVINGS_TRAVEL_PER_BID_YUAN = "-1"
    with pytest.raises(ValueError, match="GGZY_SAVINGS_TRAVEL_PER_BID_YUAN"):
        stats.trading_statistics(2026, clock=year_2026)


def test_empty_and_refused_years(eclock: FixedClock) -> None:
    s = stats.trading_statistics(2025, clock=eclock)
    assert (s.sections_opened, s.bids_received, s.awards, s.award_amount) == (0, 0, 0, Decimal("0.00"))
    assert s.average_bidders is None and s.savings_rate_percent is None
    assert s.paperless_savings == Decimal("0.00")
    assert T0.year == 2026
    with pytest.raises(ValidationFailed, match="不能晚于今年（2026 年）"):
        stats.trading_statistics(2027, clock=eclock)
    with pytest.raises(ValidationFailed, match="四位数字"):
        stats.trading_statistics("二〇二六", clock=eclock)


def test_annual_report_quotes_the_trading_figures(year_2026: FixedClock) -> None:
    """Part 8 "available to the annual report": the report's figures are these statistics, and the
    default section 一 quotes them as live placeholders."""
    from ggzy.annual_report import figures, selectors, text

    data = selectors.report_data(2026)
    assert (data["figures"]["trading.sections_opened"], data["figures"]["trading.bids"]) == (3, 8)
    assert data["figures"]["trading.paperless_savings.wan"] == "0.40"  # 4,000 元
    general = text.default_general(data["figures"], year=2026)
    assert "{{figure:trading.bids}}" in general
    rendered = text.render(general, data["figures"], figures.format_value).text
    assert "全年电子化开标3个标段（包），接收电子投标文件8份" in rendered
    assert "节省费用约0.40万元" in rendered
