"""Reads the API needs beyond ``ggzy.publishing.selectors``: keyset paging and the change feed.

The change feed belongs with the other publishing reads; it lives here until publishing takes it
(``notice_changes`` → ``ggzy.publishing.selectors``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Model, Q, QuerySet

from ggzy.api.cursors import Position
from ggzy.publishing.models import Notice
from ggzy.publishing.selectors import PUBLIC_PAGE_STATUSES


def after_desc[M: Model](qs: QuerySet[M], field: str, position: Position | None) -> QuerySet[M]:
    """Rows after ``position`` in the ordering ``-field, -pk``."""
    if position is None:
        return qs
    same_moment = Q(**{field: position.moment, "pk__lt": position.pk})
    return qs.filter(Q(**{f"{field}__lt": position.moment}) | same_moment)


def after_asc[M: Model](qs: QuerySet[M], field: str, position: Position | None) -> QuerySet[M]:
    """Rows after ``position`` in the ordering ``field, pk``."""
    if position is None:
        return qs
    same_moment = Q(**{field: position.moment, "pk__gt": position.pk})
    return qs.filter(Q(**{f"{field}__gt": position.moment}) | same_moment)


def notice_changes(*, since: Position | None, settled_before: dt.datetime) -> QuerySet[Notice]:
    """Every notice version the public can see (published, corrected, withdrawn), in the order it
    last changed (``updated_at``, ``pk``), after ``since``.

    Rows changed at or after ``settled_before`` are held back: ``updated_at`` is set when a row is
    saved, not when its transaction commits, so a row saved a moment ago may still become visible
    *behind* rows a reader has already passed. Reading only rows older than a short settle window
    keeps a mirror that follows the cursor from skipping them.
    """
    qs = Notice.objects.filter(status__in=PUBLIC_PAGE_STATUSES, updated_at__lt=settled_before)
    qs = qs.defer("body_html")
    return after_asc(qs, "updated_at", since).order_by("updated_at", "pk")
