"""Writes of the compliance gate. Every one audited in its own transaction.

Who may write: tuning rules, terms and the publication policy is configuration of the whole
center, so it needs a 系统管理员 or the 签发 leader (``TUNING_ROLES``); flagging an agency is also
open to the patroller and the 审核 office that handle violations (``FLAG_ROLES``). Recording a
check is done by publishing on behalf of whoever submitted (any actor, even an agency user).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.db import IntegrityError, transaction

from ggzy.accounts.choices import OrganisationKind, Role
from ggzy.accounts.models import Organisation, User
from ggzy.audit.services import audit_record
from ggzy.compliance import rules
from ggzy.compliance.defaults import TERM_CATEGORIES
from ggzy.compliance.facts import DOMAINS, NOTICE_KINDS, CheckResult
from ggzy.compliance.models import (
    AgencyFlag,
    ComplianceCheck,
    ComplianceRule,
    FlagSource,
    PublicationMode,
    PublicationPolicy,
    RestrictedTerm,
    Severity,
)
from ggzy.core.clock import Clock, local_date, system_clock
from ggzy.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed

PATROLLER = "patroller"  # added to Role by the certificates helper (C2); compared as a string
TUNING_ROLES: tuple[str, ...] = (Role.SYSTEM_ADMIN, Role.SIGNER)
FLAG_ROLES: tuple[str, ...] = (*TUNING_ROLES, Role.REVIEWER, PATROLLER)
VIEW_ROLES: tuple[str, ...] = (*FLAG_ROLES, Role.FIRST_REVIEWER, Role.SECOND_REVIEWER, Role.EDITOR)


def _require(actor: User | None, roles: tuple[str, ...], what: str) -> User:
    if actor is None or not actor.is_active or not actor.is_center_staff or not actor.has_role(*roles):
        raise PermissionDenied(f"只有本中心的系统管理员或授权人员可以{what}")
    return actor


def can_tune(user: Any) -> bool:
    return isinstance(user, User) and user.is_active and user.is_center_staff and user.has_role(*TUNING_ROLES)


def can_flag(user: Any) -> bool:
    return isinstance(user, User) and user.is_active and user.is_center_staff and user.has_role(*FLAG_ROLES)


def can_view(user: Any) -> bool:
    return isinstance(user, User) and user.is_active and user.is_center_staff and user.has_role(*VIEW_ROLES)


# ---------------------------------------------------------------------------------------------
# Checks


@transaction.atomic
def compliance_record(
    *, actor: User | None, subject: str, result: CheckResult, clock: Clock = system_clock
) -> ComplianceCheck:
    """Store the findings shown for ``subject`` ("notice:<id>") so patrol sees what the agency saw."""
    subject = (subject or "").strip()
    if not subject or len(subject) > 60 or ":" not in subject:
        raise ValidationFailed("检查对象应形如 notice:123", fields={"subject": "格式不正确"})
    check = ComplianceCheck.objects.create(
        subject=subject,
        checked_at=clock.now(),
        actor=actor,
        findings=result.as_list(),
        error_count=len(result.errors),
        warning_count=len(result.warnings),
    )
    audit_record(
        actor=actor,
        action="compliance.check_record",
        target=check,
        data={"subject": subject, "errors": check.error_count, "warnings": check.warning_count},
        clock=clock,
    )
    return check


# ---------------------------------------------------------------------------------------------
# Rules


def _clean_basis(value: Any) -> str:
    return _clean_text(value, label="法律依据", field="legal_basis", max_length=300, required=False)


def _parse_params(params: Any) -> Any:
    """Params from a form arrive as JSON text; from code as a dict."""
    if isinstance(params, str):
        try:
            return json.loads(params or "{}")
        except ValueError:
            raise ValidationFailed("参数不是有效的 JSON", fields={"params": "不是有效的 JSON"}) from None
    return params


def _param_failed(exc: rules.ParamError) -> ValidationFailed:
    return ValidationFailed(f"参数有误：{exc}", fields={f"params.{k}": v for k, v in exc.errors.items()})


def _clean_text(value: Any, *, label: str, field: str, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(f"请填写{label}", fields={field: "必须填写"})
    if len(text) > max_length:
        problem = f"不能超过{max_length}个字"
        raise ValidationFailed(f"{label}{problem}", fields={field: problem})
    return text


@transaction.atomic
def rule_update(
    *,
    actor: User,
    rule: ComplianceRule,
    severity: str,
    enabled: bool,
    params: Any,
    message: str,
    legal_basis: str,
    clock: Clock = system_clock,
) -> ComplianceRule:
    """Staff tune one rule. ``params`` (a dict, or JSON text from the form) is validated against
    the schema of the rule's check; nothing is saved when anything is wrong."""
    _require(actor, TUNING_ROLES, "调整合规规则")
    if severity not in Severity.values:
        raise ValidationFailed("严重程度只能是“错误”或“警告”", fields={"severity": "取值不正确"})
    params = _parse_params(params)
    try:
        clean = rules.validate_params(rule.check_name, params)
    except rules.ParamError as exc:
        raise _param_failed(exc) from None
    message = _clean_text(message, label="提示文字", field="message", max_length=300)
    legal_basis = _clean_basis(legal_basis)
    row = ComplianceRule.objects.select_for_update().get(pk=rule.pk)
    before = {"severity": row.severity, "enabled": row.enabled, "params": row.params}
    row.severity, row.enabled, row.params = severity, bool(enabled), clean
    row.message, row.legal_basis = message, legal_basis
    row.save()
    audit_record(
        actor=actor,
        action="compliance.rule_update",
        target=row,
        data={
            "code": row.code,
            "before": before,
            "after": {"severity": row.severity, "enabled": row.enabled, "params": row.params},
        },
        clock=clock,
    )
    return row


@transaction.atomic
def rule_create(
    *,
    actor: User,
    code: str,
    name: str,
    check_name: str,
    severity: str,
    params: Any,
    message: str,
    legal_basis: str = "",
    clock: Clock = system_clock,
) -> ComplianceRule:
    """A further rule using an existing check (e.g. a local ``custom_terms`` list)."""
    _require(actor, TUNING_ROLES, "新增合规规则")
    code = (code or "").strip()
    if not re.fullmatch(r"[a-z0-9_-]{2,60}", code):
        raise ValidationFailed(
            "规则代码只能由小写字母、数字、下划线组成（2到60位）", fields={"code": "格式不正确"}
        )
    if check_name not in rules.CHECKS:
        raise ValidationFailed("不认识的检查函数", fields={"check_name": "取值不正确"})
    if severity not in Severity.values:
        raise ValidationFailed("严重程度只能是“错误”或“警告”", fields={"severity": "取值不正确"})
    params = _parse_params(params)
    try:
        clean = rules.validate_params(check_name, params)
    except rules.ParamError as exc:
        raise _param_failed(exc) from None
    if ComplianceRule.objects.filter(code=code).exists():
        raise ValidationFailed(f"规则代码“{code}”已存在", fields={"code": "已存在"})
    last = ComplianceRule.objects.order_by("-position").values_list("position", flat=True).first() or 0
    row = ComplianceRule.objects.create(
        code=code,
        name=_clean_text(name, label="规则名称", field="name", max_length=100),
        check_name=check_name,
        severity=severity,
        enabled=True,
        params=clean,
        message=_clean_text(message, label="提示文字", field="message", max_length=300),
        legal_basis=_clean_basis(legal_basis),
        position=last + 10,
    )
    audit_record(actor=actor, action="compliance.rule_create", target=row, data={"code": code}, clock=clock)
    return row


# ---------------------------------------------------------------------------------------------
# Restricted terms


@transaction.atomic
def restricted_term_add(
    *,
    actor: User,
    term: str,
    category: str,
    severity: str,
    legal_basis: str = "",
    clock: Clock = system_clock,
) -> RestrictedTerm:
    _require(actor, TUNING_ROLES, "维护限制性条款词库")
    term = _clean_text(term, label="词语", field="term", max_length=50)
    if len(term) < 2:
        raise ValidationFailed("词语至少2个字，太短会误报", fields={"term": "至少2个字"})
    if category not in TERM_CATEGORIES:
        raise ValidationFailed("请选择词语类别", fields={"category": "取值不正确"})
    if severity not in Severity.values:
        raise ValidationFailed("严重程度只能是“错误”或“警告”", fields={"severity": "取值不正确"})
    legal_basis = _clean_basis(legal_basis)
    if RestrictedTerm.objects.filter(term=term).exists():
        raise ValidationFailed(f"词语“{term}”已在词库中", fields={"term": "已存在"})
    try:
        with transaction.atomic():
            row = RestrictedTerm.objects.create(
                term=term, category=category, severity=severity, legal_basis=legal_basis
            )
    except IntegrityError:  # a concurrent add of the same term
        raise ValidationFailed(f"词语“{term}”已在词库中", fields={"term": "已存在"}) from None
    audit_record(
        actor=actor,
        action="compliance.term_add",
        target=row,
        data={"term": term, "category": category, "severity": severity},
        clock=clock,
    )
    return row


@transaction.atomic
def restricted_term_remove(*, actor: User, term: RestrictedTerm, clock: Clock = system_clock) -> None:
    _require(actor, TUNING_ROLES, "维护限制性条款词库")
    row = RestrictedTerm.objects.select_for_update().filter(pk=term.pk).first()
    if row is None:
        raise NotFound("该词语已不在词库中")
    data = {"term": row.term, "category": row.category}
    audit_record(actor=actor, action="compliance.term_remove", target=row, data=data, clock=clock)
    row.delete()


# ---------------------------------------------------------------------------------------------
# Publication policy


@transaction.atomic
def publication_policy_set(
    *, actor: User, kind: str, domain: str, mode: str, clock: Clock = system_clock
) -> PublicationPolicy:
    _require(actor, TUNING_ROLES, "设置公告发布方式")
    if kind not in NOTICE_KINDS:
        raise ValidationFailed("不认识的公告类型", fields={"kind": "取值不正确"})
    if domain not in DOMAINS:
        raise ValidationFailed("不认识的交易领域", fields={"domain": "取值不正确"})
    if mode not in PublicationMode.values:
        raise ValidationFailed("发布方式只能是“先审后发”或“即时发布＋巡查”", fields={"mode": "取值不正确"})
    row, _ = PublicationPolicy.objects.select_for_update().get_or_create(kind=kind, domain=domain)
    before = row.mode
    row.mode = mode
    row.save()
    audit_record(
        actor=actor,
        action="compliance.policy_set",
        target=row,
        data={"kind": kind, "domain": domain, "before": before, "after": mode},
        clock=clock,
    )
    return row


# ---------------------------------------------------------------------------------------------
# Agency flags


@transaction.atomic
def agency_flag_set(
    *,
    actor: User | None,
    organisation: Organisation,
    until: dt.date,
    reason: str,
    source: str,
    clock: Clock = system_clock,
) -> AgencyFlag:
    """Flag an agency until ``until`` (inclusive). ``actor`` None only for system sources (a
    violation decision published through the exposure board passes its reviewer instead)."""
    if actor is not None or source != FlagSource.VIOLATION:
        _require(actor, FLAG_ROLES, "标记代理机构")
    if source not in FlagSource.values:
        raise ValidationFailed("标记来源不正确", fields={"source": "取值不正确"})
    if organisation.kind != OrganisationKind.AGENCY:
        raise ValidationFailed("只能标记招标代理机构", fields={"organisation": "不是代理机构"})
    if not isinstance(until, dt.date) or until < local_date(clock.now()):
        raise ValidationFailed("标记截止日期不能早于今天", fields={"until": "不能早于今天"})
    reason = _clean_text(reason, label="标记原因", field="reason", max_length=300)
    flag = AgencyFlag.objects.create(
        organisation=organisation,
        until=until,
        reason=reason,
        source=source,
        created_by=actor,
        created_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action="compliance.flag_set",
        target=flag,
        data={
            "organisation": organisation.pk,
            "until": until.isoformat(),
            "reason": reason,
            "source": source,
        },
        clock=clock,
    )
    return flag


@transaction.atomic
def agency_flag_lift(*, actor: User, flag: AgencyFlag, clock: Clock = system_clock) -> AgencyFlag:
    _require(actor, FLAG_ROLES, "解除代理机构标记")
    row = AgencyFlag.objects.select_for_update().get(pk=flag.pk)
    if row.lifted_at is not None:
        raise InvalidTransition("该标记已经解除")
    row.lifted_at, row.lifted_by = clock.now(), actor
    row.save(update_fields=["lifted_at", "lifted_by"])
    audit_record(
        actor=actor,
        action="compliance.flag_lift",
        target=row,
        data={"organisation": row.organisation_id},
        clock=clock,
    )
    return row
