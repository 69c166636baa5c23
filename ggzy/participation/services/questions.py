"""The Q&A mailbox (留言咨询): the public asks, staff answer (or close with a reason), the asker
reads the answer with a tracking code, and an answer the asker agreed to publish goes public as
an article in the "qa" category through the normal review chain."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils.html import escape, linebreaks

from ggzy.accounts.models import User
from ggzy.core.clock import Clock, local_date, system_clock
from ggzy.core.errors import InvalidTransition, ValidationFailed
from ggzy.participation import pii
from ggzy.participation.choices import QA_CATEGORY
from ggzy.participation.models import Question
from ggzy.participation.services import _common as c
from ggzy.publishing import services as publishing
from ggzy.publishing.models import Article

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone
CODE_GROUPS, GROUP_LENGTH = 3, 4  # 12 characters, 60 bits: not guessable under the rate limit


@dataclass(frozen=True)
class Asked:
    """The new question and the asker's tracking code — shown once, only its digest is kept."""

    question: Question
    tracking_code: str


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def tracking_digest(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii", "ignore")).hexdigest()


def _new_code() -> str:
    groups = ["".join(secrets.choice(CODE_ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(CODE_GROUPS)]
    return "-".join(groups)


def _new_number(year: int) -> str:
    while True:
        number = f"LY{year}-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if not Question.objects.filter(number=number).exists():
            return number


@transaction.atomic
def question_submit(
    *,
    asker_name: object,
    subject: object,
    text: object,
    contact: object = "",
    publish_consent: bool = False,
    clock: Clock = system_clock,
) -> Asked:
    """A member of the public leaves a question."""
    name = c.text(asker_name, "asker_name")
    title = c.text(subject, "subject")
    body = c.text(text, "question")
    reach = c.contact(contact)
    now = clock.now()
    code = _new_code()
    question = Question.objects.create(
        number=_new_number(local_date(now).year),
        tracking_digest=tracking_digest(code),
        asker_name=name,
        contact_encrypted=pii.encrypt("question", reach),
        contact_masked=pii.mask(reach),
        subject=title,
        text=body,
        publish_consent=bool(publish_consent),
        submitted_at=now,
    )
    # Neither name, contact nor text in the log.
    c.audit(
        question,
        actor=None,
        action="participation.question_submit",
        clock=clock,
        number=question.number,
        chars=len(body),
        has_contact=bool(reach),
        publish_consent=question.publish_consent,
    )
    return Asked(question=question, tracking_code=code)


def _lock(question: Question) -> Question:
    return Question.objects.select_for_update().get(pk=question.pk)


@transaction.atomic
def question_answer(
    *, actor: User, question: Question, answer: object, clock: Clock = system_clock
) -> Question:
    """Answer (or, before publication started, correct the answer). The asker sees it at once
    with the tracking code."""
    c.require_moderator(actor)
    question = _lock(question)
    after = c.transition_question("answer", question.status)
    if question.article_id is not None:
        raise InvalidTransition(
            "该答复已进入公开发布流程，不能再修改；如需更正，请在发布后对公开信息发起更正"
        )
    text = c.text(answer, "answer")
    before = question.status
    question.status = after
    question.answer = text
    question.answered_by = actor
    question.answered_at = clock.now()
    question.save(update_fields=["status", "answer", "answered_by", "answered_at"])
    c.audit(
        question,
        actor=actor,
        action="participation.question_answer",
        clock=clock,
        before=before,
        after=after,
        chars=len(text),
    )
    return question


@transaction.atomic
def question_close(
    *, actor: User, question: Question, reason: object, clock: Clock = system_clock
) -> Question:
    """Close without an answer (e.g. advertising, abuse, not the center's business); the asker
    sees the reason with the tracking code."""
    c.require_moderator(actor)
    question = _lock(question)
    after = c.transition_question("close", question.status)
    why = c.text(reason, "reason")
    before = question.status
    question.status = after
    question.close_reason = why
    question.answered_by = actor
    question.answered_at = clock.now()
    question.save(update_fields=["status", "close_reason", "answered_by", "answered_at"])
    c.audit(
        question,
        actor=actor,
        action="participation.question_close",
        clock=clock,
        before=before,
        after=after,
        reason=why,
    )
    return question


def qa_body_html(*, question_text: str, answer: str) -> str:
    """The published article body: the (cleaned) question and the answer, as escaped paragraphs."""
    return (
        '<h2>留言</h2>\n<div class="qa-question">'
        + linebreaks(escape(question_text))
        + '</div>\n<h2>答复</h2>\n<div class="qa-answer">'
        + linebreaks(escape(answer))
        + "</div>"
    )


@transaction.atomic
def question_publish(
    *,
    actor: User,
    question: Question,
    title: object = "",
    public_question: object = "",
    clock: Clock = system_clock,
) -> Article:
    """Start publishing an answered question the asker agreed to publish: an editor drafts the
    "qa" article (title, the question as it may be shown — personal details removed — and the
    answer) and submits it to the review chain. It is public only after the last step approves.
    The asker's name and contact are never part of it."""
    c.require_drafter(actor)
    question = _lock(question)
    c.transition_question("publish", question.status)
    if not question.publish_consent:
        raise InvalidTransition("留言人未同意公开，该留言及答复不能公开发布", code="no_consent")
    if question.article_id is not None:
        raise InvalidTransition("该留言已进入公开发布流程")
    shown = c.text(public_question or question.text, "question")
    heading = c.text(title or f"关于“{question.subject}”的咨询", "title")
    for needle in (question.asker_name, pii.decrypt("question", question.contact_encrypted)):
        if needle and len(needle) >= 2 and (needle in shown or needle in heading):
            raise ValidationFailed(
                "公开内容中含有留言人的姓名或联系方式，请删除后再提交",
                code="contains_personal_data",
                fields={"public_question": "含有留言人个人信息"},
            )
    article = publishing.article_create(
        actor=actor,
        category=c.category(QA_CATEGORY),
        title=heading,
        body_html=qa_body_html(question_text=shown, answer=question.answer),
        summary=question.subject,
    )
    question.article = article
    question.public_question = shown
    question.save(update_fields=["article", "public_question"])
    article = publishing.release_submit(actor=actor, item=article, clock=clock)
    c.audit(
        question,
        actor=actor,
        action="participation.question_publish",
        clock=clock,
        article=article.pk,
        edited=shown != question.text,
    )
    return article
