"""The draw pages under /manage/experts/draws/: the tenderer's request, terminal (entropy, draw)
and status (counts only); the supervisor's entropy; designated staff's names (audited),
evaluation start and reveal; the draw record downloads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.core.errors import GgzyError, NotFound, ValidationFailed
from ggzy.experts import forms, records, selectors, services
from ggzy.experts.choices import DrawStatus
from ggzy.experts.models import Draw
from ggzy.experts.services._common import is_name_viewer, is_pool_staff, may_request
from ggzy.experts.views import common
from ggzy.trading import selectors as trading_selectors


def _manageable_sections(user: User) -> list[Any]:
    projects = trading_selectors.project_list_manageable(actor=user, clock=common.clock)[:50]
    out = []
    for project in projects:
        for _, sections in trading_selectors.tender_project_tree(project):
            out.extend(sections)
    return out


@common.user_required
def draw_list(request: HttpRequest, user: User) -> HttpResponse:
    draws = selectors.draws_visible(actor=user, clock=common.clock)
    sections = _manageable_sections(user) if user.has_role(Role.TENDERER, Role.AGENCY_PUBLISHER) else []
    return render(request, "experts/draw_list.html", {"draws": draws, "sections": sections})


@require_http_methods(["GET", "POST"])
@common.user_required
def draw_new(request: HttpRequest, user: User, section_pk: int) -> HttpResponse:
    section = trading_selectors.section_get_manageable(actor=user, pk=section_pk, clock=common.clock)
    form = forms.DrawRequestForm(request.POST or None, specialties=selectors.specialty_choices())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                draw = services.draw_request_create(
                    actor=user,
                    section=section,
                    demands=[services.DemandInput(c, n, r) for c, n, r in form.demands()],
                    representatives=d["representatives"],
                    region_scope=list(d["region_scope"].replace("，", ",").split(",")),
                    evaluation_at=d["evaluation_at"],
                    evaluation_place=d["evaluation_place"],
                    clock=common.clock,
                )
            except GgzyError as exc:
                common.put_error(form, exc)
            else:
                messages.success(request, "抽取申请已保存，请核对后公布承诺值")
                return redirect("experts:draw_detail", pk=draw.pk)
        status = 400
    return render(request, "experts/draw_new.html", {"form": form, "section": section}, status=status)


def _detail_context(user: User, draw: Draw) -> dict[str, Any]:
    return {
        "draw": draw,
        "section": draw.section,
        "demands": selectors.draw_counts(draw),
        "commitment": selectors.commitment_public(draw),
        "avoidance_summary": selectors.avoidance_summary(draw),
        "manual": list(draw.manual_avoidances.select_related("expert"))
        if may_request(user, draw, clock=common.clock) or is_pool_staff(user)
        else [],
        "entropies": list(draw.entropies.order_by("at", "pk")),
        "is_requester": may_request(user, draw, clock=common.clock),
        # The tenderer's own people: shown to the requester and pool staff only.
        "representatives": selectors.representatives_named(draw)
        if may_request(user, draw, clock=common.clock) or is_pool_staff(user)
        else [],
        "representative_candidates": list(selectors.representative_candidates(draw))
        if draw.status == DrawStatus.DRAFT
        and draw.representatives
        and may_request(user, draw, clock=common.clock)
        else [],
        "is_supervisor": user.has_role(Role.SUPERVISOR),
        "is_staff": is_pool_staff(user),
        "may_see_names": is_name_viewer(user)
        or (
            draw.status in (DrawStatus.EVALUATING, DrawStatus.REVEALED)
            and may_request(user, draw, clock=common.clock)
        ),
        "has_tenderer_entropy": draw.entropies.filter(role="tenderer").exists(),
        "has_supervisor_entropy": draw.entropies.filter(role="supervisor").exists(),
        "avoid_form": forms.AvoidForm(prefix="avoid"),
        "entropy_form": forms.EntropyForm(prefix="entropy"),
        "names": None,
    }


@common.user_required
def draw_detail(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    draw = selectors.draw_get_for(actor=user, pk=pk, clock=common.clock)
    return render(request, "experts/draw_detail.html", _detail_context(user, draw))


ACTIONS = (
    "avoid",
    "representatives",
    "commit",
    "entropy",
    "supervisor-entropy",
    "execute",
    "names",
    "start",
    "reveal",
    "redo",
    "cancel",
)


@require_POST
@common.user_required
def draw_act(request: HttpRequest, user: User, pk: int, action: str) -> HttpResponseBase:
    if action not in ACTIONS:
        raise NotFound("没有这个操作")
    draw = selectors.draw_get_for(actor=user, pk=pk, clock=common.clock)
    ctx = _detail_context(user, draw)
    try:
        if action == "avoid":
            form = forms.AvoidForm(request.POST, prefix="avoid")
            ctx["avoid_form"] = form
            if not form.is_valid():
                raise_form(form)
            services.draw_avoid_add(
                actor=user,
                draw=draw,
                expert_code=form.cleaned_data["expert_code"],
                reason=form.cleaned_data["reason"],
                clock=common.clock,
            )
            messages.success(request, "已加入手工回避名单")
        elif action == "representatives":
            offered = {str(u.pk): u for u in selectors.representative_candidates(draw)}
            chosen = request.POST.getlist("representative")
            if any(pk not in offered for pk in chosen):
                raise ValidationFailed("请选择本单位的招标人代表")
            services.draw_representatives_set(
                actor=user, draw=draw, users=[offered[pk] for pk in chosen], clock=common.clock
            )
            messages.success(request, "招标人代表已指定")
        elif action == "commit":
            services.draw_commit(actor=user, draw=draw, clock=common.clock)
            messages.success(request, "承诺值已公布，请在抽取终端输入随机数")
        elif action in ("entropy", "supervisor-entropy"):
            eform = forms.EntropyForm(request.POST, prefix="entropy")
            ctx["entropy_form"] = eform
            if not eform.is_valid():
                raise_form(eform)
            role = "tenderer" if action == "entropy" else "supervisor"
            services.draw_entropy_add(
                actor=user, draw=draw, role=role, value=eform.cleaned_data["value"], clock=common.clock
            )
            messages.success(request, "随机数已提交")
        elif action == "execute":
            draw = services.draw_execute(actor=user, draw=draw, clock=common.clock)
            if draw.status == DrawStatus.FAILED:
                messages.error(request, f"抽取失败：{draw.failure_reason}")
            else:
                messages.success(request, "抽取完成，已通知入选专家；名单在评标开始前保密")
        elif action == "names":
            ctx["names"] = services.committee_view(actor=user, draw=draw, clock=common.clock)
            return render(request, "experts/draw_detail.html", ctx)
        elif action == "start":
            services.evaluation_start(actor=user, draw=draw, clock=common.clock)
            messages.success(request, "已记录评标开始")
        elif action == "reveal":
            services.draw_reveal(actor=user, draw=draw, clock=common.clock)
            messages.success(request, "评标结束，验证数据已公开")
        elif action == "redo":
            new = services.draw_redo(actor=user, draw=draw, clock=common.clock)
            messages.success(request, "已生成新的抽取申请")
            return redirect("experts:draw_detail", pk=new.pk)
        elif action == "cancel":
            services.draw_cancel(
                actor=user, draw=draw, reason=request.POST.get("reason", ""), clock=common.clock
            )
            messages.success(request, "抽取申请已取消")
    except GgzyError as exc:
        ctx["action_error"] = exc.message
        return render(request, "experts/draw_detail.html", ctx, status=exc.http_status)
    return redirect("experts:draw_detail", pk=draw.pk)


def raise_form(form: Any) -> None:
    from ggzy.core.errors import ValidationFailed

    first = next(iter(form.errors.values()))[0] if form.errors else "输入有误"
    raise ValidationFailed(str(first))


@common.user_required
def draw_record(request: HttpRequest, user: User, pk: int, ext: str) -> HttpResponse:
    if ext not in ("docx", "pdf"):
        raise NotFound("没有这种格式")
    draw = selectors.draw_get_for(actor=user, pk=pk, clock=common.clock)
    names = None
    if draw.status in (DrawStatus.EVALUATING, DrawStatus.REVEALED) and (
        is_name_viewer(user) or may_request(user, draw, clock=common.clock)
    ):
        names = services.committee_view(actor=user, draw=draw, clock=common.clock)  # audited
    record = records.record_for(draw, names=names)
    if ext == "pdf":
        body, ctype = records.render_pdf(record), "application/pdf"
    else:
        body = records.render_docx(record)
        ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="expert-draw-{draw.pk}.{ext}"'
    return response
