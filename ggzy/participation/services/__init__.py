"""Every write of the participation app. Import from here: ``from ggzy.participation import services``."""

from ggzy.participation.services._common import DRAFTER_ROLES, LIMITS, MODERATOR_ROLES
from ggzy.participation.services.consultations import (
    comment_moderate,
    comment_submit,
    consultation_create,
    consultation_open,
    consultation_period_set,
)
from ggzy.participation.services.interpretations import interpretation_create, interpretation_link
from ggzy.participation.services.questions import (
    Asked,
    normalise_code,
    question_answer,
    question_close,
    question_publish,
    question_submit,
    tracking_digest,
)
from ggzy.participation.services.setup import participation_categories_ensure, participation_contact_view

__all__ = [
    "DRAFTER_ROLES",
    "LIMITS",
    "MODERATOR_ROLES",
    "Asked",
    "comment_moderate",
    "comment_submit",
    "consultation_create",
    "consultation_open",
    "consultation_period_set",
    "interpretation_create",
    "interpretation_link",
    "normalise_code",
    "participation_categories_ensure",
    "participation_contact_view",
    "question_answer",
    "question_close",
    "question_publish",
    "question_submit",
    "tracking_digest",
]
