from __future__ import annotations

from django.db import models
from django.db.models import Q

from ggzy.accounts.models import User
from ggzy.participation.choices import ModerationStatus, QuestionStatus
from ggzy.publishing.models import Article


class Consultation(models.Model):
    """A public consultation (调查征集): its text is an :class:`Article` in the "consultation"
    category that passes the normal release review; this row adds the period in which the public
    may comment. Comments are accepted only while the article is published and
    ``opens_at <= now < closes_at``.

    ``article`` is the version the consultation was opened on; a correction of that article is a
    new row of the same lineage, and pages show the newest published version of the lineage.
    """

    article = models.OneToOneField(
        Article, verbose_name="征集文件", on_delete=models.CASCADE, related_name="consultation"
    )
    opens_at = models.DateTimeField("征集开始时间")
    closes_at = models.DateTimeField("征集截止时间")
    created_by = models.ForeignKey(User, verbose_name="创建人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("修改时间")

    class Meta:
        ordering = ["-opens_at", "-pk"]
        verbose_name = "调查征集"
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="consultation_period"
            )
        ]

    def __str__(self) -> str:
        return self.article.title


class Comment(models.Model):
    """One public comment on a consultation. Shown on the public page only once a moderator
    approved it, and then only the optional display name, the text and the date. The contact
    (phone or e-mail) is stored only as an AES-256-GCM token plus a masked form for staff screens;
    reading it in full goes through the audited ``participation_contact_view``."""

    consultation = models.ForeignKey(
        Consultation, verbose_name="调查征集", on_delete=models.PROTECT, related_name="comments"
    )
    display_name = models.CharField("署名", max_length=40, blank=True)
    contact_encrypted = models.TextField("联系方式（密文）", blank=True)
    contact_masked = models.CharField("联系方式（脱敏）", max_length=120, blank=True)
    text = models.TextField("意见内容")
    submitted_at = models.DateTimeField("提交时间", db_index=True)
    status = models.CharField(
        "审核状态", max_length=20, choices=ModerationStatus.choices, default=ModerationStatus.PENDING
    )
    moderation_reason = models.CharField("审核说明", max_length=300, blank=True)
    moderated_by = models.ForeignKey(
        User, verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moderated_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = "征集意见"
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(fields=["consultation", "status", "submitted_at"], name="comment_public_list"),
            models.Index(fields=["status", "submitted_at"], name="comment_moderation_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact_encrypted="")
                | Q(contact_encrypted__startswith="gf1.")
                | Q(contact_encrypted__startswith="gs1."),
                name="comment_contact_encrypted",
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id}#{self.pk}"


class Question(models.Model):
    """One question sent to the mailbox (留言咨询). The asker keeps a tracking code (only its
    SHA-256 is stored) to read the answer; when they agreed to publication and staff answered,
    an editor publishes it as an :class:`Article` in the "qa" category through the release review
    (``article``), with the question text staff may have cleaned of personal details
    (``public_question``). Name and contact are personal data: the contact is stored encrypted,
    neither is ever published."""

    number = models.CharField("留言编号", max_length=20, unique=True)
    tracking_digest = models.CharField("查询码摘要", max_length=64, unique=True)
    asker_name = models.CharField("留言人", max_length=50)
    contact_encrypted = models.TextField("联系方式（密文）", blank=True)
    contact_masked = models.CharField("联系方式（脱敏）", max_length=120, blank=True)
    subject = models.CharField("主题", max_length=100)
    text = models.TextField("留言内容")
    publish_consent = models.BooleanField("同意公开", default=False)
    submitted_at = models.DateTimeField("提交时间", db_index=True)
    status = models.CharField(
        "状态", max_length=20, choices=QuestionStatus.choices, default=QuestionStatus.RECEIVED
    )
    answer = models.TextField("答复内容", blank=True)
    answered_by = models.ForeignKey(
        User, verbose_name="答复人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True, db_index=True)
    close_reason = models.CharField("不予答复原因", max_length=300, blank=True)
    public_question = models.TextField("公开的留言内容", blank=True)
    article = models.OneToOneField(
        Article,
        verbose_name="公开答复",
        null=True,
        blank=True,
        # A discarded draft (never public) frees the question to be published again.
        on_delete=models.SET_NULL,
        related_name="question",
    )

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = "留言咨询"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["status", "submitted_at"], name="question_queue")]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact_encrypted="")
                | Q(contact_encrypted__startswith="gf1.")
                | Q(contact_encrypted__startswith="gs1."),
                name="question_contact_encrypted",
            ),
            models.CheckConstraint(
                condition=Q(article__isnull=True) | Q(publish_consent=True),
                name="question_published_only_with_consent",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Interpretation(models.Model):
    """A policy interpretation (政策解读): ``article`` (category "interpretation") explains
    ``explains``, a published document. Both sides are matched by lineage, so a correction of
    either keeps the link; pages show the newest published version of each."""

    article = models.OneToOneField(
        Article, verbose_name="解读", on_delete=models.CASCADE, related_name="interpretation"
    )
    explains = models.ForeignKey(
        Article, verbose_name="所解读的文件", on_delete=models.PROTECT, related_name="interpreted_by"
    )
    linked_by = models.ForeignKey(User, verbose_name="关联人", on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField("关联时间")

    class Meta:
        ordering = ["-linked_at", "-pk"]
        verbose_name = "政策解读"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.article_id} → {self.explains_id}"
