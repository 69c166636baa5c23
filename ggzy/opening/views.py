"""The hall pages: the live page per section (participants and the read-only public), the preset
steps the host and the bidders post, the SSE feed and the record downloads. Thin: every write is
an ``opening.services`` call."""

from __future__ import annotations

import base64
import json
from typing import Any

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.handlers.asgi import ASGIRequest
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import GgzyError, NotFound, PermissionDenied, ValidationFailed
from ggzy.opening import feed, selectors, services
from ggzy.opening.models import Objection
from ggzy.trading import termination_rules

# Views read the time from here; tests replace it to move "now".
clock: Clock = system_clock


def _error(request: HttpRequest, exc: GgzyError) -> HttpResponse:
    return render(request, "opening/error.html", {"message": exc.message}, status=exc.http_status)


@require_GET
def hall(request: HttpRequest, code: str) -> HttpResponse:
    try:
        section = selectors.section_by_code(code)
    except NotFound as exc:
        return _error(request, exc)
    view = selectors.hall_view(user=request.user, section=section)
    config = {
        "eventsUrl": f"/opening/{section.code}/events/" + ("?public=1" if view.role == "public" else ""),
        "keyUrl": f"/opening/{section.code}/key/",
        "lastSeq": view.last_seq,
        "role": view.role,
        "header": view.my_bid.header if view.my_bid is not None else None,
        "bid": view.my_bid.pk if view.my_bid is not None else None,
    }
    is_editor = isinstance(request.user, User) and request.user.has_role(Role.EDITOR)
    return render(
        request,
        "opening/hall.html",
        {"v": view, "config": config, "nav_section": "trading", "is_editor": is_editor},
    )


STEPS = {
    "open": "opening_session_open",
    "check_in": "opening_check_in",
    "start": "opening_decryption_start",
    "too_few": "opening_too_few_record",
    "end_window": "opening_window_end",
    "fail": "decryption_failure_mark",
    "readout": "opening_readout_start",
    "confirm": "readout_confirm",
    "objections": "opening_objections_open",
    "object": "objection_raise",
    "answer": "objection_answer",
    "close": "opening_close",
    "publish": "opening_record_publish",
    "announce": "opening_announce",
    "termination_notice": "opening_termination_notice_create",
    "shortfall": "opening_decryption_shortfall_record",
}


def _run_step(step: str, user: User, section: Any, post: Any) -> str:
    session = services.session_for(section)
    c = clock
    if step == "open":
        services.opening_session_open(actor=user, section=section, clock=c)
        return "开标大厅已开启"
    if step == "check_in":
        services.opening_check_in(actor=user, session=session, clock=c)
        return "已签到"
    if step == "start":
        services.opening_decryption_start(actor=user, session=session, clock=c)
        return "已开始解密"
    if step == "too_few":
        services.opening_too_few_record(actor=user, session=session, note=post.get("note", ""), clock=c)
        return "已记录"
    if step == "end_window":
        services.opening_window_end(actor=user, session=session, clock=c)
        return "解密已结束"
    if step == "fail":
        bid = services.bid_get(_int(post.get("bid")))
        if bid.section_id != section.pk:
            raise NotFound("投标文件不存在")
        services.decryption_failure_mark(
            actor=user,
            bid=bid,
            bidder_fault=post.get("bidder_fault") == "1",
            cause=post.get("cause", ""),
            clock=c,
        )
        return "已登记解密失败"
    if step == "shortfall":
        services.opening_decryption_shortfall_record(actor=user, session=session, clock=c)
        return "已记录开标失败，标段流标（重新招标）"
    if step == "readout":
        services.opening_readout_start(actor=user, session=session, clock=c)
        return "开始唱标"
    if step == "confirm":
        bid = services.bid_get(_int(post.get("bid")))
        if bid.section_id != section.pk:
            raise NotFound("投标文件不存在")
        services.readout_confirm(actor=user, bid=bid, clock=c)
        return "已确认唱标结果"
    if step == "objections":
        services.opening_objections_open(actor=user, session=session, clock=c)
        return "已进入异议环节"
    if step == "object":
        services.objection_raise(actor=user, session=session, text=post.get("text", ""), clock=c)
        return "异议已提交"
    if step == "answer":
        objection = Objection.objects.filter(pk=_int(post.get("objection")), session=session).first()
        if objection is None:
            raise NotFound("异议不存在")
        services.objection_answer(actor=user, objection=objection, answer=post.get("answer", ""), clock=c)
        return "已答复"
    if step == "close":
        services.opening_close(actor=user, session=session, clock=c)
        return "开标结束，开标记录已生成"
    if step == "announce":
        services.opening_announce(actor=user, session=session, text=post.get("text", ""), clock=c)
        return "公告已发布"
    if step == "publish":
        services.opening_record_publish(actor=user, session=session, clock=c)
        return "开标记录已提交发布审核"
    if step == "termination_notice":
        services.opening_termination_notice_create(actor=user, session=session, clock=c)
        word = termination_rules.notice_word(session.section.project.domain, termination_rules.RETENDER)
        return f"{word}已起草，请在公告管理中提交审核"
    raise NotFound("没有这个步骤")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed("参数无效") from None


@require_POST
def act(request: HttpRequest, code: str, step: str) -> HttpResponseBase:
    """One preset step of the hall (PRG: the result is shown on the hall page)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return redirect(f"/accounts/login/?next=/opening/{code}/")
    try:
        section = selectors.section_by_code(code)
        if step not in STEPS:
            raise NotFound("没有这个步骤")
        messages.success(request, _run_step(step, user, section, request.POST))
    except GgzyError as exc:
        messages.error(request, exc.message)
    return redirect(f"/opening/{code}/")


@require_POST
def key_submit(request: HttpRequest, code: str) -> JsonResponse:
    """The bidder's browser posts the content key it unwrapped: ``{"bid": id, "content_key": hex}``."""
    user = request.user
    try:
        if not isinstance(user, User) or not user.is_authenticated:
            raise PermissionDenied("请先登录")
        section = selectors.section_by_code(code)
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise ValidationFailed("请求格式不正确") from None
        if not isinstance(body, dict):
            raise ValidationFailed("请求格式不正确")
        bid = services.bid_get(_int(body.get("bid")))
        if bid.section_id != section.pk:
            raise NotFound("投标文件不存在")
        key = services.parse_content_key(str(body.get("content_key", "")))
        opened = services.content_key_submit(actor=user, bid=bid, content_key=key, clock=clock)
    except GgzyError as exc:
        return JsonResponse({"error": exc.as_dict()}, status=exc.http_status)
    return JsonResponse(
        {"opened": {"bid": opened.bid_id, "file_sha256": opened.file_sha256, "summary": opened.summary}}
    )


@require_GET
def events(request: HttpRequest, code: str) -> HttpResponseBase:
    """Server-sent events of the hall; ``?public=1`` (or an outsider) gets the public part only."""
    try:
        section = selectors.section_by_code(code)
    except NotFound as exc:
        return JsonResponse({"error": exc.as_dict()}, status=404)
    session = selectors.session_peek(section)
    role, _ = selectors.hall_role(request.user, section)
    public = role == "public" or request.GET.get("public") == "1"
    after = feed.parse_last_event_id(request.headers.get("Last-Event-ID") or request.GET.get("after"))
    if session.pk is None:  # not opened yet: nothing to send; the client retries
        response: HttpResponseBase = HttpResponse(
            f"retry: {feed.RETRY_MS * 5}\n\n", content_type="text/event-stream"
        )
    elif isinstance(request, ASGIRequest):
        response = StreamingHttpResponse(
            feed.hub.stream(session.pk, after, public=public), content_type="text/event-stream"
        )
    else:  # WSGI: poll mode (see ggzy.opening.feed)
        text = f"retry: {feed.RETRY_MS}\n\n" + feed.frames(
            feed.events_after(session.pk, after), public=public
        )
        response = HttpResponse(text, content_type="text/event-stream")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"
    return response


@require_GET
def record_file(request: HttpRequest, code: str, ext: str) -> HttpResponseBase:
    try:
        section = selectors.section_by_code(code)
    except NotFound as exc:
        return _error(request, exc)
    session = selectors.session_peek(section)
    if ext == "sig":  # the platform's signature (DER) for openssl; algorithm: record_algorithm
        if session.record_pdf is None or not session.record_signature:
            return _error(request, NotFound("开标记录尚未生成"))
        response = HttpResponse(
            base64.b64decode(session.record_signature), content_type="application/octet-stream"
        )
        response["Content-Disposition"] = f'attachment; filename="record-{section.code}.sig"'
        return response
    stored = session.record_pdf if ext == "pdf" else session.record_docx
    if stored is None:
        return _error(request, NotFound("开标记录尚未生成"))
    return FileResponse(
        default_storage.open(stored.path, "rb"),
        as_attachment=True,
        filename=f"开标记录-{section.code}.{ext}",
        content_type=stored.media_type,
    )
