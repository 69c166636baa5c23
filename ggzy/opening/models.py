"""The remote opening hall (不见面开标): one session per section, its participants' actions and
an append-only event log that is both the hall's record and the source of the live feed."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ggzy.accounts.models import Organisation, User
from ggzy.audit.platform_key import algorithm_label
from ggzy.opening import workflow
from ggzy.publishing.models import Article, StoredFile
from ggzy.trading.models import Bid, Section

STATE_CHOICES = list(workflow.STATE_LABELS.items())


class OpeningSession(models.Model):
    """The opening (开标会) of one section. Its state changes only through ``opening.services``
    checked against ``opening.workflow``; the host (center staff) acts only through those preset
    steps. Times are the server clock's (see docs/operations.md on NTP). A session that fails
    (不予开标, or too few bids left after decryption) records why and the bid counts, fails its
    section in trading and later points at the section's termination notice."""

    section = models.OneToOneField(Section, on_delete=models.PROTECT, related_name="opening")
    state = models.CharField("状态", max_length=30, choices=STATE_CHOICES, default=workflow.SCHEDULED)
    host = models.ForeignKey(
        User, verbose_name="主持人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField("开启时间", null=True, blank=True)
    decryption_started_at = models.DateTimeField("开始解密时间", null=True, blank=True)
    decryption_ends_at = models.DateTimeField("解密截止时间", null=True, blank=True)
    window_ended_at = models.DateTimeField("解密结束时间", null=True, blank=True)
    readout_at = models.DateTimeField("唱标时间", null=True, blank=True)
    confirm_until = models.DateTimeField("确认截止时间", null=True, blank=True)
    objections_until = models.DateTimeField("异议截止时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    too_few_consequence = models.CharField("不足三家的处理", max_length=20, blank=True)
    too_few_note = models.TextField("不足三家的处理说明", blank=True)
    # Why the opening failed (``trading.termination_rules`` failure code: too few bidders, too few
    # decrypted, all failed decryption) and the counts the notice and the hall state; blank / null
    # while the opening has not failed.
    failure_code = models.CharField("开标失败原因", max_length=40, blank=True)
    bids_received = models.PositiveIntegerField("收到投标文件数", null=True, blank=True)
    bids_decrypted = models.PositiveIntegerField("解密成功数", null=True, blank=True)
    bids_decryption_failed = models.PositiveIntegerField("解密失败数", null=True, blank=True)
    bids_required = models.PositiveIntegerField("要求的最少有效投标数", null=True, blank=True)
    record_docx = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    record_pdf = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    record_sha256 = models.CharField("开标记录 PDF SHA-256", max_length=64, blank=True)
    record_signature = models.TextField("主持人签名（平台密钥，base64）", blank=True)
    # The platform key that signed the record (GGZY_CRYPTO_SUITE at closing; ADR 0028):
    # "ecdsa-p256-sha256" over the 32-byte SHA-256 of the PDF, or "sm2-sm3" over the PDF itself.
    record_algorithm = models.CharField("开标记录签名算法", max_length=20, default="ecdsa-p256-sha256")
    record_key_id = models.CharField("开标记录签名公钥标识", max_length=16, blank=True)
    record_article = models.ForeignKey(
        Article,
        verbose_name="开标记录发布稿",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A session that failed (不予开标) leaves the section failed; the center's editor drafts its
    # termination notice (流标公告) from here for the release pipeline (ADR 0027).
    termination_notice = models.ForeignKey(
        "publishing.Notice",
        verbose_name="流标公告",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_seq = models.BigIntegerField("最后事件序号", default=0)

    class Meta:
        verbose_name = "开标会"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.section_id} {self.state}"

    @property
    def failed(self) -> bool:
        """The opening failed (不予开标 or too few bids after decryption): the section is failed."""
        return self.state in workflow.FAILED_STATES

    @property
    def record_algorithm_label(self) -> str:
        return algorithm_label(self.record_algorithm)

    @property
    def record_suite(self) -> str:
        """The crypto suite of the record's signature: whose platform key verifies it."""
        return "sm" if self.record_algorithm == "sm2-sm3" else "intl"


class CheckIn(models.Model):
    """A participant's check-in (签到): one per organisation per session."""

    session = models.ForeignKey(OpeningSession, on_delete=models.PROTECT, related_name="check_ins")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("签到时间")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "签到"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["session", "organisation"], name="uniq_opening_check_in")
        ]

    def __str__(self) -> str:
        return f"{self.session_id} {self.organisation_id}"


class OpenedBid(models.Model):
    """A bid the server decrypted and verified: its bid summary (read out at 唱标), the hash of
    the decrypted file (kept content-addressed for evaluation) and whether the bidder's own key or
    the backup (custodian) path opened it. Exactly one per bid: a repeated key submission after a
    crash finds it and does nothing."""

    METHODS = [("bidder", "投标人解密"), ("backup", "备用解密")]

    session = models.ForeignKey(OpeningSession, on_delete=models.PROTECT, related_name="opened_bids")
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="opened")
    summary = models.JSONField("投标摘要")
    file_name = models.CharField("文件名", max_length=300)
    file_sha256 = models.CharField("文件 SHA-256", max_length=64)
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    method = models.CharField("解密方式", max_length=10, choices=METHODS)
    decrypted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decrypted_at = models.DateTimeField("解密时间")

    class Meta:
        ordering = ["decrypted_at", "pk"]
        verbose_name = "已解密投标文件"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.bid_id} {self.method}"


class DecryptionAttempt(models.Model):
    """A refused content key or share (wrong key, tampered envelope …): kept for the record."""

    session = models.ForeignKey(OpeningSession, on_delete=models.PROTECT, related_name="attempts")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("失败原因")
    at = models.DateTimeField("时间")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "解密失败尝试"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.bid_id} {self.at}"


class DecryptionFailure(models.Model):
    """A bid that could not be opened, marked per 电子招标投标办法 Art. 31 with its cause:
    the bidder's fault → treated as revoked (视为撤销, ``revoked_art31``); otherwise → treated
    as withdrawn (视为撤回, ``withdrawn_art31``)."""

    session = models.ForeignKey(OpeningSession, on_delete=models.PROTECT, related_name="failures")
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="decryption_failure")
    bidder_fault = models.BooleanField("投标人原因")
    outcome = models.CharField("处理结果", max_length=20)
    cause = models.TextField("原因")
    marked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "解密失败处理"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.bid_id} {self.outcome}"


class CustodianShare(models.Model):
    """That a custodian handed in its share for backup decryption. The share itself is never
    stored: the k shares are combined in memory, used and discarded within one request."""

    session = models.ForeignKey(OpeningSession, on_delete=models.PROTECT, related_name="shares")
    custodian = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    share_index = models.PositiveSmallIntegerField("份额序号")
    escrow_key_id = models.CharField("备用解密公钥标识", max_length=64)
    at = models.DateTimeField("提交时间")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "保管人份额提交"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.session_id} #{self.share_index}"


class Confirmation(models.Model):
    """A bidder confirms (确认) its own readout within the confirmation period."""

    session = models.ForeignKey(OpeningSession, on_delete=models.PROTECT, related_name="confirmations")
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="opening_confirmation")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("确认时间")

    class Meta:
        verbose_name = "唱标确认"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.bid_id}"


class Objection(models.Model):
    """An objection (异议) a bidder raised in the hall within the objection window, and the host's
    answer: both on the record."""

    session = models.ForeignKey(OpeningSession, on_delete=models.PROTECT, related_name="objections")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.TextField("异议内容")
    raised_at = models.DateTimeField("提出时间")
    answer = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "pk"]
        verbose_name = "开标异议"
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | ~Q(answer=""), name="objection_answer_has_text"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id} {self.pk}"


class OpeningEvent(models.Model):
    """The hall's append-only event log: the record and the live feed's source. ``seq`` is
    monotonic per session (allocated under the session's row lock) and is the SSE event id, so a
    client that reconnects with Last-Event-ID resumes exactly. ``public`` is what the read-only
    public view may see (None: participants only)."""

    session = models.ForeignKey(OpeningSession, on_delete=models.PROTECT, related_name="events")
    seq = models.BigIntegerField("序号")
    kind = models.CharField("类型", max_length=40)
    text = models.TextField("说明")
    data = models.JSONField("数据", default=dict)
    public = models.JSONField("公开数据", null=True, blank=True)
    at = models.DateTimeField("时间")

    class Meta:
        ordering = ["session", "seq"]
        verbose_name = "开标事件"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["session", "seq"], name="uniq_opening_event_seq")]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq} {self.kind}"


class Recording(models.Model):
    """A video witness (录像) of an opening or evaluation room: an uploaded file stored
    content-addressed or a stream reference, with its SHA-256 written into the audit chain so a
    later change to the file is detectable."""

    ROOMS = [("opening", "开标室"), ("evaluation", "评标室")]

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="+")
    room = models.CharField("场所", max_length=20, choices=ROOMS)
    title = models.CharField("名称", max_length=200)
    file = models.ForeignKey(StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    stream_url = models.CharField("流地址", max_length=500, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.BigIntegerField("大小（字节）", null=True, blank=True)
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["added_at", "pk"]
        verbose_name = "录像"
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                condition=Q(file__isnull=False) | ~Q(stream_url=""), name="recording_file_or_stream"
            )
        ]

    def __str__(self) -> str:
        return f"{self.section_id} {self.title}"
