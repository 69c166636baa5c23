"""Agency notices signed with SM2 certificates (SM2 / SM3, signer id 1234567812345678): signed
with `ggzy sign-notice` or with openssl, verified by the server, published with the algorithm on
the public page, and the published files verify with openssl alone. The canonical form is the
same `ggzy-notice/1` bytes as for RSA and ECDSA."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from ggzy.accounts import services as accounts_services
from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.errors import ValidationFailed
from ggzy.publishing import selectors, services
from ggzy.publishing.models import NoticeSignature
from ggzy.publishing.tests.agency_support import NOW, Agency, make_agency, tender_fields
from ggzy.sealing import certs, suites
from ggzy.sealing import testing as pki

pytestmark = pytest.mark.django_db
OPENSSL_PROBLEM = pki.openssl_sm2_problem()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def ag(make_org: Any, make_user: Any, clock: FixedClock) -> Agency:
    return make_agency(make_org, make_user, clock, key_type="sm2", ca_key_type="sm2")


def test_sm2_agency_signs_with_the_cli_and_publishes(ag: Agency, clock: FixedClock, tmp_path: Path) -> None:
    assert certs.key_type(ag.cert) == "sm2" and certs.key_type(ag.ca_cert) == "sm2"
    notice = services.agency_notice_create(actor=ag.publisher, clock=clock, **tender_fields())
    canonical = selectors.notice_canonical_bytes(notice)
    (tmp_path / "notice.json").write_bytes(canonical)
    (tmp_path / "key.pem").write_bytes(pki.key_pem(ag.key, b"agency-pass"))
    (tmp_path / "cert.pem").write_bytes(pki.cert_pem(ag.cert))
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AGENCY_KEY_PASSWORD", "agency-pass")
        call_command(
            "sign_notice",
            str(tmp_path / "notice.json"),
            "--key",
            str(tmp_path / "key.pem"),
            "--cert",
            str(tmp_path / "cert.pem"),
            "--password-env",
            "AGENCY_KEY_PASSWORD",
            stdout=out,
        )
    assert "签名算法 SM2 / SM3" in out.getvalue()
    signature = (tmp_path / "notice.sig").read_bytes()
    # An SM2 signature with the default id over the unchanged canonical bytes, nothing else.
    assert suites.SM_SUITE.verify(ag.key.public, canonical, signature)
    published = services.agency_notice_submit(
        actor=ag.publisher, notice=notice, certificate_der=ag.cert_der, signature=signature, clock=clock
    )
    assert published.status == "published"
    stored = NoticeSignature.objects.get(notice=notice)
    assert stored.key_type == "sm2" and stored.algorithm_label == "SM2 / SM3"
    assert stored.openssl_dgst_options == "-sm3 -sigopt distid:1234567812345678"
    assert bytes(stored.canonical) == canonical
    event = Event.objects.filter(action="agency_notice.sign").latest("seq")
    assert event.data["key_type"] == "sm2"


def test_bad_sm2_signatures_are_refused_and_nothing_is_stored(ag: Agency, clock: FixedClock) -> None:
    notice = services.agency_notice_create(actor=ag.publisher, clock=clock, **tender_fields())
    canonical = selectors.notice_canonical_bytes(notice)
    good = ag.sign(notice)
    other_key = pki.make_key("sm2")
    assert isinstance(other_key, suites.SM2PrivateKey)
    for bad in (
        pki.tamper_signature(good),  # changed signature
        suites.SM_SUITE.sign(ag.key, canonical, signer_id=b"ALICE123@YAHOO.COM"),  # another id
        suites.SM_SUITE.sign(other_key, canonical),  # another SM2 key
        certs.sign_bytes(ag.key_pem, canonical + b" "),  # other bytes
    ):
        with pytest.raises(ValidationFailed) as err:
            services.agency_notice_submit(
                actor=ag.publisher, notice=notice, certificate_der=ag.cert_der, signature=bad, clock=clock
            )
        assert err.value.code == "signature_invalid"
    assert not NoticeSignature.objects.filter(notice=notice).exists()
    notice.refresh_from_db()
    assert notice.status == "draft"
    # The good one still goes through.
    services.agency_notice_submit(
        actor=ag.publisher, notice=notice, certificate_der=ag.cert_der, signature=good, clock=clock
    )


def test_sm2_leaf_under_an_ecdsa_root_is_accepted(make_org: Any, make_user: Any, clock: FixedClock) -> None:
    # Mixed chains count (ADR 0028): the root's ECDSA signature over the SM2 certificate is checked.
    ag = make_agency(make_org, make_user, clock, key_type="sm2", ca_key_type="ec")
    notice = services.agency_notice_create(actor=ag.publisher, clock=clock, **tender_fields())
    published = services.agency_notice_submit(
        actor=ag.publisher, notice=notice, certificate_der=ag.cert_der, signature=ag.sign(notice), clock=clock
    )
    assert published.status == "published"


@pytest.mark.skipif(bool(OPENSSL_PROBLEM), reason=OPENSSL_PROBLEM or "")
def test_openssl_ca_openssl_signature_and_openssl_verification(
    make_org: Any, make_user: Any, clock: FixedClock, tmp_path: Path
) -> None:
    # A CA and an agency key made by openssl, the notice signed by openssl: the platform accepts it,
    # and what the public page offers verifies with openssl again.
    ca = pki.OpenSSLCA(tmp_path / "ca", "示范SM2根CA")
    real_clock = FixedClock(NOW)
    ag = make_agency(make_org, make_user, real_clock)  # organisations, mandate (its EC CA is not used)
    accounts_services.trusted_root_import(actor=ag.admin, data=ca.cert_path.read_bytes(), clock=clock)
    cert, key_path = ca.issue(
        "agency", f"/C=CN/O={ag.agency.name}/serialNumber={ag.agency.credit_code}/CN={ag.agency.name}"
    )
    accounts_services.certificate_bind(
        actor=ag.publisher, organisation=ag.agency, data=pki.cert_pem(cert), clock=clock
    )
    notice = services.agency_notice_create(actor=ag.publisher, clock=clock, **tender_fields())
    data_path = tmp_path / f"notice-{notice.pk}.json"
    data_path.write_bytes(selectors.notice_canonical_bytes(notice))
    signature = ca.sign(key_path, data_path)
    services.agency_notice_submit(
        actor=ag.publisher,
        notice=notice,
        certificate_der=pki.cert_der(cert),
        signature=signature,
        clock=clock,
    )

    client = Client()
    text = client.get(reverse("portal:notice_detail", args=[notice.pk])).content.decode()
    assert f"签名验证通过：{ag.agency.name}，证书序列号 {certs.serial_hex(cert)}" in text
    assert "签名算法：SM2 / SM3" in text
    assert (
        f"openssl dgst -sm3 -sigopt distid:1234567812345678 -verify pub.pem -signature notice-{notice.pk}.sig"
        in text
    )
    files = {}
    for name, filename in (
        ("portal:notice_signed_bytes", "dl.json"),
        ("portal:notice_signature", "dl.sig"),
        ("portal:notice_certificate", "dl-cert.pem"),
    ):
        response = client.get(reverse(name, args=[notice.pk]))
        assert response.status_code == 200
        (tmp_path / filename).write_bytes(response.content)
        files[filename] = str(tmp_path / filename)
    pub = subprocess.run(
        ["openssl", "x509", "-in", files["dl-cert.pem"], "-pubkey", "-noout"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    (tmp_path / "pub.pem").write_bytes(pub)
    command = [
        "openssl",
        "dgst",
        "-sm3",
        "-sigopt",
        "distid:1234567812345678",
        "-verify",
        str(tmp_path / "pub.pem"),
    ]
    ok = subprocess.run(
        [*command, "-signature", files["dl.sig"], files["dl.json"]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0 and "Verified OK" in ok.stdout, ok.stderr
    # Without the signer id (OpenSSL 3.0's empty default) it does not verify: the page says why.
    plain = subprocess.run(
        ["openssl", "dgst", "-sm3", "-verify", str(tmp_path / "pub.pem"), "-signature", files["dl.sig"],
         files["dl.json"]],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert plain.returncode != 0


@pytest.mark.skipif(bool(OPENSSL_PROBLEM), reason=OPENSSL_PROBLEM or "")
def test_root_signed_without_distid_is_refused_with_the_reason(
    ag: Agency, clock: FixedClock, tmp_path: Path
) -> None:
    ca = pki.OpenSSLCA(tmp_path / "ca", "无标识SM2根CA", signer_id=False)
    with pytest.raises(ValidationFailed) as err:
        accounts_services.trusted_root_import(actor=ag.admin, data=ca.cert_path.read_bytes(), clock=clock)
    assert "distid:1234567812345678" in err.value.message
