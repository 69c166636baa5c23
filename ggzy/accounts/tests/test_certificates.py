"""Trust store, CRLs, binding certificates to organisations, certificate_usable and pledges — on the
real database with real keys. Every refusal leaves nothing stored."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
from cryptography.x509.oid import NameOID

from ggzy.accounts import agreements, selectors, services
from ggzy.accounts.choices import CertificateStatus
from ggzy.accounts.models import Certificate, Organisation, Pledge, RevocationList, TrustedRoot, User
from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.errors import PermissionDenied, ValidationFailed
from ggzy.sealing import certs
from ggzy.sealing import testing as pki

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def ca() -> Any:
    return pki.make_ca("示范CA根证书")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def root(ca: Any, clock: FixedClock) -> TrustedRoot:
    return services.trusted_root_import(actor=None, data=pki.cert_pem(ca[0]), name="示范CA", clock=clock)


@pytest.fixture
def agency(make_org: Any) -> Organisation:
    return make_org("agency", "福州某招标代理有限公司")


@pytest.fixture
def publisher(make_user: Any, agency: Organisation) -> User:
    return make_user("agency_publisher", org=agency)


def leaf(ca: Any, org: Organisation, **kwargs: Any) -> Any:
    return pki.make_leaf(*ca, org_name=org.name, credit_code=org.credit_code, **kwargs)


def refused(fn: Any, *, code: str | None = None, **kwargs: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as err:
        fn(**kwargs)
    if code is not None:
        assert err.value.code == code, err.value.message
    assert err.value.message
    return err.value


# ---------------------------------------------------------------- trust store


def test_root_import_is_audited_and_duplicate_refused(root: TrustedRoot, ca: Any, clock: FixedClock) -> None:
    assert root.fingerprint == certs.fingerprint(ca[0]) and root.active and root.kind == "root"
    assert Event.objects.filter(action="trust.root_import", target_id=str(root.pk)).exists()
    refused(services.trusted_root_import, code="duplicate", actor=None, data=pki.cert_der(ca[0]), clock=clock)
    assert TrustedRoot.objects.count() == 1


def test_root_import_refuses_garbage_leaf_and_expired(
    ca: Any, clock: FixedClock, agency: Organisation
) -> None:
    refused(
        services.trusted_root_import, code="unreadable", actor=None, data=b"not a certificate", clock=clock
    )
    cert, _ = leaf(ca, agency)
    refused(services.trusted_root_import, code="not_root", actor=None, data=pki.cert_pem(cert), clock=clock)
    not_ca, _ = pki.make_ca("不是CA", ca=False)
    refused(services.trusted_root_import, code="not_a_ca", actor=None, data=pki.cert_pem(not_ca), clock=clock)
    old, _ = pki.make_ca("过期根", not_after=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    refused(services.trusted_root_import, code="expired", actor=None, data=pki.cert_pem(old), clock=clock)
    two = pki.cert_pem(ca[0]) + pki.cert_pem(old)
    refused(services.trusted_root_import, actor=None, data=two, clock=clock)
    assert TrustedRoot.objects.count() == 0


def test_root_import_needs_system_admin(ca: Any, clock: FixedClock, publisher: User, make_user: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.trusted_root_import(actor=publisher, data=pki.cert_pem(ca[0]), clock=clock)
    admin = make_user("system_admin")
    services.trusted_root_import(actor=admin, data=pki.cert_pem(ca[0]), clock=clock)


def test_intermediate_must_chain_to_a_root(
    root: TrustedRoot, ca: Any, clock: FixedClock, agency: Organisation
) -> None:
    inter = pki.make_intermediate(*ca, "示范二级CA")
    row = services.trusted_root_import(
        actor=None, data=pki.cert_pem(inter[0]), kind="intermediate", clock=clock
    )
    cert, _ = leaf(inter, agency)
    services.certificate_bind(actor=None, organisation=agency, data=pki.cert_pem(cert), clock=clock)
    stranger = pki.make_intermediate(*pki.make_ca("陌生CA"), "陌生二级CA")
    refused(
        services.trusted_root_import,
        code="untrusted",
        actor=None,
        data=pki.cert_pem(stranger[0]),
        kind="intermediate",
        clock=clock,
    )
    assert TrustedRoot.objects.filter(kind="intermediate").get() == row


def test_crl_upload_verifies_issuer(root: TrustedRoot, ca: Any, clock: FixedClock) -> None:
    crl = pki.make_crl(*ca, [5, 6, 7])
    row = services.revocation_list_upload(actor=None, data=pki.crl_pem(crl), clock=clock)
    assert row.revoked_count == 3 and row.issuer == root
    assert Event.objects.filter(action="trust.crl_upload").count() == 1
    refused(services.revocation_list_upload, code="duplicate", actor=None, data=pki.crl_der(crl), clock=clock)
    impostor = pki.make_ca("示范CA根证书")  # same name, other key: a forged CRL
    refused(
        services.revocation_list_upload,
        code="untrusted",
        actor=None,
        data=pki.crl_der(pki.make_crl(*impostor, [1])),
        clock=clock,
    )
    refused(
        services.revocation_list_upload,
        code="unreadable",
        actor=None,
        data=b"\x30\x03\x02\x01\x00",
        clock=clock,
    )
    assert RevocationList.objects.count() == 1


# ---------------------------------------------------------------- binding


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_bind_pem_or_der_and_usable(
    root: TrustedRoot, ca: Any, clock: FixedClock, agency: Organisation, publisher: User, key_type: str
) -> None:
    cert, _ = leaf(ca, agency, key_type=key_type)
    row = services.certificate_bind(
        actor=publisher, organisation=agency, data=pki.cert_der(cert), clock=clock
    )
    assert row.serial_hex == certs.serial_hex(cert)
    assert row.key_type == ("rsa" if key_type == "rsa" else "ec-p256")
    assert Event.objects.filter(action="certificate.bind", target_id=str(row.pk)).exists()
    assert (
        selectors.certificate_usable(organisation=agency, certificate_der=pki.cert_der(cert), at=NOW) == row
    )
    [listed] = selectors.certificate_list(organisation=agency, at=NOW)
    assert listed.status == CertificateStatus.USABLE
    refused(
        services.certificate_bind,
        code="duplicate",
        actor=publisher,
        organisation=agency,
        data=pki.cert_pem(cert),
        clock=clock,
    )


def test_credit_code_in_ou_binds(root: TrustedRoot, ca: Any, clock: FixedClock, agency: Organisation) -> None:
    cert, _ = pki.make_leaf(
        *ca,
        org_name=agency.name,
        credit_code=f"{agency.name}@{agency.credit_code}",
        credit_code_attribute=NameOID.ORGANIZATIONAL_UNIT_NAME,
    )
    services.certificate_bind(actor=None, organisation=agency, data=pki.cert_pem(cert), clock=clock)


def test_bind_refusals_store_nothing(
    root: TrustedRoot, ca: Any, clock: FixedClock, agency: Organisation, publisher: User, make_org: Any
) -> None:
    other = make_org("agency", "另一家代理公司")
    cases = {
        "unreadable": b"garbage bytes",
        "expired": pki.cert_pem(
            leaf(
                ca,
                agency,
                not_before=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                not_after=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            )[0]
        ),
        "not_yet_valid": pki.cert_pem(leaf(ca, agency, not_before=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))[0]),
        "untrusted": pki.cert_pem(leaf(pki.make_ca("未导入的CA"), agency)[0]),
        "other_organisation": pki.cert_pem(leaf(ca, other)[0]),
        "unsupported_key": pki.cert_pem(leaf(ca, agency, signing=False)[0]),
    }
    revoked, _ = leaf(ca, agency)
    services.revocation_list_upload(
        actor=None, data=pki.crl_der(pki.make_crl(*ca, [revoked.serial_number])), clock=clock
    )
    cases["revoked"] = pki.cert_der(revoked)
    for code, data in cases.items():
        err = refused(
            services.certificate_bind, code=code, actor=publisher, organisation=agency, data=data, clock=clock
        )
        assert err.fields.get("certificate") or err.fields.get("file"), code
    assert Certificate.objects.count() == 0
    assert not Event.objects.filter(action="certificate.bind").exists()


def test_bind_for_another_organisation_is_forbidden(
    root: TrustedRoot, ca: Any, clock: FixedClock, agency: Organisation, make_org: Any, make_user: Any
) -> None:
    other = make_org("agency")
    outsider = make_user("agency_publisher", org=other)
    cert, _ = leaf(ca, agency)
    with pytest.raises(PermissionDenied):
        services.certificate_bind(actor=outsider, organisation=agency, data=pki.cert_pem(cert), clock=clock)
    assert Certificate.objects.count() == 0


@pytest.mark.parametrize(("kind", "role"), [("bidder", "bidder"), ("tenderer", "tenderer")])
def test_bidders_and_tenderers_bind_their_own_certificates(
    root: TrustedRoot, ca: Any, clock: FixedClock, make_org: Any, make_user: Any, kind: str, role: str
) -> None:
    org = make_org(kind)
    member = make_user(role, org=org)
    cert, _ = leaf(ca, org)
    row = services.certificate_bind(actor=member, organisation=org, data=pki.cert_pem(cert), clock=clock)
    assert row.organisation == org
    assert selectors.certificate_usable(organisation=org, certificate_der=bytes(row.der), at=NOW) == row
    # but never for another organisation
    other = make_org(kind)
    other_cert, _ = leaf(ca, other)
    with pytest.raises(PermissionDenied):
        services.certificate_bind(
            actor=member, organisation=other, data=pki.cert_pem(other_cert), clock=clock
        )
    assert Certificate.objects.count() == 1


def test_usable_refusals(
    root: TrustedRoot, ca: Any, clock: FixedClock, agency: Organisation, publisher: User, make_org: Any
) -> None:
    cert, _ = leaf(ca, agency, not_after=dt.datetime(2026, 12, 31, tzinfo=dt.UTC))
    services.certificate_bind(actor=publisher, organisation=agency, data=pki.cert_pem(cert), clock=clock)
    der = pki.cert_der(cert)
    other = make_org("agency")
    refused(
        selectors.certificate_usable,
        code="other_organisation",
        organisation=other,
        certificate_der=der,
        at=NOW,
    )
    refused(
        selectors.certificate_usable,
        code="not_bound",
        organisation=agency,
        certificate_der=pki.cert_der(leaf(ca, agency)[0]),
        at=NOW,
    )
    refused(
        selectors.certificate_usable, code="unreadable", organisation=agency, certificate_der=b"xx", at=NOW
    )
    refused(
        selectors.certificate_usable,
        code="expired",
        organisation=agency,
        certificate_der=der,
        at=dt.datetime(2027, 2, 1, tzinfo=dt.UTC),
    )
    # Revoked after binding: the uploaded CRL takes effect at once.
    services.revocation_list_upload(
        actor=None, data=pki.crl_pem(pki.make_crl(*ca, [cert.serial_number])), clock=clock
    )
    refused(selectors.certificate_usable, code="revoked", organisation=agency, certificate_der=der, at=NOW)
    assert selectors.certificate_list(organisation=agency, at=NOW)[0].status == CertificateStatus.REVOKED


def test_root_deactivated_makes_certificates_untrusted(
    root: TrustedRoot, ca: Any, clock: FixedClock, agency: Organisation
) -> None:
    cert, _ = leaf(ca, agency)
    services.certificate_bind(actor=None, organisation=agency, data=pki.cert_pem(cert), clock=clock)
    services.trusted_root_set_active(actor=None, root=root, active=False)
    refused(
        selectors.certificate_usable,
        code="untrusted",
        organisation=agency,
        certificate_der=pki.cert_der(cert),
        at=NOW,
    )


def test_unbind_and_rebind(
    root: TrustedRoot, ca: Any, clock: FixedClock, agency: Organisation, publisher: User
) -> None:
    cert, _ = leaf(ca, agency)
    row = services.certificate_bind(
        actor=publisher, organisation=agency, data=pki.cert_pem(cert), clock=clock
    )
    services.certificate_unbind(actor=publisher, certificate=row, clock=clock)
    refused(
        selectors.certificate_usable,
        code="unbound",
        organisation=agency,
        certificate_der=pki.cert_der(cert),
        at=NOW,
    )
    refused(
        services.certificate_unbind, code="invalid_transition", actor=publisher, certificate=row, clock=clock
    )
    again = services.certificate_bind(
        actor=publisher, organisation=agency, data=pki.cert_pem(cert), clock=clock
    )
    assert again.pk == row.pk and again.unbound_at is None


def test_inactive_organisation_cannot_sign(
    root: TrustedRoot, ca: Any, clock: FixedClock, agency: Organisation
) -> None:
    cert, _ = leaf(ca, agency)
    services.certificate_bind(actor=None, organisation=agency, data=pki.cert_pem(cert), clock=clock)
    services.organisation_set_active(actor=None, organisation=agency, active=False)
    agency.refresh_from_db()
    refused(
        selectors.certificate_usable,
        code="organisation_inactive",
        organisation=agency,
        certificate_der=pki.cert_der(cert),
        at=NOW,
    )


# ---------------------------------------------------------------- registration


def test_agency_register_creates_pending_org_and_publisher() -> None:
    from ggzy.conftest import credit_code

    code = credit_code()
    user = services.agency_register(
        name="宁夏某招标代理有限公司",
        credit_code=code.lower(),
        username="agency-one",
        password="Str0ng-pass-2026",
        display_name="王经理",
        phone="13800000000",
    )
    assert user.organisation is not None and user.organisation.kind == "agency"
    assert user.organisation.credit_code == code and not user.organisation.is_active
    assert user.has_role("agency_publisher") and user.check_password("Str0ng-pass-2026")
    assert Event.objects.filter(action="agency.register").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"credit_code": "91110000802100433A"}, "credit_code"),
        ({"password": "123"}, "password"),
        ({"name": " "}, "name"),
        ({"username": ""}, "username"),
        ({"display_name": ""}, "display_name"),
    ],
)
def test_agency_register_refusals_store_nothing(changes: dict[str, str], field: str) -> None:
    from ggzy.conftest import credit_code

    kwargs = {
        "name": "某代理公司",
        "credit_code": credit_code(),
        "username": "agency-x",
        "password": "Str0ng-pass-2026",
        "display_name": "王经理",
        **changes,
    }
    err = refused(services.agency_register, **kwargs)
    assert field in err.fields
    assert Organisation.objects.count() == 0 and User.objects.count() == 0


# ---------------------------------------------------------------- pledges


@pytest.fixture
def bound(root: TrustedRoot, ca: Any, clock: FixedClock, agency: Organisation, publisher: User) -> Any:
    cert, key = leaf(ca, agency, key_type="rsa")
    row = services.certificate_bind(
        actor=publisher, organisation=agency, data=pki.cert_pem(cert), clock=clock
    )
    return row, key


def issue(agency: Organisation, code: str = "ideology-pledge", at: dt.datetime = NOW) -> bytes:
    doc = agreements.current(code)
    assert doc is not None
    return agreements.pledge_canonical(
        document=doc, org_name=agency.name, credit_code=agency.credit_code, issued_at=at
    )


def sign(key: Any, data: bytes) -> bytes:
    return certs.sign_bytes(pki.key_pem(key), data)


def test_pledge_signed_verified_and_counted(
    bound: Any, agency: Organisation, publisher: User, clock: FixedClock
) -> None:
    row, key = bound
    canonical = issue(agency)
    pledge = services.pledge_sign(
        actor=publisher, certificate=row, canonical=canonical, signature=sign(key, canonical), clock=clock
    )
    assert pledge.document_title == "网络意识形态安全承诺书"
    assert bytes(pledge.canonical) == canonical
    certs.verify_signature(
        certs.load_certificate(bytes(row.der)), bytes(pledge.canonical), bytes(pledge.signature)
    )
    assert selectors.pledge_count(2026) == 1 and selectors.pledge_count(2025) == 0
    assert Event.objects.filter(action="pledge.sign").count() == 1
    # The same document again in the same year: refused; the user agreement is a separate document.
    again = issue(agency)
    refused(
        services.pledge_sign,
        code="duplicate",
        actor=publisher,
        certificate=row,
        canonical=again,
        signature=sign(key, again),
        clock=clock,
    )
    ua = issue(agency, "user-agreement")
    services.pledge_sign(actor=publisher, certificate=row, canonical=ua, signature=sign(key, ua), clock=clock)
    assert selectors.pledge_count(2026) == 1
    status = {s.document.code: s.pledge for s in selectors.pledge_status(organisation=agency, at=NOW)}
    assert status["ideology-pledge"] == pledge and status["user-agreement"] is not None
    # Next year the yearly pledge is due again.
    next_year = dt.datetime(2027, 1, 5, tzinfo=dt.UTC)
    assert (
        selectors.pledge_existing(
            organisation=agency, document=agreements.current("ideology-pledge"), at=next_year
        )
        is None
    )  # type: ignore[arg-type]


def test_pledge_count_is_distinct_organisations_per_beijing_year(
    root: TrustedRoot, ca: Any, make_org: Any, make_user: Any
) -> None:
    # Signed at 2026-12-31 17:00 UTC = 2027-01-01 01:00 in Beijing: counts for 2027.
    for at, expected_2026, expected_2027 in [
        (dt.datetime(2026, 12, 31, 15, 0, tzinfo=dt.UTC), 1, 0),
        (dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC), 1, 1),
    ]:
        org = make_org("agency")
        user = make_user("agency_publisher", org=org)
        cert, key = leaf(ca, org)
        c = FixedClock(at)
        row = services.certificate_bind(actor=user, organisation=org, data=pki.cert_pem(cert), clock=c)
        canonical = issue(org, at=at)
        services.pledge_sign(
            actor=user, certificate=row, canonical=canonical, signature=sign(key, canonical), clock=c
        )
        assert selectors.pledge_count(2026) == expected_2026
        assert selectors.pledge_count(2027) == expected_2027


def test_pledge_refusals_store_nothing(
    bound: Any,
    agency: Organisation,
    publisher: User,
    clock: FixedClock,
    ca: Any,
    make_org: Any,
    make_user: Any,
) -> None:
    row, key = bound
    good = issue(agency)
    other_key = pki.make_key("rsa")
    other_org = make_org("agency")
    tampered = good.replace(agency.name.encode(), other_org.name.encode())
    reformatted = good.replace(b'"format":1', b'"format": 1')
    old_doc = good.replace(agreements.current("ideology-pledge").sha256.encode(), b"0" * 64)  # type: ignore[union-attr]
    stale = issue(agency, at=NOW - dt.timedelta(hours=3))
    cases = [
        ("signature_invalid", good, sign(other_key, good)),  # another key
        ("signature_invalid", good, sign(key, good + b" ")),  # a signature over different bytes
        ("signature_invalid", good, b"\x00" * 256),  # garbage signature
        ("other_organisation", tampered, sign(key, tampered)),
        ("bad_canonical", reformatted, sign(key, reformatted)),
        ("bad_canonical", b"{not json", sign(key, b"{not json")),
        ("stale_document", old_doc, sign(key, old_doc)),
        ("stale_canonical", stale, sign(key, stale)),
    ]
    for code, canonical, signature in cases:
        refused(
            services.pledge_sign,
            code=code,
            actor=publisher,
            certificate=row,
            canonical=canonical,
            signature=signature,
            clock=clock,
        )
    # A certificate of another organisation cannot sign for this one.
    other_user = make_user("agency_publisher", org=other_org)
    other_cert, other_cert_key = leaf(ca, other_org)
    other_row = services.certificate_bind(
        actor=other_user, organisation=other_org, data=pki.cert_pem(other_cert), clock=clock
    )
    refused(
        services.pledge_sign,
        code="other_organisation",
        actor=publisher,
        certificate=other_row,
        canonical=good,
        signature=sign(other_cert_key, good),
        clock=clock,
    )
    # Revoked: refused even with a correct signature.
    services.revocation_list_upload(
        actor=None, data=pki.crl_der(pki.make_crl(*ca, [int(row.serial_hex, 16)])), clock=clock
    )
    refused(
        services.pledge_sign,
        code="revoked",
        actor=publisher,
        certificate=row,
        canonical=good,
        signature=sign(key, good),
        clock=clock,
    )
    assert Pledge.objects.count() == 0
    assert selectors.pledge_count(2026) == 0


def test_pledge_needs_agency_publisher(
    bound: Any, agency: Organisation, make_user: Any, clock: FixedClock
) -> None:
    row, key = bound
    colleague = make_user(org=agency)  # same agency, no publisher role
    canonical = issue(agency)
    with pytest.raises(PermissionDenied):
        services.pledge_sign(
            actor=colleague, certificate=row, canonical=canonical, signature=sign(key, canonical), clock=clock
        )
    assert base64.b64encode(canonical)  # canonical bytes are plain UTF-8 JSON
    assert Pledge.objects.count() == 0


def test_demo_pki_binds_and_pledges(
    tmp_path: Any, agency: Organisation, publisher: User, clock: FixedClock
) -> None:
    from ggzy.accounts.demo import demo_pki

    result = demo_pki(agencies=[agency], key_dir=tmp_path, clock=clock)
    cert_path, key_path = result["certificates"][agency.credit_code]
    cert = certs.load_certificate(cert_path.read_bytes())
    assert certs.public_key_matches(cert, key_path.read_bytes())
    assert selectors.certificate_usable(organisation=agency, certificate_der=pki.cert_der(cert), at=NOW)
    assert result["pledges"] == 1 and selectors.pledge_count(2026) == 1
