"""/api/v1/disclosure — government information disclosure on application (依申请公开).

* Public, anonymous, rate-limited per client address: ``POST /requests`` (apply online) and
  ``GET|POST /requests/track`` (the status page behind tracking code + secret).
* Public statistics (the annual report's tables, no personal data): ``GET /stats``, ``/table2``,
  ``/fee-totals``.
* Staff: Django session of a logged-in user holding a disclosure role (信息公开经办人 or
  负责人); writes need the CSRF token (``X-CSRFToken`` header) like the back office's forms.
  Not logged in → 401 ``authentication_required``; logged in without the role → 403
  ``permission_denied``; missing/wrong CSRF token → 403 ``csrf_failed``.

Every rule is the domain core's (``ggzy.disclosure.services``/``selectors``): this module only
maps JSON to those calls and their ``GgzyError`` refusals (with the legal reason) to the API's one
error format. A refused call changes nothing (each service is one transaction).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.responses import Status
from ninja.security import SessionAuth

from ggzy.accounts.middleware import ENROL_SESSION_KEY
from ggzy.accounts.models import User
from ggzy.api import disclosure_schemas as s
from ggzy.api.cursors import decode_cursor, encode_cursor
from ggzy.api.errors import error_response
from ggzy.api.schemas import ErrorOut, StatsParams
from ggzy.core.clock import Clock, local_date, system_clock
from ggzy.core.errors import CalendarDataMissing, NotFound, PermissionDenied, ValidationFailed
from ggzy.disclosure import deadlines, outcomes, ratelimit, selectors, services
from ggzy.disclosure.models import DisclosureRequest, Reply, ReplyFile, ReviewCase
from ggzy.workcalendar.selectors import work_calendar

# The clock every service call gets. Tests replace it (``monkeypatch.setattr(module, "clock", …)``)
# so that statutory dates can be exercised at a fixed "today".
clock: Clock = system_clock

LIST_SCOPE = "dr"

ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,  # payload_too_large: a body over DATA_UPLOAD_MAX_MEMORY_SIZE
    429: ErrorOut,
    500: ErrorOut,
}
PUBLIC_ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 413: ErrorOut, 429: ErrorOut, 500: ErrorOut}


# ---------------------------------------------------------------- authentication


class StaffSession(SessionAuth):
    """The logged-in user of the Django session; unsafe methods must carry the CSRF token.
    Whether the user may handle applications is decided by the services (403 otherwise)."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None  # → 401
        if request.session.get(ENROL_SESSION_KEY):
            raise PermissionDenied(
                "账号须先绑定双因素认证（动态口令）才能办理，请先在后台完成绑定",
                code="second_factor_required",
            )
        try:
            return super().__call__(request)
        except HttpError:
            raise PermissionDenied(
                "CSRF 校验失败：以登录会话调用写操作时，须在 X-CSRFToken 请求头中提供 csrftoken Cookie 的值",
                code="csrf_failed",
            ) from None


staff_auth = StaffSession(csrf=True)


def _staff(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


# ---------------------------------------------------------------- rate limiting


def _limited(refusal: ratelimit.Refusal) -> JsonResponse:
    """429 in the error format. The buckets are ``ggzy.disclosure.ratelimit``'s, shared with the
    HTML pages, so an address has one budget whichever way it comes."""
    response = error_response(429, "rate_limited", refusal.message)
    response["Retry-After"] = str(refusal.retry_after)
    return response


# ---------------------------------------------------------------- converters


def _files(items: list[s.FileIn], field: str) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for i, item in enumerate(items):
        try:
            content = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed(
                f"文件“{item.name}”的内容不是有效的 base64 编码", fields={f"{field}.{i}": "不是有效的 base64"}
            ) from None
        out.append((item.name, content))
    return out


def _applicant(body: s.ApplicantIn) -> services.ApplicantInput:
    return services.ApplicantInput(
        kind=str(body.kind),
        name=body.name,
        id_doc_type=str(body.id_doc_type),
        id_number=body.id_number,
        phone=body.phone,
        email=body.email,
        address=body.address,
        postcode=body.postcode,
        contact_person=body.contact_person,
    )


def _info(body: s.InfoIn) -> services.InfoInput:
    return services.InfoInput(
        form=str(body.form),
        delivery_method=str(body.delivery_method),
        name=body.name,
        doc_number=body.doc_number,
        description=body.description,
    )


def _submitted(result: services.Submitted) -> s.SubmittedOut:
    r = result.request
    return s.SubmittedOut(
        id=r.pk,
        tracking_code=r.tracking_code,
        secret=result.secret,
        status=r.status,  # type: ignore[arg-type]
        status_label=r.get_status_display(),
        arrived_on=r.arrived_on,
        received_on=r.received_on,
        due_date=r.due_date,
    )


def _item_fields(r: DisclosureRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "tracking_code": r.tracking_code,
        "status": r.status,
        "status_label": r.get_status_display(),
        "channel": r.channel,
        "applicant_kind": r.applicant_kind,
        "applicant_name": r.applicant_name,
        "contact_person": r.contact_person,
        "id_doc_type": r.id_doc_type,
        "id_number_masked": r.id_number_masked,
        "phone_masked": r.phone_masked,
        "email_masked": r.email_masked,
        "address_masked": r.address_masked,
        "info_name": r.info_name,
        "info_doc_number": r.info_doc_number,
        "info_description": r.info_description,
        "info_form": r.info_form,
        "delivery_method": r.delivery_method,
        "arrived_on": r.arrived_on,
        "received_on": r.received_on,
        "due_date": r.due_date,
        "outcome": r.outcome,
        "outcome_label": outcomes.outcome_label(r.outcome) if r.outcome else "",
        "closed_on": r.closed_on,
    }


def _item(r: DisclosureRequest) -> s.RequestItem:
    return s.RequestItem(**_item_fields(r))


def _today() -> dt.date:
    return local_date(clock.now())


def _reply_out(reply: Reply | None, files: list[ReplyFile]) -> s.ReplyOut | None:
    if reply is None:
        return None
    return s.ReplyOut(
        outcome=reply.outcome,
        outcome_label=outcomes.outcome_label(reply.outcome),
        legal_basis=reply.legal_basis,
        text=reply.text,
        replied_on=reply.replied_on,
        delivered_at=s.local(reply.delivered_at),
        delivery_method=reply.delivery_method,
        files=[
            s.FileOut(name=rf.name, sha256=rf.file.sha256, size=rf.file.size, media_type=rf.file.media_type)
            for rf in files
        ],
    )


def _detail(request: HttpRequest, request_id: int) -> s.RequestDetail:
    """The request's detail as it is now (the services lock and save their own copy)."""
    detail = selectors.disclosure_request_detail(actor=_staff(request), pk=request_id)
    r = detail.request
    calendar = work_calendar()
    state = selectors.disclosure_clock_state(request=r, calendar=calendar, events=detail.events)
    days_left: int | None = None
    if r.due_date is not None and r.status != "closed":
        try:
            days_left = deadlines.working_days_left(r.due_date, _today(), calendar)
        except CalendarDataMissing:
            days_left = None
    events = [
        s.ClockEventOut(
            kind=e.kind,
            kind_label=e.get_kind_display(),
            on=e.on,
            days=e.days,
            until=e.until,
            party=e.party,
            items=e.items,
            note=e.note,
            approved_by=str(e.approved_by) if e.approved_by else None,
        )
        for e in detail.events
    ]
    notice = detail.fee_notice
    fee = (
        s.FeeNoticeOut(
            standard=notice.standard,  # type: ignore[arg-type]
            units=notice.units,
            amount=s.decimal_text(notice.amount) or "0.00",
            issued_on=notice.issued_on,
            deadline=notice.deadline,
            paid_on=notice.paid_on,
            amount_paid=s.decimal_text(notice.amount_paid),
        )
        if notice is not None
        else None
    )
    return s.RequestDetail(
        **_item_fields(r),
        legal_basis=r.legal_basis,
        days_left=days_left,
        clock=s.ClockOut(
            start=state.start,
            due=state.due,
            running=state.running,
            awaiting_amendment=state.awaiting_amendment,
            amendment_requested=state.amendment_requested,
            amendment_deadline=state.amendment_deadline,
            paused_since=state.paused_since,
            extension_days=state.extension_days,
            later_deadline=state.later_deadline,
        ),
        events=events,
        reply=_reply_out(detail.reply, detail.reply_files),
        fee_notice=fee,
    )


def _case_out(case: ReviewCase) -> s.ReviewCaseOut:
    return s.ReviewCaseOut(
        id=case.pk,
        kind=case.kind,  # type: ignore[arg-type]
        kind_label=case.get_kind_display(),
        center_role=case.center_role,  # type: ignore[arg-type]
        counted_in_table4=case.center_role == "original_actor",
        case_number=case.case_number,
        subject=case.subject,
        request_id=case.request_id,
        request_tracking_code=case.request.tracking_code if case.request else None,
        previous_id=case.previous_id,
        filed_on=case.filed_on,
        decided_on=case.decided_on,
        result=case.result,  # type: ignore[arg-type]
        result_label=case.get_result_display(),
        note=case.note,
    )


def _get(request: HttpRequest, request_id: int) -> DisclosureRequest:
    return selectors.disclosure_request_get_staff(actor=_staff(request), pk=request_id)


def _case(request: HttpRequest, case_id: int, field: str = "case") -> ReviewCase:
    case = selectors.review_case_list(actor=_staff(request)).filter(pk=case_id).first()
    if case is None:
        raise NotFound("案件不存在", fields={field: "不存在"} if field != "case" else None)
    return case


# ---------------------------------------------------------------- router

router = Router(tags=["依申请公开"])


# ---- public


@router.post(
    "/requests",
    response={201: s.SubmittedOut, **PUBLIC_ERRORS},
    auth=None,
    summary="提交政府信息公开申请（网上申请，公开、限频）",
    description=(
        "申请人在线提交申请。返回查询码和查询密码（只显示这一次），凭二者查询办理进度。"
        "网上申请以双方确认之日为收到申请之日（条例第三十一条），工作人员确认受理后开始计算答复期限。"
        "同一网络地址每小时最多提交 20 次（GGZY_DISCLOSURE_SUBMIT_PER_HOUR；与网页申请合并计数，"
        "超过返回 429 rate_limited）。"
    ),
)
def disclosure_request_submit(request: HttpRequest, response: HttpResponse, body: s.SubmitIn) -> Any:
    refusal = ratelimit.attempt(ratelimit.SUBMIT, request)
    if refusal is not None:
        return _limited(refusal)
    result = services.disclosure_request_submit(
        applicant=_applicant(body.applicant), info=_info(body.info), secret=body.secret, clock=clock
    )
    response["Cache-Control"] = "no-store"
    return Status(201, _submitted(result))


def _track(request: HttpRequest, code: str, secret: str) -> Any:
    if not code.strip() or not secret:
        raise ValidationFailed(
            "请填写查询码和查询密码",
            fields={k: "必填" for k, v in (("code", code.strip()), ("secret", secret)) if not v},
        )
    refusal = ratelimit.track_attempt(request)
    if refusal is not None:
        return _limited(refusal)
    try:
        view = selectors.disclosure_request_track(tracking_code=code, secret=secret)
    except NotFound:
        ratelimit.track_failed(request)
        raise
    return s.TrackingOut(
        tracking_code=view.tracking_code,
        status=view.status,  # type: ignore[arg-type]
        status_label=view.status_label,
        arrived_on=view.arrived_on,
        received_on=view.received_on,
        due_date=view.due_date,
        outcome=view.outcome,
        outcome_label=view.outcome_label,
        replied_on=view.replied_on,
        delivered_at=s.local(view.delivered_at),
    )


@router.get(
    "/requests/track",
    response={200: s.TrackingOut, **PUBLIC_ERRORS},
    auth=None,
    summary="查询办理进度（查询码 + 查询密码）",
    description="查询码或密码不正确时一律返回 404 tracking_not_found，不区分哪一项错误。"
    "限频（与网页查询合并计数）：每小时 60 次，每10分钟查询码或密码错误 10 次。"
    "密码出现在网址中可能被日志记录，客户端宜改用 POST 同一路径。",
)
def disclosure_request_track(request: HttpRequest, params: Query[s.TrackParams]) -> Any:
    return _track(request, params.code or "", params.secret or "")


@router.post(
    "/requests/track",
    response={200: s.TrackingOut, **PUBLIC_ERRORS},
    auth=None,
    summary="查询办理进度（请求体传查询码和密码）",
)
def disclosure_request_track_post(request: HttpRequest, body: s.TrackIn) -> Any:
    return _track(request, body.code, body.secret)


@router.get(
    "/stats",
    response={200: s.DisclosureStatsOut, 400: ErrorOut, 500: ErrorOut},
    auth=None,
    summary="年度报告表三、表四及勾稽关系校验",
    description=(
        "table3：表三25行（按格式顺序），每行 cells 为 自然人、商业企业、科研机构、社会公益组织、"
        "法律服务机构、其他、总计；table4：表四三组各5格；checks：每一项勾稽关系及其结果。"
    ),
)
def disclosure_stats(request: HttpRequest, params: Query[StatsParams]) -> dict[str, Any]:
    return selectors.disclosure_stats(year=params.year).as_dict()


@router.get(
    "/table2",
    response={200: s.Table2Out, 400: ErrorOut, 500: ErrorOut},
    auth=None,
    summary="年度报告表二（规章和规范性文件、行政许可、处罚、强制、行政事业性收费）",
)
def disclosure_table2(request: HttpRequest, params: Query[StatsParams]) -> dict[str, Any]:
    return selectors.table2_stats(year=params.year).as_dict()


@router.get(
    "/fee-totals",
    response={200: s.FeeTotalsOut, 400: ErrorOut, 500: ErrorOut},
    auth=None,
    summary="信息处理费年度合计（年度报告第六部分）",
)
def disclosure_fee_totals(request: HttpRequest, params: Query[StatsParams]) -> s.FeeTotalsOut:
    totals = selectors.fee_totals(year=params.year)
    return s.FeeTotalsOut(
        year=totals.year,
        notices=totals.notices,
        amount_due=s.decimal_text(totals.amount_due) or "0.00",
        amount_paid=s.decimal_text(totals.amount_paid) or "0.00",
    )


# ---- staff reads


@router.get(
    "/requests",
    response={200: s.RequestPage, **ERRORS},
    auth=staff_auth,
    summary="申请列表（工作人员；按提交日期倒序，游标分页）",
)
def disclosure_request_list(request: HttpRequest, params: Query[s.StaffListParams]) -> s.RequestPage:
    qs: QuerySet[DisclosureRequest] = selectors.disclosure_request_list_staff(
        actor=_staff(request), status=str(params.status) if params.status else None, q=params.q or ""
    )
    if params.cursor:
        position = decode_cursor(LIST_SCOPE, params.cursor)
        day = position.moment.date()
        qs = qs.filter(Q(arrived_on__lt=day) | Q(arrived_on=day, pk__lt=position.pk))
    rows = list(qs[: params.limit + 1])
    page = rows[: params.limit]
    next_cursor = None
    if len(rows) > params.limit:
        last = page[-1]
        moment = dt.datetime.combine(last.arrived_on, dt.time(), tzinfo=dt.UTC)
        next_cursor = encode_cursor(LIST_SCOPE, moment, last.pk)
    return s.RequestPage(items=[_item(r) for r in page], next_cursor=next_cursor)


@router.get(
    "/deadlines",
    response={200: list[s.DeadlineItem], **ERRORS},
    auth=staff_auth,
    summary="答复期限：计时中的申请，按到期先后（含剩余工作日、超期）",
)
def disclosure_deadlines(request: HttpRequest, params: Query[s.DeadlineParams]) -> list[s.DeadlineItem]:
    rows = selectors.disclosure_request_deadlines(
        actor=_staff(request), today=_today(), within=params.within, overdue_only=params.overdue_only
    )
    return [
        s.DeadlineItem(
            request=_item(d.request), due_date=d.due_date, days_left=d.days_left, overdue=d.overdue
        )
        for d in rows
    ]


@router.get(
    "/requests/{int:request_id}",
    response={200: s.RequestDetail, **ERRORS},
    auth=staff_auth,
    summary="申请详情（期限事件、答复、收费通知）",
)
def disclosure_request_get(request: HttpRequest, request_id: int) -> s.RequestDetail:
    return _detail(request, request_id)


@router.get(
    "/requests/{int:request_id}/pii",
    response={200: s.PIIOut, **ERRORS},
    auth=staff_auth,
    summary="申请人完整个人信息（每次查看记入审计日志）",
)
def disclosure_request_pii(request: HttpRequest, request_id: int, params: Query[s.PIIParams]) -> Any:
    r = _get(request, request_id)
    pii = services.disclosure_pii_view(
        actor=_staff(request), request=r, purpose=params.purpose or "", clock=clock
    )
    return s.PIIOut(
        id_doc_type=pii.id_doc_type,  # type: ignore[arg-type]
        id_number=pii.id_number,
        phone=pii.phone,
        email=pii.email,
        address=pii.address,
    )


# ---- staff writes (each answers the request's detail after the change)


@router.post(
    "/requests/register",
    response={201: s.SubmittedOut, **ERRORS},
    auth=staff_auth,
    summary="登记当面、邮寄、传真、电子邮件或口头申请（工作人员）",
)
def disclosure_request_register(request: HttpRequest, body: s.RegisterIn) -> Any:
    result = services.disclosure_request_register(
        actor=_staff(request),
        channel=str(body.channel),
        applicant=_applicant(body.applicant),
        info=_info(body.info),
        arrived_on=body.arrived_on,
        confirmed_on=body.confirmed_on,
        secret=body.secret,
        clock=clock,
    )
    return Status(201, _submitted(result))


DETAIL = {200: s.RequestDetail, **ERRORS}


@router.post(
    "/requests/{int:request_id}/confirm-receipt", response=DETAIL, auth=staff_auth, summary="确认受理"
)
def disclosure_confirm_receipt(request: HttpRequest, request_id: int, body: s.ConfirmIn) -> s.RequestDetail:
    services.disclosure_request_confirm_receipt(
        actor=_staff(request), request=_get(request, request_id), confirmed_on=body.confirmed_on, clock=clock
    )
    return _detail(request, request_id)


@router.post(
    "/requests/{int:request_id}/amendment-request",
    response=DETAIL,
    auth=staff_auth,
    summary="发出补正通知（一次性告知，收到申请后7个工作日内）",
)
def disclosure_amendment_request(
    request: HttpRequest, request_id: int, body: s.AmendmentRequestIn
) -> s.RequestDetail:
    services.disclosure_amendment_request(
        actor=_staff(request),
        request=_get(request, request_id),
        items=body.items,
        deadline=body.deadline,
        on=body.on,
        clock=clock,
    )
    return _detail(request, request_id)


@router.post(
    "/requests/{int:request_id}/amendment-receive",
    response=DETAIL,
    auth=staff_auth,
    summary="登记收到补正材料（答复期限自收到补正之日起重新计算）",
)
def disclosure_amendment_receive(
    request: HttpRequest, request_id: int, body: s.DatedNoteIn
) -> s.RequestDetail:
    services.disclosure_amendment_receive(
        actor=_staff(request), request=_get(request, request_id), on=body.on, note=body.note, clock=clock
    )
    return _detail(request, request_id)


@router.post(
    "/requests/{int:request_id}/consultation-start",
    response=DETAIL,
    auth=staff_auth,
    summary="征求第三方或其他机关意见（所需时间不计算在答复期限内）",
)
def disclosure_consultation_start(
    request: HttpRequest, request_id: int, body: s.ConsultationStartIn
) -> s.RequestDetail:
    services.disclosure_consultation_start(
        actor=_staff(request),
        request=_get(request, request_id),
        party=str(body.party),
        on=body.on,
        note=body.note,
        clock=clock,
    )
    return _detail(request, request_id)


@router.post(
    "/requests/{int:request_id}/consultation-end", response=DETAIL, auth=staff_auth, summary="结束征求意见"
)
def disclosure_consultation_end(
    request: HttpRequest, request_id: int, body: s.DatedNoteIn
) -> s.RequestDetail:
    services.disclosure_consultation_end(
        actor=_staff(request), request=_get(request, request_id), on=body.on, note=body.note, clock=clock
    )
    return _detail(request, request_id)


@router.post(
    "/requests/{int:request_id}/extend",
    response=DETAIL,
    auth=staff_auth,
    summary="延长答复期限（经信息公开办公室负责人同意，最长20个工作日，一次）",
)
def disclosure_extend(request: HttpRequest, request_id: int, body: s.ExtendIn) -> s.RequestDetail:
    actor = _staff(request)
    r = _get(request, request_id)
    approver = User.objects.filter(username=body.approved_by.strip()).first()
    if approver is None:
        raise ValidationFailed(
            f"批准人“{body.approved_by}”不存在：延长答复期限须经信息公开办公室负责人同意（条例第三十三条第二款）",
            fields={"approved_by": "用户不存在"},
        )
    r = services.disclosure_extend(
        actor=actor,
        request=r,
        days=body.days,
        approved_by=approver,
        reason=body.reason,
        on=body.on,
        clock=clock,
    )
    return _detail(request, request_id)


@router.post(
    "/requests/{int:request_id}/later-deadline",
    response=DETAIL,
    auth=staff_auth,
    summary="确定合理的延后答复期限（条例第三十五条）",
)
def disclosure_later_deadline(
    request: HttpRequest, request_id: int, body: s.LaterDeadlineIn
) -> s.RequestDetail:
    services.disclosure_later_deadline_set(
        actor=_staff(request),
        request=_get(request, request_id),
        until=body.until,
        reason=body.reason,
        on=body.on,
        clock=clock,
    )
    return _detail(request, request_id)


@router.post(
    "/requests/{int:request_id}/fee-notice",
    response=DETAIL,
    auth=staff_auth,
    summary="发出信息处理费收费通知（按件或按量，只能选一种）",
)
def disclosure_fee_notice(request: HttpRequest, request_id: int, body: s.FeeNoticeIn) -> s.RequestDetail:
    r = _get(request, request_id)
    services.disclosure_fee_notice_issue(
        actor=_staff(request),
        request=r,
        standard=str(body.standard),
        pages=body.pages,
        items=body.items,
        deadline=body.deadline,
        on=body.on,
        clock=clock,
    )
    return _detail(request, request_id)


@router.post("/requests/{int:request_id}/fee-payment", response=DETAIL, auth=staff_auth, summary="登记缴费")
def disclosure_fee_payment(request: HttpRequest, request_id: int, body: s.FeePaymentIn) -> s.RequestDetail:
    r = _get(request, request_id)
    services.disclosure_fee_payment_record(
        actor=_staff(request), request=r, amount=body.amount, on=body.on, clock=clock
    )
    return _detail(request, request_id)


@router.post(
    "/requests/{int:request_id}/reply",
    response=DETAIL,
    auth=staff_auth,
    summary="答复（表三21种办理结果之一、法律依据、答复内容和公开的文件）",
)
def disclosure_reply(request: HttpRequest, request_id: int, body: s.ReplyIn) -> s.RequestDetail:
    r = _get(request, request_id)
    outcome = body.outcome
    if isinstance(outcome, list):
        if len(outcome) != 1:
            raise ValidationFailed(
                "每件申请只能有一个办理结果（年度报告表三每件申请只计一种情形；部分公开的只计“部分公开”）",
                code="one_outcome_only",
                fields={"outcome": "只能选择一种办理结果"},
            )
        outcome = outcome[0]
    services.disclosure_reply(
        actor=_staff(request),
        request=r,
        outcome=outcome,
        legal_basis=body.legal_basis,
        text=body.text,
        files=_files(body.files, "files"),
        replied_on=body.replied_on,
        clock=clock,
    )
    return _detail(request, request_id)


@router.post(
    "/requests/{int:request_id}/reply-delivered", response=DETAIL, auth=staff_auth, summary="登记答复已送达"
)
def disclosure_reply_delivered(request: HttpRequest, request_id: int, body: s.DeliveredIn) -> s.RequestDetail:
    r = _get(request, request_id)
    reply = selectors.disclosure_request_detail(actor=_staff(request), pk=r.pk).reply
    if reply is None:
        raise ValidationFailed("该申请尚未答复，不能登记送达", code="not_replied")
    services.disclosure_reply_mark_delivered(
        actor=_staff(request), reply=reply, method=str(body.method), clock=clock
    )
    return _detail(request, request_id)


# ---- review cases (table 四)


@router.get(
    "/review-cases",
    response={200: list[s.ReviewCaseOut], **ERRORS},
    auth=staff_auth,
    summary="行政复议、行政诉讼案件列表",
)
def review_case_list(request: HttpRequest, params: Query[s.ReviewCaseParams]) -> list[s.ReviewCaseOut]:
    return [_case_out(c) for c in selectors.review_case_list(actor=_staff(request), year=params.year)]


@router.post(
    "/review-cases",
    response={201: s.ReviewCaseOut, **ERRORS},
    auth=staff_auth,
    summary="登记行政复议或行政诉讼案件（复议机关作共同被告的不计入表四）",
)
def review_case_record(request: HttpRequest, body: s.ReviewCaseIn) -> Any:
    actor = _staff(request)
    linked = _get(request, body.request_id) if body.request_id is not None else None
    previous = _case(request, body.previous_id, "previous_id") if body.previous_id is not None else None
    case = services.review_case_record(
        actor=actor,
        kind=str(body.kind),
        center_role=str(body.center_role),
        filed_on=body.filed_on,
        request=linked,
        case_number=body.case_number,
        subject=body.subject,
        previous=previous,
        documents=_files(body.documents, "documents"),
        clock=clock,
    )
    return Status(201, _case_out(case))


@router.get(
    "/review-cases/{int:case_id}",
    response={200: s.ReviewCaseOut, **ERRORS},
    auth=staff_auth,
    summary="案件详情",
)
def review_case_get(request: HttpRequest, case_id: int) -> s.ReviewCaseOut:
    return _case_out(_case(request, case_id))


@router.post(
    "/review-cases/{int:case_id}/decision",
    response={200: s.ReviewCaseOut, **ERRORS},
    auth=staff_auth,
    summary="登记审结结果（结果维持、结果纠正或其他结果）",
)
def review_case_decide(request: HttpRequest, case_id: int, body: s.ReviewDecisionIn) -> s.ReviewCaseOut:
    actor = _staff(request)
    case = services.review_case_decide(
        actor=actor,
        case=_case(request, case_id),
        result=str(body.result),
        decided_on=body.decided_on,
        note=body.note,
        documents=_files(body.documents, "documents"),
        clock=clock,
    )
    return _case_out(case)


__all__ = ["router"]
