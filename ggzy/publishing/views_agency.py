"""The agency's back office (/manage/agency/…): its notices, the compliance panel, signing and
submission; and the tenderer's page to mandate agencies for its projects.

Thin like ``publishing.views``: parse a form, call one service or selector, render; a service's
``GgzyError`` goes back on the page with its HTTP status, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ggzy.accounts.choices import OrganisationKind, Role
from ggzy.accounts.models import User
from ggzy.core.clock import local_date, system_clock
from ggzy.core.errors import GgzyError, NotFound
from ggzy.publishing import selectors
from ggzy.publishing.choices import ReleaseStatus
from ggzy.publishing.forms_agency import AgencyNoticeForm, MandateForm, RevokeForm, SubmitForm
from ggzy.publishing.models import Notice
from ggzy.publishing.services import agency as agency_services
from ggzy.publishing.views import _error_page, _put_error_on_form, staff_required

SUBMITTED_MESSAGES: dict[str, str] = {
    ReleaseStatus.PUBLISHED: "签名验证通过，公告已发布（交易中心将进行事后巡查）。",
    ReleaseStatus.IN_REVIEW: "签名验证通过，公告已提交交易中心审核，审核通过后发布。",
}


def _is_agency(user: User) -> bool:
    org = user.organisation
    return user.has_role(Role.AGENCY_PUBLISHER) and org is not None and org.kind == OrganisationKind.AGENCY


def _not_agency(request: HttpRequest) -> HttpResponse:
    return _error_page(request, "本页面仅供代理机构的信息发布员使用。", 403)


def _get_notice(user: User, pk: int) -> Notice:
    try:
        return selectors.agency_notice_get(user=user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _detail_url(notice: Notice) -> str:
    return reverse("publishing:agency_notice", args=[notice.pk])


@require_http_methods(["GET"])
@staff_required
def notice_list(request: HttpRequest, user: User) -> HttpResponse:
    if not _is_agency(user):
        return _not_agency(request)
    assert user.organisation is not None
    on = local_date(system_clock.now())
    mandates = selectors.agency_mandate_list(agency=user.organisation)
    return render(
        request,
        "publishing/agency_notice_list.html",
        {
            "notices": selectors.agency_notice_list(user=user)[:200],
            "mandates": mandates,
            "today": on,
        },
    )


def _render_form(
    request: HttpRequest, form: AgencyNoticeForm, item: Notice | None, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "publishing/agency_notice_form.html",
        {
            "form": form,
            "item": item,
            "heading": f"修改：{item.title}" if item else "新建代理公告",
            "error": error,
            "attachments": list(item.attachments.select_related("file")) if item else [],
            "published_notices": selectors.notice_list_public()[:50],
        },
        status=status,
    )


def _draft(request: HttpRequest, user: User, pk: int | None) -> HttpResponse:
    if not _is_agency(user):
        return _not_agency(request)
    item = _get_notice(user, pk) if pk is not None else None
    if item is not None and not item.is_editable:
        return _error_page(request, f"当前状态为“{item.get_status_display()}”，不能修改", 409)
    if request.method != "POST":
        initial = AgencyNoticeForm.initial_for(item) if item is not None else {}
        return _render_form(request, AgencyNoticeForm(initial=initial), item)
    form = AgencyNoticeForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_form(request, form, item, error="请按提示修改后再保存", status=400)
    try:
        if item is None:
            saved = agency_services.agency_notice_create(actor=user, **form.service_kwargs())
        else:
            saved = agency_services.agency_notice_update(actor=user, notice=item, **form.service_kwargs())
    except GgzyError as exc:
        _put_error_on_form(form, exc)
        return _render_form(request, form, item, error=exc.message, status=exc.http_status)
    messages.success(request, "草稿已保存。请查看下方的合规检查结果，无误后签名提交。")
    return redirect(_detail_url(saved))


@require_http_methods(["GET", "POST"])
@staff_required
def notice_create(request: HttpRequest, user: User) -> HttpResponse:
    return _draft(request, user, None)


@require_http_methods(["GET", "POST"])
@staff_required
def notice_edit(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    return _draft(request, user, pk)


def _render_detail(
    request: HttpRequest,
    user: User,
    notice: Notice,
    *,
    form: SubmitForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "item": notice,
        "attachments": list(notice.attachments.select_related("file")),
        "signature": selectors.notice_signature(notice),
        "form": form or SubmitForm(),
        "error": error,
        "can_edit": notice.is_editable,
        "public_url": notice.get_absolute_url() if notice.is_public else "",
        "return_comment": selectors.last_return_comment(notice)
        if notice.status == ReleaseStatus.RETURNED
        else "",
    }
    if notice.is_editable:
        try:
            context["result"] = agency_services.agency_notice_findings(notice=notice)
        except GgzyError as exc:  # e.g. the working-day calendar lacks a year
            context["gate_error"] = exc.message
    return render(request, "publishing/agency_notice_detail.html", context, status=status)


@require_http_methods(["GET"])
@staff_required
def notice_detail(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    if not _is_agency(user):
        return _not_agency(request)
    return _render_detail(request, user, _get_notice(user, pk))


@require_http_methods(["GET"])
@staff_required
def notice_canonical(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """The exact bytes to sign, as a file (for the CLI) and for the browser signing script."""
    if not _is_agency(user):
        return _not_agency(request)
    notice = _get_notice(user, pk)
    response = HttpResponse(selectors.notice_canonical_bytes(notice), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="notice-{notice.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@staff_required
def notice_check(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    if not _is_agency(user):
        return _not_agency(request)
    notice = _get_notice(user, pk)
    try:
        result = agency_services.agency_notice_check(actor=user, notice=notice)
    except GgzyError as exc:
        return _render_detail(request, user, notice, error=exc.message, status=exc.http_status)
    if result.has_errors:
        messages.error(request, f"合规检查发现 {len(result.errors)} 项错误，修改后才能提交。")
    elif result.warnings:
        messages.warning(request, f"合规检查有 {len(result.warnings)} 项提示，提交时须确认。")
    else:
        messages.success(request, "合规检查通过。")
    return redirect(_detail_url(notice))


@require_POST
@staff_required
def notice_submit(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    if not _is_agency(user):
        return _not_agency(request)
    notice = _get_notice(user, pk)
    form = SubmitForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_detail(
            request, user, notice, form=form, error="请先签名，或上传证书和签名文件", status=400
        )
    try:
        saved = agency_services.agency_notice_submit(
            actor=user,
            notice=notice,
            certificate_der=form.cleaned_data["certificate_bytes"],
            signature=form.cleaned_data["signature_bytes"],
            confirm_warnings=form.cleaned_data["confirm_warnings"],
        )
    except GgzyError as exc:
        _put_error_on_form(
            form, exc, rename={"certificate": "certificate_file", "signature": "signature_file"}
        )
        notice = _get_notice(user, pk)  # as stored: the refusal changed nothing
        return _render_detail(request, user, notice, form=form, error=exc.message, status=exc.http_status)
    messages.success(request, SUBMITTED_MESSAGES.get(saved.status, "已提交。"))
    return redirect(_detail_url(saved))


# ---------------------------------------------------------------------------------------------
# Mandates (the tenderer's page)


def _agency_choices() -> list[tuple[int, str]]:
    return [(org.pk, f"{org.name}（{org.credit_code}）") for org in selectors.agency_list()]


def _render_mandates(
    request: HttpRequest, user: User, form: MandateForm, error: str = "", status: int = 200
) -> HttpResponse:
    assert user.organisation is not None
    return render(
        request,
        "publishing/agency_mandates.html",
        {
            "form": form,
            "mandates": selectors.agency_mandate_list(tenderer=user.organisation),
            "revoke_form": RevokeForm(),
            "error": error,
        },
        status=status,
    )


def _is_tenderer(user: User) -> bool:
    org = user.organisation
    return user.has_role(Role.TENDERER) and org is not None and org.kind == OrganisationKind.TENDERER


@require_http_methods(["GET", "POST"])
@staff_required
def mandates(request: HttpRequest, user: User) -> HttpResponse:
    if not _is_tenderer(user):
        return _error_page(request, "本页面仅供招标人/采购人使用。", 403)
    assert user.organisation is not None
    if request.method != "POST":
        return _render_mandates(request, user, MandateForm(agencies=_agency_choices()))
    form = MandateForm(request.POST, agencies=_agency_choices())
    if not form.is_valid():
        return _render_mandates(request, user, form, error="请按提示修改", status=400)
    data = form.cleaned_data
    agency = next((org for org in selectors.agency_list() if org.pk == data["agency"]), None)
    if agency is None:
        form.add_error("agency", "请选择代理机构")
        return _render_mandates(request, user, form, error="请按提示修改", status=400)
    try:
        mandate = agency_services.agency_mandate_grant(
            actor=user,
            tenderer=user.organisation,
            agency=agency,
            project_code=data["project_code"],
            project_name=data["project_name"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
        )
    except GgzyError as exc:
        _put_error_on_form(form, exc)
        return _render_mandates(request, user, form, error=exc.message, status=exc.http_status)
    messages.success(request, f"已委托“{agency.name}”代理项目 {mandate.project_code}。")
    return redirect("publishing:agency_mandates")


@require_POST
@staff_required
def mandate_revoke(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    if not _is_tenderer(user):
        return _error_page(request, "本页面仅供招标人/采购人使用。", 403)
    assert user.organisation is not None
    try:
        mandate = selectors.agency_mandate_get_for_tenderer(tenderer=user.organisation, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None
    form = RevokeForm(request.POST)
    reason = str(form.cleaned_data.get("reason", "")) if form.is_valid() else ""
    try:
        agency_services.agency_mandate_revoke(actor=user, mandate=mandate, reason=reason)
    except GgzyError as exc:
        return _render_mandates(
            request, user, MandateForm(agencies=_agency_choices()), error=exc.message, status=exc.http_status
        )
    messages.success(request, f"已撤销项目 {mandate.project_code} 的委托。")
    return redirect("publishing:agency_mandates")
