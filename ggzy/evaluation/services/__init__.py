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
from ggzy.evaluation.services.clarification import (
    abnormal_price_accept,
    abnormal_price_lapse,
    abnormal_price_reject,
    clarification_answer,
    clarification_send,
    clarification_withdraw,
)
from ggzy.evaluation.services.clarify_notice import clarification_notify, clarification_reminders_due
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
from ggzy.evaluation.services.notification import notification_read, notification_verify
from ggzy.evaluation.services.objective import objective_scores_record
from ggzy.evaluation.services.result import report_sign, result_compute
from ggzy.evaluation.services.termination import failure_decide, termination_notice_create

__all__ = [
    "abnormal_price_accept",
    "abnormal_price_lapse",
    "abnormal_price_reject",
    "award_confirm",
    "award_letter_verify",
    "award_notice_create",
    "bid_review",
    "chair_vote",
    "clarification_answer",
    "clarification_notify",
    "clarification_reminders_due",
    "clarification_send",
    "clarification_withdraw",
    "deviation_justify",
    "evaluation_start",
    "failure_decide",
    "flags_for",
    "member_declare",
    "notification_read",
    "notification_verify",
    "objection_answer",
    "objection_file",
    "objective_scores_record",
    "publicity_start",
    "report_sign",
    "result_compute",
    "review_finish",
    "score_set",
    "scores_sign",
    "termination_notice_create",
    "winner_decline",
]
