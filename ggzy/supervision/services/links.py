"""Broken-link checks: run the crawler over every published page, keep what is broken with its
history across runs, let staff mark a link fixed. ``link_check_if_due`` is the weekly job."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, fields

from django.conf import settings
from django.db import transaction

from ggzy.accounts.models import User
from ggzy.audit.services import audit_record
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.supervision import linkcheck, selectors
from ggzy.supervision.models import BrokenLink, BrokenLinkSighting, LinkCheckRun
from ggzy.supervision.services._common import PATROLLER

LINK_ROLES = (PATROLLER, "editor", "system_admin")
WEEK = dt.timedelta(days=7)
MAX_PAGES_CAP = 100_000
MAX_SECONDS_CAP = 6 * 3600.0


@dataclass(frozen=True)
class LinkCheckSettings:
    """Defaults for the weekly job and ``ggzy links check``; ``settings.GGZY_LINKCHECK`` (a dict
    with these keys) overrides them."""

    base_url: str = "http://127.0.0.1:8000"
    max_pages: int = 5000
    max_seconds: float = 1800.0
    external: bool = False
    max_external: int = 200
    per_host_delay: float = 1.0
    timeout: float = 10.0


def link_check_settings() -> LinkCheckSettings:
    configured = dict(getattr(settings, "GGZY_LINKCHECK", None) or {})
    names = {f.name for f in fields(LinkCheckSettings)}
    return LinkCheckSettings(**{k: v for k, v in configured.items() if k in names})


def _check_base_url(base_url: str) -> str:
    url = linkcheck.normalise(base_url.strip())
    if not url:
        raise ValidationFailed(
            f"站点地址“{base_url[:100]}”无效，应为 http:// 或 https:// 开头的地址",
            fields={"base_url": "无效"},
        )
    return url


def link_check_run(
    *,
    actor: User | None,
    base_url: str,
    max_pages: int = 5000,
    max_seconds: float = 1800.0,
    external: bool = False,
    max_external: int = 200,
    per_host_delay: float = 1.0,
    timeout: float = 10.0,
    start_paths: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    clock: Clock = system_clock,
) -> LinkCheckRun:
    """Crawl the published site at ``base_url`` and record what is broken. The crawl runs outside
    any transaction (it takes minutes); the results are written in one."""
    if actor is not None and not actor.has_role(*LINK_ROLES):
        raise PermissionDenied("只有交易中心巡查员、信息编辑或系统管理员可以发起错链检查")
    url = _check_base_url(base_url)
    if not 1 <= max_pages <= MAX_PAGES_CAP:
        raise ValidationFailed(f"页面数上限应为1到{MAX_PAGES_CAP}", fields={"max_pages": "超出范围"})
    if not 0 < max_seconds <= MAX_SECONDS_CAP:
        raise ValidationFailed("时间上限应为大于0且不超过6小时的秒数", fields={"max_seconds": "超出范围"})
    paths = start_paths if start_paths is not None else selectors.published_page_paths()
    with transaction.atomic():
        run = LinkCheckRun.objects.create(
            started_at=clock.now(), base_url=url, external=external, started_by=actor
        )
    limits = linkcheck.Limits(
        max_pages=max_pages,
        max_seconds=max_seconds,
        timeout=timeout,
        external=external,
        max_external=max_external,
        per_host_delay=per_host_delay,
    )
    report = linkcheck.Crawler(url, limits, progress=progress).run(paths)
    _record(run, report, actor=actor, clock=clock)
    return run


@transaction.atomic
def _record(run: LinkCheckRun, report: linkcheck.Report, *, actor: User | None, clock: Clock) -> None:
    now = clock.now()
    seen: set[tuple[str, str]] = set()
    for broken in report.broken:
        key = (broken.url[:1000], broken.found_on[:1000])
        if key in seen:
            continue
        seen.add(key)
        link, created = BrokenLink.objects.select_for_update().get_or_create(
            url=key[0],
            found_on=key[1],
            defaults={
                "status_code": broken.status,
                "error": broken.error[:300],
                "is_external": broken.external,
                "first_seen": now,
                "last_seen": now,
                "last_run": run,
            },
        )
        if not created:
            link.status_code, link.error = broken.status, broken.error[:300]
            link.last_seen, link.last_run = now, run
            # Marked fixed but broken again: it reopens; the sightings keep the whole story.
            link.fixed_at, link.fixed_by = None, None
            link.save(update_fields=["status_code", "error", "last_seen", "last_run", "fixed_at", "fixed_by"])
        BrokenLinkSighting.objects.create(
            link=link, run=run, status_code=broken.status, error=broken.error[:300]
        )
    run.finished_at = now
    run.pages, run.links, run.broken = report.pages, report.links, len(seen)
    run.bounded_by = report.bounded_by[:200]
    run.save(update_fields=["finished_at", "pages", "links", "broken", "bounded_by"])
    audit_record(
        actor=actor,
        action="supervision.link_check",
        target=run,
        data={"pages": run.pages, "links": run.links, "broken": run.broken, "bounded_by": run.bounded_by},
        clock=clock,
    )


@transaction.atomic
def broken_link_mark_fixed(*, actor: User, link: BrokenLink, clock: Clock = system_clock) -> BrokenLink:
    if not actor.has_role(*LINK_ROLES):
        raise PermissionDenied("只有交易中心巡查员、信息编辑或系统管理员可以登记错链修复")
    link = BrokenLink.objects.select_for_update().get(pk=link.pk)
    if link.fixed_at is not None:
        raise InvalidTransition("该错链已登记修复")
    link.fixed_at, link.fixed_by = clock.now(), actor
    link.save(update_fields=["fixed_at", "fixed_by"])
    audit_record(
        actor=actor, action="supervision.link_fixed", target=link, data={"url": link.url}, clock=clock
    )
    return link


def link_check_if_due(*, clock: Clock = system_clock) -> LinkCheckRun | None:
    """The weekly job: run when the last run started a week ago or more (or never ran)."""
    with transaction.atomic():
        # Serialise concurrent workers on the newest run row, then look again: a run another
        # worker committed meanwhile counts.
        LinkCheckRun.objects.select_for_update().order_by("-started_at").first()
        last = LinkCheckRun.objects.order_by("-started_at").first()
        if last is not None and clock.now() - last.started_at < WEEK:
            return None
    conf = link_check_settings()
    return link_check_run(
        actor=None,
        base_url=conf.base_url,
        max_pages=conf.max_pages,
        max_seconds=conf.max_seconds,
        external=conf.external,
        max_external=conf.max_external,
        per_host_delay=conf.per_host_delay,
        timeout=conf.timeout,
        clock=clock,
    )


def link_check_record(
    *,
    actor: User,
    base_url: str,
    pages: int,
    links: int,
    broken: list[linkcheck.Broken],
    note: str,
    clock: Clock = system_clock,
) -> LinkCheckRun:
    """Record a check whose findings come from elsewhere, not from this server's crawler: a
    check done by the technical service company (技服公司), or history imported for the demo.
    ``note`` says where the findings came from and is shown where a crawl's bounds are shown
    (受限说明), so nobody mistakes the run for a crawl of this site. Same bookkeeping as a crawl:
    broken links are kept across runs, reopened when seen again, audited."""
    if not actor.has_role(*LINK_ROLES):
        raise PermissionDenied("只有交易中心巡查员、信息编辑或系统管理员可以登记错链检查结果")
    url = _check_base_url(base_url)
    note = " ".join(note.split())
    if not note:
        raise ValidationFailed("请说明检查结果的来源", fields={"note": "必填"})
    if len(note) > 200:
        raise ValidationFailed("来源说明不能超过200字", fields={"note": "过长"})
    if not (0 <= pages <= MAX_PAGES_CAP) or links < 0:
        raise ValidationFailed("页面数和链接数应为不小于0的整数", fields={"pages": "超出范围"})
    if len(broken) > links:
        raise ValidationFailed("错链数不能多于检查的链接数", fields={"links": "少于错链数"})
    with transaction.atomic():
        run = LinkCheckRun.objects.create(started_at=clock.now(), base_url=url, started_by=actor)
        report = linkcheck.Report(pages=pages, links=links, broken=list(broken), bounded_by=note)
        _record(run, report, actor=actor, clock=clock)
    return run
