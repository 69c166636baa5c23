"""Vocabulary of the trading app. Values are the glossary's English names; labels the Chinese.
Trade domains and procedures are publishing's (the compliance gate's values), re-exported."""

from django.db import models

from ggzy.publishing.choices import Procedure, TradeDomain
from ggzy.trading import workflow

__all__ = [
    "EvaluationMethod",
    "Procedure",
    "SectionStatus",
    "SummaryFieldType",
    "TenderFileKind",
    "TradeDomain",
]


class SectionStatus(models.TextChoices):
    DRAFT = workflow.DRAFT, workflow.STATUS_LABELS[workflow.DRAFT]
    PUBLISHED = workflow.PUBLISHED, workflow.STATUS_LABELS[workflow.PUBLISHED]
    BIDDING_CLOSED = workflow.BIDDING_CLOSED, workflow.STATUS_LABELS[workflow.BIDDING_CLOSED]
    TERMINATED = workflow.TERMINATED, workflow.STATUS_LABELS[workflow.TERMINATED]
    FAILED = workflow.FAILED, workflow.STATUS_LABELS[workflow.FAILED]


class TenderFileKind(models.TextChoices):
    TENDER_FILE = "tender_file", "招标文件"
    CLARIFICATION = "clarification", "澄清/修改文件"


class SummaryFieldType(models.TextChoices):
    """How a bid-summary (开标一览表) item is typed and read out."""

    MONEY = "money", "金额"
    INTEGER = "integer", "整数"
    DECIMAL = "decimal", "数值"
    TEXT = "text", "文字"


class EvaluationMethod(models.TextChoices):
    """The evaluation method (评标办法): the glossary's keys, the same as the evaluation's
    (``ggzy.evaluation.methods``). The trade domain decides which are allowed
    (``workflow.METHODS_BY_DOMAIN``); ``section_update`` refuses the others."""

    COMPREHENSIVE_SCORING = (
        workflow.COMPREHENSIVE_SCORING,
        workflow.METHOD_LABELS[workflow.COMPREHENSIVE_SCORING],
    )
    LOWEST_EVALUATED_PRICE = (
        workflow.LOWEST_EVALUATED_PRICE,
        workflow.METHOD_LABELS[workflow.LOWEST_EVALUATED_PRICE],
    )
    COMPREHENSIVE_ASSESSMENT = (
        workflow.COMPREHENSIVE_ASSESSMENT,
        workflow.METHOD_LABELS[workflow.COMPREHENSIVE_ASSESSMENT],
    )
    LOWEST_REVIEWED_PRICE = (
        workflow.LOWEST_REVIEWED_PRICE,
        workflow.METHOD_LABELS[workflow.LOWEST_REVIEWED_PRICE],
    )


class DeadlineChangeCause(models.TextChoices):
    MANUAL = "manual", "招标人变更"
    CLARIFICATION = "clarification", "澄清/修改影响投标文件编制"


class BidStatus(models.TextChoices):
    """A bid version's status (ggzy.trading.bid_workflow). The last three are set at opening."""

    SUBMITTED = "submitted", "已递交"
    REPLACED = "replaced", "已被替换"
    WITHDRAWN = "withdrawn", "已撤回"
    DECRYPTED = "decrypted", "已解密"
    REVOKED_ART31 = "revoked_art31", "视为撤销投标文件（投标人原因解密失败）"
    WITHDRAWN_ART31 = "withdrawn_art31", "视为撤回投标文件（非投标人原因解密失败）"


class BidUploadStatus(models.TextChoices):
    OPEN = "open", "上传中"
    FINALISED = "finalised", "已递交"
    REJECTED = "rejected", "已拒绝"
    ABANDONED = "abandoned", "已放弃"
