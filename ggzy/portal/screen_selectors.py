"""Reads of the LED big screen (/screen/): what it shows at a moment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from ggzy.core.clock import SHANGHAI, local_date
from ggzy.portal.models import ScreenAnnouncement
from ggzy.portal.selectors import notices_opening_on
from ggzy.publishing.choices import NoticeKind
from ggzy.publishing.models import Notice
from ggzy.publishing.selectors import PUBLIC_LIST_STATUSES

SCREEN_NOTICES = 12
SCREEN_OPENINGS = 30


@dataclass(frozen=True)
class ScreenContent:
    now: dt.datetime
    today: dt.date
    notices: list[Notice]  # tender notices still open for bids, newest first
    openings: list[Notice]  # opening (开标) today in Asia/Shanghai, earliest first
    announcements: list[ScreenAnnouncement]


def announcements_showing(*, now: dt.datetime) -> list[ScreenAnnouncement]:
    return list(
        ScreenAnnouncement.objects.filter(active=True, starts_at__lte=now)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by("position", "starts_at", "pk")
    )


def current_tenders(*, now: dt.datetime, limit: int = SCREEN_NOTICES) -> list[Notice]:
    return list(
        Notice.objects.filter(status__in=PUBLIC_LIST_STATUSES, kind=NoticeKind.TENDER, bid_deadline__gt=now)
        .only("pk", "title", "domain", "kind", "project_code", "published_at", "bid_deadline")
        .order_by("-published_at", "-pk")[:limit]
    )


def screen_content(*, now: dt.datetime) -> ScreenContent:
    day = local_date(now)
    return ScreenContent(
        now=now.astimezone(SHANGHAI),
        today=day,
        notices=current_tenders(now=now),
        openings=notices_opening_on(day=day, limit=SCREEN_OPENINGS),
        announcements=announcements_showing(now=now),
    )


def announcements_for_staff() -> list[ScreenAnnouncement]:
    return list(
        ScreenAnnouncement.objects.select_related("created_by").order_by("position", "-starts_at", "pk")
    )
