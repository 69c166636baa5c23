"""Reads about users and organisations, with the permission questions asked of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from django.db.models import F, QuerySet

from ggzy.accounts import agreements
from ggzy.accounts.choices import CertificateStatus, OrganisationKind, TrustAnchorKind
from ggzy.accounts.models import Certificate, Organisation, Pledge, RevocationList, TrustedRoot, User
from ggzy.core.clock import SHANGHAI, local_date
from ggzy.core.errors import ValidationFailed
from ggzy.sealing import certs

# The demo's shared password, printed on the demo login page; never used outside `ggzy demo`.
DEMO_PASSWORD = "ggzy-demo-2021"  # noqa: S105


def organisation_list(*, kind: str | None = None) -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(is_active=True)
    return qs.filter(kind=kind) if kind else qs


def center_organisation() -> Organisation | None:
    return Organisation.objects.filter(kind=OrganisationKind.CENTER).order_by("pk").first()


def demo_user_list() -> list[dict[str, str]]:
    """Demo accounts for the login page of the demo (shown only when GGZY_SHOW_DEMO_USERS)."""
    users = User.objects.filter(username__startswith="demo-").select_related("organisation")
    result = []
    for user in users.prefetch_related("role_grants"):
        roles = "、".join(g.get_role_display() for g in user.role_grants.all())
        result.append(
            {
                "username": user.username,
                "name": str(user),
                "organisation": str(user.organisation or ""),
                "roles": roles or ("系统管理员" if user.is_superuser else ""),
                "password": DEMO_PASSWORD,
            }
        )
    return result


def user_needs_second_factor(*, user: User, required_for_staff: bool) -> bool:
    """True when this login must pass a TOTP check: the user enrolled one, or policy requires it."""
    device = getattr(user, "totp_device", None) if hasattr(user, "totp_device") else None
    if device is not None and device.is_confirmed:
        return True
    return required_for_staff and (user.is_center_staff or user.is_superuser)


# ---------------------------------------------------------------- certificates (issue 3, C2)


@dataclass(frozen=True)
class TrustStore:
    """The parsed trust material at one moment: anchors, path-building intermediates, CRLs."""

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...]
    crls: tuple[x509.CertificateRevocationList, ...]


# Parsed certificates and CRLs by content hash: the rows are immutable, parsing is not free.
_parsed_certs: dict[str, x509.Certificate] = {}
_parsed_crls: dict[str, x509.CertificateRevocationList] = {}
_CACHE_LIMIT = 2000


def _cached(cache: dict[str, Any], key: str, load: Any) -> Any:
    value = cache.get(key)
    if value is None:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        value = cache[key] = load()
    return value


def trust_store() -> TrustStore:
    roots: list[x509.Certificate] = []
    intermediates: list[x509.Certificate] = []
    active = TrustedRoot.objects.filter(active=True)
    for pk, fp, kind in active.values_list("pk", "fingerprint", "kind"):
        cert = _cached(
            _parsed_certs, fp, lambda pk=pk: certs.load_certificate(bytes(TrustedRoot.objects.get(pk=pk).der))
        )
        (roots if kind == TrustAnchorKind.ROOT else intermediates).append(cert)
    crls = [
        _cached(_parsed_crls, sha, lambda pk=pk: certs.load_crl(bytes(RevocationList.objects.get(pk=pk).der)))
        for pk, sha in RevocationList.objects.filter(issuer__active=True).values_list("pk", "sha256")
    ]
    return TrustStore(tuple(roots), tuple(intermediates), tuple(crls))


def certificate_check(cert: x509.Certificate, *, at: dt.datetime, store: TrustStore | None = None) -> None:
    """Raise ValidationFailed (code = the CertificateProblem code) unless ``cert`` chains to the
    center's trust store, is valid at ``at`` and is not revoked by an uploaded CRL."""
    store = store or trust_store()
    try:
        certs.check_certificate(
            cert, roots=store.roots, intermediates=store.intermediates, crls=store.crls, at=at
        )
    except certs.CertificateProblem as exc:
        raise ValidationFailed(exc.message, code=exc.code, fields={"certificate": exc.message}) from None


def certificate_owned(*, organisation: Organisation, certificate_der: bytes) -> Certificate:
    """The bound certificate row of ``organisation`` for these bytes; ValidationFailed otherwise."""
    try:
        cert = certs.load_certificate(certificate_der)
    except certs.CertificateProblem as exc:
        raise ValidationFailed(exc.message, code=exc.code) from None
    row = (
        Certificate.objects.select_related("organisation").filter(fingerprint=certs.fingerprint(cert)).first()
    )
    if row is None:
        raise ValidationFailed(
            f"证书（序列号 {certs.serial_hex(cert)}）未绑定到“{organisation.name}”，请先在平台绑定",
            code="not_bound",
        )
    if row.organisation_id != organisation.pk:
        raise ValidationFailed(
            f"证书（序列号 {row.serial_hex}）属于其他机构“{row.organisation.name}”，"
            f"不能代表“{organisation.name}”签名",
            code="other_organisation",
        )
    if row.unbound_at is not None:
        raise ValidationFailed(f"证书（序列号 {row.serial_hex}）已解绑，不能再用于签名", code="unbound")
    return row


def certificate_usable(*, organisation: Organisation, certificate_der: bytes, at: dt.datetime) -> Certificate:
    """The organisation's bound certificate for these bytes, when it may sign at ``at``.

    Raises ValidationFailed with the Chinese reason when the certificate is unreadable, not bound to
    this organisation (or bound to another), unbound, expired or not yet valid, revoked by an
    uploaded CRL, not chained to an active trusted root — or when the organisation itself is not
    active (a registration the center has not approved yet, or a suspended agency)."""
    row = certificate_owned(organisation=organisation, certificate_der=certificate_der)
    if not organisation.is_active:
        raise ValidationFailed(
            f"“{organisation.name}”尚未通过交易中心审核或已被停用，暂不能签名发布",
            code="organisation_inactive",
        )
    certificate_check(certs.load_certificate(bytes(row.der)), at=at)
    return row


@dataclass(frozen=True)
class CertificateRow:
    certificate: Certificate
    status: str
    reason: str

    @property
    def status_label(self) -> str:
        return CertificateStatus(self.status).label


def certificate_list(*, organisation: Organisation, at: dt.datetime) -> list[CertificateRow]:
    """The organisation's certificates (bound first) with their status at ``at``."""
    store = trust_store()
    rows = []
    for row in Certificate.objects.filter(organisation=organisation).order_by(
        F("unbound_at").desc(nulls_first=True), "-bound_at"
    ):
        if row.unbound_at is not None:
            rows.append(CertificateRow(row, CertificateStatus.UNBOUND, "已解绑"))
            continue
        try:
            certificate_check(certs.load_certificate(bytes(row.der)), at=at, store=store)
        except ValidationFailed as exc:
            status = exc.code if exc.code in CertificateStatus.values else CertificateStatus.UNTRUSTED
            rows.append(CertificateRow(row, status, exc.message))
        else:
            rows.append(CertificateRow(row, CertificateStatus.USABLE, ""))
    return rows


def trusted_root_list() -> QuerySet[TrustedRoot]:
    return TrustedRoot.objects.all()


# ---------------------------------------------------------------- pledges


def local_year(moment: dt.datetime) -> int:
    return local_date(moment).year


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(year, 1, 1, tzinfo=SHANGHAI)
    return start, dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI)


def pledge_count(year: int, *, document_code: str = agreements.YEARLY_PLEDGE_CODE) -> int:
    """Organisations that signed the yearly pledge (《网络意识形态安全承诺书》, any version) in
    ``year`` (Beijing time) — the annual report's "与N家代理机构签订承诺书". An organisation that
    signed twice in a year counts once."""
    start, end = _year_bounds(year)
    return (
        Pledge.objects.filter(document_code=document_code, signed_at__gte=start, signed_at__lt=end)
        .values("organisation")
        .distinct()
        .count()
    )


def pledge_existing(
    *, organisation: Organisation, document: agreements.Document, at: dt.datetime
) -> Pledge | None:
    """The pledge that already covers ``document`` for ``organisation`` at ``at``: for the yearly
    pledge one signed this calendar year; for other documents one signed for this version."""
    qs = Pledge.objects.filter(organisation=organisation, document_code=document.code)
    if document.yearly:
        start, end = _year_bounds(local_year(at))
        qs = qs.filter(signed_at__gte=start, signed_at__lt=end)
    else:
        qs = qs.filter(document_version=document.version)
    return qs.select_related("certificate").order_by("-signed_at").first()


@dataclass(frozen=True)
class DocumentStatus:
    document: agreements.Document
    pledge: Pledge | None


def pledge_status(*, organisation: Organisation, at: dt.datetime) -> list[DocumentStatus]:
    return [
        DocumentStatus(doc, pledge_existing(organisation=organisation, document=doc, at=at))
        for doc in agreements.current_all()
    ]


def pledge_list(*, organisation: Organisation) -> QuerySet[Pledge]:
    return Pledge.objects.filter(organisation=organisation).select_related("certificate", "signed_by")
