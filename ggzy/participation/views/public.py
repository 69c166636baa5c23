"""The public side, under /interaction/: consultations with their approved comments and the
comment form while open; the Q&A mailbox (ask, track, published answers); interpretation pages.
Built for a phone first: one column, large targets, short forms."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ggzy.core.errors import GgzyError, NotFound
from ggzy.participation import forms, ratelimit, selectors, services
from ggzy.participation.views import common


@require_safe
def consultation_list(request: HttpRequest) -> HttpResponse:
    views = selectors.consultation_list_public(now=common.clock.now())
    return render(request, "participation/consultation_list.html", {"views": views})


def _consultation_page(
    request: HttpRequest, pk: int, form: forms.CommentForm | None = None, error: str = "", status: int = 200
) -> HttpResponse:
    try:
        view = selectors.consultation_get_public(pk=pk, now=common.clock.now())
    except NotFound as exc:
        raise Http404(exc.message) from None
    if form is None:
        form = forms.CommentForm(initial={"started": forms.form_token(common.clock)})
    else:
        # A fresh start time for the next attempt; the typed text stays.
        form.data = {**dict(form.data.items()), "started": forms.form_token(common.clock)}
    return render(
        request,
        "participation/consultation_detail.html",
        {
            "view": view,
            "article": view.article,
            "comments": selectors.comments_public(consultation=view.consultation),
            "form": form,
            "error": error,
        },
        status=status,
    )


@never_cache
@require_safe
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _consultation_page(request, pk)


@never_cache
@require_POST
def comment_post(request: HttpRequest, pk: int) -> HttpResponseBase:
    form = forms.CommentForm(request.POST)
    if not form.is_valid():
        return _consultation_page(request, pk, form, "意见未提交：请按提示修改后重新提交", 400)
    problem = form.spam_problem(common.clock)
    if problem:
        return _consultation_page(request, pk, form, problem, 400)
    # Every submission that reaches the service counts, a refused one too.
    refusal = ratelimit.comment_attempt(request)
    if refusal is not None:
        return common.limited(
            _consultation_page(request, pk, form, refusal.message, 429), refusal.retry_after
        )
    d = form.cleaned_data
    try:
        services.comment_submit(
            consultation_id=pk,
            text=d["text"],
            display_name=d["display_name"],
            contact=d["contact"],
            clock=common.clock,
        )
    except NotFound as exc:
        raise Http404(exc.message) from None
    except GgzyError as exc:
        for name, problem_text in exc.fields.items():
            if name in form.fields:
                form.add_error(name, problem_text)
        return _consultation_page(request, pk, form, exc.message, exc.http_status)
    messages.success(request, "您的意见已提交，感谢参与！意见经工作人员审核后公开显示。")
    return redirect(reverse("participation:consultation", args=[pk]) + "#comments")


# ---------------------------------------------------------------- Q&A mailbox


@require_safe
def qa_list(request: HttpRequest) -> HttpResponse:
    return render(request, "participation/qa_list.html", {"items": selectors.qa_list_public()})


def _ask_page(
    request: HttpRequest, form: forms.QuestionForm, error: str = "", status: int = 200
) -> HttpResponse:
    if form.is_bound:
        form.data = {**dict(form.data.items()), "started": forms.form_token(common.clock)}
    return render(request, "participation/qa_ask.html", {"form": form, "error": error}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def qa_ask(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _ask_page(request, forms.QuestionForm(initial={"started": forms.form_token(common.clock)}))
    form = forms.QuestionForm(request.POST)
    if not form.is_valid():
        return _ask_page(request, form, "留言未提交：请按提示修改后重新提交", 400)
    problem = form.spam_problem(common.clock)
    if problem:
        return _ask_page(request, form, problem, 400)
    refusal = ratelimit.question_attempt(request)
    if refusal is not None:
        return common.limited(_ask_page(request, form, refusal.message, 429), refusal.retry_after)
    d = form.cleaned_data
    try:
        asked = services.question_submit(
            asker_name=d["asker_name"],
            contact=d["contact"],
            subject=d["subject"],
            text=d["text"],
            publish_consent=d["publish_consent"],
            clock=common.clock,
        )
    except GgzyError as exc:
        for name, problem_text in exc.fields.items():
            if name in form.fields:
                form.add_error(name, problem_text)
        return _ask_page(request, form, exc.message, exc.http_status)
    # The tracking code exists only in this response: only its digest is stored.
    return render(
        request,
        "participation/qa_asked.html",
        {"number": asked.question.number, "code": asked.tracking_code},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def qa_track(request: HttpRequest) -> HttpResponse:
    """The code goes by POST, so it never lands in a URL, a log or the browser history."""
    if request.method != "POST":
        return render(request, "participation/qa_track.html", {"form": forms.TrackForm()})
    form = forms.TrackForm(request.POST)
    if not form.is_valid():
        return render(
            request, "participation/qa_track.html", {"form": form, "error": "请填写查询码"}, status=400
        )
    refusal = ratelimit.track_attempt(request)
    if refusal is not None:
        response = render(
            request, "participation/qa_track.html", {"form": form, "error": refusal.message}, status=429
        )
        return common.limited(response, refusal.retry_after)
    try:
        view = selectors.question_track(code=form.cleaned_data["code"])
    except GgzyError as exc:
        if exc.code == "tracking_not_found":
            ratelimit.track_failed(request)
        return render(
            request,
            "participation/qa_track.html",
            {"form": form, "error": exc.message},
            status=exc.http_status,
        )
    return render(request, "participation/qa_track.html", {"form": forms.TrackForm(), "view": view})


# ---------------------------------------------------------------- interpretations


@require_safe
def interpretation(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        item = selectors.interpretation_get_public(pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return render(request, "participation/interpretation.html", {"item": item})
