"""RSS 2.0 and Atom feeds of the latest public notices (all, or one trading domain) and articles
(all, or one category), built on django.contrib.syndication. An unknown domain or category code
is a 404 page, never a 500."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from ggzy.core.errors import NotFound
from ggzy.publishing import selectors as publishing
from ggzy.publishing.choices import TradeDomain
from ggzy.publishing.models import Article, Category, Notice

FEED_SIZE = 50


class NoticeFeed(Feed):
    """The latest notices; with a ``domain`` URL argument, those of one trading domain."""

    description = "最新发布的交易公告：招标/采购公告、变更公告、中标候选人公示、中标结果公告等"

    def get_object(self, request: HttpRequest, domain: str | None = None) -> str | None:
        if domain is not None and domain not in TradeDomain.values:
            raise Http404("交易类别不存在")
        return domain

    def title(self, obj: str | None = None) -> str:
        suffix = f"交易公告 · {TradeDomain(obj).label}" if obj else "交易公告"
        return f"{settings.GGZY_SITE['site_name']} · {suffix}"

    def link(self, obj: str | None = None) -> str:
        url = reverse("portal:notice_list")
        return f"{url}?domain={obj}" if obj else url

    def items(self, obj: str | None = None) -> QuerySet[Notice]:
        return publishing.notice_list_public(domain=obj or None)[:FEED_SIZE]

    def item_title(self, item: Notice) -> str:
        return item.title

    def item_description(self, item: Notice) -> str:
        parts = [item.get_domain_display(), item.get_kind_display()]
        if item.project_code:
            parts.append(f"项目编号：{item.project_code}")
        if item.tenderer_name:
            parts.append(f"招标人/采购人：{item.tenderer_name}")
        return "；".join(parts)

    def item_pubdate(self, item: Notice) -> dt.datetime | None:
        return item.published_at

    def item_categories(self, item: Notice) -> list[str]:
        return [item.get_domain_display(), item.get_kind_display()]


class ArticleFeed(Feed):
    """The latest articles; with a ``code`` URL argument, those of one category (栏目)."""

    description = "最新发布的政务信息：要闻速递、重要文件、工作简报、办事指南、曝光台等"

    def get_object(self, request: HttpRequest, code: str | None = None) -> Category | None:
        if code is None:
            return None
        try:
            return publishing.category_get(code)
        except NotFound as exc:
            raise Http404(exc.message) from None

    def title(self, obj: Category | None = None) -> str:
        suffix = f"政务信息 · {obj.name}" if obj else "政务信息"
        return f"{settings.GGZY_SITE['site_name']} · {suffix}"

    def link(self, obj: Category | None = None) -> str:
        if obj is not None:
            return reverse("portal:article_category", args=[obj.code])
        return reverse("portal:article_list")

    def items(self, obj: Category | None = None) -> QuerySet[Article]:
        return publishing.article_list_public(category=obj)[:FEED_SIZE]

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        return item.summary or item.category.name

    def item_pubdate(self, item: Article) -> dt.datetime | None:
        return item.published_at

    def item_categories(self, item: Article) -> list[str]:
        return [item.category.name]


class NoticeAtomFeed(NoticeFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj: str | None = None) -> str:
        return self.description


class ArticleAtomFeed(ArticleFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj: Category | None = None) -> str:
        return self.description
