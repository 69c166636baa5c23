"""Pages of the annual report: the staff page at /manage/annual-report/ (deadline, drafting,
checks, year comparison, the review and sign-off actions, downloads) and the public report at
/gk/reports/<year>/ with its DOCX and PDF. Thin: services write, selectors read, documents render."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ggzy.accounts.models import User
from ggzy.annual_report import documents, figures, forms, selectors, services, workflow
from ggzy.annual_report.models import AnnualReport
from ggzy.core.clock import Clock, local_date, system_clock
from ggzy.core.errors import GgzyError, NotFound

# Views read the time from here; tests replace it to move "today".
clock: Clock = system_clock
STAFF_ROLES = (workflow.OFFICER, workflow.HEAD, workflow.LEADER)
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        assert isinstance(user, User)
        if not user.is_center_staff or not user.has_role(*STAFF_ROLES):
            return render(
                request,
                "annual_report/manage/error.html",
                {
                    "message": (
                        "年度报告由本中心信息公开经办人、信息公开办公室负责人和分管领导办理，您的账号没有该职责。"
                    )
                },
                status=403,
            )
        return view(request, user, *args, **kwargs)

    return wrapper


def chart_rows(view: dict[str, Any]) -> list[dict[str, Any]]:
    series = view["chart"]["series"]
    return [{"month": m, "values": [s["values"][m - 1] for s in series]} for m in view["chart"]["months"]]


def download(view: dict[str, Any], fmt: str) -> HttpResponse:
    if fmt == "docx":
        body = documents.render_docx(view)
    elif fmt == "pdf":
        body = documents.render_pdf(view)
    else:
        raise Http404("不支持的格式")
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    name = documents.filename(view, fmt)
    response["Content-Disposition"] = (
        f"attachment; filename=\"annual-report.{fmt}\"; filename*=UTF-8''{quote(name)}"
    )
    return response


# ---------------------------------------------------------------- staff


@require_http_methods(["GET"])
@staff_required
def manage_index(request: HttpRequest, user: User) -> HttpResponse:
    today = local_date(clock.now())
    return render(
        request,
        "annual_report/manage/index.html",
        {
            "reports": selectors.report_list_staff()[:100],
            "deadline": selectors.report_deadline(today=today),
            "form": forms.YearForm(initial={"year": today.year - 1}),
            "can_draft": user.has_role(workflow.OFFICER, workflow.HEAD),
        },
    )


@require_POST
@staff_required
def manage_draft(request: HttpRequest, user: User) -> HttpResponse:
    form = forms.YearForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写四位数字的报告年度")
        return redirect("annual_report:manage_index")
    try:
        report = services.report_draft(actor=user, year=form.cleaned_data["year"], clock=clock)
    except GgzyError as exc:
        messages.error(request, exc.message)
        return redirect("annual_report:manage_index")
    messages.success(request, f"已根据原始记录生成{report}草稿")
    return redirect("annual_report:manage_detail", pk=report.pk)


def _report(pk: int) -> AnnualReport:
    try:
        return selectors.report_get_staff(pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


@require_http_methods(["GET"])
@staff_required
def manage_detail(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    report = _report(pk)
    view = documents.report_view(report)
    result = selectors.report_checks(report) if not report.snapshot else None
    checks = result.checks if result else [selectors.Check(**c) for c in report.snapshot["checks"]]  # type: ignore[index]
    roles = set(user.role_set)
    actions = {t.name for t in workflow.available(report.status, roles)}
    return render(
        request,
        "annual_report/manage/detail.html",
        {
            "report": report,
            "view": view,
            "chart_rows": chart_rows(view),
            "failures": [c for c in checks if c.blocking and not c.passed],
            "warnings": [c for c in checks if not c.blocking and not c.passed],
            "passed": [c for c in checks if c.passed],
            "comparison": selectors.report_comparison(
                report, report.snapshot["data"] if report.snapshot else None
            ),
            "actions": actions,
            "can_correct": report.status == workflow.PUBLISHED
            and user.has_role(workflow.OFFICER, workflow.HEAD),
            "text_form": forms.TextForm(
                initial={
                    "intro": report.text_intro,
                    "general": report.text_general,
                    "problems": report.text_problems,
                    "other": report.text_other,
                }
            ),
            "figure_list": [
                {"name": f.name, "label": f.label, "unit": f.unit, "value": view["figures"].get(f.name)}
                for f in figures.FIGURES.values()
            ],
            "pending": figures.PENDING,
            "versions": selectors.report_versions(year=report.year),
        },
    )


ACTIONS = {"submit", "review", "return", "sign_off", "publish", "regenerate", "edit", "correct"}


@require_POST
@staff_required
def manage_act(request: HttpRequest, user: User, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("没有该操作")
    report = _report(pk)
    target = report
    try:
        if action == "edit":
            changes = {k: request.POST.get(k, "") for k in services.EDITABLE if k in request.POST}
            # Anything else posted (e.g. a table cell) is passed on, so the service refuses it by name.
            extra = {
                k: request.POST.get(k, "")
                for k in request.POST
                if k.startswith(("table", "figures.")) and k not in changes
            }
            services.report_update(actor=user, report=report, changes={**changes, **extra}, clock=clock)
            messages.success(request, "正文已保存")
        elif action == "submit":
            services.report_submit(actor=user, report=report, clock=clock)
            messages.success(request, "已提交信息公开办公室负责人审核")
        elif action == "review":
            services.report_review(actor=user, report=report, clock=clock)
            messages.success(request, "审核通过，已送分管领导签发")
        elif action == "return":
            services.report_return(
                actor=user, report=report, comment=request.POST.get("comment", ""), clock=clock
            )
            messages.success(request, "已退回修改")
        elif action == "sign_off":
            services.report_sign_off(actor=user, report=report, clock=clock)
            messages.success(request, "已签发：数字和正文已冻结")
        elif action == "publish":
            services.report_publish(actor=user, report=report, clock=clock)
            messages.success(request, "已在政府信息公开年报栏目公布")
        elif action == "regenerate":
            services.report_regenerate(
                actor=user, report=report, reset_texts=request.POST.get("reset_texts") == "1", clock=clock
            )
            messages.success(request, "已根据最新原始记录重新生成，需重新审核、签发")
        elif action == "correct":
            target = services.report_correct(
                actor=user, report=report, note=request.POST.get("note", ""), clock=clock
            )
            messages.success(request, f"已生成更正版本（第{target.version}版），请修改后重新审核、签发")
    except GgzyError as exc:
        messages.error(request, exc.message)
    return redirect("annual_report:manage_detail", pk=target.pk)


@require_http_methods(["GET"])
@staff_required
def manage_download(request: HttpRequest, user: User, pk: int, fmt: str) -> HttpResponse:
    return download(documents.report_view(_report(pk)), fmt)


# ---------------------------------------------------------------- public


def _public(year: int, version: str | None) -> AnnualReport:
    try:
        report = selectors.report_get_public(year=year)
        if version:
            match = [r for r in selectors.report_history_public(year=year) if str(r.version) == version]
            if not match:
                raise NotFound("该版本不存在")
            report = match[0]
    except NotFound as exc:
        raise Http404(exc.message) from None
    return report


@require_safe
def public_detail(request: HttpRequest, year: int) -> HttpResponse:
    report = _public(year, request.GET.get("version"))
    view = documents.report_view(report)
    return render(
        request,
        "annual_report/public/detail.html",
        {
            "report": report,
            "view": view,
            "chart_rows": chart_rows(view),
            "history": selectors.report_history_public(year=year),
            "docx_url": reverse("annual_report:public_download", args=[year, "docx"]),
            "pdf_url": reverse("annual_report:public_download", args=[year, "pdf"]),
        },
    )


@require_safe
def public_download(request: HttpRequest, year: int, fmt: str) -> HttpResponse:
    report = _public(year, request.GET.get("version"))
    return download(documents.report_view(report), fmt)
