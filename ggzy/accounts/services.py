"""Every write to users, organisations, roles and second factors."""

from __future__ import annotations

import datetime as dt

import pyotp
from django.db import IntegrityError, transaction

from ggzy.accounts.choices import ROLE_ORGANISATION_KIND, Role
from ggzy.accounts.models import Organisation, RoleGrant, TOTPDevice, User
from ggzy.audit.services import audit_record
from ggzy.core.clock import Clock, system_clock
from ggzy.core.codes import credit_code_problem
from ggzy.core.errors import ValidationFailed


@transaction.atomic
def organisation_create(
    *, actor: User | None, kind: str, name: str, credit_code: str, region: str = ""
) -> Organisation:
    code = credit_code.strip().upper()
    problem = credit_code_problem(code)
    if problem:
        raise ValidationFailed(problem, fields={"credit_code": problem})
    if not name.strip():
        raise ValidationFailed("请填写机构名称", fields={"name": "必填"})
    if Organisation.objects.filter(credit_code=code).exists():
        raise ValidationFailed(
            f"统一社会信用代码 {code} 已被登记", code="duplicate", fields={"credit_code": "已被登记"}
        )
    try:
        with transaction.atomic():
            org = Organisation.objects.create(kind=kind, name=name.strip(), credit_code=code, region=region)
    except IntegrityError:  # a concurrent registration won the race
        raise ValidationFailed(f"统一社会信用代码 {code} 已被登记", code="duplicate") from None
    audit_record(
        actor=actor,
        action="organisation.create",
        target=org,
        data={"kind": kind, "name": org.name, "credit_code": code},
    )
    return org


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    organisation: Organisation | None,
    display_name: str = "",
    roles: list[str] | tuple[str, ...] = (),
    is_superuser: bool = False,
) -> User:
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(f"用户名 {username} 已存在", code="duplicate", fields={"username": "已存在"})
    user = User(
        username=username,
        organisation=organisation,
        display_name=display_name,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor,
        action="user.create",
        target=user,
        data={"username": username, "organisation_id": organisation.pk if organisation else None},
    )
    for role in roles:
        role_grant(actor=actor, user=user, role=role)
    return user


@transaction.atomic
def role_grant(*, actor: User | None, user: User, role: str) -> RoleGrant:
    if role not in Role.values:
        raise ValidationFailed(f"未知角色：{role}", fields={"role": role})
    required = ROLE_ORGANISATION_KIND[role]
    if user.organisation is None or user.organisation.kind != required:
        raise ValidationFailed(
            f"角色“{Role(role).label}”只能授予{dict(_kind_labels())[required]}的用户", fields={"role": role}
        )
    grant, created = RoleGrant.objects.get_or_create(user=user, role=role)
    if created:
        audit_record(actor=actor, action="role.grant", target=user, data={"role": role})
    user.__dict__.pop("_role_cache", None)
    return grant


def _kind_labels() -> list[tuple[str, str]]:
    from ggzy.accounts.choices import OrganisationKind

    return list(OrganisationKind.choices)


@transaction.atomic
def role_revoke(*, actor: User | None, user: User, role: str) -> None:
    deleted, _ = RoleGrant.objects.filter(user=user, role=role).delete()
    if deleted:
        audit_record(actor=actor, action="role.revoke", target=user, data={"role": role})
    user.__dict__.pop("_role_cache", None)


@transaction.atomic
def totp_begin_enrolment(*, user: User) -> TOTPDevice:
    """A fresh secret, not yet active: the user must prove one code first."""
    device, _ = TOTPDevice.objects.update_or_create(
        user=user, defaults={"secret": pyotp.random_base32(), "confirmed_at": None, "last_used_step": 0}
    )
    return device


def _matching_step(secret: str, code: str, at: dt.datetime) -> int | None:
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    step = int(at.timestamp()) // totp.interval
    for candidate in (step, step - 1, step + 1):  # one step of clock drift either way
        if totp.generate_otp(candidate) == code:
            return candidate
    return None


@transaction.atomic
def totp_confirm(*, user: User, code: str, clock: Clock = system_clock) -> TOTPDevice:
    device = TOTPDevice.objects.select_for_update().get(user=user)
    step = _matching_step(device.secret, code, clock.now())
    if step is None:
        raise ValidationFailed("动态口令不正确，请核对手机上的6位数字后重试", fields={"code": "不正确"})
    device.confirmed_at = clock.now()
    device.last_used_step = step
    device.save(update_fields=["confirmed_at", "last_used_step"])
    audit_record(actor=user, action="totp.enrol", target=user, data={})
    return device


def totp_verify(*, user: User, code: str, clock: Clock = system_clock) -> None:
    """Check a login code; a code is accepted once (replay of the same step is refused).

    A failure is audited in its own transaction: raising must not roll the record back."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
        if device is None:
            raise ValidationFailed("该账号尚未绑定动态口令")
        step = _matching_step(device.secret, code, clock.now())
        ok = step is not None and step > device.last_used_step
        if ok:
            assert step is not None
            device.last_used_step = step
            device.save(update_fields=["last_used_step"])
            audit_record(actor=user, action="login.totp_ok", target=user, data={})
            return
    with transaction.atomic():
        audit_record(actor=user, action="login.totp_failed", target=user, data={})
    raise ValidationFailed("动态口令不正确或已使用", fields={"code": "不正确"})


@transaction.atomic
def login_attempt_record(*, username: str, user: User | None, ok: bool) -> None:
    """Audit a password login attempt (the username only; never the password)."""
    audit_record(
        actor=user,
        action="login.ok" if ok else "login.failed",
        target=user,
        data={"username": username[:150]},
    )
