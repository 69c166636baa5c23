"""Reads for the OCDS export: public notice versions as the plain mappings ``ggzy.api.ocds`` maps.

Streams: notices are read in keyset-ordered chunks (``published_at``, ``pk``), each chunk with one
query for its attachments and one for the credit codes of the organisations it names, so an
export of the whole demo (870k notices at scale 200) runs in constant memory.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse

from ggzy.accounts.models import Organisation
from ggzy.api import ocds
from ggzy.core.clock import SHANGHAI
from ggzy.publishing.models import Attachment, Notice
from ggzy.publishing.selectors import PUBLIC_PAGE_STATUSES
from ggzy.search.text import html_to_text

CHUNK = 500


def ocds_prefix() -> str:
    return str(getattr(settings, "GGZY_OCDS_PREFIX", ocds.DEFAULT_PREFIX))


def site_base_url() -> str:
    """Absolute URLs in an export made outside a request (``ggzy export ocds``)."""
    configured = getattr(settings, "GGZY_OCDS_BASE_URL", "")
    return str(configured or f"https://{settings.GGZY_SITE['domain']}").rstrip("/")


@dataclass(frozen=True)
class ExportFilter:
    since: dt.date | None = None  # published on or after this Shanghai day
    until: dt.date | None = None  # published on or before this Shanghai day
    domain: str | None = None


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=SHANGHAI)


def export_notices(f: ExportFilter) -> QuerySet[Notice]:
    """Public notice versions with a project code, oldest publication first."""
    qs = Notice.objects.filter(status__in=PUBLIC_PAGE_STATUSES, published_at__isnull=False).exclude(
        project_code=""
    )
    if f.since:
        qs = qs.filter(published_at__gte=_day_start(f.since))
    if f.until:
        qs = qs.filter(published_at__lt=_day_start(f.until + dt.timedelta(days=1)))
    if f.domain:
        qs = qs.filter(domain=f.domain)
    return qs.order_by("published_at", "pk")


def after(qs: QuerySet[Notice], position: tuple[dt.datetime, int] | None) -> QuerySet[Notice]:
    if position is None:
        return qs
    moment, pk = position
    return qs.filter(Q(published_at__gt=moment) | Q(published_at=moment, pk__gt=pk))


def notice_data(notices: list[Notice], *, base_url: str) -> list[dict[str, Any]]:
    """The plain mappings of ``notices`` (one query for attachments, one for credit codes)."""
    files: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in (
        Attachment.objects.filter(notice__in=[n.pk for n in notices])
        .select_related("file")
        .order_by("notice_id", "position", "pk")
    ):
        assert a.notice_id is not None
        url = reverse("portal:file_download", args=[a.file.sha256, a.name])
        files[a.notice_id].append(
            {
                "name": a.name,
                "sha256": a.file.sha256,
                "size": a.file.size,
                "media_type": a.file.media_type,
                "url": base_url + quote(url, safe="/:"),
            }
        )
    names = {n.tenderer_name for n in notices} | {n.agency_name for n in notices}
    names |= {n.winner_name for n in notices}
    names.discard("")
    codes = dict(Organisation.objects.filter(name__in=names).values_list("name", "credit_code"))
    out = []
    for n in notices:
        out.append(
            {
                "id": n.pk,
                "version": n.version,
                "kind": n.kind,
                "domain": n.domain,
                "status": n.status,
                "procedure": getattr(n, "procedure", "") or "",
                "title": n.title,
                "url": base_url + n.get_absolute_url(),
                "project_code": n.project_code,
                "project_name": n.project_name,
                "section_code": n.section_code,
                "section_name": n.section_name,
                "tenderer_name": n.tenderer_name,
                "tenderer_credit_code": codes.get(n.tenderer_name, ""),
                "agency_name": n.agency_name,
                "agency_credit_code": codes.get(n.agency_name, ""),
                "winner_name": n.winner_name,
                "winner_credit_code": codes.get(n.winner_name, ""),
                "budget": n.budget,
                "price_cap": n.price_cap,
                "award_amount": n.award_amount,
                "bid_deadline": n.bid_deadline,
                "opening_at": n.opening_at,
                "file_issue_start": getattr(n, "file_issue_start", None),
                "publicity_start": n.publicity_start,
                "publicity_end": n.publicity_end,
                "published_at": n.published_at,
                "withdrawn_at": n.withdrawn_at,
                "withdrawal_reason": n.withdrawal_reason,
                "changes_id": n.changes_id,
                "body_text": html_to_text(n.body_html) if n.kind == "change" else "",
                "attachments": files.get(n.pk, []),
            }
        )
    return out


def iter_releases(
    f: ExportFilter, *, base_url: str, prefix: str | None = None, progress: Any = None
) -> Iterator[dict[str, Any]]:
    """Every release of the export, in publication order, read ``CHUNK`` notices at a time.
    ``progress(done_notices)`` is called after each chunk."""
    prefix = prefix or ocds_prefix()
    qs = export_notices(f)
    position: tuple[dt.datetime, int] | None = None
    done = 0
    while True:
        chunk = list(after(qs, position)[:CHUNK])
        if not chunk:
            return
        for data in notice_data(chunk, base_url=base_url):
            yield from ocds.notice_releases(data, prefix=prefix)
        last = chunk[-1]
        assert last.published_at is not None
        position = (last.published_at, last.pk)
        done += len(chunk)
        if progress is not None:
            progress(done)


def package_header(*, uri: str, now: dt.datetime) -> dict[str, Any]:
    center = Organisation.objects.filter(kind="center").values_list("credit_code", flat=True).first()
    return ocds.package_header(
        uri=uri,
        published_date=now,
        publisher_name=settings.GGZY_SITE["center_name"],
        publisher_uid=center or "",
    )
