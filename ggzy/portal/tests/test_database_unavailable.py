"""A database that went away mid-request (the drill scripts/faults/pg_restart.py restarts
PostgreSQL under load) answers 503 with Retry-After and a Chinese message — JSON for programmatic
clients (the bid upload API, fetch()), the error page for a browser — never a bare 500."""

from __future__ import annotations

import json
import sqlite3

import pytest
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from ggzy.portal.middleware import server_error

pytestmark = pytest.mark.django_db

LOST = OperationalError("server closed the connection unexpectedly")


def handle(request: HttpRequest, exc: Exception) -> HttpResponse:
    """What Django does with an uncaught exception: call handler500 inside its ``except``."""
    try:
        raise exc
    except Exception:  # noqa: BLE001
        return server_error(request)


def test_handler500_is_installed() -> None:
    from django.urls import get_resolver

    assert get_resolver().resolve_error_handler(500) is server_error


@pytest.mark.parametrize("exc", [LOST, InterfaceError("connection already closed")])
def test_api_clients_get_structured_json(exc: Exception) -> None:
    request = RequestFactory().post("/trading/bid-uploads/abc/finalise/")
    response = handle(request, exc)
    assert response.status_code == 503
    assert response["Retry-After"] == "5" and response["Content-Type"].startswith("application/json")
    error = json.loads(response.content)["error"]
    assert error["code"] == "database_unavailable" and "数据库暂时不可用" in error["message"]


def test_a_browser_gets_the_chinese_error_page() -> None:
    request = RequestFactory().get("/notices/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = handle(request, LOST)
    assert response.status_code == 503
    text = response.content.decode()
    assert "数据库暂时不可用" in text and "Traceback" not in text and "<html" in text


def sqlite_error(message: str) -> OperationalError:
    try:
        try:
            raise sqlite3.OperationalError(message)
        except sqlite3.Error as exc:
            raise OperationalError(message) from exc
    except OperationalError as wrapped:
        return wrapped


def test_a_locked_sqlite_database_is_a_503() -> None:
    response = handle(RequestFactory().post("/trading/bid-uploads/abc/"), sqlite_error("database is locked"))
    assert response.status_code == 503


@pytest.mark.parametrize(
    "exc", [ValueError("a bug"), sqlite_error("no such column: opening_openingsession.record_algorithm")]
)
def test_other_errors_are_the_usual_500_page(exc: Exception) -> None:
    response = handle(RequestFactory().get("/"), exc)
    assert response.status_code == 500 and "Traceback" not in response.content.decode()


def test_a_lost_database_in_a_real_request_is_a_503(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the whole stack: the session middleware's first query meets a dead connection."""
    from django.contrib.sessions.backends import db

    def dead(self: object, *args: object, **kwargs: object) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(db.SessionStore, "_get_session_from_db", dead)
    client.raise_request_exception = False
    client.cookies["sessionid"] = "x" * 32
    response = client.get("/manage/annual-report/", headers={"Accept": "application/json"})
    assert response.status_code == 503 and response.json()["error"]["code"] == "database_unavailable"
