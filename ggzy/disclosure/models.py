from __future__ import annotations

from django.db import models
from django.db.models import Q

from ggzy.accounts.models import User
from ggzy.disclosure.choices import (
    ApplicantKind,
    CenterRole,
    Channel,
    ClockEventKind,
    ConsultationParty,
    DecisionKind,
    DeliveryMethod,
    FeeStandard,
    IdentityDocType,
    InfoForm,
    NormativeKind,
    RequestStatus,
    ReviewKind,
    ReviewResult,
)
from ggzy.disclosure.outcomes import OUTCOME_CHOICES, OUTCOME_CODES


class DisclosureRequest(models.Model):
    """One application for government information (依申请公开).

    The applicant tracks it with ``tracking_code`` plus a secret of which only a hash is kept.
    Identity number and contact details are stored only as AES-256-GCM tokens
    (``*_encrypted``) plus a masked form for screens; reading them in full goes through the
    audited ``disclosure_pii_view`` service. ``due_date`` is denormalised from the
    :class:`ClockEvent` log by the services. A closed request has exactly one ``outcome`` (one of
    the 21 leaf rows of report table 三) and counts in the year of ``closed_on``.
    """

    tracking_code = models.CharField("查询码", max_length=20, unique=True)
    secret_hash = models.CharField("查询密码摘要", max_length=200)
    applicant_kind = models.CharField("申请人类型", max_length=20, choices=ApplicantKind.choices)
    applicant_name = models.CharField("申请人姓名/名称", max_length=200)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    id_doc_type = models.CharField("身份证明类型", max_length=20, choices=IdentityDocType.choices)
    id_number_encrypted = models.TextField("身份证明号码（密文）")
    id_number_masked = models.CharField("身份证明号码（脱敏）", max_length=40)
    id_digest = models.CharField("申请人标识摘要", max_length=64, db_index=True)
    phone_encrypted = models.TextField("联系电话（密文）", blank=True)
    phone_masked = models.CharField("联系电话（脱敏）", max_length=40, blank=True)
    email_encrypted = models.TextField("电子邮箱（密文）", blank=True)
    email_masked = models.CharField("电子邮箱（脱敏）", max_length=120, blank=True)
    address_encrypted = models.TextField("通信地址（密文）", blank=True)
    address_masked = models.CharField("通信地址（脱敏）", max_length=120, blank=True)
    postcode = models.CharField("邮政编码", max_length=10, blank=True)
    info_name = models.CharField("所需信息名称", max_length=300, blank=True)
    info_doc_number = models.CharField("所需信息文号", max_length=100, blank=True)
    info_description = models.TextField("所需信息的其他特征描述", blank=True)
    info_form = models.CharField("所需信息的形式", max_length=20, choices=InfoForm.choices)
    delivery_method = models.CharField("获取信息的方式", max_length=20, choices=DeliveryMethod.choices)
    channel = models.CharField("申请渠道", max_length=20, choices=Channel.choices)
    arrived_on = models.DateField("提交/送达日期")
    received_on = models.DateField("收到申请日期", null=True, blank=True, db_index=True)
    status = models.CharField(
        "状态", max_length=20, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    due_date = models.DateField("答复期限", null=True, blank=True, db_index=True)
    outcome = models.CharField("办理结果", max_length=8, choices=OUTCOME_CHOICES, null=True, blank=True)
    legal_basis = models.TextField("法律依据", blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    registered_by = models.ForeignKey(
        User, verbose_name="登记人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-arrived_on", "-pk"]
        verbose_name = "政府信息公开申请"
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(fields=["status", "due_date"], name="disclosure_open_due"),
            models.Index(fields=["closed_on", "applicant_kind", "outcome"], name="disclosure_closed_stats"),
            models.Index(fields=["received_on", "applicant_kind"], name="disclosure_received_stats"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status=RequestStatus.CLOSED)
                    & Q(outcome__in=OUTCOME_CODES)
                    & Q(closed_at__isnull=False)
                    & Q(closed_on__isnull=False)
                )
                | (
                    ~Q(status=RequestStatus.CLOSED)
                    & Q(outcome__isnull=True)
                    & Q(closed_at__isnull=True)
                    & Q(closed_on__isnull=True)
                ),
                name="disclosure_closed_has_one_outcome",
            ),
            models.CheckConstraint(
                condition=Q(status=RequestStatus.SUBMITTED) | Q(received_on__isnull=False),
                name="disclosure_received_on_after_confirmation",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("received_on")),
                name="disclosure_closed_after_received",
            ),
            models.CheckConstraint(  # a field token: gf1 (AES-256-GCM) or gs1 (SM4-GCM), ADR 0029
                condition=Q(id_number_encrypted__startswith="gf1.")
                | Q(id_number_encrypted__startswith="gs1."),
                name="disclosure_id_number_encrypted",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def received_year(self) -> int | None:
        return self.received_on.year if self.received_on else None

    @property
    def closed_year(self) -> int | None:
        return self.closed_on.year if self.closed_on else None

    @property
    def is_open(self) -> bool:
        return self.status not in (RequestStatus.SUBMITTED, RequestStatus.CLOSED)

    def open_at_end_of(self, year: int) -> bool:
        """结转下年度: received by 31 December and not closed by then."""
        return (
            self.received_on is not None
            and self.received_on.year <= year
            and (self.closed_on is None or self.closed_on.year > year)
        )


class ClockEvent(models.Model):
    """One event of a request's reply clock (append-only): received, 补正 asked/received,
    consultation started/ended, extension, Art. 35 later deadline, fee notice/paid. The due date is
    folded from these by ``deadlines.fold``."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="clock_events")
    kind = models.CharField("事件", max_length=30, choices=ClockEventKind.choices)
    on = models.DateField("日期")
    days = models.PositiveSmallIntegerField("延长工作日数", default=0)
    until = models.DateField("期限", null=True, blank=True)
    party = models.CharField("征求意见对象", max_length=20, choices=ConsultationParty.choices, blank=True)
    items = models.TextField("补正事项", blank=True)
    note = models.TextField("说明", blank=True)
    approved_by = models.ForeignKey(
        User, verbose_name="批准人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        User, verbose_name="记录人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request", "pk"]
        verbose_name = "答复期限事件"
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=ClockEventKind.EXTENSION)
                | (Q(days__gte=1) & Q(days__lte=20) & Q(approved_by__isnull=False)),
                name="clock_extension_days_and_approval",
            ),
            models.CheckConstraint(
                condition=~Q(kind=ClockEventKind.AMENDMENT_REQUESTED)
                | (Q(until__isnull=False) & ~Q(items="")),
                name="clock_amendment_has_items_and_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(kind=ClockEventKind.LATER_DEADLINE) | Q(until__isnull=False),
                name="clock_later_deadline_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} {self.kind} {self.on}"


class DisclosureFile(models.Model):
    """File content of this app (released files, case documents), addressed by SHA-256 and never
    rewritten; the bytes are in storage before the row exists."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField()
    media_type = models.CharField(max_length=100)
    path = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "依申请公开文件"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.sha256


class Reply(models.Model):
    """The one reply (答复) closing a request: its outcome (a table-三 leaf code), legal basis,
    text and released files. One-to-one: a second reply is refused by the database too."""

    request = models.OneToOneField(DisclosureRequest, on_delete=models.PROTECT, related_name="reply")
    outcome = models.CharField("办理结果", max_length=8, choices=OUTCOME_CHOICES)
    legal_basis = models.TextField("法律依据", blank=True)
    text = models.TextField("答复内容", blank=True)
    replied_on = models.DateField("答复日期")
    replied_by = models.ForeignKey(
        User, verbose_name="答复人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    delivery_method = models.CharField("送达方式", max_length=20, choices=DeliveryMethod.choices, blank=True)
    files = models.ManyToManyField(DisclosureFile, through="ReplyFile", related_name="replies")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-replied_on", "-pk"]
        verbose_name = "答复"
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=OUTCOME_CODES), name="reply_outcome_is_leaf")
        ]

    def __str__(self) -> str:
        return f"{self.request} → {self.outcome}"


class ReplyFile(models.Model):
    """A released file attached to a reply."""

    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="reply_files")
    file = models.ForeignKey(DisclosureFile, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("文件名", max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "答复文件"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class FeeNotice(models.Model):
    """An information processing fee notice (收费通知) for one request: one standard only, the
    amount computed by ``fees.py``, a payment deadline, and the payment when it comes."""

    request = models.OneToOneField(DisclosureRequest, on_delete=models.PROTECT, related_name="fee_notice")
    standard = models.CharField("收费标准", max_length=20, choices=FeeStandard.choices)
    units = models.PositiveIntegerField("计费数量", help_text="按件：本月第几件；按量：页数")
    amount = models.DecimalField("应缴金额（元）", max_digits=12, decimal_places=2)
    issued_on = models.DateField("通知日期")
    deadline = models.DateField("缴费期限")
    paid_on = models.DateField("缴费日期", null=True, blank=True)
    amount_paid = models.DecimalField(
        "实缴金额（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    issued_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = "信息处理费收费通知"
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                condition=Q(standard__in=FeeStandard.values), name="fee_notice_one_standard"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="fee_notice_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True, amount_paid__isnull=True)
                | Q(paid_on__isnull=False, amount_paid__isnull=False),
                name="fee_notice_payment_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} {self.amount} 元"


class ReviewCase(models.Model):
    """An administrative review or lawsuit about disclosure work (report table 四). Counted only
    when the center is the original actor (国办公开办函〔2016〕201号)."""

    request = models.ForeignKey(
        DisclosureRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_cases",
    )
    kind = models.CharField("类型", max_length=30, choices=ReviewKind.choices)
    center_role = models.CharField(
        "本机关地位", max_length=30, choices=CenterRole.choices, default=CenterRole.ORIGINAL_ACTOR
    )
    case_number = models.CharField("案号", max_length=100, blank=True)
    subject = models.CharField("案由", max_length=300, blank=True)
    previous = models.ForeignKey(
        "self",
        verbose_name="前置复议案件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lawsuits",
    )
    filed_on = models.DateField("立案/申请日期")
    decided_on = models.DateField("审结日期", null=True, blank=True)
    result = models.CharField(
        "结果", max_length=20, choices=ReviewResult.choices, default=ReviewResult.PENDING
    )
    note = models.TextField("说明", blank=True)
    documents = models.ManyToManyField(DisclosureFile, through="ReviewDocument", related_name="review_cases")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-filed_on", "-pk"]
        verbose_name = "行政复议、行政诉讼案件"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["filed_on", "kind", "result"], name="review_case_stats")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(result=ReviewResult.PENDING) & Q(decided_on__isnull=True))
                | (~Q(result=ReviewResult.PENDING) & Q(decided_on__isnull=False)),
                name="review_case_decided_has_date",
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=models.F("filed_on")),
                name="review_case_decided_after_filed",
            ),
        ]

    def __str__(self) -> str:
        return self.case_number or f"{self.get_kind_display()} {self.filed_on}"


class ReviewDocument(models.Model):
    """A document of a review case (decision, judgment, defence …)."""

    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="case_documents")
    file = models.ForeignKey(DisclosureFile, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("文件名", max_length=200)

    class Meta:
        ordering = ["pk"]
        verbose_name = "案件文书"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class NormativeDocument(models.Model):
    """A 规章 or 行政规范性文件 the center issued (report table 二, Art. 20(一))."""

    kind = models.CharField("类型", max_length=30, choices=NormativeKind.choices)
    title = models.CharField("名称", max_length=300)
    doc_number = models.CharField("文号", max_length=100, blank=True)
    issued_on = models.DateField("制发日期")
    repealed_on = models.DateField("废止日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = "规章和行政规范性文件"
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                condition=Q(repealed_on__isnull=True) | Q(repealed_on__gte=models.F("issued_on")),
                name="normative_repealed_after_issued",
            )
        ]

    def __str__(self) -> str:
        return self.title


class AdministrativeDecision(models.Model):
    """One 行政许可, 行政处罚 or 行政强制 decision (report table 二, Art. 20(五)(六))."""

    kind = models.CharField("类型", max_length=20, choices=DecisionKind.choices)
    decision_number = models.CharField("决定文号", max_length=100, blank=True)
    title = models.CharField("事项", max_length=300, blank=True)
    decided_on = models.DateField("决定日期", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-pk"]
        verbose_name = "行政许可、处罚、强制决定"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.decision_number or f"{self.get_kind_display()} {self.decided_on}"


class AdminFeeRecord(models.Model):
    """An amount of 行政事业性收费 collected (report table 二, Art. 20(八)), in yuan."""

    item = models.CharField("收费项目", max_length=200)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    collected_on = models.DateField("收费日期", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-collected_on", "-pk"]
        verbose_name = "行政事业性收费"
        verbose_name_plural = verbose_name
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="admin_fee_not_negative")]

    def __str__(self) -> str:
        return f"{self.item} {self.amount}"


class Reminder(models.Model):
    """A deadline reminder the sweep sent; unique per (request, kind, due date) so re-running the
    sweep never sends it twice, and a moved due date gets fresh reminders."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=30)
    due_date = models.DateField()
    recipients = models.TextField(blank=True)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = "期限提醒"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["request", "kind", "due_date"], name="uniq_reminder_per_due")
        ]

    def __str__(self) -> str:
        return f"{self.request} {self.kind} {self.due_date}"
