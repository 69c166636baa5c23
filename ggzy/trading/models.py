from __future__ import annotations

from functools import cached_property

from django.db import models
from django.db.models import Q

from ggzy.accounts.models import Organisation, User
from ggzy.publishing.models import Notice, StoredFile
from ggzy.sealing import certs
from ggzy.trading.choices import (
    BidStatus,
    BidUploadStatus,
    DeadlineChangeCause,
    EvaluationMethod,
    Procedure,
    SectionStatus,
    TenderFileKind,
    TradeDomain,
)


class Project(models.Model):
    """A project (项目) put out to tender by one tenderer, optionally through an agency. Its code
    is the investment approval code or the platform's fallback code (``trading.codes``); tender
    projects and sections hang below it with codes derived from it."""

    code = models.CharField("项目编号", max_length=40, unique=True)
    name = models.CharField("项目名称", max_length=300)
    tenderer = models.ForeignKey(
        Organisation, verbose_name="招标人/采购人", on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        Organisation,
        verbose_name="代理机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    domain = models.CharField("交易类别", max_length=20, choices=TradeDomain.choices)
    procedure = models.CharField("招标/采购方式", max_length=30, choices=Procedure.choices)
    budget = models.DecimalField("项目预算（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(User, verbose_name="创建人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "项目"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TenderProject(models.Model):
    """A tender project (招标项目) of a project: one round of tendering. Code = project code + 3
    digits, sequential per project."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="tender_projects")
    code = models.CharField("招标项目编号", max_length=50, unique=True)
    name = models.CharField("招标项目名称", max_length=300)
    created_by = models.ForeignKey(User, verbose_name="创建人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间")

    class Meta:
        ordering = ["code"]
        verbose_name = "招标项目"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Section(models.Model):
    """A section or lot (标段/包): what bidders bid for. Code = tender project code + 3 digits.

    Carries the times of the bid (deadline, opening, decryption window), whether backup
    decryption is allowed (k of n custodians: placeholders for the sealing issue), the bid-summary
    items read out at opening (``summary_fields``: a list of {key, label, type, unit} copied from
    the configured catalogue), the evaluation method placeholder (frozen after the deadline) and
    the published tender notice it belongs to. Status changes only through ``trading.services``
    checked against ``trading.workflow``.
    """

    tender_project = models.ForeignKey(TenderProject, on_delete=models.PROTECT, related_name="sections")
    code = models.CharField("标段(包)编号", max_length=60, unique=True)
    name = models.CharField("标段(包)名称", max_length=300)
    status = models.CharField(
        "状态", max_length=20, choices=SectionStatus.choices, default=SectionStatus.DRAFT
    )
    budget = models.DecimalField("标段预算（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    price_cap = models.DecimalField(
        "最高投标限价（元）", max_digits=16, decimal_places=2, null=True, blank=True
    )
    bid_deadline = models.DateTimeField("投标截止时间", null=True, blank=True, db_index=True)
    opening_at = models.DateTimeField("开标时间", null=True, blank=True)
    decryption_minutes = models.PositiveSmallIntegerField("解密时限（分钟）", default=30)
    allows_backup_decryption = models.BooleanField("允许备用解密", default=False)
    backup_k = models.PositiveSmallIntegerField("备用解密门限 k", null=True, blank=True)
    backup_n = models.PositiveSmallIntegerField("备用解密保管人数 n", null=True, blank=True)
    summary_fields = models.JSONField("唱标内容", default=list, blank=True)
    evaluation_method = models.CharField(
        "评标办法", max_length=30, choices=EvaluationMethod.choices, blank=True
    )
    evaluation_params = models.JSONField("评标办法参数", default=dict, blank=True)
    tender_notice = models.ForeignKey(
        Notice,
        verbose_name="招标公告",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    closed_at = models.DateTimeField("截止时间（记录）", null=True, blank=True)
    terminated_at = models.DateTimeField("终止时间", null=True, blank=True)
    termination_reason = models.TextField("终止原因", blank=True)
    created_by = models.ForeignKey(User, verbose_name="创建人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "标段(包)"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["status", "bid_deadline"], name="section_open_list")]
        constraints = [
            models.CheckConstraint(
                condition=Q(opening_at__isnull=True)
                | Q(bid_deadline__isnull=True)
                | Q(opening_at__gte=models.F("bid_deadline")),
                name="section_opening_not_before_deadline",
            ),
            models.CheckConstraint(
                condition=Q(status=SectionStatus.DRAFT)
                | Q(status=SectionStatus.TERMINATED)
                | (
                    Q(tender_notice__isnull=False)
                    & Q(bid_deadline__isnull=False)
                    & Q(published_at__isnull=False)
                ),
                name="section_published_has_notice_and_deadline",
            ),
            models.CheckConstraint(
                condition=Q(backup_k__isnull=True)
                | (Q(backup_n__isnull=False) & Q(backup_k__gte=1) & Q(backup_k__lte=models.F("backup_n"))),
                name="section_backup_k_of_n",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def project(self) -> Project:
        return self.tender_project.project


class TenderFile(models.Model):
    """A tender file (招标文件) or a clarification/amendment (澄清/修改) of a section, version by
    version. The bytes are a content-addressed ``StoredFile`` stored before this row; ``sha256``
    repeats its hash so a download can be checked against what was published. When the publisher
    signed it with a bound certificate, the detached signature and the certificate are kept."""

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="files")
    kind = models.CharField("文件类型", max_length=20, choices=TenderFileKind.choices)
    version = models.PositiveIntegerField("版本")
    name = models.CharField("文件名", max_length=200)
    title = models.CharField("说明", max_length=300, blank=True)
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.BigIntegerField("大小（字节）")
    affects_bids = models.BooleanField("影响投标文件编制", default=False)
    publisher = models.ForeignKey(
        Organisation, verbose_name="发布机构", on_delete=models.PROTECT, related_name="+"
    )
    published_by = models.ForeignKey(User, verbose_name="发布人", on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField("发布时间")
    signature = models.BinaryField("发布人签名（DER）", blank=True, default=b"")
    certificate_der = models.BinaryField("签名证书（DER）", blank=True, default=b"")
    certificate_fingerprint = models.CharField("证书指纹", max_length=64, blank=True)
    certificate_serial = models.CharField("证书序列号", max_length=80, blank=True)

    class Meta:
        ordering = ["section", "published_at", "pk"]
        verbose_name = "招标文件"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["section", "kind", "version"], name="uniq_tender_file_version"),
            models.CheckConstraint(
                condition=Q(kind=TenderFileKind.CLARIFICATION) | Q(affects_bids=False),
                name="tender_file_affects_only_clarification",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section.code} {self.get_kind_display()} v{self.version}"

    @property
    def is_signed(self) -> bool:
        return bool(self.signature)

    @cached_property
    def key_type(self) -> str:
        """ "rsa", "ec-p256" or "sm2" — the signing certificate's key, hence how the detached
        signature was made; "" when unsigned."""
        if not self.certificate_der:
            return ""
        try:
            return certs.key_type(certs.load_certificate(bytes(self.certificate_der)))
        except certs.CertificateProblem:
            return ""

    @property
    def algorithm_label(self) -> str:
        """ "RSA / SHA-256", "ECDSA P-256 / SHA-256" or "SM2 / SM3" — shown with the signature."""
        return certs.SIGNATURE_ALGORITHMS.get(self.key_type, "未知")


class DownloadRecord(models.Model):
    """One download of a tender file by a bidder. Who and how many downloaded is secret until the
    bid deadline (电子招标投标办法): only ``trading.selectors`` reads these rows, and it refuses
    before the deadline."""

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="+")
    file = models.ForeignKey(TenderFile, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, verbose_name="投标人", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(User, verbose_name="下载人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("下载时间")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "招标文件下载记录"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["section", "organisation"], name="download_section_org")]

    def __str__(self) -> str:
        return f"{self.section_id} {self.organisation_id} {self.at}"


class DeadlineChange(models.Model):
    """A change of a published section's bid deadline (and opening time), with its reason: by the
    tenderer, or forced by a clarification that affects bids too close to the deadline."""

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="deadline_changes")
    cause = models.CharField("原因类型", max_length=20, choices=DeadlineChangeCause.choices)
    old_deadline = models.DateTimeField("原投标截止时间")
    new_deadline = models.DateTimeField("新投标截止时间")
    old_opening_at = models.DateTimeField("原开标时间", null=True, blank=True)
    new_opening_at = models.DateTimeField("新开标时间", null=True, blank=True)
    reason = models.TextField("变更原因")
    tender_file = models.ForeignKey(
        TenderFile, verbose_name="澄清文件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_by = models.ForeignKey(User, verbose_name="变更人", on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField("变更时间")

    class Meta:
        ordering = ["section", "changed_at", "pk"]
        verbose_name = "投标截止时间变更"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.section_id} {self.old_deadline} → {self.new_deadline}"


class SectionEscrowKey(models.Model):
    """The escrow public key (备用解密公钥) of a section that allows backup decryption. The private
    key was split k-of-n among custodians in the ceremony (``ggzy bid escrow-generate``) and never
    exists whole before opening; the platform holds only this public half. Every envelope of the
    section must name it as a recipient. Set by the center before bidding opens; not changeable
    once a bid exists."""

    section = models.OneToOneField(Section, on_delete=models.PROTECT, related_name="escrow_key")
    suite = models.CharField("密码套件", max_length=10, default="intl")
    public_key_pem = models.TextField("备用解密公钥（PEM）")
    key_id = models.CharField("公钥标识", max_length=64)
    threshold_k = models.PositiveSmallIntegerField("门限 k")
    custodians_n = models.PositiveSmallIntegerField("保管人数 n")
    custodians = models.JSONField("保管人", default=list, blank=True)
    set_by = models.ForeignKey(User, verbose_name="设置人", on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField("设置时间")

    class Meta:
        verbose_name = "标段备用解密公钥"
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold_k__gte=1) & Q(threshold_k__lte=models.F("custodians_n")),
                name="escrow_key_k_of_n",
            )
        ]

    def __str__(self) -> str:
        return f"{self.section_id} {self.key_id}"


class BidderKey(models.Model):
    """A bidder's envelope encryption key (投标加密公钥) registered on the platform: the public half
    of a P-256 key the bidder generated in its browser (kept non-extractable in IndexedDB, with a
    backup file) or with ``ggzy bid keygen``. Finalising a bid checks that the envelope's bidder
    recipient is one of the organisation's registered, unrevoked keys, so a bid the bidder could
    not decrypt itself at opening is refused at the door. The signing certificate is separate: the
    organisation's bound ``accounts.Certificate``."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="投标人", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(User, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    suite = models.CharField("密码套件", max_length=10, default="intl")
    public_key_pem = models.TextField("公钥（PEM）")
    key_id = models.CharField("公钥标识", max_length=64, db_index=True)
    label = models.CharField("备注", max_length=100, blank=True)
    registered_at = models.DateTimeField("登记时间")
    revoked_at = models.DateTimeField("注销时间", null=True, blank=True)

    class Meta:
        ordering = ["-registered_at", "-pk"]
        verbose_name = "投标人加密密钥"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key_id"],
                condition=Q(revoked_at__isnull=True),
                name="uniq_active_bidder_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.key_id}"


class ReceiptCounter(models.Model):
    """The platform-wide receipt sequence (回执序号): one row per name, incremented under a row
    lock in the transaction that creates the bid, so numbers are gap-free among committed bids."""

    name = models.CharField(max_length=40, unique=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "回执序号"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class Bid(models.Model):
    """One version of a bidder's sealed bid (投标文件) for a section. The ciphertext envelope is a
    content-addressed ``StoredFile`` stored before this row; the server never holds a key that
    opens it. Versions run 1, 2, … per section × bidder; ``is_current`` marks the version in force
    (none after a withdrawal). ``receipt`` is the platform-signed receipt issued in the same
    transaction that created the row, so a receipt never exists without a stored envelope. Status
    changes only through ``trading.services`` checked against ``trading.bid_workflow``."""

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="bids")
    organisation = models.ForeignKey(
        Organisation, verbose_name="投标人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(User, verbose_name="递交人", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField("版本")
    status = models.CharField("状态", max_length=20, choices=BidStatus.choices, default=BidStatus.SUBMITTED)
    is_current = models.BooleanField("当前版本", default=True)
    envelope = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    envelope_sha256 = models.CharField("信封 SHA-256", max_length=64)
    size = models.BigIntegerField("信封大小（字节）")
    header = models.JSONField("信封头")
    suite = models.CharField("密码套件", max_length=10, default="intl")
    signer_fingerprint = models.CharField("签名证书指纹", max_length=64)
    signer_certificate = models.ForeignKey(
        "accounts.Certificate", verbose_name="签名证书", on_delete=models.PROTECT, related_name="+"
    )
    bidder_key = models.ForeignKey(
        BidderKey, verbose_name="投标人加密密钥", on_delete=models.PROTECT, related_name="bids"
    )
    backup_decryption = models.BooleanField("含备用解密", default=False)
    receipt = models.JSONField("回执")
    receipt_sequence = models.BigIntegerField("回执序号", unique=True)
    submitted_at = models.DateTimeField("递交时间")
    superseded_at = models.DateTimeField("替换/撤回时间", null=True, blank=True)
    opened_at = models.DateTimeField("开标处理时间", null=True, blank=True)
    open_cause = models.TextField("开标处理说明", blank=True)

    class Meta:
        ordering = ["section", "organisation", "version"]
        verbose_name = "投标文件"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["section", "is_current"], name="bid_section_current")]
        constraints = [
            models.UniqueConstraint(fields=["section", "organisation", "version"], name="uniq_bid_version"),
            models.UniqueConstraint(
                fields=["section", "organisation"],
                condition=Q(is_current=True),
                name="uniq_current_bid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section_id} {self.organisation_id} v{self.version}"


class BidUpload(models.Model):
    """A resumable upload session of one sealed envelope. Chunks are appended at ``received``
    (the offset the client resumes from) to a file in the temporary upload area, never to the
    content store; only a finalise that verifies the whole envelope before the deadline stores it
    and creates a ``Bid``. A session left open at the deadline is not a bid."""

    token = models.CharField(max_length=64, unique=True)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    total_size = models.BigIntegerField("总大小（字节）")
    received = models.BigIntegerField("已接收（字节）", default=0)
    status = models.CharField(
        "状态", max_length=20, choices=BidUploadStatus.choices, default=BidUploadStatus.OPEN
    )
    error = models.TextField("拒绝原因", blank=True)
    bid = models.ForeignKey(Bid, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "投标文件上传"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.token[:8]} {self.received}/{self.total_size}"
