"""Patrol pages under /manage/supervision/: the dashboard (rounds done per day vs required, open
and overdue orders) and the round page with a verdict form per notice, the correction-order form
and the takedown form.

Views are thin: parse a form, call one service or selector, render. A service's error goes back
on the page with its HTTP status, never a 500."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ggzy.accounts.models import User
from ggzy.core.errors import GgzyError
from ggzy.publishing.models import Notice
from ggzy.supervision import forms, selectors, services
from ggzy.supervision.choices import OrderStatus, RoundStatus, Verdict
from ggzy.supervision.models import PatrolItem
from ggzy.supervision.services._common import PATROLLER, TAKEDOWN_ROLES
from ggzy.supervision.views import common

CHART_DAYS = 14
CHART_STEP, CHART_TOP, CHART_HEIGHT = 48, 20, 160


# ---------------------------------------------------------------- dashboard


@require_http_methods(["GET"])
@common.center_required
def dashboard(request: HttpRequest, user: User) -> HttpResponse:
    today = common.today()
    days = selectors.rounds_per_day(today=today, days=CHART_DAYS)
    required = max((d.required for d in days), default=3)
    scale = max([required, *(d.done for d in days)]) or 1
    # SVG geometry (attributes, not inline styles: the CSP forbids those).
    bars = [
        {
            "day": d,
            "x": 40 + i * CHART_STEP,
            "h": round(CHART_HEIGHT * d.done / scale),
            "y": CHART_TOP + CHART_HEIGHT - round(CHART_HEIGHT * d.done / scale),
            "short": d.day.strftime("%m-%d"),
            "met": d.done >= d.required,
        }
        for i, d in enumerate(days)
    ]
    return render(
        request,
        "supervision/dashboard.html",
        {
            "days": days,
            "bars": bars,
            "chart": {
                "width": 40 + CHART_DAYS * CHART_STEP,
                "height": CHART_TOP + CHART_HEIGHT + 30,
                "base": CHART_TOP + CHART_HEIGHT,
                "required_y": CHART_TOP + CHART_HEIGHT - round(CHART_HEIGHT * required / scale),
                "bar": CHART_STEP - 14,
                "label_dy": CHART_TOP + CHART_HEIGHT + 18,
            },
            "required": required,
            "open_rounds": selectors.round_list(status=RoundStatus.OPEN, limit=30),
            "recent_rounds": selectors.round_list(status=RoundStatus.DONE, limit=10),
            "open_orders": selectors.orders_open(),
            "overdue_orders": selectors.orders_overdue(today=today),
            "is_patroller": user.has_role(PATROLLER),
        },
    )


# ---------------------------------------------------------------- rounds


def _round_page(
    request: HttpRequest,
    user: User,
    pk: int,
    *,
    failed: tuple[str, int, forms.Form] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    round_ = common.or_404(selectors.round_get, pk=pk)
    rows = []
    for item in selectors.round_items(round_):
        open_order = next((o for o in item.orders.all() if o.status != OrderStatus.CLOSED), None)
        forms_for: dict[str, forms.Form] = {
            "verdict": forms.VerdictForm(
                prefix=f"v{item.pk}", initial={"verdict": item.verdict, "comment": item.comment}
            ),
            "order": forms.OrderForm(
                prefix=f"o{item.pk}",
                initial={"problem": item.comment, "days": services.plan_get().correction_days},
            ),
            "takedown": forms.TakedownForm(prefix=f"t{item.pk}"),
        }
        if failed and failed[1] == item.pk:
            forms_for[failed[0]] = failed[2]
        rows.append({"item": item, "open_order": open_order, "orders": list(item.orders.all()), **forms_for})
    context = {
        "round": round_,
        "rows": rows,
        "is_patroller": user.has_role(PATROLLER),
        "can_take_down": user.has_role(*TAKEDOWN_ROLES),
        "error": error,
        "failed_item": failed[1] if failed else None,
    }
    return render(request, "supervision/round.html", context, status=status)


@require_http_methods(["GET"])
@common.center_required
def round_detail(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    return _round_page(request, user, pk)


@require_POST
@common.center_required
def round_complete(request: HttpRequest, user: User, pk: int) -> HttpResponseBase:
    round_ = common.or_404(selectors.round_get, pk=pk)
    try:
        services.patrol_round_complete(actor=user, round=round_, clock=common.clock)
    except GgzyError as exc:
        return _round_page(request, user, pk, error=exc.message, status=exc.http_status)
    messages.success(request, "本轮巡查已完成。")
    return redirect(reverse("supervision:round", args=[pk]))


def _item(pk: int) -> PatrolItem:
    item: PatrolItem = common.or_404(selectors.item_get, pk=pk)
    return item


@require_POST
@common.center_required
def item_verdict(request: HttpRequest, user: User, pk: int) -> HttpResponseBase:
    item = _item(pk)
    form = forms.VerdictForm(request.POST, prefix=f"v{item.pk}")
    if not form.is_valid():
        return _round_page(
            request,
            user,
            item.round_id,
            failed=("verdict", item.pk, form),
            error="请选择巡查结论",
            status=400,
        )
    try:
        services.patrol_item_verdict(
            actor=user,
            item=item,
            verdict=form.cleaned_data["verdict"],
            comment=form.cleaned_data["comment"],
            clock=common.clock,
        )
    except GgzyError as exc:
        form.put_error(exc.fields)
        return _round_page(
            request,
            user,
            item.round_id,
            failed=("verdict", item.pk, form),
            error=exc.message,
            status=exc.http_status,
        )
    messages.success(request, f"已记录巡查结论：{Verdict(form.cleaned_data['verdict']).label}。")
    return redirect(reverse("supervision:round", args=[item.round_id]) + f"#item-{item.pk}")


@require_POST
@common.center_required
def item_order(request: HttpRequest, user: User, pk: int) -> HttpResponseBase:
    item = _item(pk)
    form = forms.OrderForm(request.POST, prefix=f"o{item.pk}")
    if not form.is_valid():
        return _round_page(
            request,
            user,
            item.round_id,
            failed=("order", item.pk, form),
            error="整改通知：请按提示修改",
            status=400,
        )
    d = form.cleaned_data
    try:
        order = services.correction_order_issue(
            actor=user,
            item=item,
            problem=d["problem"],
            requirement=d["requirement"],
            days=d["days"],
            clock=common.clock,
        )
    except GgzyError as exc:
        form.put_error(exc.fields)
        return _round_page(
            request,
            user,
            item.round_id,
            failed=("order", item.pk, form),
            error=exc.message,
            status=exc.http_status,
        )
    messages.success(request, f"已下达整改通知 {order.number}，整改期限 {order.deadline:%Y-%m-%d}。")
    return redirect(reverse("supervision:order", args=[order.pk]))


@require_POST
@common.center_required
def item_take_down(request: HttpRequest, user: User, pk: int) -> HttpResponseBase:
    item = _item(pk)
    form = forms.TakedownForm(request.POST, prefix=f"t{item.pk}")
    if not form.is_valid():
        return _round_page(
            request,
            user,
            item.round_id,
            failed=("takedown", item.pk, form),
            error="请填写撤下原因",
            status=400,
        )
    notice = Notice.objects.get(pk=item.notice_id)
    try:
        services.notice_take_down(
            actor=user, notice=notice, reason=form.cleaned_data["reason"], clock=common.clock
        )
    except GgzyError as exc:
        form.put_error(exc.fields)
        return _round_page(
            request,
            user,
            item.round_id,
            failed=("takedown", item.pk, form),
            error=exc.message,
            status=exc.http_status,
        )
    messages.success(request, "公告已撤下，公开页面显示撤下原因。")
    return redirect(reverse("supervision:round", args=[item.round_id]) + f"#item-{item.pk}")
