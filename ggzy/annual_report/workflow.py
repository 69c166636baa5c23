"""The allowed transitions of an annual report, as data. Pure: no Django.

draft ─submit→ submitted ─review→ reviewed ─sign_off→ signed ─publish→ published ─supersede→ corrected
  ↑ regenerate / return (from submitted, reviewed or signed: every approval is cleared)

Who may do what is here too (role values as plain strings, the same as ``accounts.choices.Role``):
a disclosure officer (or the head) drafts, edits and submits; the head of the disclosure office
(信息公开办公室负责人) reviews; the leader in charge of disclosure (分管领导, ``second_reviewer`` —
the format makes them 第一责任人) signs off; the officer or head then publishes the signed
snapshot. Services check both the status and the role here before they change anything.
"""

from __future__ import annotations

from dataclasses import dataclass

DRAFT, SUBMITTED, REVIEWED, SIGNED, PUBLISHED, CORRECTED = (
    "draft",
    "submitted",
    "reviewed",
    "signed",
    "published",
    "corrected",
)

STATUS_LABELS = {
    DRAFT: "草稿",
    SUBMITTED: "待审核",
    REVIEWED: "待签发",
    SIGNED: "已签发待公布",
    PUBLISHED: "已公布",
    CORRECTED: "已更正（有新版本）",
}

OFFICER, HEAD, LEADER = "disclosure_officer", "disclosure_head", "second_reviewer"
ROLE_LABELS = {OFFICER: "信息公开经办人", HEAD: "信息公开办公室负责人", LEADER: "分管领导"}


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    roles: tuple[str, ...]
    label: str


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("edit", frozenset({DRAFT}), DRAFT, (OFFICER, HEAD), "修改正文"),
        Transition(
            "regenerate", frozenset({DRAFT, SUBMITTED, REVIEWED, SIGNED}), DRAFT, (OFFICER, HEAD), "重新生成"
        ),
        Transition("submit", frozenset({DRAFT}), SUBMITTED, (OFFICER, HEAD), "提交审核"),
        Transition("review", frozenset({SUBMITTED}), REVIEWED, (HEAD,), "审核通过"),
        Transition("return", frozenset({SUBMITTED, REVIEWED, SIGNED}), DRAFT, (HEAD, LEADER), "退回修改"),
        Transition("sign_off", frozenset({REVIEWED}), SIGNED, (LEADER,), "签发"),
        Transition("publish", frozenset({SIGNED}), PUBLISHED, (OFFICER, HEAD), "公布"),
        Transition("supersede", frozenset({PUBLISHED}), CORRECTED, (OFFICER, HEAD), "被更正版本取代"),
    ]
}


class TransitionNotAllowed(Exception):
    def __init__(self, transition: str, status: str) -> None:
        self.transition, self.status = transition, status
        t = TRANSITIONS[transition]
        if status == PUBLISHED and transition == "publish":
            message = "该版本报告已经公布，不能重复公布；如需更正，请生成更正版本并重新签发"
        elif status in (PUBLISHED, CORRECTED):
            message = f"报告已公布，公布的版本不能{t.label}；如需更正，请生成更正版本"
        else:
            message = f"报告当前状态为“{STATUS_LABELS.get(status, status)}”，不能{t.label}"
        super().__init__(message)


def ensure_allowed(transition: str, status: str) -> None:
    if status not in TRANSITIONS[transition].sources:
        raise TransitionNotAllowed(transition, status)


def roles_for(transition: str) -> tuple[str, ...]:
    return TRANSITIONS[transition].roles


def available(status: str, roles: set[str]) -> list[Transition]:
    """The transitions a user holding ``roles`` may take from ``status`` (for the staff page)."""
    return [
        t
        for t in TRANSITIONS.values()
        if status in t.sources and roles.intersection(t.roles) and t.name != "supersede"
    ]
