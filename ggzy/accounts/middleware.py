"""Staff who must have a second factor but have not enrolled one may only reach the enrolment
page (and log out) until they do."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
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


TOUCH_KEY = "ggzy_idle_touch"
TOUCH_EVERY_SECONDS = 60


class StaffIdleTimeoutMiddleware:
    """Center staff and superusers are logged out after GGZY_STAFF_SESSION_IDLE_SECONDS without a
    request (等保: session timeout for administrative users). Each request slides the expiry; the
    database session row carries it, so an old cookie replayed later is refused server-side too.
    Other users keep SESSION_COOKIE_AGE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and (user.is_superuser or getattr(user, "is_center_staff", False))
        ):
            # Slide the expiry at most once a minute: writing the session row on every request
            # would cost a write per page view for a precision nobody needs (the timeout ends
            # up between idle − 60 s and idle).
            now = int(time.time())
            last = request.session.get(TOUCH_KEY)
            if not isinstance(last, int) or now - last >= TOUCH_EVERY_SECONDS:
                request.session[TOUCH_KEY] = now
                request.session.set_expiry(settings.GGZY_STAFF_SESSION_IDLE_SECONDS)
        return self.get_response(request)
