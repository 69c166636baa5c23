"""Allowed transitions of patrol rounds and correction orders, as data. Pure: no Django.

Services look the transition up here before they change anything; nothing else changes a
status (there is no ``.update(status=…)`` anywhere).
"""

from __future__ import annotations

from dataclasses import dataclass

ROUND_OPEN, ROUND_DONE = "open", "done"
ISSUED, ANSWERED, CLOSED = "issued", "answered", "closed"

STATUS_LABELS = {
    ROUND_OPEN: "待巡查",
    ROUND_DONE: "已完成",
    ISSUED: "待整改",
    ANSWERED: "已回复",
    CLOSED: "已办结",
}


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    label: str


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("round_verdict", frozenset({ROUND_OPEN}), ROUND_OPEN, "记录巡查结论"),
        Transition("round_complete", frozenset({ROUND_OPEN}), ROUND_DONE, "完成巡查"),
        # A correction order: the agency answers; the center accepts (closes) or sends it back.
        Transition("order_answer", frozenset({ISSUED}), ANSWERED, "回复整改情况"),
        Transition("order_close", frozenset({ANSWERED}), CLOSED, "验收办结"),
        Transition("order_return", frozenset({ANSWERED}), ISSUED, "退回重新整改"),
    ]
}


class TransitionNotAllowed(Exception):
    def __init__(self, transition: str, status: str) -> None:
        self.transition = transition
        self.status = status
        label = TRANSITIONS[transition].label
        super().__init__(f"当前状态为“{STATUS_LABELS.get(status, status)}”，不能{label}")


def ensure_allowed(transition: str, status: str) -> str:
    """The target status; raises :class:`TransitionNotAllowed` when ``status`` does not allow it."""
    t = TRANSITIONS[transition]
    if status not in t.sources:
        raise TransitionNotAllowed(transition, status)
    return t.target


def is_overdue(*, status: str, deadline_passed: bool) -> bool:
    """An order is overdue while the agency still owes an answer after its deadline."""
    return status == ISSUED and deadline_passed
