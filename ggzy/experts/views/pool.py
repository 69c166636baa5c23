"""The expert's own pages (/manage/experts/me/: profile, specialties, leave, notices with
confirm/decline) and the staff's pool pages (/manage/experts/pool/: list, import, reviews)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ggzy.accounts.models import User
from ggzy.core.errors import GgzyError, NotFound, PermissionDenied
from ggzy.experts import forms, selectors, services, spreadsheet
from ggzy.experts.models import Expert
from ggzy.experts.services._common import require_pool_staff
from ggzy.experts.views import common


def _me(user: User) -> Expert:
    expert = selectors.expert_for_user(user)
    if expert is None:
        raise PermissionDenied("您的账号没有关联评标专家信息，请联系交易中心专家库管理人员")
    return expert


def _me_context(user: User, **extra: Any) -> dict[str, Any]:
    expert = _me(user)
    ctx: dict[str, Any] = {
        "expert": expert,
        "specialties": selectors.expert_specialties(expert),
        "notices": selectors.my_notices(expert),
        "leaves": expert.leaves.all(),
        "profile_form": forms.ProfileForm(
            prefix="profile",
            initial={
                k: getattr(expert, k)
                for k in ("title", "title_level", "years", "region", "email", "preferred_channel")
            }
            | {"phone": ""},
        ),
        "specialty_form": forms.SpecialtyRequestForm(
            prefix="spec", specialties=selectors.specialty_choices()
        ),
        "leave_form": forms.LeaveForm(prefix="leave"),
    }
    return ctx | extra


@require_http_methods(["GET", "POST"])
@common.user_required
def me(request: HttpRequest, user: User) -> HttpResponse:
    expert = _me(user)
    ctx = _me_context(user)
    status = 200
    if request.method == "POST":
        which = request.POST.get("form")
        try:
            if which == "profile":
                pform = forms.ProfileForm(request.POST, prefix="profile")
                ctx["profile_form"] = pform
                if pform.is_valid():
                    services.expert_profile_update(
                        actor=user,
                        expert=expert,
                        clock=common.clock,
                        **pform.cleaned_data,
                    )
                    messages.success(request, "个人信息已保存")
                    return redirect("experts:me")
            elif which == "specialty":
                sform = forms.SpecialtyRequestForm(
                    request.POST, prefix="spec", specialties=selectors.specialty_choices()
                )
                ctx["specialty_form"] = sform
                if sform.is_valid():
                    services.specialty_request(
                        actor=user,
                        expert=expert,
                        code=sform.cleaned_data["code"],
                        clock=common.clock,
                    )
                    messages.success(request, "专业申请已提交，待交易中心审核")
                    return redirect("experts:me")
            elif which == "leave":
                lform = forms.LeaveForm(request.POST, prefix="leave")
                ctx["leave_form"] = lform
                if lform.is_valid():
                    services.leave_add(actor=user, expert=expert, clock=common.clock, **lform.cleaned_data)
                    messages.success(request, "请假已登记")
                    return redirect("experts:me")
        except GgzyError as exc:
            ctx["action_error"] = exc.message
        status = 400
    return render(request, "experts/me.html", ctx, status=status)


@require_POST
@common.user_required
def respond(request: HttpRequest, user: User, seat_pk: int) -> HttpResponseBase:
    form = forms.RespondForm(request.POST, prefix=f"seat{seat_pk}")
    if not form.is_valid():
        return render(
            request, "experts/me.html", _me_context(user, action_error="请选择确认参加或不能参加"), status=400
        )
    d = form.cleaned_data
    try:
        services.seat_respond(
            actor=user,
            draw_id=d["draw_id"],
            seat_id=seat_pk,
            accept=d["accept"] == "yes",
            reason=d["reason"],
            clock=common.clock,
        )
    except GgzyError as exc:
        return render(
            request, "experts/me.html", _me_context(user, action_error=exc.message), status=exc.http_status
        )
    messages.success(request, "已确认参加" if d["accept"] == "yes" else "已记录您不能参加")
    return redirect("experts:me")


@require_http_methods(["GET", "POST"])
@common.user_required
def pool(request: HttpRequest, user: User) -> HttpResponse:
    require_pool_staff(user)
    import_form = forms.ImportForm(prefix="import")
    ctx: dict[str, object] = {}
    status = 200
    if request.method == "POST":
        import_form = forms.ImportForm(request.POST, request.FILES, prefix="import")
        if import_form.is_valid():
            try:
                rows = spreadsheet.read_rows(import_form.cleaned_data["file"].read())
                created = services.experts_import(actor=user, rows=rows, clock=common.clock)
            except services.ImportRejected as exc:
                ctx["row_errors"] = exc.rows
                ctx["action_error"] = exc.message
                status = 400
            except GgzyError as exc:
                ctx["action_error"] = exc.message
                status = 400
            else:
                messages.success(request, f"已导入 {len(created)} 名专家")
                return redirect("experts:pool")
        else:
            status = 400
    q = request.GET.get("q", "")[:50]
    ctx |= {
        "experts": selectors.expert_list(q=q),
        "q": q,
        "pending": selectors.pending_specialties(),
        "import_form": import_form,
        "review_form": forms.ReviewForm(),
        "headers": list(spreadsheet.HEADERS),
    }
    return render(request, "experts/pool.html", ctx, status=status)


@require_POST
@common.user_required
def review(request: HttpRequest, user: User, pk: int) -> HttpResponseBase:
    require_pool_staff(user)
    item = selectors.specialty_item_get(pk=pk)
    form = forms.ReviewForm(request.POST)
    if not form.is_valid():
        raise NotFound("请选择审核结果")
    services.specialty_review(
        actor=user,
        item=item,
        approve=form.cleaned_data["decision"] == "approve",
        note=form.cleaned_data["note"],
        clock=common.clock,
    )
    messages.success(request, "审核完成")
    return redirect("experts:pool")


@common.user_required
def import_template(request: HttpRequest, user: User) -> HttpResponse:
    require_pool_staff(user)
    response = HttpResponse(
        spreadsheet.template_bytes(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="expert-import-template.xlsx"'
    return response
