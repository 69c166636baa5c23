"""The patrol plan, broken links (list, mark fixed, run history) and violations (record one; its
曝光台 article goes to review)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ggzy.accounts.models import User
from ggzy.core.errors import GgzyError
from ggzy.supervision import forms, selectors, services
from ggzy.supervision.services.links import LINK_ROLES
from ggzy.supervision.views import common

# ---------------------------------------------------------------- plan


@require_http_methods(["GET", "POST"])
@common.center_required
def plan(request: HttpRequest, user: User) -> HttpResponse:
    current = services.plan_get()
    form = forms.PlanForm(
        request.POST or None,
        initial={"times": ", ".join(current.times), "correction_days": current.correction_days},
    )
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.patrol_plan_update(
                    actor=user, times=form.time_list(), correction_days=form.cleaned_data["correction_days"]
                )
            except GgzyError as exc:
                form.put_error(exc.fields)
                error, status = exc.message, exc.http_status
            else:
                messages.success(request, "巡查计划已保存，下一次生成巡查时生效。")
                return redirect(reverse("supervision:plan"))
        else:
            error, status = "请按提示修改", 400
    return render(request, "supervision/plan.html", {"form": form, "error": error}, status=status)


# ---------------------------------------------------------------- broken links


@require_http_methods(["GET"])
@common.center_required
def links(request: HttpRequest, user: User) -> HttpResponse:
    show_fixed = request.GET.get("fixed") == "1"
    return render(
        request,
        "supervision/links.html",
        {
            "links": selectors.broken_links(show_fixed=show_fixed),
            "runs": selectors.link_runs(),
            "show_fixed": show_fixed,
            "can_fix": user.has_role(*LINK_ROLES),
        },
    )


@require_POST
@common.center_required
def link_fixed(request: HttpRequest, user: User, pk: int) -> HttpResponseBase:
    link = common.or_404(selectors.broken_link_get, pk=pk)
    try:
        services.broken_link_mark_fixed(actor=user, link=link, clock=common.clock)
    except GgzyError as exc:
        return common.error_page(request, exc.message, exc.http_status)
    messages.success(request, "已登记修复；下次检查若仍然失效会重新列出。")
    return redirect(reverse("supervision:links"))


# ---------------------------------------------------------------- violations


@require_http_methods(["GET", "POST"])
@common.center_required
def violations(request: HttpRequest, user: User) -> HttpResponse:
    form = forms.ViolationForm(request.POST or None, request.FILES or None)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            doc = d.get("document")
            try:
                violation = services.violation_create(
                    actor=user,
                    subject_kind=d["subject_kind"],
                    organisation=d["organisation"],
                    expert_name=d["expert_name"],
                    expert_id_number=d["expert_id_number"],
                    expert_ref=d["expert_ref"],
                    facts=d["facts"],
                    authority=d["authority"],
                    decision_number=d["decision_number"],
                    penalty=d["penalty"],
                    decided_on=d["decided_on"],
                    effective_from=d["effective_from"],
                    effective_until=d["effective_until"],
                    bars_draws_until=d["bars_draws_until"],
                    gate_flag_until=d["gate_flag_until"],
                    document=(doc.name, doc) if doc else None,
                    clock=common.clock,
                )
            except GgzyError as exc:
                form.put_error(exc.fields)
                error, status = exc.message, exc.http_status
            else:
                messages.success(
                    request,
                    f"已登记违规处理，曝光信息“{violation.article.title}”已提交审核，发布后在曝光台公开。",
                )
                return redirect(reverse("supervision:violations"))
        else:
            error, status = "请按提示修改", 400
    return render(
        request,
        "supervision/violations.html",
        {"form": form, "error": error, "violations": selectors.violation_list_staff()},
        status=status,
    )
