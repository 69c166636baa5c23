from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property

from ggzy.accounts.models import Organisation, User
from ggzy.publishing.choices import (
    ContentType,
    Decision,
    NoticeKind,
    Procedure,
    ReleaseStatus,
    ReviewStepCode,
    TradeDomain,
)
from ggzy.sealing import certs


class Category(models.Model):
    """An article column (栏目). The nine of the 2021 report are created by a migration; staff may
    add more. ``code`` is the English name from the glossary and appears in URLs and the API."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40)
    position = models.PositiveSmallIntegerField("排序", default=100)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = "信息栏目"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class ReviewChain(models.Model):
    """The ordered review steps that one content type passes before publication (data, not code)."""

    content_type = models.CharField("内容类型", max_length=30, choices=ContentType.choices, unique=True)
    name = models.CharField("名称", max_length=60)

    class Meta:
        ordering = ["content_type"]
        verbose_name = "审核流程"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class ReviewStep(models.Model):
    """One step of a chain: who (a role) does what (初审/审核/复审/签发), in which position."""

    chain = models.ForeignKey(ReviewChain, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField("顺序")
    code = models.CharField("环节", max_length=30, choices=ReviewStepCode.choices)
    role = models.CharField("审核角色", max_length=30)

    class Meta:
        ordering = ["chain", "position"]
        verbose_name = "审核环节"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["chain", "position"], name="uniq_chain_position")]

    def __str__(self) -> str:
        return f"{self.chain} · {self.position}. {self.get_code_display()}"


class StoredFile(models.Model):
    """File content, addressed by its SHA-256 and never rewritten. The bytes are in the storage at
    ``path`` before this row exists, so a row never points at a missing file."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField()
    media_type = models.CharField(max_length=100)
    path = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "文件"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.sha256


class Release(models.Model):
    """What articles and notices share: a body, a place in the release pipeline, and a version
    lineage. Published rows are never edited again; a correction is a new row whose ``previous``
    is the row it corrects, in the same ``lineage``."""

    title = models.CharField("标题", max_length=300)
    body_html = models.TextField("正文", blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=ReleaseStatus.choices, default=ReleaseStatus.DRAFT
    )
    review_position = models.PositiveSmallIntegerField(
        "当前审核环节", null=True, blank=True, help_text="在审核中时，等待审核的环节序号"
    )
    author = models.ForeignKey(User, verbose_name="起草人", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, verbose_name="发布机构", on_delete=models.PROTECT, related_name="+"
    )
    publish_at = models.DateTimeField("定时发布时间", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    lineage_id = models.BigIntegerField("版本族", null=True, blank=True, db_index=True)
    previous = models.OneToOneField(
        "self",
        verbose_name="更正前版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next",
    )
    correction_note = models.TextField("更正说明", blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawal_reason = models.TextField("撤回原因", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_public(self) -> bool:
        return self.status in (ReleaseStatus.PUBLISHED, ReleaseStatus.CORRECTED, ReleaseStatus.WITHDRAWN)

    @property
    def is_editable(self) -> bool:
        return self.status in (ReleaseStatus.DRAFT, ReleaseStatus.RETURNED)


class Article(Release):
    """A piece of government information (政务信息) in one category (栏目)."""

    category = models.ForeignKey(
        Category, verbose_name="栏目", on_delete=models.PROTECT, related_name="articles"
    )
    summary = models.CharField("摘要", max_length=500, blank=True)
    source = models.CharField("来源", max_length=100, blank=True)
    doc_number = models.CharField("文号", max_length=100, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = "政务信息"
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(fields=["status", "category", "-published_at"], name="article_public_list"),
            models.Index(fields=["status", "-published_at"], name="article_public_all"),
            models.Index(fields=["updated_at"], name="article_updated"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal:article_detail", args=[self.pk])


class Notice(Release):
    """A trade notice (交易公告): tender, change, candidate publicity, award or termination, in one
    trade domain, with the structured fields a bidder looks for first."""

    kind = models.CharField("公告类型", max_length=20, choices=NoticeKind.choices)
    domain = models.CharField("交易类别", max_length=20, choices=TradeDomain.choices)
    is_prequalification = models.BooleanField("资格预审公告", default=False)
    changes = models.ForeignKey(
        "self",
        verbose_name="所变更的公告",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="change_notices",
    )
    project_code = models.CharField("项目编号", max_length=60, blank=True, db_index=True)
    project_name = models.CharField("项目名称", max_length=300, blank=True)
    section_code = models.CharField("标段(包)编号", max_length=60, blank=True)
    section_name = models.CharField("标段(包)名称", max_length=300, blank=True)
    tenderer_name = models.CharField("招标人/采购人", max_length=200, blank=True)
    agency_name = models.CharField("代理机构", max_length=200, blank=True)
    budget = models.DecimalField("预算金额（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    price_cap = models.DecimalField("最高限价（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    bid_deadline = models.DateTimeField("投标截止时间", null=True, blank=True)
    opening_at = models.DateTimeField("开标时间", null=True, blank=True)
    publicity_start = models.DateField("公示开始", null=True, blank=True)
    publicity_end = models.DateField("公示结束", null=True, blank=True)
    winner_name = models.CharField("中标(成交)人", max_length=200, blank=True)
    award_amount = models.DecimalField(
        "中标(成交)金额（元）", max_digits=16, decimal_places=2, null=True, blank=True
    )
    procedure = models.CharField(
        "招标/采购方式", max_length=30, choices=Procedure.choices, blank=True, default=""
    )
    file_issue_start = models.DateTimeField("招标(采购)文件发售开始", null=True, blank=True)
    file_issue_end = models.DateTimeField("招标(采购)文件发售截止", null=True, blank=True)
    affects_bid_preparation = models.BooleanField(
        "影响投标文件编制",
        default=False,
        help_text="变更/澄清的内容可能影响投标文件编制时勾选（须在截止前15日发出，否则顺延截止时间）",
    )

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = "交易公告"
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(fields=["status", "domain", "kind", "-published_at"], name="notice_public_list"),
            models.Index(fields=["status", "-published_at"], name="notice_public_all"),
            models.Index(fields=["status", "domain", "-published_at"], name="notice_public_domain"),
            models.Index(fields=["status", "kind", "-published_at"], name="notice_public_kind"),
            models.Index(fields=["status", "opening_at"], name="notice_opening"),
            models.Index(fields=["updated_at", "id"], name="notice_change_feed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=NoticeKind.CHANGE) | Q(changes__isnull=False),
                name="change_notice_points_at_notice",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal:notice_detail", args=[self.pk])

    @property
    def current_signature(self) -> NoticeSignature | None:
        """The signature of the submission that is (or will be) public: the latest one.
        A template can use it on any notice; center notices have none."""
        if not self.pk:
            return None
        return self.signatures.select_related("signer_organisation").order_by("-signed_at", "-pk").first()


class Attachment(models.Model):
    """A file attached to exactly one article or notice, shown with its SHA-256."""

    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="attachments")
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    notice = models.ForeignKey(
        Notice, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    name = models.CharField("文件名", max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "附件"
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                condition=(Q(article__isnull=False) & Q(notice__isnull=True))
                | (Q(article__isnull=True) & Q(notice__isnull=False)),
                name="attachment_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ReviewRecord(models.Model):
    """One step of the release history of one version: submitted, approved at a step, or returned
    with the reviewer's comment (which the author sees)."""

    content_type = models.CharField(max_length=30, choices=ContentType.choices)
    object_id = models.BigIntegerField()
    step_position = models.PositiveSmallIntegerField(null=True, blank=True)
    step_code = models.CharField(max_length=30, choices=ReviewStepCode.choices, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    comment = models.TextField(blank=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "审核记录"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.content_type}:{self.object_id} {self.decision}"


class VisitDay(models.Model):
    """Page views aggregated per day and key ("site", "article:12", "notice:34"). No addresses,
    no per-visitor rows: one upsert per view keeps counting cheap and private."""

    date = models.DateField()
    key = models.CharField(max_length=40)
    count = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-date", "key"]
        verbose_name = "访问量（日）"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["date", "key"], name="uniq_visit_day_key")]
        # One item's total (its detail page shows it) sums its rows over all days.
        indexes = [models.Index(fields=["key", "date"], name="visit_key_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.key} {self.count}"


class PublicationDayCount(models.Model):
    """Items first published (version 1) per Shanghai calendar day and kind: the annual report's
    and the statistics' counts read these few thousand rows instead of grouping every notice and
    article of the year (11 s at 873k items on SQLite).

    The database keeps them, not our code: triggers on the article and notice tables add and
    subtract on every INSERT, UPDATE and DELETE (migration 0006), so a bulk load, a fixture or a
    hand-written UPDATE cannot make them drift. ``kind`` is the notice kind ("" for articles),
    ``category_id`` the article's category (0 for notices). ADR 0031."""

    day = models.DateField("发布日期（北京时间）")
    model = models.CharField(max_length=10)  # "article" | "notice"
    kind = models.CharField(max_length=20, default="")
    domain = models.CharField(max_length=20, default="")
    category_id = models.BigIntegerField(default=0)
    count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "发布量（日）"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["day", "model", "kind", "domain", "category_id"], name="uniq_publication_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.model} {self.kind or self.category_id} {self.domain} {self.count}"


class AgencyMandate(models.Model):
    """The tenderer's mandate (委托) to an agency for one project: an agency may publish notices
    only for projects some tenderer has mandated it for, while the mandate is valid and not
    revoked. One row per agency and project code."""

    tenderer = models.ForeignKey(
        Organisation, verbose_name="招标人/采购人", on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        Organisation, verbose_name="代理机构", on_delete=models.PROTECT, related_name="+"
    )
    project_code = models.CharField("项目编号", max_length=60)
    project_name = models.CharField("项目名称", max_length=300)
    valid_from = models.DateField("委托开始日期")
    valid_until = models.DateField("委托截止日期", null=True, blank=True, help_text="留空表示长期有效")
    granted_by = models.ForeignKey(User, verbose_name="授权人", on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField("授权时间")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, verbose_name="撤销人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.CharField("撤销原因", max_length=300, blank=True)

    class Meta:
        ordering = ["-granted_at", "-pk"]
        verbose_name = "代理委托"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["agency", "project_code"], name="uniq_mandate_agency_project")
        ]

    def __str__(self) -> str:
        return f"{self.tenderer} → {self.agency} · {self.project_code}"


class NoticeSignature(models.Model):
    """An agency's signature over the canonical form of one submission of a notice
    (``publishing.notice_canonical``), verified by the server before it was stored. The exact
    signed bytes are kept, so anyone can verify again with openssl from the public page."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="signatures")
    canonical = models.BinaryField("签名原文（规范化JSON）")
    canonical_sha256 = models.CharField("原文SHA-256", max_length=64)
    signature = models.BinaryField("签名值（DER）")
    certificate_der = models.BinaryField("签名证书（DER）")
    serial_hex = models.CharField("证书序列号", max_length=80)
    fingerprint = models.CharField("证书指纹（SHA-256）", max_length=64)
    certificate_subject = models.CharField("证书主体", max_length=300, blank=True)
    signer_organisation = models.ForeignKey(
        Organisation, verbose_name="签名机构", on_delete=models.PROTECT, related_name="+"
    )
    signed_by = models.ForeignKey(User, verbose_name="提交人", on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField("签名验证时间")
    warnings_confirmed = models.BooleanField("已确认合规提示", default=False)

    class Meta:
        ordering = ["-signed_at", "-pk"]
        verbose_name = "公告签名"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.notice_id} · {self.serial_hex}"

    @cached_property
    def key_type(self) -> str:
        """ "rsa", "ec-p256" or "sm2": the certificate's key, hence the signature algorithm."""
        try:
            return certs.key_type(certs.load_certificate(bytes(self.certificate_der)))
        except certs.CertificateProblem:
            return ""

    @property
    def algorithm_label(self) -> str:
        """ "RSA / SHA-256", "ECDSA P-256 / SHA-256" or "SM2 / SM3" — shown with the signature."""
        return certs.SIGNATURE_ALGORITHMS.get(self.key_type, "未知")

    @property
    def openssl_dgst_options(self) -> str:
        """What ``openssl dgst`` needs to verify it: ``-sha256``, or ``-sm3 -sigopt distid:…``."""
        return certs.openssl_dgst_options(self.key_type)
