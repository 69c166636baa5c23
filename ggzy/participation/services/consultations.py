"""Consultations (调查征集): open one on a consultation article, set its period, take public
comments while it is open, moderate them."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from ggzy.accounts.models import User
from ggzy.core.clock import SHANGHAI, Clock, system_clock
from ggzy.core.errors import InvalidTransition, NotFound, ValidationFailed
from ggzy.participation import pii
from ggzy.participation.choices import CONSULTATION_CATEGORY
from ggzy.participation.models import Comment, Consultation
from ggzy.participation.selectors import ConsultationState, consultation_state
from ggzy.participation.services import _common as c
from ggzy.publishing import services as publishing
from ggzy.publishing.choices import ReleaseStatus
from ggzy.publishing.models import Article

CLOSED_MESSAGES = {
    ConsultationState.NOT_PUBLISHED: "该征集尚未发布，暂不能提交意见",
    ConsultationState.NOT_STARTED: "征集尚未开始（开始时间：{opens}），请届时再提交意见",
    ConsultationState.CLOSED: "征集已于 {closes} 截止，不再接收意见。感谢您的关注",
    ConsultationState.WITHDRAWN: "该征集已撤回，不再接收意见",
}


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def consultation_create(
    *,
    actor: User,
    title: str,
    body_html: str,
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    summary: str = "",
    submit: bool = True,
    clock: Clock = system_clock,
) -> Consultation:
    """Draft the consultation text as an article in 调查征集, open it for the given period and
    (by default) send it into the review chain. It takes comments only once published."""
    c.require_drafter(actor)
    opens, closes = c.period(opens_at, closes_at, now=clock.now())
    article = publishing.article_create(
        actor=actor,
        category=c.category(CONSULTATION_CATEGORY),
        title=c.text(title, "title"),
        body_html=body_html,
        summary=summary,
    )
    consultation = _open(actor=actor, article=article, opens_at=opens, closes_at=closes, clock=clock)
    if submit:
        consultation.article = publishing.release_submit(actor=actor, item=article, clock=clock)
    return consultation


@transaction.atomic
def consultation_open(
    *,
    actor: User,
    article_id: object,
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    clock: Clock = system_clock,
) -> Consultation:
    """Open comments on an existing 调查征集 article (drafted in the ordinary back office)."""
    c.require_drafter(actor)
    pk = c.parse_id(article_id, "征集文件", "article")
    article = Article.objects.select_for_update().filter(pk=pk).select_related("category").first()
    if article is None or article.organisation_id != actor.organisation_id:
        raise ValidationFailed("征集文件不存在", code="not_found", fields={"article": "不存在"})
    if article.category.code != CONSULTATION_CATEGORY:
        raise ValidationFailed("只能对“调查征集”栏目的信息开放意见征集", fields={"article": "栏目不符"})
    if article.status in (ReleaseStatus.WITHDRAWN, ReleaseStatus.CORRECTED):
        raise InvalidTransition("该信息已撤回或已有更正版本，不能开放意见征集")
    if Consultation.objects.filter(article__lineage_id=article.lineage_id).exists():
        raise InvalidTransition("该征集文件已开放意见征集，请修改征集期")
    opens, closes = c.period(opens_at, closes_at, now=clock.now())
    return _open(actor=actor, article=article, opens_at=opens, closes_at=closes, clock=clock)


def _open(
    *, actor: User, article: Article, opens_at: dt.datetime, closes_at: dt.datetime, clock: Clock
) -> Consultation:
    now = clock.now()
    consultation = Consultation.objects.create(
        article=article,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    c.audit(
        consultation,
        actor=actor,
        action="participation.consultation_open",
        clock=clock,
        article=article.pk,
        opens_at=opens_at.isoformat(),
        closes_at=closes_at.isoformat(),
    )
    return consultation


@transaction.atomic
def consultation_period_set(
    *,
    actor: User,
    consultation: Consultation,
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    clock: Clock = system_clock,
) -> Consultation:
    """Change the period (e.g. extend it). The new end must still lie ahead."""
    c.require_drafter(actor)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    opens, closes = c.period(opens_at, closes_at, now=clock.now())
    before = {"opens_at": consultation.opens_at.isoformat(), "closes_at": consultation.closes_at.isoformat()}
    consultation.opens_at, consultation.closes_at = opens, closes
    consultation.updated_at = clock.now()
    consultation.save(update_fields=["opens_at", "closes_at", "updated_at"])
    c.audit(
        consultation,
        actor=actor,
        action="participation.consultation_period_set",
        clock=clock,
        before=before,
        after={"opens_at": opens.isoformat(), "closes_at": closes.isoformat()},
    )
    return consultation


@transaction.atomic
def comment_submit(
    *,
    consultation_id: object,
    text: object,
    display_name: object = "",
    contact: object = "",
    clock: Clock = system_clock,
) -> Comment:
    """A member of the public comments. Accepted only while the consultation is open (checked
    against ``clock``); the comment waits for moderation before anyone else sees it."""
    pk = c.parse_id(consultation_id, "征集", "consultation")
    consultation = Consultation.objects.filter(pk=pk).select_related("article").first()
    if consultation is None:
        raise NotFound("该征集不存在")
    now = clock.now()
    state = consultation_state(consultation, now=now)
    if state != ConsultationState.OPEN:
        raise InvalidTransition(
            CLOSED_MESSAGES[state].format(
                opens=_local(consultation.opens_at), closes=_local(consultation.closes_at)
            ),
            code="consultation_closed",
        )
    body = c.text(text, "comment")
    name = c.text(display_name, "display_name", required=False)
    reach = c.contact(contact)
    comment = Comment.objects.create(
        consultation=consultation,
        display_name=name,
        contact_encrypted=pii.encrypt("comment", reach),
        contact_masked=pii.mask(reach),
        text=body,
        submitted_at=now,
    )
    # No name, contact or text in the log: the event proves a comment arrived and when.
    c.audit(
        comment,
        actor=None,
        action="participation.comment_submit",
        clock=clock,
        consultation=consultation.pk,
        chars=len(body),
        has_contact=bool(reach),
    )
    return comment


@transaction.atomic
def comment_moderate(
    *, actor: User, comment: Comment, decision: str, reason: str = "", clock: Clock = system_clock
) -> Comment:
    """``decision`` is "approve", "reject" or "hide" (take an approved comment down again).
    Refusing or hiding needs a reason (kept for the record; not shown to the public)."""
    c.require_moderator(actor)
    if decision not in ("approve", "reject", "hide"):
        raise ValidationFailed("审核结论无效", fields={"decision": "无效"})
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    after = c.transition_comment(decision, comment.status)
    why = c.text(reason, "reason", required=decision != "approve")
    before = comment.status
    comment.status = after
    comment.moderation_reason = why
    comment.moderated_by = actor
    comment.moderated_at = clock.now()
    comment.save(update_fields=["status", "moderation_reason", "moderated_by", "moderated_at"])
    c.audit(
        comment,
        actor=actor,
        action=f"participation.comment_{decision}",
        clock=clock,
        before=before,
        after=after,
        reason=why,
    )
    return comment
