"""Turn the platform's errors raised outside a form into proper pages.

Add ``ggzy.portal.middleware.GgzyErrorMiddleware`` to MIDDLEWARE (after the auth middleware) so
that a view anywhere (portal or back office) that lets ``ggzy.core.errors.NotFound`` escape
answers with the Chinese 404 page instead of a 500, and other ``GgzyError``s with their status
and message. Portal views already convert NotFound themselves; this is the safety net.

``server_error`` is the site's ``handler500``: a database that went away mid-request (PostgreSQL
restarting or failing over, SQLite locked past its timeout: ``OperationalError``/``InterfaceError``)
answers 503 with ``Retry-After`` and a Chinese message — JSON for programmatic clients, the error
page for browsers — instead of a bare 500: the request's transaction was rolled back by the
database, so retrying is safe (found by the fault drill scripts/faults/pg_restart.py). Django
reconnects on the next request.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.views import defaults

from ggzy.core.errors import GgzyError, NotFound

DATABASE_UNAVAILABLE = (
    "数据库暂时不可用（可能正在重启或切换），本次操作没有完成。请稍后重试；已经完成的操作不受影响。"
)


def error_response(request: HttpRequest, exc: GgzyError) -> HttpResponse:
    if isinstance(exc, NotFound):
        response = TemplateResponse(request, "404.html", {"exception": exc.message}, status=404)
    else:
        response = TemplateResponse(
            request, "error.html", {"message": exc.message, "status": exc.http_status}, status=exc.http_status
        )
    return response.render()


class GgzyErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, GgzyError):
            return error_response(request, exception)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500`` (config/urls.py): Django calls it inside its ``except`` for any uncaught
    exception — raised by a view or by a middleware (session, user, second factor), where
    ``process_exception`` never sees it. A lost database becomes a 503 (below); anything else is
    Django's own 500 page."""
    exc = sys.exc_info()[1]
    if exc is not None and database_lost(exc):
        return database_unavailable(request)
    return defaults.server_error(request)


SQLITE_TRANSIENT = ("locked", "disk i/o", "unable to open", "disk is full")


def database_lost(exc: BaseException) -> bool:
    """The database went away or is busy (worth a retry) — not a bug such as a missing column,
    which SQLite also reports as OperationalError."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    if isinstance(exc.__cause__, sqlite3.Error):
        return any(word in str(exc).lower() for word in SQLITE_TRANSIENT)
    return True


def database_unavailable(request: HttpRequest) -> HttpResponse:
    response: HttpResponse
    if request.path.startswith("/api/") or "text/html" not in request.headers.get("Accept", ""):
        error = {"code": "database_unavailable", "message": DATABASE_UNAVAILABLE, "fields": {}}
        response = JsonResponse({"error": error}, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        try:
            response = TemplateResponse(
                request, "error.html", {"message": DATABASE_UNAVAILABLE, "status": 503}, status=503
            ).render()
        except Exception:  # noqa: BLE001 - the page itself needed the database (session, user)
            response = HttpResponse(
                '<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>暂时无法完成操作</title>'
                f"<p>{DATABASE_UNAVAILABLE}</p></html>",
                status=503,
            )
    response["Retry-After"] = "5"
    return response
