"""What the experts pages share: the clock, the error page and the login gate."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate

from django import forms as django_forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import GgzyError

# Views read the time from here; tests replace it to move "now".
clock: Clock = system_clock

UserView = Callable[Concatenate[HttpRequest, User, ...], HttpResponseBase]


def error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "experts/error.html", {"message": message, "status": status}, status=status)


def user_required(view: UserView) -> Callable[..., HttpResponseBase]:
    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        assert isinstance(user, User)
        try:
            return view(request, user, *args, **kwargs)
        except GgzyError as exc:
            return error(request, exc.message, exc.http_status)

    return wrapper


def put_error(form: django_forms.Form, exc: GgzyError) -> None:
    for name, short in exc.fields.items():
        if name in form.fields:
            form.add_error(name, short or exc.message)
    form.add_error(None, exc.message)
