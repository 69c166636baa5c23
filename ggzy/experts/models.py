from __future__ import annotations

from django.db import models
from django.db.models import Q

from ggzy.accounts.models import Organisation, User
from ggzy.experts.choices import (
    Channel,
    DrawStatus,
    EntropyRole,
    ExpertStatus,
    SeatStatus,
    SpecialtyStatus,
    TitleLevel,
)
from ggzy.trading.models import Section


class SpecialtyCode(models.Model):
    """One code of the specialty classification (评标专家专业分类): A 工程 / B 货物 / C 服务, a
    two-digit class and an optional two-digit specialty. Data, seeded by migration 0002."""

    code = models.CharField("专业代码", max_length=10, unique=True)
    name = models.CharField("专业名称", max_length=100)
    category = models.CharField("大类", max_length=1)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = "评标专家专业"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Expert(models.Model):
    """An evaluation expert (评标专家) of the pool. The identity number is stored encrypted
    (``experts.pii``) with a masked copy for screens and a blind index against duplicates; the
    phone likewise. ``code`` is the public reference (also the supervision board's
    ``expert_ref``); draws publish only database ids."""

    code = models.CharField("专家编号", max_length=20, unique=True)
    user = models.OneToOneField(
        User, verbose_name="登录账号", null=True, blank=True, on_delete=models.PROTECT, related_name="expert"
    )
    name = models.CharField("姓名", max_length=50)
    id_number_encrypted = models.TextField("身份证号（密文）")
    id_number_masked = models.CharField("身份证号（脱敏）", max_length=30)
    id_digest = models.CharField("身份证号索引", max_length=64, unique=True)
    birth_date = models.DateField("出生日期")
    title = models.CharField("职称", max_length=50)
    title_level = models.CharField("职称级别", max_length=20, choices=TitleLevel.choices)
    years = models.PositiveSmallIntegerField("从业年限")
    employer = models.ForeignKey(
        Organisation,
        verbose_name="工作单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.CharField("所在地区", max_length=50, db_index=True)
    status = models.CharField(
        "状态", max_length=20, choices=ExpertStatus.choices, default=ExpertStatus.ACTIVE
    )
    barred_until = models.DateField("暂停抽取至", null=True, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    phone_encrypted = models.TextField("手机（密文）", blank=True)
    phone_masked = models.CharField("手机（脱敏）", max_length=20, blank=True)
    preferred_channel = models.CharField(
        "通知方式", max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    created_at = models.DateTimeField("入库时间")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "评标专家"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["status", "region"], name="expert_status_region")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class EmploymentPeriod(models.Model):
    """Where an expert worked and when (for the 3-year avoidance of bidders' former staff).
    ``end`` empty: still employed there."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="employments")
    organisation = models.ForeignKey(
        Organisation, verbose_name="单位", on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateField("起始日期", null=True, blank=True)
    end = models.DateField("截止日期", null=True, blank=True)

    class Meta:
        ordering = ["expert", "-start"]
        verbose_name = "任职经历"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["organisation", "end"], name="employment_org_end")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="employment_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert_id} @ {self.organisation_id}"


class ExpertSpecialty(models.Model):
    """A specialty an expert evaluates in. Added by staff (approved at once) or asked for by the
    expert (pending until staff review it); only approved rows put the expert in a draw's pool."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="specialties")
    specialty = models.ForeignKey(
        SpecialtyCode, verbose_name="专业", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=20, choices=SpecialtyStatus.choices)
    requested_at = models.DateTimeField("申请时间")
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=200, blank=True)

    class Meta:
        ordering = ["expert", "specialty__sort_order"]
        verbose_name = "专家专业"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["expert", "specialty"],
                condition=Q(status__in=[SpecialtyStatus.PENDING, SpecialtyStatus.APPROVED]),
                name="uniq_expert_specialty_live",
            )
        ]
        indexes = [models.Index(fields=["specialty", "status"], name="expert_specialty_pool")]

    def __str__(self) -> str:
        return f"{self.expert_id} {self.specialty_id} {self.status}"


class LeavePeriod(models.Model):
    """A period the expert is not available (请假); such experts are left out of a draw's pool
    when the evaluation day falls inside it."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="leaves")
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    reason = models.CharField("事由", max_length=200, blank=True)

    class Meta:
        ordering = ["expert", "start"]
        verbose_name = "专家请假"
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="leave_end_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.expert_id} {self.start}–{self.end}"


class Draw(models.Model):
    """One self-service draw of an evaluation committee for a section (专家抽取): the request
    (demands, representatives, region, evaluation time and place), then the published commitment
    (hashes of the pool snapshot, the avoidance list and the server secret), the entropy, the
    seed and the selection. A failed draw stays as a record; a new draw is a new row
    (``replaces``). The secret is kept encrypted until the evaluation is over, then published."""

    section = models.ForeignKey(Section, verbose_name="标段(包)", on_delete=models.PROTECT, related_name="+")
    replaces = models.ForeignKey(
        "self", verbose_name="重新抽取自", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=20, choices=DrawStatus.choices, default=DrawStatus.DRAFT)
    requested_by = models.ForeignKey(User, verbose_name="申请人", on_delete=models.PROTECT, related_name="+")
    tenderer = models.ForeignKey(
        Organisation, verbose_name="招标人", on_delete=models.PROTECT, related_name="+"
    )
    domain = models.CharField("交易类别", max_length=20)
    procedure = models.CharField("招标/采购方式", max_length=30)
    budget = models.DecimalField("预算（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    representatives = models.PositiveSmallIntegerField("招标人代表人数", default=0)
    region_scope = models.JSONField("抽取地区范围", default=list, blank=True)
    evaluation_at = models.DateTimeField("评标时间")
    evaluation_place = models.CharField("评标地点", max_length=200)
    created_at = models.DateTimeField("申请时间")
    # The commitment (published before entropy is accepted).
    pool_snapshot = models.JSONField("候选专家快照", default=dict, blank=True)
    avoidance = models.JSONField("回避名单（含原因）", default=dict, blank=True)
    bidder_source = models.CharField("投标人来源", max_length=30, blank=True)
    pool_hash = models.CharField("候选库哈希", max_length=64, blank=True)
    avoidance_hash = models.CharField("回避名单哈希", max_length=64, blank=True)
    secret_hash = models.CharField("服务器密钥哈希", max_length=64, blank=True)
    secret_encrypted = models.TextField("服务器密钥（密文）", blank=True)
    commitment = models.CharField("承诺值", max_length=64, blank=True, db_index=True)
    committed_at = models.DateTimeField("承诺时间", null=True, blank=True)
    # The draw.
    seed = models.CharField("种子", max_length=64, blank=True)
    selection = models.JSONField("抽取结果（专家编号序列）", default=list, blank=True)
    drawn_at = models.DateTimeField("抽取时间", null=True, blank=True)
    completed_at = models.DateTimeField("组成时间", null=True, blank=True)
    evaluation_started_at = models.DateTimeField("评标开始时间", null=True, blank=True)
    revealed_at = models.DateTimeField("公开时间", null=True, blank=True)
    secret_revealed = models.CharField("服务器密钥（公开）", max_length=64, blank=True)
    failed_at = models.DateTimeField("失败时间", null=True, blank=True)
    failure_reason = models.TextField("失败原因", blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "专家抽取"
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                condition=Q(status=DrawStatus.DRAFT) | Q(status=DrawStatus.CANCELLED) | ~Q(commitment=""),
                name="draw_committed_has_commitment",
            ),
            models.CheckConstraint(
                condition=~Q(status=DrawStatus.REVEALED) | ~Q(secret_revealed=""),
                name="draw_revealed_has_secret",
            ),
        ]

    def __str__(self) -> str:
        return f"抽取 {self.pk} {self.section_id}"

    @property
    def ref(self) -> str:
        """The draw's reference inside the commitment."""
        return f"D{self.pk}"


class DrawDemand(models.Model):
    """How many experts of one specialty the draw asks for, and how many ordered reserves."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="demands")
    specialty = models.ForeignKey(
        SpecialtyCode, verbose_name="专业", on_delete=models.PROTECT, related_name="+"
    )
    count = models.PositiveSmallIntegerField("人数")
    reserves = models.PositiveSmallIntegerField("备选人数", default=0)

    class Meta:
        ordering = ["draw", "specialty__code"]
        verbose_name = "抽取专业及人数"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["draw", "specialty"], name="uniq_draw_demand"),
            models.CheckConstraint(condition=Q(count__gte=1), name="draw_demand_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.specialty_id}×{self.count}+{self.reserves}"


class ManualAvoidance(models.Model):
    """An expert the tenderer (or center staff) adds to the avoidance list by hand, with why."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="manual_avoidances")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("回避原因", max_length=200)
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField("添加时间")

    class Meta:
        ordering = ["draw", "added_at"]
        verbose_name = "手工回避"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["draw", "expert"], name="uniq_manual_avoidance")]

    def __str__(self) -> str:
        return f"{self.draw_id} {self.expert_id}"


class Entropy(models.Model):
    """A random contribution typed at the terminal (the tenderer's, and optionally a
    supervisor's). One per role per draw; the seed hashes them in ``at`` order."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="entropies")
    role = models.CharField("提交方", max_length=20, choices=EntropyRole.choices)
    value = models.CharField("随机数", max_length=200)
    contributed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("提交时间")

    class Meta:
        ordering = ["draw", "at", "pk"]
        verbose_name = "抽取随机数"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["draw", "role"], name="uniq_draw_entropy_role")]

    def __str__(self) -> str:
        return f"{self.draw_id} {self.role}"


class Seat(models.Model):
    """One selected expert of a draw: a committee seat (``principal``) or a reserve in order.
    A reserve is called up (补抽) when a seat of its specialty is declined or times out."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="seats")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="seats")
    specialty = models.ForeignKey(SpecialtyCode, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField("顺序")  # 0-based within the specialty's list
    principal = models.BooleanField("首选")
    status = models.CharField("状态", max_length=20, choices=SeatStatus.choices)
    notified_at = models.DateTimeField("通知时间", null=True, blank=True)
    respond_by = models.DateTimeField("确认期限", null=True, blank=True)
    responded_at = models.DateTimeField("答复时间", null=True, blank=True)
    decline_reason = models.CharField("拒绝原因", max_length=200, blank=True)
    channel = models.CharField("通知方式", max_length=10, blank=True)

    class Meta:
        ordering = ["draw", "specialty__code", "position"]
        verbose_name = "抽取结果"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["draw", "expert"], name="uniq_seat_expert"),
            models.UniqueConstraint(fields=["draw", "specialty", "position"], name="uniq_seat_position"),
        ]
        indexes = [models.Index(fields=["status", "respond_by"], name="seat_pending")]

    def __str__(self) -> str:
        return f"{self.draw_id} {self.expert_id} {self.status}"


class DrawRepresentative(models.Model):
    """A tenderer representative (招标人代表) named for a draw's committee: a verified user of the
    tenderer organisation, named while the draw is still a request (the draw cannot start until
    all ``Draw.representatives`` are named). Not drawn; after the draw they sit on the committee
    beside the experts. ``name`` is the real name as it stood when named (the report prints it)."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="named_representatives")
    user = models.ForeignKey(User, verbose_name="招标人代表", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=50)
    named_by = models.ForeignKey(User, verbose_name="指定人", on_delete=models.PROTECT, related_name="+")
    named_at = models.DateTimeField("指定时间")

    class Meta:
        ordering = ["draw", "named_at", "pk"]
        verbose_name = "招标人代表"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["draw", "user"], name="uniq_draw_representative")]

    def __str__(self) -> str:
        return f"{self.draw_id} {self.name}"
