"""Every write to users, organisations, roles and second factors."""

from __future__ import annotations

import datetime as dt
import hashlib

import pyotp
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from ggzy.accounts import agreements, selectors
from ggzy.accounts.choices import (
    ADMIN_ROLES,
    ROLE_ORGANISATION_KIND,
    OrganisationKind,
    Role,
    TrustAnchorKind,
)
from ggzy.accounts.models import (
    Certificate,
    Organisation,
    Pledge,
    RevocationList,
    RoleGrant,
    TOTPDevice,
    TrustedRoot,
    User,
)
from ggzy.audit.services import audit_record
from ggzy.core.clock import Clock, system_clock
from ggzy.core.codes import credit_code_problem
from ggzy.core.errors import PermissionDenied, ValidationFailed
from ggzy.sealing import certs


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
    _check_role_separation(actor=actor, user=user, role=role)
    grant, created = RoleGrant.objects.get_or_create(user=user, role=role)
    if created:
        audit_record(actor=actor, action="role.grant", target=user, data={"role": role})
        if role == Role.AUDIT_ADMIN:
            _audit_reader_set(user, on=True)
    user.__dict__.pop("_role_cache", None)
    return grant


# The audit administrator reads the log in the Django admin: view permission only (EventAdmin and
# CheckpointAdmin refuse every change anyway).
AUDIT_READER_PERMISSIONS = (("audit", "view_event"), ("audit", "view_checkpoint"))


def _audit_reader_set(user: User, *, on: bool) -> None:
    perms = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in AUDIT_READER_PERMISSIONS
    ]
    if on:
        user.user_permissions.add(*perms)
    else:
        user.user_permissions.remove(*perms)
    if user.is_staff != (on or user.is_superuser):
        user.is_staff = on or user.is_superuser
        user.save(update_fields=["is_staff"])


def _check_role_separation(*, actor: User | None, user: User, role: str) -> None:
    """三员分立: the system, security and audit administrators are three different people. Nobody
    grants an administrator role to themselves; only the security administrator (or a superuser,
    the break-glass account made by ``createsuperuser``) grants one; ordinary roles are granted by
    the system or security administrator. ``actor=None`` (the system itself: setup, fixtures)
    skips the actor checks but never the one-administrator-role-per-user rule."""
    if role in ADMIN_ROLES:
        held = user.role_set.intersection(ADMIN_ROLES) - {role}
        if held:
            other = Role(next(iter(sorted(held)))).label
            raise ValidationFailed(
                f"该用户已是{other}：系统管理员、安全管理员、审计管理员须由不同人员担任",
                code="role_conflict",
                fields={"role": role},
            )
    if actor is None or actor.is_superuser:
        return
    if role in ADMIN_ROLES:
        if actor.pk == user.pk:
            raise PermissionDenied("不能给自己授予管理员角色")
        if not actor.has_role(Role.SECURITY_ADMIN):
            raise PermissionDenied("管理员角色只能由安全管理员授予")
    elif not actor.has_role(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
        raise PermissionDenied("仅系统管理员或安全管理员可以授予角色")


def _kind_labels() -> list[tuple[str, str]]:
    from ggzy.accounts.choices import OrganisationKind

    return list(OrganisationKind.choices)


@transaction.atomic
def role_revoke(*, actor: User | None, user: User, role: str) -> None:
    if actor is not None and not actor.is_superuser:
        if role in ADMIN_ROLES and not actor.has_role(Role.SECURITY_ADMIN):
            raise PermissionDenied("管理员角色只能由安全管理员撤销")
        if not actor.has_role(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
            raise PermissionDenied("仅系统管理员或安全管理员可以撤销角色")
    deleted, _ = RoleGrant.objects.filter(user=user, role=role).delete()
    if deleted:
        audit_record(actor=actor, action="role.revoke", target=user, data={"role": role})
        if role == Role.AUDIT_ADMIN:
            _audit_reader_set(user, on=False)
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
def totp_reset(*, actor: User | None, user: User) -> None:
    """A user lost their phone: the security administrator removes the second factor; the user
    enrols a new one at the next login (when TOTP is required for them)."""
    _require_security_admin(actor)
    if actor is not None and actor.pk == user.pk and not actor.is_superuser:
        raise PermissionDenied("不能重置自己的动态口令")
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    audit_record(actor=actor, action="totp.reset", target=user, data={"had_device": bool(deleted)})


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


# ---------------------------------------------------------------- agency registration (issue 3)


@transaction.atomic
def agency_register(
    *,
    name: str,
    credit_code: str,
    username: str,
    password: str,
    display_name: str,
    phone: str = "",
) -> User:
    """Public self-registration of an agency: the organisation (inactive until the center approves
    it) and its first user with the agency_publisher role. The user may log in at once to bind
    certificates and sign the platform documents; signing notices waits for the approval."""
    username = username.strip()
    if not username or len(username) > 150:
        raise ValidationFailed("请填写用户名（不超过150个字符）", fields={"username": "必填"})
    if not display_name.strip():
        raise ValidationFailed("请填写联系人姓名", fields={"display_name": "必填"})
    try:
        validate_password(password, user=User(username=username))
    except DjangoValidationError as exc:
        text = "；".join(exc.messages)
        raise ValidationFailed(f"密码不符合要求：{text}", fields={"password": text}) from None
    org = organisation_create(actor=None, kind=OrganisationKind.AGENCY, name=name, credit_code=credit_code)
    org.is_active = False
    org.save(update_fields=["is_active", "updated_at"])
    user = user_create(
        actor=None,
        username=username,
        password=password,
        organisation=org,
        display_name=display_name.strip(),
        roles=[Role.AGENCY_PUBLISHER],
    )
    if phone:
        user.phone = phone.strip()[:20]
        user.save(update_fields=["phone"])
    audit_record(actor=user, action="agency.register", target=org, data={"username": username})
    return user


def _require_system_admin(actor: User | None) -> None:
    if actor is not None and not (actor.is_superuser or actor.has_role(Role.SYSTEM_ADMIN)):
        raise PermissionDenied("仅系统管理员可以执行此操作")


@transaction.atomic
def organisation_set_active(*, actor: User | None, organisation: Organisation, active: bool) -> Organisation:
    """The center approves (or suspends) an organisation."""
    _require_system_admin(actor)
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if org.is_active != active:
        org.is_active = active
        org.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=actor,
            action="organisation.activate" if active else "organisation.suspend",
            target=org,
            data={},
        )
    return org


# ---------------------------------------------------------------- trust store


def _require_security_admin(actor: User | None) -> None:
    """Trust roots, CRLs and second-factor resets are the security administrator's work. Where the
    deployment has not separated the administrators (GGZY_SEPARATE_ADMIN_ROLES off: development and
    the shared test settings) the system administrator may still do it."""
    if actor is None or actor.is_superuser or actor.has_role(Role.SECURITY_ADMIN):
        return
    if not settings.GGZY_SEPARATE_ADMIN_ROLES and actor.has_role(Role.SYSTEM_ADMIN):
        return
    raise PermissionDenied("仅安全管理员可以执行此操作")


def _problem(exc: certs.CertificateProblem, field: str) -> ValidationFailed:
    return ValidationFailed(exc.message, code=exc.code, fields={field: exc.message})


@transaction.atomic
def trusted_root_import(
    *,
    actor: User | None,
    data: bytes,
    name: str = "",
    kind: str = TrustAnchorKind.ROOT,
    clock: Clock = system_clock,
) -> TrustedRoot:
    """Add a CA certificate (PEM or DER) to the trust store. A root must be self-signed and a CA; an
    intermediate must chain to an active root of the store. Re-importing an inactive one re-activates it."""
    _require_security_admin(actor)
    if kind not in TrustAnchorKind.values:
        raise ValidationFailed(f"未知类型：{kind}", fields={"kind": "无效"})
    try:
        found = certs.load_certificates(data)
    except certs.CertificateProblem as exc:
        raise _problem(exc, "file") from None
    if len(found) != 1:
        raise ValidationFailed("文件中有多个证书：每次只导入一个CA证书", fields={"file": "多个证书"})
    cert = found[0]
    now = clock.now()
    if kind == TrustAnchorKind.ROOT:
        if not certs.is_self_signed(cert):
            hint = certs.signer_id_problem(cert, cert)  # an SM2 root signed by OpenSSL 3.0 without distid
            if hint:
                raise ValidationFailed(f"根证书自签名无效：{hint}", code="not_root", fields={"file": hint})
            raise ValidationFailed(
                "这不是自签名的根证书；中级CA证书请选择“中级CA证书”类型导入",
                code="not_root",
                fields={"file": "不是根证书"},
            )
        try:
            certs.check_certificate(cert, roots=[cert], at=now, purpose="ca")
        except certs.CertificateProblem as exc:
            raise _problem(exc, "file") from None
    else:
        store = selectors.trust_store()
        try:
            certs.check_certificate(
                cert,
                roots=store.roots,
                intermediates=store.intermediates,
                crls=store.crls,
                at=now,
                purpose="ca",
            )
        except certs.CertificateProblem as exc:
            raise _problem(exc, "file") from None
    fp = certs.fingerprint(cert)
    existing = TrustedRoot.objects.select_for_update().filter(fingerprint=fp).first()
    if existing is not None:
        if existing.active:
            raise ValidationFailed(
                f"该证书已在信任列表中：{existing.name}", code="duplicate", fields={"file": "重复"}
            )
        existing.active = True
        existing.save(update_fields=["active"])
        audit_record(actor=actor, action="trust.root_activate", target=existing, data={"fingerprint": fp})
        return existing
    root = TrustedRoot.objects.create(
        kind=kind,
        name=(name.strip() or certs.subject_text(cert))[:200],
        der=certs.der(cert),
        fingerprint=fp,
        subject=cert.subject.rfc4514_string()[:500],
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        active=True,
        imported_at=now,
        imported_by=actor,
    )
    audit_record(
        actor=actor,
        action="trust.root_import",
        target=root,
        data={"fingerprint": fp, "kind": kind, "name": root.name},
    )
    return root


@transaction.atomic
def trusted_root_set_active(*, actor: User | None, root: TrustedRoot, active: bool) -> TrustedRoot:
    _require_security_admin(actor)
    row = TrustedRoot.objects.select_for_update().get(pk=root.pk)
    if row.active != active:
        row.active = active
        row.save(update_fields=["active"])
        audit_record(
            actor=actor,
            action="trust.root_activate" if active else "trust.root_deactivate",
            target=row,
            data={"fingerprint": row.fingerprint},
        )
    return row


@transaction.atomic
def revocation_list_upload(*, actor: User | None, data: bytes, clock: Clock = system_clock) -> RevocationList:
    """Store a CRL (PEM or DER) after checking that a CA of the trust store signed it."""
    _require_security_admin(actor)
    try:
        crl = certs.load_crl(data)
    except certs.CertificateProblem as exc:
        raise _problem(exc, "file") from None
    issuer = None
    for candidate in TrustedRoot.objects.filter(active=True):
        if certs.crl_signed_by(crl, certs.load_certificate(bytes(candidate.der))):
            issuer = candidate
            break
    if issuer is None:
        raise ValidationFailed(
            f"吊销列表的签发者“{certs.name_text(crl.issuer)}”不在信任列表中，或吊销列表签名无效",
            code="untrusted",
            fields={"file": "签发者不受信任"},
        )
    der_bytes = crl.public_bytes(serialization.Encoding.DER)
    sha = hashlib.sha256(der_bytes).hexdigest()
    if RevocationList.objects.filter(sha256=sha).exists():
        raise ValidationFailed("该吊销列表已上传过", code="duplicate", fields={"file": "重复"})
    row = RevocationList.objects.create(
        issuer=issuer,
        issuer_name=certs.name_text(crl.issuer)[:500],
        this_update=crl.last_update_utc,
        next_update=crl.next_update_utc,
        revoked_count=len(crl),
        der=der_bytes,
        sha256=sha,
        uploaded_at=clock.now(),
        uploaded_by=actor,
    )
    audit_record(
        actor=actor,
        action="trust.crl_upload",
        target=row,
        data={"issuer": row.issuer_name, "revoked": row.revoked_count, "sha256": sha},
    )
    return row


# ---------------------------------------------------------------- certificates of organisations


# The roles whose holders may bind/unbind their own organisation's signing certificates.
CERTIFICATE_ROLES: tuple[str, ...] = (Role.AGENCY_PUBLISHER, Role.TENDERER, Role.BIDDER)


def _require_member(actor: User | None, organisation: Organisation) -> None:
    """A member of that organisation who signs for it — an agency publisher (notices), a tenderer
    (tender files) or a bidder (sealed bids) — or a system admin (None: the system itself)."""
    if actor is None or actor.is_superuser or actor.has_role(Role.SYSTEM_ADMIN):
        return
    if actor.organisation_id != organisation.pk or not any(
        actor.has_role(role) for role in CERTIFICATE_ROLES
    ):
        raise PermissionDenied("只能管理本机构的数字证书")


@transaction.atomic
def certificate_bind(
    *, actor: User | None, organisation: Organisation, data: bytes, clock: Clock = system_clock
) -> Certificate:
    """Bind a signing certificate (PEM or DER; of a PEM bundle the first certificate) to
    ``organisation``. The organisation's credit code must appear in the certificate subject
    (serialNumber, organizationIdentifier, x500UniqueIdentifier, OU or CN); the certificate must be
    valid now, not revoked and chained to the trust store."""
    _require_member(actor, organisation)
    try:
        cert = certs.load_certificates(data)[0]
        certs.key_type(cert)
    except certs.CertificateProblem as exc:
        raise _problem(exc, "file") from None
    codes = certs.subject_identifiers(cert)
    if organisation.credit_code not in codes:
        shown = "、".join(codes) or "无"
        raise ValidationFailed(
            f"该证书不属于“{organisation.name}”：证书主题“{certs.subject_text(cert)}”中的统一社会信用代码为"
            f"{shown}，与本机构 {organisation.credit_code} 不符",
            code="other_organisation",
            fields={"file": "不是本机构的证书"},
        )
    now = clock.now()
    selectors.certificate_check(cert, at=now)
    fp = certs.fingerprint(cert)
    existing = Certificate.objects.select_for_update().filter(fingerprint=fp).first()
    if existing is not None:
        if existing.organisation_id != organisation.pk:  # the credit code matched: only a re-registered org
            raise ValidationFailed("该证书已登记在其他机构名下", code="other_organisation")
        if existing.unbound_at is None:
            raise ValidationFailed("该证书已绑定，无需重复绑定", code="duplicate", fields={"file": "已绑定"})
        existing.unbound_at = None
        existing.bound_at = now
        existing.bound_by = actor
        existing.save(update_fields=["unbound_at", "bound_at", "bound_by"])
        audit_record(
            actor=actor, action="certificate.bind", target=existing, data={"fingerprint": fp, "rebind": True}
        )
        return existing
    row = Certificate.objects.create(
        organisation=organisation,
        der=certs.der(cert),
        fingerprint=fp,
        serial_hex=certs.serial_hex(cert),
        subject=certs.subject_text(cert)[:500],
        issuer=certs.issuer_text(cert)[:500],
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_type=certs.key_type(cert),
        bound_at=now,
        bound_by=actor,
    )
    audit_record(
        actor=actor,
        action="certificate.bind",
        target=row,
        data={"fingerprint": fp, "serial": row.serial_hex, "organisation_id": organisation.pk},
    )
    return row


@transaction.atomic
def certificate_unbind(
    *, actor: User | None, certificate: Certificate, clock: Clock = system_clock
) -> Certificate:
    row = Certificate.objects.select_for_update().select_related("organisation").get(pk=certificate.pk)
    _require_member(actor, row.organisation)
    if row.unbound_at is not None:
        raise ValidationFailed("该证书已解绑", code="invalid_transition")
    row.unbound_at = clock.now()
    row.save(update_fields=["unbound_at"])
    audit_record(actor=actor, action="certificate.unbind", target=row, data={"fingerprint": row.fingerprint})
    return row


# ---------------------------------------------------------------- pledges

# How long canonical bytes issued by the server stay signable (the page may sit open a while).
PLEDGE_ISSUE_WINDOW = dt.timedelta(hours=2)
PLEDGE_CLOCK_SKEW = dt.timedelta(minutes=5)


@transaction.atomic
def pledge_sign(
    *,
    actor: User,
    certificate: Certificate,
    canonical: bytes,
    signature: bytes,
    clock: Clock = system_clock,
) -> Pledge:
    """Record an organisation's signed acceptance of a platform document.

    ``canonical`` must be exactly bytes the server issued (:func:`agreements.pledge_canonical`) for
    the actor's organisation and the current version of the document, recently; ``signature`` is
    the DER signature over them by ``certificate``'s key; the certificate must be bound to the
    organisation and usable now. Nothing is stored unless all of that holds."""
    organisation = actor.organisation
    if organisation is None or not actor.has_role(Role.AGENCY_PUBLISHER):
        raise PermissionDenied("只有代理机构信息发布员可以代表本机构签署")
    fields = agreements.parse_pledge_canonical(canonical)
    if fields is None:
        raise ValidationFailed("签署原文格式不正确，请刷新页面后重新签署", code="bad_canonical")
    document = agreements.current(fields["code"])
    if document is None:
        raise ValidationFailed("未知的文书", code="bad_canonical")
    if (fields["version"], fields["sha256"]) != (document.version, document.sha256):
        raise ValidationFailed(
            f"《{document.title}》已更新为第{document.version}版，请刷新页面阅读后重新签署",
            code="stale_document",
        )
    if (fields["credit_code"], fields["org_name"]) != (organisation.credit_code, organisation.name):
        raise ValidationFailed("签署原文中的机构不是您所在的机构", code="other_organisation")
    now = clock.now()
    if not (now - PLEDGE_ISSUE_WINDOW <= fields["issued_at"] <= now + PLEDGE_CLOCK_SKEW):
        raise ValidationFailed("签署原文已过期，请刷新页面后重新签署", code="stale_canonical")
    row = selectors.certificate_owned(organisation=organisation, certificate_der=bytes(certificate.der))
    cert = certs.load_certificate(bytes(row.der))
    selectors.certificate_check(cert, at=now)
    try:
        certs.verify_signature(cert, canonical, signature)
    except certs.SignatureInvalid as exc:
        raise ValidationFailed(
            f"{exc.message}。请确认所选私钥文件与证书（序列号 {row.serial_hex}）对应",
            code="signature_invalid",
            fields={"signature": "验证失败"},
        ) from None
    if selectors.pledge_existing(organisation=organisation, document=document, at=now) is not None:
        period = "本年度" if document.yearly else "该版本"
        raise ValidationFailed(f"本机构{period}已签署《{document.title}》", code="duplicate")
    sha = hashlib.sha256(canonical).hexdigest()
    if Pledge.objects.filter(canonical_sha256=sha).exists():
        raise ValidationFailed("该签署已提交过", code="duplicate")
    pledge = Pledge.objects.create(
        organisation=organisation,
        document_code=document.code,
        document_version=document.version,
        document_sha256=document.sha256,
        document_title=document.title,
        canonical=canonical,
        canonical_sha256=sha,
        signature=signature,
        certificate=row,
        signed_at=now,
        signed_by=actor,
    )
    audit_record(
        actor=actor,
        action="pledge.sign",
        target=pledge,
        data={
            "document": document.code,
            "version": document.version,
            "canonical_sha256": sha,
            "certificate": row.fingerprint,
        },
    )
    return pledge
