"""The allowed transitions of public comments and questions, as data. Pure: no Django.

Services look the transition up here before they change anything; nothing else changes a
comment's moderation status or a question's status.
"""

from __future__ import annotations

from dataclasses import dataclass

# Comments on a consultation (调查征集意见)
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
MODERATION_LABELS = {PENDING: "待审核", APPROVED: "已采纳展示", REJECTED: "不予展示"}

# Questions in the mailbox (留言咨询)
RECEIVED, ANSWERED, CLOSED = "received", "answered", "closed"
QUESTION_LABELS = {RECEIVED: "待答复", ANSWERED: "已答复", CLOSED: "不予答复"}


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    label: str


COMMENT_TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("approve", frozenset({PENDING}), APPROVED, "审核通过"),
        Transition("reject", frozenset({PENDING}), REJECTED, "不予展示"),
        # A moderator's slip can be put right: an approved comment can be hidden again, with a reason.
        Transition("hide", frozenset({APPROVED}), REJECTED, "撤下展示"),
    ]
}

QUESTION_TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        # Answering again (before publication starts) replaces the answer the asker sees.
        Transition("answer", frozenset({RECEIVED, ANSWERED}), ANSWERED, "答复"),
        Transition("close", frozenset({RECEIVED}), CLOSED, "不予答复"),
        Transition("publish", frozenset({ANSWERED}), ANSWERED, "公开答复"),
    ]
}


class TransitionNotAllowed(Exception):
    def __init__(self, transition: Transition, status: str, labels: dict[str, str]) -> None:
        self.transition = transition
        self.status = status
        super().__init__(f"当前状态为“{labels.get(status, status)}”，不能{transition.label}")


def ensure_comment(name: str, status: str) -> str:
    """The status after ``name``; raises when the comment's status does not allow it."""
    t = COMMENT_TRANSITIONS[name]
    if status not in t.sources:
        raise TransitionNotAllowed(t, status, MODERATION_LABELS)
    return t.target


def ensure_question(name: str, status: str) -> str:
    t = QUESTION_TRANSITIONS[name]
    if status not in t.sources:
        raise TransitionNotAllowed(t, status, QUESTION_LABELS)
    return t.target
