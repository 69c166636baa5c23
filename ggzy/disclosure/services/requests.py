"""Applying: the public online form, staff registration of the other channels (Art. 31 receipt
dates), confirmation of receipt, and the audited view of an applicant's personal data."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import ValidationFailed
from ggzy.disclosure import pii
from ggzy.disclosure.choices import (
    ApplicantKind,
    Channel,
    ClockEventKind,
    DeliveryMethod,
    IdentityDocType,
    InfoForm,
    RequestStatus,
)
from ggzy.disclosure.models import DisclosureRequest
from ggzy.disclosure.services import _common as c

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone
CODE_LENGTH = 8
SECRET_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyz"  # noqa: S105 - an alphabet, not a password
SECRET_LENGTH = 10
MIN_SECRET_LENGTH = 6

# Art. 31: the channels whose receipt date is a confirmation day, not the arrival day.
CONFIRMED_CHANNELS = frozenset({Channel.ONLINE, Channel.POST_UNSIGNED, Channel.FAX, Channel.EMAIL})


@dataclass(frozen=True)
class ApplicantInput:
    """Art. 29(一): 姓名或者名称、身份证明、联系方式."""

    kind: str
    name: str
    id_doc_type: str
    id_number: str
    phone: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""
    contact_person: str = ""


@dataclass(frozen=True)
class InfoInput:
    """Art. 29(二)(三): the information wanted and the form and way to get it."""

    form: str
    delivery_method: str
    name: str = ""
    doc_number: str = ""
    description: str = ""


@dataclass(frozen=True)
class Submitted:
    """The new request and the applicant's access secret — shown once, only its hash is kept."""

    request: DisclosureRequest
    secret: str


@dataclass(frozen=True)
class ApplicantPII:
    id_doc_type: str
    id_number: str
    phone: str
    email: str
    address: str


# The longest text each input may have, in characters (after trimming; the identity number after
# removing spaces), with its label for the error. Every column it is stored in must hold it: the
# masked copies of the identity number and phone are as long as the value, the e-mail's masked
# copy (``z***@example.com``) is up to three longer than the value (email_masked holds 120), and
# the address and description are text columns (the limits are the forms'). Forms and the API
# schemas use the same numbers.
TEXT_LIMITS: dict[str, tuple[str, int]] = {
    "applicant_name": ("申请人姓名或名称", 200),
    "contact_person": ("联系人", 50),
    "id_number": ("身份证明号码", 40),
    "phone": ("联系电话", 40),
    "email": ("电子邮箱", 117),
    "address": ("通信地址", 200),
    "postcode": ("邮政编码", 10),
    "info_name": ("所需信息名称", 300),
    "info_doc_number": ("所需信息文号", 100),
    "info_description": ("所需信息的特征性描述", 4000),
}


def text_limit(name: str) -> int:
    return TEXT_LIMITS[name][1]


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _resident_id_ok(number: str) -> bool:
    """GB 11643-1999: 17 digits and a check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17]


def _check_lengths(applicant: ApplicantInput, info: InfoInput) -> None:
    values = {
        "applicant_name": applicant.name.strip(),
        "contact_person": applicant.contact_person.strip(),
        "id_number": pii.normalise_id_number(applicant.id_number),
        "phone": applicant.phone.strip(),
        "email": applicant.email.strip(),
        "address": applicant.address.strip(),
        "postcode": applicant.postcode.strip(),
        "info_name": info.name.strip(),
        "info_doc_number": info.doc_number.strip(),
        "info_description": info.description.strip(),
    }
    errors = {
        name: f"不能超过{limit}个字符"
        for name, (_label, limit) in TEXT_LIMITS.items()
        if len(values[name]) > limit
    }
    if errors:
        raise ValidationFailed(
            "申请内容过长："
            + "；".join(f"{TEXT_LIMITS[name][0]}{problem}" for name, problem in errors.items()),
            code="too_long",
            fields=errors,
        )


def _validate(applicant: ApplicantInput, info: InfoInput) -> None:
    _check_lengths(applicant, info)
    errors: dict[str, str] = {}
    if applicant.kind not in ApplicantKind.values:
        errors["applicant_kind"] = "请选择申请人类型"
    if not applicant.name.strip():
        errors["applicant_name"] = "请填写申请人姓名或名称"
    if applicant.id_doc_type not in IdentityDocType.values:
        errors["id_doc_type"] = "请选择身份证明类型"
    number = pii.normalise_id_number(applicant.id_number)
    if not number:
        errors["id_number"] = "请填写身份证明号码"
    elif applicant.id_doc_type == IdentityDocType.RESIDENT_ID and not _resident_id_ok(number):
        errors["id_number"] = "居民身份证号码不正确"
    if not (applicant.phone.strip() or applicant.email.strip() or applicant.address.strip()):
        errors["contact"] = "请至少填写一种联系方式"
    if info.delivery_method == DeliveryMethod.POST and not applicant.address.strip():
        errors["address"] = "选择邮寄的，请填写通信地址"
    if info.delivery_method == DeliveryMethod.EMAIL and "@" not in applicant.email:
        errors["email"] = "选择电子邮件的，请填写有效的电子邮箱"
    if not (info.name.strip() or info.doc_number.strip() or info.description.strip()):
        errors["info"] = "请填写所需信息的名称、文号或者便于查询的其他特征性描述"
    if info.form not in InfoForm.values:
        errors["info_form"] = "请选择所需信息的形式"
    if info.delivery_method not in DeliveryMethod.values:
        errors["delivery_method"] = "请选择获取信息的方式"
    if errors:
        raise ValidationFailed(
            "申请内容不完整：" + "；".join(errors.values()) + "（《政府信息公开条例》第二十九条）",
            fields=errors,
        )


def _secret(secret: str | None) -> str:
    if secret is None:
        return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_LENGTH))
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValidationFailed(
            f"查询密码至少 {MIN_SECRET_LENGTH} 位", fields={"secret": f"至少 {MIN_SECRET_LENGTH} 位"}
        )
    return secret


def _tracking_code(year: int) -> str:
    while True:
        code = f"YSQ-{year}-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not DisclosureRequest.objects.filter(tracking_code=code).exists():
            return code


def _new_request(
    *,
    applicant: ApplicantInput,
    info: InfoInput,
    channel: str,
    arrived_on: dt.date,
    secret: str,
    actor: User | None,
) -> DisclosureRequest:
    number = pii.normalise_id_number(applicant.id_number)
    return DisclosureRequest.objects.create(
        tracking_code=_tracking_code(arrived_on.year),
        secret_hash=make_password(secret),
        applicant_kind=applicant.kind,
        applicant_name=applicant.name.strip(),
        contact_person=applicant.contact_person.strip(),
        id_doc_type=applicant.id_doc_type,
        id_number_encrypted=pii.encrypt("id_number", number),
        id_number_masked=pii.mask_id_number(number),
        id_digest=pii.identity_digest(applicant.id_doc_type, number),
        phone_encrypted=pii.encrypt("phone", applicant.phone.strip()),
        phone_masked=pii.mask_phone(applicant.phone),
        email_encrypted=pii.encrypt("email", applicant.email.strip()),
        email_masked=pii.mask_email(applicant.email),
        address_encrypted=pii.encrypt("address", applicant.address.strip()),
        address_masked=pii.mask_address(applicant.address),
        postcode=applicant.postcode.strip(),
        info_name=info.name.strip(),
        info_doc_number=info.doc_number.strip(),
        info_description=info.description.strip(),
        info_form=info.form,
        delivery_method=info.delivery_method,
        channel=channel,
        arrived_on=arrived_on,
        status=RequestStatus.SUBMITTED,
        registered_by=actor,
    )


def _receive(
    request: DisclosureRequest, *, actor: User | None, received_on: dt.date, clock: Clock
) -> DisclosureRequest:
    """Day 0 of the clock: status processing, the first due date."""
    cal = c.calendar()
    request.status = c.transition("confirm_receipt", request)
    request.received_on = received_on
    c.add_event(request, kind=ClockEventKind.RECEIVED, on=received_on, actor=actor)
    c.refresh_due(request, cal)
    request.save(update_fields=["status", "received_on", "due_date", "updated_at"])
    return request


@transaction.atomic
def disclosure_request_submit(
    *,
    actor: None = None,
    applicant: ApplicantInput,
    info: InfoInput,
    secret: str | None = None,
    clock: Clock = system_clock,
) -> Submitted:
    """A member of the public applies online. Art. 31(三): the receipt date is the day both sides
    confirm, so the request waits (``submitted``) until staff confirm receipt."""
    _validate(applicant, info)
    secret = _secret(secret)
    request = _new_request(
        applicant=applicant,
        info=info,
        channel=Channel.ONLINE,
        arrived_on=c.today(clock),
        secret=secret,
        actor=None,
    )
    c.audit(
        request,
        actor=None,
        action="disclosure.submit",
        clock=clock,
        tracking_code=request.tracking_code,
        channel=Channel.ONLINE,
        applicant_kind=request.applicant_kind,
    )
    return Submitted(request=request, secret=secret)


@transaction.atomic
def disclosure_request_register(
    *,
    actor: User,
    channel: str,
    applicant: ApplicantInput,
    info: InfoInput,
    arrived_on: dt.date,
    confirmed_on: dt.date | None = None,
    secret: str | None = None,
    clock: Clock = system_clock,
) -> Submitted:
    """Staff register an application that came in person, by post, fax, e-mail or orally.

    Art. 31: in person / oral — the day of submission (``arrived_on``); signed post — the day it
    was signed for (``arrived_on``); unsigned post, fax, e-mail — the day of confirmation
    (``confirmed_on``; without it the request waits as ``submitted`` for
    :func:`disclosure_request_confirm_receipt`).
    """
    c.require_handler(actor)
    if channel not in Channel.values:
        raise ValidationFailed("请选择申请渠道", fields={"channel": "必填"})
    if channel == Channel.ONLINE:
        raise ValidationFailed(
            "网上申请由申请人在线提交，工作人员只需确认受理", fields={"channel": "网上申请"}
        )
    cal = c.calendar()
    c.check_day(arrived_on, calendar=cal, clock=clock, label="提交/送达日期", field="arrived_on")
    if channel in CONFIRMED_CHANNELS:
        if confirmed_on is not None:
            c.check_day(
                confirmed_on,
                calendar=cal,
                clock=clock,
                label="确认日期",
                field="confirmed_on",
                not_before=arrived_on,
                not_before_label="送达日期",
            )
    elif confirmed_on is not None and confirmed_on != arrived_on:
        raise ValidationFailed(
            f"“{Channel(channel).label}”的申请以{'签收' if channel == Channel.POST_SIGNED else '提交'}之日"
            "为收到申请之日"
            "（《政府信息公开条例》第三十一条），无需另行确认",
            fields={"confirmed_on": "不适用"},
        )
    _validate(applicant, info)
    secret = _secret(secret)
    request = _new_request(
        applicant=applicant, info=info, channel=channel, arrived_on=arrived_on, secret=secret, actor=actor
    )
    received_on = arrived_on if channel not in CONFIRMED_CHANNELS else confirmed_on
    if received_on is not None:
        _receive(request, actor=actor, received_on=received_on, clock=clock)
    c.audit(
        request,
        actor=actor,
        action="disclosure.register",
        clock=clock,
        tracking_code=request.tracking_code,
        channel=channel,
        applicant_kind=request.applicant_kind,
        arrived_on=arrived_on,
        received_on=received_on,
        due_date=request.due_date,
    )
    return Submitted(request=request, secret=secret)


@transaction.atomic
def disclosure_request_confirm_receipt(
    *, actor: User, request: DisclosureRequest, confirmed_on: dt.date, clock: Clock = system_clock
) -> DisclosureRequest:
    """Staff and applicant confirm an online / fax / e-mail / unsigned-post application; that day
    is the receipt date (Art. 31) and day 0 of the clock."""
    c.require_handler(actor)
    request = c.lock(request)
    c.transition("confirm_receipt", request)
    c.check_day(
        confirmed_on,
        calendar=c.calendar(),
        clock=clock,
        label="确认日期",
        field="confirmed_on",
        not_before=request.arrived_on,
        not_before_label="提交/送达日期",
    )
    _receive(request, actor=actor, received_on=confirmed_on, clock=clock)
    c.audit(
        request,
        actor=actor,
        action="disclosure.confirm_receipt",
        clock=clock,
        before=RequestStatus.SUBMITTED,
        after=request.status,
        received_on=confirmed_on,
        due_date=request.due_date,
    )
    return request


@transaction.atomic
def disclosure_pii_view(
    *, actor: User, request: DisclosureRequest, purpose: str = "", clock: Clock = system_clock
) -> ApplicantPII:
    """The applicant's identity number and contact details in full, for handling staff only;
    every call writes a ``disclosure.pii_view`` audit event (without the data itself)."""
    c.require_handler(actor)
    request = DisclosureRequest.objects.get(pk=request.pk)
    result = ApplicantPII(
        id_doc_type=request.id_doc_type,
        id_number=pii.decrypt("id_number", request.id_number_encrypted),
        phone=pii.decrypt("phone", request.phone_encrypted),
        email=pii.decrypt("email", request.email_encrypted),
        address=pii.decrypt("address", request.address_encrypted),
    )
    c.audit(
        request,
        actor=actor,
        action="disclosure.pii_view",
        clock=clock,
        fields=list(pii.FIELDS),
        purpose=purpose.strip(),
    )
    return result
