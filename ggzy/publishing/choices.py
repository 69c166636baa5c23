from django.db import models


class ReleaseStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    IN_REVIEW = "in_review", "审核中"
    RETURNED = "returned", "已退回"
    SCHEDULED = "scheduled", "待定时发布"
    PUBLISHED = "published", "已发布"
    CORRECTED = "corrected", "已更正（有新版本）"
    WITHDRAWN = "withdrawn", "已撤回"


class NoticeKind(models.TextChoices):
    TENDER = "tender", "招标/采购公告"
    CHANGE = "change", "变更公告"
    CANDIDATE = "candidate", "中标候选人公示"
    AWARD = "award", "中标结果公告"
    TERMINATION = "termination", "终止公告"


class TradeDomain(models.TextChoices):
    CONSTRUCTION = "construction", "工程建设"
    PROCUREMENT = "procurement", "政府采购"
    LAND_MINING = "land_mining", "土地使用权和矿业权"
    STATE_ASSETS = "state_assets", "国有产权"
    OTHER = "other", "其他"


class Procedure(models.TextChoices):
    """采购/招标方式. The values are the compliance gate's (``compliance.facts.PROCEDURES``)."""

    OPEN_TENDERING = "open_tendering", "公开招标"
    INVITED_TENDERING = "invited_tendering", "邀请招标"
    COMPETITIVE_NEGOTIATION = "competitive_negotiation", "竞争性谈判"
    COMPETITIVE_CONSULTATION = "competitive_consultation", "竞争性磋商"
    INQUIRY = "inquiry", "询价"
    SINGLE_SOURCE = "single_source", "单一来源"
    OTHER = "other", "其他"


class ReviewStepCode(models.TextChoices):
    FIRST_REVIEW = "first_review", "初审"
    REVIEW = "review", "审核"
    SECOND_REVIEW = "second_review", "复审"
    SIGN_OFF = "sign_off", "签发"


class Decision(models.TextChoices):
    SUBMIT = "submit", "提交审核"
    APPROVE = "approve", "通过"
    RETURN = "return", "退回"


class ContentType(models.TextChoices):
    """What a review chain is configured for. Later issues add their own (annual_report …)."""

    ARTICLE = "article", "政务信息"
    NOTICE = "notice", "交易公告"


# The nine article categories of the 2021 report live in publishing.defaults.
