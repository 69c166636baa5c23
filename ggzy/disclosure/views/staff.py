"""The staff back office for disclosure applications, mounted at /manage/disclosure/: the queue
with due dates, registering applications from the other channels, the request page with its
clock log, the audited view of personal data, one POST per clock transition, the reply and its
letter, and review cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ggzy.accounts.models import User
from ggzy.core.errors import GgzyError, NotFound
from ggzy.disclosure import deadlines, forms, letters, selectors, services, workflow
from ggzy.disclosure.choices import RequestStatus
from ggzy.disclosure.models import DisclosureRequest, Reply
from ggzy.disclosure.views import common
from ggzy.disclosure.views.public import letter_response
from ggzy.workcalendar.selectors import work_calendar

DUE_SOON_DAYS = 5


def _get(user: User, pk: int) -> DisclosureRequest:
    try:
        return selectors.disclosure_request_get_staff(actor=user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _detail(user: User, pk: int) -> selectors.RequestDetail:
    try:
        return selectors.disclosure_request_detail(actor=user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _url(req: DisclosureRequest) -> str:
    return reverse("disclosure:manage_request", args=[req.pk])


# ---------------------------------------------------------------- queue


@require_http_methods(["GET"])
@common.handler_required
def queue(request: HttpRequest, user: User) -> HttpResponse:
    status = request.GET.get("status", "")
    if status and status not in RequestStatus.values:
        status = ""
    q = request.GET.get("q", "")[:100]
    error = ""
    try:
        running = selectors.disclosure_request_deadlines(actor=user, today=common.today())
    except GgzyError as exc:
        running, error = [], exc.message
    by_pk = {row.request.pk: row for row in running}
    rows = [
        {"request": r, "deadline": by_pk.get(r.pk)}
        for r in selectors.disclosure_request_list_staff(actor=user, status=status or None, q=q)[:200]
    ]
    return render(
        request,
        "disclosure/manage/queue.html",
        {
            "rows": rows,
            "overdue": [r for r in running if r.days_left < 0],
            "due_soon": [r for r in running if 0 <= r.days_left <= DUE_SOON_DAYS],
            "statuses": RequestStatus.choices,
            "status": status,
            "q": q,
            "error": error,
            "due_soon_days": DUE_SOON_DAYS,
        },
    )


# ---------------------------------------------------------------- register (non-online channels)


@require_http_methods(["GET", "POST"])
@common.handler_required
def register(request: HttpRequest, user: User) -> HttpResponse:
    form = forms.RegisterForm(request.POST or None)
    status, error = 200, ""
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                submitted = services.disclosure_request_register(
                    actor=user,
                    channel=d["channel"],
                    applicant=form.applicant(),
                    info=form.info(),
                    arrived_on=d["arrived_on"],
                    confirmed_on=d["confirmed_on"],
                    clock=common.clock,
                )
            except GgzyError as exc:
                form.put_error(exc.fields)
                status, error = exc.http_status, exc.message
            else:
                return render(
                    request,
                    "disclosure/manage/registered.html",
                    {"req": submitted.request, "secret": submitted.secret},
                )
        else:
            status, error = 400, "未登记：请按提示修改"
    return render(request, "disclosure/manage/register.html", {"form": form, "error": error}, status=status)


# ---------------------------------------------------------------- the request page


@dataclass(frozen=True)
class Action:
    """One staff transition: its form, the workflow transition that allows it (for which forms
    the page offers; the service still decides), the service call and the success message."""

    name: str
    title: str
    form: type[forms.Form]
    transition: str | None
    call: Callable[[User, DisclosureRequest, forms.Form], Any]
    done: str
    button: str = "提交"


def _d(form: forms.Form) -> dict[str, Any]:
    return form.cleaned_data


def _reply_of(user: User, req: DisclosureRequest) -> Reply:
    reply = selectors.disclosure_request_detail(actor=user, pk=req.pk).reply
    if reply is None:
        raise NotFound("该申请尚未答复")
    return reply


def _extend(user: User, req: DisclosureRequest, form: forms.Form) -> Any:
    assert isinstance(form, forms.ExtendForm)
    d = form.cleaned_data
    return services.disclosure_extend(
        actor=user,
        request=req,
        days=d["days"],
        approved_by=form.approver(),
        reason=d["reason"],
        on=d["on"],
        clock=common.clock,
    )


def _reply(user: User, req: DisclosureRequest, form: forms.Form) -> Any:
    d = form.cleaned_data
    return services.disclosure_reply(
        actor=user,
        request=req,
        outcome=d["outcome"],
        legal_basis=d["legal_basis"],
        text=d["text"],
        files=form.uploads("released"),
        replied_on=d["replied_on"],
        clock=common.clock,
    )


def _case(user: User, req: DisclosureRequest, form: forms.Form) -> Any:
    d = form.cleaned_data
    return services.review_case_record(
        actor=user,
        kind=d["kind"],
        center_role=d["center_role"],
        filed_on=d["filed_on"],
        request=req,
        case_number=d["case_number"],
        subject=d["subject"],
        documents=form.uploads("documents"),
        clock=common.clock,
    )


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "confirm",
            "确认受理",
            forms.ConfirmForm,
            "confirm_receipt",
            lambda u, r, f: services.disclosure_request_confirm_receipt(
                actor=u, request=r, confirmed_on=_d(f)["confirmed_on"], clock=common.clock
            ),
            "已确认受理，答复期限开始计算。",
            "确认受理",
        ),
        Action(
            "amendment",
            "补正通知",
            forms.AmendmentRequestForm,
            "request_amendment",
            lambda u, r, f: services.disclosure_amendment_request(
                actor=u,
                request=r,
                items=_d(f)["items"],
                deadline=_d(f)["deadline"],
                on=_d(f)["on"],
                clock=common.clock,
            ),
            "已登记补正通知，答复期限暂停，待申请人补正。",
            "发出补正通知",
        ),
        Action(
            "amendment_received",
            "收到补正材料",
            forms.AmendmentReceiveForm,
            "receive_amendment",
            lambda u, r, f: services.disclosure_amendment_receive(
                actor=u, request=r, on=_d(f)["on"], note=_d(f)["note"], clock=common.clock
            ),
            "已登记补正材料，答复期限自收到补正之日起重新计算。",
            "登记补正材料",
        ),
        Action(
            "consultation_start",
            "征求意见",
            forms.ConsultationStartForm,
            "start_consultation",
            lambda u, r, f: services.disclosure_consultation_start(
                actor=u,
                request=r,
                party=_d(f)["party"],
                on=_d(f)["on"],
                note=_d(f)["note"],
                clock=common.clock,
            ),
            "已开始征求意见，征求意见期间不计入答复期限。",
            "开始征求意见",
        ),
        Action(
            "consultation_end",
            "结束征求意见",
            forms.ConsultationEndForm,
            "end_consultation",
            lambda u, r, f: services.disclosure_consultation_end(
                actor=u, request=r, on=_d(f)["on"], note=_d(f)["note"], clock=common.clock
            ),
            "已结束征求意见，答复期限继续计算。",
            "结束征求意见",
        ),
        Action(
            "extend",
            "延长答复期限",
            forms.ExtendForm,
            "extend",
            _extend,
            "已延长答复期限，请告知申请人。",
            "延长",
        ),
        Action(
            "later_deadline",
            "确定合理答复期限（第三十五条）",
            forms.LaterDeadlineForm,
            "set_later_deadline",
            lambda u, r, f: services.disclosure_later_deadline_set(
                actor=u,
                request=r,
                until=_d(f)["until"],
                reason=_d(f)["reason"],
                on=_d(f)["on"],
                clock=common.clock,
            ),
            "已确定合理答复期限。",
            "确定期限",
        ),
        Action(
            "fee_notice",
            "收费通知",
            forms.FeeNoticeForm,
            "issue_fee_notice",
            lambda u, r, f: services.disclosure_fee_notice_issue(
                actor=u,
                request=r,
                standard=_d(f)["standard"],
                pages=_d(f)["pages"],
                items=_d(f)["items"],
                deadline=_d(f)["deadline"],
                on=_d(f)["on"],
                clock=common.clock,
            ),
            "已发出收费通知。",
            "发出收费通知",
        ),
        Action(
            "payment",
            "登记缴费",
            forms.PaymentForm,
            "record_payment",
            lambda u, r, f: services.disclosure_fee_payment_record(
                actor=u, request=r, amount=_d(f)["amount"], on=_d(f)["on"], clock=common.clock
            ),
            "已登记缴费。",
            "登记缴费",
        ),
        Action(
            "reply",
            "答复",
            forms.ReplyForm,
            "reply",
            _reply,
            "已答复。请下载答复告知书并送达申请人。",
            "答复",
        ),
        Action(
            "delivered",
            "登记送达",
            forms.DeliveredForm,
            None,
            lambda u, r, f: services.disclosure_reply_mark_delivered(
                actor=u, reply=_reply_of(u, r), method=_d(f)["method"], clock=common.clock
            ),
            "已登记送达。",
            "登记送达",
        ),
        Action(
            "review_case",
            "登记行政复议、行政诉讼",
            forms.ReviewCaseForm,
            None,
            _case,
            "已登记案件。",
            "登记案件",
        ),
    ]
}


def _offered(req: DisclosureRequest, reply: Reply | None) -> set[str]:
    offered = {
        a.name
        for a in ACTIONS.values()
        if a.transition is not None and req.status in workflow.TRANSITIONS[a.transition].sources
    }
    if reply is not None and reply.delivered_at is None:
        offered.add("delivered")
    if req.status == RequestStatus.CLOSED:
        offered.add("review_case")
    return offered


def _days_left(req: DisclosureRequest) -> int | None:
    if req.due_date is None or not req.is_open:
        return None
    try:
        return deadlines.working_days_left(req.due_date, common.today(), work_calendar())
    except GgzyError:
        return None


def _render(
    request: HttpRequest,
    user: User,
    pk: int,
    *,
    failed: tuple[str, forms.Form] | None = None,
    error: str = "",
    status: int = 200,
    pii: services.ApplicantPII | None = None,
) -> HttpResponse:
    detail = _detail(user, pk)  # fresh: a failed or successful call may have changed it
    req, reply = detail.request, detail.reply
    bound = dict([failed]) if failed else {}
    action_forms = {name: bound.get(name) or a.form(prefix=name) for name, a in ACTIONS.items()}
    context = {
        "req": req,
        "events": detail.events,
        "reply": reply,
        "reply_files": detail.reply_files,
        "fee": detail.fee_notice,
        "cases": [(case, forms.ReviewDecideForm(prefix=f"case{case.pk}")) for case in detail.review_cases],
        "days_left": _days_left(req),
        "actions": [
            (ACTIONS[name], action_forms[name])
            for name in ACTIONS
            if name in _offered(req, reply) or (failed and failed[0] == name)
        ],
        "failed": failed[0] if failed else "",
        "error": error,
        "pii": pii,
        "pii_form": forms.PiiForm(prefix="pii"),
    }
    return render(request, "disclosure/manage/request.html", context, status=status)


@require_http_methods(["GET"])
@common.handler_required
def request_detail(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    return _render(request, user, pk)


@require_POST
@common.handler_required
def act(request: HttpRequest, user: User, pk: int, action: str) -> HttpResponseBase:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("没有这个办理操作")
    req = _get(user, pk)
    form = spec.form(request.POST, request.FILES, prefix=action)
    if not form.is_valid():
        return _render(
            request, user, pk, failed=(action, form), error=f"{spec.title}：请按提示修改", status=400
        )
    try:
        spec.call(user, req, form)
    except GgzyError as exc:
        form.put_error(exc.fields)
        return _render(request, user, pk, failed=(action, form), error=exc.message, status=exc.http_status)
    messages.success(request, spec.done)
    return redirect(_url(req))


@require_POST
@common.handler_required
def case_decide(request: HttpRequest, user: User, pk: int, case_pk: int) -> HttpResponseBase:
    detail = _detail(user, pk)
    req, case = detail.request, detail.review_case(case_pk)
    if case is None:
        raise Http404("案件不存在")
    form = forms.ReviewDecideForm(request.POST, request.FILES, prefix=f"case{case.pk}")
    if not form.is_valid():
        return _render(request, user, pk, error="审结登记：请填写结果和审结日期", status=400)
    d = form.cleaned_data
    try:
        services.review_case_decide(
            actor=user,
            case=case,
            result=d["result"],
            decided_on=d["decided_on"],
            note=d["note"],
            documents=form.uploads("documents"),
            clock=common.clock,
        )
    except GgzyError as exc:
        return _render(request, user, pk, error=exc.message, status=exc.http_status)
    messages.success(request, "已登记案件结果。")
    return redirect(_url(req))


@require_POST
@common.handler_required
def pii_view(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    """The full identity number and contact details, once, in this response; audited."""
    req = _get(user, pk)
    form = forms.PiiForm(request.POST, prefix="pii")
    purpose = form.cleaned_data["purpose"] if form.is_valid() else ""
    try:
        pii = services.disclosure_pii_view(actor=user, request=req, purpose=purpose, clock=common.clock)
    except GgzyError as exc:
        return _render(request, user, pk, error=exc.message, status=exc.http_status)
    response = _render(request, user, pk, pii=pii)
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET"])
@common.handler_required
def letter(request: HttpRequest, user: User, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("pdf", "docx"):
        raise Http404("格式只能是 pdf 或 docx")
    detail = _detail(user, pk)
    try:
        content = letters.letter_for(detail)
    except GgzyError as exc:
        return common.staff_error(request, exc.message, exc.http_status)
    return letter_response(content, fmt)
