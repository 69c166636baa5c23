"""The annual government-information-disclosure report (政府信息公开工作年度报告).

One row per version of a year's report. The numbers are never typed: ``data`` is computed from the
records (``ggzy.annual_report.selectors.report_data``) and the editable texts refer to them by
placeholders (``{{figure:notices.tender}}``), so editing text cannot change a number. At sign-off the
computed data and the rendered texts are frozen into ``snapshot`` with its SHA-256
(``snapshot_sha256``, also written to the audit log); publication publishes exactly that snapshot.
A change after publication is a new version (``corrects`` → the previous one) that needs a new
sign-off and is shown as a correction.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ggzy.accounts.models import User
from ggzy.annual_report import workflow


class ReportStatus(models.TextChoices):
    DRAFT = workflow.DRAFT, workflow.STATUS_LABELS[workflow.DRAFT]
    SUBMITTED = workflow.SUBMITTED, workflow.STATUS_LABELS[workflow.SUBMITTED]
    REVIEWED = workflow.REVIEWED, workflow.STATUS_LABELS[workflow.REVIEWED]
    SIGNED = workflow.SIGNED, workflow.STATUS_LABELS[workflow.SIGNED]
    PUBLISHED = workflow.PUBLISHED, workflow.STATUS_LABELS[workflow.PUBLISHED]
    CORRECTED = workflow.CORRECTED, workflow.STATUS_LABELS[workflow.CORRECTED]


class AnnualReport(models.Model):
    """One version of one year's annual disclosure report: editable texts with live figure
    references, the computed data, and (from sign-off on) the frozen snapshot and its hash."""

    year = models.PositiveSmallIntegerField("年度")
    version = models.PositiveSmallIntegerField("版本", default=1)
    status = models.CharField("状态", max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    # The editable texts (placeholders {{figure:name}} stand for computed numbers).
    text_intro = models.TextField("导语", blank=True)
    text_general = models.TextField("一、总体情况", blank=True)
    text_problems = models.TextField("五、存在的主要问题及改进情况", blank=True)
    text_other = models.TextField("六、其他需要报告的事项", blank=True)
    data = models.JSONField("计算数据", default=dict)
    computed_at = models.DateTimeField("计算时间")
    snapshot = models.JSONField("签发快照", null=True, blank=True)
    snapshot_sha256 = models.CharField("快照SHA-256", max_length=64, blank=True)
    corrects = models.ForeignKey(
        "self", verbose_name="更正的版本", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    correction_note = models.TextField("更正说明", blank=True)
    return_comment = models.TextField("退回意见", blank=True)
    drafted_by = models.ForeignKey(
        User, verbose_name="起草人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        User, verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_by = models.ForeignKey(
        User, verbose_name="签发人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_by = models.ForeignKey(
        User, verbose_name="公布人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    signed_at = models.DateTimeField("签发时间", null=True, blank=True)
    published_at = models.DateTimeField("公布时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "政府信息公开工作年度报告"
        verbose_name_plural = verbose_name
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "version"], name="annual_report_year_version"),
            models.CheckConstraint(
                condition=~Q(status__in=[workflow.SIGNED, workflow.PUBLISHED, workflow.CORRECTED])
                | (Q(snapshot__isnull=False) & ~Q(snapshot_sha256="")),
                name="annual_report_signed_has_snapshot",
            ),
        ]

    def __str__(self) -> str:
        suffix = f"（第{self.version}版）" if self.version > 1 else ""
        return f"{self.year}年政府信息公开工作年度报告{suffix}"

    @property
    def is_frozen(self) -> bool:
        return self.status in (workflow.SIGNED, workflow.PUBLISHED, workflow.CORRECTED)

    @property
    def is_public(self) -> bool:
        return self.status in (workflow.PUBLISHED, workflow.CORRECTED)
