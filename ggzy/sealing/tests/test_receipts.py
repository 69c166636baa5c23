"""Platform-signed submission receipts, verified in Python and offline with jq + openssl."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import subprocess

import pytest

from ggzy.sealing import receipts, signing
from ggzy.sealing.receipts import ReceiptInvalid

AT = dt.datetime(2026, 11, 20, 10, 0, 1, 123456, tzinfo=dt.UTC)
HASH = "ab" * 32


@pytest.fixture(scope="module")
def key():
    return signing.SigningKey.generate()


def issue(key, **kw):
    args = {
        "section": "E6404000001001001",
        "bidder": "91640400MA0000001X",
        "envelope_sha256": HASH,
        "server_time": AT,
        "sequence": 7,
    } | kw
    return receipts.issue_receipt(key, **args)


def test_issue_and_verify(key):
    receipt = issue(key)
    doc = json.loads(receipt.to_json())
    assert doc["receipt"] == {
        "bidder": "91640400MA0000001X",
        "envelope_sha256": HASH,
        "key_id": key.key_id,
        "section": "E6404000001001001",
        "sequence": 7,
        "server_time": "2026-11-20T10:00:01.123456Z",
        "version": "ggzy-receipt/1",
    }
    back = receipts.verify_receipt(key.public_pem(), receipt.to_json())
    assert back == receipt
    assert back.server_datetime == AT
    # a receipt in local time is normalised to UTC
    beijing = dt.timezone(dt.timedelta(hours=8))
    assert issue(key, server_time=AT.astimezone(beijing)).server_time == receipt.server_time


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("envelope_sha256", "cd" * 32),
        ("sequence", 8),
        ("server_time", "2026-11-20T09:59:59.000000Z"),
        ("section", "E6404000001001002"),
        ("bidder", "X"),
    ],
)
def test_edited_receipts_are_refused(key, field, value):
    doc = json.loads(issue(key).to_json())
    doc["receipt"][field] = value
    with pytest.raises(ReceiptInvalid) as exc:
        receipts.verify_receipt(key.public_pem(), doc)
    assert "签名" in exc.value.message


def test_receipt_of_another_platform_key_is_refused(key):
    other = signing.SigningKey.generate()
    with pytest.raises(ReceiptInvalid):
        receipts.verify_receipt(other.public_pem(), issue(key).to_json())


@pytest.mark.parametrize(
    "document",
    [
        b"not json",
        b"[]",
        b'{"receipt": {}}',
        b'{"receipt": {}, "signature": "x"}',
        b'{"receipt": {"version": "ggzy-receipt/1"}, "signature": "x"}',
    ],
)
def test_garbage_receipts_are_refused(key, document):
    with pytest.raises(ReceiptInvalid):
        receipts.verify_receipt(key.public_pem(), document)


def test_bad_issue_inputs_are_refused(key):
    with pytest.raises(ReceiptInvalid):
        issue(key, server_time=dt.datetime(2026, 11, 20))  # noqa: DTZ001
    with pytest.raises(ReceiptInvalid):
        issue(key, envelope_sha256="xyz")
    with pytest.raises(ReceiptInvalid):
        issue(key, sequence=0)
    with pytest.raises(ReceiptInvalid):
        issue(key, section="有空格 的")


@pytest.mark.skipif(not (shutil.which("openssl") and shutil.which("jq")), reason="needs openssl and jq")
def test_offline_verification_with_the_documented_commands(key, tmp_path):
    (tmp_path / "receipt.json").write_bytes(issue(key).to_json())
    (tmp_path / "platform-key.pub.pem").write_bytes(key.public_pem())
    script = (
        "jq -jcS .receipt receipt.json > receipt-body.json && "
        "jq -r .signature receipt.json | base64 -d > receipt.sig && "
        "openssl dgst -sha256 -verify platform-key.pub.pem -signature receipt.sig receipt-body.json"
    )
    run = subprocess.run(["sh", "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert run.returncode == 0 and "Verified OK" in run.stdout, run.stdout + run.stderr
    # and a tampered receipt fails the same check
    doc = json.loads((tmp_path / "receipt.json").read_text())
    doc["receipt"]["sequence"] = 99
    (tmp_path / "receipt.json").write_text(json.dumps(doc))
    run = subprocess.run(["sh", "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert run.returncode != 0
    assert base64.b64decode(doc["signature"])


def test_deeply_nested_receipt_is_refused(key):
    with pytest.raises(ReceiptInvalid):
        receipts.verify_receipt(key.public_pem(), b"[" * 100000)
