"""Turn the platform's errors raised outside a form into proper pages.

Add ``ggzy.portal.middleware.GgzyErrorMiddleware`` to MIDDLEWARE (after the auth middleware) so
that a view anywhere (portal or back office) that lets ``ggzy.core.errors.NotFound`` escape
answers with the Chinese 404 page instead of a 500, and other ``GgzyError``s with their status
and message. Portal views already convert NotFound themselves; this is the safety net.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from ggzy.core.errors import GgzyError, NotFound


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
