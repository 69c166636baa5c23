"""Monitoring: request ids, JSON log lines, request metrics, and the /healthz, /readyz and /metrics
endpoints (docs/operations.md "Monitoring"; alert rules in deploy/prometheus/alerts.yml).

Request counters and the latency histogram are accumulated per process and added to the shared
cache (Redis in production) at most every GGZY_METRICS_FLUSH_SECONDS, so a scrape through any web
process sees the totals of all of them. The other figures are read from the database at scrape
time. The exposition format is written by hand (no client library needed for a dozen series).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hmac
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from ggzy.core.clock import Clock, system_clock

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("ggzy_request_id", default="")
REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other")
STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
# Seconds. The opening hall's event stream is long-lived and would swamp the histogram; it is
# counted but not timed (see _TIMED).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_UNTIMED = re.compile(r"/events/?$")
_PREFIX = "ggzy-metrics:"
request_log = logging.getLogger("ggzy.request")


# ---------------------------------------------------------------- request ids and JSON logs


def incoming_request_id(value: str | None) -> str:
    """The caller's X-Request-ID when it is a sane token (nginx's $request_id is), else a new one."""
    if value and _SAFE_ID.match(value):
        return value
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record logged while a request is being handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get()
        return True


_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, any
    ``extra={...}`` fields, and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id_var.get(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# ---------------------------------------------------------------- request metrics


class _Pending:
    """This process's counts not yet added to the shared cache."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.last_flush = 0.0

    def add(self, method: str, status: int, seconds: float | None) -> None:
        m = method if method in METHODS else "other"
        cls = f"{min(max(status // 100, 1), 5)}xx"
        with self.lock:
            c = self.counts
            key = f"req:{m}:{cls}"
            c[key] = c.get(key, 0) + 1
            if seconds is not None:
                bucket = next((f"{b:g}" for b in BUCKETS if seconds <= b), "+Inf")
                c[f"bucket:{bucket}"] = c.get(f"bucket:{bucket}", 0) + 1
                c["sum_us"] = c.get("sum_us", 0) + int(seconds * 1_000_000)
                c["count"] = c.get("count", 0) + 1

    def flush(self, *, force: bool = False) -> None:
        now = time.monotonic()
        with self.lock:
            if not self.counts or (not force and now - self.last_flush < settings.GGZY_METRICS_FLUSH_SECONDS):
                return
            counts, self.counts, self.last_flush = self.counts, {}, now
        for key, delta in counts.items():
            full = _PREFIX + key
            if not cache.add(full, delta, None):
                try:
                    cache.incr(full, delta)
                except ValueError:  # evicted between add and incr
                    cache.set(full, delta, None)


pending = _Pending()


class RequestMonitorMiddleware:
    """Sets the request id (from X-Request-ID or new), echoes it on the response, counts the request
    by method and status class, times it, and writes one ``ggzy.request`` log line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = incoming_request_id(request.headers.get(REQUEST_ID_HEADER))
        token = request_id_var.set(rid)
        request.request_id = rid  # type: ignore[attr-defined]
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[REQUEST_ID_HEADER] = rid
            return response
        finally:
            seconds = time.perf_counter() - started
            timed = not _UNTIMED.search(request.path)
            pending.add(request.method or "other", status, seconds if timed else None)
            pending.flush()
            request_log.info(
                "%s %s %s",
                request.method,
                request.path,
                status,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "remote_addr": request.META.get("REMOTE_ADDR", ""),
                },
            )
            request_id_var.reset(token)


# ---------------------------------------------------------------- readiness checks


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_storage() -> str:
    """Writes, reads back and deletes a small probe file in the file store."""
    name = f"readyz/probe-{uuid.uuid4().hex}"
    saved = default_storage.save(name, ContentFile(b"ok"))
    try:
        with default_storage.open(saved, "rb") as fh:
            if fh.read() != b"ok":
                raise OSError("文件存储读回内容不一致")
    finally:
        default_storage.delete(saved)
    return "ok"


def task_queue_depth() -> int | None:
    """Tasks waiting in the database queue; None when another task backend is configured."""
    from django.tasks import task_backends

    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - dependency missing
        return None
    if not isinstance(task_backends["default"], DatabaseBackend):
        return None
    return DBTaskResult.objects.ready().count()


def check_queue() -> str:
    depth = task_queue_depth()
    return "ok" if depth is not None else "ok（非数据库队列）"


READY_CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "storage": check_storage,
    "queue": check_queue,
}


def readiness() -> tuple[bool, dict[str, dict[str, str]]]:
    results: dict[str, dict[str, str]] = {}
    ok = True
    for name, check in READY_CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check()
            results[name] = {"status": "ok", "detail": detail}
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; say which and why
            ok = False
            results[name] = {"status": "fail", "detail": f"{type(exc).__name__}: {exc}"[:300]}
        results[name]["ms"] = f"{(time.perf_counter() - started) * 1000:.1f}"
    return ok, results


# ---------------------------------------------------------------- gauges read at scrape time


def open_openings(*, clock: Clock = system_clock) -> int:
    """Sections whose opening is in progress: opening time passed, decryption window not over."""
    from ggzy.trading.choices import SectionStatus
    from ggzy.trading.models import Section

    now = clock.now()
    longest = dt.timedelta(minutes=240)
    candidates = Section.objects.filter(
        opening_at__lte=now,
        opening_at__gt=now - longest,
        status__in=[SectionStatus.PUBLISHED, SectionStatus.BIDDING_CLOSED],
    ).values_list("opening_at", "decryption_minutes")
    return sum(1 for at, minutes in candidates if at is not None and now < at + dt.timedelta(minutes=minutes))


def failed_logins(*, window_seconds: int = 15 * 60, clock: Clock = system_clock) -> int:
    """Failed password logins in the last window (from the audit log, shared by every process)."""
    from ggzy.audit.models import Event

    since = clock.now() - dt.timedelta(seconds=window_seconds)
    return Event.objects.filter(action="login.failed", at__gte=since).count()


def failed_logins_total() -> int:
    from ggzy.audit.models import Event

    return Event.objects.filter(action="login.failed").count()


def audit_head_age_seconds(*, clock: Clock = system_clock) -> float | None:
    """Seconds since the newest audit event; None while the chain is empty."""
    from ggzy.audit.models import Event

    last = Event.objects.order_by("-seq").values_list("at", flat=True).first()
    return None if last is None else max((clock.now() - last).total_seconds(), 0.0)


def last_drill() -> tuple[float | None, float | None]:
    """Unix times of the last passed drill and the last drill of any result."""
    from ggzy.platform.models import BackupDrill

    ok = (
        BackupDrill.objects.filter(ok=True)
        .order_by("-started_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    anyd = BackupDrill.objects.order_by("-started_at").values_list("finished_at", flat=True).first()
    return (ok.timestamp() if ok else None, anyd.timestamp() if anyd else None)


# ---------------------------------------------------------------- exposition


def _fmt(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def metrics_text(*, clock: Clock = system_clock) -> str:
    """Prometheus text exposition format 0.0.4."""
    pending.flush(force=True)
    keys = [f"{_PREFIX}req:{m}:{c}" for m in METHODS for c in STATUS_CLASSES]
    bucket_names = [*(f"{b:g}" for b in BUCKETS), "+Inf"]
    keys += [f"{_PREFIX}bucket:{b}" for b in bucket_names] + [f"{_PREFIX}sum_us", f"{_PREFIX}count"]
    stored = cache.get_many(keys)
    lines: list[str] = []

    def family(name: str, kind: str, help_text: str) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")

    family("ggzy_http_requests_total", "counter", "HTTP requests by method and status class.")
    for m in METHODS:
        for c in STATUS_CLASSES:
            n = stored.get(f"{_PREFIX}req:{m}:{c}")
            if n:
                lines.append(f'ggzy_http_requests_total{{method="{m}",status="{c}"}} {n}')
    family(
        "ggzy_http_request_duration_seconds",
        "histogram",
        "Time to answer a request (event streams excluded).",
    )
    cumulative = 0
    for b in bucket_names:
        cumulative += int(stored.get(f"{_PREFIX}bucket:{b}") or 0)
        lines.append(f'ggzy_http_request_duration_seconds_bucket{{le="{b}"}} {cumulative}')
    lines.append(
        f"ggzy_http_request_duration_seconds_sum {_fmt(int(stored.get(f'{_PREFIX}sum_us') or 0) / 1e6)}"
    )
    lines.append(f"ggzy_http_request_duration_seconds_count {int(stored.get(f'{_PREFIX}count') or 0)}")

    depth = task_queue_depth()
    family("ggzy_task_queue_depth", "gauge", "Background tasks waiting in the queue.")
    lines.append(f"ggzy_task_queue_depth {depth or 0}")
    family(
        "ggzy_openings_in_progress", "gauge", "Sections whose bid opening (decryption window) is in progress."
    )
    lines.append(f"ggzy_openings_in_progress {open_openings(clock=clock)}")
    family("ggzy_login_failures_15m", "gauge", "Failed password logins in the last 15 minutes.")
    lines.append(f"ggzy_login_failures_15m {failed_logins(clock=clock)}")
    family("ggzy_login_failures_total", "counter", "Failed password logins recorded in the audit log.")
    lines.append(f"ggzy_login_failures_total {failed_logins_total()}")
    age = audit_head_age_seconds(clock=clock)
    family("ggzy_audit_head_age_seconds", "gauge", "Seconds since the newest audit-chain event.")
    lines.append(f"ggzy_audit_head_age_seconds {_fmt(age) if age is not None else 'NaN'}")
    ok_at, any_at = last_drill()
    family(
        "ggzy_backup_drill_last_success_timestamp_seconds",
        "gauge",
        "Unix time of the last passed restore drill.",
    )
    lines.append(f"ggzy_backup_drill_last_success_timestamp_seconds {_fmt(ok_at) if ok_at else 0}")
    family(
        "ggzy_backup_drill_last_timestamp_seconds",
        "gauge",
        "Unix time of the last restore drill, any result.",
    )
    lines.append(f"ggzy_backup_drill_last_timestamp_seconds {_fmt(any_at) if any_at else 0}")
    ready, checks = readiness()
    family("ggzy_ready", "gauge", "1 when every readiness check passes.")
    lines.append(f"ggzy_ready {1 if ready else 0}")
    family("ggzy_ready_check", "gauge", "Readiness checks, 1 = passing.")
    for name, result in checks.items():
        lines.append(f'ggzy_ready_check{{check="{name}"}} {1 if result["status"] == "ok" else 0}')
    return "\n".join(lines) + "\n"


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.GGZY_METRICS_TOKEN
    auth = request.headers.get("Authorization", "")
    if (
        token
        and auth.startswith("Bearer ")
        and hmac.compare_digest(auth[7:].strip().encode(), token.encode())
    ):
        return True
    return request.META.get("REMOTE_ADDR", "") in settings.GGZY_METRICS_ALLOWED_IPS


# ---------------------------------------------------------------- views


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing else (no database)."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    ok, checks = readiness()
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)


def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(metrics_text(), content_type="text/plain; version=0.0.4; charset=utf-8")
