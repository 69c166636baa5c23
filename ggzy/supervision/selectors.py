"""Every read of the supervision app: rounds, orders, the dashboard, broken links, the board."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.compliance import selectors as compliance
from ggzy.core.clock import SHANGHAI
from ggzy.core.errors import NotFound
from ggzy.publishing import selectors as publishing
from ggzy.publishing.choices import ReleaseStatus
from ggzy.publishing.models import Notice
from ggzy.supervision.choices import OrderStatus, RoundStatus, SubjectKind
from ggzy.supervision.models import (
    BrokenLink,
    CorrectionOrder,
    LinkCheckRun,
    PatrolItem,
    PatrolPlan,
    PatrolRound,
    Violation,
)

PUBLIC_STATUSES = (ReleaseStatus.PUBLISHED, ReleaseStatus.CORRECTED, ReleaseStatus.WITHDRAWN)


# ---------------------------------------------------------------- patrol inputs


def agency_notices_between(*, start: dt.datetime, end: dt.datetime) -> list[Notice]:
    """Notices agencies published in [start, end): publishing's selector (contract C4)."""
    return list(publishing.agency_notices_published_between(start=start, end=end))


def findings_snapshot(notice: Notice) -> list[dict[str, str]]:
    """The compliance findings recorded when the notice was submitted (contract C3), as dicts."""
    latest = compliance.compliance_latest(subject=f"notice:{notice.pk}")
    if latest is None:
        return []
    rows: list[dict[str, str]] = []
    for finding in latest.findings:
        data: Any = finding.as_dict() if hasattr(finding, "as_dict") else dict(finding)
        rows.append({k: str(v) for k, v in data.items()})
    return rows


# ---------------------------------------------------------------- rounds


def round_list(*, status: str | None = None, limit: int = 100) -> list[PatrolRound]:
    qs = PatrolRound.objects.select_related("assigned_to", "done_by").annotate(
        item_count=Count("items"), pending=Count("items", filter=Q(items__verdict=""))
    )
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("-planned_at")[:limit])


def round_get(*, pk: int) -> PatrolRound:
    round_ = PatrolRound.objects.select_related("assigned_to", "done_by").filter(pk=pk).first()
    if round_ is None:
        raise NotFound("巡查轮次不存在")
    return round_


def round_items(round_: PatrolRound) -> list[PatrolItem]:
    return list(
        round_.items.select_related("notice", "notice__organisation", "verdict_by")
        .prefetch_related("orders")
        .order_by("notice__published_at", "pk")
    )


def item_get(*, pk: int) -> PatrolItem:
    item = PatrolItem.objects.select_related("round", "notice", "notice__organisation").filter(pk=pk).first()
    if item is None:
        raise NotFound("巡查条目不存在")
    return item


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    done: int
    required: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.required)) if self.required else 100


def rounds_per_day(*, today: dt.date, days: int = 14) -> list[DayCount]:
    """Rounds completed per day (by the day they were planned) vs the plan's daily requirement."""
    plan = PatrolPlan.objects.order_by("pk").first()
    required = len(plan.times) if plan is not None else 3
    first = today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=SHANGHAI)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
    done: dict[dt.date, int] = {}
    for planned in PatrolRound.objects.filter(
        status=RoundStatus.DONE, planned_at__gte=start, planned_at__lt=end
    ).values_list("planned_at", flat=True):
        day = planned.astimezone(SHANGHAI).date()
        done[day] = done.get(day, 0) + 1
    return [
        DayCount(day, done.get(day, 0), required)
        for day in (first + dt.timedelta(days=n) for n in range(days))
    ]


# ---------------------------------------------------------------- correction orders


def _orders_visible(user: User) -> QuerySet[CorrectionOrder]:
    qs = CorrectionOrder.objects.select_related("notice", "organisation", "issued_by")
    if user.is_center_staff:
        return qs
    if user.has_role(Role.AGENCY_PUBLISHER) and user.organisation_id is not None:
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


def order_list(*, user: User, status: str | None = None) -> list[CorrectionOrder]:
    qs = _orders_visible(user)
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("-issued_at", "-pk")[:300])


def order_get(*, user: User, pk: int) -> CorrectionOrder:
    """An order for this user; another agency's order is "not found" (existence is not disclosed)."""
    order = (
        _orders_visible(user).filter(pk=pk).select_related("patrol_item", "answered_by", "closed_by").first()
    )
    if order is None:
        raise NotFound("整改通知不存在或您无权查看")
    return order


def orders_open() -> list[CorrectionOrder]:
    return list(
        CorrectionOrder.objects.exclude(status=OrderStatus.CLOSED)
        .select_related("notice", "organisation")
        .order_by("deadline", "pk")
    )


def orders_overdue(*, today: dt.date, user: User | None = None) -> list[CorrectionOrder]:
    """Orders the agency still owes an answer to after the deadline (``workflow.is_overdue``)."""
    qs = (
        _orders_visible(user)
        if user is not None
        else CorrectionOrder.objects.select_related("notice", "organisation")
    )
    return list(qs.filter(status=OrderStatus.ISSUED, deadline__lt=today).order_by("deadline", "pk"))


def orders_for_notice(notice: Notice) -> list[CorrectionOrder]:
    return list(CorrectionOrder.objects.filter(notice=notice).order_by("-issued_at"))


# ---------------------------------------------------------------- broken links


def published_page_paths() -> list[str]:
    """Every published page of the public site: home, the column and list pages, each category,
    and the detail page of every published notice and article (from publishing's selectors)."""
    paths = [
        reverse("portal:home"),
        reverse("portal:notice_list"),
        reverse("portal:article_list"),
        reverse("portal:gk_index"),
        reverse("portal:interaction"),
        reverse("portal:credit"),
        reverse("portal:service_guide"),
        reverse("supervision:exposure_board"),
    ]
    paths += [reverse("portal:article_category", args=[c.code]) for c in publishing.category_list()]
    paths += [
        reverse("portal:notice_detail", args=[pk])
        for pk in publishing.notice_list_public().values_list("pk", flat=True).iterator()
    ]
    paths += [
        reverse("portal:article_detail", args=[pk])
        for pk in publishing.article_list_public().values_list("pk", flat=True).iterator()
    ]
    return paths


def broken_links(*, show_fixed: bool = False) -> list[BrokenLink]:
    qs = BrokenLink.objects.select_related("fixed_by", "last_run")
    if not show_fixed:
        qs = qs.filter(fixed_at__isnull=True)
    return list(qs.order_by("-last_seen", "pk")[:500])


def broken_link_get(*, pk: int) -> BrokenLink:
    link = BrokenLink.objects.filter(pk=pk).first()
    if link is None:
        raise NotFound("错链记录不存在")
    return link


def link_runs(*, limit: int = 20) -> list[LinkCheckRun]:
    return list(LinkCheckRun.objects.order_by("-started_at", "-pk")[:limit])


# ---------------------------------------------------------------- violations and the board


def _board() -> QuerySet[Violation]:
    return Violation.objects.filter(article__status=ReleaseStatus.PUBLISHED).select_related(
        "organisation", "article", "decision_document"
    )


def exposure_list(*, kind: str | None = None, year: int | None = None) -> QuerySet[Violation]:
    """The public exposure board: violations whose 曝光台 article is published."""
    qs = _board()
    if kind in SubjectKind.values:
        qs = qs.filter(subject_kind=kind)
    if year:
        qs = qs.filter(decided_on__year=year)
    return qs.order_by("-decided_on", "-pk")


def exposure_years() -> list[int]:
    return sorted({d.year for d in _board().values_list("decided_on", flat=True)}, reverse=True)


def violation_counts(year: int) -> dict[str, int]:
    """Violations exposed in ``year`` (by the year their article was first published), by kind —
    the annual report's "曝光 15 家代理机构、11 名评标专家"."""
    start = dt.datetime(year, 1, 1, tzinfo=SHANGHAI)
    end = dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    rows = (
        Violation.objects.filter(
            article__status__in=PUBLIC_STATUSES,
            article__published_at__gte=start,
            article__published_at__lt=end,
        )
        .values_list("subject_kind")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(SubjectKind.values, 0)
    counts.update(dict(rows))
    return counts


def violation_list_staff() -> list[Violation]:
    return list(Violation.objects.select_related("organisation", "article").order_by("-created_at")[:300])


def expert_barred(*, expert_ref: str, on: dt.date) -> Violation | None:
    """The published violation that bars this expert from draws on ``on`` (for the expert draw)."""
    return (
        _board()
        .filter(subject_kind=SubjectKind.EXPERT, expert_ref=expert_ref, bars_draws_until__gte=on)
        .order_by("-bars_draws_until")
        .first()
    )


# ---------------------------------------------------------------- yearly figures (annual report)


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    # The report's year is the calendar year in Beijing time.
    return (
        dt.datetime(year, 1, 1, tzinfo=SHANGHAI),
        dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI),
    )


def patrol_rounds_done(year: int) -> int:
    """Patrol rounds completed whose planned time falls in ``year``."""
    start, end = _year_bounds(year)
    return PatrolRound.objects.filter(
        status=RoundStatus.DONE, planned_at__gte=start, planned_at__lt=end
    ).count()


def broken_links_fixed(year: int) -> int:
    """Broken links marked fixed in ``year`` that have stayed fixed (a link seen broken again is
    open once more and counts when it is fixed for good)."""
    start, end = _year_bounds(year)
    return BrokenLink.objects.filter(fixed_at__gte=start, fixed_at__lt=end).count()
