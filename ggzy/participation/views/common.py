"""What the participation pages share: the clock, error pages and the staff gate."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.participation.services import MODERATOR_ROLES

# Views read the time from here; tests replace it to move "now".
clock: Clock = system_clock

StaffView = Callable[Concatenate[HttpRequest, User, ...], HttpResponseBase]


def public_error(
    request: HttpRequest, message: str, status: int, *, title: str = "无法完成操作"
) -> HttpResponse:
    return render(
        request, "participation/public_error.html", {"message": message, "title": title}, status=status
    )


def staff_error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(
        request, "participation/manage/error.html", {"message": message, "status": status}, status=status
    )


def limited(response: HttpResponse, retry_after: int) -> HttpResponse:
    response["Retry-After"] = str(retry_after)
    return response


def staff_required(view: StaffView) -> Callable[..., HttpResponseBase]:
    """Logged in (else the login page) and center staff with a participation role (else 403).
    The services and selectors check again."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        assert isinstance(user, User)
        if not user.is_center_staff or not user.has_role(*MODERATOR_ROLES):
            return staff_error(
                request, "互动交流由本中心信息编辑、初审或审核人员办理，您的账号没有该职责。", 403
            )
        return view(request, user, *args, **kwargs)

    return wrapper
