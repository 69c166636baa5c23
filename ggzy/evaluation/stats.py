"""Trading statistics per year (issue #8 §8): the database aggregates. Reads only.

:func:`trading_statistics` is what the staff dashboard shows and what the annual report quotes.
Every figure is summed by the database (a handful of grouped queries, never a loop over rows);
the formulas on the sums are pure, in :mod:`ggzy.evaluation.stats_rules`.

Definitions (docs/adr/0027-evaluation-outcomes-and-statistics.md):

* **sections opened** (开标标段数): sections whose bidding was closed by the platform and that
  received at least one bid, counted in the year (Beijing time) of their opening time (the bid
  deadline when no separate opening time is set);
* **bids received** (投标文件数): the bids in force at the deadline (one per bidder and section:
  replaced versions and withdrawn bids do not count) of those sections;
* **awards and contract amounts** (中标金额): evaluations whose winner was confirmed in the year,
  summed at the winner's bid price (the contract price: SME deductions change only the evaluated
  price);
* **savings rate** (节资率): Σ(budget − award) / Σ budget over the year's awards whose section has
  a budget;
* **paperless savings** (不见面交易为投标人节约费用, estimated): bids received × (printing + travel
  per bid), the two amounts configurable in settings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, ExtractMonth

from ggzy.core.clock import SHANGHAI, Clock, local_date, system_clock
from ggzy.evaluation import stats_rules, workflow
from ggzy.evaluation.models import Evaluation
from ggzy.trading.models import Bid, Section

# Defaults (元 per bid), chosen so that the 2021 report's "about 4.5 million 元 a year" is
# plausible: ≈ 9,000 bids a year (≈ 1,700 awarded sections × ≈ 5.3 bidders) × 500 元. Printing:
# an original and several copies of a bound bid file; travel: a trip to submit and a trip to the
# opening. Assumptions, not measurements: set GGZY_SAVINGS_PRINTING_PER_BID_YUAN and
# GGZY_SAVINGS_TRAVEL_PER_BID_YUAN to the center's own figures.
DEFAULT_PRINTING_PER_BID = Decimal("200")
DEFAULT_TRAVEL_PER_BID = Decimal("300")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class MonthFigures:
    """One month of a year's statistics (month 1–12, Beijing time)."""

    month: int
    sections_opened: int
    bids_received: int
    awards: int
    award_amount: Decimal


@dataclass(frozen=True)
class TradingStatistics:
    """A year's trading statistics. Amounts in 元 (2 places); the savings rate in percent."""

    year: int
    sections_opened: int
    bids_received: int
    average_bidders: Decimal | None  # bids per opened section; None without sections
    awards: int
    award_amount: Decimal
    awards_with_budget: int
    budget_total: Decimal  # Σ budget of the awards with a budget
    award_total_with_budget: Decimal  # Σ award of those same sections
    savings_amount: Decimal  # budget_total − award_total_with_budget
    savings_rate_percent: Decimal | None
    printing_per_bid: Decimal
    travel_per_bid: Decimal
    paperless_savings: Decimal
    months: tuple[MonthFigures, ...]


def savings_amounts() -> tuple[Decimal, Decimal]:
    """(printing, travel) per bid in 元 from settings (defaults above)."""
    printing = stats_rules.money_setting(
        getattr(settings, "GGZY_SAVINGS_PRINTING_PER_BID_YUAN", DEFAULT_PRINTING_PER_BID),
        "GGZY_SAVINGS_PRINTING_PER_BID_YUAN",
    )
    travel = stats_rules.money_setting(
        getattr(settings, "GGZY_SAVINGS_TRAVEL_PER_BID_YUAN", DEFAULT_TRAVEL_PER_BID),
        "GGZY_SAVINGS_TRAVEL_PER_BID_YUAN",
    )
    return printing, travel


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime(year, 1, 1, tzinfo=SHANGHAI), dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI)


def check_year(raw: object, *, clock: Clock = system_clock) -> int:
    """The year from user input, refused in Chinese when malformed or in the future."""
    return stats_rules.check_year(raw, this_year=local_date(clock.now()).year)


def opened_sections(year: int) -> tuple[dict[int, int], dict[int, int]]:
    """(sections opened per month, bids received per month) of ``year``: two grouped queries."""
    start, end = year_bounds(year)
    opening = Coalesce("opening_at", "bid_deadline")
    current = Bid.objects.filter(section=OuterRef("pk"), is_current=True)
    sections = (
        Section.objects.filter(closed_at__isnull=False)
        .annotate(opened_on=opening)
        .filter(opened_on__gte=start, opened_on__lt=end)
        .filter(Exists(current))
    )
    per_month = (
        sections.annotate(month=ExtractMonth("opened_on", tzinfo=SHANGHAI))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
    )
    bids = (
        Bid.objects.filter(is_current=True, section__in=sections.values("pk"))
        .annotate(
            month=ExtractMonth(Coalesce("section__opening_at", "section__bid_deadline"), tzinfo=SHANGHAI)
        )
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
    )
    return (
        {row["month"]: row["n"] for row in per_month},
        {row["month"]: row["n"] for row in bids},
    )


def trading_statistics(year: int | str, *, clock: Clock = system_clock) -> TradingStatistics:
    """The year's figures (raises ``ValidationFailed`` in Chinese for a malformed or future year)."""
    year = check_year(year, clock=clock)
    start, end = year_bounds(year)
    sections_by_month, bids_by_month = opened_sections(year)
    awarded = Evaluation.objects.filter(
        status=workflow.AWARDED, winner__isnull=False, awarded_at__gte=start, awarded_at__lt=end
    )
    awards_by_month = {
        row["month"]: (row["n"], row["amount"] or ZERO)
        for row in awarded.annotate(month=ExtractMonth("awarded_at", tzinfo=SHANGHAI))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"), amount=Sum("winner__price"))
    }
    with_budget = Q(section__budget__isnull=False, section__budget__gt=0)
    budget = awarded.aggregate(
        n=Count("pk", filter=with_budget),
        budget=Sum("section__budget", filter=with_budget),
        award=Sum("winner__price", filter=with_budget),
    )
    months = tuple(
        MonthFigures(
            month=m,
            sections_opened=sections_by_month.get(m, 0),
            bids_received=bids_by_month.get(m, 0),
            awards=awards_by_month.get(m, (0, ZERO))[0],
            award_amount=Decimal(awards_by_month.get(m, (0, ZERO))[1]).quantize(stats_rules.TWO),
        )
        for m in range(1, 13)
    )
    sections_opened = sum(sections_by_month.values())
    bids_received = sum(bids_by_month.values())
    budget_total = Decimal(budget["budget"] or ZERO).quantize(stats_rules.TWO)
    award_with_budget = Decimal(budget["award"] or ZERO).quantize(stats_rules.TWO)
    printing, travel = savings_amounts()
    return TradingStatistics(
        year=year,
        sections_opened=sections_opened,
        bids_received=bids_received,
        average_bidders=stats_rules.average(bids_received, sections_opened),
        awards=sum(m.awards for m in months),
        award_amount=sum((m.award_amount for m in months), ZERO),
        awards_with_budget=budget["n"],
        budget_total=budget_total,
        award_total_with_budget=award_with_budget,
        savings_amount=budget_total - award_with_budget,
        savings_rate_percent=stats_rules.savings_rate_percent(
            budget_total if budget["n"] else None, award_with_budget
        ),
        printing_per_bid=printing,
        travel_per_bid=travel,
        paperless_savings=stats_rules.paperless_savings(bids_received, printing, travel),
        months=months,
    )


def charts(stats: TradingStatistics) -> list[dict[str, str]]:
    """The dashboard's charts (SVG, server-side) with their captions."""
    labels = [f"{m.month}月" for m in stats.months]
    activity = stats_rules.bar_chart_svg(
        chart_id="chart-activity",
        title=f"{stats.year}年各月开标标段数与投标文件数",
        categories=labels,
        series=[
            stats_rules.Series("开标标段", [m.sections_opened for m in stats.months], "个"),
            stats_rules.Series("投标文件", [m.bids_received for m in stats.months], "份"),
        ],
    )
    amounts = stats_rules.bar_chart_svg(
        chart_id="chart-awards",
        title=f"{stats.year}年各月中标金额（万元）",
        categories=labels,
        series=[
            stats_rules.Series(
                "中标金额",
                [(m.award_amount / 10000).quantize(stats_rules.TWO) for m in stats.months],
                "万元",
            )
        ],
    )
    return [
        {"id": "chart-activity", "svg": activity, "caption": "图1 各月开标标段数与投标文件数"},
        {"id": "chart-awards", "svg": amounts, "caption": "图2 各月中标金额"},
    ]
