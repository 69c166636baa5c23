"""Bodies of /api/v1/disclosure (依申请公开): what the public sends and gets back, what staff send
for each transition of the statutory workflow, and the report statistics.

Enumerated fields use the disclosure app's own vocabulary (``ggzy.disclosure.choices``), so the
OpenAPI document lists the allowed values. Lengths are capped at the database columns' sizes;
every other rule (which fields are required together, dates, the legal limits) is the services',
which answer with the legal reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from ggzy.api.schemas import Params
from ggzy.core.clock import SHANGHAI
from ggzy.disclosure.choices import (
    ApplicantKind,
    CenterRole,
    Channel,
    ConsultationParty,
    DeliveryMethod,
    FeeStandard,
    IdentityDocType,
    InfoForm,
    RequestStatus,
    ReviewKind,
    ReviewResult,
)
from ggzy.disclosure.outcomes import OUTCOME_CODES
from ggzy.disclosure.services import text_limit

MAX_NOTE = 2000
MAX_TEXT = 20000
MAX_FILES = 20
MAX_SECRET = 128


def local(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(SHANGHAI) if moment is not None else None


# ---------------------------------------------------------------- applying


class ApplicantIn(Schema):
    """申请人（《政府信息公开条例》第二十九条第一项）。至少填写一种联系方式。"""

    kind: ApplicantKind = Field(..., description="申请人类型（年度报告表三的六列）")
    name: str = Field(..., max_length=text_limit("applicant_name"), description="姓名或者名称")
    id_doc_type: IdentityDocType = Field(..., description="身份证明类型")
    id_number: str = Field(
        ..., max_length=text_limit("id_number"), description="身份证明号码（加密保存，页面只显示脱敏形式）"
    )
    phone: str = Field("", max_length=text_limit("phone"), description="联系电话")
    email: str = Field("", max_length=text_limit("email"), description="电子邮箱")
    address: str = Field("", max_length=text_limit("address"), description="通信地址")
    postcode: str = Field("", max_length=text_limit("postcode"), description="邮政编码")
    contact_person: str = Field(
        "", max_length=text_limit("contact_person"), description="联系人（法人或其他组织）"
    )


class InfoIn(Schema):
    """所需信息（第二十九条第二、三项）：名称、文号或其他特征性描述至少一项，以及形式和获取方式。"""

    form: InfoForm = Field(..., description="所需信息的形式")
    delivery_method: DeliveryMethod = Field(..., description="获取信息的方式")
    name: str = Field("", max_length=text_limit("info_name"), description="所需信息的名称")
    doc_number: str = Field("", max_length=text_limit("info_doc_number"), description="所需信息的文号")
    description: str = Field(
        "", max_length=text_limit("info_description"), description="便于查询的其他特征性描述"
    )


class SubmitIn(Schema):
    applicant: ApplicantIn
    info: InfoIn
    secret: str | None = Field(
        None, max_length=MAX_SECRET, description="自设查询密码（至少6位）；不填则由系统生成"
    )


class RegisterIn(SubmitIn):
    channel: Channel = Field(..., description="申请渠道（网上申请由申请人自行提交）")
    arrived_on: dt.date = Field(..., description="提交/送达日期（当面、口头：提交之日；邮寄签收：签收之日）")
    confirmed_on: dt.date | None = Field(
        None, description="双方确认之日（平常信函、传真、电子邮件；不填则待确认受理）"
    )


class SubmittedOut(Schema):
    id: int
    tracking_code: str
    secret: str = Field(..., description="查询密码：只显示这一次，系统只保存其摘要")
    status: RequestStatus
    status_label: str
    arrived_on: dt.date
    received_on: dt.date | None
    due_date: dt.date | None


class TrackParams(Params):
    code: str | None = Field(None, max_length=40, description="查询码，如 YSQ-2026-XXXXXXXX")
    secret: str | None = Field(None, max_length=MAX_SECRET, description="查询密码")


class TrackIn(Schema):
    code: str = Field(..., max_length=40)
    secret: str = Field(..., max_length=MAX_SECRET)


class TrackingOut(Schema):
    """申请人可见的办理进度：不含任何个人信息。"""

    tracking_code: str
    status: RequestStatus
    status_label: str
    arrived_on: dt.date
    received_on: dt.date | None
    due_date: dt.date | None
    outcome: str | None
    outcome_label: str
    replied_on: dt.date | None
    delivered_at: dt.datetime | None


# ---------------------------------------------------------------- staff reads


class StaffListParams(Params):
    status: RequestStatus | None = Field(None, description="状态")
    q: str | None = Field(None, max_length=100, description="查询码、申请人或所需信息名称中的文字")
    cursor: str | None = Field(None, max_length=120, description="上一页返回的 next_cursor")
    limit: int = Field(20, ge=1, le=100, description="每页条数，1–100")


class DeadlineParams(Params):
    within: int | None = Field(None, ge=0, le=60, description="只列出剩余工作日不超过该数的申请")
    overdue_only: bool = Field(False, description="只列出已超期的申请")


class RequestItem(Schema):
    """一件申请（工作人员视图）。个人信息只有脱敏形式；完整信息见 /pii（每次查看均记审计日志）。"""

    id: int
    tracking_code: str
    status: RequestStatus
    status_label: str
    channel: Channel
    applicant_kind: ApplicantKind
    applicant_name: str
    contact_person: str
    id_doc_type: IdentityDocType
    id_number_masked: str
    phone_masked: str
    email_masked: str
    address_masked: str
    info_name: str
    info_doc_number: str
    info_description: str
    info_form: InfoForm
    delivery_method: DeliveryMethod
    arrived_on: dt.date
    received_on: dt.date | None
    due_date: dt.date | None
    outcome: str | None
    outcome_label: str
    closed_on: dt.date | None


class RequestPage(Schema):
    items: list[RequestItem]
    next_cursor: str | None


class DeadlineItem(Schema):
    request: RequestItem
    due_date: dt.date
    days_left: int = Field(..., description="剩余工作日；0 为今日到期，负数为已超期")
    overdue: bool


class ClockEventOut(Schema):
    kind: str
    kind_label: str
    on: dt.date
    days: int
    until: dt.date | None
    party: str
    items: str
    note: str
    approved_by: str | None


class ClockOut(Schema):
    start: dt.date | None = Field(..., description="当前起算日（第0日）")
    due: dt.date | None = Field(..., description="答复期限；暂停或待补正时为 null")
    running: bool
    awaiting_amendment: bool
    amendment_requested: bool
    amendment_deadline: dt.date | None
    paused_since: dt.date | None
    extension_days: int
    later_deadline: dt.date | None


class FileOut(Schema):
    name: str
    sha256: str
    size: int
    media_type: str


class ReplyOut(Schema):
    outcome: str
    outcome_label: str
    legal_basis: str
    text: str
    replied_on: dt.date
    delivered_at: dt.datetime | None
    delivery_method: str
    files: list[FileOut]


class FeeNoticeOut(Schema):
    standard: FeeStandard
    units: int
    amount: str = Field(..., description="应缴金额（元），十进制字符串")
    issued_on: dt.date
    deadline: dt.date
    paid_on: dt.date | None
    amount_paid: str | None


class RequestDetail(RequestItem):
    legal_basis: str
    days_left: int | None = Field(..., description="距答复期限的工作日数；期限未在计算时为 null")
    clock: ClockOut
    events: list[ClockEventOut]
    reply: ReplyOut | None
    fee_notice: FeeNoticeOut | None


class PIIParams(Params):
    purpose: str | None = Field(None, max_length=200, description="查看目的（记入审计日志）")


class PIIOut(Schema):
    id_doc_type: IdentityDocType
    id_number: str
    phone: str
    email: str
    address: str


# ---------------------------------------------------------------- staff transitions


class ConfirmIn(Schema):
    confirmed_on: dt.date = Field(..., description="双方确认之日（收到申请之日，第三十一条）")


class AmendmentRequestIn(Schema):
    items: str = Field(..., max_length=MAX_NOTE, description="需要补正的事项（一次性告知）")
    deadline: dt.date = Field(..., description="合理的补正期限")
    on: dt.date | None = Field(None, description="补正通知日期；不填为今天")


class DatedNoteIn(Schema):
    on: dt.date
    note: str = Field("", max_length=MAX_NOTE)


class ConsultationStartIn(DatedNoteIn):
    party: ConsultationParty = Field(..., description="征求意见对象：第三方或其他机关")


class ExtendIn(Schema):
    days: int = Field(..., description="延长的工作日数（最长20个工作日）")
    approved_by: str = Field(..., max_length=150, description="批准延期的信息公开办公室负责人的用户名")
    reason: str = Field(..., max_length=MAX_NOTE)
    on: dt.date | None = Field(None, description="延期决定日期；不填为今天")


class LaterDeadlineIn(Schema):
    until: dt.date = Field(..., description="合理答复期限（第三十五条）")
    reason: str = Field(..., max_length=MAX_NOTE)
    on: dt.date | None = None


class FeeNoticeIn(Schema):
    standard: FeeStandard = Field(..., description="收费标准：按件或按量（只能选一种）")
    pages: int | None = Field(None, ge=0, le=1_000_000, description="按量计收的页数")
    items: int | None = Field(
        None, ge=0, le=1_000_000, description="按件计收的本月累计件数；不填则按同一申请人本月申请自动计算"
    )
    deadline: dt.date | None = Field(None, description="缴费期限；不填按规定工作日数计算")
    on: dt.date | None = Field(None, description="收费通知日期；不填为今天")


class FeePaymentIn(Schema):
    amount: Decimal = Field(..., max_digits=12, decimal_places=2, description="实缴金额（元）")
    on: dt.date = Field(..., description="缴费日期")


class FileIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    content_base64: str = Field(..., description="文件内容，base64 编码")


class ReplyIn(Schema):
    outcome: str | list[str] = Field(
        ..., description="办理结果：年度报告表三21种情形之一的代码（" + "、".join(OUTCOME_CODES) + "）"
    )
    legal_basis: str = Field(..., max_length=MAX_NOTE, description="法律依据")
    text: str = Field("", max_length=MAX_TEXT, description="答复内容")
    replied_on: dt.date | None = Field(None, description="答复日期；不填为今天")
    files: list[FileIn] = Field(default_factory=list, max_length=MAX_FILES, description="公开的文件")


class DeliveredIn(Schema):
    method: DeliveryMethod = Field(..., description="送达方式")


# ---------------------------------------------------------------- review cases


class ReviewCaseIn(Schema):
    kind: ReviewKind
    center_role: CenterRole = Field(CenterRole.ORIGINAL_ACTOR, description="本机关在案件中的地位")
    filed_on: dt.date
    request_id: int | None = Field(None, description="所涉申请")
    case_number: str = Field("", max_length=100)
    subject: str = Field("", max_length=300)
    previous_id: int | None = Field(None, description="复议后起诉的，前置行政复议案件")
    documents: list[FileIn] = Field(default_factory=list, max_length=MAX_FILES)


class ReviewDecisionIn(Schema):
    result: ReviewResult
    decided_on: dt.date
    note: str = Field("", max_length=MAX_NOTE)
    documents: list[FileIn] = Field(default_factory=list, max_length=MAX_FILES)


class ReviewCaseParams(Params):
    year: int | None = Field(None, ge=2000, le=2100, description="立案/申请年度")


class ReviewCaseOut(Schema):
    id: int
    kind: ReviewKind
    kind_label: str
    center_role: CenterRole
    counted_in_table4: bool
    case_number: str
    subject: str
    request_id: int | None
    request_tracking_code: str | None
    previous_id: int | None
    filed_on: dt.date
    decided_on: dt.date | None
    result: ReviewResult
    result_label: str
    note: str


# ---------------------------------------------------------------- statistics


class Table3RowOut(Schema):
    code: str
    label: str = Field(..., description="年度报告格式中的行标题")
    cells: list[int] = Field(
        ..., description="自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他、总计"
    )


class CheckOut(Schema):
    rule: str
    passed: bool
    detail: str


TABLE4_DESCRIPTION = (
    "review、lawsuit_direct、lawsuit_after_review 三组，各含 upheld、corrected、other、pending、total"
)


class DisclosureStatsOut(Schema):
    year: int
    columns: list[str]
    table3: list[Table3RowOut]
    table4: dict[str, dict[str, int]] = Field(
        ...,
        description=TABLE4_DESCRIPTION,
    )
    checks: list[CheckOut]


class Table2Out(Schema):
    year: int
    rules: dict[str, int]
    normative_documents: dict[str, int]
    licence: int
    penalty: int
    enforcement: int
    admin_fee_wan: str = Field(..., description="行政事业性收费（万元），十进制字符串")


class FeeTotalsOut(Schema):
    year: int
    notices: int
    amount_due: str
    amount_paid: str


def decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"
