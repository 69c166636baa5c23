"""Benchmark of issue #3 part 7 for ``ggzy bench``; JSON-ready dict.

:func:`bench_participation` — in this process's database:

* **comment submit**: ``services.comment_submit`` end to end (period check, validation, contact
  encryption, insert, audit event — each its own committed transaction), ``n`` times: comments/s
  and p50/p95 ms per comment;
* **moderation list**: the moderator's queue (``selectors.comment_queue`` — first 300 pending
  comments with their consultation titles, as the page renders them) over a backlog of
  ``backlog`` pending comments: p50/p95 ms.

Bench rows hang off one article titled ``BENCH-participation`` (and its consultation); they are
removed before and (unless ``keep``) after the run, so it can run against a database with real
data. The bench organisation and user (``bench-participation``) are reused between runs.
"""

from __future__ import annotations

import datetime as dt
import secrets
import statistics
import time
from typing import Any

BENCH_TITLE = "BENCH-participation"
BENCH_USER = "bench-participation"


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def clear_bench_rows() -> None:
    from django.db import transaction

    from ggzy.participation.models import Comment, Consultation
    from ggzy.publishing.models import Article

    with transaction.atomic():
        Comment.objects.filter(consultation__article__title=BENCH_TITLE).delete()
        Consultation.objects.filter(article__title=BENCH_TITLE).delete()
        Article.objects.filter(title=BENCH_TITLE).delete()


def _bench_user() -> Any:
    from ggzy.accounts import services as accounts
    from ggzy.accounts.models import Organisation, User
    from ggzy.core.codes import make_credit_code

    user = User.objects.filter(username=BENCH_USER).first()
    if user is not None:
        return user
    org = Organisation.objects.filter(name="BENCH 互动交流基准测试中心").first()
    if org is None:
        org = accounts.organisation_create(
            actor=None,
            kind="center",
            name="BENCH 互动交流基准测试中心",
            credit_code=make_credit_code(
                "91640400MA9" + "".join(secrets.choice("0123456789") for _ in range(6))
            ),
        )
    return accounts.user_create(
        actor=None,
        username=BENCH_USER,
        password=secrets.token_urlsafe(24),
        organisation=org,
        display_name="基准测试",
        roles=["editor"],
    )


def bench_participation(
    n: int = 300, *, backlog: int = 5000, repeat: int = 20, keep: bool = False
) -> dict[str, Any]:
    from django.db import connection, transaction

    from ggzy.participation import pii, selectors, services
    from ggzy.participation.choices import CONSULTATION_CATEGORY
    from ggzy.participation.models import Comment, Consultation
    from ggzy.publishing.choices import ReleaseStatus
    from ggzy.publishing.models import Article, Category

    if n < 1 or backlog < 0 or repeat < 1:
        raise ValueError("n, repeat must be >= 1 and backlog >= 0")
    clear_bench_rows()
    user = _bench_user()
    now = dt.datetime.now(tz=dt.UTC)
    with transaction.atomic():
        services.participation_categories_ensure()
        article = Article.objects.create(
            title=BENCH_TITLE,
            body_html="<p>bench</p>",
            category=Category.objects.get(code=CONSULTATION_CATEGORY),
            status=ReleaseStatus.PUBLISHED,
            published_at=now,
            author=user,
            organisation=user.organisation,
        )
        article.lineage_id = article.pk
        article.save(update_fields=["lineage_id"])
        consultation = Consultation.objects.create(
            article=article,
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=30),
            created_by=user,
            created_at=now,
            updated_at=now,
        )
    try:
        submit_ms: list[float] = []
        started = time.perf_counter()
        for i in range(n):
            t0 = time.perf_counter()
            services.comment_submit(
                consultation_id=consultation.pk,
                text=f"基准测试意见第{i}条：建议优化开标大厅预约流程，增加短信提醒。",
                display_name="网友",
                contact="13900000000",
            )
            submit_ms.append((time.perf_counter() - t0) * 1000)
        submit_s = time.perf_counter() - started

        token = pii.encrypt("comment", "13900000000")
        masked = pii.mask("13900000000")
        rows = [
            Comment(
                consultation=consultation,
                text=f"积压意见{i}",
                contact_encrypted=token,
                contact_masked=masked,
                submitted_at=now - dt.timedelta(seconds=i),
            )
            for i in range(backlog)
        ]
        with transaction.atomic():
            Comment.objects.bulk_create(rows, batch_size=2000)
        list_ms: list[float] = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            page = list(selectors.comment_queue(actor=user)[:300])
            _titles = [c.consultation.article.title for c in page]  # what the page renders
            list_ms.append((time.perf_counter() - t0) * 1000)
        pending = Comment.objects.filter(status="pending").count()
    finally:
        if not keep:
            clear_bench_rows()
    return {
        "benchmark": "participation",
        "database_vendor": connection.vendor,
        "comment_submit": {
            "n": n,
            "comments_per_s": round(n / submit_s, 1) if submit_s else None,
            "p50_ms": round(statistics.median(submit_ms), 2),
            "p95_ms": round(_percentile(submit_ms, 95), 2),
            "note": (
                "service end to end: period check, validation, AES-GCM contact, insert, audit event;"
                " one transaction each"
            ),
        },
        "moderation_list": {
            "pending_in_table": pending,
            "page_rows": 300,
            "repeat": repeat,
            "p50_ms": round(statistics.median(list_ms), 2),
            "p95_ms": round(_percentile(list_ms, 95), 2),
        },
    }
