"""Every write of the evaluation app. Import from here: ``from ggzy.evaluation import services``."""

from ggzy.evaluation.services.award import (
    award_confirm,
    award_letter_verify,
    award_notice_create,
    objection_answer,
    objection_file,
    publicity_start,
    winner_decline,
)
from ggzy.evaluation.services.committee import (
    bid_review,
    chair_vote,
    deviation_justify,
    evaluation_start,
    flags_for,
    member_declare,
    review_finish,
    score_set,
    scores_sign,
)
from ggzy.evaluation.services.result import report_sign, result_compute

__all__ = [
    "award_confirm",
    "award_letter_verify",
    "award_notice_create",
    "bid_review",
    "chair_vote",
    "deviation_justify",
    "evaluation_start",
    "flags_for",
    "member_declare",
    "objection_answer",
    "objection_file",
    "publicity_start",
    "report_sign",
    "result_compute",
    "review_finish",
    "score_set",
    "scores_sign",
    "winner_decline",
]
