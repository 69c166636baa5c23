"""The staff back office for public participation, under /manage/participation/: consultations
(create, open, period, comment moderation), the Q&A queue (answer, close, publish through the
review chain) and policy interpretations."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ggzy.accounts.models import User
from ggzy.core.clock import local_date
from ggzy.core.errors import GgzyError, NotFound
from ggzy.participation import forms, selectors, services
from ggzy.participation.choices import ModerationStatus, QuestionStatus
from ggzy.participation.views import common

FORM_ERROR = "未保存：请按提示修改"


def _put_errors(form: forms.forms.Form, exc: GgzyError) -> None:
    for name, problem in exc.fields.items():
        if name in form.fields:
            form.add_error(name, problem)


@require_safe
@common.staff_required
def home(request: HttpRequest, user: User) -> HttpResponse:
    now = common.clock.now()
    year = local_date(now).year
    return render(
        request,
        "participation/manage/home.html",
        {
            "pending_comments": selectors.comment_queue(actor=user).count(),
            "open_questions": selectors.question_queue(actor=user, status=QuestionStatus.RECEIVED).count(),
            "stats": selectors.participation_stats(year=year),
            "can_draft": user.has_role(*services.DRAFTER_ROLES),
        },
    )


# ---------------------------------------------------------------- consultations


@never_cache
@require_http_methods(["GET", "POST"])
@common.staff_required
def consultations(request: HttpRequest, user: User) -> HttpResponse:
    create = forms.ConsultationForm(request.POST or None, prefix="new")
    open_form = forms.OpenForm(request.POST or None, prefix="open")
    candidates = selectors.consultation_articles_without_period(actor=user)
    article_field = open_form.fields["article"]
    assert isinstance(article_field, forms.forms.ChoiceField)
    article_field.choices = [("", "请选择")] + [
        (str(a.pk), f"{a.title}（{a.get_status_display()}）") for a in candidates
    ]
    status, error = 200, ""
    if request.method == "POST":
        which = request.POST.get("form")
        form = create if which == "new" else open_form
        if form.is_valid():
            d = form.cleaned_data
            try:
                if which == "new":
                    consultation = services.consultation_create(
                        actor=user,
                        title=d["title"],
                        body_html=d["body_html"],
                        summary=d["summary"],
                        opens_at=d["opens_at"],
                        closes_at=d["closes_at"],
                        submit=d["submit"],
                        clock=common.clock,
                    )
                    messages.success(
                        request,
                        "征集已创建"
                        + ("并提交审核；审核通过发布后即可在征集期内接收意见" if d["submit"] else "（草稿）"),
                    )
                else:
                    consultation = services.consultation_open(
                        actor=user,
                        article_id=d["article"],
                        opens_at=d["opens_at"],
                        closes_at=d["closes_at"],
                        clock=common.clock,
                    )
                    messages.success(request, "已开放意见征集")
            except GgzyError as exc:
                _put_errors(form, exc)
                status, error = exc.http_status, exc.message
            else:
                return redirect("participation:manage_consultation", pk=consultation.pk)
        else:
            status, error = 400, FORM_ERROR
    return render(
        request,
        "participation/manage/consultations.html",
        {
            "views": selectors.consultation_list_staff(actor=user, now=common.clock.now()),
            "create": create,
            "open_form": open_form,
            "has_candidates": bool(candidates),
            "error": error,
            "can_draft": user.has_role(*services.DRAFTER_ROLES),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@common.staff_required
def consultation(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    try:
        view = selectors.consultation_get_staff(actor=user, pk=pk, now=common.clock.now())
    except NotFound as exc:
        raise Http404(exc.message) from None
    c = view.consultation
    form = forms.PeriodForm(request.POST or None, initial={"opens_at": c.opens_at, "closes_at": c.closes_at})
    status, error = 200, ""
    if request.method == "POST":
        if form.is_valid():
            try:
                services.consultation_period_set(
                    actor=user,
                    consultation=c,
                    opens_at=form.cleaned_data["opens_at"],
                    closes_at=form.cleaned_data["closes_at"],
                    clock=common.clock,
                )
            except GgzyError as exc:
                _put_errors(form, exc)
                status, error = exc.http_status, exc.message
            else:
                messages.success(request, "征集期已修改")
                return redirect("participation:manage_consultation", pk=pk)
        else:
            status, error = 400, FORM_ERROR
    status_filter = request.GET.get("status", "")
    if status_filter not in ModerationStatus.values:
        status_filter = ""
    return render(
        request,
        "participation/manage/consultation.html",
        {
            "view": view,
            "form": form,
            "error": error,
            "comments": selectors.comment_queue(actor=user, status=status_filter or None, consultation=c)[
                :500
            ],
            "status_filter": status_filter,
            "statuses": ModerationStatus.choices,
            "can_draft": user.has_role(*services.DRAFTER_ROLES),
        },
        status=status,
    )


@require_safe
@common.staff_required
def comments(request: HttpRequest, user: User) -> HttpResponse:
    return render(
        request,
        "participation/manage/comments.html",
        {"comments": selectors.comment_queue(actor=user)[:300]},
    )


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if (
        target
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        and target.startswith("/manage/")
    ):
        return target
    return default


@require_POST
@common.staff_required
def comment_moderate(request: HttpRequest, user: User, pk: int) -> HttpResponseBase:
    try:
        comment = selectors.comment_get_staff(actor=user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None
    form = forms.ModerateForm(request.POST)
    back = _back(request, reverse("participation:manage_comments"))
    if not form.is_valid():
        messages.error(request, "审核结论无效")
        return redirect(back)
    try:
        services.comment_moderate(
            actor=user,
            comment=comment,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            clock=common.clock,
        )
    except GgzyError as exc:
        messages.error(request, exc.message)
    else:
        labels = {"approve": "已通过，意见已公开显示", "reject": "已设为不予展示", "hide": "已撤下展示"}
        messages.success(request, labels[form.cleaned_data["decision"]])
    return redirect(back)


@never_cache
@require_POST
@common.staff_required
def comment_contact(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    try:
        comment = selectors.comment_get_staff(actor=user, pk=pk)
        value = services.participation_contact_view(
            actor=user, item=comment, purpose=request.POST.get("purpose", ""), clock=common.clock
        )
    except NotFound as exc:
        raise Http404(exc.message) from None
    except GgzyError as exc:
        return common.staff_error(request, exc.message, exc.http_status)
    return render(
        request,
        "participation/manage/contact.html",
        {
            "value": value,
            "what": f"意见 #{comment.pk}",
            "back": reverse("participation:manage_consultation", args=[comment.consultation_id]),
        },
    )


# ---------------------------------------------------------------- questions


@require_safe
@common.staff_required
def questions(request: HttpRequest, user: User) -> HttpResponse:
    status = request.GET.get("status", QuestionStatus.RECEIVED)
    if status not in QuestionStatus.values and status != "all":
        status = QuestionStatus.RECEIVED
    rows = selectors.question_queue(actor=user, status=None if status == "all" else status)[:300]
    return render(
        request,
        "participation/manage/questions.html",
        {"rows": rows, "status": status, "statuses": QuestionStatus.choices},
    )


def _question_page(
    request: HttpRequest, user: User, pk: int, *, status: int = 200, error: str = "", **forms_: object
) -> HttpResponse:
    try:
        question = selectors.question_get_staff(actor=user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None
    context: dict[str, object] = {
        "q": question,
        "answer_form": forms.AnswerForm(initial={"answer": question.answer}, prefix="answer"),
        "close_form": forms.CloseForm(prefix="close"),
        "publish_form": forms.PublishForm(
            initial={"title": f"关于“{question.subject}”的咨询", "public_question": question.text},
            prefix="publish",
        ),
        "error": error,
        "can_draft": user.has_role(*services.DRAFTER_ROLES),
        "public": selectors.current_version(question.article) if question.article else None,
    }
    context.update(forms_)
    return render(request, "participation/manage/question.html", context, status=status)


@never_cache
@require_safe
@common.staff_required
def question(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    return _question_page(request, user, pk)


@never_cache
@require_POST
@common.staff_required
def question_act(request: HttpRequest, user: User, pk: int, action: str) -> HttpResponseBase:
    try:
        q = selectors.question_get_staff(actor=user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None
    if action == "contact":
        try:
            value = services.participation_contact_view(
                actor=user, item=q, purpose=request.POST.get("purpose", ""), clock=common.clock
            )
        except GgzyError as exc:
            return common.staff_error(request, exc.message, exc.http_status)
        return render(
            request,
            "participation/manage/contact.html",
            {
                "value": value,
                "what": f"留言 {q.number}",
                "back": reverse("participation:manage_question", args=[pk]),
            },
        )
    form_classes: dict[str, type[forms.forms.Form]] = {
        "answer": forms.AnswerForm,
        "close": forms.CloseForm,
        "publish": forms.PublishForm,
    }
    if action not in form_classes:
        raise Http404("没有这个操作")
    form = form_classes[action](request.POST, prefix=action)
    if not form.is_valid():
        return _question_page(request, user, pk, status=400, error=FORM_ERROR, **{f"{action}_form": form})
    d = form.cleaned_data
    try:
        if action == "answer":
            services.question_answer(actor=user, question=q, answer=d["answer"], clock=common.clock)
            done = "已答复；留言人可凭查询码查看答复"
        elif action == "close":
            services.question_close(actor=user, question=q, reason=d["reason"], clock=common.clock)
            done = "已设为不予答复"
        else:
            services.question_publish(
                actor=user,
                question=q,
                title=d["title"],
                public_question=d["public_question"],
                clock=common.clock,
            )
            done = "已生成“留言咨询”公开信息并提交审核；审核签发后公开"
    except GgzyError as exc:
        _put_errors(form, exc)
        return _question_page(
            request, user, pk, status=exc.http_status, error=exc.message, **{f"{action}_form": form}
        )
    messages.success(request, done)
    return redirect("participation:manage_question", pk=pk)


# ---------------------------------------------------------------- interpretations


@never_cache
@require_http_methods(["GET", "POST"])
@common.staff_required
def interpretations(request: HttpRequest, user: User) -> HttpResponse:
    create = forms.InterpretationForm(request.POST or None, prefix="new")
    link = forms.LinkForm(request.POST or None, prefix="link")
    status, error = 200, ""
    if request.method == "POST":
        which = request.POST.get("form")
        form: forms.forms.Form = create if which == "new" else link
        if form.is_valid():
            d = form.cleaned_data
            try:
                if which == "new":
                    services.interpretation_create(
                        actor=user,
                        explains_id=d["explains"],
                        title=d["title"],
                        body_html=d["body_html"],
                        summary=d["summary"],
                        submit=d["submit"],
                        clock=common.clock,
                    )
                    messages.success(request, "解读已创建" + ("并提交审核" if d["submit"] else "（草稿）"))
                else:
                    services.interpretation_link(
                        actor=user, article_id=d["article"], explains_id=d["explains"], clock=common.clock
                    )
                    messages.success(request, "已关联被解读的文件")
            except GgzyError as exc:
                _put_errors(form, exc)
                status, error = exc.http_status, exc.message
            else:
                return redirect("participation:manage_interpretations")
        else:
            status, error = 400, FORM_ERROR
    return render(
        request,
        "participation/manage/interpretations.html",
        {
            "links": selectors.interpretation_list_staff(actor=user),
            "documents": selectors.explainable_documents(),
            "create": create,
            "link": link,
            "error": error,
            "can_draft": user.has_role(*services.DRAFTER_ROLES),
        },
        status=status,
    )
