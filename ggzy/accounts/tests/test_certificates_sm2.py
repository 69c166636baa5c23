"""The trust store, CRLs, certificate binding and pledges with SM2 certificates (GM/T 0015) — on the
real database, with real SM2 keys: an SM2 root and intermediate are imported, an SM2-signed CRL is
uploaded and revokes, an agency binds its SM2 certificate and signs a pledge with SM2 / SM3."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from ggzy.accounts import agreements, selectors, services
from ggzy.accounts.choices import CertificateStatus
from ggzy.accounts.models import Organisation, RevocationList, TrustedRoot, User
from ggzy.core.clock import FixedClock
from ggzy.core.errors import ValidationFailed
from ggzy.sealing import certs
from ggzy.sealing import testing as pki

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)
OPENSSL_PROBLEM = pki.openssl_sm2_problem()


@pytest.fixture(scope="module")
def ca() -> Any:
    return pki.make_ca("示范SM2根CA", key_type="sm2")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def root(ca: Any, clock: FixedClock) -> TrustedRoot:
    return services.trusted_root_import(actor=None, data=pki.cert_pem(ca[0]), clock=clock)


@pytest.fixture
def agency(make_org: Any) -> Organisation:
    return make_org("agency", "福州某招标代理有限公司")


@pytest.fixture
def publisher(make_user: Any, agency: Organisation) -> User:
    return make_user("agency_publisher", org=agency)


def refused(fn: Any, *, code: str, **kwargs: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as err:
        fn(**kwargs)
    assert err.value.code == code, err.value.message
    return err.value


def test_sm2_root_intermediate_crl_and_binding(
    root: TrustedRoot, ca: Any, clock: FixedClock, agency: Organisation, publisher: User
) -> None:
    assert root.kind == "root" and root.fingerprint == certs.fingerprint(ca[0])
    inter = pki.make_intermediate(*ca, "示范SM2二级CA", key_type="sm2")
    services.trusted_root_import(actor=None, data=pki.cert_pem(inter[0]), kind="intermediate", clock=clock)
    cert, _ = pki.make_leaf(*inter, org_name=agency.name, credit_code=agency.credit_code, key_type="sm2")
    row = services.certificate_bind(
        actor=publisher, organisation=agency, data=pki.cert_der(cert), clock=clock
    )
    assert row.key_type == "sm2"
    assert (
        selectors.certificate_usable(organisation=agency, certificate_der=pki.cert_der(cert), at=NOW) == row
    )
    # The intermediate revokes the certificate with an SM2-signed CRL.
    crl = pki.make_crl(*inter, [cert.serial_number])
    stored = services.revocation_list_upload(actor=None, data=pki.crl_pem(crl), clock=clock)
    assert stored.revoked_count == 1 and stored.issuer.kind == "intermediate"
    [listed] = selectors.certificate_list(organisation=agency, at=NOW)
    assert listed.status == CertificateStatus.REVOKED


def test_forged_sm2_crl_and_intermediate_are_refused(root: TrustedRoot, ca: Any, clock: FixedClock) -> None:
    impostor = pki.make_ca("示范SM2根CA", key_type="sm2")  # same name, another SM2 key
    refused(
        services.revocation_list_upload,
        code="untrusted",
        actor=None,
        data=pki.crl_der(pki.make_crl(*impostor, [1])),
        clock=clock,
    )
    genuine = pki.make_crl(*ca, [1])
    refused(
        services.revocation_list_upload,
        code="untrusted",
        actor=None,
        data=pki.tamper_signature(pki.crl_der(genuine)),
        clock=clock,
    )
    assert RevocationList.objects.count() == 0
    stranger = pki.make_intermediate(*impostor, "陌生SM2二级CA", key_type="sm2")
    refused(
        services.trusted_root_import,
        code="untrusted",
        actor=None,
        data=pki.cert_pem(stranger[0]),
        kind="intermediate",
        clock=clock,
    )
    tampered_root = pki.tamper_signature(pki.cert_der(pki.make_ca("被改的SM2根", key_type="sm2")[0]))
    refused(services.trusted_root_import, code="not_root", actor=None, data=tampered_root, clock=clock)
    assert TrustedRoot.objects.count() == 1


def test_pledge_signed_with_sm2(
    root: TrustedRoot, ca: Any, clock: FixedClock, agency: Organisation, publisher: User
) -> None:
    cert, key = pki.make_leaf(*ca, org_name=agency.name, credit_code=agency.credit_code, key_type="sm2")
    row = services.certificate_bind(
        actor=publisher, organisation=agency, data=pki.cert_pem(cert), clock=clock
    )
    doc = agreements.current("ideology-pledge")
    assert doc is not None
    canonical = agreements.pledge_canonical(
        document=doc, org_name=agency.name, credit_code=agency.credit_code, issued_at=NOW
    )
    # A signature with another key is refused; the SM2 key of the certificate signs.
    wrong = certs.sign_bytes(pki.key_pem(pki.make_key("sm2")), canonical)
    refused(
        services.pledge_sign,
        code="signature_invalid",
        actor=publisher,
        certificate=row,
        canonical=canonical,
        signature=wrong,
        clock=clock,
    )
    pledge = services.pledge_sign(
        actor=publisher,
        certificate=row,
        canonical=canonical,
        signature=certs.sign_bytes(pki.key_pem(key), canonical),
        clock=clock,
    )
    assert selectors.pledge_count(2026) == 1
    certs.verify_signature(cert, bytes(pledge.canonical), bytes(pledge.signature))


@pytest.mark.skipif(bool(OPENSSL_PROBLEM), reason=OPENSSL_PROBLEM or "")
def test_openssl_sm2_ca_in_the_trust_store(
    tmp_path: Path, clock: FixedClock, agency: Organisation, publisher: User
) -> None:
    ca = pki.OpenSSLCA(tmp_path / "ca", "OpenSSL 示范SM2根CA")
    services.trusted_root_import(actor=None, data=ca.cert_path.read_bytes(), clock=clock)
    cert, _ = ca.issue("agency", f"/C=CN/O={agency.name}/serialNumber={agency.credit_code}/CN={agency.name}")
    row = services.certificate_bind(
        actor=publisher, organisation=agency, data=pki.cert_pem(cert), clock=clock
    )
    assert row.key_type == "sm2" and row.subject == agency.name
    ca.revoke(tmp_path / "ca" / "agency.pem")
    services.revocation_list_upload(actor=None, data=ca.crl(), clock=clock)
    [listed] = selectors.certificate_list(organisation=agency, at=NOW)
    assert listed.status == CertificateStatus.REVOKED
