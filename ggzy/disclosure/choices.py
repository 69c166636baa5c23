"""Vocabulary of the disclosure app. Values are the glossary's English names; labels the Chinese."""

from django.db import models

from ggzy.disclosure import workflow


class ApplicantKind(models.TextChoices):
    """The six applicant columns of report table 三, in column order."""

    NATURAL_PERSON = "natural_person", "自然人"
    BUSINESS = "business", "商业企业"
    RESEARCH = "research", "科研机构"
    PUBLIC_INTEREST = "public_interest", "社会公益组织"
    LEGAL_SERVICE = "legal_service", "法律服务机构"
    OTHER = "other", "其他"


APPLICANT_COLUMNS: tuple[str, ...] = tuple(ApplicantKind.values)


class IdentityDocType(models.TextChoices):
    RESIDENT_ID = "resident_id", "居民身份证"
    PASSPORT = "passport", "护照"
    HK_MACAO_PERMIT = "hk_macao_permit", "港澳居民来往内地通行证"
    TAIWAN_PERMIT = "taiwan_permit", "台湾居民来往大陆通行证"
    CREDIT_CODE = "credit_code", "统一社会信用代码"
    OTHER = "other", "其他证件"


class Channel(models.TextChoices):
    """How the application arrived; decides its receipt date (Art. 31)."""

    ONLINE = "online", "网上申请"
    IN_PERSON = "in_person", "当面提交"
    POST_SIGNED = "post_signed", "邮寄（需签收）"
    POST_UNSIGNED = "post_unsigned", "平常信函"
    FAX = "fax", "传真"
    EMAIL = "email", "电子邮件"
    ORAL = "oral", "口头申请（工作人员代为填写）"


class InfoForm(models.TextChoices):
    PAPER = "paper", "纸质"
    ELECTRONIC = "electronic", "电子文档"
    INSPECTION = "inspection", "查阅、抄录"
    OTHER = "other", "其他"


class DeliveryMethod(models.TextChoices):
    POST = "post", "邮寄"
    EMAIL = "email", "电子邮件"
    COLLECT = "collect", "当面领取"
    ONLINE = "online", "网上获取"
    FAX = "fax", "传真"


class RequestStatus(models.TextChoices):
    SUBMITTED = workflow.SUBMITTED, workflow.STATUS_LABELS[workflow.SUBMITTED]
    PROCESSING = workflow.PROCESSING, workflow.STATUS_LABELS[workflow.PROCESSING]
    AWAITING_AMENDMENT = workflow.AWAITING_AMENDMENT, workflow.STATUS_LABELS[workflow.AWAITING_AMENDMENT]
    CONSULTING = workflow.CONSULTING, workflow.STATUS_LABELS[workflow.CONSULTING]
    AWAITING_FEE = workflow.AWAITING_FEE, workflow.STATUS_LABELS[workflow.AWAITING_FEE]
    CLOSED = workflow.CLOSED, workflow.STATUS_LABELS[workflow.CLOSED]


class ClockEventKind(models.TextChoices):
    RECEIVED = "received", "收到申请"
    AMENDMENT_REQUESTED = "amendment_requested", "发出补正通知"
    AMENDMENT_RECEIVED = "amendment_received", "收到补正材料"
    CONSULTATION_STARTED = "consultation_started", "开始征求意见"
    CONSULTATION_ENDED = "consultation_ended", "结束征求意见"
    EXTENSION = "extension", "延长答复期限"
    LATER_DEADLINE = "later_deadline", "确定合理答复期限（第三十五条）"
    FEE_NOTICE = "fee_notice", "发出收费通知"
    FEE_PAID = "fee_paid", "缴纳信息处理费"


class ConsultationParty(models.TextChoices):
    THIRD_PARTY = "third_party", "第三方"
    OTHER_AGENCY = "other_agency", "其他机关"


class FeeStandard(models.TextChoices):
    BY_ITEM = "by_item", "按件计收"
    BY_VOLUME = "by_volume", "按量计收"


class ReviewKind(models.TextChoices):
    ADMINISTRATIVE_REVIEW = "administrative_review", "行政复议"
    LAWSUIT_DIRECT = "lawsuit_direct", "行政诉讼（未经复议直接起诉）"
    LAWSUIT_AFTER_REVIEW = "lawsuit_after_review", "行政诉讼（复议后起诉）"


class ReviewResult(models.TextChoices):
    UPHELD = "upheld", "结果维持"
    CORRECTED = "corrected", "结果纠正"
    OTHER = "other", "其他结果"
    PENDING = "pending", "尚未审结"


class CenterRole(models.TextChoices):
    """The center's part in a case. 国办公开办函〔2016〕201号: when the review body is a co-defendant
    only the original actor counts the lawsuit."""

    ORIGINAL_ACTOR = "original_actor", "原行政行为机关"
    REVIEW_BODY_CO_DEFENDANT = "review_body_co_defendant", "复议机关（共同被告）"


class NormativeKind(models.TextChoices):
    RULE = "rule", "规章"
    NORMATIVE_DOCUMENT = "normative_document", "行政规范性文件"


class DecisionKind(models.TextChoices):
    LICENCE = "licence", "行政许可"
    PENALTY = "penalty", "行政处罚"
    ENFORCEMENT = "enforcement", "行政强制"
