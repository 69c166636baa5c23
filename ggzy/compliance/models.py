"""The compliance gate's data: staff-tuned rules, the restricted-term list, the publication policy
per notice kind × domain, agency flags, and the record of each check shown at submission.

The checks themselves are pure functions in :mod:`ggzy.compliance.rules`; a rule row only names
one and carries what staff may tune (severity, on/off, message, legal basis, params).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from ggzy.compliance.defaults import TERM_CATEGORIES
from ggzy.compliance.rules import CHECK_LABELS, DOMAIN_LABELS, KIND_LABELS


class Severity(models.TextChoices):
    ERROR = "error", "错误（阻止提交）"
    WARNING = "warning", "警告（需确认）"


class PublicationMode(models.TextChoices):
    APPROVE_FIRST = "approve_first", "先审后发（进入中心审核队列）"
    PUBLISH_THEN_PATROL = "publish_then_patrol", "即时发布＋巡查"


class FlagSource(models.TextChoices):
    MANUAL = "manual", "工作人员标记"
    VIOLATION = "violation", "违法违规行为处理"
    PATROL = "patrol", "巡查发现"


CHECK_CHOICES = list(CHECK_LABELS.items())
KIND_CHOICES = list(KIND_LABELS.items())
DOMAIN_CHOICES = list(DOMAIN_LABELS.items())
CATEGORY_CHOICES = [(c, c) for c in TERM_CATEGORIES]


class ComplianceRule(models.Model):
    """One rule of the gate: which pure check runs, how serious a hit is, what the agency reads
    and on which legal basis. Staff tune severity, on/off, message, legal basis and params; the
    params are validated against the check's schema before they are stored."""

    code = models.SlugField("规则代码", max_length=60, unique=True)
    name = models.CharField("规则名称", max_length=100)
    check_name = models.CharField("检查函数", max_length=40, choices=CHECK_CHOICES)
    severity = models.CharField("严重程度", max_length=10, choices=Severity.choices, default=Severity.ERROR)
    enabled = models.BooleanField("启用", default=True)
    message = models.CharField("提示文字", max_length=300)
    legal_basis = models.CharField("法律依据", max_length=300, blank=True)
    params = models.JSONField("参数", default=dict, blank=True)
    position = models.PositiveIntegerField("顺序", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = "合规规则"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RestrictedTerm(models.Model):
    """A phrase that usually restricts or discriminates against bidders (local registration, a
    named brand, ownership). Found in a notice's title, body or attachment names it is reported
    with this row's severity and legal basis."""

    term = models.CharField("词语", max_length=50, unique=True)
    category = models.CharField("类别", max_length=20, choices=CATEGORY_CHOICES)
    severity = models.CharField("严重程度", max_length=10, choices=Severity.choices, default=Severity.WARNING)
    legal_basis = models.CharField("法律依据", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category", "term"]
        verbose_name = "限制性条款词语"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.term


class PublicationPolicy(models.Model):
    """How an agency's notice of one kind in one domain goes public: straight away (then patrol,
    today's situation and the default when no row exists) or after the center approves it."""

    kind = models.CharField("公告类型", max_length=20, choices=KIND_CHOICES)
    domain = models.CharField("交易领域", max_length=20, choices=DOMAIN_CHOICES)
    mode = models.CharField(
        "发布方式",
        max_length=24,
        choices=PublicationMode.choices,
        default=PublicationMode.PUBLISH_THEN_PATROL,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "发布方式设置"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["kind", "domain"], name="compliance_policy_kind_domain")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}/{self.get_domain_display()}: {self.get_mode_display()}"


class AgencyFlag(models.Model):
    """An agency marked for closer watch until a date (inclusive), e.g. after a violation
    decision on the exposure board. While active the ``agency_flagged`` rule reports on every
    notice it submits. Lifting keeps the row (history)."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="代理机构",
        on_delete=models.PROTECT,
        related_name="compliance_flags",
    )
    until = models.DateField("标记截止日期")
    reason = models.CharField("原因", max_length=300)
    source = models.CharField("来源", max_length=20, choices=FlagSource.choices, default=FlagSource.MANUAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="标记人", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField("标记时间")
    lifted_at = models.DateTimeField("解除时间", null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="解除人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "代理机构标记"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["organisation", "until"])]

    def __str__(self) -> str:
        return f"{self.organisation} 至 {self.until}"

    def is_active_on(self, day: dt.date) -> bool:
        return self.lifted_at is None and self.until >= day


class ComplianceCheck(models.Model):
    """The findings shown for one subject ("notice:<id>") at one moment — what the agency saw
    when it submitted, and what the patrol reads later. Append-only."""

    subject = models.CharField("检查对象", max_length=60)
    checked_at = models.DateTimeField("检查时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT, null=True, related_name="+"
    )
    findings = models.JSONField("检查结果", default=list)
    error_count = models.PositiveIntegerField("错误数", default=0)
    warning_count = models.PositiveIntegerField("警告数", default=0)

    class Meta:
        ordering = ["-checked_at", "-pk"]
        verbose_name = "合规检查记录"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["subject", "-checked_at"])]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.checked_at:%Y-%m-%d %H:%M}"
