"""The bidder kit's functions (wrapped by ``ggzy bid seal`` / ``ggzy bid decrypt-key``): key files,
seal a file into an envelope file, unwrap an envelope's content key, and open an envelope with it.

Keys are PKCS#8 PEM files (optionally password-protected). One P-256 key may serve both as the
bidder's encryption key (the envelope's ``bidder`` recipient) and as its certificate's signing key;
``seal_file`` also takes a separate signing key when the certificate key is another one.

Both crypto suites: ``generate_key(suite="sm")`` makes an SM2 key (PKCS#8 with the sm2p256v1 curve,
as ``openssl genpkey -algorithm SM2`` writes); every other function recognises the key it is given
and seals, unwraps and opens in that key's suite (P-256 → ``intl``, SM2 → ``sm``). Defaults stay
``intl``. An ``sm`` content key is 16 bytes (32 hex digits), an ``intl`` one 32 bytes (64 hex).
"""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ggzy.sealing import envelope, suites


class KitError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class KeyFiles:
    private_pem: bytes
    public_pem: bytes
    key_id: str


def generate_key(password: bytes | None = None, *, suite: str = suites.INTL) -> KeyFiles:
    """A new key of ``suite`` (P-256 for ``intl``, SM2 for ``sm``) as PKCS#8 PEM (encrypted with
    ``password`` if given) + its public PEM."""
    try:
        crypto = suites.suite_by_name(suite)
    except suites.SuiteError as exc:
        raise KitError(exc.message) from None
    key = crypto.generate_private_key()
    return KeyFiles(
        private_pem=crypto.private_pem(key, password),
        public_pem=crypto.public_pem(key.public_key()),
        key_id=envelope.key_id(key.public_key()),
    )


def load_private_key(data: bytes, password: bytes | None = None) -> suites.PrivateKey:
    """A P-256 or SM2 private key from PEM or DER (PKCS#8, encrypted or not, or SEC1)."""
    try:
        return suites.load_any_private_key(data, password)[1]
    except suites.KeyPasswordError:
        if not password:
            raise KitError("私钥文件有密码保护，请提供密码") from None
        raise KitError("无法读取私钥文件（密码错误）") from None
    except suites.SuiteError:
        raise KitError("无法读取私钥文件（应为 PKCS#8/SEC1 格式的 P-256 或 SM2 椭圆曲线私钥）") from None


def seal_file(
    src: Path,
    dst: Path,
    *,
    section: str,
    bidder: str,
    summary: Mapping[str, Any],
    key_pem: bytes,
    password: bytes | None = None,
    signing_key_pem: bytes | None = None,
    signing_password: bytes | None = None,
    escrow_public_pem: bytes | None = None,
    created_at: dt.datetime | None = None,
    chunk_size: int = envelope.DEFAULT_CHUNK_SIZE,
) -> envelope.SealResult:
    """Seal ``src`` into the envelope file ``dst`` (written to a temporary name, then renamed), in
    the suite of the signing key."""
    key = load_private_key(key_pem, password)
    signer = load_private_key(signing_key_pem, signing_password) if signing_key_pem else key
    if suites.suite_of_key(key) is not suites.suite_of_key(signer):
        raise KitError("加密密钥与签名密钥属于不同的密码套件（P-256 与 SM2 不能混用）")
    tmp = dst.with_name(dst.name + ".part")
    try:
        with src.open("rb") as fin, tmp.open("wb") as fout:
            result = envelope.seal(
                fin,
                fout,
                section=section,
                bidder=bidder,
                summary=summary,
                file_name=src.name,
                media_type=mimetypes.guess_type(src.name)[0] or "application/octet-stream",
                bidder_public_key=key.public_key(),
                signing_key=signer,
                escrow_public_key=escrow_public_pem,
                created_at=created_at or dt.datetime.now(dt.UTC),
                chunk_size=chunk_size,
            )
            fout.flush()
            os.fsync(fout.fileno())
        tmp.replace(dst)
    finally:
        tmp.unlink(missing_ok=True)
    return result


def decrypt_key(envelope_path: Path, key_pem: bytes, password: bytes | None = None) -> str:
    """The envelope's content key (64 hex digits) unwrapped with the bidder's (or escrow) key."""
    key = load_private_key(key_pem, password)
    with envelope_path.open("rb") as f:
        header = envelope.read_header(f)
    return envelope.unwrap_content_key(header, key).hex()


def parse_content_key(text: str) -> bytes:
    """64 hex digits (``intl``, AES-256) or 32 hex digits (``sm``, SM4); the envelope's key check
    decides whether it is the right one."""
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise envelope.WrongContentKey("内容密钥应为 64 位（intl）或 32 位（sm）十六进制") from None
    if len(key) not in (16, 32):
        raise envelope.WrongContentKey("内容密钥应为 64 位（intl）或 32 位（sm）十六进制")
    return key


def open_file(
    envelope_path: Path, content_key_hex: str, out_path: Path, *, signer_pem: bytes | None = None
) -> envelope.OpenedBid:
    """Decrypt an envelope file to ``out_path`` (only kept when every check passed)."""
    tmp = out_path.with_name(out_path.name + ".part")
    try:
        with envelope_path.open("rb") as fin, tmp.open("wb") as fout:
            opened = envelope.open_envelope(
                fin, fout, content_key=parse_content_key(content_key_hex), signer=signer_pem
            )
        tmp.replace(out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return opened


def summary_from_json(text: str) -> dict[str, Any]:
    try:
        summary = json.loads(text)
    except (ValueError, RecursionError):
        raise KitError("投标摘要不是有效的 JSON") from None
    if not isinstance(summary, dict):
        raise KitError("投标摘要应为 JSON 对象")
    return summary
