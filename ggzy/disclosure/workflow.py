"""The allowed transitions of a disclosure request, as data. Pure: no Django.

Services look the transition up here before they change anything; nothing else changes a
request's status (there is no ``.update(status=…)`` anywhere).
"""

from __future__ import annotations

from dataclasses import dataclass

SUBMITTED, PROCESSING, AWAITING_AMENDMENT, CONSULTING, AWAITING_FEE, CLOSED = (
    "submitted",
    "processing",
    "awaiting_amendment",
    "consulting",
    "awaiting_fee",
    "closed",
)
OPEN = frozenset({PROCESSING, AWAITING_AMENDMENT, CONSULTING, AWAITING_FEE})

STATUS_LABELS = {
    SUBMITTED: "待确认受理",
    PROCESSING: "办理中",
    AWAITING_AMENDMENT: "待补正",
    CONSULTING: "征求意见中",
    AWAITING_FEE: "待缴费",
    CLOSED: "已办结",
}


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str | None  # None: the status does not change
    label: str
    refusal: str = ""  # the legal reason shown when the status does not allow it


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("confirm_receipt", frozenset({SUBMITTED}), PROCESSING, "确认受理"),
        Transition(
            "request_amendment",
            frozenset({PROCESSING}),
            AWAITING_AMENDMENT,
            "发出补正通知",
            "补正通知只能在受理后、办理中发出",
        ),
        Transition("receive_amendment", frozenset({AWAITING_AMENDMENT}), PROCESSING, "登记补正材料"),
        Transition("start_consultation", frozenset({PROCESSING}), CONSULTING, "征求意见"),
        Transition("end_consultation", frozenset({CONSULTING}), PROCESSING, "结束征求意见"),
        Transition("extend", frozenset({PROCESSING, CONSULTING}), None, "延长答复期限"),
        Transition("set_later_deadline", frozenset({PROCESSING, CONSULTING}), None, "确定合理答复期限"),
        Transition("issue_fee_notice", frozenset({PROCESSING}), AWAITING_FEE, "发出收费通知"),
        Transition("record_payment", frozenset({AWAITING_FEE}), PROCESSING, "登记缴费"),
        Transition(
            "reply",
            frozenset({PROCESSING, CONSULTING, AWAITING_AMENDMENT, AWAITING_FEE}),
            CLOSED,
            "答复",
            "申请尚未登记受理（收到日期未确认），不能答复；请先确认受理",
        ),
        Transition("close_unanswered_amendment", frozenset({AWAITING_AMENDMENT}), CLOSED, "逾期未补正终止"),
        Transition("close_unpaid_fee", frozenset({AWAITING_FEE}), CLOSED, "逾期未缴费终止"),
    ]
}

# Which outcomes a staff reply may record in each open status. While the applicant owes a 补正
# or a fee, the only staff outcome is 三(六)3 (e.g. withdrawn); 三(六)1 and 三(六)2 are set by the
# sweep when the deadline passes.
REPLY_OUTCOMES_WHILE_WAITING = frozenset({"3.6.3"})
SWEEP_ONLY_OUTCOMES = frozenset({"3.6.1", "3.6.2"})


class TransitionNotAllowed(Exception):
    def __init__(self, transition: str, status: str) -> None:
        self.transition = transition
        self.status = status
        t = TRANSITIONS[transition]
        if status == CLOSED:
            message = f"该申请已办结，不能{t.label}"
        elif status == SUBMITTED and transition != "confirm_receipt":
            message = f"申请尚未登记受理（收到日期未确认），不能{t.label}"
        elif t.refusal and status != SUBMITTED:
            message = f"当前状态为“{STATUS_LABELS.get(status, status)}”，{t.refusal}"
        else:
            message = f"当前状态为“{STATUS_LABELS.get(status, status)}”，不能{t.label}"
        super().__init__(message)


def ensure_allowed(transition: str, status: str) -> None:
    if status not in TRANSITIONS[transition].sources:
        raise TransitionNotAllowed(transition, status)


def target(transition: str, status: str) -> str:
    t = TRANSITIONS[transition]
    return t.target if t.target is not None else status
