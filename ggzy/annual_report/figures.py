"""Every number the report's text may quote, in one registry: name → the selector that computes
it, its unit and its label.

The section-一 text refers to these by placeholder (``{{figure:notices.tender}}``); the year
comparison lists the same names beside last year's values; the snapshot stores their values. A
figure is computed only by calling its owner app's selector (never typed, never looped over rows):
publishing (items, notices, visits), disclosure (tables 三/四 totals, table 二, fees), accounts
(pledges), supervision (violations), participation (consultations, Q&A).

Figures whose source selector does not exist yet are simply not registered (see ``PENDING``): the
text cannot quote them and nothing pretends to count them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from ggzy.accounts import selectors as accounts
from ggzy.accounts.choices import OrganisationKind
from ggzy.disclosure import outcomes
from ggzy.disclosure import selectors as disclosure
from ggzy.disclosure.selectors import DisclosureStats, FeeTotals, Table2Stats
from ggzy.evaluation import stats as evaluation_stats
from ggzy.participation import selectors as participation
from ggzy.publishing import selectors as publishing
from ggzy.publishing.defaults import CATEGORIES
from ggzy.supervision import selectors as supervision

Number = int | Decimal


class Sources:
    """The selectors' results for one year, each called at most once."""

    def __init__(self, year: int) -> None:
        self.year = year

    @cached_property
    def publications(self) -> publishing.PublicationStats:
        return publishing.publication_stats(year=self.year)

    @cached_property
    def disclosure(self) -> DisclosureStats:
        return disclosure.disclosure_stats(year=self.year)

    @cached_property
    def table2(self) -> Table2Stats:
        return disclosure.table2_stats(year=self.year)

    @cached_property
    def fees(self) -> FeeTotals:
        return disclosure.fee_totals(year=self.year)

    @cached_property
    def participation(self) -> participation.ParticipationStats:
        return participation.participation_stats(year=self.year)

    @cached_property
    def violations(self) -> dict[str, int]:
        return supervision.violation_counts(self.year)

    @cached_property
    def trading(self) -> evaluation_stats.TradingStatistics:
        return evaluation_stats.trading_statistics(self.year)

    @cached_property
    def pledges(self) -> int:
        return accounts.pledge_count(self.year)

    @cached_property
    def patrol_rounds(self) -> int:
        return supervision.patrol_rounds_done(self.year)

    @cached_property
    def links_fixed(self) -> int:
        return supervision.broken_links_fixed(self.year)

    def table3_total(self, code: str) -> int:
        return self.disclosure.row(code).cells[-1]


@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    unit: str
    source: str  # the selector, for the staff page and the ADR trail
    compute: Callable[[Sources], Number]
    decimals: int = 0

    def value(self, sources: Sources) -> Number:
        raw = self.compute(sources)
        if self.decimals:
            return Decimal(raw).quantize(Decimal(1).scaleb(-self.decimals), rounding=ROUND_HALF_UP)
        return int(raw)


def _wan(n: Number) -> Decimal:
    return Decimal(n) / Decimal(10000)


def _other_articles(s: Sources) -> int:
    nine = {code for code, _ in CATEGORIES}
    return sum(n for code, n in s.publications.articles_by_category.items() if code not in nine)


def _other_domains(by_domain: dict[str, int]) -> int:
    return sum(n for d, n in by_domain.items() if d not in ("construction", "procurement"))


_FIGURES: list[Figure] = [
    Figure(
        "items.total", "发布各类信息", "条", "publishing.publication_stats", lambda s: s.publications.total
    ),
    Figure(
        "articles.total",
        "政务信息",
        "条",
        "publishing.publication_stats",
        lambda s: s.publications.articles_total,
    ),
    *(
        Figure(
            f"articles.{code}",
            label,
            "条",
            "publishing.publication_stats",
            (lambda c: lambda s: s.publications.articles_by_category.get(c, 0))(code),
        )
        for code, label in CATEGORIES
    ),
    Figure("articles.other", "其他栏目政务信息", "条", "publishing.publication_stats", _other_articles),
    Figure(
        "notices.tender",
        "招标公告（含变更公告）",
        "条",
        "publishing.publication_stats",
        lambda s: s.publications.tender_notices_total,
    ),
    Figure(
        "notices.change",
        "变更公告",
        "条",
        "publishing.publication_stats",
        lambda s: s.publications.change_notices,
    ),
    Figure(
        "notices.tender.construction",
        "招标公告·工程建设类",
        "条",
        "publishing.publication_stats",
        lambda s: s.publications.tender_notices_by_domain.get("construction", 0),
    ),
    Figure(
        "notices.tender.procurement",
        "招标公告·政府采购类",
        "条",
        "publishing.publication_stats",
        lambda s: s.publications.tender_notices_by_domain.get("procurement", 0),
    ),
    Figure(
        "notices.tender.other",
        "招标公告·其他交易类",
        "条",
        "publishing.publication_stats",
        lambda s: _other_domains(s.publications.tender_notices_by_domain),
    ),
    Figure(
        "notices.award",
        "中标公示",
        "条",
        "publishing.publication_stats",
        lambda s: s.publications.award_notices_total,
    ),
    Figure(
        "notices.award.construction",
        "中标公示·工程建设类",
        "条",
        "publishing.publication_stats",
        lambda s: s.publications.award_notices_by_domain.get("construction", 0),
    ),
    Figure(
        "notices.award.procurement",
        "中标公示·政府采购类",
        "条",
        "publishing.publication_stats",
        lambda s: s.publications.award_notices_by_domain.get("procurement", 0),
    ),
    Figure(
        "notices.award.other",
        "中标公示·其他交易类",
        "条",
        "publishing.publication_stats",
        lambda s: _other_domains(s.publications.award_notices_by_domain),
    ),
    Figure(
        "notices.candidate",
        "中标候选人公示",
        "条",
        "publishing.publication_stats",
        lambda s: s.publications.notices_by_kind.get("candidate", 0),
    ),
    Figure(
        "notices.termination",
        "终止公告",
        "条",
        "publishing.publication_stats",
        lambda s: s.publications.notices_by_kind.get("termination", 0),
    ),
    Figure(
        "visits.wan",
        "网站访问量",
        "万人次",
        "publishing.publication_stats",
        lambda s: _wan(s.publications.visits),
        decimals=2,
    ),
    Figure(
        "applications.received",
        "本年新收政府信息公开申请",
        "件",
        "disclosure.disclosure_stats",
        lambda s: s.table3_total(outcomes.NEW),
    ),
    Figure(
        "applications.carried_in",
        "上年结转政府信息公开申请",
        "件",
        "disclosure.disclosure_stats",
        lambda s: s.table3_total(outcomes.CARRIED_IN),
    ),
    Figure(
        "applications.closed",
        "本年办结政府信息公开申请",
        "件",
        "disclosure.disclosure_stats",
        lambda s: s.table3_total(outcomes.TOTAL),
    ),
    Figure(
        "applications.disclosed",
        "予以公开",
        "件",
        "disclosure.disclosure_stats",
        lambda s: s.table3_total("3.1"),
    ),
    Figure(
        "applications.partial",
        "部分公开",
        "件",
        "disclosure.disclosure_stats",
        lambda s: s.table3_total("3.2"),
    ),
    Figure(
        "applications.carried_out",
        "结转下年度继续办理",
        "件",
        "disclosure.disclosure_stats",
        lambda s: s.table3_total(outcomes.CARRIED_OUT),
    ),
    Figure(
        "reviews.total",
        "政府信息公开行政复议",
        "件",
        "disclosure.disclosure_stats",
        lambda s: s.disclosure.table4["review"]["total"],
    ),
    Figure(
        "lawsuits.total",
        "政府信息公开行政诉讼",
        "件",
        "disclosure.disclosure_stats",
        lambda s: (
            s.disclosure.table4["lawsuit_direct"]["total"]
            + s.disclosure.table4["lawsuit_after_review"]["total"]
        ),
    ),
    Figure(
        "rules.in_force",
        "现行有效规章和行政规范性文件",
        "件",
        "disclosure.table2_stats",
        lambda s: s.table2.rules["in_force"] + s.table2.normative_documents["in_force"],
    ),
    Figure(
        "fees.notices",
        "信息处理费缴费通知",
        "份",
        "disclosure.fee_totals",
        lambda s: s.fees.notices,
    ),
    Figure(
        "fees.collected_yuan",
        "收取信息处理费",
        "元",
        "disclosure.fee_totals",
        lambda s: s.fees.amount_paid,
        decimals=2,
    ),
    Figure("pledges.signed", "签订承诺书的代理机构", "家", "accounts.pledge_count", lambda s: s.pledges),
    Figure("patrol.rounds", "完成巡查", "轮", "supervision.patrol_rounds_done", lambda s: s.patrol_rounds),
    Figure("broken_links.fixed", "修复错链", "处", "supervision.broken_links_fixed", lambda s: s.links_fixed),
    Figure(
        "violations.agency",
        "通报曝光代理机构",
        "家",
        "supervision.violation_counts",
        lambda s: s.violations.get("agency", 0),
    ),
    Figure(
        "violations.expert",
        "通报曝光评标专家",
        "名",
        "supervision.violation_counts",
        lambda s: s.violations.get("expert", 0),
    ),
    Figure(
        "consultations.held",
        "网上调查征集",
        "次",
        "participation.participation_stats",
        lambda s: s.participation.consultations_held,
    ),
    Figure(
        "comments.received",
        "收到意见建议",
        "条",
        "participation.participation_stats",
        lambda s: s.participation.comments_received,
    ),
    Figure(
        "questions.received",
        "收到留言咨询",
        "条",
        "participation.participation_stats",
        lambda s: s.participation.questions_received,
    ),
    Figure(
        "questions.answered",
        "答复留言咨询",
        "条",
        "participation.participation_stats",
        lambda s: s.participation.questions_answered,
    ),
    Figure(
        "interpretations.published",
        "发布政策解读",
        "篇",
        "participation.participation_stats",
        lambda s: s.participation.interpretations_published,
    ),
    Figure(
        "trading.sections_opened",
        "电子开标标段（包）",
        "个",
        "evaluation.trading_statistics",
        lambda s: s.trading.sections_opened,
    ),
    Figure(
        "trading.bids",
        "接收电子投标文件",
        "份",
        "evaluation.trading_statistics",
        lambda s: s.trading.bids_received,
    ),
    Figure(
        "trading.paperless_savings.wan",
        "为投标企业节省印刷、差旅等费用（测算）",
        "万元",
        "evaluation.trading_statistics",
        lambda s: _wan(s.trading.paperless_savings),
        decimals=2,
    ),
    Figure(
        "platform.agencies",
        "平台登记代理机构",
        "家",
        "accounts.organisation_list",
        lambda s: accounts.organisation_list(kind=OrganisationKind.AGENCY).count(),
    ),
    Figure(
        "platform.bidders",
        "平台登记投标人（供应商）",
        "家",
        "accounts.organisation_list",
        lambda s: accounts.organisation_list(kind=OrganisationKind.BIDDER).count(),
    ),
]

FIGURES: dict[str, Figure] = {f.name: f for f in _FIGURES}

# Figures of section 一 whose source selector does not exist in this tree yet; they are not
# computed and the text does not mention them until the owner app provides the selector.
PENDING: dict[str, str] = {}

# Which figure must equal which table cell (勾稽关系 5: the text against the tables).
TABLE_LINKS: dict[str, tuple[str, str]] = {
    "applications.received": ("table3", outcomes.NEW),
    "applications.carried_in": ("table3", outcomes.CARRIED_IN),
    "applications.closed": ("table3", outcomes.TOTAL),
    "applications.disclosed": ("table3", "3.1"),
    "applications.partial": ("table3", "3.2"),
    "applications.carried_out": ("table3", outcomes.CARRIED_OUT),
    "reviews.total": ("table4", "review"),
    "lawsuits.total": ("table4", "lawsuit_direct+lawsuit_after_review"),
}


def compute_all(sources: Sources) -> dict[str, Any]:
    """Every registered figure for the year: ints, decimals as strings (canonical JSON)."""
    values: dict[str, Any] = {}
    for figure in FIGURES.values():
        value = figure.value(sources)
        values[figure.name] = str(value) if isinstance(value, Decimal) else value
    return values


def format_value(name: str, value: Any) -> str:
    figure = FIGURES.get(name)
    if figure is not None and figure.decimals:
        return f"{Decimal(str(value)):.{figure.decimals}f}"
    return str(value)
