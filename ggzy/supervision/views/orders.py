"""Correction-order pages: the list (center: all; an agency: its own), the order page where the
agency answers and the center closes or returns, and the reply file download."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ggzy.accounts.models import User
from ggzy.core.errors import GgzyError
from ggzy.supervision import forms, selectors, services
from ggzy.supervision.choices import OrderStatus
from ggzy.supervision.models import CorrectionOrder
from ggzy.supervision.services._common import ORDER_REVIEW_ROLES
from ggzy.supervision.views import common
from ggzy.supervision.workflow import is_overdue

# ---------------------------------------------------------------- correction orders


@require_http_methods(["GET"])
@common.order_user_required
def order_list(request: HttpRequest, user: User) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in OrderStatus.values:
        status = ""
    today = common.today()
    orders = selectors.order_list(user=user, status=status or None)
    rows = [
        {"order": o, "overdue": is_overdue(status=o.status, deadline_passed=o.deadline < today)}
        for o in orders
    ]
    return render(
        request,
        "supervision/orders.html",
        {"rows": rows, "statuses": OrderStatus.choices, "status": status, "is_center": user.is_center_staff},
    )


def _order_page(
    request: HttpRequest,
    user: User,
    pk: int,
    *,
    answer_form: forms.AnswerForm | None = None,
    review_form: forms.ReviewForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    order: CorrectionOrder = common.or_404(selectors.order_get, user=user, pk=pk)
    today = common.today()
    can_answer = (
        order.status == OrderStatus.ISSUED
        and not user.is_center_staff
        and user.organisation_id == order.organisation_id
    )
    can_review = (
        order.status == OrderStatus.ANSWERED and user.is_center_staff and user.has_role(*ORDER_REVIEW_ROLES)
    )
    return render(
        request,
        "supervision/order.html",
        {
            "order": order,
            "overdue": is_overdue(status=order.status, deadline_passed=order.deadline < today),
            "can_answer": can_answer,
            "can_review": can_review,
            "answer_form": answer_form or forms.AnswerForm(prefix="answer"),
            "review_form": review_form or forms.ReviewForm(prefix="review"),
            "error": error,
        },
        status=status,
    )


@require_http_methods(["GET"])
@common.order_user_required
def order_detail(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    return _order_page(request, user, pk)


@require_POST
@common.order_user_required
def order_answer(request: HttpRequest, user: User, pk: int) -> HttpResponseBase:
    order = common.or_404(selectors.order_get, user=user, pk=pk)
    form = forms.AnswerForm(request.POST, request.FILES, prefix="answer")
    if not form.is_valid():
        return _order_page(request, user, pk, answer_form=form, error="请填写整改情况", status=400)
    upload = form.cleaned_data.get("attachment")
    try:
        services.correction_order_answer(
            actor=user,
            order=order,
            reply=form.cleaned_data["reply"],
            attachment=(upload.name, upload) if upload else None,
            clock=common.clock,
        )
    except GgzyError as exc:
        form.put_error(exc.fields)
        return _order_page(request, user, pk, answer_form=form, error=exc.message, status=exc.http_status)
    messages.success(request, "整改情况已提交，等待交易中心验收。")
    return redirect(reverse("supervision:order", args=[pk]))


def _review(request: HttpRequest, user: User, pk: int, *, close: bool) -> HttpResponseBase:
    order = common.or_404(selectors.order_get, user=user, pk=pk)
    form = forms.ReviewForm(request.POST, prefix="review")
    if not form.is_valid():
        return _order_page(request, user, pk, review_form=form, error="请按提示修改", status=400)
    try:
        if close:
            services.correction_order_close(
                actor=user, order=order, comment=form.cleaned_data["comment"], clock=common.clock
            )
        else:
            services.correction_order_return(
                actor=user, order=order, comment=form.cleaned_data["comment"], clock=common.clock
            )
    except GgzyError as exc:
        form.put_error(exc.fields)
        return _order_page(request, user, pk, review_form=form, error=exc.message, status=exc.http_status)
    messages.success(request, "整改通知已验收办结。" if close else "已退回代理机构重新整改。")
    return redirect(reverse("supervision:order", args=[pk]))


@require_POST
@common.order_user_required
def order_close(request: HttpRequest, user: User, pk: int) -> HttpResponseBase:
    return _review(request, user, pk, close=True)


@require_POST
@common.order_user_required
def order_return(request: HttpRequest, user: User, pk: int) -> HttpResponseBase:
    return _review(request, user, pk, close=False)


@require_http_methods(["GET"])
@common.order_user_required
def order_file(request: HttpRequest, user: User, pk: int) -> HttpResponseBase:
    order: CorrectionOrder = common.or_404(selectors.order_get, user=user, pk=pk)
    if order.reply_file is None:
        raise Http404("该整改回复没有附件")
    response = FileResponse(
        default_storage.open(order.reply_file.path, "rb"),
        as_attachment=True,
        filename=order.reply_file_name or order.reply_file.sha256,
        content_type=order.reply_file.media_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
