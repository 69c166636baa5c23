from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q

from ggzy.accounts.models import Organisation, User
from ggzy.publishing.models import Article, Notice, StoredFile
from ggzy.supervision.choices import OrderStatus, RoundStatus, SubjectKind, Verdict

DEFAULT_TIMES = ["09:00", "14:00", "17:30"]


def default_times() -> list[str]:
    return list(DEFAULT_TIMES)


class PatrolPlan(models.Model):
    """When patrol rounds happen: times of day in Asia/Shanghai (default three a day, as the 2021
    report says). One row; staff edit it. The number of times is the daily requirement the
    dashboard compares against."""

    times = models.JSONField("巡查时间（北京时间）", default=default_times)
    correction_days = models.PositiveSmallIntegerField("整改期限（工作日）", default=5)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "巡查计划"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return "、".join(self.times)

    def slot_times(self) -> list[dt.time]:
        return sorted(dt.time.fromisoformat(t) for t in self.times)


class PatrolRound(models.Model):
    """One scheduled patrol: everything agencies published in [window_start, window_end) is
    listed for the assigned patroller. Windows are contiguous — each round starts where the
    previous one ended — so no agency notice escapes patrol even when the worker was down."""

    planned_at = models.DateTimeField("计划时间", unique=True)
    window_start = models.DateTimeField("巡查区间起")
    window_end = models.DateTimeField("巡查区间止")
    assigned_to = models.ForeignKey(
        User, verbose_name="巡查员", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.ForeignKey(
        User, verbose_name="完成人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-planned_at"]
        verbose_name = "巡查轮次"
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__gte=models.F("window_start")), name="round_window"
            ),
            models.CheckConstraint(
                condition=(Q(status=RoundStatus.DONE) & Q(done_at__isnull=False))
                | (Q(status=RoundStatus.OPEN) & Q(done_at__isnull=True)),
                name="round_done_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"巡查 {self.planned_at:%Y-%m-%d %H:%M}"


class PatrolItem(models.Model):
    """One agency notice in one round, with the compliance findings recorded at its submission
    (a snapshot: later rule changes do not rewrite what the patroller saw) and the verdict."""

    round = models.ForeignKey(PatrolRound, on_delete=models.CASCADE, related_name="items")
    notice = models.ForeignKey(Notice, verbose_name="公告", on_delete=models.PROTECT, related_name="+")
    findings = models.JSONField("自动检查结果", default=list, blank=True)
    verdict = models.CharField("巡查结论", max_length=10, choices=Verdict.choices, blank=True)
    comment = models.TextField("巡查意见", blank=True)
    verdict_by = models.ForeignKey(
        User, verbose_name="巡查人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verdict_at = models.DateTimeField("巡查时间", null=True, blank=True)

    class Meta:
        ordering = ["round", "pk"]
        verbose_name = "巡查条目"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["round", "notice"], name="uniq_round_notice")]

    def __str__(self) -> str:
        return f"{self.round} · {self.notice_id}"

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.findings if f.get("severity") == "error")


class CorrectionOrder(models.Model):
    """A correction order (整改通知) to the agency that published a problem notice: what is
    wrong, what must be done, by when (working days). The agency answers; the center closes it
    or returns it. Overdue is derived (still owed after the deadline), never stored."""

    number = models.CharField("通知编号", max_length=30, unique=True)
    notice = models.ForeignKey(Notice, verbose_name="公告", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, verbose_name="代理机构", on_delete=models.PROTECT, related_name="+"
    )
    patrol_item = models.ForeignKey(
        PatrolItem, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    problem = models.TextField("存在问题")
    requirement = models.TextField("整改要求")
    deadline = models.DateField("整改期限", db_index=True)
    status = models.CharField("状态", max_length=10, choices=OrderStatus.choices, default=OrderStatus.ISSUED)
    issued_by = models.ForeignKey(User, verbose_name="下达人", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("下达时间")
    reply = models.TextField("整改回复", blank=True)
    reply_file = models.ForeignKey(
        StoredFile, verbose_name="回复附件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reply_file_name = models.CharField("附件名", max_length=200, blank=True)
    answered_by = models.ForeignKey(
        User, verbose_name="回复人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField("回复时间", null=True, blank=True)
    review_comment = models.TextField("验收意见", blank=True)
    closed_by = models.ForeignKey(
        User, verbose_name="验收人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    returned_count = models.PositiveSmallIntegerField("退回次数", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = "整改通知"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["organisation", "status"], name="order_org_status")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=OrderStatus.CLOSED) | Q(closed_at__isnull=False), name="order_closed_at"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class LinkCheckRun(models.Model):
    """One crawl of the public site: how much it saw, how many links were broken, and what
    stopped it when a bound (pages, seconds) was reached."""

    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    base_url = models.CharField("站点地址", max_length=300)
    external = models.BooleanField("检查外部链接", default=False)
    pages = models.PositiveIntegerField("抓取页面数", default=0)
    links = models.PositiveIntegerField("检查链接数", default=0)
    broken = models.PositiveIntegerField("错链数", default=0)
    bounded_by = models.CharField("受限说明", max_length=200, blank=True)
    started_by = models.ForeignKey(
        User, verbose_name="发起人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = "错链检查"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"错链检查 {self.started_at:%Y-%m-%d %H:%M}"


class BrokenLink(models.Model):
    """A broken link on one page (错链). Seen again in a later run it stays one row with
    ``last_seen`` moved; marked fixed and seen broken again, it reopens. Every sighting is kept."""

    url = models.CharField("链接地址", max_length=1000)
    found_on = models.CharField("所在页面", max_length=1000)
    status_code = models.PositiveSmallIntegerField("HTTP 状态", null=True, blank=True)
    error = models.CharField("错误", max_length=300, blank=True)
    is_external = models.BooleanField("外部链接", default=False)
    first_seen = models.DateTimeField("首次发现")
    last_seen = models.DateTimeField("最近发现")
    last_run = models.ForeignKey(LinkCheckRun, on_delete=models.PROTECT, related_name="+")
    fixed_at = models.DateTimeField("修复时间", null=True, blank=True)
    fixed_by = models.ForeignKey(
        User, verbose_name="修复人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-last_seen", "pk"]
        verbose_name = "错链"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["url", "found_on"], name="uniq_broken_link_on_page")]

    def __str__(self) -> str:
        return self.url

    @property
    def problem(self) -> str:
        return f"HTTP {self.status_code}" if self.status_code else self.error


class BrokenLinkSighting(models.Model):
    """One run saw one broken link: the history across runs (when it broke, how, when it healed)."""

    link = models.ForeignKey(BrokenLink, on_delete=models.CASCADE, related_name="sightings")
    run = models.ForeignKey(LinkCheckRun, on_delete=models.CASCADE, related_name="sightings")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-run__started_at", "-pk"]
        verbose_name = "错链记录"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["link", "run"], name="uniq_sighting_per_run")]

    def __str__(self) -> str:
        return f"{self.link_id}@{self.run_id}"


class Violation(models.Model):
    """A decided violation (违规处理) of an agency or an expert, published on the exposure board
    (曝光台) through the normal article review chain: ``article`` is the 曝光台 article that carries
    it (one article may carry several) and the decision document; the board shows it once that
    article is published.

    Experts are referred to by name plus a masked ID or a free reference (``expert_ref``) until
    the expert pool exists. While ``gate_flag_until`` runs, the agency is flagged in the
    compliance gate; ``bars_draws_until`` bars an expert from draws."""

    subject_kind = models.CharField("对象类型", max_length=10, choices=SubjectKind.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="代理机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    expert_name = models.CharField("专家姓名", max_length=50, blank=True)
    expert_id_masked = models.CharField("身份证号（脱敏）", max_length=30, blank=True)
    expert_ref = models.CharField("专家编号/引用", max_length=100, blank=True)
    facts = models.TextField("违规事实")
    authority = models.CharField("处理机关", max_length=200)
    decision_number = models.CharField("处理决定文号", max_length=100)
    penalty = models.TextField("处理结果")
    decided_on = models.DateField("决定日期")
    effective_from = models.DateField("执行起始", null=True, blank=True)
    effective_until = models.DateField("执行截止", null=True, blank=True)
    decision_document = models.ForeignKey(
        StoredFile,
        verbose_name="处理决定书",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_document_name = models.CharField("处理决定书文件名", max_length=200, blank=True)
    bars_draws_until = models.DateField("暂停抽取至", null=True, blank=True)
    gate_flag_until = models.DateField("合规检查标记至", null=True, blank=True)
    # A foreign key, not one-to-one: a center's 通报 often lists several violations in one article
    # (see services.violations_record_for_article); violation_create still makes one per article.
    article = models.ForeignKey(
        Article, verbose_name="曝光台信息", on_delete=models.PROTECT, related_name="violations"
    )
    effects_applied_at = models.DateTimeField("处理措施生效时间", null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-pk"]
        verbose_name = "违规处理"
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                condition=(Q(subject_kind=SubjectKind.AGENCY) & Q(organisation__isnull=False))
                | (Q(subject_kind=SubjectKind.EXPERT) & Q(organisation__isnull=True) & ~Q(expert_name="")),
                name="violation_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} {self.decision_number}"

    @property
    def subject_name(self) -> str:
        if self.subject_kind == SubjectKind.AGENCY and self.organisation is not None:
            return self.organisation.name
        return self.expert_name
