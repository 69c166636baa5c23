"""Every write of the disclosure app. Import from here: ``from ggzy.disclosure import services``."""

from ggzy.disclosure.services._common import HANDLING_ROLES
from ggzy.disclosure.services.cases import (
    admin_fee_record,
    administrative_decision_record,
    normative_document_record,
    normative_document_repeal,
    review_case_decide,
    review_case_record,
)
from ggzy.disclosure.services.clock import (
    disclosure_amendment_receive,
    disclosure_amendment_request,
    disclosure_consultation_end,
    disclosure_consultation_start,
    disclosure_extend,
    disclosure_fee_notice_issue,
    disclosure_fee_payment_record,
    disclosure_later_deadline_set,
)
from ggzy.disclosure.services.rekey import RekeyResult, disclosure_pii_rekey
from ggzy.disclosure.services.replies import (
    disclosure_close_unanswered_amendment,
    disclosure_close_unpaid_fee,
    disclosure_reply,
    disclosure_reply_mark_delivered,
)
from ggzy.disclosure.services.requests import (
    TEXT_LIMITS,
    ApplicantInput,
    ApplicantPII,
    InfoInput,
    Submitted,
    disclosure_pii_view,
    disclosure_request_confirm_receipt,
    disclosure_request_register,
    disclosure_request_submit,
    text_limit,
)
from ggzy.disclosure.services.sweep import SweepResult, disclosure_reminders_send, disclosure_sweep

__all__ = [
    "HANDLING_ROLES",
    "TEXT_LIMITS",
    "ApplicantInput",
    "ApplicantPII",
    "InfoInput",
    "RekeyResult",
    "Submitted",
    "SweepResult",
    "admin_fee_record",
    "administrative_decision_record",
    "disclosure_amendment_receive",
    "disclosure_amendment_request",
    "disclosure_close_unanswered_amendment",
    "disclosure_close_unpaid_fee",
    "disclosure_consultation_end",
    "disclosure_consultation_start",
    "disclosure_extend",
    "disclosure_fee_notice_issue",
    "disclosure_fee_payment_record",
    "disclosure_later_deadline_set",
    "disclosure_pii_rekey",
    "disclosure_pii_view",
    "disclosure_reminders_send",
    "disclosure_reply",
    "disclosure_reply_mark_delivered",
    "disclosure_request_confirm_receipt",
    "disclosure_request_register",
    "disclosure_request_submit",
    "disclosure_sweep",
    "normative_document_record",
    "normative_document_repeal",
    "review_case_decide",
    "review_case_record",
    "text_limit",
]
