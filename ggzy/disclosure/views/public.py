"""The public side: apply online (依申请公开), see the tracking code and secret once, track the
application with both, and download the reply letter with both."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ggzy.core.errors import GgzyError
from ggzy.disclosure import letters, ratelimit, selectors, services
from ggzy.disclosure.forms import ApplicationForm, LetterFormatForm, TrackingForm
from ggzy.disclosure.views import common

FORM_ERROR = "申请未提交：请按提示修改后重新提交"


def _apply_page(
    request: HttpRequest, form: ApplicationForm, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "disclosure/apply.html",
        {"form": form, "error": error, "facts": selectors.guide_facts()},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _apply_page(request, ApplicationForm())
    form = ApplicationForm(request.POST)
    if not form.is_valid():
        return _apply_page(request, form, FORM_ERROR, 400)
    # Counted in the same bucket as POST /api/v1/disclosure/requests: every application that
    # reaches the service counts, a refused one too.
    refusal = ratelimit.attempt(ratelimit.SUBMIT, request)
    if refusal is not None:
        return _limited(_apply_page(request, form, refusal.message, 429), refusal)
    try:
        submitted = services.disclosure_request_submit(
            applicant=form.applicant(), info=form.info(), clock=common.clock
        )
    except GgzyError as exc:
        form.put_error(exc.fields)
        return _apply_page(request, form, exc.message, exc.http_status)
    # The secret exists only in this response: it is shown once and never stored in clear.
    return render(
        request,
        "disclosure/applied.html",
        {"tracking_code": submitted.request.tracking_code, "secret": submitted.secret},
    )


def _track_page(
    request: HttpRequest, form: TrackingForm, *, view: object = None, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request, "disclosure/track.html", {"form": form, "view": view, "error": error}, status=status
    )


def _limited(response: HttpResponse, refusal: ratelimit.Refusal) -> HttpResponse:
    response["Retry-After"] = str(refusal.retry_after)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Code and secret go by POST, so neither lands in a URL, a log or the browser history."""
    if request.method != "POST":
        return _track_page(request, TrackingForm())
    form = TrackingForm(request.POST)
    if not form.is_valid():
        return _track_page(request, form, error="请填写查询码和查询密码", status=400)
    refusal = ratelimit.track_attempt(request)
    if refusal is not None:
        return _limited(_track_page(request, form, error=refusal.message, status=429), refusal)
    try:
        view = selectors.disclosure_request_track(
            tracking_code=form.cleaned_data["tracking_code"], secret=form.cleaned_data["secret"]
        )
    except GgzyError as exc:
        if exc.code == "tracking_not_found":
            ratelimit.track_failed(request)
        return _track_page(request, form, error=exc.message, status=exc.http_status)
    return _track_page(request, TrackingForm(initial={"tracking_code": view.tracking_code}), view=view)


@never_cache
@require_POST
def track_letter(request: HttpRequest) -> HttpResponse:
    """The applicant's own reply letter, behind the same code + secret (and the same limits)."""
    form = LetterFormatForm(request.POST)
    if not form.is_valid():
        return common.public_error(request, "请填写查询码、查询密码并选择格式", 400)
    refusal = ratelimit.track_attempt(request)
    if refusal is not None:
        return _limited(common.public_error(request, refusal.message, 429), refusal)
    try:
        letter = letters.letter_for_applicant(
            tracking_code=form.cleaned_data["tracking_code"], secret=form.cleaned_data["secret"]
        )
    except GgzyError as exc:
        if exc.code == "tracking_not_found":
            ratelimit.track_failed(request)
        return common.public_error(request, exc.message, exc.http_status)
    return letter_response(letter, form.cleaned_data["format"])


def letter_response(letter: letters.Letter, fmt: str) -> HttpResponse:
    if fmt == "docx":
        body = letters.render_docx(letter)
        media = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        body = letters.render_pdf(letter)
        media = "application/pdf"
    response = HttpResponse(body, content_type=media)
    response["Content-Disposition"] = content_disposition_header(True, letters.filename(letter, fmt))
    response["Cache-Control"] = "private, no-store"
    return response
