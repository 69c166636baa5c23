"""Benchmarks of the trading app for ``ggzy bench``; JSON-ready dicts.

* :func:`bench_trading` — in this process's database: ``n`` recorded tender-file downloads
  (``services.tender_file_download``: permission, transition check, one insert) and ``pages``
  renders of the bidder's section page and of the manager's section page (with the secrecy
  check and, after the deadline, the download list of ``n`` rows). Everything runs in one
  transaction that is rolled back, so the benchmark leaves no rows behind (the one content-
  addressed blob it stores is harmless and shared with any identical upload).
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import time
from typing import Any

BENCH_PDF = b"%PDF-1.4\n% ggzy trading bench\n%%EOF\n"


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(p95 * 1000, 3),
    }


class _Rollback(Exception):
    pass


def bench_trading(n: int = 2000, *, pages: int = 50) -> dict[str, Any]:
    """Download-record writes per second and section page render times (ms)."""
    from django.contrib.auth.models import AnonymousUser
    from django.db import transaction
    from django.test import RequestFactory

    from ggzy.accounts.models import Organisation, RoleGrant, User
    from ggzy.core.clock import FixedClock
    from ggzy.core.codes import make_credit_code
    from ggzy.publishing.models import Notice
    from ggzy.publishing.services.files import stored_file_put
    from ggzy.trading import services
    from ggzy.trading.models import Project, Section, TenderFile, TenderProject
    from ggzy.trading.views import bidder, common, manage

    if n < 1 or pages < 1:
        raise ValueError("n and pages must be >= 1")
    now = dt.datetime.now(tz=dt.UTC)
    result: dict[str, Any] = {"n": n, "pages": pages}
    saved_clock = common.clock
    try:
        with transaction.atomic():
            tenderer_org = Organisation.objects.create(
                kind="tenderer", name="BENCH 招标人", credit_code=make_credit_code("91640400BENCH0001")
            )
            bidder_org = Organisation.objects.create(
                kind="bidder", name="BENCH 投标人", credit_code=make_credit_code("91640400BENCH0002")
            )
            tenderer = User.objects.create(username="bench-trading-tenderer", organisation=tenderer_org)
            bidder_user = User.objects.create(username="bench-trading-bidder", organisation=bidder_org)
            RoleGrant.objects.create(user=tenderer, role="tenderer")
            RoleGrant.objects.create(user=bidder_user, role="bidder")
            project = Project.objects.create(
                code="Z996404000001010001",
                name="BENCH 项目",
                tenderer=tenderer_org,
                domain="construction",
                procedure="open_tendering",
                created_by=tenderer,
                created_at=now,
            )
            tp = TenderProject.objects.create(
                project=project, code=project.code + "001", name="BENCH", created_by=tenderer, created_at=now
            )
            deadline = now + dt.timedelta(days=20)
            notice = Notice.objects.create(
                title="BENCH 招标公告",
                kind="tender",
                domain="construction",
                status="published",
                author=tenderer,
                organisation=tenderer_org,
                published_at=now,
                project_code=project.code,
            )
            section = Section.objects.create(
                tender_project=tp,
                code=tp.code + "001",
                name="BENCH 标段",
                status="published",
                bid_deadline=deadline,
                opening_at=deadline,
                published_at=now,
                tender_notice=notice,
                created_by=tenderer,
                created_at=now,
                summary_fields=services.summary_fields_for(["price", "duration"]),
            )
            stored = stored_file_put(name="bench.pdf", content=io.BytesIO(BENCH_PDF))
            tf = TenderFile.objects.create(
                section=section,
                kind="tender_file",
                version=1,
                name="bench.pdf",
                file=stored,
                sha256=stored.sha256,
                size=stored.size,
                publisher=tenderer_org,
                published_by=tenderer,
                published_at=now,
            )
            clock = FixedClock(now)
            started = time.perf_counter()
            for _ in range(n):
                services.tender_file_download(actor=bidder_user, tender_file=tf, clock=clock)
            elapsed = time.perf_counter() - started
            result["download_records_per_s"] = round(n / elapsed, 1)
            result["download_record_us"] = round(elapsed / n * 1e6, 1)

            factory = RequestFactory()

            def render(view: Any, user: Any, *args: Any) -> float:
                request = factory.get("/")
                request.user = user
                t = time.perf_counter()
                response = view(request, *args)
                assert response.status_code == 200, response.status_code
                return time.perf_counter() - t

            common.clock = FixedClock(now)
            render(bidder.section_detail, AnonymousUser(), section.pk)  # warm-up: template compile
            render(manage.section_detail, tenderer, section.pk)
            result["bidder_section_page"] = _percentiles(
                [render(bidder.section_detail, AnonymousUser(), section.pk) for _ in range(pages)]
            )
            result["manage_section_page_before_deadline"] = _percentiles(
                [render(manage.section_detail, tenderer, section.pk) for _ in range(pages)]
            )
            common.clock = FixedClock(deadline)
            result["manage_section_page_after_deadline"] = _percentiles(
                [render(manage.section_detail, tenderer, section.pk) for _ in range(pages)]
            )
            raise _Rollback
    except _Rollback:
        pass
    finally:
        common.clock = saved_clock
    return result
