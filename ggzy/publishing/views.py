"""The staff back office (/manage/): work queue, drafting, the item page and its release actions.

Views are thin: parse a form, call one service or selector, render. Services own every rule and
raise :class:`~ggzy.core.errors.GgzyError`; the message goes back on the page with the error's
HTTP status (400 bad input, 403 not allowed, 404 not visible, 409 wrong state), never a 500.
Which buttons a page shows mirrors the services' checks; the services still decide.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.core.errors import GgzyError, NotFound
from ggzy.publishing import selectors, services
from ggzy.publishing.choices import ContentType, Decision, ReleaseStatus
from ggzy.publishing.forms import ArticleForm, CommentForm, NoticeForm, ReleaseForm
from ggzy.publishing.models import Article, Notice, Release, ReviewRecord, ReviewStep

Item = Article | Notice
StaffView = Callable[Concatenate[HttpRequest, User, ...], HttpResponseBase]


# ---------------------------------------------------------------------------------------------
# Plumbing


def _error_page(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "publishing/error.html", {"message": message, "status": status}, status=status)


def staff_required(view: StaffView) -> Callable[..., HttpResponseBase]:
    """Logged in (else to the login page) and belonging to an organisation (else 403)."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        assert isinstance(user, User)
        if user.organisation_id is None:
            return _error_page(
                request, "后台仅供已登记机构的工作人员使用，请联系系统管理员为您的账号指定所属机构。", 403
            )
        return view(request, user, *args, **kwargs)

    return wrapper


def content_type_of(item: Release) -> str:
    return ContentType.ARTICLE if isinstance(item, Article) else ContentType.NOTICE


def _item_url(item: Release) -> str:
    return reverse("publishing:item", args=[content_type_of(item), item.pk])


def _edit_url(item: Release) -> str:
    name = "publishing:article_edit" if isinstance(item, Article) else "publishing:notice_edit"
    return reverse(name, args=[item.pk])


def _get_item(user: User, content_type: str, pk: int) -> Item:
    try:
        return selectors.release_get_for_staff(user=user, content_type=content_type, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _put_error_on_form(form: Any, exc: GgzyError, rename: dict[str, str] | None = None) -> None:
    """Show a service error next to the fields it names (unknown names go to the top)."""
    for field, text in exc.fields.items():
        name = (rename or {}).get(field, field)
        form.add_error(name if name in form.fields else None, text)


def _may_edit(user: User, item: Release) -> bool:
    return item.author_id == user.pk or (
        user.has_role(Role.EDITOR) and user.organisation_id == item.organisation_id
    )


# ---------------------------------------------------------------------------------------------
# 工作台


@require_http_methods(["GET"])
@staff_required
def workbench(request: HttpRequest, user: User) -> HttpResponse:
    step_names = {
        ctype: {s.position: s.get_code_display() for s in selectors.review_chain_steps(content_type=ctype)}
        for ctype in ContentType.values
    }
    queue = [
        {
            "item": e.item,
            "type_label": ContentType(e.content_type).label,
            "step_name": e.step_name,
            "url": _item_url(e.item),
        }
        for e in selectors.review_queue(user=user)
    ]
    drafts = []
    for item in selectors.my_drafts(user=user):
        ctype = content_type_of(item)
        drafts.append(
            {
                "item": item,
                "type_label": ContentType(ctype).label,
                "url": _item_url(item),
                "edit_url": _edit_url(item) if item.is_editable else "",
                "step_name": step_names[ctype].get(item.review_position or 0, ""),
                "return_comment": selectors.last_return_comment(item)
                if item.status == ReleaseStatus.RETURNED
                else "",
            }
        )
    return render(
        request,
        "publishing/workbench.html",
        {"queue": queue, "drafts": drafts, "is_editor": user.has_role(Role.EDITOR)},
    )


# ---------------------------------------------------------------------------------------------
# Drafting


@dataclass(frozen=True)
class DraftKind:
    content_type: str
    form_class: type[ArticleForm] | type[NoticeForm]
    heading_new: str
    create: Callable[..., Item]
    update: Callable[..., Item]
    not_editor: str


ARTICLE_DRAFT = DraftKind(
    ContentType.ARTICLE,
    ArticleForm,
    "起草政务信息",
    services.article_create,
    services.article_update,
    "只有交易中心的信息编辑可以起草政务信息",
)
NOTICE_DRAFT = DraftKind(
    ContentType.NOTICE,
    NoticeForm,
    "起草交易公告",
    services.notice_create,
    services.notice_update,
    "只有交易中心的信息编辑可以起草交易公告",
)


def _render_form(
    request: HttpRequest,
    kind: DraftKind,
    form: ReleaseForm,
    item: Item | None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "item": item,
        "content_type": kind.content_type,
        "heading": f"修改：{item.title}" if item else kind.heading_new,
        "error": error,
        "attachments": list(item.attachments.select_related("file")) if item else [],
        "published_notices": selectors.notice_list_public()[:50] if kind is NOTICE_DRAFT else [],
    }
    return render(request, "publishing/release_form.html", context, status=status)


def _draft(request: HttpRequest, user: User, kind: DraftKind, pk: int | None) -> HttpResponse:
    item = _get_item(user, kind.content_type, pk) if pk is not None else None
    if item is None and not user.has_role(Role.EDITOR):
        return _error_page(request, kind.not_editor, 403)
    if item is not None and not item.is_editable:
        return _error_page(request, f"当前状态为“{item.get_status_display()}”，不能修改", 409)
    if item is not None and not _may_edit(user, item):
        return _error_page(request, "只有起草人或本单位信息编辑可以修改", 403)
    if request.method != "POST":
        initial = kind.form_class.initial_for(item) if item is not None else {}  # type: ignore[arg-type]
        return _render_form(request, kind, kind.form_class(initial=initial), item)
    form = kind.form_class(request.POST, request.FILES)
    if not form.is_valid():
        return _render_form(request, kind, form, item, error="请按提示修改后再保存", status=400)
    try:
        if item is None:
            saved = kind.create(actor=user, **form.service_kwargs())
        else:
            target = {"article": item} if kind is ARTICLE_DRAFT else {"notice": item}
            saved = kind.update(actor=user, **target, **form.service_kwargs())
    except GgzyError as exc:
        _put_error_on_form(form, exc)
        return _render_form(request, kind, form, item, error=exc.message, status=exc.http_status)
    messages.success(request, "草稿已保存。确认无误后请点击“提交审核”。")
    return redirect(_item_url(saved))


@require_http_methods(["GET", "POST"])
@staff_required
def article_create(request: HttpRequest, user: User) -> HttpResponse:
    return _draft(request, user, ARTICLE_DRAFT, None)


@require_http_methods(["GET", "POST"])
@staff_required
def article_edit(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    return _draft(request, user, ARTICLE_DRAFT, pk)


@require_http_methods(["GET", "POST"])
@staff_required
def notice_create(request: HttpRequest, user: User) -> HttpResponse:
    return _draft(request, user, NOTICE_DRAFT, None)


@require_http_methods(["GET", "POST"])
@staff_required
def notice_edit(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    return _draft(request, user, NOTICE_DRAFT, pk)


# ---------------------------------------------------------------------------------------------
# The item page


@dataclass(frozen=True)
class StepState:
    step: ReviewStep
    state: str  # done | current | returned | pending
    label: str
    record: ReviewRecord | None


STATE_LABELS = {"done": "已通过", "current": "待审核", "returned": "已退回", "pending": "未开始"}


def _current_round(history: list[ReviewRecord]) -> list[ReviewRecord]:
    """The records since the last submission (an item may be returned and resubmitted)."""
    submits = [i for i, r in enumerate(history) if r.decision == Decision.SUBMIT]
    return history[submits[-1] :] if submits else []


def _progress(item: Release, steps: list[ReviewStep], history: list[ReviewRecord]) -> list[StepState]:
    current_round = _current_round(history)
    approved = {r.step_position: r for r in current_round if r.decision == Decision.APPROVE}
    returned = next((r for r in reversed(current_round) if r.decision == Decision.RETURN), None)
    rows = []
    for step in steps:
        record: ReviewRecord | None = approved.get(step.position)
        if record is not None:
            state = "done"
        elif item.status == ReleaseStatus.IN_REVIEW and item.review_position == step.position:
            state = "current"
        elif (
            item.status == ReleaseStatus.RETURNED
            and returned is not None
            and returned.step_position == step.position
        ):
            state, record = "returned", returned
        else:
            state = "pending"
        rows.append(StepState(step, state, STATE_LABELS[state], record))
    return rows


def _next_version(item: Release) -> Release | None:
    try:
        return item.next  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        return None


def _abilities(
    user: User, item: Release, steps: list[ReviewStep], history: list[ReviewRecord]
) -> dict[str, bool]:
    same_org = user.organisation_id == item.organisation_id
    step = next((s for s in steps if s.position == item.review_position), None)
    reviewed_this_round = any(
        r.decision == Decision.APPROVE and r.actor_id == user.pk for r in _current_round(history)
    )
    can_review = (
        item.status == ReleaseStatus.IN_REVIEW
        and step is not None
        and user.has_role(step.role)
        and item.author_id != user.pk
        and not reviewed_this_round
    )
    return {
        "edit": item.is_editable and _may_edit(user, item),
        "submit": item.is_editable and _may_edit(user, item),
        "review": can_review,
        "withdraw": item.status in (ReleaseStatus.PUBLISHED, ReleaseStatus.SCHEDULED)
        and user.has_role(Role.SIGNER, Role.SYSTEM_ADMIN)
        and same_org,
        "correct": item.status == ReleaseStatus.PUBLISHED
        and user.has_role(Role.EDITOR)
        and same_org
        and _next_version(item) is None,
    }


@dataclass(frozen=True)
class Action:
    """One release action on the item page: its form (if it takes text) and the service call."""

    name: str
    label: str  # the text box's label
    html_required: bool
    field: str  # the name the service uses for the text in ``GgzyError.fields``


ACTIONS = {
    "approve": Action("approve", "审核意见（可选）", html_required=False, field="comment"),
    "return": Action("return", "退回意见（必填，起草人可见）", html_required=True, field="comment"),
    "withdraw": Action("withdraw", "撤回原因（必填，将向公众公开）", html_required=True, field="reason"),
    "correct": Action(
        "correct", "更正说明（必填，将向公众公开）", html_required=True, field="correction_note"
    ),
}


def _action_form(action: Action, data: Any = None) -> CommentForm:
    return CommentForm(data, label=action.label, html_required=action.html_required, prefix=action.name)


def _render_item(
    request: HttpRequest,
    user: User,
    item: Item,
    *,
    failed: tuple[Action, CommentForm] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    ctype = content_type_of(item)
    history = list(selectors.review_history(item))
    steps = selectors.review_chain_steps(content_type=ctype)
    forms = {name: _action_form(action) for name, action in ACTIONS.items()}
    if failed is not None:
        forms[failed[0].name] = failed[1]
    current = next((s for s in steps if s.position == item.review_position), None)
    context = {
        "item": item,
        "content_type": ctype,
        "type_label": ContentType(ctype).label,
        "attachments": list(item.attachments.select_related("file")),
        "progress": _progress(item, steps, history),
        "history": history,
        "current_step": current,
        "can": _abilities(user, item, steps, history),
        "forms": forms,
        "error": error,
        "edit_url": _edit_url(item),
        "next_version": _next_version(item),
        "public_url": item.get_absolute_url() if item.is_public else "",
    }
    return render(request, "publishing/item_detail.html", context, status=status)


@require_http_methods(["GET"])
@staff_required
def item_detail(request: HttpRequest, user: User, content_type: str, pk: int) -> HttpResponse:
    return _render_item(request, user, _get_item(user, content_type, pk))


@require_http_methods(["GET"])
@staff_required
def attachment_download(
    request: HttpRequest, user: User, content_type: str, pk: int, attachment_pk: int
) -> HttpResponseBase:
    item = _get_item(user, content_type, pk)
    attachment = item.attachments.select_related("file").filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404("附件不存在")
    return FileResponse(
        default_storage.open(attachment.file.path, "rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.file.media_type,
    )


# ---------------------------------------------------------------------------------------------
# Release actions: each a POST to its own URL, each calling exactly one service.


def _act(
    request: HttpRequest,
    user: User,
    content_type: str,
    pk: int,
    action: Action | None,
    call: Callable[[Any, str], Item],
    done: Callable[[Item], str],
) -> HttpResponse:
    item = _get_item(user, content_type, pk)
    form = _action_form(action, request.POST) if action else None
    text = form.cleaned_text() if form is not None else ""
    if action is not None and form is not None and form.errors:
        return _render_item(request, user, item, failed=(action, form), error="请按提示修改", status=400)
    try:
        result = call(item, text)
    except GgzyError as exc:
        if form is not None and action is not None:
            _put_error_on_form(form, exc, rename={action.field: "text"})
        failed = (action, form) if action is not None and form is not None else None
        return _render_item(request, user, item, failed=failed, error=exc.message, status=exc.http_status)
    messages.success(request, done(result))
    return redirect(_edit_url(result) if action is ACTIONS["correct"] else _item_url(result))


@require_POST
@staff_required
def item_submit(request: HttpRequest, user: User, content_type: str, pk: int) -> HttpResponse:
    return _act(
        request,
        user,
        content_type,
        pk,
        None,
        lambda item, _text: services.release_submit(actor=user, item=item),
        lambda item: "已提交审核，等待审核人处理。",
    )


APPROVED_MESSAGES: dict[str, str] = {
    ReleaseStatus.PUBLISHED: "已签发，信息已发布。",
    ReleaseStatus.SCHEDULED: "已签发，将在定时发布时间自动发布。",
}


@require_POST
@staff_required
def item_approve(request: HttpRequest, user: User, content_type: str, pk: int) -> HttpResponse:
    return _act(
        request,
        user,
        content_type,
        pk,
        ACTIONS["approve"],
        lambda item, text: services.release_approve(actor=user, item=item, comment=text),
        lambda item: APPROVED_MESSAGES.get(item.status, "已通过，已转入下一审核环节。"),
    )


@require_POST
@staff_required
def item_return(request: HttpRequest, user: User, content_type: str, pk: int) -> HttpResponse:
    return _act(
        request,
        user,
        content_type,
        pk,
        ACTIONS["return"],
        lambda item, text: services.release_return(actor=user, item=item, comment=text),
        lambda item: "已退回起草人修改。",
    )


@require_POST
@staff_required
def item_withdraw(request: HttpRequest, user: User, content_type: str, pk: int) -> HttpResponse:
    return _act(
        request,
        user,
        content_type,
        pk,
        ACTIONS["withdraw"],
        lambda item, text: services.release_withdraw(actor=user, item=item, reason=text),
        lambda item: "已撤回，公开页面将显示撤回原因。",
    )


@require_POST
@staff_required
def item_correct(request: HttpRequest, user: User, content_type: str, pk: int) -> HttpResponse:
    return _act(
        request,
        user,
        content_type,
        pk,
        ACTIONS["correct"],
        lambda item, text: services.release_correction_start(actor=user, item=item, correction_note=text),
        lambda item: f"已创建更正版本（第{item.version}版），请修改后提交审核。",
    )


@require_POST
@staff_required
def item_discard(request: HttpRequest, user: User, content_type: str, pk: int) -> HttpResponse:
    item = _get_item(user, content_type, pk)
    try:
        services.release_discard(actor=user, item=item)
    except GgzyError as exc:
        return _render_item(request, user, item, error=exc.message, status=exc.http_status)
    messages.success(request, f"草稿“{item.title}”已删除。")
    return redirect("publishing:workbench")


@require_POST
@staff_required
def attachment_remove(
    request: HttpRequest, user: User, content_type: str, pk: int, attachment_pk: int
) -> HttpResponse:
    item = _get_item(user, content_type, pk)
    attachment = item.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        return _error_page(request, "附件不存在", 404)
    try:
        services.attachment_remove(actor=user, attachment=attachment)
    except GgzyError as exc:
        return _render_item(request, user, item, error=exc.message, status=exc.http_status)
    messages.success(request, f"已删除附件“{attachment.name}”。")
    return redirect(_item_url(item))
