"""关怀模式 (larger text, higher contrast), remembered in the cookie ``ggzy_care``. A plain link
toggles it, so it works without JavaScript and under the strict CSP."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_safe

COOKIE = "ggzy_care"
ONE_YEAR = 365 * 24 * 3600


@require_safe
def care_mode(request: HttpRequest) -> HttpResponseRedirect:
    target = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.GET.get("on") == "1":
        response.set_cookie(
            COOKIE, "1", max_age=ONE_YEAR, samesite="Lax", httponly=True, secure=request.is_secure()
        )
    else:
        response.delete_cookie(COOKIE, samesite="Lax")
    response["Cache-Control"] = "no-store"
    return response
