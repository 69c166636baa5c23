"""Where a change came from: the request's client address, carried in a context variable so
services need not thread the request through every call."""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

current_ip: contextvars.ContextVar[str] = contextvars.ContextVar("ggzy_audit_ip", default="")


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(request.META.get("REMOTE_ADDR", "") or "")
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
