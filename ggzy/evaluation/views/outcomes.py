"""Outcome pages (ADR 0027). Thin: parse, call one service or selector, render.

* The bidder: /evaluation/notifications/ (its organisation's result notifications) and …/<npk>/
  (the notification, its signed PDF and signature; opening it records the first reading). Any
  other bidder's notification is "not found".
* The tenderer and the center: /manage/evaluation/<pk>/notifications/ (delivery of each
  notification) and /manage/evaluation/<pk>/termination/ (re-tender or terminate a failed
  section; the editor drafts the termination notice).
* Center staff and supervisors: /manage/evaluation/stats/?year=YYYY (the trading statistics).

The time comes from ``pages.clock`` (read at call time) so browser tests move one clock.
"""

from __future__ import annotations

import base64

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ggzy.accounts.choices import CENTER_ROLES, Role
from ggzy.accounts.models import User
from ggzy.core.clock import local_date
from ggzy.core.errors import GgzyError, PermissionDenied, ValidationFailed
from ggzy.evaluation import outcome_rules, selectors, services, stats, workflow
from ggzy.evaluation.models import Evaluation, ResultNotification
from ggzy.evaluation.views import pages
from ggzy.trading import access

# ---------------------------------------------------------------- bidders


def _bidder(user: User) -> None:
    if not access.is_bidder(user):
        raise PermissionDenied("只有以投标人身份登录的用户可以查看中标结果通知书。")


@pages.user_required
def notification_list(request: HttpRequest, user: User) -> HttpResponse:
    _bidder(user)
    return render(
        request,
        "evaluation/notification_list.html",
        {"rows": selectors.notifications_for_bidder(user)},
    )


def _mine(user: User, npk: int) -> ResultNotification:
    _bidder(user)
    return selectors.notification_for_bidder(user, npk)


@pages.user_required
def notification_detail(request: HttpRequest, user: User, npk: int) -> HttpResponse:
    row = services.notification_read(actor=user, notification=_mine(user, npk), clock=pages.clock)
    pdf = pages._read(row.pdf)
    return render(
        request,
        "evaluation/notification_detail.html",
        {
            "n": row,
            "section": row.evaluation.section,
            "valid": services.notification_verify(row, pdf),
            "key_id": row.key_id,
        },
    )


@pages.user_required
def notification_pdf(request: HttpRequest, user: User, npk: int) -> HttpResponse:
    row = _mine(user, npk)
    response = HttpResponse(pages._read(row.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="notification-{row.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@pages.user_required
def notification_sig(request: HttpRequest, user: User, npk: int) -> HttpResponse:
    """The DER ECDSA signature (``openssl dgst -sha256 -verify key.pem -signature n.sig n.pdf``)."""
    row = _mine(user, npk)
    response = HttpResponse(base64.b64decode(row.signature), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="notification-{row.pk}.sig"'
    return response


# ---------------------------------------------------------------- tenderer and center


def _tenderer_side(evaluation: Evaluation, user: User) -> None:
    """Who may see the award page may see these (the experts do not run the award)."""
    pages._may_see_report(evaluation, user)
    if evaluation.members.filter(user=user).exists() and not user.is_center_staff:
        raise PermissionDenied(
            "评标委员会成员（含招标人代表）不办理定标和评标失败的后续事项，请由招标人的其他经办人办理。"
        )


@pages.user_required
def deliveries(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(pk=pk)
    _tenderer_side(evaluation, user)
    return render(
        request,
        "evaluation/deliveries.html",
        {
            "evaluation": evaluation,
            "rows": selectors.notifications_of(evaluation),
            "status_label": workflow.STATUS_LABELS[evaluation.status],
        },
    )


@pages.user_required
def termination(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(pk=pk)
    _tenderer_side(evaluation, user)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "decide":
                services.failure_decide(
                    actor=user,
                    evaluation=evaluation,
                    next_step=request.POST.get("next_step", ""),
                    clock=pages.clock,
                )
            elif action == "notice":
                services.termination_notice_create(actor=user, evaluation=evaluation, clock=pages.clock)
            else:
                raise ValidationFailed("未知操作。")
        except GgzyError as exc:
            error = exc.message
        else:
            return redirect("evaluation:termination", pk=evaluation.pk)
    evaluation.refresh_from_db()
    domain = evaluation.section.tender_project.project.domain
    decided = selectors.termination_of(evaluation)
    return render(
        request,
        "evaluation/termination.html",
        {
            "evaluation": evaluation,
            "status_label": workflow.STATUS_LABELS[evaluation.status],
            "failed": evaluation.status == workflow.FAILED,
            "category": outcome_rules.failure_category(evaluation.failure_code, domain),
            "decided": decided,
            "next_steps": [
                (key, label, outcome_rules.next_step_text(key, domain, evaluation.failure_code))
                for key, label in outcome_rules.NEXT_STEPS.items()
            ],
            "decided_label": outcome_rules.NEXT_STEPS.get(decided.next_step, "") if decided else "",
            "is_editor": user.has_role(Role.EDITOR),
            "error": error,
        },
    )


# ---------------------------------------------------------------- statistics (staff)


def _stats_staff(user: User) -> None:
    staff = user.is_center_staff and user.has_role(*CENTER_ROLES)
    if not (staff or user.has_role(Role.SUPERVISOR)):
        raise PermissionDenied("交易统计仅供交易中心工作人员和行政监督人员查看。")


@pages.user_required
def stats_dashboard(request: HttpRequest, user: User) -> HttpResponse:
    _stats_staff(user)
    this_year = local_date(pages.clock.now()).year
    raw = request.GET.get("year", str(this_year))
    try:
        figures = stats.trading_statistics(raw, clock=pages.clock)
    except GgzyError as exc:
        return render(
            request,
            "evaluation/stats.html",
            {"error": exc.message, "years": range(this_year, this_year - 10, -1), "year": None},
            status=400,
        )
    return render(
        request,
        "evaluation/stats.html",
        {
            "s": figures,
            "year": figures.year,
            "years": range(this_year, this_year - 10, -1),
            "charts": stats.charts(figures),
        },
    )
