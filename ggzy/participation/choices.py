"""Vocabulary of the participation app. Values are English names; labels the Chinese."""

from django.db import models

from ggzy.participation import workflow


class ModerationStatus(models.TextChoices):
    PENDING = workflow.PENDING, workflow.MODERATION_LABELS[workflow.PENDING]
    APPROVED = workflow.APPROVED, workflow.MODERATION_LABELS[workflow.APPROVED]
    REJECTED = workflow.REJECTED, workflow.MODERATION_LABELS[workflow.REJECTED]


class QuestionStatus(models.TextChoices):
    RECEIVED = workflow.RECEIVED, workflow.QUESTION_LABELS[workflow.RECEIVED]
    ANSWERED = workflow.ANSWERED, workflow.QUESTION_LABELS[workflow.ANSWERED]
    CLOSED = workflow.CLOSED, workflow.QUESTION_LABELS[workflow.CLOSED]


# The article categories (栏目) this app publishes into. "consultation" is one of the nine of
# the 2021 report (publishing.defaults); the other two are created by this app's migration 0002
# and by ``services.participation_categories_ensure``.
CONSULTATION_CATEGORY = "consultation"
QA_CATEGORY = "qa"
INTERPRETATION_CATEGORY = "interpretation"
CATEGORIES: list[tuple[str, str, int]] = [
    (QA_CATEGORY, "留言咨询", 95),
    (INTERPRETATION_CATEGORY, "政策解读", 96),
]
