"""Staff who must have a second factor but have not enrolled one may only reach the enrolment
page (and log out) until they do."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

ENROL_SESSION_KEY = "ggzy_must_enrol_totp"
ALLOWED_PREFIXES = ("/accounts/totp/", "/accounts/logout/", "/static/")


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.session.get(ENROL_SESSION_KEY)
            and request.user.is_authenticated
            and not request.path.startswith(ALLOWED_PREFIXES)
            and (request.path.startswith("/manage/") or request.path.startswith("/admin/"))
        ):
            return redirect("accounts:totp_enrol")
        return self.get_response(request)
