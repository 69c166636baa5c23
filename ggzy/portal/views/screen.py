"""The LED big screen of the trading hall (/screen/) and its staff page (/manage/screen/).

The screen is a kiosk page: no interaction, large type, high contrast. The server renders the
first state (so it shows something even before its script runs); ``ggzy/js/screen.js`` rotates
the slides, ticks the clock and refetches /screen/data.json every minute.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ggzy.accounts.models import User
from ggzy.core.clock import SHANGHAI
from ggzy.core.errors import GgzyError, ValidationFailed
from ggzy.portal import screen_selectors, services
from ggzy.portal.models import ScreenAnnouncement
from ggzy.portal.views import common

DEFAULT_INTERVAL = 12  # seconds per slide
REFRESH_SECONDS = 60


def _seconds(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    """``?interval=`` (seconds per slide) or ``?refresh=`` (seconds between data fetches), clamped;
    anything unreadable is the default."""
    try:
        value = int(request.GET.get(name, default))
    except ValueError:
        return default
    return min(max(value, low), high)


def _local(moment: dt.datetime | None, fmt: str) -> str:
    return moment.astimezone(SHANGHAI).strftime(fmt) if moment else ""


def content_json(content: screen_selectors.ScreenContent) -> dict[str, Any]:
    return {
        "now": content.now.isoformat(timespec="seconds"),
        "today": content.today.isoformat(),
        "openings": [
            {
                "title": n.title,
                "project_code": n.project_code,
                "time": _local(n.opening_at, "%H:%M"),
                "domain": n.get_domain_display(),
            }
            for n in content.openings
        ],
        "notices": [
            {
                "title": n.title,
                "project_code": n.project_code,
                "domain": n.get_domain_display(),
                "published": _local(n.published_at, "%m-%d"),
                "deadline": _local(n.bid_deadline, "%m-%d %H:%M"),
            }
            for n in content.notices
        ],
        "announcements": [{"text": a.text} for a in content.announcements],
    }


@require_safe
def screen(request: HttpRequest) -> HttpResponse:
    content = screen_selectors.screen_content(now=common.clock.now())
    response = render(
        request,
        "portal/screen.html",
        {
            "content": content,
            "interval": _seconds(request, "interval", DEFAULT_INTERVAL, 3, 120),
            "refresh": _seconds(request, "refresh", REFRESH_SECONDS, 2, 600),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def screen_data(request: HttpRequest) -> JsonResponse:
    content = screen_selectors.screen_content(now=common.clock.now())
    response = JsonResponse(content_json(content), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- staff page


def _parse_moment(text: str) -> dt.datetime | None:
    """A ``datetime-local`` value (Shanghai time) or None when empty or malformed."""
    if not text.strip():
        return None
    try:
        value = parse_datetime(text.strip())
    except ValueError:
        return None
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


def _form_values(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    fields: dict[str, str] = {}
    starts_at = _parse_moment(post.get("starts_at", ""))
    if post.get("starts_at", "").strip() and starts_at is None:
        fields["starts_at"] = "时间格式不正确"
    ends_at = _parse_moment(post.get("ends_at", ""))
    if post.get("ends_at", "").strip() and ends_at is None:
        fields["ends_at"] = "时间格式不正确"
    try:
        position = int(post.get("position", "0") or 0)
    except ValueError:
        fields["position"] = "请填写整数"
        position = 0
    if fields:
        raise ValidationFailed("大屏公告填写有误：时间或顺序格式不正确", fields=fields)
    return {
        "text": post.get("text", ""),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "position": position,
        "active": post.get("active") == "on",
    }


def _manage_context(user: User, **extra: Any) -> dict[str, Any]:
    now = common.clock.now()
    return {
        "announcements": screen_selectors.announcements_for_staff(),
        "showing": {a.pk for a in screen_selectors.announcements_showing(now=now)},
        "default_start": now.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
        **extra,
    }


def _staff(request: HttpRequest) -> User | HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not services.may_manage_screen(user):
        return render(
            request,
            "publishing/error.html",
            {"message": "只有交易中心的信息编辑可以管理大屏公告", "status": 403},
            status=403,
        )
    return user


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def manage_screen(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    if isinstance(user, HttpResponse):
        return user
    if request.method == "POST":
        try:
            services.screen_announcement_create(actor=user, **_form_values(request))
        except GgzyError as exc:
            context = _manage_context(user, error=exc, form=request.POST)
            return render(request, "portal/screen_manage.html", context, status=exc.http_status)
        messages.success(request, "大屏公告已添加")
        return redirect("portal:manage_screen")
    return render(request, "portal/screen_manage.html", _manage_context(user))


def _announcement(pk: int) -> ScreenAnnouncement:
    item = ScreenAnnouncement.objects.filter(pk=pk).first()
    if item is None:
        raise Http404("大屏公告不存在")
    return item


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def manage_screen_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    if isinstance(user, HttpResponse):
        return user
    item = _announcement(pk)
    if request.method == "POST":
        try:
            services.screen_announcement_update(actor=user, announcement=item, **_form_values(request))
        except GgzyError as exc:
            context = _manage_context(user, error=exc, form=request.POST, editing=item)
            return render(request, "portal/screen_manage.html", context, status=exc.http_status)
        messages.success(request, "大屏公告已保存")
        return redirect("portal:manage_screen")
    form = {
        "text": item.text,
        "starts_at": _local(item.starts_at, "%Y-%m-%dT%H:%M"),
        "ends_at": _local(item.ends_at, "%Y-%m-%dT%H:%M"),
        "position": item.position,
        "active": "on" if item.active else "",
    }
    return render(request, "portal/screen_manage.html", _manage_context(user, form=form, editing=item))


@login_required
@require_POST
def manage_screen_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    if isinstance(user, HttpResponse):
        return user
    try:
        services.screen_announcement_delete(actor=user, announcement=_announcement(pk))
    except GgzyError as exc:
        context = _manage_context(user, error=exc)
        return render(request, "portal/screen_manage.html", context, status=exc.http_status)
    messages.success(request, "大屏公告已删除")
    return redirect("portal:manage_screen")
