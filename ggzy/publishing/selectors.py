"""Every read of the publishing app: public lists and pages, the staff work queue, statistics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import ExtractMonth

from ggzy.accounts.models import User
from ggzy.core.clock import SHANGHAI
from ggzy.core.errors import NotFound
from ggzy.publishing.choices import ContentType, NoticeKind, ReleaseStatus, TradeDomain
from ggzy.publishing.models import (
    Article,
    Category,
    Notice,
    Release,
    ReviewChain,
    ReviewRecord,
    ReviewStep,
    VisitDay,
)

PUBLIC_LIST_STATUSES = (ReleaseStatus.PUBLISHED,)
PUBLIC_PAGE_STATUSES = (ReleaseStatus.PUBLISHED, ReleaseStatus.CORRECTED, ReleaseStatus.WITHDRAWN)


def _day_bounds(date_from: dt.date | None, date_to: dt.date | None) -> dict[str, dt.datetime]:
    bounds = {}
    if date_from:
        bounds["published_at__gte"] = dt.datetime.combine(date_from, dt.time.min, tzinfo=SHANGHAI)
    if date_to:
        bounds["published_at__lt"] = dt.datetime.combine(
            date_to + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI
        )
    return bounds


def category_list() -> list[Category]:
    return list(Category.objects.filter(is_active=True))


def category_get(code: str) -> Category:
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise NotFound("栏目不存在")
    return category


def article_list_public(
    *, category: Category | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> QuerySet[Article]:
    qs = Article.objects.filter(status__in=PUBLIC_LIST_STATUSES, **_day_bounds(date_from, date_to))
    if category is not None:
        qs = qs.filter(category=category)
    return qs.select_related("category").order_by("-published_at", "-pk")


def notice_list_public(
    *,
    kind: str | None = None,
    domain: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Notice]:
    qs = Notice.objects.filter(status__in=PUBLIC_LIST_STATUSES, **_day_bounds(date_from, date_to))
    if kind:
        qs = qs.filter(kind=kind)
    if domain:
        qs = qs.filter(domain=domain)
    return qs.order_by("-published_at", "-pk")


def article_get_public(*, pk: int) -> Article:
    article = (
        Article.objects.filter(pk=pk, status__in=PUBLIC_PAGE_STATUSES)
        .select_related("category", "organisation")
        .first()
    )
    if article is None:
        raise NotFound("信息不存在或尚未发布")
    return article


def notice_get_public(*, pk: int) -> Notice:
    notice = Notice.objects.filter(pk=pk, status__in=PUBLIC_PAGE_STATUSES).select_related("changes").first()
    if notice is None:
        raise NotFound("公告不存在或尚未发布")
    return notice


def version_history(item: Release) -> list[Release]:
    """Every public version in the item's lineage, oldest first."""
    model: Any = type(item)
    return list(
        model.objects.filter(lineage_id=item.lineage_id or item.pk, status__in=PUBLIC_PAGE_STATUSES)
        .only("pk", "version", "status", "published_at", "correction_note", "title")
        .order_by("version")
    )


def latest_version(item: Release) -> Release | None:
    """The newest public version of the lineage when ``item`` has been corrected."""
    if item.status != ReleaseStatus.CORRECTED:
        return None
    model: Any = type(item)
    return (
        model.objects.filter(lineage_id=item.lineage_id, status=ReleaseStatus.PUBLISHED)
        .only("pk", "version", "title")
        .order_by("-version")
        .first()
    )


def notice_related(notice: Notice) -> list[Notice]:
    """The project's notices in order (tender → changes → candidates → award)."""
    if not notice.project_code:
        return [notice]
    order: dict[str, int] = {
        str(k): i
        for i, k in enumerate(
            [
                NoticeKind.TENDER,
                NoticeKind.CHANGE,
                NoticeKind.CANDIDATE,
                NoticeKind.AWARD,
                NoticeKind.TERMINATION,
            ]
        )
    }
    rows = list(
        Notice.objects.filter(project_code=notice.project_code, status__in=PUBLIC_LIST_STATUSES)
        .only("pk", "title", "kind", "published_at", "section_code")
        .order_by("published_at", "pk")[:50]
    )
    return sorted(
        rows, key=lambda n: (order.get(n.kind, 9), n.published_at or dt.datetime.max.replace(tzinfo=dt.UTC))
    )


def review_history(item: Release) -> QuerySet[ReviewRecord]:
    ctype = ContentType.ARTICLE if isinstance(item, Article) else ContentType.NOTICE
    return (
        ReviewRecord.objects.filter(content_type=ctype, object_id=item.pk)
        .select_related("actor")
        .order_by("at", "pk")
    )


def last_return_comment(item: Release) -> str:
    last = review_history(item).filter(decision="return").order_by("-at", "-pk").first()
    return last.comment if last else ""


@dataclass(frozen=True)
class QueueEntry:
    item: Release
    content_type: str
    step_name: str


def review_queue(*, user: User) -> list[QueueEntry]:
    """What waits for this user: items at a step whose role the user holds, not of their own."""
    entries: list[QueueEntry] = []
    for chain in ReviewChain.objects.prefetch_related("steps"):
        model: Any = Article if chain.content_type == ContentType.ARTICLE else Notice
        for step in chain.steps.all():
            if not user.has_role(step.role):
                continue
            # Not the user's own items, and not items the user already approved at another step
            # of the current round (one person, one step: they could not act on it).
            last_submit = (
                ReviewRecord.objects.filter(
                    content_type=chain.content_type, object_id=OuterRef(OuterRef("pk")), decision="submit"
                )
                .order_by("-pk")
                .values("pk")[:1]
            )
            approved_this_round = ReviewRecord.objects.filter(
                content_type=chain.content_type,
                object_id=OuterRef("pk"),
                decision="approve",
                actor=user,
                pk__gt=Subquery(last_submit),
            )
            items = (
                model.objects.filter(status=ReleaseStatus.IN_REVIEW, review_position=step.position)
                .exclude(author=user)
                .exclude(Exists(approved_this_round))
                .order_by("updated_at")[:200]
            )
            entries.extend(QueueEntry(item, chain.content_type, step.get_code_display()) for item in items)
    return entries


def my_drafts(*, user: User) -> list[Release]:
    rows: list[Release] = []
    for model in (Article, Notice):
        rows.extend(
            model.objects.filter(author=user)
            .exclude(status__in=[ReleaseStatus.CORRECTED])
            .order_by("-updated_at")[:100]
        )
    return sorted(rows, key=lambda r: r.updated_at, reverse=True)


def review_chain_steps(*, content_type: str) -> list[ReviewStep]:
    """The configured review steps for a content type, in order (empty when none is configured)."""
    return list(ReviewStep.objects.filter(chain__content_type=content_type).order_by("position"))


def release_get_for_staff(*, user: User, content_type: str, pk: int) -> Article | Notice:
    """One article or notice for the back office. Staff see their own organisation's items; a
    reviewer also sees an item waiting at a step whose role they hold (their queue) and anything
    they have already reviewed. Everything else is "not found": existence is not disclosed."""
    models: dict[str, Any] = {ContentType.ARTICLE: Article, ContentType.NOTICE: Notice}
    model = models.get(content_type)
    item = model.objects.filter(pk=pk).select_related("organisation", "author").first() if model else None
    if item is None:
        raise NotFound("信息不存在或您无权查看")
    if user.organisation_id is not None and item.organisation_id == user.organisation_id:
        return item
    if item.status == ReleaseStatus.IN_REVIEW and item.review_position is not None:
        step = ReviewStep.objects.filter(
            chain__content_type=content_type, position=item.review_position
        ).first()
        if step is not None and user.has_role(step.role):
            return item
    if ReviewRecord.objects.filter(content_type=content_type, object_id=item.pk, actor=user).exists():
        return item
    raise NotFound("信息不存在或您无权查看")


def visits_for(*, key: str) -> int:
    return int(VisitDay.objects.filter(key=key).aggregate(total=Sum("count"))["total"] or 0)


def visits_total() -> int:
    return visits_for(key="site")


@dataclass(frozen=True)
class PublicationStats:
    year: int
    total: int
    articles_total: int
    articles_by_category: dict[str, int]
    notices_by_kind: dict[str, int]
    tender_notices_total: int
    change_notices: int
    tender_notices_by_domain: dict[str, int]
    award_notices_total: int
    award_notices_by_domain: dict[str, int]
    visits: int
    visits_by_month: dict[int, int]

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def publication_stats(*, year: int) -> PublicationStats:
    """Counts of items first published in ``year`` (a correction is not a new item), as the annual
    report counts them: 招标公告 includes change notices; 中标公示 are award notices."""
    start = dt.datetime(year, 1, 1, tzinfo=SHANGHAI)
    end = dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    window = Q(published_at__gte=start, published_at__lt=end, version=1)
    articles = dict(
        Article.objects.filter(window)
        .values_list("category__code")
        .annotate(n=Count("pk"))
        .values_list("category__code", "n")
    )
    categories = {c.code: articles.get(c.code, 0) for c in Category.objects.all()}
    by_kind_domain = list(Notice.objects.filter(window).values_list("kind", "domain").annotate(n=Count("pk")))
    notices_by_kind = dict.fromkeys(NoticeKind.values, 0)
    tender_by_domain = dict.fromkeys(TradeDomain.values, 0)
    award_by_domain = dict.fromkeys(TradeDomain.values, 0)
    for kind, domain, n in by_kind_domain:
        notices_by_kind[kind] += n
        if kind in (NoticeKind.TENDER, NoticeKind.CHANGE):
            tender_by_domain[domain] += n
        elif kind == NoticeKind.AWARD:
            award_by_domain[domain] += n
    visits = VisitDay.objects.filter(key="site", date__year=year)
    by_month = dict.fromkeys(range(1, 13), 0)
    for month, n in (
        visits.annotate(m=ExtractMonth("date"))
        .values_list("m")
        .annotate(n=Sum("count"))
        .values_list("m", "n")
    ):
        by_month[int(month)] = int(n)
    articles_total = sum(categories.values())
    tender_total = notices_by_kind[NoticeKind.TENDER] + notices_by_kind[NoticeKind.CHANGE]
    return PublicationStats(
        year=year,
        total=articles_total + sum(notices_by_kind.values()),
        articles_total=articles_total,
        articles_by_category=categories,
        notices_by_kind=notices_by_kind,
        tender_notices_total=tender_total,
        change_notices=notices_by_kind[NoticeKind.CHANGE],
        tender_notices_by_domain=tender_by_domain,
        award_notices_total=notices_by_kind[NoticeKind.AWARD],
        award_notices_by_domain=award_by_domain,
        visits=sum(by_month.values()),
        visits_by_month=by_month,
    )
