"""What the trading pages share: the clock, the error pages and the gates."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.trading import access

# Views read the time from here; tests replace it to move "now".
clock: Clock = system_clock

UserView = Callable[Concatenate[HttpRequest, User, ...], HttpResponseBase]


def manage_error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "trading/manage/error.html", {"message": message, "status": status}, status=status)


def public_error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "trading/error.html", {"message": message, "status": status}, status=status)


def manager_required(view: UserView) -> Callable[..., HttpResponseBase]:
    """Logged in and holding a role that can manage projects; the services check the project."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        assert isinstance(user, User)
        if user.organisation_id is None or not (
            user.has_role(Role.TENDERER, Role.AGENCY_PUBLISHER) or access.is_center_admin(user)
        ):
            return manage_error(
                request,
                "项目和标段由招标人、受委托的代理机构或交易中心系统管理员管理，您的账号没有该职责。",
                403,
            )
        return view(request, user, *args, **kwargs)

    return wrapper


def bidder_required(view: UserView) -> Callable[..., HttpResponseBase]:
    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        assert isinstance(user, User)
        if not access.is_bidder(user):
            return public_error(request, "只有以投标人身份登录的用户可以下载招标文件。", 403)
        return view(request, user, *args, **kwargs)

    return wrapper
