"""Clarification pages (ADR 0026). Thin: parse, call one service or selector, render.

* The committee: /manage/evaluation/<pk>/clarifications/ (list, abnormal-price flags, send form)
  and …/<cpk>/ (the answer, its files, and the chair's withdraw / accept / reject / lapse).
* The bidder: /evaluation/clarifications/ (its organisation's requests) and …/<cpk>/ (answer
  online with files, confirming the notice), made for a phone as much as a desk.

The time comes from ``pages.clock`` (read at call time) so browser tests move one clock.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, cast

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.dateformat import format as date_format

from ggzy.accounts.models import User
from ggzy.core.clock import SHANGHAI
from ggzy.core.errors import GgzyError, NotFound, PermissionDenied, ValidationFailed
from ggzy.evaluation import clarify_workflow as cw
from ggzy.evaluation import methods, selectors, services, workflow
from ggzy.evaluation.models import Clarification, ClarificationFile, EvaluatedBid, Evaluation, Member
from ggzy.evaluation.services import clarification as clarification_services
from ggzy.evaluation.views import pages
from ggzy.trading import access


def _seat(evaluation: Evaluation, user: User) -> Member:
    member = selectors.member_for(evaluation, user)
    if member.declared_at is None:
        raise PermissionDenied("请先签署无利害关系声明。")
    return member


def _file_response(row: ClarificationFile) -> HttpResponseBase:
    try:
        handle = default_storage.open(row.file.path, "rb")
    except FileNotFoundError:
        raise NotFound("文件内容缺失，请联系交易中心。") from None
    response = FileResponse(handle, as_attachment=True, filename=row.name, content_type=row.file.media_type)
    response["X-Content-SHA256"] = row.file.sha256
    response["Cache-Control"] = "private, no-store"
    return response


def _local_input(moment: dt.datetime) -> str:
    return date_format(moment.astimezone(SHANGHAI), "Y-m-d\\TH:i")


def _view_rows(rows: list[Clarification], *, bidder: bool = False) -> list[dict[str, object]]:
    now = pages.clock.now()
    out = []
    for c in rows:
        lapsed = cw.is_lapsed(status=c.status, now=now, deadline=c.deadline)
        label = (
            cw.bidder_label(status=c.status, answered=c.answered_at is not None, lapsed=lapsed)
            if bidder
            else cw.STATUS_LABELS[c.status] + ("（已逾期）" if lapsed else "")
        )
        item: dict[str, object] = {
            "c": c,
            "kind_label": cw.KIND_LABELS[c.kind],
            "status_label": label,
            "lapsed": lapsed,
        }
        if not bidder:  # the bidder's pages do not show the delivery records
            notice, notified_at = cw.notice_state(
                [(d.purpose, d.ok, d.attempted_at) for d in c.deliveries.all()]
            )
            item |= {"notice": notice, "notified_at": notified_at}
        out.append(item)
    return out


@pages.user_required
def committee_list(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(pk=pk)
    member = _seat(evaluation, user)
    error = ""
    fields: dict[str, str] = {}
    if request.method == "POST":
        try:
            bid = _bid(request, evaluation)
            deadline_raw = request.POST.get("deadline", "").strip()
            services.clarification_send(
                actor=user,
                bid=bid,
                kind=request.POST.get("kind", ""),
                question=request.POST.get("question", ""),
                deadline=pages._when(deadline_raw, "deadline") if deadline_raw else None,
                clock=pages.clock,
            )
        except GgzyError as exc:
            error, fields = exc.message, exc.fields
        else:
            return redirect("evaluation:clarifications", pk=evaluation.pk)
    evaluation.refresh_from_db()
    flags = clarification_services.price_flags_for(evaluation)
    bids = list(evaluation.bids.order_by("pk"))
    names = {b.bid_ref: b.bidder_name for b in bids}
    flag_rows = [
        {
            "bidder": names.get(ref, ref),
            "flag": f,
            "reference": methods.ABNORMAL_REFERENCES.get(f.reference, ""),
        }
        for ref, items in flags.items()
        for f in items
    ]
    now = pages.clock.now()
    return render(
        request,
        "evaluation/clarifications.html",
        {
            "evaluation": evaluation,
            "member": member,
            "status_label": workflow.STATUS_LABELS[evaluation.status],
            "open": evaluation.status in workflow.TRANSITIONS["clarify"].sources,
            "rows": _view_rows(selectors.clarifications_of(evaluation)),
            "flag_rows": flag_rows,
            "flagged_pks": {b.pk for b in bids if b.bid_ref in flags},
            "bids": [b for b in bids if b.compliant is not False and b.organisation_id is not None],
            "kinds": list(cw.KIND_LABELS.items()),
            "default_deadline": _local_input(clarification_services.default_deadline(now=now)),
            "max_hours": clarification_services.max_hours(),
            "error": error,
            "fields": fields,
            "post": request.POST if request.method == "POST" else {},
        },
    )


def _bid(request: HttpRequest, evaluation: Evaluation) -> EvaluatedBid:
    try:
        return evaluation.bids.get(pk=int(request.POST.get("bid", "")))
    except (ValueError, EvaluatedBid.DoesNotExist):
        raise ValidationFailed("请选择投标人。", fields={"bid": "必选"}) from None


@pages.user_required
def committee_detail(request: HttpRequest, user: User, pk: int, cpk: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(pk=pk)
    member = _seat(evaluation, user)
    row = selectors.clarification_in(evaluation, cpk)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        note = request.POST.get("note", "")
        try:
            if action == "withdraw":
                services.clarification_withdraw(
                    actor=user, clarification=row, reason=request.POST.get("reason", ""), clock=pages.clock
                )
            elif action == "accept":
                services.abnormal_price_accept(actor=user, clarification=row, note=note, clock=pages.clock)
            elif action == "reject":
                services.abnormal_price_reject(actor=user, clarification=row, note=note, clock=pages.clock)
            elif action == "lapse":
                services.abnormal_price_lapse(actor=user, clarification=row, note=note, clock=pages.clock)
            else:
                raise ValidationFailed("未知操作。")
        except GgzyError as exc:
            error = exc.message
        else:
            return redirect("evaluation:clarification", pk=evaluation.pk, cpk=row.pk)
    row = selectors.clarification_in(evaluation, cpk)
    view = _view_rows([row])[0]
    open_ = evaluation.status in workflow.TRANSITIONS["clarify"].sources
    return render(
        request,
        "evaluation/clarification_detail.html",
        {
            "evaluation": evaluation,
            "member": member,
            "r": view,
            "c": row,
            "files": list(row.files.select_related("file")),
            "deliveries": [
                {
                    "d": d,
                    "purpose": cw.DELIVERY_PURPOSES.get(d.purpose, d.purpose),
                    "channel": cw.DELIVERY_CHANNELS.get(d.channel, "—"),
                }
                for d in selectors.clarification_deliveries(row)
            ],
            "can_withdraw": open_ and member.is_chair and row.status == cw.SENT,
            "can_decide": open_
            and member.is_chair
            and row.kind == cw.ABNORMAL_PRICE
            and row.status == cw.ANSWERED,
            "can_lapse": open_ and member.is_chair and row.kind == cw.ABNORMAL_PRICE and view["lapsed"],
            "rejection_reason": cw.REJECTION_REASON,
            "lapse_note": cw.LAPSE_NOTE,
            "error": error,
        },
    )


@pages.user_required
def committee_file(request: HttpRequest, user: User, pk: int, cpk: int, fpk: int) -> HttpResponseBase:
    evaluation = selectors.evaluation_get(pk=pk)
    _seat(evaluation, user)
    return _file_response(selectors.clarification_file(selectors.clarification_in(evaluation, cpk), fpk))


def _bidder(user: User) -> None:
    if not access.is_bidder(user):
        raise PermissionDenied("只有以投标人身份登录的用户可以查看和答复评标澄清。")


@pages.user_required
def bidder_list(request: HttpRequest, user: User) -> HttpResponse:
    _bidder(user)
    return render(
        request,
        "evaluation/clarif_bidder_list.html",
        {"rows": _view_rows(selectors.clarifications_for_bidder(user), bidder=True)},
    )


@pages.user_required
def bidder_detail(request: HttpRequest, user: User, cpk: int) -> HttpResponse:
    _bidder(user)
    row = selectors.clarification_for_bidder(user, cpk)
    error = ""
    fields: dict[str, str] = {}
    if request.method == "POST":
        uploads = [(f.name or "file", cast(IO[bytes], f)) for f in request.FILES.getlist("attachments")]
        try:
            services.clarification_answer(
                actor=user,
                clarification=row,
                answer=request.POST.get("answer", ""),
                confirm_notice=request.POST.get("confirm") == "yes",
                uploads=uploads,
                clock=pages.clock,
            )
        except GgzyError as exc:
            error, fields = exc.message, exc.fields
        else:
            return redirect("evaluation:bidder_clarification", cpk=row.pk)
        row = selectors.clarification_for_bidder(user, cpk)
    view = _view_rows([row], bidder=True)[0]
    now = pages.clock.now()
    evaluation_open = row.evaluation.status in workflow.TRANSITIONS["answer_clarification"].sources
    return render(
        request,
        "evaluation/clarif_bidder_detail.html",
        {
            "r": view,
            "c": row,
            "files": list(row.files.select_related("file")),
            "can_answer": evaluation_open and row.status == cw.SENT and now <= row.deadline,
            "notice": cw.SUBSTANCE_NOTICE,
            "attachments_max": cw.ATTACHMENTS_MAX,
            "error": error,
            "fields": fields,
            "post": request.POST if request.method == "POST" else {},
        },
    )


@pages.user_required
def bidder_file(request: HttpRequest, user: User, cpk: int, fpk: int) -> HttpResponseBase:
    _bidder(user)
    return _file_response(selectors.clarification_file(selectors.clarification_for_bidder(user, cpk), fpk))
