"""Password-protected key files at the opening hall, in a real Chromium: the bidder picks its
encrypted envelope key file and types the password in the labelled field (keyboard only: Enter
submits); a missing or wrong password gives a Chinese message on the page, the field is marked
invalid and focused, no JavaScript error occurs and nothing is posted to the server; the right
password decrypts. Both crypto suites:

- intl: PKCS#8 PEM encrypted by ``cryptography``/OpenSSL (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC),
  and PKCS#12 (PBES2 AES-256, OpenSSL 3's default); a legacy PKCS#12 (3DES) and OpenSSL's
  traditional encrypted PEM ("Proc-Type: 4,ENCRYPTED") are refused with a clear message.
- sm: SM2 PKCS#8 encrypted by the kit (``ggzy bid keygen --password-file``: PBES2,
  PBKDF2-HMAC-SHA256, SM4-CBC) and, as GmSSL writes it, with PBKDF2-HMAC-SM3 + SM4-CBC (built here
  with the standard library's SM3 PBKDF2 and ``cryptography``'s SM4: an implementation independent
  of sealing.js's).

Every key file is made in the test; no network."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import pkcs12
from django.test import Client
from playwright.sync_api import expect

from ggzy.core.clock import FixedClock
from ggzy.opening import services as opening
from ggzy.opening import views as opening_views
from ggzy.opening.models import DecryptionAttempt, OpenedBid
from ggzy.opening.tests.hallkit import T0, make_staff
from ggzy.opening.tests.test_sm_browser import _org, _sm_section, _user
from ggzy.sealing import envelope, kit, suites
from ggzy.sealing import testing as pki
from ggzy.trading.views import common

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "开标口令-2026"  # non-ASCII on purpose: PBKDF2 takes the UTF-8 bytes
FILE_LABEL = "投标加密密钥文件"
PASSWORD_LABEL = "密钥文件密码（如有）"


def _as(browser: Any, base: str, user: Any) -> Any:
    c = Client()
    c.force_login(user)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": c.cookies["sessionid"].value, "url": base}])
    page = context.new_page()
    page.set_default_timeout(30000)
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]
    page.posts = []  # type: ignore[attr-defined]
    page.on(
        "request",
        lambda r: page.posts.append(r.url) if r.method == "POST" else None,  # type: ignore[attr-defined]
    )
    return page


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _decrypt(page: Any, key_file: str, password: str) -> Any:
    """Pick the file and type the password by their labels; Enter in the password field submits."""
    page.get_by_label(FILE_LABEL, exact=True).set_input_files(key_file)
    field = page.get_by_label(PASSWORD_LABEL)
    field.fill(password)
    field.press("Enter")
    return page.locator("#decrypt-status")


def _refused(page: Any, key_file: str, password: str, message: str, *, password_problem: bool) -> None:
    status = _decrypt(page, key_file, password)
    expect(status).to_contain_text(message)
    field = page.get_by_label(PASSWORD_LABEL)
    if password_problem:
        expect(field).to_be_focused()
        expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#decrypt-btn")).to_be_enabled()  # the bidder can try again
    assert page.posts == [], page.posts  # nothing reached the server


def _opened(page: Any, bid: Any) -> None:
    expect(page.locator("#decrypt-status")).to_contain_text("解密成功")
    assert OpenedBid.objects.filter(bid=bid, method="bidder").exists()
    assert len(page.posts) == 1 and page.posts[0].endswith("/key/")
    expect(page.get_by_label(PASSWORD_LABEL)).to_have_value("")  # not kept on the page
    assert not page.errors, page.errors


def test_intl_encrypted_pkcs8_and_pkcs12(
    browser: Any, live_server: Any, make_hall: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hall = make_hall(3)
    monkeypatch.setattr(opening_views, "clock", hall.clock)
    session = opening.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    opening.opening_decryption_start(actor=hall.host, session=session, clock=hall.clock)
    base = live_server.url
    url = f"{base}/opening/{hall.section.code}/"
    pw = PASSWORD.encode()

    # bidder 1: encrypted PKCS#8 PEM (OpenSSL through cryptography: PBES2, AES-256-CBC)
    b1 = hall.bidders[0]
    key1 = kit.load_private_key(b1.key.private_pem)
    pem1 = key1.private_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(pw),
    )
    assert pem1.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    f1 = _write(tmp_path, "bidder1-encrypted.pem", pem1)
    p1 = _as(browser, base, b1.user)
    p1.goto(url)
    # no password: asked for one
    p1.get_by_label(FILE_LABEL, exact=True).set_input_files(f1)
    p1.locator("#decrypt-btn").focus()
    p1.keyboard.press("Enter")
    expect(p1.locator("#decrypt-status")).to_contain_text("该密钥文件有密码保护：请输入密码")
    expect(p1.get_by_label(PASSWORD_LABEL)).to_be_focused()
    assert p1.posts == []
    _refused(p1, f1, "wrong-password", "密钥文件的密码不正确", password_problem=True)
    _refused(p1, f1, PASSWORD + " ", "密钥文件的密码不正确", password_problem=True)
    # OpenSSL's traditional encrypted PEM cannot be opened in a browser: said so, with the fix
    traditional = key1.private_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.BestAvailableEncryption(pw),
    )
    assert b"Proc-Type: 4,ENCRYPTED" in traditional
    f_trad = _write(tmp_path, "bidder1-traditional.pem", traditional)
    _refused(p1, f_trad, PASSWORD, "传统格式的加密 PEM", password_problem=False)
    expect(p1.locator("#decrypt-status")).to_contain_text("openssl pkcs8 -topk8")
    assert not DecryptionAttempt.objects.exists()  # no attempt reached the server to be recorded
    _decrypt(p1, f1, PASSWORD)
    _opened(p1, b1.bid)
    # the other PBES2 variants OpenSSL writes open to the same key; the ones WebCrypto cannot do
    # (AES-192 in Chromium, PBES1 3DES, scrypt) are refused with the message that says what to do
    variants = {
        "aes128-sha1": (["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"], b1.key.key_id),
        "aes256-sha512": (["-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA512"], b1.key.key_id),
        "aes192": (["-v2", "aes-192-cbc"], "不支持此密钥文件的加密方式"),
        "pbes1-3des": (["-v1", "PBE-SHA1-3DES"], "不支持此密钥文件的加密方式"),
        "scrypt": (["-scrypt"], "不支持此密钥文件的加密方式"),
    }
    for name, (args, expected) in variants.items():
        assert _openssl_pkcs8(b1.key.private_pem, args).startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        got = p1.evaluate(
            """async ([pem, password]) => {
              try {
                const keys = await GgzySealing.importPrivateKeyFile(new TextEncoder().encode(pem), password);
                return await GgzySealing.keyId(keys.publicKey);
              } catch (e) { return e.message; }
            }""",
            [_openssl_pkcs8(b1.key.private_pem, args).decode(), PASSWORD],
        )
        assert expected in got, (name, got)

    # bidder 2: PKCS#12 (.p12): legacy 3DES refused with a message, PBES2/AES-256 decrypts
    b2 = hall.bidders[1]
    key2 = kit.load_private_key(b2.key.private_pem)
    legacy = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())  # noqa: S303 - the legacy file format under test
        .build(pw)
    )
    modern = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(20000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(pw)
    )
    f_legacy = _write(
        tmp_path,
        "bidder2-legacy.p12",
        pkcs12.serialize_key_and_certificates(b"bid-key", key2, None, None, legacy),  # type: ignore[arg-type]
    )
    f_p12 = _write(
        tmp_path,
        "bidder2.p12",
        pkcs12.serialize_key_and_certificates(b"bid-key", key2, None, None, modern),  # type: ignore[arg-type]
    )
    p2 = _as(browser, base, b2.user)
    p2.goto(url)
    _refused(p2, f_legacy, PASSWORD, "不支持此密钥文件的加密方式", password_problem=False)
    _refused(p2, f_p12, "nope", "密钥文件的密码不正确", password_problem=True)
    # keyboard only: from the password field, Tab to the button and press Enter
    p2.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    p2.get_by_label(PASSWORD_LABEL).press("Tab")
    expect(p2.locator("#decrypt-btn")).to_be_focused()
    p2.keyboard.press("Enter")
    _opened(p2, b2.bid)
    for p in (p1, p2):
        p.context.close()


def _openssl_pkcs8(plain_pem: bytes, args: list[str]) -> bytes:
    """``openssl pkcs8 -topk8`` with the given encryption options (the OpenSSL CLI, no network)."""
    proc = subprocess.run(
        ["openssl", "pkcs8", "-topk8", *args, "-passout", f"pass:{PASSWORD}"],
        input=plain_pem,
        capture_output=True,
        check=True,
    )
    return proc.stdout


def _gmssl_style_pem(plain_der: bytes, password: bytes, *, iterations: int = 4096) -> bytes:
    """EncryptedPrivateKeyInfo with PBES2: PBKDF2 with HMAC-SM3 (OID 1.2.156.10197.1.401.2, GM/T
    0006 "SM3 with key") and SM4-CBC — the key derivation is OpenSSL's (hashlib), the cipher
    ``cryptography``'s SM4, so the browser's reading is checked against other code."""
    der = suites.der
    salt, iv = os.urandom(16), os.urandom(16)
    key = hashlib.pbkdf2_hmac("sm3", password, salt, iterations, 16)
    padder = padding.PKCS7(128).padder()
    body = padder.update(plain_der) + padder.finalize()
    enc = Cipher(algorithms.SM4(key), modes.CBC(iv)).encryptor()
    data = enc.update(body) + enc.finalize()
    oid_pbes2 = bytes.fromhex("06092a864886f70d01050d")
    oid_pbkdf2 = bytes.fromhex("06092a864886f70d01050c")
    oid_hmac_sm3 = bytes.fromhex("06092a811ccf5501831102")
    oid_sm4_cbc = bytes.fromhex("06082a811ccf55016802")
    kdf = der(
        0x30,
        oid_pbkdf2
        + der(
            0x30, der(0x04, salt) + suites.der_int(iterations) + suites.der_int(16) + der(0x30, oid_hmac_sm3)
        ),
    )
    scheme = der(0x30, oid_sm4_cbc + der(0x04, iv))
    info = der(0x30, der(0x30, oid_pbes2 + der(0x30, kdf + scheme)) + der(0x04, data))
    b64 = base64.encodebytes(info).decode().replace("\n", "")
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return (
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
        + "\n".join(lines)
        + "\n-----END ENCRYPTED PRIVATE KEY-----\n"
    ).encode()


def test_sm_encrypted_key_files(
    browser: Any, live_server: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ggzy.accounts import services as accounts
    from ggzy.trading import services as trading

    clock = FixedClock(T0)
    monkeypatch.setattr(common, "clock", clock)
    monkeypatch.setattr(opening_views, "clock", clock)
    staff = make_staff()
    section, escrow = _sm_section(clock, staff)
    ca = pki.make_ca("示范国密CA根证书", key_type="sm2")
    accounts.trusted_root_import(actor=None, data=pki.cert_pem(ca[0]), name="示范国密CA", clock=clock)
    pw = PASSWORD.encode()
    people = []
    for i in range(3):
        org = _org("bidder", f"示范国密口令第{i + 1}工程有限公司")
        user = _user("bidder", org)
        cert, cert_key = pki.make_leaf(*ca, org_name=org.name, credit_code=org.credit_code, key_type="sm2")
        accounts.certificate_bind(actor=user, organisation=org, data=pki.cert_pem(cert), clock=clock)
        key = kit.generate_key(pw, suite="sm")  # the kit's encrypted SM2 key file (SM4-CBC)
        trading.bidder_key_register(actor=user, public_key_pem=key.public_pem, clock=clock)
        sealed = io.BytesIO()
        envelope.seal(
            io.BytesIO(b"%%PDF-1.4 sm bid %d" % i),
            sealed,
            section=section.code,
            bidder=org.credit_code,
            summary={"price": f"{7000000 + i * 1111}.00", "duration": "320"},
            file_name="投标文件.pdf",
            bidder_public_key=key.public_pem,
            escrow_public_key=escrow.public_key_pem,
            signing_key=cert_key,
            created_at=T0,
        )
        sealed.seek(0)
        bid = trading.bid_submit_file(actor=user, section=section, src=sealed, clock=clock)
        people.append((user, key, bid))
    clock.at = section.bid_deadline
    trading.sections_close_due(clock=clock)
    section.refresh_from_db()
    session = opening.opening_session_open(actor=staff["editor"], section=section, clock=clock)
    opening.opening_decryption_start(actor=staff["editor"], session=session, clock=clock)
    base = live_server.url
    url = f"{base}/opening/{section.code}/"

    # bidder 1: the kit's file, PBKDF2-HMAC-SHA256 + SM4-CBC
    user1, key1, bid1 = people[0]
    assert key1.private_pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    f1 = _write(tmp_path, "sm-kit-encrypted.pem", key1.private_pem)
    p1 = _as(browser, base, user1)
    p1.goto(url)
    _refused(p1, f1, "", "请输入密码", password_problem=True)
    _refused(p1, f1, "wrong-password", "密钥文件的密码不正确", password_problem=True)
    _decrypt(p1, f1, PASSWORD)
    _opened(p1, bid1)

    # bidder 2: the same SM2 key re-encrypted as GmSSL does, PBKDF2-HMAC-SM3 + SM4-CBC
    user2, key2, bid2 = people[1]
    plain = suites.pem_decode(suites.SM_SUITE.private_pem(kit.load_private_key(key2.private_pem, pw)))[1]  # type: ignore[arg-type]
    f2 = _write(tmp_path, "sm-gmssl-style.pem", _gmssl_style_pem(plain, pw))
    p2 = _as(browser, base, user2)
    p2.goto(url)
    _refused(p2, f2, "wrong-password", "密钥文件的密码不正确", password_problem=True)
    _decrypt(p2, f2, PASSWORD)
    _opened(p2, bid2)
    assert not DecryptionAttempt.objects.exists()
    for p in (p1, p2):
        p.context.close()
