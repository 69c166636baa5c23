"""The allowed transitions of a section (标段/包), as data. Pure: no Django.

draft → published (tender notice linked, tender file uploaded) → bidding_closed (at the bid
deadline, by the server clock) → … (opening, evaluation: later issues add their statuses here).
A section may be terminated (终止) before bidding closes. Services look the transition up here
before they change anything; nothing else changes a section's status.
"""

from __future__ import annotations

from dataclasses import dataclass

DRAFT, PUBLISHED, BIDDING_CLOSED, TERMINATED = "draft", "published", "bidding_closed", "terminated"

STATUS_LABELS = {
    DRAFT: "编制中",
    PUBLISHED: "已发布（投标中）",
    BIDDING_CLOSED: "投标已截止",
    TERMINATED: "已终止",
}


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str | None  # None: the status does not change
    label: str


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("edit", frozenset({DRAFT, PUBLISHED}), None, "修改标段信息"),
        Transition("set_times", frozenset({DRAFT}), None, "设置投标截止和开标时间"),
        Transition("change_deadline", frozenset({PUBLISHED}), None, "变更投标截止时间"),
        Transition("upload_tender_file", frozenset({DRAFT}), None, "上传招标文件"),
        Transition("publish_clarification", frozenset({PUBLISHED}), None, "发布澄清/修改文件"),
        Transition("link_tender_notice", frozenset({DRAFT}), None, "关联招标公告"),
        Transition("publish", frozenset({DRAFT}), PUBLISHED, "发布标段"),
        Transition("download", frozenset({PUBLISHED, BIDDING_CLOSED}), None, "下载招标文件"),
        Transition("close_bidding", frozenset({PUBLISHED}), BIDDING_CLOSED, "截止投标"),
        Transition("terminate", frozenset({DRAFT, PUBLISHED}), TERMINATED, "终止招标"),
    ]
}


class TransitionNotAllowed(Exception):
    def __init__(self, transition: str, status: str) -> None:
        self.transition = transition
        self.status = status
        label = TRANSITIONS[transition].label
        super().__init__(f"标段当前状态为“{STATUS_LABELS.get(status, status)}”，不能{label}")


def ensure_allowed(transition: str, status: str) -> None:
    if status not in TRANSITIONS[transition].sources:
        raise TransitionNotAllowed(transition, status)


def target(transition: str, status: str) -> str:
    t = TRANSITIONS[transition]
    return t.target if t.target is not None else status
