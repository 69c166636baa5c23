"""The tenderer's and agency's pages under /manage/trading/: projects, tender projects, sections
(codes shown), times, bid-summary items, tender files, clarifications, the tender notice link,
publishing, deadline changes — and the download list, hidden until the bid deadline."""

from __future__ import annotations

import json
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ggzy.accounts.choices import OrganisationKind, Role
from ggzy.accounts.models import User
from ggzy.core.errors import GgzyError, NotFound, PermissionDenied
from ggzy.publishing.models import Notice
from ggzy.trading import forms, selectors, services
from ggzy.trading.choices import SectionStatus
from ggzy.trading.models import Project, Section
from ggzy.trading.views import common
from ggzy.trading.views.files import file_response


def _put_error(form: django_forms.Form, exc: GgzyError) -> None:
    """A service error on the form: on the named field when the form has it, else at the top."""
    for name, short in exc.fields.items():
        if name in form.fields:
            form.add_error(name, short or exc.message)
    form.add_error(None, exc.message)


def _project(user: User, pk: int) -> Project:
    try:
        return selectors.project_get_manageable(actor=user, pk=pk, clock=common.clock)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _section(user: User, pk: int) -> Section:
    try:
        return selectors.section_get_manageable(actor=user, pk=pk, clock=common.clock)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _fixed_tenderer(user: User) -> Any:
    org = user.organisation
    if user.has_role(Role.TENDERER) and org is not None and org.kind == OrganisationKind.TENDERER:
        return org
    return None


# ---------------------------------------------------------------- projects


@require_http_methods(["GET", "POST"])
@common.manager_required
def index(request: HttpRequest, user: User) -> HttpResponse:
    fixed = _fixed_tenderer(user)
    form = forms.ProjectForm(request.POST or None, fixed_tenderer=fixed)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                project = services.project_create(
                    actor=user,
                    tenderer=d["tenderer"],
                    name=d["name"],
                    domain=d["domain"],
                    procedure=d["procedure"],
                    budget=d["budget"],
                    code=d["code"],
                    industry=d["industry"],
                    agency=d["agency"],
                    clock=common.clock,
                )
            except GgzyError as exc:
                _put_error(form, exc)
            else:
                messages.success(request, f"项目已创建，项目编号 {project.code}")
                return redirect("trading:manage_project", pk=project.pk)
        status = 400
    projects = selectors.project_list_manageable(actor=user, clock=common.clock)[:200]
    return render(request, "trading/manage/index.html", {"form": form, "projects": projects}, status=status)


@require_http_methods(["GET", "POST"])
@common.manager_required
def project_detail(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    project = _project(user, pk)
    edit_form = forms.ProjectEditForm(
        request.POST if request.POST.get("form") == "edit" else None,
        initial={
            "name": project.name,
            "domain": project.domain,
            "procedure": project.procedure,
            "budget": project.budget,
        },
        prefix="edit",
    )
    tp_form = forms.TenderProjectForm(request.POST if request.POST.get("form") == "tp" else None, prefix="tp")
    section_forms = {}
    status = 200
    if request.method == "POST":
        which = request.POST.get("form")
        try:
            if which == "edit" and edit_form.is_valid():
                d = edit_form.cleaned_data
                services.project_update(
                    actor=user,
                    project=project,
                    name=d["name"],
                    domain=d["domain"],
                    procedure=d["procedure"],
                    budget=d["budget"],
                    clock=common.clock,
                )
                messages.success(request, "项目信息已保存")
                return redirect("trading:manage_project", pk=project.pk)
            if which == "tp" and tp_form.is_valid():
                tp = services.tender_project_create(
                    actor=user, project=project, name=tp_form.cleaned_data["name"], clock=common.clock
                )
                messages.success(request, f"招标项目已创建，编号 {tp.code}")
                return redirect("trading:manage_project", pk=project.pk)
            if which == "section":
                tp_pk = request.POST.get("tender_project", "")
                found = (
                    project.tender_projects.filter(pk=int(tp_pk)).first()
                    if tp_pk.isdigit() and len(tp_pk) < 10
                    else None
                )
                if found is None:
                    raise Http404("招标项目不存在")
                tp = found
                sf = forms.SectionCreateForm(request.POST, prefix=f"s{tp.pk}")
                section_forms[tp.pk] = sf
                if sf.is_valid():
                    d = sf.cleaned_data
                    try:
                        section = services.section_create(
                            actor=user,
                            tender_project=tp,
                            name=d["name"],
                            budget=d["budget"],
                            price_cap=d["price_cap"],
                            clock=common.clock,
                        )
                    except GgzyError as exc:
                        _put_error(sf, exc)
                    else:
                        messages.success(request, f"标段(包)已创建，编号 {section.code}")
                        return redirect("trading:manage_section", pk=section.pk)
        except GgzyError as exc:
            _put_error(edit_form if which == "edit" else tp_form, exc)
        status = 400
    tree = [
        (tp, sections, section_forms.get(tp.pk) or forms.SectionCreateForm(prefix=f"s{tp.pk}"))
        for tp, sections in selectors.tender_project_tree(project)
    ]
    return render(
        request,
        "trading/manage/project.html",
        {"project": project, "edit_form": edit_form, "tp_form": tp_form, "tree": tree},
        status=status,
    )


# ---------------------------------------------------------------- sections

ACTIONS = ("update", "upload", "clarify", "link", "publish", "deadline", "terminate", "close")


def _section_initial(section: Section) -> dict[str, Any]:
    return {
        "name": section.name,
        "budget": section.budget,
        "price_cap": section.price_cap,
        "bid_deadline": section.bid_deadline,
        "opening_at": section.opening_at,
        "decryption_minutes": section.decryption_minutes,
        "allows_backup_decryption": section.allows_backup_decryption,
        "backup_k": section.backup_k,
        "backup_n": section.backup_n,
        "summary_keys": [f["key"] for f in section.summary_fields],
        "evaluation_method": section.evaluation_method,
        "evaluation_params": json.dumps(section.evaluation_params, ensure_ascii=False)
        if section.evaluation_params
        else "",
    }


def _section_page(
    request: HttpRequest,
    user: User,
    section: Section,
    bound: dict[str, django_forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    notices = list(selectors.linkable_tender_notices(section)[:50])
    downloads, downloads_error = None, ""
    try:
        downloads = selectors.section_downloads(actor=user, section=section, clock=common.clock)
    except PermissionDenied as exc:
        downloads_error = exc.message
    context = {
        "section": section,
        "project": section.project,
        "tender_project": section.tender_project,
        "files": selectors.section_files(section),
        "changes": selectors.section_deadline_changes(section),
        "notices": notices,
        "update_form": bound.get("update")
        or forms.SectionForm(initial=_section_initial(section), prefix="update"),
        "upload_form": bound.get("upload") or forms.TenderFileForm(prefix="upload"),
        "clarify_form": bound.get("clarify") or forms.ClarificationForm(prefix="clarify"),
        "link_form": bound.get("link") or forms.LinkNoticeForm(notices=notices, prefix="link"),
        "deadline_form": bound.get("deadline") or forms.DeadlineForm(prefix="deadline"),
        "terminate_form": bound.get("terminate") or forms.TerminateForm(prefix="terminate"),
        "action_error": bound.get("_error"),
        "downloads": downloads,
        "downloads_error": downloads_error,
        "is_draft": section.status == SectionStatus.DRAFT,
        "is_published": section.status == SectionStatus.PUBLISHED,
        "deadline_passed": selectors.downloads_visible(section, clock=common.clock),
    }
    return render(request, "trading/manage/section.html", context, status=status)


@require_http_methods(["GET"])
@common.manager_required
def section_detail(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    return _section_page(request, user, _section(user, pk))


@require_POST
@common.manager_required
def section_act(request: HttpRequest, user: User, pk: int, action: str) -> HttpResponseBase:
    if action not in ACTIONS:
        raise Http404("没有这个操作")
    section = _section(user, pk)
    clock = common.clock
    form: django_forms.Form
    if action == "update":
        form = forms.SectionForm(request.POST, prefix="update")
    elif action == "upload":
        form = forms.TenderFileForm(request.POST, request.FILES, prefix="upload")
    elif action == "clarify":
        form = forms.ClarificationForm(request.POST, request.FILES, prefix="clarify")
    elif action == "link":
        form = forms.LinkNoticeForm(
            request.POST, notices=selectors.linkable_tender_notices(section)[:50], prefix="link"
        )
    elif action == "deadline":
        form = forms.DeadlineForm(request.POST, prefix="deadline")
    elif action == "terminate":
        form = forms.TerminateForm(request.POST, prefix="terminate")
    else:
        form = django_forms.Form(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            done = _run(action, user=user, section=section, d=d, clock=clock)
        except GgzyError as exc:
            _put_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("trading:manage_section", pk=section.pk)
    # The reason goes at the top of the page: the action's own panel may not be shown in the
    # section's current status (e.g. terminating a closed section).
    bound: dict[str, Any] = {action: form}
    bound["_error"] = " ".join(str(e) for e in form.non_field_errors()) or "请更正下面标出的错误"
    return _section_page(request, user, section, bound, status=400)


def _run(action: str, *, user: User, section: Section, d: dict[str, Any], clock: Any) -> str:
    if action == "update":
        services.section_update(
            actor=user,
            section=section,
            name=d["name"],
            budget=d["budget"],
            price_cap=d["price_cap"],
            bid_deadline=d["bid_deadline"],
            opening_at=d["opening_at"],
            decryption_minutes=d["decryption_minutes"],
            allows_backup_decryption=d["allows_backup_decryption"],
            backup_k=d["backup_k"],
            backup_n=d["backup_n"],
            summary_keys=d["summary_keys"],
            evaluation_method=d["evaluation_method"],
            evaluation_params=d["evaluation_params"],
            clock=clock,
        )
        return "标段信息已保存"
    if action == "upload":
        f = d["file"]
        tf = services.tender_file_upload(
            actor=user,
            section=section,
            name=f.name,
            content=f,
            title=d["title"],
            signature=d["signature"],
            certificate=d["certificate"],
            clock=clock,
        )
        return f"招标文件第{tf.version}版已上传（SHA-256 {tf.sha256[:16]}…）"
    if action == "clarify":
        f = d["file"]
        tf = services.clarification_publish(
            actor=user,
            section=section,
            name=f.name,
            content=f,
            title=d["title"],
            affects_bids=d["affects_bids"],
            new_deadline=d["new_deadline"],
            new_opening_at=d["new_opening_at"],
            reason=d["reason"],
            signature=d["signature"],
            certificate=d["certificate"],
            clock=clock,
        )
        return f"澄清/修改文件第{tf.version}版已发布"
    if action == "link":
        notice = Notice.objects.filter(pk=d["notice"]).first()
        if notice is None:
            raise NotFound("公告不存在")
        services.section_link_tender_notice(actor=user, section=section, notice=notice, clock=clock)
        return "已关联招标公告"
    if action == "publish":
        services.section_publish(actor=user, section=section, clock=clock)
        return "标段已发布，投标人可以下载招标文件"
    if action == "deadline":
        services.section_deadline_change(
            actor=user,
            section=section,
            new_deadline=d["new_deadline"],
            new_opening_at=d["new_opening_at"],
            reason=d["reason"],
            clock=clock,
        )
        return "投标截止时间已变更"
    if action == "terminate":
        services.section_terminate(actor=user, section=section, reason=d["reason"], clock=clock)
        return "标段已终止"
    services.section_close_bidding(actor=user, section=section, clock=clock)
    return "投标已截止"


@require_http_methods(["GET"])
@common.manager_required
def file_download(request: HttpRequest, user: User, pk: int, file_pk: int) -> HttpResponseBase:
    """The manager's own copy of a file (not a bidder download; not recorded as one)."""
    section = _section(user, pk)
    tf = selectors.section_files(section).select_related("file").filter(pk=file_pk).first()
    if tf is None:
        raise Http404("文件不存在")
    return file_response(tf)
