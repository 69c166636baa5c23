"""Benchmarks of issue #4 for ``ggzy bench`` and ``ggzy disclosure bench``; JSON-ready dicts.

* :func:`bench_due_dates` — due-date computation (``deadlines.fold`` over a realistic clock event
  log, with the official working-day calendar), in µs per application. Pure: no database.
* :func:`bench_stats` — ``selectors.disclosure_stats(year)`` (report tables 三 and 四 with the
  勾稽关系 checks) over a year with ``n`` applications created by ``bulk_create`` with a realistic
  spread of applicant kinds, outcomes and years. In this process's database, or — with
  ``database_url`` — in a child ``ggzy disclosure bench`` process connected to that database.

Bench rows carry tracking codes ``BENCH-…`` and are removed before and (unless ``keep``) after a
run, so the benchmark can be pointed at a database that holds real or demo data.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ggzy.core.workdays import WorkCalendar
from ggzy.disclosure import deadlines

BENCH_PREFIX = "BENCH-"
ONE_DAY = dt.timedelta(days=1)

# Applicant kinds (report columns) and outcomes (table 三 leaves) with realistic weights: mostly
# natural persons; about half disclosed in full or in part, a fifth "not held".
KIND_WEIGHTS = {
    "natural_person": 70,
    "business": 15,
    "research": 3,
    "public_interest": 2,
    "legal_service": 5,
    "other": 5,
}
OUTCOME_WEIGHTS = {
    "3.1": 38,
    "3.2": 10,
    "3.3.1": 0.5,
    "3.3.2": 0.5,
    "3.3.3": 0.5,
    "3.3.4": 3,
    "3.3.5": 1,
    "3.3.6": 1.5,
    "3.3.7": 0.5,
    "3.3.8": 1,
    "3.4.1": 20,
    "3.4.2": 2,
    "3.4.3": 1,
    "3.5.1": 5,
    "3.5.2": 2,
    "3.5.3": 0.5,
    "3.5.4": 0.5,
    "3.5.5": 1,
    "3.6.1": 3,
    "3.6.2": 0.5,
    "3.6.3": 2,
}
OPEN_SHARE = 0.04  # still open at the time of the run


def _weighted(rng: random.Random, weights: Mapping[str, float], k: int) -> list[str]:
    return rng.choices(list(weights), weights=list(weights.values()), k=k)


# ---------------------------------------------------------------- due dates (pure)


def _event_logs(n: int, rng: random.Random, calendar: WorkCalendar) -> list[list[deadlines.Event]]:
    """``n`` clock event logs in 2025–2026: every one received; about 10 % with a 补正, 8 % with a
    consultation, 5 % extended, 3 % with a fee notice and payment."""
    start = dt.date(2025, 1, 2)
    span = (dt.date(2026, 10, 30) - start).days
    logs: list[list[deadlines.Event]] = []
    for _ in range(n):
        received = start + dt.timedelta(days=rng.randrange(span))
        events = [deadlines.Event(deadlines.RECEIVED, received)]
        day = received
        if rng.random() < 0.10:
            day += dt.timedelta(days=rng.randint(1, 7))
            events.append(
                deadlines.Event(deadlines.AMENDMENT_REQUESTED, day, until=day + dt.timedelta(days=14))
            )
            day += dt.timedelta(days=rng.randint(2, 10))
            events.append(deadlines.Event(deadlines.AMENDMENT_RECEIVED, day))
        if rng.random() < 0.08:
            day += dt.timedelta(days=rng.randint(1, 10))
            events.append(deadlines.Event(deadlines.CONSULTATION_STARTED, day))
            day += dt.timedelta(days=rng.randint(3, 21))
            events.append(deadlines.Event(deadlines.CONSULTATION_ENDED, day))
        if rng.random() < 0.03:
            day += dt.timedelta(days=rng.randint(1, 5))
            events.append(deadlines.Event(deadlines.FEE_NOTICE, day))
            day += dt.timedelta(days=rng.randint(1, 10))
            events.append(deadlines.Event(deadlines.FEE_PAID, day))
        if rng.random() < 0.05:
            events.append(deadlines.Event(deadlines.EXTENSION, day + ONE_DAY, days=rng.randint(5, 20)))
        logs.append(events)
    return logs


def bench_due_dates(
    n: int = 10_000, *, calendar: WorkCalendar | None = None, seed: int = 4
) -> dict[str, Any]:
    """µs per application to fold its clock event log into a due date with the official calendar
    (``chinesecalendar`` data + the database's overrides when a calendar is passed in)."""
    if n < 1:
        raise ValueError("n must be >= 1")
    cal = calendar or WorkCalendar()
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
    logs = _event_logs(n, rng, cal)
    simple = [[log[0]] for log in logs]
    deadlines.fold(logs[0], cal)  # warm-up outside the timing

    def run(batch: list[list[deadlines.Event]]) -> float:
        started = time.perf_counter()
        for events in batch:
            deadlines.fold(events, cal)
        return time.perf_counter() - started

    full = run(logs)
    received_only = run(simple)
    memo = MemoCalendar(cal)
    started = time.perf_counter()
    for events in logs:
        deadlines.fold(events, memo)
    memoized = time.perf_counter() - started
    working_days = 0
    started = time.perf_counter()
    day = dt.date(2025, 1, 1)
    for _ in range(n):
        cal.is_working_day(day)
        working_days += 1
    one_day = time.perf_counter() - started
    return {
        "benchmark": "due_dates",
        "applications": n,
        "with_events_share": round(sum(len(log) > 1 for log in logs) / n, 3),
        "us_per_application": round(full / n * 1e6, 2),
        "us_per_application_received_only": round(received_only / n * 1e6, 2),
        "us_per_application_memoized_calendar": round(memoized / n * 1e6, 2),
        "us_per_is_working_day": round(one_day / working_days * 1e6, 3),
        "applications_per_s": round(n / full, 1) if full else None,
    }


# ---------------------------------------------------------------- table 三/四 stats (database)


def _rows(n: int, year: int, rng: random.Random, token: str, today: dt.date) -> list[Any]:
    """``n`` applications received in ``year`` plus ``n // 5`` in the year before (so 上年结转 and
    cross-year checks have data), closed 1–45 days after receipt except ``OPEN_SHARE``."""
    from ggzy.disclosure.models import DisclosureRequest

    rows: list[DisclosureRequest] = []
    plan = [(year, n), (year - 1, n // 5)]
    serial = 0
    for y, count in plan:
        kinds = _weighted(rng, KIND_WEIGHTS, count)
        outcomes = _weighted(rng, OUTCOME_WEIGHTS, count)
        first = dt.date(y, 1, 1)
        last = min(dt.date(y, 12, 31), today)
        span = max((last - first).days, 0) + 1
        for kind, outcome in zip(kinds, outcomes, strict=True):
            serial += 1
            received = first + dt.timedelta(days=rng.randrange(span))
            is_open = rng.random() < OPEN_SHARE
            closed_on = None if is_open else min(received + dt.timedelta(days=rng.randint(1, 45)), today)
            rows.append(
                DisclosureRequest(
                    tracking_code=f"{BENCH_PREFIX}{y}-{serial:08d}",
                    secret_hash="!bench",  # noqa: S106 - an unusable hash: bench rows cannot be tracked
                    applicant_kind=kind,
                    applicant_name="压测申请人",
                    id_doc_type="resident_id",
                    id_number_encrypted=token,
                    id_number_masked="11************002X",
                    id_digest=f"{rng.getrandbits(256):064x}",
                    info_name="压测所需信息",
                    info_form="electronic",
                    delivery_method="email",
                    channel="online" if rng.random() < 0.6 else "in_person",
                    arrived_on=received,
                    received_on=received,
                    status="processing" if is_open else "closed",
                    due_date=received + dt.timedelta(days=28) if is_open else None,
                    outcome=None if is_open else outcome,
                    legal_basis="" if is_open else "压测",
                    closed_at=None
                    if closed_on is None
                    else dt.datetime.combine(closed_on, dt.time(8), tzinfo=dt.UTC),
                    closed_on=closed_on,
                )
            )
    return rows


def _cases(n: int, year: int, rng: random.Random) -> list[Any]:
    from ggzy.disclosure.models import ReviewCase

    kinds = ["administrative_review"] * 6 + ["lawsuit_direct"] * 3 + ["lawsuit_after_review"]
    results = ["upheld", "upheld", "corrected", "other", "pending"]
    out = []
    for i in range(max(1, n // 200)):
        filed = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(300))
        result = rng.choice(results)
        decided = None if result == "pending" else filed + dt.timedelta(days=rng.randint(10, 60))
        out.append(
            ReviewCase(
                kind=rng.choice(kinds),
                center_role="original_actor" if rng.random() < 0.9 else "review_body_co_defendant",
                case_number=f"{BENCH_PREFIX}{i}",
                filed_on=filed,
                result=result,
                decided_on=decided,
            )
        )
    return out


def clear_bench_rows() -> int:
    """Delete the bench rows with one plain DELETE each (they have no related rows; Django's
    cascade collector would query every relation first)."""
    from django.db import connection

    from ggzy.disclosure.models import DisclosureRequest, ReviewCase

    deleted = 0
    with connection.cursor() as cursor:
        for model, column in ((ReviewCase, "case_number"), (DisclosureRequest, "tracking_code")):
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE {column} LIKE %s", [BENCH_PREFIX + "%"])  # noqa: S608
            deleted = cursor.rowcount
    return deleted


class MemoCalendar:
    """The same answers as a :class:`WorkCalendar`, each day looked up once (what the core's
    calendar could do: ``chinesecalendar`` re-validates its tables on every call)."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self.known: dict[dt.date, bool] = {}

    def is_working_day(self, day: dt.date) -> bool:
        answer = self.known.get(day)
        if answer is None:
            answer = self.known[day] = self.calendar.is_working_day(day)
        return answer

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        day, counted = start, 0
        while counted < days:
            day += ONE_DAY
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        sign, (a, b) = (1, (start, end)) if start <= end else (-1, (end, start))
        count, day = 0, a
        while day < b:
            day += ONE_DAY
            count += self.is_working_day(day)
        return sign * count


def bench_stats_here(
    n: int = 100_000, *, year: int = 2025, repeat: int = 5, keep: bool = False, seed: int = 4
) -> dict[str, Any]:
    """Create the bench rows in this process's database, time ``disclosure_stats(year)`` and
    remove the rows again (unless ``keep``)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from ggzy.disclosure import pii, selectors
    from ggzy.disclosure.models import DisclosureRequest, ReviewCase

    if n < 1 or repeat < 1:
        raise ValueError("n and repeat must be >= 1")
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
    clear_bench_rows()
    today = dt.datetime.now(tz=dt.UTC).date()
    token = pii.encrypt("id_number", "11010519491231002X")
    started = time.perf_counter()
    rows = _rows(n, year, rng, token, today)
    with transaction.atomic():
        DisclosureRequest.objects.bulk_create(rows, batch_size=2000)
        ReviewCase.objects.bulk_create(_cases(n, year, rng), batch_size=2000)
    insert_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    try:
        with CaptureQueriesContext(connection) as queries:
            stats = selectors.disclosure_stats(year=year)  # warm-up, and the query count
        timings = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            stats = selectors.disclosure_stats(year=year)
            timings.append((time.perf_counter() - t0) * 1000)
        total = DisclosureRequest.objects.count()
    finally:
        if not keep:
            clear_bench_rows()
    timings.sort()
    return {
        "benchmark": "disclosure_stats",
        "database_vendor": connection.vendor,
        "year": year,
        "applications_in_year": n,
        "applications_in_table": total,
        "insert_rows_per_s": round(len(rows) / insert_s, 1) if insert_s else None,
        "queries": len(queries.captured_queries),
        "repeat": repeat,
        "min_ms": round(timings[0], 1),
        "median_ms": round(statistics.median(timings), 1),
        "max_ms": round(timings[-1], 1),
        "checks_passed": stats.all_passed,
        "new": stats.row("1").cells[6],
        "closed": stats.row("3.7").cells[6],
        "carried_out": stats.row("4").cells[6],
    }


def _ggzy() -> str:
    candidate = Path(sys.executable).with_name("ggzy")
    return str(candidate) if candidate.exists() else "ggzy"


def bench_stats(
    n: int = 100_000,
    *,
    database_url: str | None = None,
    year: int = 2025,
    repeat: int = 5,
    timeout: float = 1800,
) -> dict[str, Any]:
    """:func:`bench_stats_here` in this process, or with ``database_url`` in a child process
    connected to that database (migrated first)."""
    if database_url is None:
        return bench_stats_here(n, year=year, repeat=repeat)
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run(  # noqa: S603 - our own ggzy command
        [_ggzy(), "migrate", "--noinput", "-v", "0"],
        env=env,
        check=True,
        timeout=timeout,
        capture_output=True,
    )
    proc = subprocess.run(  # noqa: S603 - our own ggzy command
        [
            _ggzy(),
            "disclosure",
            "bench",
            "--stats-n",
            str(n),
            "--year",
            str(year),
            "--repeat",
            str(repeat),
            "--json",
        ],
        env=env,
        check=False,
        timeout=timeout,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"ggzy disclosure bench failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout)["stats"]
    return result
