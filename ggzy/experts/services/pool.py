"""Writes to the expert pool: experts (by staff or the spreadsheet import), the expert's own
profile, specialty requests and their review, leave periods, employment history and status."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction

from ggzy.accounts.choices import OrganisationKind, Role
from ggzy.accounts.models import Organisation, User
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import NotFound, ValidationFailed
from ggzy.experts import pii
from ggzy.experts.choices import Channel, ExpertStatus, SpecialtyStatus, TitleLevel
from ggzy.experts.models import EmploymentPeriod, Expert, ExpertSpecialty, LeavePeriod, SpecialtyCode
from ggzy.experts.services._common import audit, require_own_expert, require_pool_staff, today

PHONE_RE = re.compile(r"^1\d{10}$")


@dataclass
class ExpertInput:
    """One expert as entered by staff or read from a spreadsheet row (all text, unchecked)."""

    name: str
    id_number: str
    title: str
    title_level: str
    years: str | int
    region: str
    specialties: Sequence[str] = ()
    employer_credit_code: str = ""
    email: str = ""
    phone: str = ""
    preferred_channel: str = Channel.EMAIL
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Checked:
    name: str
    id_number: str
    birth: dt.date
    title: str
    title_level: str
    years: int
    region: str
    specialties: list[SpecialtyCode]
    employer: Organisation | None
    email: str
    phone: str
    preferred_channel: str


def check_input(
    item: ExpertInput, *, codes: dict[str, SpecialtyCode], seen_ids: set[str]
) -> tuple[Checked | None, list[str]]:
    """Validate one expert; (checked, []) or (None, problems in Chinese)."""
    problems: list[str] = []
    name = (item.name or "").strip()
    if not name or len(name) > 50:
        problems.append("姓名不能为空且不超过 50 字")
    id_number = pii.base.normalise_id_number(item.id_number or "")
    problem = pii.id_number_problem(id_number)
    if problem:
        problems.append(problem)
    elif (
        pii.id_digest(id_number) in seen_ids
        or Expert.objects.filter(id_digest__in=pii.id_digests(id_number)).exists()
    ):
        problems.append("该身份证号的专家已在专家库中")
    title = (item.title or "").strip()
    if not title:
        problems.append("职称不能为空")
    level = (item.title_level or "").strip()
    by_label = {label: value for value, label in TitleLevel.choices}
    level = by_label.get(level, level)
    if level not in TitleLevel.values:
        problems.append(f"职称级别“{item.title_level}”无效，应为：{'、'.join(TitleLevel.labels)}")
    try:
        years = int(str(item.years).strip())
        if not 0 <= years <= 70:
            raise ValueError
    except ValueError:
        years = 0
        problems.append(f"从业年限“{item.years}”应为 0–70 的整数")
    region = (item.region or "").strip()
    if not region:
        problems.append("所在地区不能为空")
    specs: list[SpecialtyCode] = []
    raw_codes = [c.strip().upper() for c in item.specialties if c and c.strip()]
    if not raw_codes:
        problems.append("至少填写一个专业代码")
    for code in raw_codes:
        spec = codes.get(code)
        if spec is None or not spec.is_active:
            problems.append(f"专业代码“{code}”不存在")
        elif spec not in specs:
            specs.append(spec)
    employer = None
    credit = (item.employer_credit_code or "").strip().upper()
    if credit:
        employer = Organisation.objects.filter(credit_code=credit).first()
        if employer is None:
            problems.append(f"工作单位统一社会信用代码“{credit}”不在机构库中")
    email = (item.email or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            problems.append(f"电子邮箱“{email}”格式不正确")
    phone = "".join((item.phone or "").split())
    if phone and not PHONE_RE.match(phone):
        problems.append(f"手机号“{phone}”应为 11 位")
    channel = (item.preferred_channel or Channel.EMAIL).strip()
    channel = {label: value for value, label in Channel.choices}.get(channel, channel)
    if channel not in Channel.values:
        problems.append(f"通知方式“{item.preferred_channel}”无效")
    elif channel == Channel.EMAIL and not email:
        problems.append("通知方式为电子邮件时须填写电子邮箱")
    elif channel in (Channel.SMS, Channel.VOICE) and not phone:
        problems.append("通知方式为短信或语音时须填写手机号")
    if problems:
        return None, problems
    birth = pii.birth_from_id(id_number)
    assert birth is not None
    return Checked(
        name, id_number, birth, title, level, years, region, specs, employer, email, phone, channel
    ), []


def _next_code() -> str:
    last = Expert.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    n = last + 1
    while Expert.objects.filter(code=f"ZJ{n:07d}").exists():
        n += 1
    return f"ZJ{n:07d}"


def _create(c: Checked, *, actor: User | None, user: User | None, clock: Clock) -> Expert:
    now = clock.now()
    expert = Expert.objects.create(
        code=_next_code(),
        user=user,
        name=c.name,
        id_number_encrypted=pii.encrypt("id_number", c.id_number),
        id_number_masked=pii.mask_id_number(c.id_number),
        id_digest=pii.id_digest(c.id_number),
        birth_date=c.birth,
        title=c.title,
        title_level=c.title_level,
        years=c.years,
        employer=c.employer,
        region=c.region,
        email=c.email,
        phone_encrypted=pii.encrypt("phone", c.phone) if c.phone else "",
        phone_masked=pii.mask_phone(c.phone),
        preferred_channel=c.preferred_channel,
        created_at=now,
    )
    for spec in c.specialties:
        ExpertSpecialty.objects.create(
            expert=expert,
            specialty=spec,
            status=SpecialtyStatus.APPROVED,
            requested_at=now,
            reviewed_by=actor,
            reviewed_at=now,
            review_note="入库审核",
        )
    if c.employer is not None:
        EmploymentPeriod.objects.create(expert=expert, organisation=c.employer, start=None, end=None)
    return expert


def _codes() -> dict[str, SpecialtyCode]:
    return {s.code: s for s in SpecialtyCode.objects.all()}


@transaction.atomic
def expert_create(
    *, actor: User, data: ExpertInput, user: User | None = None, clock: Clock = system_clock
) -> Expert:
    """Staff enter one expert (specialties approved at once)."""
    require_pool_staff(actor)
    if user is not None and not user.has_role(Role.EXPERT):
        raise ValidationFailed("关联的登录账号须具有评标专家角色", fields={"user": "须具有评标专家角色"})
    checked, problems = check_input(data, codes=_codes(), seen_ids=set())
    if checked is None:
        raise ValidationFailed("；".join(problems))
    expert = _create(checked, actor=actor, user=user, clock=clock)
    audit(expert, actor=actor, action="expert_created", clock=clock, code=expert.code)
    return expert


# ---------------------------------------------------------------- spreadsheet import


@dataclass(frozen=True)
class RowError:
    row: int
    problems: list[str]


class ImportRejected(ValidationFailed):
    """The spreadsheet had errors; ``rows`` lists every bad row. Nothing was imported."""

    code = "import_rejected"

    def __init__(self, rows: list[RowError]) -> None:
        super().__init__(
            f"导入失败：{len(rows)} 行有错误，未导入任何专家",
            fields={f"第{r.row}行": "；".join(r.problems) for r in rows},
        )
        self.rows = rows


@transaction.atomic
def experts_import(
    *, actor: User, rows: Sequence[tuple[int, ExpertInput]], clock: Clock = system_clock
) -> list[Expert]:
    """Import spreadsheet rows (row number, input). Every row is checked first; any error rejects
    the whole file (:class:`ImportRejected` with all row errors) and nothing is written."""
    require_pool_staff(actor)
    if not rows:
        raise ValidationFailed("表格中没有专家数据")
    codes = _codes()
    seen: set[str] = set()
    errors: list[RowError] = []
    checked: list[Checked] = []
    for number, item in rows:
        c, problems = check_input(item, codes=codes, seen_ids=seen)
        if c is None:
            errors.append(RowError(number, problems))
        else:
            seen.add(pii.id_digest(c.id_number))
            checked.append(c)
    if errors:
        raise ImportRejected(errors)
    created = [_create(c, actor=actor, user=None, clock=clock) for c in checked]
    audit(
        created[0],
        actor=actor,
        action="experts_imported",
        clock=clock,
        count=len(created),
        codes=[e.code for e in created],
    )
    return created


# ---------------------------------------------------------------- the expert's own profile


@transaction.atomic
def expert_profile_update(
    *,
    actor: User,
    expert: Expert,
    title: str,
    title_level: str,
    years: int,
    region: str,
    email: str,
    phone: str,
    preferred_channel: str,
    clock: Clock = system_clock,
) -> Expert:
    require_own_expert(actor, expert)
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    item = ExpertInput(
        name=expert.name,
        id_number="",
        title=title,
        title_level=title_level,
        years=years,
        region=region,
        specialties=["-"],
        email=email,
        phone=phone,
        preferred_channel=preferred_channel,
    )
    _, problems = check_input(item, codes={"-": SpecialtyCode(code="-", is_active=True)}, seen_ids=set())
    problems = [p for p in problems if "身份证" not in p]
    if problems:
        raise ValidationFailed("；".join(problems))
    phone = "".join(phone.split())
    expert.title, expert.years, expert.region, expert.email = (
        title.strip(),
        int(years),
        region.strip(),
        email.strip(),
    )
    expert.title_level = {label: v for v, label in TitleLevel.choices}.get(title_level, title_level)
    expert.preferred_channel = preferred_channel
    expert.phone_encrypted = pii.encrypt("phone", phone) if phone else ""
    expert.phone_masked = pii.mask_phone(phone)
    expert.save()
    audit(expert, actor=actor, action="profile_updated", clock=clock)
    return expert


@transaction.atomic
def specialty_request(
    *, actor: User, expert: Expert, code: str, clock: Clock = system_clock
) -> ExpertSpecialty:
    """The expert asks for a specialty; it counts only after staff approve it."""
    require_own_expert(actor, expert)
    spec = SpecialtyCode.objects.filter(code=code.strip().upper(), is_active=True).first()
    if spec is None:
        raise ValidationFailed(f"专业代码“{code}”不存在", fields={"code": "专业代码不存在"})
    if ExpertSpecialty.objects.filter(
        expert=expert, specialty=spec, status__in=[SpecialtyStatus.PENDING, SpecialtyStatus.APPROVED]
    ).exists():
        raise ValidationFailed("该专业已在您的专业中或正在审核", fields={"code": "已存在"})
    item = ExpertSpecialty.objects.create(
        expert=expert, specialty=spec, status=SpecialtyStatus.PENDING, requested_at=clock.now()
    )
    audit(expert, actor=actor, action="specialty_requested", clock=clock, specialty=spec.code)
    return item


@transaction.atomic
def specialty_review(
    *, actor: User, item: ExpertSpecialty, approve: bool, note: str = "", clock: Clock = system_clock
) -> ExpertSpecialty:
    require_pool_staff(actor)
    item = ExpertSpecialty.objects.select_for_update().select_related("specialty").get(pk=item.pk)
    if item.status != SpecialtyStatus.PENDING:
        raise ValidationFailed("该专业申请已审核")
    if not approve and not note.strip():
        raise ValidationFailed("不通过时须填写审核意见", fields={"note": "必填"})
    item.status = SpecialtyStatus.APPROVED if approve else SpecialtyStatus.REJECTED
    item.reviewed_by, item.reviewed_at, item.review_note = actor, clock.now(), note.strip()[:200]
    item.save()
    audit(
        item.expert,
        actor=actor,
        action="specialty_reviewed",
        clock=clock,
        specialty=item.specialty.code,
        approved=approve,
    )
    return item


@transaction.atomic
def leave_add(
    *,
    actor: User,
    expert: Expert,
    start: dt.date,
    end: dt.date,
    reason: str = "",
    clock: Clock = system_clock,
) -> LeavePeriod:
    require_own_expert(actor, expert)
    if end < start:
        raise ValidationFailed("结束日期不能早于开始日期", fields={"end": "早于开始日期"})
    if end < today(clock):
        raise ValidationFailed("不能登记已经过去的请假", fields={"end": "已过去"})
    leave = LeavePeriod.objects.create(expert=expert, start=start, end=end, reason=reason.strip()[:200])
    audit(
        expert, actor=actor, action="leave_added", clock=clock, start=start.isoformat(), end=end.isoformat()
    )
    return leave


@transaction.atomic
def employment_add(
    *,
    actor: User,
    expert: Expert,
    organisation: Organisation,
    start: dt.date | None,
    end: dt.date | None,
    clock: Clock = system_clock,
) -> EmploymentPeriod:
    """Staff record a (past or current) employer; a current one also becomes ``employer``."""
    require_pool_staff(actor)
    if start and end and end < start:
        raise ValidationFailed("截止日期不能早于起始日期")
    if organisation.kind == OrganisationKind.CENTER:
        raise ValidationFailed("交易中心不能作为评标专家的工作单位")
    period = EmploymentPeriod.objects.create(expert=expert, organisation=organisation, start=start, end=end)
    if end is None:
        Expert.objects.filter(pk=expert.pk).update(employer=organisation)
    audit(
        expert,
        actor=actor,
        action="employment_added",
        clock=clock,
        organisation=organisation.pk,
        start=start.isoformat() if start else None,
        end=end.isoformat() if end else None,
    )
    return period


@transaction.atomic
def expert_set_status(
    *,
    actor: User,
    expert: Expert,
    status: str,
    barred_until: dt.date | None = None,
    reason: str,
    clock: Clock = system_clock,
) -> Expert:
    require_pool_staff(actor)
    if status not in ExpertStatus.values:
        raise ValidationFailed("状态无效")
    if not reason.strip():
        raise ValidationFailed("须填写原因", fields={"reason": "必填"})
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    old = expert.status
    expert.status, expert.barred_until = status, barred_until
    expert.save(update_fields=["status", "barred_until", "updated_at"])
    audit(
        expert,
        actor=actor,
        action="status_changed",
        clock=clock,
        old=old,
        new=status,
        barred_until=barred_until.isoformat() if barred_until else None,
        reason=reason.strip(),
    )
    return expert


def expert_get(*, pk: int) -> Expert:
    expert = Expert.objects.filter(pk=pk).first()
    if expert is None:
        raise NotFound("专家不存在")
    return expert
