"""Bid receipts follow GGZY_CRYPTO_SUITE: ECDSA P-256 under intl, SM2 under sm (the body then says
``"suite": "sm"``). Each receipt verifies with the platform key of its own suite, which
``/trading/platform-key.pem?suite=…`` serves — so a receipt made before a switch of suite still
verifies after it, either way — and with openssl, offline, by the commands in receipts.py."""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from ggzy.core.clock import FixedClock
from ggzy.sealing import receipts, suites
from ggzy.trading import services
from ggzy.trading.models import Bid, Section
from ggzy.trading.tests.bidkit import Sealer, make_sealer, trust_ca
from ggzy.trading.tests.conftest import Parties

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(settings: Any, tmp_path: Path) -> Path:
    """This test's own platform key folder (keys are created on first use)."""
    settings.GGZY_PLATFORM_KEY_PATH = tmp_path / "keys" / "platform-key.pem"
    return settings.GGZY_PLATFORM_KEY_PATH


@pytest.fixture
def section(build: Any) -> Section:
    return build("published", deadline_days=20)


@pytest.fixture
def b1(parties: Parties, tclock: FixedClock) -> Sealer:
    return make_sealer(trust_ca(tclock), parties.bidder, tclock)


@pytest.fixture
def client(b1: Sealer) -> Client:
    c = Client()
    c.force_login(b1.user)
    return c


def submit(sealer: Sealer, section: Section, clock: FixedClock, text: bytes) -> Bid:
    data = sealer.seal(section, b"%PDF-1.7 " + text * 200)
    return services.bid_submit_file(actor=sealer.user, section=section, src=io.BytesIO(data), clock=clock)


def platform_pem(c: Client, suite: str | None = None) -> bytes:
    response = c.get("/trading/platform-key.pem", {"suite": suite} if suite else {})
    assert response.status_code == 200, response.content
    return response.content


def downloaded(c: Client, bid: Bid) -> bytes:
    response = c.get(f"/trading/bids/{bid.pk}/receipt.json")
    assert response.status_code == 200
    return response.content


def test_receipts_made_before_and_after_a_switch_verify_with_their_own_key(
    settings: Any, keys: Path, section: Section, b1: Sealer, client: Client, tclock: FixedClock
) -> None:
    # intl deployment: ECDSA P-256, the body exactly as before suites (no "suite" key)
    v1 = submit(b1, section, tclock, b"version one")
    assert "suite" not in v1.receipt["receipt"]
    intl_pem = platform_pem(client)
    assert suites.load_any_public_key(intl_pem)[0] is suites.INTL_SUITE
    assert platform_pem(client, "intl") == intl_pem
    assert receipts.verify_receipt(intl_pem, downloaded(client, v1)).sequence == v1.receipt_sequence
    # …and the SM2 key does not exist yet: nothing was signed with it, asking does not make it
    assert client.get("/trading/platform-key.pem", {"suite": "sm"}).status_code == 404
    assert not keys.with_name("platform-key-sm2.pem").exists()

    # the deployment switches to sm: the next receipt is SM2, the default key is now SM2
    settings.GGZY_CRYPTO_SUITE = "sm"
    tclock.advance(minutes=5)
    v2 = submit(b1, section, tclock, b"version two")
    assert v2.receipt["receipt"]["suite"] == "sm"
    sm_pem = platform_pem(client)
    assert suites.load_any_public_key(sm_pem)[0] is suites.SM_SUITE
    assert platform_pem(client, "sm") == sm_pem
    assert receipts.verify_receipt(sm_pem, downloaded(client, v2)).suite == "sm"
    assert v2.receipt["receipt"]["key_id"] == suites.public_key_id16(sm_pem)[1]
    # the intl receipt still verifies, with the intl key the endpoint still serves
    assert platform_pem(client, "intl") == intl_pem
    assert receipts.verify_receipt(intl_pem, downloaded(client, v1)).sequence == v1.receipt_sequence
    # each with its own key only
    with pytest.raises(receipts.ReceiptInvalid, match="密码套件"):
        receipts.verify_receipt(sm_pem, downloaded(client, v1))
    with pytest.raises(receipts.ReceiptInvalid, match="密码套件"):
        receipts.verify_receipt(intl_pem, downloaded(client, v2))

    # back to intl: both still verify, and the intl key is the one it always was
    settings.GGZY_CRYPTO_SUITE = "intl"
    assert platform_pem(client) == intl_pem and platform_pem(client, "sm") == sm_pem
    assert receipts.verify_receipt(intl_pem, downloaded(client, v1)).suite == "intl"
    assert receipts.verify_receipt(sm_pem, downloaded(client, v2)).suite == "sm"
    tclock.advance(minutes=5)
    v3 = submit(b1, section, tclock, b"version three")
    assert "suite" not in v3.receipt["receipt"]
    assert v3.receipt["receipt"]["key_id"] == v1.receipt["receipt"]["key_id"]


@pytest.mark.parametrize("suite", ["intl", "sm"])
def test_tampered_receipts_fail(
    settings: Any, keys: Path, section: Section, b1: Sealer, client: Client, tclock: FixedClock, suite: str
) -> None:
    settings.GGZY_CRYPTO_SUITE = suite
    bid = submit(b1, section, tclock, b"tamper")
    pem = platform_pem(client, suite)
    good = json.loads(downloaded(client, bid))
    assert receipts.verify_receipt(pem, good).envelope_sha256 == bid.envelope_sha256
    for field, value in (("sequence", bid.receipt_sequence + 1), ("envelope_sha256", "0" * 64)):
        doc = json.loads(downloaded(client, bid))
        doc["receipt"][field] = value
        with pytest.raises(receipts.ReceiptInvalid, match="签名验证失败"):
            receipts.verify_receipt(pem, doc)
    # relabelling the suite does not make a receipt verify with the other key
    settings.GGZY_CRYPTO_SUITE = "sm" if suite == "intl" else "intl"
    other = platform_pem(client)
    relabelled = json.loads(downloaded(client, bid))
    if suite == "intl":
        relabelled["receipt"]["suite"] = "sm"
    else:
        del relabelled["receipt"]["suite"]
    with pytest.raises(receipts.ReceiptInvalid):
        receipts.verify_receipt(other, relabelled)


def test_the_key_endpoint_refuses_an_unknown_suite(keys: Path, client: Client) -> None:
    assert client.get("/trading/platform-key.pem", {"suite": "rot13"}).status_code == 404
    response = client.get("/trading/platform-key.pem", {"suite": "intl"})
    assert response.status_code == 200
    assert 'filename="ggzy-platform-key.pub.pem"' in response["Content-Disposition"]


def test_kit_command_verifies_an_sm_receipt_after_the_switch_back(
    settings: Any,
    keys: Path,
    section: Section,
    b1: Sealer,
    client: Client,
    tclock: FixedClock,
    tmp_path: Path,
) -> None:
    settings.GGZY_CRYPTO_SUITE = "sm"
    bid = submit(b1, section, tclock, b"kit")
    settings.GGZY_CRYPTO_SUITE = "intl"
    (tmp_path / "receipt.json").write_bytes(downloaded(client, bid))
    (tmp_path / "platform-sm2.pub.pem").write_bytes(platform_pem(client, "sm"))
    out = io.StringIO()
    call_command(
        "bid",
        "verify-receipt",
        str(tmp_path / "receipt.json"),
        "--platform-key",
        str(tmp_path / "platform-sm2.pub.pem"),
        stdout=out,
    )
    assert bid.envelope_sha256 in out.getvalue()


OPENSSL_VERIFY = {
    # receipts.py: jq rebuilds the canonical body; ECDSA with dgst, SM2 with pkeyutl and the signer id
    "intl": "openssl dgst -sha256 -verify platform.pub.pem -signature receipt.sig receipt-body.json",
    "sm": (
        "openssl pkeyutl -verify -pubin -inkey platform.pub.pem -rawin -digest sm3 "
        "-pkeyopt distid:1234567812345678 -in receipt-body.json -sigfile receipt.sig"
    ),
}


@pytest.mark.skipif(not (shutil.which("openssl") and shutil.which("jq")), reason="needs openssl and jq")
@pytest.mark.parametrize(("made", "then"), [("intl", "sm"), ("sm", "intl")])
def test_openssl_verifies_the_downloaded_receipt_after_a_switch(
    settings: Any,
    keys: Path,
    section: Section,
    b1: Sealer,
    client: Client,
    tclock: FixedClock,
    tmp_path: Path,
    made: str,
    then: str,
) -> None:
    settings.GGZY_CRYPTO_SUITE = made
    bid = submit(b1, section, tclock, b"openssl")
    settings.GGZY_CRYPTO_SUITE = then
    suite = json.loads(downloaded(client, bid))["receipt"].get("suite", "intl")
    assert suite == made
    (tmp_path / "receipt.json").write_bytes(downloaded(client, bid))
    (tmp_path / "platform.pub.pem").write_bytes(platform_pem(client, suite))
    script = (
        "jq -jcS .receipt receipt.json > receipt-body.json && "
        "jq -r .signature receipt.json | base64 -d > receipt.sig && " + OPENSSL_VERIFY[suite]
    )

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["sh", "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False, timeout=60
        )

    ok = run()
    expected = "Verified OK" if suite == "intl" else "Signature Verified Successfully"
    assert ok.returncode == 0 and expected in ok.stdout, ok.stdout + ok.stderr
    doc = json.loads((tmp_path / "receipt.json").read_text())
    doc["receipt"]["sequence"] += 1
    (tmp_path / "receipt.json").write_text(json.dumps(doc))
    assert run().returncode != 0
    assert base64.b64decode(doc["signature"])
