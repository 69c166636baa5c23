"""What the disclosure pages share: the clock, the error pages and the staff gate. The per-address
limits of the public pages are ``ggzy.disclosure.ratelimit``'s, shared with the API."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, Concatenate

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

from ggzy.accounts.models import User
from ggzy.core.clock import Clock, local_date, system_clock
from ggzy.disclosure.services import HANDLING_ROLES

# Views read the time from here; tests replace it to move "today".
clock: Clock = system_clock

StaffView = Callable[Concatenate[HttpRequest, User, ...], HttpResponseBase]


def today() -> dt.date:
    return local_date(clock.now())


def public_error(
    request: HttpRequest, message: str, status: int, *, title: str = "无法完成操作"
) -> HttpResponse:
    return render(
        request, "disclosure/public_error.html", {"message": message, "title": title}, status=status
    )


def staff_error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(
        request, "disclosure/manage/error.html", {"message": message, "status": status}, status=status
    )


def handler_required(view: StaffView) -> Callable[..., HttpResponseBase]:
    """Logged in (else to the login page) and holding a disclosure role (else 403). The services
    and selectors check again; this only keeps other staff from pages they cannot use."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        assert isinstance(user, User)
        if not user.has_role(*HANDLING_ROLES) or not user.is_center_staff:
            return staff_error(
                request, "政府信息公开申请仅由本中心信息公开经办人或负责人办理，您的账号没有该职责。", 403
            )
        return view(request, user, *args, **kwargs)

    return wrapper
