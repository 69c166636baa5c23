"""Submission receipts (回执) signed by the platform key, verifiable offline.

A receipt is the JSON document ``{"receipt": body, "signature": base64}`` where ``body`` is::

    {"bidder": …, "envelope_sha256": …, "key_id": …, "section": …, "sequence": …,
     "server_time": "YYYY-MM-DDTHH:MM:SS.ffffffZ", "version": "ggzy-receipt/1"}

and ``signature`` is the DER ECDSA P-256 / SHA-256 signature (the platform key of
:mod:`ggzy.sealing.signing`) over the canonical JSON of ``body``. Offline check (jq re-creates the
canonical bytes because every field is printable ASCII)::

    jq -jcS .receipt receipt.json > receipt-body.json
    jq -r .signature receipt.json | base64 -d > receipt.sig
    openssl dgst -sha256 -verify platform-key.pub.pem -signature receipt.sig receipt-body.json

Suite ``sm`` (an SM2 platform key, :class:`ggzy.sealing.suites.SMSigningKey`): the body has one more
key, ``"suite": "sm"``, ``key_id`` is the first 16 hex digits of SM3 over the key's
SubjectPublicKeyInfo, and the signature is SM2 (signer id ``1234567812345678``) over the same
canonical JSON; offline::

    openssl pkeyutl -verify -pubin -inkey platform-key.pub.pem -rawin -digest sm3 \
        -pkeyopt distid:1234567812345678 -in receipt-body.json -sigfile receipt.sig
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from ggzy.sealing import signing, suites
from ggzy.sealing.envelope import SAFE_TEXT, canonical_json

RECEIPT_VERSION = "ggzy-receipt/1"
BODY_KEYS = frozenset(
    {"bidder", "envelope_sha256", "key_id", "section", "sequence", "server_time", "version"}
)
SERVER_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
HEX64 = re.compile(r"[0-9a-f]{64}")
SM_BODY_KEYS = BODY_KEYS | {"suite"}
PlatformKey = signing.SigningKey | suites.SMSigningKey


class ReceiptInvalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Receipt:
    section: str
    bidder: str
    envelope_sha256: str
    server_time: str
    sequence: int
    key_id: str
    signature: str  # base64 DER
    suite: str = suites.INTL

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "bidder": self.bidder,
            "envelope_sha256": self.envelope_sha256,
            "key_id": self.key_id,
            "section": self.section,
            "sequence": self.sequence,
            "server_time": self.server_time,
            "version": RECEIPT_VERSION,
        }
        if self.suite != suites.INTL:  # intl bodies stay exactly as they were
            body["suite"] = self.suite
        return body

    def body_bytes(self) -> bytes:
        return canonical_json(self.body())

    def to_json(self) -> bytes:
        return canonical_json({"receipt": self.body(), "signature": self.signature})

    @property
    def server_datetime(self) -> dt.datetime:
        return dt.datetime.strptime(self.server_time, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def _check_body(body: Any) -> None:
    if (
        not isinstance(body, dict)
        or set(body) not in (BODY_KEYS, SM_BODY_KEYS)
        or body.get("version") != RECEIPT_VERSION
        or ("suite" in body and body["suite"] != suites.SM)
    ):
        raise ReceiptInvalid("回执内容不符合 ggzy-receipt/1 格式")
    for name in ("section", "bidder"):
        if not isinstance(body[name], str) or not SAFE_TEXT.fullmatch(body[name]):
            raise ReceiptInvalid(f"回执字段 {name} 无效")
    if not isinstance(body["envelope_sha256"], str) or not HEX64.fullmatch(body["envelope_sha256"]):
        raise ReceiptInvalid("回执中的信封哈希应为 64 位小写十六进制")
    if not isinstance(body["server_time"], str) or not SERVER_TIME.fullmatch(body["server_time"]):
        raise ReceiptInvalid("回执中的服务器时间格式无效")
    seq = body["sequence"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ReceiptInvalid("回执序号应为正整数")
    if not isinstance(body["key_id"], str):
        raise ReceiptInvalid("回执中的平台密钥标识无效")


def issue_receipt(
    key: PlatformKey,
    *,
    section: str,
    bidder: str,
    envelope_sha256: str,
    server_time: dt.datetime,
    sequence: int,
) -> Receipt:
    """Sign a receipt for an envelope the caller has already stored (never before)."""
    if server_time.tzinfo is None:
        raise ReceiptInvalid("服务器时间必须带时区")
    unsigned = Receipt(
        section=section,
        bidder=bidder,
        envelope_sha256=envelope_sha256,
        server_time=server_time.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        sequence=sequence,
        key_id=key.key_id,
        signature="",
        suite=suites.SM if isinstance(key, suites.SMSigningKey) else suites.INTL,
    )
    _check_body(unsigned.body())
    return Receipt(**{**unsigned.__dict__, "signature": key.sign(unsigned.body_bytes())})


def verify_receipt(public_pem: bytes, document: bytes | str | dict[str, Any]) -> Receipt:
    """Parse and verify a receipt document against the platform public key."""
    try:
        doc = json.loads(document) if isinstance(document, bytes | str) else document
    except (ValueError, RecursionError):
        raise ReceiptInvalid("回执不是有效的 JSON") from None
    if (
        not isinstance(doc, dict)
        or set(doc) != {"receipt", "signature"}
        or not isinstance(doc["signature"], str)
    ):
        raise ReceiptInvalid("回执应包含 receipt 和 signature 两个字段")
    body = doc["receipt"]
    _check_body(body)
    try:
        suite, kid = suites.public_key_id16(public_pem)
    except suites.SuiteError:
        raise ReceiptInvalid("平台公钥无法读取（应为 P-256 或 SM2 公钥）") from None
    if body.get("suite", suites.INTL) != suite.name:
        raise ReceiptInvalid(f"回执的密码套件与平台公钥不符（平台公钥属于 {suite.name}）")
    if body["key_id"] != kid:
        raise ReceiptInvalid("回执不是由该平台密钥签发的")
    if not suites.verify_b64(public_pem, canonical_json(body), doc["signature"]):
        raise ReceiptInvalid("回执签名验证失败（内容被修改或不是平台签发的）")
    return Receipt(
        section=body["section"],
        bidder=body["bidder"],
        envelope_sha256=body["envelope_sha256"],
        server_time=body["server_time"],
        sequence=body["sequence"],
        key_id=body["key_id"],
        signature=doc["signature"],
        suite=body.get("suite", suites.INTL),
    )
