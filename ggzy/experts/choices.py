"""Vocabulary of the experts app. Statuses of draws and seats come from ``experts.workflow``."""

from django.db import models

from ggzy.experts import workflow


class ExpertStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    SUSPENDED = "suspended", "暂停"
    INACTIVE = "inactive", "已退出专家库"


class TitleLevel(models.TextChoices):
    SENIOR = "senior", "正高级"
    DEPUTY_SENIOR = "deputy_senior", "副高级"
    INTERMEDIATE = "intermediate", "中级"
    OTHER = "other", "其他"


class Channel(models.TextChoices):
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"
    VOICE = "voice", "语音电话"


class SpecialtyStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "未通过"
    WITHDRAWN = "withdrawn", "已撤销"


class DrawStatus(models.TextChoices):
    DRAFT = workflow.DRAFT, workflow.STATUS_LABELS[workflow.DRAFT]
    COMMITTED = workflow.COMMITTED, workflow.STATUS_LABELS[workflow.COMMITTED]
    DRAWN = workflow.DRAWN, workflow.STATUS_LABELS[workflow.DRAWN]
    COMPLETE = workflow.COMPLETE, workflow.STATUS_LABELS[workflow.COMPLETE]
    EVALUATING = workflow.EVALUATING, workflow.STATUS_LABELS[workflow.EVALUATING]
    REVEALED = workflow.REVEALED, workflow.STATUS_LABELS[workflow.REVEALED]
    FAILED = workflow.FAILED, workflow.STATUS_LABELS[workflow.FAILED]
    CANCELLED = workflow.CANCELLED, workflow.STATUS_LABELS[workflow.CANCELLED]


class SeatStatus(models.TextChoices):
    STANDBY = workflow.STANDBY, workflow.SEAT_LABELS[workflow.STANDBY]
    NOTIFIED = workflow.NOTIFIED, workflow.SEAT_LABELS[workflow.NOTIFIED]
    CONFIRMED = workflow.CONFIRMED, workflow.SEAT_LABELS[workflow.CONFIRMED]
    DECLINED = workflow.DECLINED, workflow.SEAT_LABELS[workflow.DECLINED]
    TIMED_OUT = workflow.TIMED_OUT, workflow.SEAT_LABELS[workflow.TIMED_OUT]


class EntropyRole(models.TextChoices):
    TENDERER = "tenderer", "招标人（采购人）"
    SUPERVISOR = "supervisor", "监督人员"
