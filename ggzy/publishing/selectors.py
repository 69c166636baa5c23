"""Every read of the publishing app: public lists and pages, the staff work queue, statistics."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import ExtractMonth
from django.utils.html import strip_tags

from ggzy.accounts.choices import OrganisationKind
from ggzy.accounts.models import Organisation, User
from ggzy.compliance.facts import AttachmentFacts, ChangedNoticeFacts, NoticeFacts
from ggzy.core.clock import SHANGHAI
from ggzy.core.errors import NotFound
from ggzy.publishing import notice_canonical
from ggzy.publishing.choices import ContentType, NoticeKind, ReleaseStatus, TradeDomain
from ggzy.publishing.models import (
    AgencyMandate,
    Article,
    Category,
    Notice,
    NoticeSignature,
    PublicationDayCount,
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
    report counts them: 招标公告 includes change notices; 中标公示 are award notices.

    Read from the per-day counts the database keeps (:class:`PublicationDayCount`, ADR 0031): at
    most 366 × kinds rows a year, so the cost does not grow with the number of notices."""
    days = PublicationDayCount.objects.filter(day__year=year)
    by_category = dict(
        days.filter(model="article")
        .values_list("category_id")
        .annotate(n=Sum("count"))
        .values_list("category_id", "n")
    )
    categories = {c.code: int(by_category.get(c.pk, 0)) for c in Category.objects.all()}
    by_kind_domain = list(
        days.filter(model="notice")
        .values_list("kind", "domain")
        .annotate(n=Sum("count"))
        .values_list("kind", "domain", "n")
    )
    notices_by_kind = dict.fromkeys(NoticeKind.values, 0)
    tender_by_domain = dict.fromkeys(TradeDomain.values, 0)
    award_by_domain = dict.fromkeys(TradeDomain.values, 0)
    for kind, domain, n in by_kind_domain:
        n = int(n)
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


# ---------------------------------------------------------------------------------------------
# Agency notices (issue 3): mandates, the canonical bytes an agency signs, the gate's facts.


def agency_mandate_active(*, agency: Organisation, project_code: str, on: dt.date) -> AgencyMandate | None:
    """The tenderer's mandate that lets ``agency`` publish for ``project_code`` on day ``on``."""
    if not project_code:
        return None
    return (
        AgencyMandate.objects.filter(
            agency=agency, project_code=project_code, revoked_at__isnull=True, valid_from__lte=on
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .select_related("tenderer")
        .first()
    )


def agency_mandate_list(
    *, tenderer: Organisation | None = None, agency: Organisation | None = None
) -> QuerySet[AgencyMandate]:
    """Mandates given by ``tenderer`` and/or held by ``agency``, newest first."""
    qs = AgencyMandate.objects.select_related("tenderer", "agency", "granted_by")
    if tenderer is not None:
        qs = qs.filter(tenderer=tenderer)
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs.order_by("-granted_at", "-pk")


def agency_mandate_get_for_tenderer(*, tenderer: Organisation, pk: int) -> AgencyMandate:
    mandate = AgencyMandate.objects.filter(pk=pk, tenderer=tenderer).select_related("tenderer").first()
    if mandate is None:
        raise NotFound("委托不存在")
    return mandate


def agency_list() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=OrganisationKind.AGENCY, is_active=True).order_by("name")


def agency_notice_list(*, user: User) -> QuerySet[Notice]:
    """The notices of the user's agency, newest change first."""
    if user.organisation_id is None:
        return Notice.objects.none()
    return Notice.objects.filter(organisation_id=user.organisation_id).order_by("-updated_at", "-pk")


def agency_notice_get(*, user: User, pk: int) -> Notice:
    """One notice of the user's own agency; anything else is "not found"."""
    notice = (
        Notice.objects.filter(pk=pk, organisation_id=user.organisation_id)
        .select_related("organisation", "changes")
        .first()
        if user.organisation_id is not None
        else None
    )
    if notice is None:
        raise NotFound("公告不存在或您无权查看")
    return notice


def notice_canonical_bytes(notice: Notice) -> bytes:
    """The exact bytes the agency signs for the notice as stored now (format ggzy-notice/1)."""
    attachments = [
        notice_canonical.SignedAttachment(name=a.name, sha256=a.file.sha256, size=a.file.size)
        for a in notice.attachments.select_related("file").order_by("position", "pk")
    ]
    return notice_canonical.notice_bytes(
        notice_id=notice.pk,
        version=notice.version,
        fields={name: getattr(notice, name) for name in notice_canonical.SIGNED_FIELDS},
        changes_id=notice.changes_id,
        attachments=attachments,
        agency_credit_code=notice.organisation.credit_code,
        agency_name=notice.organisation.name,
    )


def agency_notice_facts(*, notice: Notice, publish_at: dt.datetime) -> NoticeFacts:
    """The notice as the compliance gate sees it (it cannot read publishing's models itself)."""
    fields = {
        name: getattr(notice, name)
        for name in (
            "title",
            "project_code",
            "project_name",
            "section_code",
            "section_name",
            "tenderer_name",
            "agency_name",
            "budget",
            "price_cap",
            "bid_deadline",
            "opening_at",
            "file_issue_start",
            "file_issue_end",
            "publicity_start",
            "publicity_end",
            "winner_name",
            "award_amount",
            "affects_bid_preparation",
        )
    }
    fields["body_text"] = html.unescape(strip_tags(notice.body_html or ""))
    attachments = tuple(
        AttachmentFacts(name=a.name, media_type=a.file.media_type, size=a.file.size)
        for a in notice.attachments.select_related("file")
    )
    changes: ChangedNoticeFacts | None = None
    if notice.kind == NoticeKind.CHANGE or notice.changes_id is not None:
        target = Notice.objects.filter(pk=notice.changes_id).first() if notice.changes_id else None
        changes = (
            ChangedNoticeFacts(
                found=True,
                status=target.status,
                kind=target.kind,
                project_code=target.project_code,
                bid_deadline=target.bid_deadline,
            )
            if target is not None
            else ChangedNoticeFacts(found=False)
        )
    return NoticeFacts(
        kind=notice.kind,
        domain=notice.domain,
        procedure=notice.procedure,
        fields=fields,
        attachments=attachments,
        changes=changes,
        publish_at=publish_at,
        organisation_id=notice.organisation_id,
    )


def notice_signature(notice: Notice) -> NoticeSignature | None:
    """The signature of the notice's current submission (None for a notice nobody signed)."""
    return notice.current_signature


def notice_signature_public(*, pk: int) -> NoticeSignature:
    """The signature shown on a public notice page (published, corrected or withdrawn notices)."""
    notice = Notice.objects.filter(pk=pk, status__in=PUBLIC_PAGE_STATUSES).first()
    signature = notice.current_signature if notice is not None else None
    if signature is None:
        raise NotFound("该公告没有签名")
    return signature


def agency_notices_published_between(*, start: dt.datetime, end: dt.datetime) -> QuerySet[Notice]:
    """Notices agencies published in [start, end) — what a patrol round looks at."""
    return (
        Notice.objects.filter(
            organisation__kind=OrganisationKind.AGENCY,
            published_at__gte=start,
            published_at__lt=end,
            status__in=PUBLIC_PAGE_STATUSES,
        )
        .select_related("organisation")
        .order_by("published_at", "pk")
    )


def notice_signed_as_stored(notice: Notice) -> bool:
    """True when a stored signature covers the notice exactly as it is now (same canonical
    bytes). The release pipeline can use it to refuse an agency notice that did not come
    through the signed submission."""
    digest = hashlib.sha256(notice_canonical_bytes(notice)).hexdigest()
    return notice.signatures.filter(canonical_sha256=digest).exists()


def publication_counts_by_month(*, year: int) -> dict[str, list[int]]:
    """Items first published in ``year`` per month: ``{"article": [12 counts], "<notice kind>":
    […]}``, summed in the database over the per-day counts (ADR 0031)."""
    rows = (
        PublicationDayCount.objects.filter(day__year=year)
        .annotate(month=ExtractMonth("day"))
        .values_list("model", "kind", "month")
        .annotate(n=Sum("count"))
        .values_list("model", "kind", "month", "n")
    )
    series: dict[str, list[int]] = {}
    for model, kind, month, n in rows:
        key = "article" if model == "article" else kind
        series.setdefault(key, [0] * 12)[int(month) - 1] += int(n)
    return series


def publication_counts_live(*, year: int) -> dict[tuple[str, str, str, int], int]:
    """The same counts grouped from the article and notice rows themselves — what the per-day
    counts must always equal. Slow on a large year (it reads every row); for tests and the
    operator's ``ggzy report verify-counts``, never for a page."""
    start = dt.datetime(year, 1, 1, tzinfo=SHANGHAI)
    end = dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    window = Q(published_at__gte=start, published_at__lt=end, version=1)
    live: dict[tuple[str, str, str, int], int] = {}
    for category_id, n in Article.objects.filter(window).values_list("category_id").annotate(n=Count("pk")):
        live[("article", "", "", int(category_id))] = int(n)
    for kind, domain, n in (
        Notice.objects.filter(window).values_list("kind", "domain").annotate(n=Count("pk"))
    ):
        live[("notice", kind, domain, 0)] = int(n)
    return live


def publication_counts_kept(*, year: int) -> dict[tuple[str, str, str, int], int]:
    """The per-day counts of ``year`` summed per key, zero rows left out (compare with
    :func:`publication_counts_live`)."""
    rows = (
        PublicationDayCount.objects.filter(day__year=year)
        .values_list("model", "kind", "domain", "category_id")
        .annotate(n=Sum("count"))
        .values_list("model", "kind", "domain", "category_id", "n")
    )
    return {(m, k, d, int(c)): int(n) for m, k, d, c, n in rows if n}
