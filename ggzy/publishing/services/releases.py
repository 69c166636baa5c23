"""The release pipeline: submit → review steps → published (or scheduled) → corrected / withdrawn.

One service per transition. Each locks the row, asks ``workflow`` whether the transition is
allowed, checks the actor's role, saves with ``update_fields`` and writes its audit event in the
same transaction. The search index follows publication, correction and withdrawal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Model

from ggzy.accounts.choices import OrganisationKind, Role
from ggzy.accounts.models import User
from ggzy.audit.services import audit_record
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.publishing import workflow
from ggzy.publishing.choices import ContentType, Decision, ReleaseStatus
from ggzy.publishing.models import Article, Attachment, Notice, Release, ReviewChain, ReviewRecord, ReviewStep
from ggzy.publishing.selectors import notice_signed_as_stored
from ggzy.publishing.services import indexing


def content_type_of(item: Release) -> str:
    return ContentType.ARTICLE if isinstance(item, Article) else ContentType.NOTICE


def chain_steps(content_type: str) -> list[ReviewStep]:
    chain = ReviewChain.objects.filter(content_type=content_type).first()
    steps = list(chain.steps.order_by("position")) if chain else []
    if not steps:
        raise ValidationFailed("该类内容尚未配置审核流程，请联系系统管理员", code="no_review_chain")
    return steps


def _lock[R: (Article, Notice)](item: R) -> R:
    return type(item).objects.select_for_update().get(pk=item.pk)


def _transition(item: Release, name: str) -> None:
    try:
        workflow.ensure_allowed(name, item.status)
    except workflow.TransitionNotAllowed as exc:
        raise InvalidTransition(str(exc)) from None


def _record(
    item: Release, *, actor: User, decision: str, step: ReviewStep | None, comment: str, at: dt.datetime
) -> None:
    ReviewRecord.objects.create(
        content_type=content_type_of(item),
        object_id=item.pk,
        step_position=step.position if step else None,
        step_code=step.code if step else "",
        decision=decision,
        comment=comment,
        actor=actor,
        at=at,
    )


def _audit(item: Model, *, actor: User, action: str, before: str, after: str, **data: object) -> None:
    audit_record(actor=actor, action=action, target=item, data={"before": before, "after": after, **data})


def _may_edit(actor: User, item: Release) -> bool:
    return item.author_id == actor.pk or (
        actor.has_role(Role.EDITOR) and actor.organisation_id == item.organisation_id
    )


@transaction.atomic
def release_submit[R: (Article, Notice)](*, actor: User, item: R, clock: Clock = system_clock) -> R:
    """The author sends a draft (or a returned item) into the first review step."""
    item = _lock(item)
    _transition(item, "submit")
    if not _may_edit(actor, item):
        raise PermissionDenied("只有起草人或本单位信息编辑可以提交审核")
    if not item.title.strip():
        raise ValidationFailed("标题不能为空", fields={"title": "必填"})
    # An agency notice reaches review only through the signed submission (services.agency), which
    # stores the signature first: the center reviews exactly what the agency signed.
    agency_notice = isinstance(item, Notice) and item.organisation.kind == OrganisationKind.AGENCY
    if agency_notice and not notice_signed_as_stored(item):  # type: ignore[arg-type]
        raise PermissionDenied(
            "代理机构的交易公告须经合规检查并以数字证书签名后提交（请在“代理机构公告”中提交）"
        )
    steps = chain_steps(content_type_of(item))
    before = item.status
    item.status = ReleaseStatus.IN_REVIEW
    item.review_position = steps[0].position
    item.save(update_fields=["status", "review_position", "updated_at"])
    _record(item, actor=actor, decision=Decision.SUBMIT, step=None, comment="", at=clock.now())
    _audit(item, actor=actor, action=f"{content_type_of(item)}.submit", before=before, after=item.status)
    return item


def _current_step(item: Release) -> tuple[ReviewStep, list[ReviewStep]]:
    steps = chain_steps(content_type_of(item))
    for step in steps:
        if step.position == item.review_position:
            return step, steps
    raise InvalidTransition("审核环节配置已变化，请退回后重新提交")


def _check_reviewer(actor: User, item: Release, step: ReviewStep) -> None:
    if not actor.has_role(step.role):
        raise PermissionDenied(f"当前环节为“{step.get_code_display()}”，您没有该环节的审核权限")
    if item.author_id == actor.pk:
        raise PermissionDenied("不能审核自己起草的信息")
    # One person signs at most one step of the same submission round: four eyes means four people.
    last_submit = (
        ReviewRecord.objects.filter(
            content_type=content_type_of(item), object_id=item.pk, decision=Decision.SUBMIT
        )
        .order_by("-at", "-pk")
        .first()
    )
    approved_already = ReviewRecord.objects.filter(
        content_type=content_type_of(item),
        object_id=item.pk,
        decision=Decision.APPROVE,
        actor=actor,
        pk__gt=last_submit.pk if last_submit else 0,
    ).exists()
    if approved_already:
        raise PermissionDenied("您已审核过本轮的其他环节，同一人不能审核同一信息的多个环节")


@transaction.atomic
def release_approve[R: (Article, Notice)](
    *, actor: User, item: R, comment: str = "", clock: Clock = system_clock
) -> R:
    """The current step's reviewer approves; the last step (签发) publishes or schedules."""
    item = _lock(item)
    _transition(item, "approve")
    step, steps = _current_step(item)
    _check_reviewer(actor, item, step)
    now = clock.now()
    later = item.publish_at is not None and item.publish_at > now
    before = item.status
    status, next_position = workflow.after_approval(
        position=step.position, last_position=steps[-1].position, publish_later=later
    )
    _record(item, actor=actor, decision=Decision.APPROVE, step=step, comment=comment.strip(), at=now)
    item.review_position = next_position
    if status == workflow.PUBLISHED:
        _publish(item, actor=actor, now=now, before=before)
        return item
    item.status = status
    item.save(update_fields=["status", "review_position", "updated_at"])
    _audit(
        item,
        actor=actor,
        action=f"{content_type_of(item)}.approve",
        before=before,
        after=item.status,
        step=step.code,
        comment=comment.strip(),
    )
    return item


@transaction.atomic
def release_return[R: (Article, Notice)](
    *, actor: User, item: R, comment: str, clock: Clock = system_clock
) -> R:
    """The current step's reviewer sends the item back to its author, saying why."""
    item = _lock(item)
    _transition(item, "return")
    step, _ = _current_step(item)
    _check_reviewer(actor, item, step)
    if not comment.strip():
        raise ValidationFailed("退回时必须填写退回意见，让起草人知道要改什么", fields={"comment": "必填"})
    before = item.status
    item.status = ReleaseStatus.RETURNED
    item.review_position = None
    item.save(update_fields=["status", "review_position", "updated_at"])
    _record(item, actor=actor, decision=Decision.RETURN, step=step, comment=comment.strip(), at=clock.now())
    _audit(
        item,
        actor=actor,
        action=f"{content_type_of(item)}.return",
        before=before,
        after=item.status,
        step=step.code,
        comment=comment.strip(),
    )
    return item


def _publish(item: Release, *, actor: User | None, now: dt.datetime, before: str) -> None:
    item.status = ReleaseStatus.PUBLISHED
    item.published_at = now
    item.review_position = None
    item.save(update_fields=["status", "published_at", "review_position", "updated_at"])
    _audit_publish(item, actor=actor, before=before)
    previous = item.previous
    if previous is not None:
        model: Any = type(item)
        previous = model.objects.select_for_update().get(pk=previous.pk)
    # A version withdrawn while its correction was in review stays withdrawn (its tombstone
    # remains); only a published predecessor is superseded.
    if previous is not None and previous.status == ReleaseStatus.PUBLISHED:
        _transition(previous, "supersede")
        previous.status = ReleaseStatus.CORRECTED
        previous.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action=f"{content_type_of(item)}.supersede",
            target=previous,
            data={"before": ReleaseStatus.PUBLISHED, "after": ReleaseStatus.CORRECTED, "by": item.pk},
        )
        indexing.unindex(previous)
    indexing.index(item)


def _audit_publish(item: Release, *, actor: User | None, before: str) -> None:
    audit_record(
        actor=actor,
        action=f"{content_type_of(item)}.publish",
        target=item,
        data={"before": before, "after": item.status, "title": item.title, "version": item.version},
    )


def release_publish_due(*, clock: Clock = system_clock) -> int:
    """Publish every scheduled item whose time has come (run by the worker). Returns the count."""
    now = clock.now()
    published = 0
    for model in (Article, Notice):
        due = list(
            model.objects.filter(status=ReleaseStatus.SCHEDULED, publish_at__lte=now).values_list(
                "pk", flat=True
            )
        )
        for pk in due:
            with transaction.atomic():
                item = model.objects.select_for_update().get(pk=pk)
                if item.status != ReleaseStatus.SCHEDULED:
                    continue
                _transition(item, "publish_scheduled")
                _publish(item, actor=None, now=now, before=item.status)
                published += 1
    return published


@transaction.atomic
def release_withdraw[R: (Article, Notice)](
    *, actor: User, item: R, reason: str, clock: Clock = system_clock
) -> R:
    """Take a published (or scheduled) item down. The public page becomes a tombstone with the reason."""
    item = _lock(item)
    _transition(item, "withdraw")
    own = actor.organisation_id == item.organisation_id
    # The center answers for what appears on its site: its leaders may take an agency's notice
    # down (a public tombstone with the reason), which is the patrol's last resort.
    center_over_agency = actor.is_center_staff and item.organisation.kind == OrganisationKind.AGENCY
    if not (actor.has_role(Role.SIGNER, Role.SYSTEM_ADMIN) and (own or center_over_agency)):
        raise PermissionDenied(
            "只有本单位签发领导或系统管理员可以撤回已发布信息（代理机构公告可由中心签发领导下架）"
        )
    if not reason.strip():
        raise ValidationFailed("撤回必须说明原因，原因将向公众公开", fields={"reason": "必填"})
    before = item.status
    item.status = ReleaseStatus.WITHDRAWN
    item.withdrawn_at = clock.now()
    item.withdrawal_reason = reason.strip()
    item.save(update_fields=["status", "withdrawn_at", "withdrawal_reason", "updated_at"])
    _audit(
        item,
        actor=actor,
        action=f"{content_type_of(item)}.withdraw",
        before=before,
        after=item.status,
        reason=item.withdrawal_reason,
    )
    indexing.unindex(item)
    return item


@transaction.atomic
def release_correction_start[R: (Article, Notice)](*, actor: User, item: R, correction_note: str) -> R:
    """Start a correction of a published item: a new draft version that, once it passes review,
    replaces the published one; the public sees the correction note and the version history."""
    item = _lock(item)
    _transition(item, "start_correction")
    if not (actor.has_role(Role.EDITOR) and actor.organisation_id == item.organisation_id):
        raise PermissionDenied("只有本单位信息编辑可以发起更正")
    if not correction_note.strip():
        raise ValidationFailed("请填写更正说明（将向公众公开）", fields={"correction_note": "必填"})
    if type(item).objects.filter(previous=item).exists():
        raise InvalidTransition("该信息已有正在办理的更正版本")
    attachments = list(item.attachments.all())
    new = type(item).objects.get(pk=item.pk)
    new.pk = None
    new._state.adding = True
    new.status = ReleaseStatus.DRAFT
    new.review_position = None
    new.author = actor
    new.published_at = None
    new.publish_at = None
    new.version = item.version + 1
    new.lineage_id = item.lineage_id or item.pk
    new.previous = item
    new.correction_note = correction_note.strip()
    new.save()
    for attachment in attachments:
        attachment.pk = None
        if isinstance(new, Article):
            attachment.article = new
        else:
            attachment.notice = new
        attachment.save()
    audit_record(
        actor=actor,
        action=f"{content_type_of(item)}.correction_start",
        target=new,
        data={"corrects": item.pk, "version": new.version, "note": new.correction_note},
    )
    return new


@transaction.atomic
def release_discard(*, actor: User, item: Article | Notice) -> None:
    """Delete a draft (or returned item) that was never public, e.g. an abandoned correction.
    Its attachments' rows go with it; the content-addressed blobs stay (other rows may share them)."""
    model: Any = type(item)
    item = model.objects.select_for_update().get(pk=item.pk)
    _transition(item, "discard")
    if not _may_edit(actor, item):
        raise PermissionDenied("只有起草人或本单位信息编辑可以删除草稿")
    ctype = content_type_of(item)
    data = {"title": item.title, "version": item.version, "previous": item.previous_id}
    target = (f"publishing.{ctype}", str(item.pk))
    item.delete()
    audit_record(actor=actor, action=f"{ctype}.discard", target=target, data=data)


@transaction.atomic
def attachment_remove(*, actor: User, attachment: Attachment) -> None:
    """Remove an attachment from a draft or returned item (published files are immutable)."""
    attachment = (
        Attachment.objects.select_for_update(of=("self",))
        .select_related("article", "notice")
        .get(pk=attachment.pk)
    )
    owner: Release | None = attachment.article or attachment.notice
    assert owner is not None
    _transition(owner, "edit")
    if not _may_edit(actor, owner):
        raise PermissionDenied("只有起草人或本单位信息编辑可以删除附件")
    data = {"attachment": attachment.pk, "name": attachment.name, "sha256": attachment.file.sha256}
    attachment.delete()
    audit_record(actor=actor, action=f"{content_type_of(owner)}.attachment_remove", target=owner, data=data)
