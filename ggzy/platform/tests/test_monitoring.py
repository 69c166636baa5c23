"""/healthz, /readyz, /metrics, request ids and JSON log lines."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from ggzy.core.clock import FixedClock
from ggzy.platform import monitoring
from ggzy.trading.tests.conftest import build, parties, tclock, tender_notice  # noqa: F401

BASE_DIR = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    cache.clear()
    monitoring.pending.counts.clear()
    yield
    cache.clear()


def metric(text: str, name: str) -> float:
    """The value of one sample line (``name`` includes its labels, if any)."""
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} not in metrics:\n{text}"
    return float(match.group(1))


def test_healthz_answers_without_the_database(client: Client) -> None:
    # No django_db mark: any query here would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_readyz_reports_each_check(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "storage", "queue"}
    assert all(c["status"] == "ok" for c in body["checks"].values())


@pytest.mark.django_db
def test_readyz_fails_with_503_when_storage_is_not_writable(
    client: Client, settings: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "files"  # a folder under a file cannot be created, even by root
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["storage"]["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"
    metrics = client.get("/metrics").content.decode()
    assert metric(metrics, "ggzy_ready") == 0
    assert metric(metrics, 'ggzy_ready_check{check="storage"}') == 0


@pytest.mark.django_db
def test_readyz_probe_leaves_no_file_behind(client: Client, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    assert client.get("/readyz").status_code == 200
    assert [p for p in (tmp_path / "media").rglob("*") if p.is_file()] == []


@pytest.mark.django_db
def test_metrics_counts_requests_and_exposes_every_family(client: Client) -> None:
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no-such-page-for-metrics/")
    client.post("/healthz")
    text = client.get("/metrics").content.decode()
    assert text.endswith("\n")
    assert metric(text, 'ggzy_http_requests_total{method="GET",status="2xx"}') >= 2
    assert metric(text, 'ggzy_http_requests_total{method="GET",status="4xx"}') >= 1
    assert metric(text, 'ggzy_http_request_duration_seconds_bucket{le="+Inf"}') >= 4
    assert metric(text, "ggzy_http_request_duration_seconds_count") >= 4
    for family in (
        "ggzy_task_queue_depth",
        "ggzy_openings_in_progress",
        "ggzy_login_failures_15m",
        "ggzy_audit_head_age_seconds",
        "ggzy_backup_drill_last_success_timestamp_seconds",
        "ggzy_ready",
    ):
        assert f"# TYPE {family} " in text
    # Every sample line is "name{labels} value" with a number (or NaN) as value.
    for line in text.splitlines():
        if not line.startswith("#"):
            assert re.match(r"^[a-z_0-9]+(\{[^}]*\})? (-?[0-9.e+]+|NaN)$", line), line


@pytest.mark.django_db
def test_metrics_counts_failed_logins_and_audit_head_age(client: Client, make_user: Any) -> None:
    user = make_user("editor")
    for _ in range(3):
        client.post("/accounts/login/", {"username": user.username, "password": "wrong-password-1"})
    text = client.get("/metrics").content.decode()
    assert metric(text, "ggzy_login_failures_15m") == 3
    assert metric(text, "ggzy_login_failures_total") == 3
    assert 0 <= metric(text, "ggzy_audit_head_age_seconds") < 600
    later = FixedClock(dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=1))
    assert monitoring.failed_logins(clock=later) == 0
    assert monitoring.audit_head_age_seconds(clock=later) >= 3600


@pytest.mark.django_db
def test_openings_in_progress_follow_the_decryption_window(build: Any) -> None:  # noqa: F811
    section = build("published")
    at = section.opening_at
    assert monitoring.open_openings(clock=FixedClock(at - dt.timedelta(minutes=1))) == 0
    assert monitoring.open_openings(clock=FixedClock(at + dt.timedelta(minutes=5))) == 1
    after = at + dt.timedelta(minutes=section.decryption_minutes + 1)
    assert monitoring.open_openings(clock=FixedClock(after)) == 0


@pytest.mark.django_db
def test_metrics_are_protected(client: Client, settings: Any) -> None:
    settings.GGZY_METRICS_ALLOWED_IPS = ["10.0.0.5"]
    settings.GGZY_METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.5").status_code == 200
    settings.GGZY_METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_request_id_is_propagated_or_made(client: Client) -> None:
    given = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123.def")
    assert given["X-Request-ID"] == "abc-123.def"
    made = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", made["X-Request-ID"])
    for bad in ("has spaces", "x" * 65, "<script>", "a\u00e9"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID=bad)
        assert response["X-Request-ID"] != bad
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_json_log_lines_carry_the_request_id(client: Client) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(monitoring.JsonFormatter())
    handler.addFilter(monitoring.RequestIdFilter())
    log = logging.getLogger("ggzy.request")
    old_level = log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        client.get("/healthz", HTTP_X_REQUEST_ID="req-42")
    finally:
        log.removeHandler(handler)
        log.setLevel(old_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 1
    entry = lines[0]
    assert entry["request_id"] == "req-42"
    assert entry["logger"] == "ggzy.request"
    assert entry["level"] == "INFO"
    assert entry["status"] == 200
    assert entry["path"] == "/healthz"
    assert entry["method"] == "GET"
    assert entry["duration_ms"] >= 0
    assert dt.datetime.fromisoformat(entry["time"]).tzinfo is not None


def test_json_formatter_includes_tracebacks_and_no_request_outside_requests() -> None:
    formatter = monitoring.JsonFormatter()
    try:
        raise ValueError("坏了")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "失败 %s", ("甲",), sys.exc_info()
        )
    monitoring.RequestIdFilter().filter(record)
    entry = json.loads(formatter.format(record))
    assert entry["message"] == "失败 甲"
    assert entry["request_id"] == ""
    assert "ValueError: 坏了" in entry["exc"]


def test_production_settings_log_json() -> None:
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
    }
    code = (
        "import django, logging, json; django.setup(); from django.conf import settings;"
        "logging.getLogger('ggzy.request').info('hello', extra={'status': 200});"
        "print(json.dumps([settings.GGZY_BACKUP_REQUIRE_KEY, settings.SECURE_REDIRECT_EXEMPT]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip()) == [True, ["^healthz$", "^readyz$", "^metrics$"]]
    line = json.loads(proc.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello"
    assert line["status"] == 200
    assert line["logger"] == "ggzy.request"
