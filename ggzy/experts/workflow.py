"""The allowed transitions of an expert draw and of one selected expert, as data. Pure: no Django.

A draw: ``draft`` (parameters and manual avoidances editable) → ``committed`` (pool snapshot,
avoidance list and secret hashed and published) → ``drawn`` (entropy in, committee and reserves
selected, notices out) → ``complete`` (every seat confirmed) → ``evaluating`` (evaluation started:
names visible to the tenderer) → ``revealed`` (evaluation over: secret published, anyone can
verify). ``failed`` when the committee cannot be completed (then a new draw is made);
``cancelled`` before the draw.
"""

from __future__ import annotations

from dataclasses import dataclass

DRAFT, COMMITTED, DRAWN, COMPLETE, EVALUATING, REVEALED, FAILED, CANCELLED = (
    "draft",
    "committed",
    "drawn",
    "complete",
    "evaluating",
    "revealed",
    "failed",
    "cancelled",
)
STATUS_LABELS = {
    DRAFT: "待提交",
    COMMITTED: "已公布承诺值",
    DRAWN: "已抽取，待专家确认",
    COMPLETE: "评标委员会已组成",
    EVALUATING: "评标中",
    REVEALED: "评标结束，已公开验证数据",
    FAILED: "抽取失败",
    CANCELLED: "已取消",
}

# One selected expert.
STANDBY, NOTIFIED, CONFIRMED, DECLINED, TIMED_OUT = (
    "standby",
    "notified",
    "confirmed",
    "declined",
    "timed_out",
)
SEAT_LABELS = {
    STANDBY: "备选（未启用）",
    NOTIFIED: "已通知，待确认",
    CONFIRMED: "已确认参加",
    DECLINED: "已拒绝",
    TIMED_OUT: "超时未确认",
}


class TransitionNotAllowed(Exception):
    pass


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    label: str
    refusal: str


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("edit", frozenset({DRAFT}), DRAFT, "修改抽取申请", "抽取申请提交后不能再修改"),
        Transition(
            "commit", frozenset({DRAFT}), COMMITTED, "公布承诺值", "只有待提交的抽取申请可以公布承诺值"
        ),
        Transition(
            "entropy",
            frozenset({COMMITTED}),
            COMMITTED,
            "提交随机数",
            "只有已公布承诺值、尚未抽取时可以提交随机数",
        ),
        Transition(
            "execute", frozenset({COMMITTED}), DRAWN, "抽取", "只有已公布承诺值、尚未抽取的申请可以抽取"
        ),
        Transition("respond", frozenset({DRAWN}), DRAWN, "专家答复", "该抽取已不在等待专家确认的阶段"),
        Transition(
            "complete", frozenset({DRAWN}), COMPLETE, "组成评标委员会", "只有待确认的抽取可以组成评标委员会"
        ),
        Transition("fail", frozenset({COMMITTED, DRAWN}), FAILED, "抽取失败", "该抽取不能再记为失败"),
        Transition(
            "cancel",
            frozenset({DRAFT, COMMITTED}),
            CANCELLED,
            "取消",
            "抽取后不能取消，只能记为失败后重新抽取",
        ),
        Transition(
            "start_evaluation",
            frozenset({COMPLETE}),
            EVALUATING,
            "评标开始",
            "评标委员会尚未组成，不能开始评标",
        ),
        Transition(
            "reveal",
            frozenset({EVALUATING}),
            REVEALED,
            "评标结束并公开验证数据",
            "评标尚未开始，不能公开验证数据",
        ),
    ]
}


def ensure_allowed(name: str, status: str) -> None:
    t = TRANSITIONS[name]
    if status not in t.sources:
        raise TransitionNotAllowed(f"{t.refusal}（当前状态：{STATUS_LABELS.get(status, status)}）")


def target(name: str, status: str) -> str:
    ensure_allowed(name, status)
    return TRANSITIONS[name].target
