"""Electronic evaluation (电子评标) of one section: the committee, its reviews and scores, the
result, the signed report, the candidate publicity with its objections, and the award."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ggzy.accounts.models import Organisation, User
from ggzy.evaluation import clarify_workflow, workflow
from ggzy.publishing.models import Notice, StoredFile
from ggzy.trading.models import Section

STATUS_CHOICES = list(workflow.STATUS_LABELS.items())


class Evaluation(models.Model):
    """The evaluation of one section. ``config`` is the frozen method JSON taken from the section
    when the committee started (``methods.dump``), so a later change elsewhere never alters a
    running evaluation. ``result`` is the stored output of ``scoring.evaluate`` (JSON, decimals as
    strings); the report files are stored before this row points at them. Status changes only
    through ``evaluation.services`` checked against ``evaluation.workflow``."""

    section = models.OneToOneField(Section, on_delete=models.PROTECT, related_name="evaluation")
    status = models.CharField("状态", max_length=20, choices=STATUS_CHOICES, default=workflow.REVIEW)
    config = models.JSONField("评标办法（冻结）")
    price_cap = models.DecimalField("最高投标限价", max_digits=16, decimal_places=2, null=True, blank=True)
    started_by = models.ForeignKey(User, verbose_name="组织人", on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField("评标开始时间")
    result = models.JSONField("评标结果", null=True, blank=True)
    result_at = models.DateTimeField("结果汇总时间", null=True, blank=True)
    report_docx = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    report_pdf = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    report_sha256 = models.CharField("评标报告（PDF）SHA-256", max_length=64, blank=True)
    reported_at = models.DateTimeField("报告签署完成时间", null=True, blank=True)
    publicity_starts_at = models.DateTimeField("公示开始", null=True, blank=True)
    publicity_ends_at = models.DateTimeField("公示结束", null=True, blank=True)
    candidate_notice = models.ForeignKey(
        Notice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="中标候选人公示",
    )
    award_notice = models.ForeignKey(
        Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="中标结果公告"
    )
    winner = models.ForeignKey(
        "EvaluatedBid", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    awarded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField("确定中标人时间", null=True, blank=True)
    award_letter_pdf = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    award_letter_signature = models.TextField("中标通知书签名（平台密钥，base64）", blank=True)
    award_letter_key_id = models.CharField("签名公钥标识", max_length=16, blank=True)
    declined = models.JSONField("放弃中标的投标（标识及原因）", default=list, blank=True)
    failure_code = models.CharField("失败原因代码", max_length=30, blank=True)
    failure_reason = models.TextField("失败原因", blank=True)

    class Meta:
        verbose_name = "评标"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.section_id} {self.status}"


class Member(models.Model):
    """A committee member with a login: a confirmed expert of the draw (``role`` expert) or a
    tenderer representative named with the draw (``role`` tenderer_rep, no expert code). Both
    work alike: see the bids only after declaring no conflict of interest; scores become final
    when ``scores_signed_at`` is set; the report is signed by recording the SHA-256 of the PDF the
    member signed. Whether a representative may chair is a rule (experts config)."""

    ROLE_EXPERT = "expert"
    ROLE_TENDERER_REP = "tenderer_rep"
    ROLE_CHOICES = [(ROLE_EXPERT, "评标专家"), (ROLE_TENDERER_REP, "招标人代表")]

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(User, verbose_name="成员账号", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("身份", max_length=20, choices=ROLE_CHOICES, default=ROLE_EXPERT)
    expert_code = models.CharField("专家编号", max_length=20, blank=True)
    name = models.CharField("姓名", max_length=50)
    is_chair = models.BooleanField("评标委员会主任", default=False)
    chair_vote = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="推选"
    )
    declared_at = models.DateTimeField("无利害关系声明时间", null=True, blank=True)
    scores_signed_at = models.DateTimeField("评分签署时间", null=True, blank=True)
    report_signed_at = models.DateTimeField("报告签署时间", null=True, blank=True)
    report_signed_sha256 = models.CharField("所签报告 SHA-256", max_length=64, blank=True)
    dissent = models.TextField("不同意见", blank=True)

    class Meta:
        ordering = ["evaluation", "pk"]
        verbose_name = "评标委员会成员"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "user"], name="uniq_eval_member"),
            models.UniqueConstraint(
                fields=["evaluation"], condition=Q(is_chair=True), name="uniq_eval_chair"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EvaluatedBid(models.Model):
    """One opened bid as the committee evaluates it: the bidder, the price read out at opening,
    the SME claim and the objective-criterion values, and the committee's review (否决 with its
    reason). ``bid_ref`` is the trading bid's id (or the opening adapter's reference);
    ``organisation`` is the bidding organisation whose users answer the committee's clarification
    requests (empty only for bids entered without one: no clarification can then be sent)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="bids")
    bid_ref = models.CharField("投标文件标识", max_length=40)
    bidder_name = models.CharField("投标人", max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="投标人单位",
    )
    price = models.DecimalField("投标报价（元）", max_digits=16, decimal_places=2)
    sme_kind = models.CharField("中小企业声明", max_length=20, default="none")
    sme_share = models.DecimalField(
        "小微企业份额（%）", max_digits=5, decimal_places=2, null=True, blank=True
    )
    objective = models.JSONField("客观分", default=dict, blank=True)
    summary = models.JSONField("唱标内容", default=dict, blank=True)
    compliant = models.BooleanField("通过审查", null=True)
    rejection_reason = models.TextField("否决理由", blank=True)
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField("审查时间", null=True, blank=True)

    class Meta:
        ordering = ["evaluation", "pk"]
        verbose_name = "评审投标文件"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["evaluation", "bid_ref"], name="uniq_eval_bid")]

    def __str__(self) -> str:
        return f"{self.bid_ref} {self.bidder_name}"


class Score(models.Model):
    """One member's score for one subjective criterion of one bid; changeable until the member
    signs, never after."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="scores")
    bid = models.ForeignKey(EvaluatedBid, on_delete=models.PROTECT, related_name="scores")
    criterion = models.CharField("评分因素", max_length=40)
    value = models.DecimalField("得分", max_digits=7, decimal_places=2)
    at = models.DateTimeField("评分时间")

    class Meta:
        verbose_name = "专家评分"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["member", "bid", "criterion"], name="uniq_eval_score")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.bid_id} {self.criterion}={self.value}"


class DeviationReason(models.Model):
    """The written reason a member gives for a score the system flagged as far from the others'
    mean; required before the member can sign."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="deviation_reasons")
    bid = models.ForeignKey(EvaluatedBid, on_delete=models.PROTECT, related_name="+")
    criterion = models.CharField("评分因素", max_length=40)
    reason = models.TextField("理由")
    at = models.DateTimeField("说明时间")

    class Meta:
        verbose_name = "评分偏离说明"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["member", "bid", "criterion"], name="uniq_eval_deviation")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.bid_id} {self.criterion}"


class ResultObjection(models.Model):
    """An objection to the evaluation result filed by a bidder during the candidate publicity
    (实施条例 Art. 54); while unanswered it pauses the process (no award)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="objections")
    filed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organisation_name = models.CharField("异议人", max_length=200)
    text = models.TextField("异议内容")
    filed_at = models.DateTimeField("提出时间")
    answer = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    class Meta:
        ordering = ["evaluation", "filed_at", "pk"]
        verbose_name = "评标结果异议"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.organisation_name}"


class Clarification(models.Model):
    """A clarification request (澄清) of the committee to the bidder of one bid, with a deadline,
    or — kind ``abnormal_price`` — the request to justify a price that looks abnormally low
    (异常低价说明) with the committee's decision on it. Entered by the chair; answered online by a
    user of ``organisation`` before the deadline with text, optional files (``files``) and the
    confirmation of ``confirmed_notice`` (no change to the substance of the bid). ``flag`` keeps
    the abnormal-low flag the request was sent for (reference, threshold, price), if any. Status
    changes only through ``services.clarification`` checked against ``clarify_workflow``."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="clarifications")
    bid = models.ForeignKey(EvaluatedBid, on_delete=models.PROTECT, related_name="clarifications")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="投标人单位"
    )
    kind = models.CharField("类型", max_length=20, choices=list(clarify_workflow.KIND_LABELS.items()))
    status = models.CharField(
        "状态",
        max_length=20,
        choices=list(clarify_workflow.STATUS_LABELS.items()),
        default=clarify_workflow.SENT,
    )
    question = models.TextField("澄清事项")
    flag = models.JSONField("异常低价标记", null=True, blank=True)
    deadline = models.DateTimeField("答复截止时间")
    asked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="发出人")
    asked_at = models.DateTimeField("发出时间")
    answer = models.TextField("答复", blank=True)
    confirmed_notice = models.TextField("投标人确认的告知内容", blank=True)
    answered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdraw_reason = models.TextField("撤回原因", blank=True)
    decision_note = models.TextField("认定理由", blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("认定时间", null=True, blank=True)
    # Claimed by the worker's reminder sweep under the row lock, so one reminder goes out however
    # many workers run; not a status (the request's status never depends on a notice).
    reminded_at = models.DateTimeField("截止前提醒时间", null=True, blank=True)

    class Meta:
        ordering = ["evaluation", "asked_at", "pk"]
        verbose_name = "评标澄清"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["organisation", "status"], name="eval_clarif_org_status")]

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.kind} {self.bid_id} {self.status}"


class ClarificationFile(models.Model):
    """A file the bidder attached to its answer (e.g. a cost breakdown); the bytes are stored
    (content-addressed, type and size checked) before this row points at them."""

    clarification = models.ForeignKey(Clarification, on_delete=models.PROTECT, related_name="files")
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("文件名", max_length=200)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        ordering = ["clarification", "position", "pk"]
        verbose_name = "澄清答复附件"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class ClarificationDelivery(models.Model):
    """One attempt to tell the bidder's contact about a clarification request (``purpose``
    ``request``, after the request's commit) or to remind it before the deadline (``reminder``):
    the channel (``sms`` through the platform's SMS gateway, ``email`` through Django's e-mail),
    the user and the masked address it went to, and whether the channel accepted it (``reference``)
    or failed (``error``). A row with an empty ``channel`` records that the organisation had no
    user with a phone or e-mail. Written after the fact; a failed delivery never undoes the
    request. Staff see these rows on the committee's clarification page."""

    clarification = models.ForeignKey(Clarification, on_delete=models.PROTECT, related_name="deliveries")
    purpose = models.CharField(
        "用途", max_length=10, choices=list(clarify_workflow.DELIVERY_PURPOSES.items())
    )
    channel = models.CharField(
        "通知方式", max_length=10, blank=True, choices=list(clarify_workflow.DELIVERY_CHANNELS.items())
    )
    recipient = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="接收人"
    )
    address = models.CharField("接收地址（脱敏）", max_length=120, blank=True)
    ok = models.BooleanField("送达渠道已接收")
    reference = models.CharField("渠道回执", max_length=200, blank=True)
    error = models.CharField("失败原因", max_length=300, blank=True)
    attempted_at = models.DateTimeField("发送时间")

    class Meta:
        ordering = ["clarification", "attempted_at", "pk"]
        verbose_name = "评标澄清通知记录"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.clarification_id} {self.purpose} {self.channel} {'ok' if self.ok else 'failed'}"


class ResultNotification(models.Model):
    """The result notification (中标结果通知书 to a bidder who did not win, 招标投标法 Art. 45 /
    87号令 Art. 69): the winner and the winning price, the bidder's own rank and score or the
    reason its bid was rejected, and how to complain. Issued in the award's transaction to every
    bid of the section but the winner's — again, as a new ``award_round``, when a declining winner
    is replaced. The PDF is stored before this row and signed with the platform key like the award
    letter; ``issued_at`` and ``first_read_at`` record the delivery. Only users of
    ``organisation`` (the bidder) may read it."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="notifications")
    bid = models.ForeignKey(EvaluatedBid, on_delete=models.PROTECT, related_name="notifications")
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="投标人单位",
    )
    award_round = models.PositiveSmallIntegerField("定标轮次", default=1)
    bidder_name = models.CharField("投标人", max_length=200)
    winner_name = models.CharField("中标人", max_length=200)
    winning_price = models.DecimalField("中标价（元）", max_digits=16, decimal_places=2)
    rank = models.PositiveIntegerField("排名", null=True, blank=True)
    total = models.CharField("评审得分", max_length=20, blank=True)
    rejection_reason = models.TextField("否决理由", blank=True)
    outcome = models.TextField("评审情况")
    complaint_route = models.TextField("异议、质疑和投诉途径")
    pdf = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    signature = models.TextField("签名（平台密钥，base64）")
    key_id = models.CharField("签名公钥标识", max_length=16)
    issued_at = models.DateTimeField("发出时间")
    first_read_at = models.DateTimeField("首次查阅时间", null=True, blank=True)
    first_read_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="首次查阅人"
    )

    class Meta:
        ordering = ["-issued_at", "pk"]
        verbose_name = "中标结果通知书"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["organisation", "-issued_at"], name="eval_notif_org")]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "bid", "award_round"], name="uniq_eval_notification"
            )
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.bidder_name} #{self.award_round}"


class Termination(models.Model):
    """What follows a failed evaluation (评标失败): the tenderer's decision to re-tender (重新招标)
    or to terminate (终止招标) — which moves the trading section to failed or terminated — and the
    termination notice (终止公告) the center's editor drafts from it for the release pipeline.
    ``category`` and ``basis`` are the reason category and its legal basis as the notice states
    them (``outcome_rules.failure_category``)."""

    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="termination")
    next_step = models.CharField(
        "后续处理", max_length=20, choices=[("retender", "重新招标"), ("terminate", "终止招标")]
    )
    category = models.CharField("失败原因类别", max_length=100)
    basis = models.TextField("法律依据", blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="决定人")
    decided_at = models.DateTimeField("决定时间")
    notice = models.ForeignKey(
        Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="终止公告"
    )

    class Meta:
        verbose_name = "评标失败处理"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.next_step}"
