"""Benchmark of issue #7 for ``ggzy bench`` and ``ggzy experts bench``: draw time at p95 with a
pool of ``pool`` experts and ``avoid`` avoidance entries.

* ``pure``: :func:`ggzy.experts.draw.check_supply` + hashes + commitment + seed +
  :func:`ggzy.experts.draw.select` over an in-memory pool (three specialties, experts shared
  between them, the avoidance list spread over the pool).
* ``db``: the database part of a commit and draw in this process's database — the pool snapshot
  query, the avoidance queries (``avoid`` experts employed by the bidders), then the pure part —
  on ``pool`` experts created with ``bulk_create`` (codes ``BENCH…``, removed afterwards).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from typing import Any

from ggzy.experts import draw as drawmath

BENCH_PREFIX = "BENCH"
SPECIALTIES = ("A0801", "A1101", "C0103")


def _p95(timings: list[float]) -> float:
    timings = sorted(timings)
    return round(timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))], 1)


def _pure_once(
    pool: dict[str, list[int]], avoid: list[int], demands: list[drawmath.Demand], rng: random.Random
) -> float:
    t0 = time.perf_counter()
    drawmath.check_supply(pool=pool, avoid=avoid, demands=demands)
    secret = rng.randbytes(32)
    c = drawmath.commitment(
        draw_ref="D0",
        section="S0",
        demands=demands,
        pool_hash=drawmath.pool_hash(pool),
        avoidance_hash=drawmath.avoidance_hash(avoid),
        secret_hash=drawmath.secret_hash(secret),
    )
    seed = drawmath.derive_seed(
        commitment=c, secret=secret, contributions=[drawmath.Contribution("tenderer", str(rng.random()))]
    )
    drawmath.select(seed=seed, pool=pool, avoid=avoid, demands=demands)
    return (time.perf_counter() - t0) * 1000


def _make_pool(n: int, rng: random.Random) -> dict[str, list[int]]:
    ids = list(range(1, n + 1))
    # Every expert has one specialty; a fifth also a second.
    pool: dict[str, list[int]] = {s: [] for s in SPECIALTIES}
    for i in ids:
        pool[SPECIALTIES[i % 3]].append(i)
        if rng.random() < 0.2:
            pool[SPECIALTIES[(i + 1) % 3]].append(i)
    return pool


DEMANDS = [drawmath.Demand("A0801", 5, 3), drawmath.Demand("A1101", 1, 1), drawmath.Demand("C0103", 1, 1)]


def bench_draw_pure(
    pool: int = 100_000, avoid: int = 5_000, *, repeat: int = 20, seed: int = 7
) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 - benchmark data
    p = _make_pool(pool, rng)
    a = rng.sample(range(1, pool + 1), avoid)
    _pure_once(p, a, DEMANDS, rng)
    timings = [_pure_once(p, a, DEMANDS, rng) for _ in range(repeat)]
    return {"p95_ms": _p95(timings), "median_ms": round(statistics.median(timings), 1)}


def clear_bench_rows() -> None:
    from django.db import connection

    from ggzy.accounts.models import Organisation, User
    from ggzy.experts.models import Draw, EmploymentPeriod, Expert, ExpertSpecialty
    from ggzy.trading.models import Project, Section, TenderProject

    ExpertSpecialty.objects.filter(expert__code__startswith=BENCH_PREFIX).delete()
    EmploymentPeriod.objects.filter(expert__code__startswith=BENCH_PREFIX).delete()
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Expert._meta.db_table)
        cursor.execute(f"DELETE FROM {table} WHERE code LIKE %s", [BENCH_PREFIX + "%"])  # noqa: S608
    Draw.objects.filter(section__code__startswith=BENCH_PREFIX).delete()
    Section.objects.filter(code__startswith=BENCH_PREFIX).delete()
    TenderProject.objects.filter(code__startswith=BENCH_PREFIX).delete()
    Project.objects.filter(code__startswith=BENCH_PREFIX).delete()
    User.objects.filter(username__startswith="bench-experts").delete()
    Organisation.objects.filter(name__startswith="压测专家").delete()


def bench_draw_db(
    pool: int = 100_000, avoid: int = 5_000, *, repeat: int = 10, seed: int = 7
) -> dict[str, Any]:
    from django.db import connection, transaction

    from ggzy.accounts.models import Organisation, User
    from ggzy.core.codes import make_credit_code
    from ggzy.experts.choices import SpecialtyStatus
    from ggzy.experts.models import Draw, DrawDemand, EmploymentPeriod, Expert, ExpertSpecialty, SpecialtyCode
    from ggzy.experts.services.draws import avoidance_for, pool_snapshot
    from ggzy.experts.specialties import ensure_specialties
    from ggzy.trading.models import Project, Section, TenderProject

    rng = random.Random(seed)  # noqa: S311 - benchmark data
    clear_bench_rows()
    ensure_specialties(SpecialtyCode)
    now = dt.datetime.now(tz=dt.UTC)
    specs = {s.code: s for s in SpecialtyCode.objects.filter(code__in=SPECIALTIES)}
    t_insert = time.perf_counter()
    with transaction.atomic():
        orgs = [
            Organisation.objects.create(
                kind=kind,
                name=f"压测专家{kind}{i}",
                credit_code=make_credit_code(f"91640400BE{rng.randrange(10**7):07d}"),
            )
            for i, kind in enumerate(["tenderer", "bidder", "bidder", "bidder"])
        ]
        user = User.objects.create(username=f"bench-experts-{rng.randrange(10**9)}", organisation=orgs[0])
        project = Project.objects.create(
            code=f"{BENCH_PREFIX}-P",
            name="压测",
            tenderer=orgs[0],
            domain="construction",
            procedure="open_tendering",
            created_by=user,
            created_at=now,
        )
        tp = TenderProject.objects.create(
            project=project, code=f"{BENCH_PREFIX}-P001", name="压测", created_by=user, created_at=now
        )
        section = Section.objects.create(
            tender_project=tp,
            code=f"{BENCH_PREFIX}-P001001",
            name="压测",
            bid_deadline=now - dt.timedelta(days=1),
            created_by=user,
            created_at=now,
        )
        experts = [
            Expert(
                code=f"{BENCH_PREFIX}{i:08d}",
                name="压测专家",
                id_number_encrypted="!",
                id_number_masked="*",
                id_digest=f"{BENCH_PREFIX}{i:059d}",
                birth_date=dt.date(1970, 1, 1) + dt.timedelta(days=i % 9000),
                title="工程师",
                title_level="intermediate",
                years=10,
                region="示范市",
                created_at=now,
            )
            for i in range(pool)
        ]
        Expert.objects.bulk_create(experts, batch_size=2000)
        ids = list(
            Expert.objects.filter(code__startswith=BENCH_PREFIX).order_by("pk").values_list("pk", flat=True)
        )
        p = _make_pool(len(ids), rng)
        rows = [
            ExpertSpecialty(
                expert_id=ids[i - 1], specialty=specs[code], status=SpecialtyStatus.APPROVED, requested_at=now
            )
            for code, members in p.items()
            for i in members
        ]
        ExpertSpecialty.objects.bulk_create(rows, batch_size=5000)
        EmploymentPeriod.objects.bulk_create(
            [
                EmploymentPeriod(expert_id=i, organisation=orgs[1 + k % 3])
                for k, i in enumerate(rng.sample(ids, avoid))
            ],
            batch_size=5000,
        )
        draw = Draw.objects.create(
            section=section,
            requested_by=user,
            tenderer=orgs[0],
            domain="construction",
            procedure="open_tendering",
            evaluation_at=now + dt.timedelta(days=1),
            evaluation_place="压测",
            created_at=now,
        )
        for d in DEMANDS:
            DrawDemand.objects.create(
                draw=draw, specialty=specs[d.specialty], count=d.count, reserves=d.reserves
            )
    insert_s = time.perf_counter() - t_insert
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    bidders = [o.pk for o in orgs[1:]]

    def once() -> tuple[float, int]:
        t0 = time.perf_counter()
        snap = pool_snapshot(draw)
        pool_ids = {i for v in snap.values() for i in v}
        avoided = avoidance_for(draw, bidder_ids=bidders, pool_ids=pool_ids)
        _pure_once(snap, list(avoided), DEMANDS, rng)
        return (time.perf_counter() - t0) * 1000, len(avoided)

    try:
        once()
        results = [once() for _ in range(repeat)]
    finally:
        clear_bench_rows()
    timings = [r[0] for r in results]
    return {
        "database_vendor": connection.vendor,
        "p95_ms": _p95(timings),
        "median_ms": round(statistics.median(timings), 1),
        "avoided": results[0][1],
        "insert_s": round(insert_s, 1),
    }


def bench_draw(
    pool: int = 100_000, avoid: int = 5_000, *, repeat: int = 20, db: bool = True
) -> dict[str, Any]:
    """p95 ms of a draw: the pure path and (with ``db``) the database path in this process's DB."""
    result: dict[str, Any] = {"benchmark": "expert_draw", "pool": pool, "avoid": avoid, "repeat": repeat}
    result["pure"] = bench_draw_pure(pool, avoid, repeat=repeat)
    if db:
        result["db"] = bench_draw_db(pool, avoid, repeat=max(3, repeat // 2))
    return result
