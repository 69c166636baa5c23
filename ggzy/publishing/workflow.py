"""The release pipeline's allowed transitions, as data. Pure: no Django.

Services look up the transition here before they change anything; nothing else may change a
release's status (there is no ``.update(status=…)`` anywhere).
"""

from __future__ import annotations

from dataclasses import dataclass

DRAFT, IN_REVIEW, RETURNED, SCHEDULED, PUBLISHED, CORRECTED, WITHDRAWN = (
    "draft",
    "in_review",
    "returned",
    "scheduled",
    "published",
    "corrected",
    "withdrawn",
)


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    label: str


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("submit", frozenset({DRAFT, RETURNED}), "提交审核"),
        Transition("approve", frozenset({IN_REVIEW}), "审核通过"),
        Transition("return", frozenset({IN_REVIEW}), "退回修改"),
        Transition("publish_scheduled", frozenset({SCHEDULED}), "定时发布"),
        Transition("withdraw", frozenset({PUBLISHED, SCHEDULED}), "撤回"),
        Transition("supersede", frozenset({PUBLISHED}), "被更正版本取代"),
        Transition("start_correction", frozenset({PUBLISHED}), "发起更正"),
        Transition("edit", frozenset({DRAFT, RETURNED}), "修改草稿"),
        Transition("discard", frozenset({DRAFT, RETURNED}), "删除草稿"),
        # An agency's signed notice where the center chose "publish at once + patrol".
        Transition("publish_signed", frozenset({DRAFT, RETURNED}), "签名发布"),
    ]
}

STATUS_LABELS = {
    DRAFT: "草稿",
    IN_REVIEW: "审核中",
    RETURNED: "已退回",
    SCHEDULED: "待定时发布",
    PUBLISHED: "已发布",
    CORRECTED: "已更正",
    WITHDRAWN: "已撤回",
}


class TransitionNotAllowed(Exception):
    def __init__(self, transition: str, status: str) -> None:
        self.transition = transition
        self.status = status
        label = TRANSITIONS[transition].label if transition in TRANSITIONS else transition
        super().__init__(f"当前状态为“{STATUS_LABELS.get(status, status)}”，不能{label}")


def ensure_allowed(transition: str, status: str) -> None:
    if status not in TRANSITIONS[transition].sources:
        raise TransitionNotAllowed(transition, status)


def after_approval(*, position: int, last_position: int, publish_later: bool) -> tuple[str, int | None]:
    """Status and next review position after the step at ``position`` approves."""
    if position < last_position:
        return IN_REVIEW, position + 1
    return (SCHEDULED if publish_later else PUBLISHED), None
