"""RSS feeds of the latest public notices and articles (django.contrib.syndication)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse

from ggzy.publishing import selectors as publishing
from ggzy.publishing.models import Article, Notice

FEED_SIZE = 50


class NoticeFeed(Feed):
    description = "最新发布的交易公告：招标/采购公告、变更公告、中标候选人公示、中标结果公告等"

    def title(self) -> str:
        return f"{settings.GGZY_SITE['site_name']} · 交易公告"

    def link(self) -> str:
        return reverse("portal:notice_list")

    def items(self) -> QuerySet[Notice]:
        return publishing.notice_list_public()[:FEED_SIZE]

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
    description = "最新发布的政务信息：要闻速递、重要文件、工作简报、办事指南、曝光台等"

    def title(self) -> str:
        return f"{settings.GGZY_SITE['site_name']} · 政务信息"

    def link(self) -> str:
        return reverse("portal:article_list")

    def items(self) -> QuerySet[Article]:
        return publishing.article_list_public()[:FEED_SIZE]

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        return item.summary or item.category.name

    def item_pubdate(self, item: Article) -> dt.datetime | None:
        return item.published_at

    def item_categories(self, item: Article) -> list[str]:
        return [item.category.name]
