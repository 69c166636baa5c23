"""Database benchmark of issue #8 for ``ggzy bench``: a section with ``bids`` opened bids and a
committee of ``experts`` experts, taken through the services — start, declarations, chair, the
review of every bid, every expert's signature (each runs the deviation check over all scores) and
:func:`~ggzy.evaluation.services.result_compute` (scoring, ranking and the report as DOCX + PDF).
The experts' scores (bids × experts × 6 subjective criteria) are inserted with ``bulk_create``
(timed apart: one service call per score would measure the audit chain, not the evaluation).
Everything runs in one transaction that is rolled back; only the content-addressed report blobs
stay in the file store.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal
from typing import Any

from ggzy.core.clock import FixedClock

SUBJECTIVE = [("tech", 20), ("plan", 10), ("quality", 10), ("schedule", 5), ("service", 5), ("training", 5)]
PARAMS = {
    "method": "comprehensive_scoring",
    "category": "goods",
    "criteria": [{"key": k, "name": k, "points": str(p)} for k, p in SUBJECTIVE]
    + [{"key": "record", "name": "业绩", "points": "15", "kind": "objective"}],
    "price_points": "30",
    "sme": {"small_micro_percent": "10", "consortium_percent": "4"},
    "tie_break": ["lower_bid_price", "higher_technical"],
    "deviation_check": {"points": "8"},
}


class _Rollback(Exception):
    pass


def bench_evaluation_report(bids: int = 300, experts: int = 9, *, seed: int = 8) -> dict[str, Any]:
    if bids < 1 or experts < 3 or experts % 2 == 0:
        raise ValueError("bids ≥ 1 and an odd committee of at least 3 experts")
    from django.db import connection, transaction

    from ggzy.accounts import services as accounts
    from ggzy.core.codes import make_credit_code
    from ggzy.evaluation import services
    from ggzy.evaluation.models import DeviationReason, Score
    from ggzy.evaluation.sources import CommitteeSeat, OpenedSummary
    from ggzy.trading.models import Project, Section, TenderProject

    rng = random.Random(seed)  # noqa: S311 - benchmark data
    now = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC)
    clock = FixedClock(now)
    out: dict[str, Any] = {"benchmark": "evaluation_report", "bids": bids, "experts": experts}
    tag = f"{rng.randrange(10**9):09d}"

    def org(kind: str, i: int) -> Any:
        return accounts.organisation_create(
            actor=None,
            kind=kind,
            name=f"压测评标{kind}{tag}{i}",
            credit_code=make_credit_code(f"9164040{i}{tag}"),
        )

    try:
        with transaction.atomic():
            tenderer_org = org("tenderer", 0)
            expert_org = org("expert", 1)
            tenderer = accounts.user_create(
                actor=None,
                username=f"bench-ev-t-{tag}",
                password=f"bench-{tag}-pw-0",
                organisation=tenderer_org,
                display_name="压测招标人",
                roles=["tenderer"],
            )
            users = [
                accounts.user_create(
                    actor=None,
                    username=f"bench-ev-e{i}-{tag}",
                    password=f"bench-{tag}-pw-0",
                    organisation=expert_org,
                    display_name=f"压测专家{i}",
                    roles=["expert"],
                )
                for i in range(experts)
            ]
            project = Project.objects.create(
                code=f"BENCH-EV-{tag}",
                name="压测",
                tenderer=tenderer_org,
                domain="procurement",
                procedure="open_tendering",
                created_by=tenderer,
                created_at=now,
            )
            tp = TenderProject.objects.create(
                project=project, code=f"BENCH-EV-{tag}001", name="压测", created_by=tenderer, created_at=now
            )
            section = Section.objects.create(
                tender_project=tp,
                code=f"BENCH-EV-{tag}001001",
                name="压测",
                created_by=tenderer,
                created_at=now,
                bid_deadline=now - dt.timedelta(days=1),
                evaluation_params=PARAMS,
            )
            opened = [
                OpenedSummary(
                    bid_ref=f"BID-{i:04d}",
                    bidder_name=f"压测投标人{i}",
                    price=Decimal(rng.randint(800_000_00, 1_200_000_00)) / 100,
                    objective={"record": str(rng.randint(0, 15))},
                )
                for i in range(bids)
            ]
            seats = [
                CommitteeSeat(user_id=u.pk, expert_code=f"E{i}", name=f"压测专家{i}")
                for i, u in enumerate(users)
            ]

            t0 = time.perf_counter()
            evaluation = services.evaluation_start(
                actor=tenderer, section=section, opened=opened, committee=seats, clock=clock
            )
            for u in users:
                services.member_declare(actor=u, evaluation=evaluation, no_conflict=True, clock=clock)
            chair = evaluation.members.get(user=users[0])
            for u in users[: experts // 2 + 1]:
                services.chair_vote(actor=u, evaluation=evaluation, candidate=chair, clock=clock)
            for bid in evaluation.bids.all():
                services.bid_review(actor=users[0], bid=bid, compliant=True, clock=clock)
            services.review_finish(actor=users[0], evaluation=evaluation, clock=clock)
            out["setup_and_review_ms"] = round((time.perf_counter() - t0) * 1000, 1)

            t0 = time.perf_counter()
            quality = {b.pk: rng.uniform(0.4, 1.0) for b in evaluation.bids.all()}
            members = list(evaluation.members.order_by("pk"))
            rows = [
                Score(
                    member=m,
                    bid_id=pk,
                    criterion=k,
                    value=Decimal(max(0, min(p * 2, round((q + rng.gauss(0, 0.08)) * p * 2)))) / 2,
                    at=now,
                )
                for m in members
                for pk, q in quality.items()
                for k, p in SUBJECTIVE
            ]
            Score.objects.bulk_create(rows, batch_size=5000)
            out["scores"] = len(rows)
            out["insert_scores_ms"] = round((time.perf_counter() - t0) * 1000, 1)

            t0 = time.perf_counter()
            for m, u in zip(members, users, strict=True):
                flags = services.flags_for(evaluation, m)
                refs = dict(evaluation.bids.values_list("bid_ref", "pk"))
                DeviationReason.objects.bulk_create(
                    [
                        DeviationReason(
                            member=m, bid_id=refs[f.bid_id], criterion=f.criterion, reason="压测", at=now
                        )
                        for f in flags
                    ]
                )
                services.scores_sign(actor=u, evaluation=evaluation, clock=clock)
            out["sign_scores_ms"] = round((time.perf_counter() - t0) * 1000, 1)

            t0 = time.perf_counter()
            evaluation = services.result_compute(actor=users[0], evaluation=evaluation, clock=clock)
            out["result_and_report_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            assert evaluation.report_pdf is not None
            assert evaluation.report_docx is not None
            out["report_pdf_bytes"] = evaluation.report_pdf.size
            out["report_docx_bytes"] = evaluation.report_docx.size
            out["candidates"] = sum(1 for r in (evaluation.result or {})["results"] if r["candidate"])
            out["database_vendor"] = connection.vendor
            raise _Rollback
    except _Rollback:
        pass
    return out
