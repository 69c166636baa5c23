"""Counting page views cheaply: each process buffers counts in memory and adds them to the daily
rows at most once per GGZY_VISIT_FLUSH_SECONDS, with ``count = count + n`` so any number of
processes can add concurrently. A crash loses at most that many seconds of counts."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from ggzy.publishing.models import VisitDay

_lock = threading.Lock()
_pending: Counter[tuple[dt.date, str]] = Counter()
_last_flush = time.monotonic()

BOT_MARKERS = ("bot", "spider", "crawl", "slurp", "curl", "wget", "python-requests", "httpclient", "headless")


def is_bot(user_agent: str) -> bool:
    ua = user_agent.lower()
    return not ua or any(marker in ua for marker in BOT_MARKERS)


def visit_record(*, keys: list[str], day: dt.date) -> None:
    """Count one view of the site and of each item key."""
    global _last_flush
    with _lock:
        for key in keys:
            _pending[(day, key)] += 1
        due = time.monotonic() - _last_flush >= getattr(settings, "GGZY_VISIT_FLUSH_SECONDS", 2.0)
    if due:
        visit_flush()


def visit_flush() -> int:
    """Write the buffered counts; returns how many (day, key) rows were touched."""
    global _last_flush
    with _lock:
        batch = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    for (day, key), n in batch.items():
        add_visits(day=day, key=key, count=n)
    return len(batch)


def add_visits(*, day: dt.date, key: str, count: int) -> None:
    with transaction.atomic():
        if VisitDay.objects.filter(date=day, key=key).update(count=F("count") + count):
            return
        try:
            with transaction.atomic():
                VisitDay.objects.create(date=day, key=key, count=count)
        except IntegrityError:  # another process created the row first
            VisitDay.objects.filter(date=day, key=key).update(count=F("count") + count)
