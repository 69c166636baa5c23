"""Reads the public site needs that the publishing selectors do not offer in the shape a page wants.

Every function here returns only public content and runs a fixed, small number of queries, so the
pages that call them stay within their query budget whatever the size of the tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q, QuerySet

from ggzy.audit.models import Checkpoint
from ggzy.core.clock import SHANGHAI
from ggzy.publishing.choices import NoticeKind, ReleaseStatus, TradeDomain
from ggzy.publishing.models import Article, Attachment, Category, Notice, Release
from ggzy.publishing.selectors import PUBLIC_LIST_STATUSES, PUBLIC_PAGE_STATUSES

# What a downloadable attachment may belong to: published items and superseded versions (whose
# files were public when they were current). Drafts and withdrawn items are never served.
DOWNLOADABLE_STATUSES = (ReleaseStatus.PUBLISHED, ReleaseStatus.CORRECTED)

# The four trade domains the home page shows, with the short labels trading sites use.
HOME_DOMAINS: list[tuple[str, str]] = [
    (TradeDomain.CONSTRUCTION, "工程建设"),
    (TradeDomain.PROCUREMENT, "政府采购"),
    (TradeDomain.LAND_MINING, "土地矿业"),
    (TradeDomain.STATE_ASSETS, "国有产权"),
]
HOME_KINDS: list[tuple[str, str]] = [
    (NoticeKind.TENDER, "招标/采购公告"),
    (NoticeKind.CHANGE, "变更公告"),
    (NoticeKind.CANDIDATE, "中标候选人公示"),
    (NoticeKind.AWARD, "中标结果公告"),
]

_NOTICE_LIST_FIELDS = ("pk", "title", "kind", "domain", "published_at", "project_code", "opening_at")
_ARTICLE_LIST_FIELDS = ("pk", "title", "published_at", "category_id", "doc_number")


def content_version() -> str:
    """Changes whenever any article or notice row changes (publication, correction, withdrawal):
    the key under which cached public pages and fragments are stored. One statement with two
    index-only MAX subqueries (every cached page view runs it, so one round trip rather than two
    matters on PostgreSQL); right across any number of processes without a shared cache."""
    qn = connection.ops.quote_name
    latest = []
    for model in (Notice, Article):
        column, table = qn(model._meta.get_field("updated_at").column or ""), qn(model._meta.db_table)
        latest.append(f"(SELECT MAX({column}) FROM {table})")  # noqa: S608 - quoted names only
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {latest[0]}, {latest[1]}")
        row = cursor.fetchone()
    notice, article = row if row else (None, None)
    # The raw values are enough: they only need to differ when a row changes.
    return f"{notice or 0}|{article or 0}".replace(" ", "T")


def notice_latest(*, domain: str | None = None, kind: str | None = None, limit: int = 8) -> list[Notice]:
    qs = Notice.objects.filter(status__in=PUBLIC_LIST_STATUSES)
    if domain:
        qs = qs.filter(domain=domain)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.only(*_NOTICE_LIST_FIELDS).order_by("-published_at", "-pk")[:limit])


def article_latest(*, category_code: str, limit: int = 8) -> list[Article]:
    """Latest public articles of one category, by code (no separate category lookup)."""
    return list(
        Article.objects.filter(status__in=PUBLIC_LIST_STATUSES, category__code=category_code)
        .only(*_ARTICLE_LIST_FIELDS)
        .order_by("-published_at", "-pk")[:limit]
    )


def notices_opening_on(*, day: dt.date, limit: int = 20) -> list[Notice]:
    """Public notices whose opening (开标) falls on ``day`` in Asia/Shanghai, earliest first."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)
    end = start + dt.timedelta(days=1)
    return list(
        Notice.objects.filter(status__in=PUBLIC_LIST_STATUSES, opening_at__gte=start, opening_at__lt=end)
        .only(*_NOTICE_LIST_FIELDS)
        .order_by("opening_at", "pk")[:limit]
    )


def notice_get_page(*, pk: int) -> Notice | None:
    """The notice for its public page, with what the page shows in the same query."""
    return (
        Notice.objects.filter(pk=pk, status__in=PUBLIC_PAGE_STATUSES)
        .select_related("organisation", "changes")
        .first()
    )


def attachments_of(item: Release) -> list[Attachment]:
    owner = Q(article=item) if isinstance(item, Article) else Q(notice=item)
    return list(Attachment.objects.filter(owner).select_related("file").order_by("position", "pk"))


def attachment_for_download(*, sha256: str, name: str) -> Attachment | None:
    """An attachment of a public item with this content hash and file name, or None."""
    public = Q(article__status__in=DOWNLOADABLE_STATUSES) | Q(notice__status__in=DOWNLOADABLE_STATUSES)
    return (
        Attachment.objects.filter(public, file__sha256=sha256, name=name)
        .select_related("file")
        .order_by("pk")
        .first()
    )


@dataclass(frozen=True)
class CatalogueRow:
    label: str
    count: int
    code: str


def article_counts_by_category() -> list[tuple[Category, int]]:
    """Every active category with its number of public articles (one query)."""
    rows = Category.objects.filter(is_active=True).annotate(
        public_count=Count("articles", filter=Q(articles__status__in=PUBLIC_LIST_STATUSES))
    )
    return [(c, c.public_count) for c in rows.order_by("position", "code")]


def notice_counts_by_kind() -> list[CatalogueRow]:
    counts = dict(
        Notice.objects.filter(status__in=PUBLIC_LIST_STATUSES)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    return [
        CatalogueRow(label=label, count=int(counts.get(code, 0)), code=code)
        for code, label in NoticeKind.choices
    ]


def notice_counts_by_domain() -> list[CatalogueRow]:
    counts = dict(
        Notice.objects.filter(status__in=PUBLIC_LIST_STATUSES)
        .values_list("domain")
        .annotate(n=Count("pk"))
        .values_list("domain", "n")
    )
    return [
        CatalogueRow(label=label, count=int(counts.get(code, 0)), code=code)
        for code, label in TradeDomain.choices
    ]


def checkpoint_public_list(*, limit: int = 100) -> QuerySet[Checkpoint]:
    return Checkpoint.objects.order_by("-seq")[:limit]


def checkpoint_get(*, seq: int) -> Checkpoint | None:
    return Checkpoint.objects.filter(seq=seq).first()
