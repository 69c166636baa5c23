"""Repairing the per-day publication counts (ADR 0031). The database's triggers keep them; this
exists for the operator who finds them different from the rows (``ggzy report verify-counts``),
e.g. after rows were copied in with triggers disabled."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from ggzy.audit.services import audit_record
from ggzy.core.clock import SHANGHAI
from ggzy.publishing.models import Article, Notice, PublicationDayCount


def publication_counts_rebuild(*, actor: Any, year: int) -> int:
    """Replace ``year``'s per-day counts by the rows grouped afresh, in one transaction, audited.
    Returns the number of day rows written."""
    start = dt.datetime(year, 1, 1, tzinfo=SHANGHAI)
    end = dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    window = Q(published_at__gte=start, published_at__lt=end, version=1)
    day = TruncDate("published_at", tzinfo=SHANGHAI)
    with transaction.atomic():
        return _rebuild(actor, year, window, day)


def _rebuild(actor: Any, year: int, window: Q, day: TruncDate) -> int:
    rows = [
        PublicationDayCount(day=d, model="article", category_id=c, count=n)
        for d, c, n in Article.objects.filter(window)
        .annotate(d=day)
        .values_list("d", "category_id")
        .annotate(n=Count("pk"))
        .values_list("d", "category_id", "n")
    ]
    rows += [
        PublicationDayCount(day=d, model="notice", kind=k, domain=m, count=n)
        for d, k, m, n in Notice.objects.filter(window)
        .annotate(d=day)
        .values_list("d", "kind", "domain")
        .annotate(n=Count("pk"))
        .values_list("d", "kind", "domain", "n")
    ]
    removed, _ = PublicationDayCount.objects.filter(day__year=year).delete()
    PublicationDayCount.objects.bulk_create(rows, batch_size=1000)
    audit_record(
        actor=actor,
        action="publishing.counts_rebuild",
        target=("publishing.publicationdaycount", str(year)),
        data={"year": year, "removed": removed, "written": len(rows)},
    )
    return len(rows)
