"""Vocabulary of the supervision app. Values are the glossary's English names; labels the Chinese."""

from django.db import models

from ggzy.supervision import workflow


class RoundStatus(models.TextChoices):
    OPEN = workflow.ROUND_OPEN, "待巡查"
    DONE = workflow.ROUND_DONE, "已完成"


class Verdict(models.TextChoices):
    OK = "ok", "无问题"
    PROBLEM = "problem", "有问题"


class OrderStatus(models.TextChoices):
    ISSUED = workflow.ISSUED, "待整改"
    ANSWERED = workflow.ANSWERED, "已回复"
    CLOSED = workflow.CLOSED, "已办结"


class SubjectKind(models.TextChoices):
    """Whose violation: the exposure board counts the two separately (report: 15 agencies, 11 experts)."""

    AGENCY = "agency", "代理机构"
    EXPERT = "expert", "评标专家"
