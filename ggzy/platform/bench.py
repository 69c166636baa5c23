"""Support for ``ggzy bench``: machine facts, load generators (wrk, or a threaded Python fallback),
server readiness, and the in-database micro-benchmarks. Loopback only, bounded in time."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import math
import os
import platform
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)

# wrk prints its own percentiles (50/75/90/99) but not p95: a done() hook prints every figure as
# one JSON line instead.
WRK_LUA = """
done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,'
    .. '"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,'
    .. '"mean_us":%.1f,"max_us":%d}\\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max))
end
"""


# For the "_uncached" targets: every request gets its own query string, so none is answered from
# the public page cache (ADR 0009) — each is rendered (and stored) as on a first visit.
UNIQUE_QUERY_PARAM = "bench_nocache"
WRK_UNIQUE_LUA = """
tid = 0
counter = 0
local threads_seen = 0
setup = function(thread)
  threads_seen = threads_seen + 1
  thread:set("tid", threads_seen)
end
request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. SEP .. "PARAM=" .. tid .. "-" .. counter)
end
"""


def unique_path(path: str, tag: str) -> str:
    """``path`` with a query parameter that makes it a page-cache miss."""
    return f"{path}{'&' if '?' in path else '?'}{UNIQUE_QUERY_PARAM}={tag}"


def machine_info() -> dict[str, Any]:
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gib": round(mem_kb / 1024 / 1024, 1) if mem_kb else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_get(url: str, *, timeout: float = 10.0, headers: dict[str, str] | None = None) -> tuple[int, int]:
    """(status, body bytes) of one GET; (0, 0) when the connection fails."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", path or "/", headers={"User-Agent": BROWSER_UA, **(headers or {})})
        response = conn.getresponse()
        return response.status, len(response.read())
    except OSError:
        return 0, 0
    finally:
        conn.close()


def wait_ready(url: str, *, timeout: float, process: subprocess.Popen[bytes] | None = None) -> float:
    """Poll ``url`` until it answers 200; returns seconds waited. Raises TimeoutError/RuntimeError."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"服务器进程已退出（退出码 {process.returncode}）")
        status, _ = http_get(url, timeout=2)
        if status == 200:
            return time.monotonic() - started
        time.sleep(0.2)
    raise TimeoutError(f"服务器在 {timeout:.0f} 秒内没有就绪：{url}")


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_wrk(
    url: str, *, duration: float, connections: int, threads: int, unique: bool = False
) -> dict[str, Any]:
    """Drive ``url`` with wrk for ``duration`` seconds; figures from the Lua done() hook. With
    ``unique`` every request carries its own query string (see ``UNIQUE_QUERY_PARAM``)."""
    wrk = wrk_path()
    if wrk is None:
        raise RuntimeError("wrk not installed")
    lua = WRK_LUA
    if unique:
        sep = '"&"' if "?" in url else '"?"'
        lua += WRK_UNIQUE_LUA.replace("SEP", sep).replace("PARAM", UNIQUE_QUERY_PARAM)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        seconds = max(1, round(duration))
        proc = subprocess.run(  # noqa: S603 - fixed argv, loopback URL
            [
                wrk,
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--latency",
                "--timeout",
                "10s",
                "-H",
                f"User-Agent: {BROWSER_UA}",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=False,
        )
    finally:
        os.unlink(script.name)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    secs = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    return {
        "requests": raw["requests"],
        "seconds": round(secs, 3),
        "requests_per_s": round(raw["requests"] / secs, 1) if secs else 0.0,
        "p50_ms": round(raw["p50_us"] / 1000, 3),
        "p95_ms": round(raw["p95_us"] / 1000, 3),
        "p99_ms": round(raw["p99_us"] / 1000, 3),
        "mean_ms": round(raw["mean_us"] / 1000, 3),
        "max_ms": round(raw["max_us"] / 1000, 3),
        "non_2xx_3xx": raw["status_errors"],
        "socket_errors": errors,
        "transfer_mb_per_s": round(raw["bytes"] / secs / 1e6, 2) if secs else 0.0,
    }


def run_python_load(url: str, *, duration: float, connections: int, unique: bool = False) -> dict[str, Any]:
    """A small threaded keep-alive load generator, used when wrk is absent. Its own GIL caps it at a
    few thousand requests/s, so fast targets (static files) are under-measured: the JSON says so."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    base_path = parts.path + (f"?{parts.query}" if parts.query else "")
    deadline = time.monotonic() + duration
    latencies: list[list[float]] = [[] for _ in range(connections)]
    statuses: list[Counter[int]] = [Counter() for _ in range(connections)]
    errors = [0] * connections

    def drive(i: int) -> None:
        conn: http.client.HTTPConnection | None = None
        n = 0
        while time.monotonic() < deadline:
            n += 1
            path = unique_path(base_path, f"{i}-{n}") if unique else base_path
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=10)
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"User-Agent": BROWSER_UA})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = None
                continue
            latencies[i].append(time.perf_counter() - started)
            statuses[i][response.status] += 1
            if response.will_close:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    started = time.monotonic()
    workers = [threading.Thread(target=drive, args=(i,), daemon=True) for i in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(duration + 15)
    secs = time.monotonic() - started
    merged = sorted(x * 1000 for part in latencies for x in part)
    status_total: Counter[int] = Counter()
    for c in statuses:
        status_total.update(c)
    bad = sum(n for code, n in status_total.items() if not 200 <= code < 400)
    return {
        "requests": len(merged),
        "seconds": round(secs, 3),
        "requests_per_s": round(len(merged) / secs, 1) if secs else 0.0,
        "p50_ms": round(percentile(merged, 50), 3),
        "p95_ms": round(percentile(merged, 95), 3),
        "p99_ms": round(percentile(merged, 99), 3),
        "mean_ms": round(sum(merged) / len(merged), 3) if merged else 0.0,
        "max_ms": round(merged[-1], 3) if merged else 0.0,
        "non_2xx_3xx": bad,
        "socket_errors": sum(errors),
    }


def redact_url(url: str) -> str:
    """The database URL without its password (for the report)."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


# --------------------------------------------------------------------------------------------
# In-database micro-benchmarks (run inside a Django process connected to the bench database).
# Each capability's hot path (DESIGN.md: "a benchmark for the capability's hot path in ggzy bench"):
# (report key, "module:function", keyword arguments). Run in the python phase on the bench database;
# a failing one is reported, never aborts the run. GGZY_BENCH_ONLY=key,key limits the set.
CAPABILITIES: list[tuple[str, str, dict[str, Any]]] = [
    ("certificates", "ggzy.accounts.bench:bench_certificates", {"n": 200, "crl_size": 1000}),
    ("notice_signature", "ggzy.publishing.bench_agency:bench_notice_signature", {"n": 200}),
    ("compliance_gate", "ggzy.compliance.bench:bench_compliance", {"n_rules": 200, "n_notices": 500}),
    (
        "participation",
        "ggzy.participation.bench:bench_participation",
        {"n": 300, "backlog": 5000, "repeat": 20},
    ),
    ("ocds_export", "ggzy.api.bench_ocds:bench_ocds_export", {}),
    ("sitemap", "ggzy.portal.bench_opendata:bench_sitemap", {}),
    ("link_crawl", "ggzy.supervision.bench:bench_link_crawl", {}),
    ("patrol_fill", "ggzy.supervision.bench:bench_patrol_fill", {"n": 2000}),
    ("sealed_envelope", "ggzy.sealing.bench:bench_envelope", {"size_mb": 256}),
    ("sealed_envelope_sm", "ggzy.sealing.bench:bench_envelope", {"size_mb": 64, "suite": "sm"}),
    ("crypto_suites", "ggzy.sealing.bench:bench_suites", {}),
    ("expert_draw", "ggzy.experts.bench:bench_draw", {"pool": 100_000, "avoid": 5_000, "repeat": 20}),
    ("annual_report", "ggzy.annual_report.bench:bench_annual_report", {"year": 2021, "repeat": 3}),
    ("evaluation_scoring", "ggzy.evaluation.bench:bench_scoring", {"bids": 300, "experts": 9}),
    ("evaluation_stats", "ggzy.evaluation.bench:bench_stats", {"repeat": 5}),
    ("bid_submission", "ggzy.trading.bench_bids:bench_bid_submission", {"size_mb": 64}),
    ("backup", "ggzy.platform.bench_ops:bench_backup", {}),
    ("opening_throughput", "ggzy.opening.bench:bench_open_throughput", {"size_mb": 1024}),
    ("opening_hall_fanout", "ggzy.opening.bench:bench_hall_fanout", {"clients": 1000, "events": 20}),
    ("trading", "ggzy.trading.bench:bench_trading", {"n": 2000, "pages": 50}),
]


def capability_benchmarks(only: set[str] | None = None) -> dict[str, Any]:
    """Run every registered capability benchmark; each result (or its error) under its key."""
    import importlib

    results: dict[str, Any] = {}
    for key, target, kwargs in CAPABILITIES:
        if only and key not in only:
            continue
        module_name, _, function_name = target.partition(":")
        started = time.perf_counter()
        try:
            function = getattr(importlib.import_module(module_name), function_name)
            results[key] = function(**kwargs)
        except Exception as exc:  # noqa: BLE001 - report, do not abort the whole bench
            results[key] = {"error": f"{type(exc).__name__}: {exc}"}
        results[key] = (
            {**results[key], "wall_s": round(time.perf_counter() - started, 2)}
            if isinstance(results[key], dict)
            else {"result": results[key], "wall_s": round(time.perf_counter() - started, 2)}
        )
    return results


def python_phase(
    *, search_repeat: int = 10, audit_seconds: float = 2.0, audit_max: int = 5000
) -> dict[str, Any]:
    """Ids for the detail-page targets, row counts, search_query latency and audit_record appends/s."""
    from django.db import connection, transaction

    from ggzy.audit.models import Event
    from ggzy.audit.services import audit_record
    from ggzy.publishing.choices import NoticeKind, ReleaseStatus
    from ggzy.publishing.models import Article, Notice
    from ggzy.search.bench import bench_search
    from ggzy.search.models import SearchDocument

    article = Article.objects.filter(status=ReleaseStatus.PUBLISHED).order_by("-published_at").first()
    notice = (
        Notice.objects.filter(status=ReleaseStatus.PUBLISHED, kind=NoticeKind.TENDER)
        .order_by("-published_at")
        .first()
    )
    counts = {
        "articles": Article.objects.count(),
        "notices": Notice.objects.count(),
        "search_documents": SearchDocument.objects.count(),
        "audit_events": Event.objects.count(),
    }
    search: dict[str, Any]
    try:
        search = bench_search(
            ["监理", "施工招标", "医疗设备采购", "示范市第三中学 教学楼"], repeat=search_repeat
        )
    except Exception as exc:  # noqa: BLE001 - report, do not abort the whole bench
        search = {"error": f"{type(exc).__name__}: {exc}"}
    appended = 0
    started = time.perf_counter()
    while appended < audit_max and time.perf_counter() - started < audit_seconds:
        with transaction.atomic():
            audit_record(actor=None, action="bench.append", data={"i": appended})
        appended += 1
    elapsed = time.perf_counter() - started
    # Issue 4's hot paths: due-date folding per application and the table 三/四 query over a year
    # of applications (rows created for the run and removed after it).
    from ggzy.disclosure.bench import bench_due_dates, bench_stats_here

    disclosure_n = int(os.environ.get("GGZY_BENCH_DISCLOSURE_N", "100000"))
    disclosure: dict[str, Any]
    try:
        disclosure = {"due_dates": bench_due_dates(2000), "stats": bench_stats_here(disclosure_n, repeat=3)}
    except Exception as exc:  # noqa: BLE001 - report, do not abort the whole bench
        disclosure = {"error": f"{type(exc).__name__}: {exc}"}
    only = {k for k in os.environ.get("GGZY_BENCH_ONLY", "").split(",") if k}
    return {
        "article_id": article.pk if article else None,
        "capabilities": capability_benchmarks(only or None),
        "disclosure": disclosure,
        "notice_id": notice.pk if notice else None,
        "database_vendor": connection.vendor,
        "counts": counts,
        "search_query": search,
        "audit_record": {
            "appends": appended,
            "seconds": round(elapsed, 3),
            "appends_per_s": round(appended / elapsed, 1) if elapsed else None,
            "note": "each append is its own committed transaction (lock head, hash, insert, update head)",
        },
        "at": dt.datetime.now(tz=dt.UTC).isoformat(),
    }
