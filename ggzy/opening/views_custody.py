"""The two terminal pages around the hall: backup decryption (备用解密) by the custodians present
at one terminal, and the video witness (录像) list with its attach form. Thin: the writes are
``services.backup_decrypt`` and ``services.recording_attach``; this module only authenticates the
custodians and checks the upload limits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ggzy.accounts.models import User
from ggzy.audit.models import Event
from ggzy.core.errors import GgzyError, NotFound, PermissionDenied, StorageFull, ValidationFailed
from ggzy.opening import selectors, services, workflow
from ggzy.opening import views as hall_views
from ggzy.opening.models import Recording
from ggzy.trading.models import Section

MAX_SHARE_TEXT = 4000
# A recording upload must look like a video; the recorder's container formats the center uses.
VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".webm", ".mkv", ".ts", ".flv", ".avi")


def _host(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("请先登录")
    if not services.is_host(user):
        raise PermissionDenied("只有交易中心工作人员可以在开标终端操作")
    return user


def _error(request: HttpRequest, exc: GgzyError) -> HttpResponse:
    return render(request, "opening/error.html", {"message": exc.message}, status=exc.http_status)


# ---------------------------------------------------------------- backup decryption


def backup_k(section: Section) -> int:
    """How many shares the form asks for: the escrow key's threshold, else the section's."""
    escrow = getattr(section, "escrow_key", None)
    if escrow is not None:
        return int(escrow.threshold_k)
    return int(section.backup_k or 0)


def is_custodian(user: User, section: Section) -> bool:
    """Custodians (保管人) are supervisors or center staff; when the ceremony recorded the
    custodians' usernames on the escrow key, only those."""
    if not user.is_active or not (user.is_center_staff or user.has_role("supervisor")):
        return False
    escrow = getattr(section, "escrow_key", None)
    names = list(escrow.custodians) if escrow is not None else []
    return not names or user.username in names


def _custodian_shares(post: Any, section: Section, host: User) -> list[tuple[User, str]]:
    """Each filled row: username + password of the custodian (checked here: the host cannot
    hand in shares for absent custodians) and the share text."""
    out: list[tuple[User, str]] = []
    rows = min(len(post.getlist("username")), 20)
    usernames = post.getlist("username")[:rows]
    passwords = post.getlist("password")[:rows]
    texts = post.getlist("share")[:rows]
    for i, username in enumerate(usernames):
        username = (username or "").strip()[:150]
        password = passwords[i] if i < len(passwords) else ""
        text = (texts[i] if i < len(texts) else "").strip()
        if not username and not text:
            continue
        n = i + 1
        if not username or not password:
            raise ValidationFailed(f"第 {n} 位保管人：请填写账号和密码")
        if not text:
            raise ValidationFailed(f"第 {n} 位保管人：请粘贴或载入密钥份额")
        if len(text) > MAX_SHARE_TEXT:
            raise ValidationFailed(f"第 {n} 位保管人：密钥份额无法识别")
        user = authenticate(None, username=username, password=password[:256])
        if not isinstance(user, User):
            raise ValidationFailed(f"第 {n} 位保管人：账号或密码不正确")
        if user.pk == host.pk:
            raise ValidationFailed("主持人不能同时作为保管人提交份额")
        if not is_custodian(user, section):
            raise ValidationFailed(f"第 {n} 位保管人：{username} 不是本标段的密钥份额保管人")
        out.append((user, text))
    return out


@require_http_methods(["GET", "POST"])
def backup(request: HttpRequest, code: str) -> HttpResponseBase:
    """备用解密 at the hall terminal: the host is logged in; each custodian present types its
    account and password and pastes (or loads) its share; all shares go in one call."""
    try:
        host = _host(request)
        section = selectors.section_by_code(code)
    except PermissionDenied as exc:
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next=/opening/{code}/backup/")
        return _error(request, exc)
    except GgzyError as exc:
        return _error(request, exc)
    session = selectors.session_peek(section)
    unopened = services.unopened_bids(session) if session.pk is not None else []
    available = (
        section.allows_backup_decryption and session.state == workflow.BACKUP_DECRYPTING and bool(unopened)
    )
    k = backup_k(section)
    ctx: dict[str, Any] = {
        "section": section,
        "session": session,
        "unopened": unopened,
        "available": available,
        "rows": range(1, max(k, 1) + 1),
        "k": k,
        "nav_section": "trading",
    }
    if request.method == "POST":
        try:
            if not available:
                raise ValidationFailed("当前不能进行备用解密（标段不允许，或没有解密失败的投标文件）")
            shares = _custodian_shares(request.POST, section, host)
            opened = services.backup_decrypt(
                actor=host, session=session, shares=shares, clock=hall_views.clock
            )
        except StorageFull as exc:
            # raised by backup_decrypt after it recorded the shares and what it did open (the
            # message says how many): the page must not claim that nothing was recorded
            ctx["error"] = exc.message
            ctx["error_stopped"] = True
            ctx["unopened"] = services.unopened_bids(session)
            return render(request, "opening/backup.html", ctx, status=exc.http_status)
        except GgzyError as exc:
            ctx["error"] = exc.message
            return render(request, "opening/backup.html", ctx, status=exc.http_status)
        ctx["opened"] = [o.bid for o in opened]
        ctx["unopened"] = services.unopened_bids(session)
        ctx["available"] = bool(ctx["unopened"])
        ctx["done"] = True
    return render(request, "opening/backup.html", ctx)


# ---------------------------------------------------------------- recordings


def _upload_max() -> int:
    return int(getattr(settings, "GGZY_RECORDING_MAX_BYTES", getattr(settings, "GGZY_UPLOAD_MAX_BYTES", 0)))


def _attach(request: HttpRequest, host: User, section: Section) -> Recording:
    post = request.POST
    room = post.get("room", "")
    title = post.get("title", "")
    upload = request.FILES.get("file")
    if upload is not None:
        name = (upload.name or "").lower()
        ctype = (upload.content_type or "").lower()
        if not name.endswith(VIDEO_EXTENSIONS) or not (
            ctype.startswith("video/") or ctype in ("application/octet-stream", "video/mp2t")
        ):
            raise ValidationFailed("录像文件格式不支持（请上传 MP4、MOV、WebM、MKV 等视频文件）")
        limit = _upload_max()
        if limit and upload.size is not None and upload.size > limit:
            raise ValidationFailed(f"录像文件超过大小上限（{limit // (1024 * 1024)} MB）")
        return services.recording_attach(
            actor=host, section=section, room=room, title=title, content=upload, clock=hall_views.clock
        )
    return services.recording_attach(
        actor=host,
        section=section,
        room=room,
        title=title,
        stream_url=post.get("stream_url", "")[:2000],
        sha256=post.get("sha256", "")[:200],
        clock=hall_views.clock,
    )


def recording_rows(section: Section) -> list[dict[str, Any]]:
    """The section's recordings with the audit event that holds each hash."""
    rows = list(Recording.objects.filter(section=section).select_related("file").order_by("added_at", "pk"))
    seqs = dict(
        Event.objects.filter(
            action="opening.recording_attach",
            target_type=Recording._meta.label_lower,
            target_id__in=[str(r.pk) for r in rows],
        ).values_list("target_id", "seq")
    )
    return [{"r": r, "seq": seqs.get(str(r.pk))} for r in rows]


@require_http_methods(["GET", "POST"])
def recordings(request: HttpRequest, code: str) -> HttpResponseBase:
    """录像 of a section (opening or evaluation room): anyone reads the list and the hashes;
    center staff attach."""
    try:
        section = selectors.section_by_code(code)
    except NotFound as exc:
        return _error(request, exc)
    user = request.user
    ctx: dict[str, Any] = {
        "section": section,
        "can_attach": isinstance(user, User) and services.is_host(user),
        "rooms": Recording.ROOMS,
        "room": request.GET.get("room") if request.GET.get("room") in dict(Recording.ROOMS) else "opening",
        "max_mb": _upload_max() // (1024 * 1024),
        "nav_section": "trading",
    }
    status = 200
    if request.method == "POST":
        try:
            host = _host(request)
            row = _attach(request, host, section)
            ctx["added"] = row
            ctx["room"] = row.room
        except GgzyError as exc:
            ctx["error"] = exc.message
            ctx["room"] = (
                request.POST.get("room") if request.POST.get("room") in dict(Recording.ROOMS) else ctx["room"]
            )
            status = exc.http_status
    ctx["rows"] = recording_rows(section)
    return render(request, "opening/recordings.html", ctx, status=status)
