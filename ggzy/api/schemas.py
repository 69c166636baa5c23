"""Request parameters and response bodies of /api/v1, and the functions that fill the bodies.

Datetimes are ISO 8601 in Asia/Shanghai (``+08:00``); dates are Shanghai calendar days; amounts
(元) are decimal strings such as ``"1234567.00"`` so that no client rounds them through a float.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import field_validator
from pydantic_core import PydanticUseDefault

from ggzy.core.clock import SHANGHAI
from ggzy.publishing.choices import NoticeKind, ReleaseStatus, TradeDomain
from ggzy.publishing.models import Article, Attachment, Notice, Release
from ggzy.search.selectors import MAX_OFFSET, Hit

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
CURSOR_MAX_CHARS = 120


# ---------------------------------------------------------------- parameters


class Params(Schema):
    """Query parameters. An empty value (``?kind=``) means the parameter was not given."""

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_absent(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise PydanticUseDefault
        return value


class DateRange(Params):
    date_from: dt.date | None = Field(None, description="发布日期起（含），北京时间，YYYY-MM-DD")
    date_to: dt.date | None = Field(None, description="发布日期止（含），北京时间，YYYY-MM-DD")


class NoticeListParams(DateRange):
    kind: NoticeKind | None = Field(None, description="公告类型")
    domain: TradeDomain | None = Field(None, description="交易类别")
    cursor: str | None = Field(None, max_length=CURSOR_MAX_CHARS, description="上一页返回的 next_cursor")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数，1–100")


class ArticleListParams(DateRange):
    category: str | None = Field(None, max_length=40, description="栏目代码，如 news、key_document")
    cursor: str | None = Field(None, max_length=CURSOR_MAX_CHARS, description="上一页返回的 next_cursor")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数，1–100")


class ChangeFeedParams(Params):
    since: str | None = Field(
        None, max_length=CURSOR_MAX_CHARS, description="上次响应的 next_cursor；不填则从头开始"
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数，1–100")


class SearchParams(DateRange):
    q: str | None = Field(None, max_length=200, description="检索词（必填）")
    kind: Literal["notice", "article"] | None = Field(None, description="notice 交易公告 / article 政务信息")
    domain: TradeDomain | None = Field(None, description="交易类别（仅交易公告）")
    category: str | None = Field(None, max_length=40, description="公告类型或栏目代码")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数，1–100")


class StatsParams(Schema):
    year: int = Field(..., ge=2000, le=2100, description="统计年度，如 2021")


# ---------------------------------------------------------------- bodies


class AttachmentOut(Schema):
    name: str
    sha256: str
    size: int
    media_type: str


class VersionOut(Schema):
    id: int
    version: int
    status: str
    published_at: dt.datetime | None
    correction_note: str


class NoticeItem(Schema):
    id: int
    kind: NoticeKind
    domain: TradeDomain
    title: str
    url: str
    published_at: dt.datetime | None
    project_code: str
    project_name: str
    section_code: str
    tenderer_name: str
    agency_name: str
    budget: str | None
    price_cap: str | None
    bid_deadline: dt.datetime | None
    opening_at: dt.datetime | None
    publicity_start: dt.date | None
    publicity_end: dt.date | None
    winner_name: str
    award_amount: str | None
    changes_id: int | None
    version: int
    status: str


class NoticeChange(NoticeItem):
    updated_at: dt.datetime
    lineage_id: int | None
    previous_id: int | None
    correction_note: str
    withdrawn_at: dt.datetime | None
    withdrawal_reason: str


class NoticeDetail(NoticeChange):
    is_prequalification: bool
    section_name: str
    body_html: str | None = Field(description="正文（HTML，已净化）；已撤回的公告为 null")
    attachments: list[AttachmentOut]
    versions: list[VersionOut]


class NoticePage(Schema):
    items: list[NoticeItem]
    next_cursor: str | None = Field(description="下一页游标；没有更多时为 null")


class ChangeFeedPage(Schema):
    items: list[NoticeChange]
    next_cursor: str | None = Field(description="下次请求的 since；本次为空时原样返回传入的 since")
    has_more: bool = Field(description="是否还有已可读取的变更（为 false 时稍后再来）")


class ArticleItem(Schema):
    id: int
    category: str
    category_name: str
    title: str
    url: str
    published_at: dt.datetime | None
    summary: str
    source: str
    doc_number: str
    version: int
    status: str


class ArticleDetail(ArticleItem):
    updated_at: dt.datetime
    lineage_id: int | None
    previous_id: int | None
    correction_note: str
    withdrawn_at: dt.datetime | None
    withdrawal_reason: str
    body_html: str | None = Field(description="正文（HTML，已净化）；已撤回的信息为 null")
    attachments: list[AttachmentOut]
    versions: list[VersionOut]


class ArticlePage(Schema):
    items: list[ArticleItem]
    next_cursor: str | None = Field(description="下一页游标；没有更多时为 null")


class SearchHit(Schema):
    kind: str
    id: int
    title: str
    url: str
    published_at: dt.datetime
    domain: str
    category: str
    snippet_html: str = Field(description="摘要（HTML，已转义，命中词以 <mark> 标出）")
    title_html: str = Field(description="标题（HTML，已转义，命中词以 <mark> 标出）")


class SearchPage(Schema):
    total: int
    hits: list[SearchHit]


class PublicationStatsOut(Schema):
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


class ErrorDetail(Schema):
    code: str = Field(description="稳定的英文错误代码，如 validation_failed、not_found、internal_error")
    message: str = Field(description="中文说明，可直接展示给用户")
    fields: dict[str, str] = Field(description="出错的参数及原因；与具体参数无关时为空对象")


class ErrorOut(Schema):
    error: ErrorDetail


class ApiIndex(Schema):
    title: str
    version: str
    openapi: str
    docs: str | None


# ---------------------------------------------------------------- filling


def local(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(SHANGHAI) if moment is not None else None


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def notice_item_fields(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.pk,
        "kind": notice.kind,
        "domain": notice.domain,
        "title": notice.title,
        "url": notice.get_absolute_url(),
        "published_at": local(notice.published_at),
        "project_code": notice.project_code,
        "project_name": notice.project_name,
        "section_code": notice.section_code,
        "tenderer_name": notice.tenderer_name,
        "agency_name": notice.agency_name,
        "budget": money(notice.budget),
        "price_cap": money(notice.price_cap),
        "bid_deadline": local(notice.bid_deadline),
        "opening_at": local(notice.opening_at),
        "publicity_start": notice.publicity_start,
        "publicity_end": notice.publicity_end,
        "winner_name": notice.winner_name,
        "award_amount": money(notice.award_amount),
        "changes_id": notice.changes_id,
        "version": notice.version,
        "status": notice.status,
    }


def _lifecycle_fields(item: Release) -> dict[str, Any]:
    return {
        "updated_at": local(item.updated_at),
        "lineage_id": item.lineage_id,
        "previous_id": item.previous_id,  # type: ignore[attr-defined]
        "correction_note": item.correction_note,
        "withdrawn_at": local(item.withdrawn_at),
        "withdrawal_reason": item.withdrawal_reason,
    }


def notice_item(notice: Notice) -> NoticeItem:
    return NoticeItem(**notice_item_fields(notice))


def notice_change(notice: Notice) -> NoticeChange:
    return NoticeChange(**notice_item_fields(notice), **_lifecycle_fields(notice))


def attachment_out(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut(
        name=attachment.name,
        sha256=attachment.file.sha256,
        size=attachment.file.size,
        media_type=attachment.file.media_type,
    )


def version_out(item: Release) -> VersionOut:
    return VersionOut(
        id=item.pk,
        version=item.version,
        status=item.status,
        published_at=local(item.published_at),
        correction_note=item.correction_note,
    )


def notice_detail(notice: Notice, *, attachments: list[Attachment], versions: list[Release]) -> NoticeDetail:
    withdrawn = notice.status == ReleaseStatus.WITHDRAWN
    return NoticeDetail(
        **notice_item_fields(notice),
        **_lifecycle_fields(notice),
        is_prequalification=notice.is_prequalification,
        section_name=notice.section_name,
        body_html=None if withdrawn else notice.body_html,
        attachments=[] if withdrawn else [attachment_out(a) for a in attachments],
        versions=[version_out(v) for v in versions],
    )


def article_item_fields(article: Article) -> dict[str, Any]:
    return {
        "id": article.pk,
        "category": article.category.code,
        "category_name": article.category.name,
        "title": article.title,
        "url": article.get_absolute_url(),
        "published_at": local(article.published_at),
        "summary": article.summary,
        "source": article.source,
        "doc_number": article.doc_number,
        "version": article.version,
        "status": article.status,
    }


def article_item(article: Article) -> ArticleItem:
    return ArticleItem(**article_item_fields(article))


def article_detail(
    article: Article, *, attachments: list[Attachment], versions: list[Release]
) -> ArticleDetail:
    withdrawn = article.status == ReleaseStatus.WITHDRAWN
    return ArticleDetail(
        **article_item_fields(article),
        **_lifecycle_fields(article),
        body_html=None if withdrawn else article.body_html,
        attachments=[] if withdrawn else [attachment_out(a) for a in attachments],
        versions=[version_out(v) for v in versions],
    )


def search_hit(hit: Hit) -> SearchHit:
    return SearchHit(
        kind=hit.kind,
        id=hit.object_id,
        title=hit.title,
        url=hit.url,
        published_at=hit.published_at.astimezone(SHANGHAI),
        domain=hit.domain,
        category=hit.category,
        snippet_html=str(hit.snippet_html),
        title_html=str(hit.title_html),
    )
