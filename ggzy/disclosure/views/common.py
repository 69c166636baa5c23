"""What the disclosure pages share: the clock, the error page, the staff gate and the per-address
throttle that keeps the tracking pair (code + secret) from being guessed by brute force."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from typing import Any, Concatenate

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
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


# ---------------------------------------------------------------- throttle


class Throttle:
    """At most ``limit`` counted events per client address per ``window`` seconds, in the shared
    cache (Redis in production), keyed by a hash so the cache holds no raw addresses."""

    def __init__(self, name: str, *, limit: int, window: int) -> None:
        self.name, self.limit, self.window = name, limit, window

    def _key(self, request: HttpRequest) -> str:
        address = request.META.get("REMOTE_ADDR", "") or "-"
        return f"disclosure-{self.name}:{hashlib.sha256(address.encode()).hexdigest()[:32]}"

    def blocked(self, request: HttpRequest) -> bool:
        return int(cache.get(self._key(request)) or 0) >= self.limit

    def hit(self, request: HttpRequest) -> None:
        key = self._key(request)
        if not cache.add(key, 1, self.window):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, self.window)

    @property
    def minutes(self) -> int:
        return max(1, self.window // 60)


# Wrong code/secret pairs: 10 per address per 10 minutes.
TRACKING_THROTTLE = Throttle("track-fail", limit=10, window=10 * 60)
# Online applications: 20 per address per hour (the form is public and writes rows).
SUBMIT_THROTTLE = Throttle("submit", limit=20, window=60 * 60)
