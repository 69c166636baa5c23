"""SM2 (国密) signatures on tender files without a browser: a signature made on the command line
(``certs.sign_bytes``, what ``openssl dgst -sm3 -sigopt distid:1234567812345678 -sign`` makes)
uploaded as files through the page is verified and stored like the browser's, and both the
publisher's file table and the bidder's section page name the algorithm (SM2 / SM3, or RSA/ECDSA
with SHA-256 for the other certificates)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ggzy.accounts import services as accounts_services
from ggzy.core.clock import FixedClock
from ggzy.sealing import certs
from ggzy.sealing import testing as pki
from ggzy.trading import services
from ggzy.trading.models import TenderFile
from ggzy.trading.tests.conftest import PDF, T0, Parties
from ggzy.trading.views import common

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _views_clock(tclock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> FixedClock:
    monkeypatch.setattr(common, "clock", tclock)
    return tclock


def _bound(parties: Parties, key_type: str) -> tuple[Any, Any]:
    """A certificate of ``key_type`` for the tenderer, under a root of the same type, bound."""
    ca, ca_key = pki.make_ca(f"测试{key_type}根CA", key_type=key_type)  # type: ignore[arg-type]
    leaf, key = pki.make_leaf(
        ca, ca_key, org_name=parties.tenderer_org.name, credit_code=parties.tenderer_org.credit_code,
        key_type=key_type,  # type: ignore[arg-type]
        not_before=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), not_after=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    accounts_services.trusted_root_import(
        actor=parties.admin, data=pki.cert_pem(ca), name=f"测试{key_type}根CA"
    )
    accounts_services.certificate_bind(
        actor=parties.admin, organisation=parties.tenderer_org, data=pki.cert_der(leaf), clock=FixedClock(T0)
    )
    return leaf, key


def test_cli_made_sm2_signature_uploaded_through_the_page(
    client: Client, parties: Parties, build: Callable[..., Any]
) -> None:
    section = build("draft")
    leaf, key = _bound(parties, "sm2")
    data = PDF + "命令行国密签名".encode()
    signature = certs.sign_bytes(pki.key_pem(key), data)
    client.force_login(parties.tenderer)
    url = f"/manage/trading/sections/{section.pk}/upload/"

    # Another file's signature: refused with the reason, nothing stored.
    r = client.post(
        url,
        {
            "upload-file": SimpleUploadedFile("招标文件.pdf", PDF + b"other bytes"),
            "upload-signature": SimpleUploadedFile("file.sig", signature),
            "upload-certificate": SimpleUploadedFile("cert.pem", pki.cert_pem(leaf)),
        },
    )
    assert r.status_code == 400 and "签名验证失败" in r.content.decode()
    assert not TenderFile.objects.exists()

    r = client.post(
        url,
        {
            "upload-file": SimpleUploadedFile("招标文件.pdf", data),
            "upload-signature": SimpleUploadedFile("file.sig", signature),
            "upload-certificate": SimpleUploadedFile("cert.pem", pki.cert_pem(leaf)),
        },
    )
    assert r.status_code == 302, r.content.decode()
    tf = TenderFile.objects.get()
    assert tf.key_type == "sm2" and tf.algorithm_label == "SM2 / SM3"
    assert bytes(tf.signature) == signature
    page = client.get(f"/manage/trading/sections/{section.pk}/").content.decode()
    assert f'<span class="sig-algorithm" id="file-{tf.pk}-algorithm">SM2 / SM3</span>' in page


@pytest.mark.parametrize(("key_type", "label"), [("sm2", "SM2 / SM3"), ("ec", "ECDSA P-256 / SHA-256")])
def test_bidder_sees_the_signature_algorithm_of_a_clarification(
    client: Client, parties: Parties, build: Callable[..., Any], tclock: FixedClock, key_type: str, label: str
) -> None:
    section = build("published")
    leaf, key = _bound(parties, key_type)
    data = PDF + b"clarification"
    tf = services.clarification_publish(
        actor=parties.tenderer,
        section=section,
        name="澄清.pdf",
        content=io.BytesIO(data),
        signature=certs.sign_bytes(pki.key_pem(key), data),
        certificate=pki.cert_pem(leaf),
        clock=tclock,
    )
    assert tf.algorithm_label == label
    client.force_login(parties.bidder)
    page = client.get(f"/trading/sections/{section.pk}/").content.decode()
    assert f"发布人已签名（{label}，证书 {certs.serial_hex(leaf)}）" in page
    unsigned = TenderFile.objects.exclude(pk=tf.pk).get()
    assert not unsigned.is_signed and unsigned.key_type == ""
