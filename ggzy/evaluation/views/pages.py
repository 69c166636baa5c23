"""The evaluation pages. Thin: each POST names one service through ``action``; every refusal of a
service is shown on the page (never a 500)."""

from __future__ import annotations

import base64
import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, Concatenate

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render

from ggzy.accounts.models import User
from ggzy.core.clock import SHANGHAI, Clock, system_clock
from ggzy.core.errors import GgzyError, NotFound, PermissionDenied, ValidationFailed
from ggzy.evaluation import methods, selectors, services, sources, workflow
from ggzy.evaluation.models import EvaluatedBid, Evaluation, Member, ResultObjection, Score
from ggzy.evaluation.services.award import platform_key

# Views read the time from here; browser tests replace it to move "now".
clock: Clock = system_clock

UserView = Callable[Concatenate[HttpRequest, User, ...], HttpResponseBase]


def _error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "evaluation/error.html", {"message": message, "status": status}, status=status)


def user_required(view: UserView) -> Callable[..., HttpResponseBase]:
    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        assert isinstance(user, User)
        try:
            return view(request, user, *args, **kwargs)
        except GgzyError as exc:
            return _error(request, exc.message, exc.http_status)

    return wrapper


def _read(stored: Any) -> bytes:
    with default_storage.open(stored.path, "rb") as f:
        return bytes(f.read())


@user_required
def room_list(request: HttpRequest, user: User) -> HttpResponse:
    rows = selectors.evaluations_for_expert(user)
    return render(request, "evaluation/room_list.html", {"rows": rows, "labels": workflow.STATUS_LABELS})


def _member_pk(request: HttpRequest, name: str, evaluation: Evaluation) -> Member:
    try:
        return evaluation.members.get(pk=int(request.POST.get(name, "")))
    except (ValueError, Member.DoesNotExist):
        raise ValidationFailed("请选择评标委员会成员。", fields={name: "无效"}) from None


def _bid(request: HttpRequest, evaluation: Evaluation) -> EvaluatedBid:
    try:
        return evaluation.bids.get(pk=int(request.POST.get("bid", "")))
    except (ValueError, EvaluatedBid.DoesNotExist):
        raise ValidationFailed("未找到该投标文件。", fields={"bid": "无效"}) from None


def _room_post(request: HttpRequest, user: User, evaluation: Evaluation, member: Member) -> None:
    action = request.POST.get("action", "")
    config = selectors.config_of(evaluation)
    if action == "declare":
        services.member_declare(
            actor=user,
            evaluation=evaluation,
            no_conflict=request.POST.get("no_conflict") == "yes",
            clock=clock,
        )
    elif action == "vote":
        services.chair_vote(
            actor=user,
            evaluation=evaluation,
            candidate=_member_pk(request, "candidate", evaluation),
            clock=clock,
        )
    elif action == "review":
        verdict = request.POST.get("verdict", "")
        if verdict not in ("pass", "reject"):
            raise ValidationFailed("请选择审查结论。", fields={"verdict": "必选"})
        services.bid_review(
            actor=user,
            bid=_bid(request, evaluation),
            compliant=verdict == "pass",
            reason=request.POST.get("reason", ""),
            clock=clock,
        )
    elif action == "finish_review":
        services.review_finish(actor=user, evaluation=evaluation, clock=clock)
    elif action == "score":
        bid = _bid(request, evaluation)
        for c in config.criteria:
            if c.kind == methods.SUBJECTIVE:
                services.score_set(
                    actor=user,
                    bid=bid,
                    criterion=c.key,
                    value=request.POST.get(f"score-{c.key}", ""),
                    clock=clock,
                )
    elif action == "objective":
        services.objective_scores_record(
            actor=user,
            evaluation=evaluation,
            bid=_bid(request, evaluation),
            values={
                c.key: request.POST.get(f"objective-{c.key}", "")
                for c in config.criteria
                if c.kind == methods.OBJECTIVE
            },
            clock=clock,
        )
    elif action == "justify":
        services.deviation_justify(
            actor=user,
            bid=_bid(request, evaluation),
            criterion=request.POST.get("criterion", ""),
            reason=request.POST.get("reason", ""),
            clock=clock,
        )
    elif action == "sign_scores":
        services.scores_sign(actor=user, evaluation=evaluation, clock=clock)
    elif action == "compute":
        services.result_compute(actor=user, evaluation=evaluation, clock=clock)
    elif action == "sign_report":
        services.report_sign(
            actor=user,
            evaluation=evaluation,
            report_sha256=request.POST.get("report_sha256", ""),
            dissent=request.POST.get("dissent", ""),
            clock=clock,
        )
    else:
        raise ValidationFailed("未知操作。")


def _chair_candidates(evaluation: Evaluation) -> list[Member]:
    """Who may be proposed as chair: every member, less the tenderer representatives where the
    rules forbid them to chair (the service refuses such a vote anyway)."""
    members = list(evaluation.members.order_by("pk"))
    if sources.representative_chair_problem(evaluation.section) is None:
        return members
    return [m for m in members if m.role != Member.ROLE_TENDERER_REP]


@user_required
def room(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(pk=pk)
    member = selectors.member_for(evaluation, user)
    error = ""
    if request.method == "POST":
        try:
            _room_post(request, user, evaluation, member)
        except GgzyError as exc:
            error = exc.message
        else:
            return redirect("evaluation:room", pk=evaluation.pk)
    evaluation.refresh_from_db()
    member.refresh_from_db()
    config = selectors.config_of(evaluation)
    subjective = [c for c in config.criteria if c.kind == methods.SUBJECTIVE]
    context: dict[str, Any] = {
        "evaluation": evaluation,
        "member": member,
        "config": config,
        "status_label": workflow.STATUS_LABELS[evaluation.status],
        "members": list(evaluation.members.order_by("pk")),
        "chair_candidates": _chair_candidates(evaluation),
        "chair": evaluation.members.filter(is_chair=True).first(),
        "subjective": subjective,
        "error": error,
        "result_rows": selectors.result_rows(evaluation),
    }
    if member.declared_at is not None:
        bids = selectors.bids_for_member(member)
        mine = {(s.bid_id, s.criterion): s.value for s in Score.objects.filter(member=member)}
        context["bids"] = [
            {"bid": b, "scores": [(c, mine.get((b.pk, c.key), "")) for c in subjective]} for b in bids
        ]
        flags = []
        if evaluation.status == workflow.SCORING and member.scores_signed_at is None:
            try:
                refs = {b.bid_ref: b for b in bids}
                for f in services.flags_for(evaluation, member):
                    flags.append(
                        {"flag": f, "bid": refs[f.bid_id], "name": config.criterion(f.criterion).name}
                    )
            except ValidationFailed:
                flags = []  # not everyone has scored yet: nothing to compare
        context["flags"] = flags
        sheet = selectors.objective_sheet(evaluation)
        context["objective_sheet"] = sheet
        context["objective_missing"] = [row for row in sheet if row["missing"]]
        context["objective_editable"] = member.is_chair and evaluation.status in (
            workflow.REVIEW,
            workflow.SCORING,
        )
    return render(request, "evaluation/room.html", context)


@user_required
def report_file(request: HttpRequest, user: User, pk: int, ext: str) -> HttpResponse:
    evaluation = selectors.evaluation_get(pk=pk)
    _may_see_report(evaluation, user)
    stored = {"pdf": evaluation.report_pdf, "docx": evaluation.report_docx}.get(ext)
    if stored is None:
        raise NotFound("评标报告尚未生成。")
    types = {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
    response = HttpResponse(_read(stored), content_type=types[ext])
    response["Content-Disposition"] = f'attachment; filename="evaluation-report-{evaluation.pk}.{ext}"'
    return response


def _may_see_report(evaluation: Evaluation, user: User) -> None:
    project = evaluation.section.tender_project.project
    if evaluation.members.filter(user=user).exists() or user.is_center_staff:
        return
    if user.organisation_id in {project.tenderer_id, project.agency_id}:
        return
    raise PermissionDenied("您无权查看本评标报告。")


def _when(raw: str, name: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(raw).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise ValidationFailed("请填写有效的日期时间。", fields={name: "无效"}) from None


@user_required
def award(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """The tenderer's (and center editor's) page: publicity, objections, award, notices."""
    evaluation = selectors.evaluation_get(pk=pk)
    _may_see_report(evaluation, user)
    if evaluation.members.filter(user=user).exists() and not user.is_center_staff:
        raise PermissionDenied("评标委员会成员（含招标人代表）不办理公示与定标，请由招标人的其他经办人办理。")
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "publicity":
                services.publicity_start(
                    actor=user,
                    evaluation=evaluation,
                    starts_at=_when(request.POST.get("starts_at", ""), "starts_at"),
                    ends_at=_when(request.POST.get("ends_at", ""), "ends_at"),
                    clock=clock,
                )
            elif action == "answer":
                try:
                    row = evaluation.objections.get(pk=int(request.POST.get("objection", "")))
                except (ValueError, ResultObjection.DoesNotExist):
                    raise ValidationFailed("未找到该异议。") from None
                services.objection_answer(
                    actor=user, objection=row, answer=request.POST.get("answer", ""), clock=clock
                )
            elif action == "confirm":
                services.award_confirm(actor=user, evaluation=evaluation, clock=clock)
            elif action == "award_notice":
                services.award_notice_create(actor=user, evaluation=evaluation, clock=clock)
            else:
                raise ValidationFailed("未知操作。")
        except GgzyError as exc:
            error = exc.message
        else:
            return redirect("evaluation:award", pk=evaluation.pk)
    evaluation.refresh_from_db()
    return render(
        request,
        "evaluation/award.html",
        {
            "evaluation": evaluation,
            "status_label": workflow.STATUS_LABELS[evaluation.status],
            "rows": selectors.result_rows(evaluation),
            "objections": list(evaluation.objections.all()),
            "error": error,
            "is_editor": user.has_role("editor"),
        },
    )


@user_required
def objection(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """A bidder's objection to the result during the publicity."""
    evaluation = selectors.evaluation_get(pk=pk)
    if not user.has_role("bidder") or user.organisation is None:
        raise PermissionDenied("只有投标人可以对评标结果提出异议。")
    error = ""
    if request.method == "POST":
        try:
            services.objection_file(
                actor=user, evaluation=evaluation, text=request.POST.get("text", ""), clock=clock
            )
        except GgzyError as exc:
            error = exc.message
        else:
            return redirect("evaluation:objection", pk=evaluation.pk)
    mine = evaluation.objections.filter(organisation_name=user.organisation.name)
    return render(
        request,
        "evaluation/objection.html",
        {
            "evaluation": evaluation,
            "mine": list(mine),
            "error": error,
            "rows": selectors.result_rows(evaluation),
        },
    )


def _awarded(pk: int) -> Evaluation:
    try:
        evaluation = Evaluation.objects.select_related("section", "winner", "award_letter_pdf").get(pk=pk)
    except Evaluation.DoesNotExist:
        raise NotFound("未找到该中标通知书。") from None
    if evaluation.award_letter_pdf is None:
        raise NotFound("未找到该中标通知书。")
    return evaluation


def verify(request: HttpRequest, pk: int) -> HttpResponse:
    """Public: the award letter, its signature, the platform key and how to check them."""
    try:
        evaluation = _awarded(pk)
    except NotFound as exc:
        return _error(request, exc.message, 404)
    assert evaluation.award_letter_pdf is not None
    pdf = _read(evaluation.award_letter_pdf)
    return render(
        request,
        "evaluation/verify.html",
        {
            "evaluation": evaluation,
            "sha256": evaluation.award_letter_pdf.sha256,
            "valid": services.award_letter_verify(evaluation, pdf),
            "key_id": evaluation.award_letter_key_id,
        },
    )


def letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        evaluation = _awarded(pk)
    except NotFound as exc:
        return _error(request, exc.message, 404)
    assert evaluation.award_letter_pdf is not None
    response = HttpResponse(_read(evaluation.award_letter_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="award-{pk}.pdf"'
    return response


def letter_sig(request: HttpRequest, pk: int) -> HttpResponse:
    """The DER ECDSA signature (``openssl dgst -sha256 -verify key.pem -signature award.sig``)."""
    try:
        evaluation = _awarded(pk)
    except NotFound as exc:
        return _error(request, exc.message, 404)
    response = HttpResponse(
        base64.b64decode(evaluation.award_letter_signature), content_type="application/octet-stream"
    )
    response["Content-Disposition"] = f'attachment; filename="award-{pk}.sig"'
    return response


def platform_key_pem(request: HttpRequest) -> HttpResponse:
    return HttpResponse(platform_key().public_pem(), content_type="application/x-pem-file")
