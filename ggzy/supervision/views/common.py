"""What the supervision pages share: the clock, the error page and the access gates."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, Concatenate

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.core.clock import Clock, local_date, system_clock
from ggzy.core.errors import NotFound

# Views read the time from here; tests replace it to move "today".
clock: Clock = system_clock

StaffView = Callable[Concatenate[HttpRequest, User, ...], HttpResponseBase]


def today() -> dt.date:
    return local_date(clock.now())


def or_404(fn: Callable[..., Any], **kwargs: Any) -> Any:
    """Call a selector; its NotFound becomes Django's 404 page."""
    try:
        return fn(**kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from None


def error_page(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "supervision/error.html", {"message": message, "status": status}, status=status)


def center_required(view: StaffView) -> Callable[..., HttpResponseBase]:
    """Logged in and center staff. The services check the exact role again."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        assert isinstance(user, User)
        if not user.is_center_staff:
            return error_page(request, "巡查与监督页面仅供交易中心工作人员使用。", 403)
        return view(request, user, *args, **kwargs)

    return wrapper


def order_user_required(view: StaffView) -> Callable[..., HttpResponseBase]:
    """Center staff, or an agency's publisher (who sees only its own organisation's orders)."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        assert isinstance(user, User)
        if not (user.is_center_staff or user.has_role(Role.AGENCY_PUBLISHER)):
            return error_page(request, "整改通知仅供交易中心工作人员和代理机构信息发布员查看。", 403)
        return view(request, user, *args, **kwargs)

    return wrapper
