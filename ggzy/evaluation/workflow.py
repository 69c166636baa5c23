"""The allowed transitions of a section's evaluation, as data. Pure: no Django.

Services look the transition up here before they change anything; nothing else changes an
evaluation's status.
"""

from __future__ import annotations

from dataclasses import dataclass

from ggzy.core.errors import InvalidTransition

REVIEW, SCORING, RESULT, REPORTED, PUBLICITY, AWARDED, FAILED = (
    "review",
    "scoring",
    "result",
    "reported",
    "publicity",
    "awarded",
    "failed",
)

STATUS_LABELS = {
    REVIEW: "资格与符合性审查",
    SCORING: "专家评分",
    RESULT: "评标报告签署中",
    REPORTED: "评标报告已签署",
    PUBLICITY: "中标候选人公示",
    AWARDED: "已确定中标人",
    FAILED: "评标失败",
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
        Transition("declare", frozenset({REVIEW}), None, "签署无利害关系声明"),
        Transition("vote_chair", frozenset({REVIEW}), None, "推选评标委员会主任"),
        Transition("review_bid", frozenset({REVIEW}), None, "资格和符合性审查"),
        Transition("finish_review", frozenset({REVIEW}), SCORING, "结束审查"),
        # Clarifications and abnormal-price justifications (clarify_workflow has their own states).
        Transition("clarify", frozenset({REVIEW, SCORING}), None, "发出或处理澄清"),
        Transition("answer_clarification", frozenset({REVIEW, SCORING}), None, "答复澄清"),
        # 客观分: entered by the chair for the committee until the result is computed.
        Transition("record_objective", frozenset({REVIEW, SCORING}), None, "录入客观分"),
        Transition("score", frozenset({SCORING}), None, "评分"),
        Transition("justify", frozenset({SCORING}), None, "说明评分偏离理由"),
        Transition("sign_scores", frozenset({SCORING}), None, "签署评分"),
        Transition("compute_result", frozenset({SCORING}), RESULT, "汇总评标结果"),
        Transition("sign_report", frozenset({RESULT}), None, "签署评标报告"),
        Transition("complete_report", frozenset({RESULT}), REPORTED, "完成评标报告"),
        Transition("start_publicity", frozenset({REPORTED}), PUBLICITY, "发布中标候选人公示"),
        Transition("file_objection", frozenset({PUBLICITY}), None, "提出异议"),
        Transition("answer_objection", frozenset({PUBLICITY}), None, "答复异议"),
        Transition("confirm_award", frozenset({PUBLICITY}), AWARDED, "确定中标人"),
        Transition("fail", frozenset({REVIEW, SCORING, RESULT}), FAILED, "认定评标失败"),
        Transition("winner_declines", frozenset({AWARDED}), None, "登记中标人放弃中标"),
        Transition("candidates_exhausted", frozenset({AWARDED}), FAILED, "认定中标候选人均不能中标"),
    ]
}


def ensure_allowed(transition: str, status: str) -> None:
    if status not in TRANSITIONS[transition].sources:
        label = TRANSITIONS[transition].label
        raise InvalidTransition(f"当前状态为“{STATUS_LABELS.get(status, status)}”，不能{label}。")


def target(transition: str, status: str) -> str:
    t = TRANSITIONS[transition]
    return t.target if t.target is not None else status
